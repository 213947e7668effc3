"""doccano sequence-labelling JSONL: one line per document and analyst.

{"id", "text", "label": [[start, end, "LABEL"], ...], "meta"}; offsets are Unicode code
points into text, end exclusive (what doccano's Python backend uses).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from annotator.exporters.common import json_line, record_meta
from annotator.exporters.report import Report
from annotator.exporters.records import Record


def line(record: Record, report: Report) -> dict[str, Any]:
    labels = []
    for span in record.spans:
        labels.append([span.start, span.end, span.label])
        report.wrote(record, span)
    meta = record_meta(record)
    meta.pop("id")
    return {"id": record.document.key, "text": record.document.text, "label": labels, "meta": meta}


def write(records: Iterable[Record], handle: IO[str], report: Report) -> None:
    for record in records:
        handle.write(json_line(line(record, report)))
        handle.write("\n")
