"""A killed app loses nothing it showed as saved, and a backup can be taken meanwhile."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from annotator.store import Store

SCRIPT = Path(__file__).parent / "scripts" / "tag_forever.py"
TEXT = " ".join(f"Word{i} said Minister{i} of Place{i}." for i in range(400))


def _start(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(db), "killer"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TEXTUAL": ""},
    )


def test_sigkill_at_random_moments_loses_nothing_reported_saved(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    with Store.open(db) as store:
        store.add_document("a", "A", TEXT)
        store.add_document("b", "B", TEXT.replace("said", "told"))
    rng = random.Random(7)
    reported: set[str] = set()
    for _round in range(8):
        process = _start(db)
        deadline = time.monotonic() + rng.uniform(1.2, 2.4)
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("SAVED "):
                reported.add(line.split()[1])
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        # Lines the app printed just before the kill still count as reported.
        for line in process.stdout.read().splitlines():
            if line.startswith("SAVED "):
                reported.add(line.split()[1])
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = {row[0] for row in conn.execute("SELECT uid FROM spans")}
        finally:
            conn.close()
        missing = reported - stored
        assert not missing, f"{len(missing)} span(s) shown as saved are gone after SIGKILL"
    assert len(reported) >= 5, "the app hardly got to tag anything"


def test_backup_while_another_process_writes(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    with Store.open(db) as store:
        store.add_document("a", "A", TEXT)
    process = _start(db)
    try:
        assert process.stdout is not None
        seen = 0
        while seen < 5:
            line = process.stdout.readline()
            assert line, "the app stopped before it tagged anything"
            seen += line.startswith("SAVED ")
        result = subprocess.run(
            [sys.executable, "-m", "annotator", "backup", str(tmp_path / "copy.db"), "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
    finally:
        process.kill()
        process.wait(timeout=10)
    conn = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM spans").fetchone()[0] >= 5
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
