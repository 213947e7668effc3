"""Run every benchmark and print one table: measure, p50/value, p95, target, pass/fail.

    python bench/run.py            # full run (export corpus 100,000 docs / 1,000,000 spans)
    python bench/run.py --quick    # a few minutes less: smaller export corpus, fewer presses

Parts (each also runs on its own, see bench/README.md):
  bench_tui.py     the real app at 120x40: first paint, cursor, page down, tag (key -> frame)
  bench_commit.py  Store.add_span: one durable action (WAL, synchronous=FULL)
  bench_export.py  `annotator export` vs the sqlite3 CLI on the same database, peak RSS
  bench_terminal.py  (--terminal) the real command in a pty: first paint, keys, a held write lock
  bench_import.py  (--import) `annotator import` of 100,000 articles vs sqlite-utils insert_all, peak RSS
  bench_keys.py    (--keys) keys per span: the gold fixture's cheapest key plan, replayed in the real app
Generated data lives in bench/out/ (git-ignored); the export corpus is cached there.
"""

from __future__ import annotations

import os

# Must happen before textual is imported (bench_tui imports it).
os.environ["TEXTUAL_FPS"] = os.environ.get("BENCH_TEXTUAL_FPS", "1000")
os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "truecolor")

import argparse
import asyncio
import sys
import time

from common import Row, machine_line, out_dir, print_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="annotator benchmarks", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--quick", action="store_true", help="small export corpus (5,000 docs / 50,000 spans) and fewer key presses")
    parser.add_argument("--docs", type=int, default=None, help="export corpus documents (default 100,000)")
    parser.add_argument("--spans", type=int, default=None, help="export corpus spans (default 1,000,000)")
    parser.add_argument("--rounds", type=int, default=None, help="export timing rounds (default 5, quick 3)")
    parser.add_argument("--presses", type=int, default=None, help="cursor key presses (default 200)")
    parser.add_argument("--tags", type=int, default=None, help="tag actions in the app (default 100)")
    parser.add_argument("--actions", type=int, default=500, help="Store.add_span commits (default 500)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached export corpus")
    parser.add_argument("--skip-tui", action="store_true")
    parser.add_argument("--skip-commit", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--terminal", action="store_true", help="also bench_terminal.py: the real command in a pty vs a bare Textual app and SLATE (pip install slate-nlp pyte)")
    parser.add_argument("--skip-lock", action="store_true", help="with --terminal: leave out its 40 s write-lock test")
    parser.add_argument("--import", dest="import_", action="store_true", help="also bench_import.py: `annotator import` of 100,000 articles (quick: 10,000) vs sqlite-utils insert_all")
    parser.add_argument("--keys", action="store_true", help="also bench_keys.py: keys per span on the gold fixture, replayed in the real app (quick: one article)")
    args = parser.parse_args(argv)
    quick = args.quick
    docs = args.docs or (5_000 if quick else 100_000)
    spans = args.spans or (50_000 if quick else 1_000_000)
    rounds = args.rounds or (3 if quick else 5)
    presses = args.presses or (60 if quick else 200)
    tags = args.tags or (20 if quick else 100)
    pages = 20 if quick else 60

    started = time.perf_counter()
    rows: list[Row] = []
    article_db = out_dir() / "article.db"
    big_id: int | None = None

    if not args.skip_tui:
        from bench_tui import run_tui

        print(f"[tui] real app at 120x40, {presses} cursor presses, {tags} tags ...", file=sys.stderr, flush=True)
        tui_rows, _ = asyncio.run(run_tui(article_db, presses, tags, pages))
        rows.extend(tui_rows)
        from annotator.store import Store

        with Store.open(article_db) as store:
            big_id = next(d.id for d in store.list_documents() if d.key == "long-read")

    if not args.skip_commit:
        from bench_commit import run_commit
        from data import build_article_db

        if big_id is None:
            big_id = int(build_article_db(article_db, "bench")["big_id"])  # type: ignore[arg-type]
        print(f"[commit] {args.actions} x Store.add_span ...", file=sys.stderr, flush=True)
        rows.extend(run_commit(article_db, big_id, args.actions))

    if not args.skip_export:
        from bench_export import run_export

        print(f"[export] {docs:,} docs / {spans:,} spans, {rounds} rounds ...", file=sys.stderr, flush=True)
        rows.extend(run_export(docs, spans, rounds, args.rebuild))

    if args.terminal:
        from bench_terminal import run_terminal

        print("[terminal] the real command in a pseudo-terminal, next to a bare Textual app and SLATE ...", file=sys.stderr, flush=True)
        rows.extend(run_terminal(quick=quick, skip_lock=args.skip_lock))

    if args.import_:
        from bench_import import run_import

        articles = 10_000 if quick else 100_000
        print(f"[import] {articles:,} articles, 3 rounds ...", file=sys.stderr, flush=True)
        rows.extend(run_import(articles, 3, args.rebuild))

    if args.keys:
        from bench_keys import rows_for_runner, run as run_keys

        print("[keys] planning and replaying the gold fixture ...", file=sys.stderr, flush=True)
        rows.extend(rows_for_runner(run_keys(quick, lambda line: print(f"[keys] {line}", file=sys.stderr, flush=True))))

    print()
    print_table(rows, f"annotator benchmarks ({machine_line()}; {time.perf_counter() - started:.0f} s)")
    failed = [row.measure for row in rows if row.passed is False]
    print(f"\n{len([r for r in rows if r.passed])} passed, {len(failed)} failed" + (f": {'; '.join(failed)}" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
