"""Export and import killed at random moments leave the old state or the new one, never half."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from annotator.model import NewSpan
from annotator.store import Store


def _big_database(path: Path, documents: int = 3000) -> None:
    with Store.open(path) as store:
        with store.transaction():
            for n in range(documents):
                text = f"Headline number {n} here\n\n" + "Alice met Bob in Paris. " * 40
                spans = [NewSpan(i * 24, i * 24 + 5, "PERSON", "alice") for i in range(1, 30)]
                store.add_document(f"d{n}", f"Headline number {n} here", text, spans=spans)


def _kill_after(args: list[str], cwd: Path, delay: float) -> int:
    process = subprocess.Popen([sys.executable, "-m", "annotator", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    return process.wait(timeout=30)


def test_killed_export_leaves_the_old_file_or_the_whole_new_one(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    _big_database(db)
    target = tmp_path / "out.jsonl"
    target.write_text("OLD EXPORT\n", encoding="utf-8")
    rng = random.Random(11)
    for _ in range(5):
        code = _kill_after(["export", "--db", str(db), "--out", str(target)], tmp_path, rng.uniform(0.2, 1.2))
        content = target.read_text(encoding="utf-8")
        if content == "OLD EXPORT\n":
            assert code != 0
            continue
        lines = content.splitlines()
        assert len(lines) == 3000, "a truncated export replaced the old file"
        for line in lines:
            json.loads(line)
        target.write_text("OLD EXPORT\n", encoding="utf-8")


def test_killed_import_leaves_whole_documents(tmp_path: Path) -> None:
    source = tmp_path / "many.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for n in range(4000):
            text = f"Story {n} headline here\n\n" + "Minister Alice said prices rose. " * 20
            spans = [{"start": 30 + 33 * i, "end": 35 + 33 * i, "label": "PERSON", "annotator": "bob"} for i in range(10)]
            handle.write(json.dumps({"id": f"s{n}", "text": text, "spans": spans}) + "\n")
    rng = random.Random(5)
    for round_ in range(3):
        db = tmp_path / f"r{round_}.db"
        with Store.open(db):
            pass
        _kill_after(["import", str(source), "--db", str(db)], tmp_path, rng.uniform(0.3, 2.0))
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            documents = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            spans = conn.execute("SELECT COUNT(*) FROM spans").fetchone()[0]
        finally:
            conn.close()
        # One file is one transaction: all 4,000 documents with all their spans, or none.
        assert (documents, spans) in {(0, 0), (4000, 40000)}
