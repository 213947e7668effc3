"""Carrying spans over to a corrected or updated version of an article.

Each span is placed by its quoted text and the text around it: first where the
unchanged lines put it, then at an exact occurrence of its text (the one whose
surroundings match best), then by fuzzy matching (rapidfuzz) near where it was. A span
that cannot be placed confidently is flagged for review, never silently moved: it keeps
its old offsets (clamped to the new text) and records why in attrs["needs_review"].
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from annotator.model import Span

CONTEXT = 40
FUZZY_THRESHOLD = 90.0
CONTEXT_THRESHOLD = 80.0


@dataclass(frozen=True)
class Placement:
    uid: str
    status: str  # stayed, moved, fuzzy, flagged
    start: int
    end: int
    score: float = 100.0
    reason: str = ""


def _line_map(old: str, new: str) -> list[tuple[int, int, int]]:
    """Blocks of unchanged lines as (old start offset, new start offset, length in chars)."""
    old_lines = old.split("\n")
    new_lines = new.split("\n")
    old_starts = [0]
    for line in old_lines:
        old_starts.append(old_starts[-1] + len(line) + 1)
    new_starts = [0]
    for line in new_lines:
        new_starts.append(new_starts[-1] + len(line) + 1)
    blocks = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        if size:
            length = old_starts[a + size] - old_starts[a]
            blocks.append((old_starts[a], new_starts[b], length))
    return blocks


def _mapped(blocks: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    for old_start, new_start, length in blocks:
        if old_start <= start and end <= old_start + length:
            return new_start + (start - old_start)
    return None


def _nearest_block_shift(blocks: list[tuple[int, int, int]], offset: int) -> int:
    """Where offset would be if it moved with the closest unchanged block."""
    best = None
    for old_start, new_start, length in blocks:
        distance = 0 if old_start <= offset <= old_start + length else min(abs(offset - old_start), abs(offset - old_start - length))
        if best is None or distance < best[0]:
            best = (distance, new_start - old_start)
    return offset + (best[1] if best else 0)


def _context_score(old: str, new: str, span: Span, start: int) -> float:
    before_old = old[max(0, span.start - CONTEXT) : span.start]
    after_old = old[span.end : span.end + CONTEXT]
    before_new = new[max(0, start - CONTEXT) : start]
    after_new = new[start + len(span.text) : start + len(span.text) + CONTEXT]
    return (fuzz.ratio(before_old, before_new) + fuzz.ratio(after_old, after_new)) / 2


def reanchor(old: str, new: str, spans: list[Span]) -> list[Placement]:
    blocks = _line_map(old, new)
    placements: list[Placement] = []
    for span in spans:
        placements.append(_place(old, new, blocks, span))
    return placements


def _place(old: str, new: str, blocks: list[tuple[int, int, int]], span: Span) -> Placement:
    quoted = old[span.start : span.end]
    length = len(quoted)
    expected = _mapped(blocks, span.start, span.end)
    if expected is not None and new[expected : expected + length] == quoted:
        status = "stayed" if expected == span.start else "moved"
        return Placement(span.uid, status, expected, expected + length)
    guess = expected if expected is not None else _nearest_block_shift(blocks, span.start)
    occurrences: list[int] = []
    position = new.find(quoted)
    while position != -1 and len(occurrences) < 1000:
        occurrences.append(position)
        position = new.find(quoted, position + 1)
    if occurrences:
        scored = sorted(
            ((_context_score(old, new, span, o), -abs(o - guess), o) for o in occurrences), reverse=True
        )
        best_score, _, best = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else -1.0
        if len(occurrences) == 1 or (best_score >= CONTEXT_THRESHOLD and best_score > runner_up):
            return Placement(span.uid, "moved" if best != span.start else "stayed", best, best + length, best_score)
        return _flag(span, new, f"its text occurs {len(occurrences)} times and the context does not tell which")
    window_start = max(0, guess - 4 * length - 200)
    window = new[window_start : guess + 5 * length + 200]
    if window and quoted.strip():
        alignment = fuzz.partial_ratio_alignment(quoted, window)
        if alignment is not None and alignment.score >= FUZZY_THRESHOLD:
            start = window_start + alignment.dest_start
            end = window_start + alignment.dest_end
            while start < end and new[start].isspace():
                start += 1
            while end > start and new[end - 1].isspace():
                end -= 1
            if end > start:
                return Placement(span.uid, "fuzzy", start, end, alignment.score)
    return _flag(span, new, "its text is no longer in the article")


def _flag(span: Span, new: str, reason: str) -> Placement:
    start = min(span.start, max(len(new) - 1, 0))
    end = min(max(span.end, start + 1), len(new))
    return Placement(span.uid, "flagged", start, end, 0.0, reason)
