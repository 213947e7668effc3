"""Shared bits of the benchmark scripts: paths, percentiles and the result table."""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"  # git-ignored


def out_dir() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.2f} ms"


def secs(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f} s"


@dataclass
class Row:
    """One line of the final table. passed is None for figures without a target."""

    measure: str
    value: str
    p95: str = "-"
    target: str = "-"
    passed: bool | None = None
    note: str = ""
    reference: str = "-"  # what the figure is compared with (shown only if some row has one)
    ratio: str = "-"

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]


def print_table(rows: list[Row], title: str = "", file=sys.stdout) -> None:
    if any(r.reference != "-" or r.ratio != "-" for r in rows):
        headers: tuple[str, ...] = ("measure", "p50/value", "p95", "reference", "ratio", "target", "pass/fail")
        cells = [(r.measure, r.value, r.p95, r.reference, r.ratio, r.target, r.verdict) for r in rows]
    else:
        headers = ("measure", "p50/value", "p95", "target", "pass/fail")
        cells = [(r.measure, r.value, r.p95, r.target, r.verdict) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    if title:
        print(title, file=file)
    print(line, file=file)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |", file=file)
    print(line.replace("-", "="), file=file)
    for c in cells:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths)) + " |", file=file)
    print(line, file=file)
    notes = [r for r in rows if r.note]
    for r in notes:
        print(f"  * {r.measure}: {r.note}", file=file)


def git_state() -> str:
    """Commit and whether the working tree had changes: the code measured."""
    import subprocess

    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        ).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_line() -> str:
    import platform
    import sqlite3

    return (
        f"code {git_state()}, python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cpus, {platform.machine()}, TEXTUAL_FPS={os.environ.get('TEXTUAL_FPS', '(unset)')}"
    )
