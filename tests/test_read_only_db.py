"""A database this user may not write: reading commands work, writing ones say why in one line."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import run_cli

from annotator.store import Store

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[Path]:
    """team.db on a read-only bind mount: refused even to root, as on read-only media."""
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "team.db"
    with Store.open(db) as store:
        document = store.add_document("one", "One", "Alice met Bob in Paris.").document
        store.add_span(document, 0, 5, "PERSON", "alice")
        store.add_span(document, 0, 5, "PERSON", "bob")
        store.set_progress("alice", document.id, "done")
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("needs permission to make a read-only bind mount")
    try:
        remounted = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True)
        if remounted.returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield db
    finally:
        import gc

        gc.collect()  # a connection the test process still holds keeps the mount busy
        subprocess.run(["umount", str(folder)], capture_output=True)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        (["stats"], "Documents: 1"),
        (["export", "--out", "{tmp}/out.jsonl"], "wrote 1 document"),
        (["export", "--format", "conll", "--out", "{tmp}/out.conll"], "wrote 1 document"),
        (["agreement"], "Analysts: alice, bob"),
        (["backup", "{tmp}/copy.db"], "backed up"),
    ],
)
def test_reading_commands_work_on_a_read_only_database(
    tmp_path: Path, read_only_db: Path, command: list[str], expect: str
) -> None:
    before = digest(read_only_db)
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = run_cli(tmp_path, *args, "--db", str(read_only_db), name="alice")
    assert result.returncode == 0, result.stderr
    assert expect in result.stdout
    assert digest(read_only_db) == before
    assert sorted(p.name for p in read_only_db.parent.iterdir()) == ["team.db"]


@pytest.mark.parametrize("command", [["import", str(CORPUS)], ["merge", "{tmp}/other.db"]])
def test_writing_commands_say_the_database_is_read_only(tmp_path: Path, read_only_db: Path, command: list[str]) -> None:
    with Store.open(tmp_path / "other.db") as other:
        other.add_document("two", "Two", "Something else.")
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = run_cli(tmp_path, *args, "--db", str(read_only_db), name="alice")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0] == (
        f"annotator: {read_only_db}: is read-only (on a read-only file system); this command writes to it. Reading commands work"
    )
    assert "not an annotator database" not in lines[0]


def test_a_backup_is_no_more_readable_than_its_source(tmp_path: Path) -> None:
    db = tmp_path / "private.db"
    with Store.open(db) as store:
        store.add_document("one", "One", "Alice met Bob in Paris.")
    db.chmod(0o600)
    result = run_cli(tmp_path, "backup", "copy.db", "--db", str(db), name="alice")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "copy.db").stat().st_mode & 0o777 == 0o600


async def test_the_app_opens_a_read_only_database_to_read_and_says_so(read_only_db: Path) -> None:
    from test_tui_support import running, status_text, view_of

    before = digest(read_only_db)
    store = Store.open(read_only_db, create=False, read_only=True)
    try:
        async with running(store, annotator="alice") as (app, pilot):
            assert "READ-ONLY" in status_text(app)
            assert view_of(app).text.startswith("Alice met Bob")
            await pilot.press("right", "w", "p", "D")
            await pilot.pause()
            assert "READ-ONLY" in status_text(app)
            assert any("read-only" in n.message for n in app._notifications)
    finally:
        store.close()
    assert digest(read_only_db) == before
    with Store.open(read_only_db, create=False, read_only=True) as check:
        assert len(check.spans(check.list_documents()[0].id)) == 2


@pytest.mark.parametrize(
    "args", [[], ["--format", "conll", "--status", "all"], ["--format", "conll", "--status", "all", "--split", "train=0.5,test=0.5"]]
)
def test_an_export_is_no_more_readable_than_its_database(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "private.db"
    with Store.open(db) as store:
        document = store.add_document("one", "One", "Alice met Bob in Paris.").document
        store.add_span(document, 0, 5, "PERSON", "alice")
    db.chmod(0o600)
    result = run_cli(tmp_path, "export", *args, "--db", str(db), name="alice")
    assert result.returncode == 0, result.stderr
    written = [p for p in (tmp_path / "exports").rglob("*") if p.is_file() and not p.name.startswith(".")]
    written += [p for p in (tmp_path / "exports").rglob("*") if p.is_file() and p.parent.name.startswith("g-")]
    assert written
    for path in written:
        if path.name == "lock":
            continue
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))
