"""Label Studio tasks: a JSON array, one task per document, one annotation per analyst.

    {"id": 1, "data": {"text", "title", "key"}, "meta": {...},
     "annotations": [{"completed_by": "alice", "result": [
        {"id", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start", "end", "text", "labels": ["PLACE"]}, "meta"?: {"text": [note]}}]}]}

Claim knowledge (docs/exporting.md): a claim's source mention and the claim it disputes
are relation results, `{"type": "relation", "from_id": <claim>, "to_id": <mention>,
"direction": "right", "labels": ["source"]}` (or `["disputes"]`), in the analyst's own
annotation; the other knowledge in the span's attrs (entity uid, a free-text source,
cue, form, stance, quantity) goes in the result's `meta` beside the note, under the same
names. The labelling config declares `<Relations><Relation value="source"/><Relation
value="disputes"/></Relations>`.

Offsets are Unicode code points, end exclusive, like every other format here. That is
what current Label Studio writes and reads for a <Text> tag: its frontend converts the
browser's UTF-16 positions to code points (its own end-to-end test "NER - Emoji - Text"
checks that a region after an emoji starts at its code point offset). Label Studio
releases from before 2022 counted UTF-16 units instead; "value.text" is written so a
reader can tell. The matching labelling config uses <Labels name="label" toName="text">
and <Text name="text" value="$text"/>.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from annotator.exporters.common import json_line
from annotator.exporters.knowledge import carried, relations
from annotator.exporters.report import Report
from annotator.exporters.records import Record

FROM_NAME = "label"
TO_NAME = "text"


def task(number: int, record: Record, report: Report) -> dict[str, Any]:
    by_annotator: dict[str, list[dict[str, Any]]] = {}
    for span in record.spans:
        result: dict[str, Any] = {
            "id": span.span.uid,
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [span.label]},
        }
        meta: dict[str, Any] = carried(span.span.attrs or {})
        if span.span.note:
            meta["text"] = [span.span.note]
        if meta:
            result["meta"] = meta
        by_annotator.setdefault(span.annotator, []).append(result)
        report.wrote(record, span)
    # Relations stay inside one analyst's annotation: Label Studio links regions of one result list.
    for name in by_annotator:
        for relation in relations([span for span in record.spans if span.annotator == name]):
            by_annotator[name].append({
                "type": "relation",
                "from_id": relation.head.span.uid,
                "to_id": relation.tail.span.uid,
                "direction": "right",
                "labels": [relation.type],
            })
    document = record.document
    return {
        "id": number,
        "data": {"text": document.text, "title": document.title, "key": document.key},
        "meta": document.meta,
        "annotations": [
            {"completed_by": name, "result": results} for name, results in sorted(by_annotator.items())
        ],
    }


def write(records: Iterable[Record], handle: IO[str], report: Report) -> None:
    """A JSON array written one task per line, so it streams like the JSONL formats."""
    handle.write("[")
    for number, record in enumerate(records, start=1):
        handle.write("\n" if number == 1 else ",\n")
        handle.write(json_line(task(number, record, report)))
    handle.write("\n]\n")
