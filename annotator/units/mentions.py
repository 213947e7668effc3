"""Other places the tagged text occurs: exact mentions and near spellings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


from annotator.text import is_word_char
from annotator.units.words import span_range

_NGRAM_WORD = re.compile(r"[^\W_](?:\w|['’\-](?=[^\W_]))*")


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    """No word character runs on across either end (where the phrase itself ends in one)."""
    if start > 0 and is_word_char(text[start]) and is_word_char(text[start - 1]):
        return False
    return not (end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]))


def mentions(text: str, start: int, end: int, tagged: Iterable[Any]) -> list[tuple[int, int]]:
    """Every other exact occurrence of text[start:end] on word boundaries, not yet tagged there.

    What propagation offers after a tag: "GKNB" tagged once, the other five "GKNB"s. A
    place counts as tagged only when a span has exactly its range.
    """
    phrase = text[start:end]
    if not phrase.strip():
        return []
    taken = {span_range(item) for item in tagged}
    found: list[tuple[int, int]] = []
    position = text.find(phrase)
    while position != -1:
        place = (position, position + len(phrase))
        if place != (start, end) and place not in taken and _on_word_boundaries(text, *place):
            found.append(place)
        position = text.find(phrase, position + 1)
    return found


def near_mentions(text: str, phrase: str, tagged: Iterable[Any], score_cutoff: float = 85) -> list[tuple[int, int, float]]:
    """Near spellings of phrase in text, as (start, end, score), in reading order.

    Compared with rapidfuzz's ratio (case and punctuation ignored) against every run of
    as many words as phrase has ("Janbolat Amirov" against each pair of words), so
    "Zhanbolat" and "Kazakstan" are found for "Janbolat" and "Kazakhstan". Runs that
    are exactly phrase, and places already tagged with that range, are left out.
    """
    wanted = _NGRAM_WORD.findall(phrase)
    if not wanted or not text:
        return []
    from rapidfuzz import fuzz, process, utils  # loaded on first use: the app starts without it

    size = len(wanted)
    words = [(match.start(), match.end()) for match in _NGRAM_WORD.finditer(text)]
    taken = {span_range(item) for item in tagged}
    low, high = len(phrase) * 0.6, len(phrase) * 1.5
    choices: dict[int, str] = {}
    for index in range(len(words) - size + 1):
        start, end = words[index][0], words[index + size - 1][1]
        if low <= end - start <= high and "\n" not in text[start:end]:
            choices[index] = text[start:end]
    results = process.extract(
        phrase,
        choices,
        scorer=fuzz.ratio,
        processor=utils.default_process,
        score_cutoff=score_cutoff,
        limit=None,
    )
    found: list[tuple[int, int, float]] = []
    for candidate, score, index in results:
        start, end = words[index][0], words[index + size - 1][1]
        if candidate == phrase or (start, end) in taken:
            continue
        found.append((start, end, float(score)))
    found.sort()
    return found
