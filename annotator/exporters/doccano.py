"""doccano sequence-labelling JSONL: one line per document and analyst.

{"id", "text", "label": [[start, end, "LABEL"], ...], "meta"}; offsets are Unicode code
points into text, end exclusive (what doccano's Python backend uses).

A record with claim knowledge or entity links is written as doccano's relation projects
write it: `{"id", "text", "entities": [{"id": 1, "label", "start_offset", "end_offset",
"attrs"?}], "relations": [{"id", "from_id", "to_id", "type"}], "meta"}`: entity ids count
from 1 in the line; relations are "source" (claim -> who said it) and "disputes" (claim ->
the claim it disputes); `attrs` holds the span's other knowledge (entity uid, free-text
source, cue, form, stance, quantity). doccano keeps `attrs` as an unknown field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from annotator.exporters.common import json_line, record_meta
from annotator.exporters.knowledge import Relation, carried, relations
from annotator.exporters.report import Report
from annotator.exporters.records import Record


def line(record: Record, report: Report) -> dict[str, Any]:
    meta = record_meta(record)
    meta.pop("id")
    linked = relations(record.spans)
    if linked or any(carried(span.span.attrs or {}) for span in record.spans):
        return _relation_line(record, report, meta, linked)
    labels = []
    for span in record.spans:
        labels.append([span.start, span.end, span.label])
        report.wrote(record, span)
    return {"id": record.document.key, "text": record.document.text, "label": labels, "meta": meta}


def _relation_line(record: Record, report: Report, meta: dict[str, Any], linked: list[Relation]) -> dict[str, Any]:
    """doccano's relation-project line: numbered entities, relations between them, knowledge in attrs."""
    numbers = {span.span.uid: number for number, span in enumerate(record.spans, start=1)}
    entities: list[dict[str, Any]] = []
    for span in record.spans:
        entity: dict[str, Any] = {
            "id": numbers[span.span.uid], "label": span.label, "start_offset": span.start, "end_offset": span.end,
        }
        knowledge = carried(span.span.attrs or {})
        if knowledge:
            entity["attrs"] = knowledge
        entities.append(entity)
        report.wrote(record, span)
    return {
        "id": record.document.key,
        "text": record.document.text,
        "entities": entities,
        "relations": [
            {"id": number, "from_id": numbers[r.head.span.uid], "to_id": numbers[r.tail.span.uid], "type": r.type}
            for number, r in enumerate(linked, start=1)
        ],
        "meta": meta,
    }


def write(records: Iterable[Record], handle: IO[str], report: Report) -> None:
    for record in records:
        handle.write(json_line(line(record, report)))
        handle.write("\n")
