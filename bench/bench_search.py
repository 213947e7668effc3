"""Full-text search at library scale: `annotator search` and the store's query behind ctrl+f.

    python bench/bench_search.py                 # 100,000 articles of about 2,000 characters
    python bench/bench_search.py --docs 10000    # smaller

The library is built once (bench/out/search-<docs>d.db, cached) with the export
corpus builder; the full-text index is filled by the schema's triggers as rows go in.
Then, for a set of queries from rare to common words:
  - in process: Store.search, as the app's search screen runs it in its worker;
  - whole process: `annotator search QUERY` against the sqlite3 CLI running the same
    FTS5 query on the same file, in the same run (the ratio is what a user feels).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import Row, out_dir, percentile, print_table
from data import build_export_db

QUERIES = ["minister", "bishkek", "state committee", "security", "ammunition", "144", "said", "kyrg", "the", "xyzzy"]


def library(docs: int, spans: int) -> Path:
    path = out_dir() / f"search-{docs}d.db"
    if not path.exists():
        print(f"[search] building a {docs:,}-article library (once) ...", file=sys.stderr, flush=True)
        build_export_db(path, docs, spans, text_chars=2000)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--spans", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=5, help="runs of each query (in process)")
    args = parser.parse_args(argv)
    from annotator.store import Store, fts_query

    path = library(args.docs, args.spans)
    timings: list[float] = []
    with Store.open(path, create=False, read_only=True) as store:
        store.search("warm up the cache")
        for _ in range(args.rounds):
            for query in QUERIES:
                started = time.perf_counter()
                store.search(query, limit=50)
                timings.append(time.perf_counter() - started)
    rows = [
        Row(
            f"Store.search, {args.docs:,} articles (ctrl+f's query)",
            f"{percentile(timings, 50) * 1000:.1f} ms",
            p95=f"{percentile(timings, 95) * 1000:.1f} ms",
            target="<= 50 ms",
            passed=percentile(timings, 95) <= 0.050,
        )
    ]
    annotator = str(Path(sys.executable).with_name("annotator"))
    sqlite3_cli = shutil.which("sqlite3")
    ours: list[float] = []
    theirs: list[float] = []
    for query in QUERIES:
        started = time.perf_counter()
        subprocess.run([annotator, "search", query, "--db", str(path), "--limit", "50"], capture_output=True)
        ours.append(time.perf_counter() - started)
        if sqlite3_cli:
            sql = (
                "SELECT d.key, snippet(documents_fts, 1, '[', ']', '…', 12) FROM documents_fts"
                " JOIN documents d ON d.id = documents_fts.rowid WHERE documents_fts MATCH "
                f"'{fts_query(query)}' ORDER BY bm25(documents_fts, 10.0, 1.0) LIMIT 50;"
            )
            started = time.perf_counter()
            subprocess.run([sqlite3_cli, str(path), sql], capture_output=True)
            theirs.append(time.perf_counter() - started)
    p50 = percentile(ours, 50)
    ratio = f"{p50 / percentile(theirs, 50):.1f}x sqlite3 CLI" if theirs else ""
    rows.append(
        Row(
            "`annotator search` whole process",
            f"{p50 * 1000:.0f} ms",
            p95=f"{percentile(ours, 95) * 1000:.0f} ms",
            note=ratio + (f" (sqlite3 CLI p50 {percentile(theirs, 50) * 1000:.0f} ms)" if theirs else ""),
        )
    )
    print_table(rows, title=f"Full-text search, {args.docs:,} articles")
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
