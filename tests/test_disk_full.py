"""A full disk: the import says so, names what went in and what did not, and stops cleanly."""

from __future__ import annotations

import gc
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import run_cli

from annotator.store import Store


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 600 KB file system (tmpfs), so SQLite meets a genuinely full disk."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("needs permission to mount a small tmpfs")
    try:
        yield mount
    finally:
        gc.collect()
        subprocess.run(["umount", str(mount)], capture_output=True)


def articles(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for n in range(count):
        path = folder / f"a{n:02d}.txt"
        path.write_text(f"Headline number {n} here\n\n" + f"Lorem ipsum dolor sit amet {n}. " * 2000, encoding="utf-8")
        paths.append(path)
    return paths


def test_an_import_that_fills_the_disk_stops_with_one_clear_line(tmp_path: Path, small_disk: Path) -> None:
    paths = articles(tmp_path / "corpus", 12)
    db = small_disk / "team.db"
    result = run_cli(tmp_path, "import", str(tmp_path / "corpus"), "--db", str(db), name="alice")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "cannot rollback" not in output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    line = errors[0]
    assert "database or disk is full" in line
    # It names the file that did not go in and the ones that did.
    failed = next(p for p in paths if f"{p}: not imported" in line)
    went_in = paths[: paths.index(failed)]
    assert went_in and all(str(p) in line for p in went_in[:5])
    assert "not tried" in line
    # The database is intact and holds exactly the files reported as imported.
    with Store.open(db, create=False, read_only=True) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.document_count() == len(went_in)
    # Reading it on the full disk works and is not called "not an annotator database".
    stats = run_cli(tmp_path, "stats", "--db", str(db), name="alice")
    assert stats.returncode == 0, stats.stderr
    assert f"Documents: {len(went_in)}" in stats.stdout


def test_a_database_that_cannot_be_created_on_a_full_disk_leaves_no_file(tmp_path: Path, small_disk: Path) -> None:
    (small_disk / "filler").write_bytes(b"\0" * (600 * 1024 - 4096))
    paths = articles(tmp_path / "corpus", 1)
    result = run_cli(tmp_path, "import", str(paths[0]), "--db", str(small_disk / "new.db"), name="alice")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"annotator: {small_disk / 'new.db'}: database error: database or disk is full"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
