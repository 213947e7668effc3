"""One column list and one row mapping: spans and documents as the tables hold them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from annotator.model import ENTITY_FIELDS, Document, Span


SPAN_COLUMNS = 'id, uid, document_id, start, "end", label, annotator, text, note, attrs, created_at, updated_at'

# An entity row as entity_actions keeps it (with its aliases beside) and entities holds it.
ENTITY_COLUMNS = ", ".join(ENTITY_FIELDS)  # the registry's columns, in Entity's field order


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def span_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Span:
    id_, uid, document_id, start, end, label, annotator, text, note, attrs, created, updated = row
    return Span(
        uid=uid,
        document_id=document_id,
        start=start,
        end=end,
        label=label,
        annotator=annotator,
        text=text,
        note=note,
        attrs=json.loads(attrs) if attrs and attrs != "{}" else {},
        created_at=created,
        updated_at=updated,
        id=id_,
    )


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) without making an encoder per call


_SORTED_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


_JSON_STRING = json.encoder.encode_basestring  # a str as _JSON writes it


def span_json(span: Span) -> str:
    """The span as the action log keeps it: json.dumps of its fields, ensure_ascii=False."""
    return _span_json_of(span.uid, span.start, span.end, span.label, span.annotator, span.text, span.note,
                         span.attrs, span.created_at, span.updated_at)


def _span_json_of(
    uid: str, start: int, end: int, label: str, annotator: str, text: str, note: str, attrs: dict[str, Any],
    created_at: str, updated_at: str,
) -> str:
    if (
        type(start) is int and type(end) is int and type(uid) is str and type(label) is str
        and type(annotator) is str and type(text) is str and type(note) is str
        and type(created_at) is str and type(updated_at) is str
    ):
        # The same text json.dumps writes, put together without encoding a dict: an
        # import writes one for every span.
        s = _JSON_STRING
        encoded = _JSON.encode(attrs) if attrs else "{}"
        return (
            f'{{"uid": {s(uid)}, "start": {start}, "end": {end}, "label": {s(label)}, "annotator": {s(annotator)}, '
            f'"text": {s(text)}, "note": {s(note)}, "attrs": {encoded}, "created_at": {s(created_at)}, '
            f'"updated_at": {s(updated_at)}}}'
        )
    return _JSON.encode(
        {
            "uid": uid,
            "start": start,
            "end": end,
            "label": label,
            "annotator": annotator,
            "text": text,
            "note": note,
            "attrs": attrs,
            "created_at": created_at,
            "updated_at": updated_at,
        },
    )


def document_from_row(row: tuple[Any, ...]) -> Document:
    id_, key, title, text, sha, meta, position = row
    return Document(id_, key, title, text, sha, json.loads(meta) if meta else {}, position)
