"""doccano JSONL exports of sequence-labelling projects. Offsets are Python code points.

Three generations are read:

- `{"text", "label": [[start, end, "LABEL"], ...]}` (doccano 1.x; older exports and
  doccano's own import format call the list `labels`);
- `{"text", "entities": [{"id", "label", "start_offset", "end_offset"}], "relations":
  [{"id", "from_id", "to_id", "type"}]}` (relation projects): each entity keeps its
  doccano id in `attrs.doccano_id`, and each relation is kept in the `attrs.relations`
  of the entity it starts from as `{"id", "type", "to"}` (`to` is a doccano id), but
  a `source` relation (claim -> who said it) becomes the claim's `attrs.source.span`
  and a `disputes` relation its `attrs.disputes`, naming the other span's uid
  (importers/knowledge.py); an entity's `attrs` object (what `annotator export
  --format doccano` writes: entity, source text, cue, form, stance, quantity) is
  restored;
- `{"text", "annotations": [{"label", "start_offset", "end_offset", "user"}]}` (doccano
  before 1.0), where `label` is a numeric label id (or `label_name` gives the name) and
  `user` a numeric user id (or `user_name`), imported as analyst `doccano-user-<id>`.

A numeric label id becomes a label named by the number; `--map 3=PERSON` renames it.
`meta` becomes the document's meta (doccano's `Comments`, when any, go to
`meta.comments`), apart from what `annotator export --format doccano` puts there:
`meta.annotator` is the analyst of the `label`/`labels` spans (so two analysts' lines
for one text stay two analysts' spans), `meta.title` the title, and
`meta.document_meta` the document's own meta.
"""

from __future__ import annotations

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
from annotator.labels import check_label
from annotator.model import NewSpan
from annotator.settings import validate_annotator


class DoccanoReader(RecordReader):
    def __init__(self, path: Path, default_annotator: str) -> None:
        super().__init__(path, default_annotator)
        self.other_relations = 0

    def read(self, item: Item) -> Record:
        record = _record(item, self.path, self.default_annotator)
        record.spans, unknown = link_relations(record.spans, "doccano_id", lambda relation: relation.get("type"))
        self.other_relations += unknown
        return record

    def notes(self) -> list[str]:
        return [unknown_note(self.path, self.other_relations)] if self.other_relations else []


def parse_doccano(items: list[Item], path: Path, default_annotator: str) -> Parsed:
    return DoccanoReader(path, default_annotator).parse(items)


def _user(entry: dict[str, Any], at: str) -> str | None:
    """The analyst an entity names, or None when it names none."""
    name = entry.get("user_name")
    if isinstance(name, str) and name.strip():
        chosen = name
    elif isinstance(entry.get("user"), (int, str)) and not isinstance(entry.get("user"), bool) and str(entry["user"]):
        chosen = f"doccano-user-{entry['user']}"
    else:
        return None
    try:
        return validate_annotator(chosen)
    except InputError as error:
        raise InputError(f"{at}: user: {error}") from None


def _record(item: Item, path: Path, default_annotator: str) -> Record:
    data, where = item.data, item.where
    text, mapping = document_text(data.get("text"), where)
    original = data["text"]
    key = document_key(data.get("id"), where, f"{path.stem}-{item.index if item.in_array else item.line}")
    meta = data.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(f"{where}: field 'meta' must be an object")
    meta = dict(meta)
    analyst = default_annotator
    named = meta.get("annotator")
    record_names = isinstance(named, str) and bool(named.strip())
    if isinstance(named, str) and named.strip():
        try:
            # "gold" may come back: `annotator export --format doccano --annotator gold`.
            analyst = validate_annotator(named, allow_reserved=True)
        except InputError as error:
            raise InputError(f"{where}: field 'meta.annotator': {error}") from None
        del meta["annotator"]
    title = data.get("title")
    if (not isinstance(title, str) or not title.strip()) and isinstance(meta.get("title"), str):
        title = meta.pop("title")
    inner = meta.get("document_meta")
    if isinstance(inner, dict):
        del meta["document_meta"]
        meta = {**meta, **inner}
    comments = data.get("Comments")
    if isinstance(comments, list) and comments:
        meta["comments"] = comments

    # (start, end, label, annotator, doccano id, where) before checking
    found: list[tuple[int, int, str, str, Any, str]] = []
    knowledge: dict[int, dict[str, Any]] = {}  # place in found -> attrs an export wrote
    defaulted = 0  # of them: credited to no analyst by the file
    for field in ("label", "labels"):
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, list):
            raise InputError(f"{where}: field '{field}' must be a list of [start, end, label]")
        for index, triple in enumerate(value):
            at = f"{where}: {field}[{index}]"
            if isinstance(triple, dict) and "labels" in triple:
                raise InputError(
                    f"{at}: this looks like Label Studio's JSON-MIN export; export the tasks as JSON instead"
                )
            if not isinstance(triple, list) or len(triple) != 3:
                got = json_type(triple) if not isinstance(triple, list) else f"a list of {len(triple)}"
                raise InputError(f"{at}: expected [start, end, label], got {got}")
            start = integer(triple[0], at, "start")
            end = integer(triple[1], at, "end")
            found.append((start, end, label_name(triple[2], at, numeric=True), analyst, None, at))
            defaulted += 0 if record_names else 1
    for field in ("entities", "annotations"):
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, list):
            raise InputError(f"{where}: field '{field}' must be a list")
        for index, entry in enumerate(value):
            at = f"{where}: {field}[{index}]"
            if not isinstance(entry, dict):
                raise InputError(f"{at}: expected a JSON object, got {json_type(entry)}")
            start = integer(entry.get("start_offset"), at, "start_offset")
            end = integer(entry.get("end_offset"), at, "end_offset")
            name = entry.get("label_name")
            if isinstance(name, str) and name.strip():
                label = check_label(name, at, "field 'label_name'")
            else:
                label = label_name(entry.get("label"), at, numeric=True)
            ident = entry.get("id")
            if not isinstance(ident, (int, str)) or isinstance(ident, bool):
                ident = None
            user = _user(entry, at)
            if entry.get("attrs") is not None:
                knowledge[len(found)] = carried(entry.get("attrs"))
            found.append((start, end, label, user if user is not None else analyst, ident, at))
            defaulted += 0 if user is not None or record_names else 1

    relations: dict[Any, list[dict[str, Any]]] = {}
    ids = {ident for *_, ident, _ in found if ident is not None}
    raw_relations = data.get("relations", [])
    if raw_relations is None:
        raw_relations = []
    if not isinstance(raw_relations, list):
        raise InputError(f"{where}: field 'relations' must be a list")
    for index, relation in enumerate(raw_relations):
        at = f"{where}: relations[{index}]"
        if not isinstance(relation, dict):
            raise InputError(f"{at}: expected a JSON object, got {json_type(relation)}")
        source, target = relation.get("from_id"), relation.get("to_id")
        for name, ident in (("from_id", source), ("to_id", target)):
            if not isinstance(ident, (int, str)) or isinstance(ident, bool) or ident not in ids:
                raise InputError(f"{at}: '{name}' {ident!r} names no entity of this record")
        kept = {"type": relation.get("type")}
        if "id" in relation:
            kept = {"id": relation["id"], **kept}
        relations.setdefault(source, []).append({**kept, "to": target})

    spans: list[NewSpan] = []
    for place, (start, end, label, annotator, ident, at) in enumerate(found):
        checked_offsets(at, original, start, end)
        start, end = to_canonical(at, mapping, start, end)
        attrs: dict[str, Any] = dict(knowledge.get(place, {}))
        if ident is not None:
            attrs["doccano_id"] = ident
            if ident in relations:
                attrs["relations"] = relations[ident]
        spans.append(NewSpan(start=start, end=end, label=label, annotator=annotator, attrs=attrs))
    if not isinstance(title, str) or not title.strip():
        title = find_title(text, key)
    return Record(key, title, text, meta, spans, {}, where, defaulted=defaulted)
