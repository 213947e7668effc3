"""Getting to the next thing worth tagging: candidates, incremental search, jump hints."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from annotator.text import is_word_char
from annotator.units.mentions import _on_word_boundaries
from annotator.units.names import names_in
from annotator.units.quantities import quantities_in
from annotator.units.structure import reported_in
from annotator.units.words import WORD, covered, ranges

_STEP = 4000  # characters looked at per step when hunting for a candidate
HINT_LETTERS = "asdfghjklqwertyuiopzxcvbnm"
_FIRST_WORD = re.compile(r"\w+")
_MENTION_LIMIT = 80  # tagged texts longer than this (claims) are not looked for as mentions


def _line_start(text: str, offset: int) -> int:
    """Start of the line holding offset, at most _STEP back (a window may start mid-line)."""
    start = text.rfind("\n", max(0, offset - _STEP), offset) + 1
    if start == 0 and offset > _STEP:
        space = text.find(" ", offset - _STEP, offset)
        return space + 1 if space != -1 else offset - _STEP
    return start


def _line_end(text: str, offset: int) -> int:
    """End of the line holding offset, at most _STEP on."""
    end = text.find("\n", offset, offset + _STEP)
    if end != -1:
        return end
    end = min(len(text), offset + _STEP)
    if end < len(text):
        space = text.rfind(" ", offset, end)
        return space if space > offset else end
    return end


def candidates_in(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Names, quantities and reported content starting in text[lo:hi], by start then length."""
    found = set(names_in(text, lo, hi)) | set(quantities_in(text, lo, hi)) | set(reported_in(text, lo, hi))
    return sorted(found, key=lambda item: (item[0], item[1] - item[0]))


def next_candidate(text: str, offset: int, tagged: Iterable[Any]) -> tuple[int, int] | None:
    """The first likely span starting after offset that no tag covers yet (words.covered).

    Likely spans: names, quantities, and what follows a reporting verb ("said that ...",
    "according to X, ..."). Looks a few thousand characters at a time, so the cost is
    where the next candidate is, not the article's length. None after the last one.
    """
    spans = ranges(tagged)
    lo = _line_start(text, max(offset, 0))
    while lo < len(text):
        hi = _line_end(text, max(lo, offset) + _STEP // 2)
        for candidate in candidates_in(text, lo, hi):
            if candidate[0] > offset and not covered(candidate, spans):
                return candidate
        if hi >= len(text):
            return None
        lo = hi
    return None


def previous_candidate(text: str, offset: int, tagged: Iterable[Any]) -> tuple[int, int] | None:
    """The last likely span starting before offset that no tag covers yet; None before the first."""
    spans = ranges(tagged)
    hi = _line_end(text, min(max(offset, 0), len(text)))
    while hi > 0:
        lo = _line_start(text, max(0, min(hi, offset) - _STEP // 2))
        found = [c for c in candidates_in(text, lo, hi) if c[0] < offset and not covered(c, spans)]
        if found:
            return max(found, key=lambda item: (item[0], -(item[1] - item[0])))
        if lo == 0:
            return None
        hi = lo
    return None


def find_text(text: str, query: str, offset: int, direction: int = 1) -> int | None:
    """Start of the next match of query after offset (before it with direction -1), wrapping.

    Case-insensitive, matched on the text itself so the offset is exact even where
    lowercasing would change a string's length. Pass offset - 1 to keep a match that
    starts at offset while the query is typed. None when there is no match at all.
    """
    if not query or not text:
        return None
    pattern = re.compile("(?=" + re.escape(query) + ")", re.IGNORECASE)
    if direction >= 0:
        found = pattern.search(text, max(offset + 1, 0))
        if found is None:
            found = pattern.search(text, 0)
        return None if found is None else found.start()
    offset = min(offset, len(text))
    step = max(4096, len(query) * 4)
    high = offset
    while high > 0:  # backwards a chunk at a time: the nearest match before offset
        low = max(0, high - step)
        stop = min(len(text), high + len(query))
        starts = [m.start() for m in pattern.finditer(text, low, stop) if m.start() < high]
        if starts:
            return starts[-1]
        high = low
    starts = [m.start() for m in pattern.finditer(text, max(offset, 0))]
    return starts[-1] if starts else None


def _labels(count: int) -> list[str]:
    """count prefix-free labels, one-letter ones first (as many as leave room for the rest)."""
    letters = HINT_LETTERS
    size = len(letters)
    if count <= size:
        return list(letters[:count])
    singles = max(0, (size * size - count) // (size - 1))
    labels = list(letters[:singles])
    labels.extend(prefix + letter for prefix in letters[singles:] for letter in letters)
    return labels[:count]


def _mention_starts(text: str, lo: int, hi: int, spans: list[tuple[int, int]]) -> set[int]:
    """Starts in [lo, hi) of untagged occurrences of text already tagged somewhere.

    Tagged texts are grouped by their first word, so each word in view is checked only
    against the tags that start with it (thousands of tags cost a dictionary lookup).
    """
    taken = set(spans)
    by_first: dict[str, set[str]] = {}
    for start, end in spans:
        if 0 < end - start <= _MENTION_LIMIT:
            phrase = text[start:end]
            first = _FIRST_WORD.match(phrase)
            if first is not None and first.start() == 0:
                by_first.setdefault(first.group(), set()).add(phrase)
    starts: set[int] = set()
    if not by_first:
        return starts
    for match in _FIRST_WORD.finditer(text, lo, hi):
        for phrase in by_first.get(match.group(), ()):
            place = (match.start(), match.start() + len(phrase))
            if text.startswith(phrase, match.start()) and place not in taken and _on_word_boundaries(text, *place):
                starts.add(match.start())
                break
    return starts


def hint_labels(text: str, visible: tuple[int, int], cursor: int, tagged: Iterable[Any]) -> dict[str, int]:
    """Jump labels for the word starts in visible: label -> offset.

    One-letter labels go to the likeliest targets (capitalised words, numbers and
    untagged mentions of tagged text), nearest the cursor first; then the other words by
    distance. No label is a prefix of another, so a typed label is never ambiguous. At
    most 676 words get a label; the farthest go without.
    """
    lo, hi = max(0, visible[0]), min(len(text), visible[1])
    if lo >= hi:
        return {}
    spans = ranges(tagged)
    mention_starts = _mention_starts(text, lo, hi, spans)
    likely: list[int] = []
    other: list[int] = []
    for match in WORD.finditer(text, lo, hi):
        start = match.start()
        if start > 0 and is_word_char(text[start - 1]):
            continue
        first = match.group()[0]
        if first.isupper() or first.isdigit() or first in "$€£¥" or start in mention_starts:
            likely.append(start)
        else:
            other.append(start)
    likely.sort(key=lambda start: (abs(start - cursor), start))
    other.sort(key=lambda start: (abs(start - cursor), start))
    targets = likely + other
    labels = _labels(min(len(targets), len(HINT_LETTERS) ** 2))
    return dict(zip(labels, targets, strict=False))
