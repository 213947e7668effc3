"""Units of text a single key can tag or jump to: names, quantities, claims, clauses, quotations.

Offsets are Python code points into the canonical text, end exclusive, as everywhere in
annotator. Nothing here imports Textual; the app binds these to keys and draws what
they return. Every finder looks at a window around the offset it is given, so a call
costs the same anywhere in a long article.
"""

from __future__ import annotations

from annotator.units.mentions import mentions, near_mentions
from annotator.units.names import name_at, names_in
from annotator.units.navigation import (
    HINT_LETTERS,
    candidates_in,
    find_text,
    hint_labels,
    next_candidate,
    previous_candidate,
)
from annotator.units.quantities import quantities_in, quantity_at
from annotator.units.smart import grow, smart_unit_at, smart_unit_for
from annotator.units.structure import (
    claim_from,
    clause_at,
    paragraph_at,
    quotation_at,
    reported_in,
    sentence_span,
)
from annotator.units.suggest import Gazetteer, Suggestion, model_suggestions, suggest, suggestion_at, suggestion_quality

__all__ = [
    "HINT_LETTERS",
    "Gazetteer",
    "Suggestion",
    "candidates_in",
    "claim_from",
    "clause_at",
    "find_text",
    "grow",
    "hint_labels",
    "mentions",
    "model_suggestions",
    "name_at",
    "names_in",
    "near_mentions",
    "next_candidate",
    "paragraph_at",
    "previous_candidate",
    "quantities_in",
    "quantity_at",
    "quotation_at",
    "reported_in",
    "sentence_span",
    "smart_unit_at",
    "smart_unit_for",
    "suggest",
    "suggestion_at",
    "suggestion_quality",
]
