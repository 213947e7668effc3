"""Prodigy JSONL (`prodigy db-out`): one task per line.

A task has `text`, `spans` (`start`, `end`, `label`, optional `token_start`/`token_end`,
`text` and `answer`), `meta`, `_annotator_id`/`_session_id` and `answer`. Offsets are
Python code points, as annotator's own.

What `annotator export --format prodigy` adds is read back: `meta.id` is the document
key and `meta.title` its title (unless the task has its own `id`/`title`),
`meta.document_meta` the document's meta, `meta.annotator` the analyst when the task
names none in `_annotator_id`/`_session_id`; a span's `note` is its note and its `kind`
the kind of its label (when neither --map nor the database gives one); a span's
`attrs` (entity, source, cue, form, stance, quantity, quantity_edited) its knowledge;
`relations` (rel_manual: `head_span`, `child_span`, `label`) labelled "source" or
"disputes" become the head claim's `attrs.source.span` / `attrs.disputes`, and others
stay in the head span's `attrs.relations` as `{"label", "to": "start:end:LABEL"}`.

Only what an analyst accepted becomes a span: a task whose `answer` is `accept`, and of
its spans those without an `answer` of their own or with `accept`. Everything else
(tasks answered `reject` or `ignore`, or with no answer; rejected spans of accepted
tasks) is kept apart in the document's `meta["prodigy_rejected"]`, one entry per task,
so a reviewer can see it in an export; it is never a span, so never anyone's work and
never gold. The document itself is imported either way. A task with no `spans` key is a
document with no spans.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from annotator.cleaning import find_title
from annotator.errors import InputError
from annotator.importers.jsonl import Item, RecordReader
from annotator.importers.knowledge import carried, link_relations, unknown_note
from annotator.importers.records import (
    Parsed,
    Record,
    checked_offsets,
    document_key,
    document_text,
    integer,
    json_type,
    label_name,
    to_canonical,
)
from annotator.model import KINDS, NewSpan
from annotator.settings import validate_annotator

ANSWERS = ("accept", "reject", "ignore")
REJECTED_KEY = "prodigy_rejected"


class ProdigyReader(RecordReader):
    """Prodigy tasks; a task not accepted is a record too, counted in set_aside."""

    def __init__(self, path: Path, default_annotator: str) -> None:
        super().__init__(path, default_annotator)
        self.other_relations = 0

    def read(self, item: Item) -> Record:
        record, accepted = _record(item, self.path, self.default_annotator)
        if not accepted:
            self.set_aside += 1
        record.spans, unknown = link_relations(record.spans, _place, lambda relation: relation.get("label"))
        self.other_relations += unknown
        return record

    def notes(self) -> list[str]:
        return [unknown_note(self.path, self.other_relations)] if self.other_relations else []


def _place(span: NewSpan) -> str:
    """How a relation names a span here: its offsets and label (Prodigy relations have no span ids)."""
    return f"{span.start}:{span.end}:{span.label}"


def parse_prodigy(items: list[Item], path: Path, default_annotator: str) -> Parsed:
    return ProdigyReader(path, default_annotator).parse(items)


def _annotator(data: dict[str, Any], meta: dict[str, Any], where: str) -> str | None:
    """The analyst the record names, or None when it names none."""
    for field, value in (
        ("_annotator_id", data.get("_annotator_id")),
        ("_session_id", data.get("_session_id")),
        ("meta.annotator", meta.get("annotator")),
    ):
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InputError(f"{where}: field '{field}' must be a string")
        try:
            # "gold" may come back: `annotator export --format prodigy --annotator gold`.
            return validate_annotator(value, allow_reserved=True)
        except InputError as error:
            raise InputError(f"{where}: field '{field}': {error}") from None
    return None


def _own_meta(data: dict[str, Any], meta: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """(key, title, document meta): what annotator's own Prodigy export put in `meta`."""
    meta = dict(meta)
    key, title = data.get("id"), data.get("title")
    if key is None and isinstance(meta.get("id"), (str, int)) and not isinstance(meta.get("id"), bool):
        key = meta.pop("id")
    if title is None and isinstance(meta.get("title"), str):
        title = meta.pop("title")
    inner = meta.get("document_meta")
    if isinstance(inner, dict):
        del meta["document_meta"]
        meta = {**meta, **inner}
    return key, title, meta


def _with_relations(
    spans: list[NewSpan], value: Any, where: str, original: str, mapping: list[int] | None
) -> list[NewSpan]:
    """A task's `relations` (rel_manual) put on the head span's attrs.relations, for link_relations."""
    if value is None:
        return spans
    if not isinstance(value, list):
        raise InputError(f"{where}: field 'relations' must be a list")
    places = {_place(span): index for index, span in enumerate(spans)}
    found: dict[int, list[dict[str, Any]]] = {}
    for index, relation in enumerate(value):
        at = f"{where}: relations[{index}]"
        if not isinstance(relation, dict):
            raise InputError(f"{at}: expected a JSON object, got {json_type(relation)}")
        ends: list[str] = []
        for role in ("head_span", "child_span"):
            end = relation.get(role)
            if not isinstance(end, dict):
                raise InputError(f"{at}: field '{role}' must be an object with start, end and label")
            start, stop = integer(end.get("start"), f"{at}: {role}", "start"), integer(end.get("end"), f"{at}: {role}", "end")
            checked_offsets(f"{at}: {role}", original, start, stop)
            start, stop = to_canonical(f"{at}: {role}", mapping, start, stop)
            place = f"{start}:{stop}:{end.get('label')}"
            if place not in places:
                raise InputError(f"{at}: field '{role}' names no accepted span of this task")
            ends.append(place)
        found.setdefault(places[ends[0]], []).append({"label": relation.get("label"), "to": ends[1]})
    return [
        replace(span, attrs={**span.attrs, "relations": found[index]}) if index in found else span
        for index, span in enumerate(spans)
    ]


def _answer(value: Any, where: str) -> str | None:
    if value is not None and value not in ANSWERS:
        raise InputError(f"{where}: field 'answer' must be accept, reject or ignore")
    return value


def _record(item: Item, path: Path, default_annotator: str) -> tuple[Record, bool]:
    data, where = item.data, item.where
    text, mapping = document_text(data.get("text"), where)
    original = data["text"]
    meta = data.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(f"{where}: field 'meta' must be an object")
    answer = _answer(data.get("answer"), where)
    named = _annotator(data, meta, where)
    annotator = named if named is not None else default_annotator
    if meta.get("annotator") == annotator:
        meta = {k: v for k, v in meta.items() if k != "annotator"}
    raw_key, title, meta = _own_meta(data, meta)
    key = document_key(raw_key, where, f"{path.stem}-{item.index if item.in_array else item.line}")
    if title is not None and not isinstance(title, str):
        raise InputError(f"{where}: field 'title' must be a string")
    spans_data = data.get("spans", [])
    if spans_data is None:
        spans_data = []
    if not isinstance(spans_data, list):
        raise InputError(f"{where}: field 'spans' must be a list")
    spans: list[NewSpan] = []
    declared: dict[str, str] = {}
    kept_apart: list[dict[str, Any]] = []
    for index, span in enumerate(spans_data):
        at = f"{where}: spans[{index}]"
        if not isinstance(span, dict):
            raise InputError(f"{at}: expected a JSON object, got {json_type(span)}")
        start = integer(span.get("start"), at, "start")
        end = integer(span.get("end"), at, "end")
        label = label_name(span.get("label"), at)
        checked_offsets(at, original, start, end, span.get("text"))
        span_answer = _answer(span.get("answer"), at)
        start, end = to_canonical(at, mapping, start, end)
        if answer == "accept" and span_answer in (None, "accept"):
            note = span.get("note")
            if note is not None and not isinstance(note, str):
                raise InputError(f"{at}: field 'note' must be a string")
            if span.get("kind") in KINDS:
                declared.setdefault(label, span["kind"])
            attrs = carried(span.get("attrs"))
            spans.append(NewSpan(start=start, end=end, label=label, annotator=annotator, note=note or "", attrs=attrs))
        else:
            kept_apart.append(
                {"start": start, "end": end, "label": label, "text": text[start:end], "answer": span_answer or answer}
            )
    if answer == "accept":
        spans = _with_relations(spans, data.get("relations"), where, original, mapping)
    record = Record(key, title or find_title(text, key), text, meta, spans, {}, where, declared=declared)
    record.defaulted = len(spans) if named is None else 0
    if answer != "accept" or kept_apart:
        record.meta_lists[REJECTED_KEY] = [
            {
                "source": f"{path.name}:{item.line}",
                "answer": answer,
                "annotator": annotator,
                "spans": kept_apart,
            }
        ]
    return record, answer == "accept"
