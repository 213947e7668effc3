"""Two analysts' processes writing to one database file at the same time.

Each process is a real separate Python process using annotator.store.Store, released
together by a start file, adding a few hundred spans to the same article and deleting
some, while reading in between like the app does. Every change must land exactly once
and neither process may fail on a locked database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.store import Store

SPANS_EACH = 300
DELETE_EVERY = 5  # every 5th span added is deleted again a little later

WORKER = r"""
import json, sys, time
from pathlib import Path
from annotator.store import Store

db, name, document_id, ready, go, count, delete_every = sys.argv[1:8]
count, delete_every = int(count), int(delete_every)
labels = ["PERSON", "ORG", "PLACE", "QUANTITY", "CLAIM"]
with Store.open(db, create=False) as store:
    document = store.document(int(document_id))
    Path(ready).touch()
    deadline = time.monotonic() + 30
    while not Path(go).exists():
        if time.monotonic() > deadline:
            sys.exit("never released")
        time.sleep(0.001)
    first = time.time()
    kept, deleted = {}, []
    for i in range(count):
        start = i * 2
        span = store.add_span(document, start, start + 1 + i % 3, labels[i % len(labels)], name)
        kept[span.uid] = [span.start, span.end, span.label]
        if i % delete_every == delete_every - 1:
            victim = list(kept)[-3]  # one added a few steps back
            store.delete_span(document, victim, name)
            deleted.append(victim)
            del kept[victim]
        if i % 10 == 0:
            mine = store.spans(document.id, name)  # the app re-reads after each change
            assert {s.uid for s in mine} == set(kept), "a committed change is not visible"
            store.progress()
    last = time.time()
print(json.dumps({"kept": kept, "deleted": deleted, "first": first, "last": last}))
"""


@pytest.mark.parametrize(
    ("names", "spans_each"),
    [
        (("alice", "bob"), SPANS_EACH),
        # Eight analysts at once, 500 spans each: the load docs/database.md's capacity note is about.
        (tuple(f"analyst{n}" for n in range(8)), 500),
    ],
    ids=["2-processes", "8-processes"],
)
def test_processes_write_to_one_database_at_once(tmp_path: Path, names: tuple[str, ...], spans_each: int) -> None:
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        text = "word " * (spans_each + 10)
        document = store.add_document("shared", "Shared", text).document
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    processes = []
    for name in names:
        ready = tmp_path / f"{name}.ready"
        processes.append(
            (
                name,
                ready,
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, str(db), name, str(document.id), str(ready), str(go), str(spans_each), str(DELETE_EVERY)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                ),
            )
        )
    deadline = time.monotonic() + 60
    while not all(ready.exists() for _, ready, _ in processes):
        assert time.monotonic() < deadline, "the workers did not start"
        assert all(p.poll() is None for _, _, p in processes), [p.communicate() for _, _, p in processes]
        time.sleep(0.01)
    go.touch()  # both go at once

    results = {}
    for name, _, process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert "database is locked" not in stderr and "database is locked" not in stdout
        assert process.returncode == 0, f"{name} failed:\n{stderr}"
        results[name] = json.loads(stdout)

    # They really ran at the same time.
    latest_first = max(r["first"] for r in results.values())
    earliest_last = min(r["last"] for r in results.values())
    assert latest_first < earliest_last

    deletes = spans_each // DELETE_EVERY
    with Store.open(db, create=False) as store:
        for name, result in results.items():
            spans = store.spans(document.id, name)
            assert len(result["kept"]) == spans_each - deletes
            # Every expected span is there, exactly once, as written; no deleted one came back.
            assert {s.uid: [s.start, s.end, s.label] for s in spans} == result["kept"]
            keys = [(s.start, s.end, s.label) for s in spans]
            assert len(keys) == len(set(keys))
            assert not set(result["deleted"]) & {s.uid for s in spans}
            history = [row for row in store.history(document.id) if row["annotator"] == name]
            assert sorted(row["op"] for row in history) == ["add"] * spans_each + ["delete"] * deletes
        assert store.progress()[document.id] == {name: "in_progress" for name in names}
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
