"""A damaged database file: one line naming it, a non-zero exit, and nothing changed."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path

import pytest
from cli_support import run_cli

from annotator.store import Store

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make(tmp_path: Path, damage: str) -> Path:
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        document = store.add_document("one", "One", "Alice met Bob in Paris. " * 2000).document
        for start in range(0, 4000, 24):
            store.add_span(document, start, start + 5, "PERSON", "alice")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    if damage == "truncated":
        db.write_bytes(data[: len(data) // 2])
    else:
        # Overwrite every page after the first few with garbage: the schema is readable,
        # the tables are not.
        page = 4096
        damaged = bytearray(data)
        for offset in range(3 * page, len(data), page):
            damaged[offset : offset + 64] = b"\x5a" * 64
        db.write_bytes(bytes(damaged))
    return db


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["export", "--out", "out.jsonl"],
        ["agreement"],
        ["backup", "copy.db"],
        ["import", str(CORPUS)],
        ["merge", "other.db"],
    ],
)
def test_every_command_on_a_damaged_database_says_so_in_one_line(tmp_path: Path, damage: str, command: list[str]) -> None:
    db = make(tmp_path, damage)
    with Store.open(tmp_path / "other.db") as other:
        other.add_document("two", "Two", "Something else entirely.")
    before = sha(db)
    result = run_cli(tmp_path, *command, "--db", str(db), name="alice")
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"annotator: {db}: database is damaged"), lines[0]
    assert "restore it from a backup" in lines[0]
    assert sha(db) == before
    assert not (tmp_path / "copy.db").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


async def test_the_app_meeting_a_damaged_page_ends_with_the_error_not_a_traceback(tmp_path: Path) -> None:
    """The file opens (its first pages are fine) but the article's text sits on damaged pages."""
    from annotator.tui.app import make_app

    db = tmp_path / "team.db"
    with Store.open(db) as store:
        store.add_document("one", "One", "A short first article.")
        store.add_document("two", "Two", "Alice met Bob in Paris. " * 20000)  # overflow pages
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    # Only the pages holding the second article's text: the chain pointers of its overflow pages.
    for offset in range(page, len(data), page):
        if b"Alice met Bob in Paris. Alice" in data[offset : offset + page]:
            data[offset : offset + 4] = b"\xff\xff\xff\xff"
    db.write_bytes(bytes(data))
    store = Store.open(db, create=False)
    try:
        app = make_app(store, "alice")
        # The app meets the damage when it lists the articles (their lengths) or, at the
        # latest, when `n` opens the second one: either way it must end with the error.
        run = asyncio.create_task(app.run_async(headless=True, size=(80, 24)))
        for _ in range(200):
            if run.done() or app.database_failure is not None:
                break
            if app.is_running and app.screen.is_mounted:
                app.simulate_key("n")  # the second article's text is on the damaged pages
            await asyncio.sleep(0.02)
        await asyncio.wait_for(run, 10)
        assert isinstance(app.database_failure, sqlite3.DatabaseError)
        assert app.return_code == 1
    finally:
        store.close()
