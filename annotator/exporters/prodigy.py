"""Prodigy tasks (ner_manual): one JSON line per document and analyst.

Each task has the text, its tokens from annotator/tokens.py ({text, start, end, id, ws}),
spans with token_start/token_end (inclusive), `_input_hash`/`_task_hash`, `_annotator_id`,
`answer: "accept"` and `meta`. Spans that do not start and end on token boundaries cannot
be expressed in tokens: they are skipped and counted in the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import IO, Any

from annotator.exporters.common import json_line, record_meta, stable_hash
from annotator.exporters.report import Report
from annotator.exporters.source import Record, tokens_of


@lru_cache(maxsize=4)
def token_list(text: str) -> list[dict[str, Any]]:
    """Prodigy's tokens; built once per document, shared by its analysts' tasks (read only)."""
    tokens = tokens_of(text).items
    return [
        {
            "text": token.text,
            "start": token.start,
            "end": token.end,
            "id": index,
            "ws": (tokens[index + 1].start if index + 1 < len(tokens) else len(text)) > token.end,
        }
        for index, token in enumerate(tokens)
    ]


def task(record: Record, report: Report) -> dict[str, Any]:
    text = record.document.text
    aligned = tokens_of(text)
    spans: list[dict[str, Any]] = []
    for span in record.spans:
        where = aligned.align(span.start, span.end)
        if where is None:
            report.off_boundary(record, span)
            continue
        item: dict[str, Any] = {
            "start": span.start,
            "end": span.end,
            "token_start": where[0],
            "token_end": where[1],
            "label": span.label,
            "text": span.text,
            "kind": span.kind,
        }
        if span.span.note:
            item["note"] = span.span.note
        spans.append(item)
        report.wrote(record, span)
    input_hash = stable_hash(text)
    task_key = json.dumps([input_hash, [[s["start"], s["end"], s["label"]] for s in spans]], ensure_ascii=False)
    result: dict[str, Any] = {
        "text": text,
        "meta": record_meta(record),
        "tokens": token_list(text),
        "spans": spans,
        "_input_hash": input_hash,
        "_task_hash": stable_hash(task_key),
        "_view_id": "ner_manual",
        "answer": "accept",
    }
    if record.annotator is not None:
        result["_annotator_id"] = record.annotator
        result["_session_id"] = record.annotator
    return result


def write(records: Iterable[Record], handle: IO[str], report: Report) -> None:
    for record in records:
        handle.write(json_line(task(record, report)))
        handle.write("\n")
