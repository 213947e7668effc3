"""Label Studio tasks: a JSON array, one task per document, one annotation per analyst.

    {"id": 1, "data": {"text", "title", "key"}, "meta": {...},
     "annotations": [{"completed_by": "alice", "result": [
        {"id", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start", "end", "text", "labels": ["PLACE"]}, "meta"?: {"text": [note]}}]}]}

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
        if span.span.note:
            result["meta"] = {"text": [span.span.note]}
        by_annotator.setdefault(span.annotator, []).append(result)
        report.wrote(record, span)
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
