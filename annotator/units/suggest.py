"""Suggestions: what the team tagged before (gazetteer), quantity patterns and, optionally, spaCy.

A suggestion is an offer the analyst accepts or rejects with one key; nothing here
writes a span. suggestion_quality measures how often an offer was right.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from annotator.model import Label
from annotator.units.quantities import quantities_in
from annotator.units.words import covered, ranges

Source = Literal["gazetteer", "pattern", "model"]
_TOKEN = re.compile(r"\w+|[^\w\s]")
_MAX_ENTRY_TOKENS = 12  # longer tagged texts (claims) are not looked for again
PATTERN_SCORE = 0.6
MODEL_SCORE = 0.5
# spaCy's entity types and the label names they most likely mean here.
_MODEL_LABELS = {
    "PERSON": ("PERSON",),
    "ORG": ("ORG",),
    "NORP": ("ORG", "OTHER"),
    "GPE": ("PLACE", "LOC", "GPE"),
    "LOC": ("PLACE", "LOC"),
    "FAC": ("PLACE", "FAC"),
    "EVENT": ("OTHER", "EVENT"),
    "LAW": ("OTHER", "LAW"),
    "PRODUCT": ("OTHER", "PRODUCT"),
    "WORK_OF_ART": ("OTHER",),
}
_MODEL_QUANTITIES = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE"})


@dataclass(frozen=True, slots=True)
class Suggestion:
    start: int
    end: int
    label: str
    source: Source
    score: float


@dataclass(frozen=True, slots=True)
class _Entry:
    tokens: tuple[str, ...]
    text: str
    label: str
    score: float


class Gazetteer:
    """Every text the team tagged, with the label it got most often.

    Keyed by first token, longest entries first, so matching walks the article's tokens
    once; a 200 KB article takes a few tens of milliseconds.
    """

    def __init__(self, entries: Iterable[_Entry]) -> None:
        self._by_first: dict[str, list[_Entry]] = defaultdict(list)
        for entry in entries:
            self._by_first[entry.tokens[0]].append(entry)
        for bucket in self._by_first.values():
            bucket.sort(key=lambda entry: len(entry.tokens), reverse=True)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, int]]) -> Gazetteer:
        """Build from (text, label, count) rows; a text's label is its most frequent one.

        The score is that label's share of the text's tags: "Kant" tagged PLACE 9 times
        and ORG once is PLACE at 0.9.
        """
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for text, label, count in rows:
            surface = " ".join(text.split())
            if surface and count > 0:
                counts[surface][label] += count
        entries: list[_Entry] = []
        for surface, labels in counts.items():
            tokens = tuple(_TOKEN.findall(surface))
            if not tokens or len(tokens) > _MAX_ENTRY_TOKENS or not any(token[0].isalnum() for token in tokens):
                continue
            label, best = max(labels.items(), key=lambda item: (item[1], item[0]))
            entries.append(_Entry(tokens, surface, label, best / sum(labels.values())))
        return cls(entries)

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._by_first.values())

    def matches(self, text: str) -> list[tuple[int, int, str, float]]:
        """Every whole-word occurrence of an entry: (start, end, label, score), overlaps and all."""
        tokens = [(match.start(), match.end(), match.group()) for match in _TOKEN.finditer(text)]
        words = [token[2] for token in tokens]
        found: list[tuple[int, int, str, float]] = []
        for index, word in enumerate(words):
            bucket = self._by_first.get(word)
            if not bucket:
                continue
            for entry in bucket:
                size = len(entry.tokens)
                if tuple(words[index : index + size]) != entry.tokens:
                    continue
                start, end = tokens[index][0], tokens[index + size - 1][1]
                if " ".join(text[start:end].split()) == entry.text and "\n" not in text[start:end]:
                    found.append((start, end, entry.label, entry.score))
        return found


def _labels_by_kind(labels: Sequence[Label]) -> dict[str, str]:
    """The first label name of each kind."""
    names: dict[str, str] = {}
    for label in labels:
        names.setdefault(label.kind, label.name)
    return names


def _not_overlapping(found: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Longest first, then leftmost; a match overlapping one already chosen is dropped."""
    chosen_starts: list[int] = []
    chosen: list[tuple[int, int, str, float]] = []
    ends: dict[int, int] = {}
    for item in sorted(found, key=lambda item: (-(item[1] - item[0]), item[0])):
        start, end = item[0], item[1]
        index = bisect_left(chosen_starts, start)
        if index > 0 and ends[chosen_starts[index - 1]] > start:
            continue
        if index < len(chosen_starts) and chosen_starts[index] < end:
            continue
        chosen_starts.insert(index, start)
        ends[start] = end
        chosen.append(item)
    return chosen


def suggest(
    text: str,
    gazetteer: Gazetteer,
    tagged: Iterable[Any],
    labels: Sequence[Label],
    use_model: bool = False,
) -> list[Suggestion]:
    """Suggestions for an article, in reading order, none where a tag already stands.

    Gazetteer matches are whole words, longest first, never overlapping each other, and
    only for labels in `labels`. Quantities (quantities.py) become suggestions of the
    label set's quantity label, when it has one, unless a gazetteer match has the same
    range. spaCy's entities are added only with use_model (it is slow: run this off the
    event loop). A place counts as tagged when a tag covers it (words.covered).
    """
    names = {label.name for label in labels}
    spans = ranges(tagged)
    chosen = _not_overlapping([m for m in gazetteer.matches(text) if not names or m[2] in names])
    suggestions = [Suggestion(start, end, label, "gazetteer", score) for start, end, label, score in chosen]
    taken = {(item.start, item.end) for item in suggestions}
    quantity_label = _labels_by_kind(labels).get("quantity")
    if quantity_label is not None:
        for start, end in quantities_in(text, 0, len(text)):
            if (start, end) not in taken:
                suggestions.append(Suggestion(start, end, quantity_label, "pattern", PATTERN_SCORE))
                taken.add((start, end))
    if use_model:
        for item in model_suggestions(text, labels):
            if (item.start, item.end) not in taken:
                suggestions.append(item)
                taken.add((item.start, item.end))
    kept = [item for item in suggestions if not covered((item.start, item.end), spans)]
    kept.sort(key=lambda item: (item.start, -item.end, item.label))
    return kept


def model_suggestions(text: str, labels: Sequence[Label]) -> list[Suggestion]:
    """Entities from an installed spaCy model, mapped onto `labels`; [] without spaCy or a model.

    Nothing is downloaded: only a model package already installed is loaded. spaCy is
    imported here, not at module import, because importing it takes seconds.
    """
    try:
        import spacy
        import spacy.util
    except ImportError:
        return []
    installed = sorted(spacy.util.get_installed_models())
    if not installed:
        return []
    preferred = [name for name in installed if name.startswith("en_")] or installed
    try:
        nlp = spacy.load(preferred[0])
    except (OSError, ImportError, ValueError):
        return []
    names = {label.name for label in labels}
    quantity_label = _labels_by_kind(labels).get("quantity")
    found: list[Suggestion] = []
    for entity in nlp(text).ents:
        if entity.label_ in _MODEL_QUANTITIES:
            name = quantity_label
        else:
            name = next((n for n in _MODEL_LABELS.get(entity.label_, ()) if n in names), None)
        if name is not None:
            found.append(Suggestion(entity.start_char, entity.end_char, name, "model", MODEL_SCORE))
    return found


def _final_triple(item: Any) -> tuple[int, int, str]:
    if isinstance(item, tuple | list):
        return int(item[0]), int(item[1]), str(item[2])
    return int(item.start), int(item.end), str(item.label)


def suggestion_quality(suggestions: Iterable[Suggestion], final_spans: Iterable[Any]) -> tuple[float, float]:
    """(precision, recall) of suggestions against the analyst's final spans.

    A suggestion counts when a final span has the same start, end and label. Final
    spans are (start, end, label) triples or anything with .start, .end and .label. With
    nothing suggested precision is 1.0 (nothing offered was wrong); with no final spans
    recall is 1.0 (nothing was missed).
    """
    offered = {(item.start, item.end, item.label) for item in suggestions}
    final = {_final_triple(item) for item in final_spans}
    hits = len(offered & final)
    precision = hits / len(offered) if offered else 1.0
    recall = hits / len(final) if final else 1.0
    return precision, recall


def suggestion_at(suggestions: Iterable[Suggestion], offset: int) -> Suggestion | None:
    """The suggestion `y` and `x` act on at offset: one starting there first, else the shortest holding it.

    One rule for the view (which marks it) and the session (which accepts it), so the
    suggestion drawn as current is the one a key takes.
    """
    holding = [item for item in suggestions if item.start <= offset < item.end]
    if not holding:
        return None
    return min(holding, key=lambda item: (item.start != offset, item.end - item.start, item.start, item.label))
