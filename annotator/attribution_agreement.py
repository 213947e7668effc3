"""Agreement between two analysts on how claims are attributed (beside span agreement).

Rules (the agreement report prints these figures under span agreement):

- Claims are paired by exact span: same document, same start and end. Claims only one
  analyst tagged count in ``only_a``/``only_b`` and take no part in the figures below.
- **source**: both analysts name the same source. Two entity mentions agree when both
  are linked to the same entity (attrs "entity"), whatever their offsets; otherwise
  mentions agree on the same offsets; free text agrees on the same words (case, white
  space and punctuation at the edges aside), and free text agrees with a mention whose
  text it spells.
- **cue**: the same cue offsets (start, end).
- **form** and **stance**: the same value; Cohen's kappa is given for these two.
- A field counts for a pair when at least one analyst filled it (an empty side
  disagrees), so claims neither analyst attributed do not inflate the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.model import Span
from annotator.kappa import cohen_kappa

FIELDS: tuple[str, ...] = ("source", "cue", "form", "stance")
CLAIM_LABELS: tuple[str, ...] = ("CLAIM",)


@dataclass(frozen=True)
class FieldAgreement:
    """How often two analysts gave the same value for one attribution field."""

    compared: int
    agreed: int
    kappa: float | None = None

    @property
    def percent(self) -> float | None:
        return None if self.compared == 0 else 100.0 * self.agreed / self.compared


@dataclass(frozen=True)
class AttributionAgreement:
    """Claim pairing counts and per-field agreement for two analysts."""

    matched: int
    only_a: int
    only_b: int
    fields: dict[str, FieldAgreement] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "matched_claims": self.matched,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "fields": {
                name: {
                    "compared": f.compared,
                    "agreed": f.agreed,
                    "percent": None if f.percent is None else round(f.percent, 1),
                    **({"kappa": None if f.kappa is None else round(f.kappa, 3)} if name in ("form", "stance") else {}),
                }
                for name, f in self.fields.items()
            },
        }


def _words(text: str) -> str:
    return " ".join(text.casefold().strip(" \t\n.,;:\"'“”‘’").split())


def _source_value(claim: Span, spans_by_uid: Mapping[str, Span]) -> tuple[str, ...] | None:
    """A comparable description of a claim's source: ("entity", uid) / ("span", start, end, words) / ("text", words)."""
    source = claim.attrs.get("source")
    if not isinstance(source, dict):
        return None
    uid = source.get("span")
    if isinstance(uid, str):
        mention = spans_by_uid.get(uid)
        if mention is None:
            return ("missing", uid)
        entity = mention.attrs.get("entity")
        words = _words(mention.text)
        if isinstance(entity, str) and entity:
            return ("entity", entity, str(mention.start), str(mention.end), words)
        return ("span", str(mention.start), str(mention.end), words)
    text = source.get("text")
    if isinstance(text, str) and text.strip():
        return ("text", _words(text))
    return None


def _same_source(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    if a is None or b is None:
        return False
    if a[0] == "entity" and b[0] == "entity":
        return a[1] == b[1]
    if a[0] in ("entity", "span") and b[0] in ("entity", "span"):
        return a[-3:-1] == b[-3:-1]
    if a[0] == "text" or b[0] == "text":
        return a[-1] == b[-1]
    return a == b


def _cue_value(claim: Span) -> tuple[int, int] | None:
    cue = claim.attrs.get("cue")
    if isinstance(cue, dict) and isinstance(cue.get("start"), int) and isinstance(cue.get("end"), int):
        return (cue["start"], cue["end"])
    return None


def _plain_value(claim: Span, key: str) -> str | None:
    value = claim.attrs.get(key)
    return value if isinstance(value, str) and value else None


def attribution_agreement(
    pairs: Iterable[tuple[Sequence[Span], Sequence[Span]]],
    claim_labels: Sequence[str] = CLAIM_LABELS,
) -> AttributionAgreement:
    """Compare two analysts' claim attributions.

    ``pairs`` holds, per document, analyst A's spans and analyst B's spans (all kinds:
    the source mentions are looked up among them to compare linked entities).
    """
    matched = only_a = only_b = 0
    counts = {name: [0, 0] for name in FIELDS}
    coded: dict[str, list[tuple[str, str]]] = {"form": [], "stance": []}
    for spans_a, spans_b in pairs:
        by_uid: dict[str, Span] = {s.uid: s for s in (*spans_a, *spans_b)}
        claims_a = {(s.start, s.end): s for s in spans_a if s.label in claim_labels}
        claims_b = {(s.start, s.end): s for s in spans_b if s.label in claim_labels}
        only_a += len(claims_a.keys() - claims_b.keys())
        only_b += len(claims_b.keys() - claims_a.keys())
        for key in claims_a.keys() & claims_b.keys():
            matched += 1
            a, b = claims_a[key], claims_b[key]
            source_a, source_b = _source_value(a, by_uid), _source_value(b, by_uid)
            if source_a is not None or source_b is not None:
                counts["source"][0] += 1
                counts["source"][1] += _same_source(source_a, source_b)
            cue_a, cue_b = _cue_value(a), _cue_value(b)
            if cue_a is not None or cue_b is not None:
                counts["cue"][0] += 1
                counts["cue"][1] += cue_a == cue_b
            for name in ("form", "stance"):
                value_a, value_b = _plain_value(a, name), _plain_value(b, name)
                if value_a is not None or value_b is not None:
                    counts[name][0] += 1
                    counts[name][1] += value_a == value_b
                    coded[name].append((value_a or "", value_b or ""))
    fields = {
        name: FieldAgreement(
            compared=counts[name][0],
            agreed=counts[name][1],
            kappa=cohen_kappa(coded[name]) if name in coded else None,
        )
        for name in FIELDS
    }
    return AttributionAgreement(matched=matched, only_a=only_a, only_b=only_b, fields=fields)
