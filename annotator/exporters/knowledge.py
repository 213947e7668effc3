"""What exports carry of the entity registry and of per-span knowledge.

Per-span knowledge lives in span attrs (docs/database.md): a mention's `entity` uid, a
claim's `source` ({"span": uid} or {"text": ...}), `cue`, `form`, `stance` and
`disputes` (a claim uid), a quantity's `quantity` value. A format with relations writes
a span source and a disputed claim as relations between the two spans it holds; what
is left (CARRIED minus span sources) travels beside the span in whatever the format
keeps per span. The registry goes to `<target stem>.entities.jsonl` beside the export,
one Entity.to_json() a line, merged entities included (their merged_into says where).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.exporters.atomic import atomic_writer
from annotator.exporters.common import json_line
from annotator.exporters.records import ExportSpan
from annotator.model import Entity

# The attrs keys that are knowledge (the rest are other tools' and reviewers' keys).
CARRIED = ("entity", "source", "cue", "form", "stance", "quantity", "quantity_edited")
SOURCE = "source"
DISPUTES = "disputes"
REGISTRY_SUFFIX = ".entities.jsonl"


@dataclass(frozen=True)
class Relation:
    """claim -> source mention ("source") or claim -> disputed claim ("disputes")."""

    head: ExportSpan
    tail: ExportSpan
    type: str


def carried(attrs: dict[str, Any]) -> dict[str, Any]:
    """The knowledge a format writes beside a span; a source that is a span goes as a relation."""
    found = {key: attrs[key] for key in CARRIED if attrs.get(key) is not None}
    source = found.get(SOURCE)
    if not (isinstance(source, dict) and isinstance(source.get("text"), str)):
        found.pop(SOURCE, None)
    return found


def relations(spans: Sequence[ExportSpan]) -> list[Relation]:
    """The relations among these spans, in span order: a claim's span source and the claim it disputes.

    A relation whose other end is not among the spans (another analyst's span in a
    per-analyst record, or one a filter left out) cannot be written and is not.
    """
    by_uid = {span.span.uid: span for span in spans}
    found: list[Relation] = []
    for span in spans:
        attrs = span.span.attrs or {}
        source = attrs.get(SOURCE)
        if isinstance(source, dict) and isinstance(source.get("span"), str) and source["span"] in by_uid:
            found.append(Relation(span, by_uid[source["span"]], SOURCE))
        disputed = attrs.get(DISPUTES)
        if isinstance(disputed, str) and disputed in by_uid:
            found.append(Relation(span, by_uid[disputed], DISPUTES))
    return found


def registry_path(target: Path) -> Path:
    """exports/team.jsonl -> exports/team.entities.jsonl (a brat folder: beside the folder)."""
    return target.with_name(f"{target.stem}{REGISTRY_SUFFIX}")


def registry_lines(entities: Iterable[Entity]) -> Iterable[str]:
    for entity in entities:
        yield json_line(entity.to_json())


def write_registry(entities: Iterable[Entity], path: Path) -> int:
    """The whole entity registry (merged entities included), one a line; returns how many."""
    count = 0
    with atomic_writer(path) as handle:
        for line in registry_lines(entities):
            handle.write(line)
            handle.write("\n")
            count += 1
    return count
