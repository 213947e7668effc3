"""Label Studio JSON exports: a JSON array of tasks, one task object, or tasks as JSON lines.

A task has `data.text` (or `data` with a single string field), `annotations` (0.x:
`completions`) and `predictions`. Each annotation's `result` entries with a `value`
holding `start`, `end` and `labels` are spans, one per label, by the annotator in
`completed_by` (a user id becomes `ls-user-<id>`; an object gives its email). Cancelled
annotations (`was_cancelled`) are not imported. `relation` results are kept in the
`attrs.relations` of the span they start from, as `{"to", "labels", "direction"}`, and
the spans they link carry their result id in `attrs.ls_id`; a relation labelled
`source` (claim -> who said it) or `disputes` (claim -> the claim it disputes) becomes
the claim's `attrs.source.span` / `attrs.disputes` instead (importers/knowledge.py), and
the import says how many relations of other types were kept. The knowledge keys in a
result's `meta` (entity, source, cue, form, stance, quantity, quantity_edited, as
`annotator export --format labelstudio` writes them) become the span's attrs.

A result's `meta.text` (Label Studio's per-region note, a list of strings) is the
span's note, its lines joined by a line break. `data.key`, when present, is the document
key (Label Studio numbers tasks itself, so `annotator export --format labelstudio` puts
the document id there), else the task `id`; `data.title` is the title. The other
`data` fields go to `meta.data`.

Predictions are a model's suggestions, not an analyst's work: their spans are stored
under the analyst name `suggestion:<model_version>` (`suggestion:model` without one),
with `attrs` `{"suggestion": true, "score": ...}`. Agreement leaves such names out
unless they are asked for.

Offsets: current Label Studio stores code points, as annotator does. Older versions
stored JavaScript string indices (UTF-16 code units), which differ after any character
outside the Basic Multilingual Plane (most emoji). A span whose `value.text` matches the
task's text only when its offsets are read as UTF-16 code units is converted, and so
are the spans without a `value.text` in the same annotation; a `value.text` that
matches neither reading is an error.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from annotator.cleaning import find_title
from annotator.errors import InputError, counted
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
from annotator.model import NewSpan
from annotator.review import SUGGESTION_PREFIX
from annotator.settings import validate_annotator


class _Stats:
    def __init__(self) -> None:
        self.cancelled = 0
        self.other_types: Counter[str] = Counter()
        self.converted_tasks = 0
        self.other_relations = 0


class LabelStudioReader(RecordReader):
    """Label Studio tasks; what was left out (cancelled, other result types) is told in notes()."""

    def __init__(self, path: Path, default_annotator: str) -> None:
        super().__init__(path, default_annotator)
        self.stats = _Stats()

    def read(self, item: Item) -> Record:
        record = _task(item, self.path, self.default_annotator, self.stats)
        record.spans, unknown = link_relations(record.spans, "ls_id", _relation_type)
        self.stats.other_relations += unknown
        return record

    def notes(self) -> list[str]:
        stats, path = self.stats, self.path
        notes: list[str] = []
        if stats.cancelled:
            notes.append(
                f"{path}: {counted(stats.cancelled, 'cancelled annotation')} not imported"
            )
        for kind, count in sorted(stats.other_types.items()):
            notes.append(
                f"{path}: {counted(count, 'result')} of type {kind!r} not imported"
                " (only text spans and their relations are)"
            )
        if stats.other_relations:
            notes.append(unknown_note(path, stats.other_relations))
        if stats.converted_tasks:
            notes.append(
                f"{path}: offsets in {counted(stats.converted_tasks, 'task')}"
                " were UTF-16 code units (older Label Studio); converted to code points"
            )
        return notes


def _relation_type(relation: dict[str, Any]) -> Any:
    """A relation's type: its first label (annotator's export writes ["source"] or ["disputes"])."""
    labels = relation.get("labels")
    return labels[0] if isinstance(labels, list) and labels else None


def parse_labelstudio(items: list[Item], path: Path, default_annotator: str) -> Parsed:
    return LabelStudioReader(path, default_annotator).parse(items)


def _utf16_map(text: str) -> list[int] | None:
    """UTF-16 index -> code point index (-1 inside a surrogate pair); None when they agree."""
    if len(text.encode("utf-16-le")) == 2 * len(text):
        return None
    mapping: list[int] = []
    for index, char in enumerate(text):
        mapping.append(index)
        if ord(char) > 0xFFFF:
            mapping.append(-1)
    mapping.append(len(text))
    return mapping


def _task_text(data: dict[str, Any], where: str) -> tuple[str, str]:
    """(field name, value) of the text the spans point into."""
    if "text" in data:
        return "text", data["text"]
    strings = [key for key, value in data.items() if isinstance(value, str)]
    if len(strings) == 1:
        return strings[0], data[strings[0]]
    raise InputError(f"{where}: field 'data.text' must be a string")


def _completed_by(value: Any, at: str) -> str | None:
    """The analyst an annotation names, or None when it names none."""
    if isinstance(value, dict):
        value = value.get("email") or value.get("username") or value.get("id")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InputError(f"{at}: field 'completed_by' must be a user id, name or object")
    name = f"ls-user-{value}" if isinstance(value, int) else value
    try:
        # "gold" may come back: `annotator export --format labelstudio --annotator gold`.
        return validate_annotator(name, allow_reserved=True)
    except InputError as error:
        raise InputError(f"{at}: field 'completed_by': {error}") from None


def _task(item: Item, path: Path, default_annotator: str, stats: _Stats) -> Record:
    task, where = item.data, item.where
    data = task.get("data")
    if not isinstance(data, dict):
        raise InputError(f"{where}: field 'data' must be an object")
    field, original = _task_text(data, where)
    text, mapping = document_text(original, where, f"data.{field}")
    fallback = f"{path.stem}-{item.index if item.in_array else item.line}"
    own_key = data.get("key") if field != "key" else None
    if own_key is not None and own_key != "":
        key = document_key(own_key, where, fallback, "data.key")
    else:
        key = document_key(task.get("id"), where, fallback)
    meta = task.get("meta") or {}
    if not isinstance(meta, dict):
        raise InputError(f"{where}: field 'meta' must be an object")
    meta = dict(meta)
    others = {k: v for k, v in data.items() if k not in (field, "title", "key")}
    if others:
        meta["data"] = others
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or field == "title":
        title = find_title(text, key)
    u16 = _utf16_map(original)
    spans: list[NewSpan] = []
    converted = False
    defaulted = 0  # spans of annotations that name no analyst
    named: str | None = None

    annotations_key = "annotations" if "annotations" in task else "completions"
    for group, key_name in ((annotations_key, "annotations"), ("predictions", "predictions")):
        entries = task.get(group)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise InputError(f"{where}: field '{group}' must be a list")
        for index, entry in enumerate(entries):
            at = f"{where}: {group}[{index}]"
            if not isinstance(entry, dict):
                raise InputError(f"{at}: expected a JSON object, got {json_type(entry)}")
            if key_name == "annotations":
                if entry.get("was_cancelled"):
                    stats.cancelled += 1
                    continue
                named = _completed_by(entry.get("completed_by"), at)
                annotator = named if named is not None else default_annotator
                extra: dict[str, Any] = {}
            else:
                version = entry.get("model_version")
                version = str(version).strip() if version not in (None, "") else "model"
                annotator = (SUGGESTION_PREFIX + version)[:64]
                try:
                    annotator = validate_annotator(annotator)
                except InputError as error:
                    raise InputError(f"{at}: field 'model_version': {error}") from None
                extra = {"suggestion": True}
                if isinstance(entry.get("score"), (int, float)) and not isinstance(entry.get("score"), bool):
                    extra["score"] = entry["score"]
            created = entry.get("created_at") if isinstance(entry.get("created_at"), str) else None
            updated = entry.get("updated_at") if isinstance(entry.get("updated_at"), str) else None
            results = entry.get("result", [])
            if results is None:
                results = []
            if not isinstance(results, list):
                raise InputError(f"{at}: field 'result' must be a list")
            made, used_utf16 = _spans(results, at, original, mapping, u16, annotator, extra, created, updated, stats)
            spans.extend(made)
            if key_name == "annotations" and named is None:
                defaulted += len(made)
            converted = converted or used_utf16
    if converted:
        stats.converted_tasks += 1
    return Record(key, title, text, meta, spans, {}, where, defaulted=defaulted)


def _spans(
    results: list[Any],
    at: str,
    original: str,
    mapping: list[int] | None,
    u16: list[int] | None,
    annotator: str,
    extra: dict[str, Any],
    created: str | None,
    updated: str | None,
    stats: _Stats,
) -> tuple[list[NewSpan], bool]:
    relations: dict[str, list[dict[str, Any]]] = {}
    linked: set[str] = set()
    regions: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for index, result in enumerate(results):
        where = f"{at}.result[{index}]"
        if not isinstance(result, dict):
            raise InputError(f"{where}: expected a JSON object, got {json_type(result)}")
        value = result.get("value")
        if result.get("type") == "relation":
            source, target = result.get("from_id"), result.get("to_id")
            if not isinstance(source, str) or not isinstance(target, str):
                raise InputError(f"{where}: a relation needs string 'from_id' and 'to_id'")
            kept: dict[str, Any] = {"to": target}
            if result.get("labels"):
                kept["labels"] = result["labels"]
            if result.get("direction"):
                kept["direction"] = result["direction"]
            relations.setdefault(source, []).append(kept)
            linked.update((source, target))
        elif isinstance(value, dict) and "start" in value and "end" in value and "labels" in value:
            regions.append((where, result, value))
        else:
            stats.other_types[str(result.get("type") or "unknown")] += 1
    ids = {str(result.get("id")) for _, result, _ in regions if result.get("id") is not None}
    for source, kept_relations in relations.items():
        for relation in [{"to": source}, *kept_relations]:
            if relation["to"] not in ids:
                raise InputError(f"{at}: a relation names region {relation['to']!r}, which is not a text span here")

    # Offsets: code points, unless a quoted text says they are UTF-16 code units.
    checked: list[tuple[str, dict[str, Any], dict[str, Any], int, int]] = []
    utf16 = False
    for where, result, value in regions:
        start = integer(value.get("start"), where, "value.start")
        end = integer(value.get("end"), where, "value.end")
        quoted = value.get("text")
        if (
            u16 is not None
            and quoted is not None
            and not _fits(original, start, end, quoted)
            and _fits_utf16(original, u16, start, end, quoted)
        ):
            utf16 = True
        checked.append((where, result, value, start, end))

    spans: list[NewSpan] = []
    for where, result, value, start, end in checked:
        quoted = value.get("text")
        if u16 is not None and (
            _fits_utf16(original, u16, start, end, quoted)
            and (not _fits(original, start, end, quoted) or (quoted is None and utf16))
        ):
            start, end = u16[start], u16[end]
        else:
            checked_offsets(where, original, start, end, quoted)
        start, end = to_canonical(where, mapping, start, end)
        labels = value.get("labels")
        if not isinstance(labels, list) or not labels:
            raise InputError(f"{where}: field 'value.labels' must be a non-empty list")
        attrs = dict(extra)
        attrs.update(carried(result.get("meta")))
        note = _note(result.get("meta"), where)
        if isinstance(result.get("score"), (int, float)) and not isinstance(result.get("score"), bool):
            attrs["score"] = result["score"]
        region = str(result.get("id")) if result.get("id") is not None else None
        if region in linked:
            attrs["ls_id"] = region
        if region in relations:
            attrs["relations"] = relations[region]
        for label in labels:
            spans.append(
                NewSpan(
                    start=start,
                    end=end,
                    label=label_name(label, where, "value.labels"),
                    annotator=annotator,
                    note=note,
                    attrs=dict(attrs),
                    created_at=created,
                    updated_at=updated or created,
                )
            )
    return spans, utf16


def _note(meta: Any, where: str) -> str:
    """A region's note: Label Studio keeps it in the result's meta.text (a list of strings)."""
    if not isinstance(meta, dict) or meta.get("text") in (None, "", []):
        return ""
    value = meta["text"]
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    raise InputError(f"{where}: field 'meta.text' must be a list of strings")


def _fits(original: str, start: int, end: int, quoted: Any) -> bool:
    return 0 <= start < end <= len(original) and (quoted is None or original[start:end] == quoted)


def _fits_utf16(original: str, u16: list[int], start: int, end: int, quoted: Any) -> bool:
    if not 0 <= start < end < len(u16) or u16[start] < 0 or u16[end] < 0:
        return False
    return quoted is None or original[u16[start] : u16[end]] == quoted
