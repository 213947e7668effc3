"""Prodigy tasks (ner_manual): one JSON line per document and analyst.

Each task has the text, its tokens ({text, start, end, id, ws}), spans with
token_start/token_end (inclusive), `_input_hash`/`_task_hash`, `_annotator_id`,
`answer: "accept"` and `meta`. The tokens are annotator/tokens.py's doc_tokens(), as a
spaCy Doc (and so Prodigy) holds them: `ws` is true for one trailing space only, and any
other white space ("\\n", "\\n\\n", two spaces, a tab) is a token of its own, so the text
is rebuilt exactly from the tokens. A token is cut where a span of the document starts or
ends inside it, so every span is written.

Claim knowledge (docs/exporting.md): a span's `attrs` holds its entity uid, free-text
source, cue, form, stance and quantity value; a claim's source mention and the claim it
disputes are `relations` as Prodigy's rel_manual writes them (`head`/`child` token
indices, `head_span`/`child_span`, `label` "source" or "disputes").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from annotator.exporters.common import by_document, json_line, record_meta, stable_hash
from annotator.exporters.knowledge import Relation, carried, relations
from annotator.exporters.report import Report
from annotator.exporters.records import Record
from annotator.tokens import DocToken, doc_tokens


def token_list(tokens: list[DocToken]) -> list[dict[str, Any]]:
    """Prodigy's tokens; built once per document, shared by its analysts' tasks (read only)."""
    return [
        {"text": token.text, "start": token.start, "end": token.end, "id": index, "ws": token.ws}
        for index, token in enumerate(tokens)
    ]


def task(record: Record, tokens: list[dict[str, Any]], report: Report) -> dict[str, Any]:
    """One task; tokens come from doc_tokens() given (at least) this record's spans."""
    text = record.document.text
    first = {token["start"]: token["id"] for token in tokens}
    last = {token["end"]: token["id"] for token in tokens}
    spans: list[dict[str, Any]] = []
    for span in record.spans:
        item: dict[str, Any] = {
            "start": span.start,
            "end": span.end,
            "token_start": first[span.start],
            "token_end": last[span.end],
            "label": span.label,
            "text": span.text,
            "kind": span.kind,
        }
        if span.span.note:
            item["note"] = span.span.note
        knowledge = carried(span.span.attrs or {})
        if knowledge:
            item["attrs"] = knowledge
        spans.append(item)
        report.wrote(record, span)
    linked = [_relation(relation, first, last) for relation in relations(record.spans)]
    input_hash = stable_hash(text)
    task_key = json.dumps([input_hash, [[s["start"], s["end"], s["label"]] for s in spans]], ensure_ascii=False)
    result: dict[str, Any] = {
        "text": text,
        "meta": record_meta(record),
        "tokens": tokens,
        "spans": spans,
        "_input_hash": input_hash,
        "_task_hash": stable_hash(task_key),
        "_view_id": "ner_manual",
        "answer": "accept",
    }
    if linked:
        result["relations"] = linked
    if record.annotator is not None:
        result["_annotator_id"] = record.annotator
        result["_session_id"] = record.annotator
    return result


def _relation(relation: Relation, first: dict[int, int], last: dict[int, int]) -> dict[str, Any]:
    """A relation as Prodigy's rel_manual keeps one: head and child are the spans' last tokens."""
    ends: dict[str, dict[str, Any]] = {}
    for role, span in (("head", relation.head), ("child", relation.tail)):
        ends[role] = {
            "start": span.start, "end": span.end, "token_start": first[span.start], "token_end": last[span.end],
            "label": span.label,
        }
    return {
        "head": ends["head"]["token_end"], "child": ends["child"]["token_end"],
        "head_span": ends["head"], "child_span": ends["child"], "label": relation.type,
    }


def write(records: Iterable[Record], handle: IO[str], report: Report) -> None:
    for group, spans in by_document(records):
        tokens = token_list(doc_tokens(group[0].document.text, spans))
        for record in group:
            handle.write(json_line(task(record, tokens, report)))
            handle.write("\n")
