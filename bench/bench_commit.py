"""Time to commit one durable action: Store.add_span on the long article (WAL, synchronous=FULL).

Each call is one BEGIN IMMEDIATE ... COMMIT that inserts the span and its action-log
row; with synchronous=FULL the commit fsyncs the WAL, so the figure is mostly the disk's
fsync latency. The database is the one bench_tui.py builds (a 200,000-character article
with 5,000 spans); the spans are added under their own annotator so none collides with
an existing one. Undo (which replays the analyst's action log) is timed too, for
information.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from time import perf_counter

from common import Row, machine_line, ms, out_dir, percentile, print_table
from data import build_article_db

from annotator.store import Store

ANNOTATOR = "commit-bench"
LABELS = ("PERSON", "ORG", "PLACE", "OTHER", "QUANTITY", "CLAIM")


def raw_fsync(directory: Path, count: int = 200) -> list[float]:
    """fsync latency of this disk for a 4 KiB append: the floor under any durable commit."""
    import os

    path = directory / "fsync-probe.tmp"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        for _ in range(count):
            os.write(fd, b"x" * 4096)
            started = perf_counter()
            os.fdatasync(fd)
            times.append(perf_counter() - started)
    finally:
        os.close(fd)
        os.unlink(path)
    return times


def run_commit(db_path: Path, document_id: int, actions: int = 500, warmup: int = 10, undos: int = 50) -> list[Row]:
    rows: list[Row] = []
    with Store.open(db_path) as store:
        journal = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = store.conn.execute("PRAGMA synchronous").fetchone()[0]
        document = store.document(document_id)
        words = [m.span() for m in re.finditer(r"\w+", document.text)]
        step = max(1, len(words) // (actions + warmup + 1))
        picks = words[::step][: actions + warmup]
        times: list[float] = []
        for index, (start, end) in enumerate(picks):
            label = LABELS[index % len(LABELS)]
            started = perf_counter()
            store.add_span(document, start, end, label, ANNOTATOR)
            elapsed = perf_counter() - started
            if index >= warmup:
                times.append(elapsed)
        undo_times: list[float] = []
        for _ in range(undos):
            started = perf_counter()
            store.undo(document, ANNOTATOR)
            undo_times.append(perf_counter() - started)
        wal = Path(f"{db_path}-wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
    fsyncs = raw_fsync(db_path.parent)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    rows.append(
        Row(
            f"commit one action: Store.add_span (n={len(times)})",
            ms(p50),
            ms(p95),
            "p95 <= 2 ms",
            p95 <= 0.002,
            f"journal_mode={journal}, synchronous={synchronous} (2=FULL); max {ms(max(times))}; "
            f"{len(times)} spans on a document with 5,000; WAL now {wal_size / 1e6:.1f} MB",
        )
    )
    rows.append(
        Row(
            f"undo one action (n={len(undo_times)}, log of {actions + warmup} actions)",
            ms(percentile(undo_times, 50)),
            ms(percentile(undo_times, 95)),
            note="undo replays the analyst's action log (_stacks) inside the transaction",
        )
    )
    rows.append(
        Row(
            f"  disk floor: fdatasync of a 4 KiB append (n={len(fsyncs)})",
            ms(percentile(fsyncs, 50)),
            ms(percentile(fsyncs, 95)),
            note=f"same folder as the database ({db_path.parent}); a laptop SSD is often 0.5-5 ms, a network disk more",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=500)
    args = parser.parse_args(argv)
    db = out_dir() / "commit.db"
    built = build_article_db(db, "bench")
    started = time.perf_counter()
    rows = run_commit(db, int(built["big_id"]), args.actions)  # type: ignore[arg-type]
    print_table(rows, f"Durable commit ({machine_line()}; db {db}; {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
