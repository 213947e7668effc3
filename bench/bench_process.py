"""The whole `annotator` process in a pseudo-terminal, as a user feels it.

    python bench/bench_process.py                   # every case below
    python bench/bench_process.py --sizes 0.2,2     # fewer sizes
    python bench/bench_process.py --single-line 0 --no-spans   # only the sized articles

Cases, each a database holding one article:
- articles of 0.2, 2, 20 and 100 MB characters: news paragraphs, one line each;
- one 50 MB article on a single line (no line break at all: a scraped page or a
  JSONL record flattened);
- bench_tui's article: 200,000 characters with 5,000 nested and overlapping spans,
  whose first paint should stay within 1.2x the bare Textual app.

`annotator --db FILE` starts in a 120x40 pseudo-terminal. The clock runs from the
fork to the moment the article's first word reaches the terminal (first paint); the
peak memory is the process's VmHWM (peak resident set) read from /proc once the
article shows. A bare Textual app that paints one line is measured in the same run
as the reference, so the ratio holds across machines.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from common import Row, machine_line, out_dir, print_table

MARKER = "Quetzalcoatlus"  # the article's first word: easy to find in the terminal stream
COLUMNS, ROWS = 120, 40
ANNOTATOR = "bench"

BARE_APP = textwrap.dedent(
    f"""
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("{MARKER} bare Textual app")

    Bare().run()
    """
)


def article(size_mb: float) -> str:
    """Paragraphs of news-like sentences up to size_mb million characters."""
    sentence = (
        "The ministry said on Tuesday that 144 people were detained in Bishkek, "
        "according to the State Committee for National Security. "
    )
    paragraph = sentence * 6 + "\n\n"
    target = int(size_mb * 1_000_000)
    body = paragraph * (target // len(paragraph) + 1)
    # Not the first word: the cursor's style splits the first character from the rest.
    return f"Today {MARKER} opens the article.\n\n" + body[: max(0, target - 40)]


def single_line(size_mb: float) -> str:
    """The same sentences with no line break anywhere."""
    sentence = (
        "The ministry said on Tuesday that 144 people were detained in Bishkek, "
        "according to the State Committee for National Security. "
    )
    target = int(size_mb * 1_000_000)
    body = sentence * (target // len(sentence) + 1)
    return f"Today {MARKER} opens the article. " + body[: max(0, target - 40)]


def _build(name: str, fill) -> Path:  # type: ignore[no-untyped-def]
    """A database under bench/out/ (kept between runs) that `fill(store)` fills."""
    from annotator.store import Store

    path = out_dir() / f"process-{name}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".part.db")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    with Store.open(partial) as store:
        fill(store)
    partial.rename(path)
    return path


def build(size_mb: float) -> Path:
    return _build(f"{size_mb:g}mb", lambda store: store.add_document(f"long-{size_mb:g}", f"A {size_mb:g} MB article", article(size_mb)))


def build_single_line(size_mb: float) -> Path:
    return _build(
        f"{size_mb:g}mb-one-line",
        lambda store: store.add_document(f"line-{size_mb:g}", f"A {size_mb:g} MB line", single_line(size_mb)),
    )


def build_spans() -> Path:
    """bench_tui's article (200,000 characters, 5,000 spans), the marker line first."""
    from data import make_article

    from annotator.model import NewSpan

    text, spans = make_article(200_000, 5_000)
    head = f"Today {MARKER} opens the article.\n\n"
    shifted = [NewSpan(s.start + len(head), s.end + len(head), s.label, ANNOTATOR) for s in spans]
    return _build(
        "200k-5000-spans",
        lambda store: store.add_document("spans", "200,000 characters, 5,000 spans", head + text, spans=shifted),
    )


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def first_paint(argv: list[str], timeout: float = 300.0) -> tuple[float | None, float | None]:
    """Seconds from fork until MARKER is on the terminal, and the peak RSS then (MB)."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS))
    env.pop("TEXTUAL_FPS", None)
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: a real program in a real terminal
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    seen = b""
    elapsed: float | None = None
    peak: float | None = None
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen = (seen + chunk)[-4096:]
            if MARKER.encode() in seen:
                elapsed = time.perf_counter() - started
                peak = peak_rss_mb(pid)
                break
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                while True:
                    ready, _, _ = select.select([fd], [], [], 0.05)
                    if not ready or not os.read(fd, 1 << 16):
                        break
            except OSError:
                pass
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return elapsed, peak


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0.2,2,20,100", help="article sizes in MB, comma-separated")
    parser.add_argument("--single-line", type=float, default=50, help="MB of the one-line article (0: skip)")
    parser.add_argument("--no-spans", action="store_true", help="skip the 200,000-character article with 5,000 spans")
    parser.add_argument("--runs", type=int, default=3, help="first paints per case (the median is shown)")
    args = parser.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    annotator = str(Path(sys.executable).with_name("annotator"))
    bare = out_dir() / "bare_app.py"
    bare.write_text(BARE_APP, encoding="utf-8")

    rows: list[Row] = []
    reference = [t for t, _ in (first_paint([sys.executable, str(bare)]) for _ in range(args.runs)) if t]
    bare_paint = _median(reference) if reference else None
    rows.append(Row("bare Textual app: first paint", f"{bare_paint:.3f} s" if bare_paint else "-", note="reference"))

    # (name, builder, first-paint target in s or None, its text, memory target in MB or None)
    cases: list[tuple[str, Callable[[], Path], float | None, str, float | None]] = []
    if not args.no_spans:
        limit = 1.2 * bare_paint if bare_paint else None
        cases.append(("200,000 chars + 5,000 spans", build_spans, limit, "<= 1.2x bare", None))
    for size in sizes:
        small = size <= 20
        cases.append((f"{size:g} MB article", lambda size=size: build(size), 2.0 if small else None, "<= 2 s" if small else "opens", 500 if small else None))
    if args.single_line:
        size = args.single_line
        cases.append((f"{size:g} MB on one line", lambda: build_single_line(size), None, "opens", None))

    for name, builder, limit, limit_text, memory in cases:
        print(f"[process] building and opening: {name} ...", file=sys.stderr, flush=True)
        path = builder()
        runs = [first_paint([annotator, "--db", str(path), "--annotator", ANNOTATOR]) for _ in range(args.runs)]
        times = sorted(t for t, _ in runs if t is not None)
        peaks = [p for _, p in runs if p is not None]
        if not times:
            rows.append(Row(f"{name}: first paint", "never", target=limit_text, passed=False))
            continue
        median = _median(times)
        rows.append(
            Row(
                f"{name}: first paint",
                f"{median:.3f} s",
                p95=f"max {times[-1]:.3f} s",
                target=limit_text,
                passed=(median <= limit) if limit else True,
                note=f"{median / bare_paint:.2f}x bare" if bare_paint else "",
            )
        )
        peak = max(peaks) if peaks else None
        rows.append(
            Row(
                f"{name}: peak memory",
                f"{peak:.0f} MB" if peak else "-",
                target=f"<= {memory:.0f} MB" if memory else "-",
                passed=(peak <= memory) if (peak and memory) else None,
            )
        )
    print_table(rows, title=f"Whole process in a {COLUMNS}x{ROWS} pseudo-terminal (median of {args.runs}; {machine_line()})")
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
