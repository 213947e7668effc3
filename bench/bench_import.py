"""Import throughput and memory: `annotator import` against sqlite-utils `insert_all`.

The input is annotator's own JSONL: by default 100,000 news-like articles of about 1,600
characters (some emoji, Chinese and Japanese sentences), one in ten without a title (so
the importer finds the headline), and 0 to 10 spans each by three analysts, each span
with the text it covers, as an export writes them. About 206 MB; generated once from a
fixed seed and cached as bench/out/import-<docs>d.jsonl (generation is not timed).

Timed, each in a fresh process into a new database, alternating, `--rounds` times
(median reported):

* `annotator import FILE --db NEW.db`: the real CLI (interpreter start, imports, one
  streaming pass that validates every record and writes it in the file's single
  transaction, spans and their history rows included);
* `python bench/bench_import.py --reference FILE NEW.db`: the same rows (documents with
  key, title, text, sha256, meta, source, position; spans with uid, offsets, label,
  analyst, text) put into a database made by `Store.open` (same schema with its
  full-text index and triggers, WAL, synchronous=FULL) with sqlite-utils `insert_all`,
  in one transaction, reading the file line by line. Its span uids increase, as the
  import's do (random ones cost the uid index several times more). It checks nothing
  and writes no history (the import also writes one action per span): it is the floor.

Peak RSS is the process's VmHWM sampled from /proc while it runs (see bench_export:
ru_maxrss of a child carries the parent's high-water mark). It is also measured on the
first tenth of the file: if the import streams, the two are about the same.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from time import perf_counter

from common import Row, machine_line, out_dir, percentile, print_table, secs

TARGET_RATIO = 1.5
TARGET_RSS_MIB = 150
ANALYSTS = ("alice", "bob", "carol")


def jsonl_for(docs: int, rebuild: bool = False) -> tuple[Path, float | None]:
    """The cached input file for `docs` articles (made when missing); seconds spent making it."""
    path = out_dir() / f"import-{docs}d.jsonl"
    if path.exists() and not rebuild:
        return path, None
    print(f"generating {path.name} ({docs:,} articles) ...", file=sys.stderr, flush=True)
    started = perf_counter()
    write_jsonl(path, docs)
    return path, perf_counter() - started


def write_jsonl(path: Path, docs: int, seed: int = 11, text_chars: int = 1_250) -> None:
    """Write `docs` native records; the same seed gives the same file."""
    from data import _short_document

    rng = random.Random(seed)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as handle:
        for number in range(1, docs + 1):
            body, candidates = _short_document(rng, text_chars)
            text = f"Article {number}: {body}"  # unique text, unique sha256
            shift = len(text) - len(body)
            chosen = rng.sample(candidates, min(len(candidates), rng.randrange(0, 11)))
            spans = []
            for index, span in enumerate(sorted(chosen, key=lambda s: (s.start, -s.end))):
                start, end = span.start + shift, span.end + shift
                spans.append(
                    {"start": start, "end": end, "label": span.label, "text": text[start:end],
                     "annotator": ANALYSTS[(number + index) % len(ANALYSTS)]}
                )
            record: dict[str, object] = {"id": f"art-{number:07d}", "text": text}
            if number % 10:
                record["title"] = f"Article {number}: " + " ".join(body.split()[:8])
            record["meta"] = {"source_file": f"art-{number:07d}.html", "lang": "en"}
            record["spans"] = spans
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def head_of(path: Path, lines: int) -> Path:
    """The first `lines` records of a file, as a file of its own (for the flatness check)."""
    target = path.with_name(f"{path.stem}-head{lines}.jsonl")
    if target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
        return target
    with open(path, "rb") as source, open(target, "wb") as out:
        for number, line in enumerate(source):
            if number >= lines:
                break
            out.write(line)
    return target


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def timed(argv: list[str]) -> tuple[float, float, int, bytes]:
    """Wall seconds, CPU seconds (user + system), peak RSS in KiB and stdout of one command.

    The CPU time is less disturbed than the wall time by other work on the machine.
    """
    import resource

    from bench_export import timed_process

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, rss, out = timed_process(argv)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, rss, out


def annotator_import(source: Path, db: Path) -> tuple[float, float, int, str]:
    remove_db(db)
    exe = Path(sys.executable).with_name("annotator")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "annotator"]
    seconds, cpu, rss, out = timed([*command, "import", str(source), "--db", str(db)])
    return seconds, cpu, rss, out.decode(errors="replace").strip().splitlines()[-1]


def reference_import(source: Path, db: Path) -> tuple[float, float, int]:
    remove_db(db)
    seconds, cpu, rss, _ = timed([sys.executable, str(Path(__file__).resolve()), "--reference", str(source), str(db)])
    return seconds, cpu, rss


def _reference(source: str, db_path: str) -> int:
    """sqlite-utils insert_all of the rows the import makes, streamed from the file in one transaction."""
    import hashlib
    import uuid
    from datetime import datetime, timezone

    import sqlite_utils

    from annotator.cleaning import find_title
    from annotator.store import Store

    store = Store.open(db_path)  # the schema, labels and connection settings of a real database
    db = sqlite_utils.Database(store.conn)
    documents, spans = db["documents"], db["spans"]
    stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    doc_rows: list[dict[str, object]] = []
    span_rows: list[dict[str, object]] = []

    # Uids in increasing order, as the import makes them (random ones would cost the
    # uid index several times more): the reference gets the same advantage.
    uid_base = uuid.uuid4().int >> 64 << 64
    made = 0

    def flush() -> None:
        nonlocal made
        documents.insert_all(doc_rows)
        spans.insert_all(span_rows)
        made += len(span_rows)
        doc_rows.clear()
        span_rows.clear()

    with db.atomic(), open(source, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            record = json.loads(line)
            text = record["text"]
            key = str(record["id"])
            doc_rows.append(
                {
                    "id": number,
                    "key": key,
                    "title": record.get("title") or find_title(text, key),
                    "text": text,
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    "meta": json.dumps(record.get("meta") or {}, ensure_ascii=False, sort_keys=True),
                    "source": source,
                    "position": number - 1,
                    "created_at": stamp,
                }
            )
            for span in record.get("spans", ()):
                start, end = span["start"], span["end"]
                span_rows.append(
                    {
                        "uid": f"{uid_base + len(span_rows) + made:032x}",
                        "document_id": number,
                        "start": start,
                        "end": end,
                        "label": span["label"],
                        "annotator": span.get("annotator") or "bench",
                        "text": text[start:end],
                        "note": "",
                        "attrs": "{}",
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
            if len(doc_rows) >= 1_000:
                flush()
        flush()
    store.close()
    return 0


def counts(db: Path) -> tuple[int, int]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db)) as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM spans").fetchone()[0],
        )


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def run_import(docs: int, rounds: int = 3, rebuild: bool = False, keep: bool = False) -> list[Row]:
    source, made = jsonl_for(docs, rebuild)
    small = head_of(source, max(1, docs // 10))
    work = out_dir()
    ours_db, theirs_db, small_db = work / "import-annotator.db", work / "import-reference.db", work / "import-small.db"
    size = source.stat().st_size
    with open(source, "rb") as handle:  # also warms the page cache for the first round
        lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))

    ours_times: list[float] = []
    theirs_times: list[float] = []
    ours_cpu: list[float] = []
    theirs_cpu: list[float] = []
    ours_rss: list[int] = []
    theirs_rss: list[int] = []
    summary = ""
    for round_ in range(rounds):
        for tool in ("reference", "annotator") if round_ % 2 == 0 else ("annotator", "reference"):
            if tool == "reference":
                seconds, cpu, rss = reference_import(source, theirs_db)
                theirs_times.append(seconds)
                theirs_cpu.append(cpu)
                theirs_rss.append(rss)
            else:
                seconds, cpu, rss, summary = annotator_import(source, ours_db)
                ours_times.append(seconds)
                ours_cpu.append(cpu)
                ours_rss.append(rss)
    small_seconds, _, small_rss, _ = annotator_import(small, small_db)
    ours_counts, theirs_counts = counts(ours_db), counts(theirs_db)

    t_ours, t_theirs = percentile(ours_times, 50), percentile(theirs_times, 50)
    ratio = t_ours / t_theirs
    peak, reference_peak = max(ours_rss), max(theirs_rss)
    same_rows = ours_counts == theirs_counts
    rows = [
        Row(
            f"import file: {lines:,} articles",
            f"{size / 1e6:.0f} MB",
            note=(f"generated in {made:.0f} s" if made is not None else "cached") + f"; {source}",
        ),
        Row(
            f"annotator import vs insert_all (CLI, median of {rounds}, p95=max)",
            secs(t_ours),
            secs(max(ours_times)),
            f"<= {TARGET_RATIO:.2f}x",
            ratio <= TARGET_RATIO and same_rows,
            f"{summary}; {size / 1e6 / t_ours:.0f} MB/s, {lines / t_ours:,.0f} docs/s; rounds: annotator "
            f"{', '.join(f'{t:.2f}' for t in ours_times)} s, insert_all {', '.join(f'{t:.2f}' for t in theirs_times)} s "
            f"(per-round ratios {', '.join(f'{a / b:.2f}' for a, b in zip(ours_times, theirs_times))}); "
            f"rows: annotator {ours_counts[0]:,} documents / {ours_counts[1]:,} spans, insert_all "
            f"{theirs_counts[0]:,} / {theirs_counts[1]:,}" + ("" if same_rows else " (DIFFERENT)")
            + ("; on a file this small the CLI's start-up weighs more: the target is for 100,000 articles" if docs < 100_000 else ""),
            reference=secs(t_theirs),
            ratio=f"{ratio:.2f}x",
        ),
        Row(
            f"  CPU time (user + system, median of {rounds})",
            secs(percentile(ours_cpu, 50)),
            secs(max(ours_cpu)),
            note="less disturbed by other work on the machine than the wall time; per-round ratios "
            + ", ".join(f"{a / b:.2f}" for a, b in zip(ours_cpu, theirs_cpu)),
            reference=secs(percentile(theirs_cpu, 50)),
            ratio=f"{percentile(ours_cpu, 50) / percentile(theirs_cpu, 50):.2f}x",
        ),
        Row(
            f"import peak RSS ({lines:,} articles) vs insert_all",
            mib(peak),
            target=f"<= {TARGET_RSS_MIB} MiB",
            passed=peak <= TARGET_RSS_MIB * 1024,
            note=f"the file is {size / 1e6:.0f} MB: it is never held whole",
            reference=mib(reference_peak),
            ratio=f"{peak / reference_peak:.2f}x",
        ),
        Row(
            f"import peak RSS: {lines:,} vs {max(1, docs // 10):,} articles",
            mib(peak),
            target="flat (<= 1.25x)",
            passed=peak <= small_rss * 1.25,
            note=f"the tenth took {secs(small_seconds)}",
            reference=mib(small_rss),
            ratio=f"{peak / small_rss:.2f}x",
        ),
    ]
    if not keep:
        for db in (ours_db, theirs_db, small_db):
            remove_db(db)
    return rows


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="articles in the file (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="10,000 articles")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached file")
    parser.add_argument("--keep", action="store_true", help="keep the databases in bench/out/")
    parser.add_argument("--reference", nargs=2, metavar=("FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reference:
        return _reference(*args.reference)
    if args.quick:
        args.docs = 10_000
    started = time.perf_counter()
    rows = run_import(args.docs, args.rounds, args.rebuild, args.keep)
    print_table(rows, f"Import ({machine_line()}; {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
