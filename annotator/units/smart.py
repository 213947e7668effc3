"""What a label key tags with nothing selected, and growing a selection by units."""

from __future__ import annotations

from annotator.text import trim_to_words, word_at
from annotator.units.names import name_at
from annotator.units.quantities import quantity_at
from annotator.units.structure import claim_from, clause_at, paragraph_at, quotation_at, sentence_span


def _word(text: str, offset: int) -> tuple[int, int] | None:
    """The word at offset trimmed as a word selection is ("(GKNB)," gives "GKNB")."""
    found = word_at(text, offset)
    return None if found is None else trim_to_words(text, *found)


def smart_unit_at(text: str, offset: int) -> tuple[int, int] | None:
    """The quantity at offset, else the name, else the word: one key tags the whole thing."""
    return quantity_at(text, offset) or name_at(text, offset) or _word(text, offset)


def smart_unit_for(text: str, offset: int, kind: str) -> tuple[int, int] | None:
    """smart_unit_at for a label of this kind ("entity", "quantity" or "claim").

    A claim runs from the word at offset to the end of its sentence; a quantity label
    prefers the quantity, an entity label the name; both fall back to the word.
    """
    if kind == "claim":
        return claim_from(text, offset)
    if kind == "quantity":
        return quantity_at(text, offset) or _word(text, offset)
    if kind == "entity":
        return name_at(text, offset) or _word(text, offset)
    return smart_unit_at(text, offset)


def grow(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The next larger unit holding [start, end); None when it is a paragraph already.

    The ladder: word, name or quantity, clause, quotation (when inside one), the claim
    from the selection's start (claim_from), sentence, paragraph. The smallest of these
    that holds the selection and is larger wins, so a step never skips a unit and never
    returns the same range. An empty selection grows to smart_unit_at.
    """
    if not text or start >= end:
        if text and start == end:
            return smart_unit_at(text, start)
        return None
    paragraph = paragraph_at(text, start)
    if paragraph is None or (paragraph[0] >= start and paragraph[1] <= end):
        return None
    finders = (_word, quantity_at, name_at, clause_at, quotation_at, claim_from, sentence_span)
    units = [found for finder in finders if (found := finder(text, start)) is not None]
    units.append(paragraph)
    holding = [
        (unit_end - unit_start, unit_start, unit_end)
        for unit_start, unit_end in units
        if unit_start <= start and unit_end >= end and (unit_start, unit_end) != (start, end)
    ]
    if not holding:
        return None
    _, unit_start, unit_end = min(holding)
    return unit_start, unit_end
