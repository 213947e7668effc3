"""Merging from a database another process is writing reads one consistent snapshot,
and a killed merge's private copy is swept by the next one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from test_merge import spans_of
from test_merge_changes import TEXT

from annotator.store import Store
from cli_support import run_cli_process

WRITER = textwrap.dedent(
    """
    import sys, time
    from annotator.store import Store
    store = Store.open(sys.argv[1], create=False)
    document = store.document(store.list_documents()[0].id)
    deadline = time.monotonic() + float(sys.argv[2])
    print("ready", flush=True)
    n = 0
    while time.monotonic() < deadline:
        span = store.add_span(document, n % 60, n % 60 + 3, "ORG", f"writer{n}")
        store.update_span(document, span.uid, span.annotator, note="x" * (20000 + n))
        if n % 3:
            store.delete_span(document, span.uid, span.annotator)
        n += 1
    print(n, flush=True)
    """
)


def test_merging_while_the_other_database_is_being_written(tmp_path: Path) -> None:
    team, bob = tmp_path / "team.db", tmp_path / "bob.db"
    with Store.open(bob) as store:
        store.add_document("shared", "Minister", TEXT)
        # A file large enough that copying it takes a while: checkpoints land mid-copy.
        with store.transaction():
            for n in range(1500):
                store.add_document(f"filler-{n}", "Filler", f"{n} " + "filler text " * 1000)
    with Store.open(team) as store:
        store.add_document("shared", "Minister", TEXT)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(bob), "8"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        for attempt in range(9):
            result = run_cli_process(tmp_path, "merge", str(bob), "--db", str(team), name="merger")
            assert result.returncode == 0, (attempt, result.stderr)
            assert "Traceback" not in result.stderr
            with Store.open(team, create=False) as store:
                assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == 0
    # Once the writer is done, one more merge brings the team file to bob's state.
    assert run_cli_process(tmp_path, "merge", str(bob), "--db", str(team), name="merger").returncode == 0
    assert spans_of(team) == spans_of(bob)


def test_a_killed_merges_private_copy_is_swept_by_the_next_merge(tmp_path: Path) -> None:
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    left = scratch_root / f"annotator-merge-{dead_pid}-abc123"
    left.mkdir()
    (left / "other.db").write_bytes(b"x" * 4096)
    foreign = scratch_root / "annotator-merge-notapid"
    foreign.mkdir()
    team, bob = tmp_path / "team.db", tmp_path / "bob.db"
    for path in (team, bob):
        with Store.open(path) as store:
            store.add_document("shared", "Minister", TEXT)
    time.sleep(0.01)
    result = run_cli_process(
        tmp_path, "merge", str(bob), "--db", str(team), name="merger", env={"TMPDIR": str(scratch_root)}
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in scratch_root.iterdir()) == ["annotator-merge-notapid"]
