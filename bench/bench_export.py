"""Export throughput: `annotator export` against the sqlite3 command-line tool on the same file.

The corpus (default 100,000 documents of ~300 characters, 1,000,000 spans by three
analysts) is generated once with bulk SQL into the tables `Store.open` creates, and cached
as bench/out/export-<docs>d-<spans>s.db; generation is not timed.

Timed, each in a fresh process, alternating, `--rounds` times (median reported):

* `annotator export --db DB --out FILE`: the real CLI (interpreter start, imports, open,
  `export_native`: SQLite builds every line, Python streams it to a temporary file,
  fsyncs it and renames it into place);
* `/usr/bin/sqlite3 -batch DB .mode list .output FILE "SELECT json_object(...)"`: the
  same grouped JSONL query written by the sqlite3 shell (one line per document with its
  spans as a nested json_group_array). The query is the one Store.export_rows runs with no
  filters, so the two files must be byte-identical, and the script checks that.

The sqlite3 shell does not fsync its output; the atomic export does. A second ratio
adds an fsync of the sqlite3 output, for a like-for-like durable write.

Peak RSS of each process is its VmHWM in /proc/<pid>/status, sampled while it runs
(ru_maxrss is unusable for a child of a big parent: Linux keeps the parent's high-water
mark across fork + exec). It is measured on the full corpus and on a corpus a tenth its size: if the export streams,
the two are about the same.

`python bench/bench_export.py --worker DB OUT` is the in-process timing of
export_native alone (used by the main script; prints JSON).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from time import perf_counter

from common import Row, machine_line, out_dir, percentile, print_table, secs

SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"

SPAN_QUERY = """
    SELECT json_group_array(json(j)) FROM (
        SELECT json_object(
            'start', s.start, 'end', s."end", 'label', s.label, 'kind', COALESCE(l.kind, 'entity'),
            'text', s.text, 'annotator', s.annotator, 'note', s.note, 'attrs', json(s.attrs),
            'uid', s.uid, 'created_at', s.created_at, 'updated_at', s.updated_at
        ) AS j
        FROM spans s LEFT JOIN labels l ON l.name = s.label
        WHERE s.document_id = d.id
        ORDER BY s.start, s."end", s.label, s.annotator
    )
"""
EXPORT_QUERY = f"""
SELECT json_object(
    'id', d.key, 'title', d.title, 'text', d.text, 'meta', json(d.meta),
    'spans', json(({SPAN_QUERY}))
)
FROM documents d ORDER BY d.position, d.id;
""".strip()


def db_for(docs: int, spans: int, rebuild: bool = False) -> tuple[Path, dict[str, float] | None]:
    from data import build_export_db

    from annotator.store import SCHEMA_VERSION

    path = out_dir() / f"export-{docs}d-{spans}s.db"
    if path.exists() and not rebuild:
        # a cache made by an older schema would be migrated (written) inside the timed export
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(path)) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return path, None
        print(f"{path.name}: schema changed since it was generated", file=sys.stderr)
    print(f"generating {path.name} ({docs:,} documents, {spans:,} spans) ...", file=sys.stderr, flush=True)
    made = build_export_db(path, docs, spans)
    print(f"  done in {made['seconds']:.0f} s, {made['bytes'] / 1e6:.0f} MB", file=sys.stderr, flush=True)
    return path, made


def _vm_hwm_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None  # a zombie has no memory lines left


def timed_process(argv: list[str]) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS in KiB and stdout of one command.

    Peak RSS is the child's VmHWM from /proc, sampled every 2 ms until it exits.
    (ru_maxrss from wait4 is no good here: Linux carries the parent's high-water mark
    across fork/vfork + exec, so every child would report this Python's own size.)
    """
    import tempfile
    import threading

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                value = _vm_hwm_kib(process.pid)
                if value is None:
                    return
                peak = max(peak, value)
                done.wait(0.002)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        elapsed = perf_counter() - started
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        if returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({returncode}): {err.read().decode(errors='replace')[-2000:]}")
        return elapsed, peak, out.read()


def annotator_cli(db: Path, target: Path) -> tuple[float, int]:
    exe = Path(sys.executable).with_name("annotator")
    argv = [str(exe), "export", "--db", str(db), "--out", str(target)] if exe.exists() else [
        sys.executable, "-m", "annotator", "export", "--db", str(db), "--out", str(target)]
    seconds, rss, _ = timed_process(argv)
    return seconds, rss


def annotator_startup() -> float:
    """Wall time of `annotator export --help`: interpreter start and imports, no work."""
    exe = Path(sys.executable).with_name("annotator")
    argv = [str(exe), "export", "--help"] if exe.exists() else [sys.executable, "-m", "annotator", "export", "--help"]
    return percentile([timed_process(argv)[0] for _ in range(5)], 50)


def sqlite_cli(db: Path, target: Path) -> tuple[float, int]:
    seconds, rss, _ = timed_process([SQLITE3, "-batch", "-bail", str(db), ".mode list", f".output {target}", EXPORT_QUERY])
    return seconds, rss


def worker_export(db: Path, target: Path) -> dict[str, float]:
    seconds, rss, out = timed_process([sys.executable, str(Path(__file__).resolve()), "--worker", str(db), str(target)])
    result = json.loads(out)
    result["process_seconds"] = seconds
    result["rss_kib"] = rss
    return result


def fsync_file(path: Path) -> float:
    started = perf_counter()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return perf_counter() - started


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def run_export(docs: int, spans: int, rounds: int = 5, rebuild: bool = False, keep: bool = False) -> list[Row]:
    rows: list[Row] = []
    db, made = db_for(docs, spans, rebuild)
    small_docs, small_spans = max(1, docs // 10), max(1, spans // 10)
    small_db, _ = db_for(small_docs, small_spans, rebuild)
    work = out_dir()
    ours, theirs = work / "export-annotator.jsonl", work / "export-sqlite3.jsonl"

    sqlite_cli(db, theirs)  # warm the page cache so the first timed round is not a cold read
    ours_times: list[float] = []
    theirs_times: list[float] = []
    theirs_durable: list[float] = []
    ours_rss: list[int] = []
    theirs_rss: list[int] = []
    for round_ in range(rounds):
        # each tool writes a new file, so neither pays for dropping the other's pages;
        # the order alternates so drift in the machine's speed hits both alike
        ours.unlink(missing_ok=True)
        theirs.unlink(missing_ok=True)
        for tool in ("sqlite3", "annotator") if round_ % 2 == 0 else ("annotator", "sqlite3"):
            if tool == "sqlite3":
                seconds, rss = sqlite_cli(db, theirs)
                theirs_times.append(seconds)
                theirs_rss.append(rss)
                theirs_durable.append(seconds + fsync_file(theirs))
            else:
                seconds, rss = annotator_cli(db, ours)
                ours_times.append(seconds)
                ours_rss.append(rss)
    worker = worker_export(db, ours)
    startup = annotator_startup()
    small_seconds, small_rss = annotator_cli(small_db, work / "export-small.jsonl")
    size = ours.stat().st_size
    identical = sha256_file(ours) == sha256_file(theirs)
    with open(ours, "rb") as handle:
        lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))

    t_ours, t_theirs = percentile(ours_times, 50), percentile(theirs_times, 50)
    t_durable = percentile(theirs_durable, 50)
    ratio = t_ours / t_theirs
    db_mb = db.stat().st_size / 1e6
    rows.append(
        Row(
            f"export corpus: {docs:,} docs / {spans:,} spans",
            f"{db_mb:.0f} MB db",
            note=(f"generated in {made['seconds']:.0f} s" if made else "cached") + f"; {db}",
        )
    )
    rows.append(
        Row(
            f"annotator export (CLI, median of {rounds}, p95=max)",
            secs(t_ours),
            secs(max(ours_times)),
            note=f"{size / 1e6:.0f} MB, {lines:,} lines, {size / 1e6 / t_ours:.0f} MB/s, {docs / t_ours:,.0f} docs/s",
        )
    )
    rows.append(
        Row(
            f"sqlite3 CLI grouped JSONL (median of {rounds}, p95=max)",
            secs(t_theirs),
            secs(max(theirs_times)),
            note=f"output byte-identical to annotator export: {'yes' if identical else 'NO'}; "
            f"rounds: sqlite3 {', '.join(f'{t:.2f}' for t in theirs_times)} s, "
            f"annotator {', '.join(f'{t:.2f}' for t in ours_times)} s",
        )
    )
    per_round = sorted(a / b for a, b in zip(ours_times, theirs_times))
    rows.append(
        Row(
            "export / sqlite3 CLI (ratio of medians)",
            f"{ratio:.2f}x",
            "-",
            "<= 1.30x",
            ratio <= 1.3,
            f"per-round ratios {', '.join(f'{r:.2f}' for r in per_round)}"
            + (f"; on a corpus this small the CLI's fixed start-up ({secs(startup)}) dominates: the target is for 100,000 documents"
               if docs < 100_000 else ""),
        )
    )
    rows.append(
        Row(
            "  export_native in-process / sqlite3 CLI",
            f"{worker['export_seconds'] / t_theirs:.2f}x",
            note=f"export_native alone {secs(worker['export_seconds'])}; `annotator export --help` start-up {secs(startup)} (median of 5)",
        )
    )
    rows.append(
        Row(
            "export / (sqlite3 CLI + fsync of its output)",
            f"{t_ours / t_durable:.2f}x",
            note="like for like: the atomic export fsyncs its file before the rename",
        )
    )
    peak = max(ours_rss)
    rows.append(
        Row(
            f"export peak RSS: {docs:,} docs vs {small_docs:,} docs",
            f"{mib(peak)} vs {mib(small_rss)}",
            "-",
            "flat (<= 1.25x)",
            peak <= small_rss * 1.25,
            f"sqlite3 CLI peak {mib(max(theirs_rss))}; the output is {size / 1e6:.0f} MB, so nothing is held whole",
        )
    )
    if not keep:
        for path in (ours, theirs, work / "export-small.jsonl"):
            path.unlink(missing_ok=True)
    return rows


def _worker(db: str, target: str) -> int:
    from annotator.exporters.native import ExportFilter, export_native
    from annotator.store import Store

    started = perf_counter()
    with Store.open(db, create=False) as store:
        count, _ = export_native(store, Path(target), ExportFilter())
    elapsed = perf_counter() - started
    print(json.dumps({"export_seconds": elapsed, "documents": count}))
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="5,000 documents / 50,000 spans")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached databases")
    parser.add_argument("--keep", action="store_true", help="keep the exported files in bench/out/")
    parser.add_argument("--worker", nargs=2, metavar=("DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(*args.worker)
    if args.quick:
        args.docs, args.spans = 5_000, 50_000
    started = time.perf_counter()
    rows = run_export(args.docs, args.spans, args.rounds, args.rebuild, args.keep)
    print_table(rows, f"Export ({machine_line()}; {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
