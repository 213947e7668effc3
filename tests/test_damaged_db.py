"""A damaged database file: one line naming it, a non-zero exit, and nothing changed."""

from __future__ import annotations

import hashlib
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
