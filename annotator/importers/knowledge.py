"""Claim sources, disputed claims and span knowledge read back from other tools' files.

The doccano, Label Studio and brat readers keep a file's relations in the `attrs.relations`
of the span they start from, naming the other end by the file's own id (`doccano_id`,
`ls_id`, `brat_id`). Two relation types mean something here (docs/importing.md):
`source` (a claim -> the mention of who said it) becomes the claim's
`attrs.source = {"span": uid}` and `disputes` (a claim -> the claim it disputes) its
`attrs.disputes = uid`, the uids those spans get in the database. Every other type stays
in `attrs.relations` as it was and is counted, so the import can say so.

The entity registry an export writes beside its file (`<stem>.entities.jsonl`) is read
with it: entities are created with their own uids (merged ones with merged_into), or
matched by uid when the database has them, so mentions' attrs.entity resolve.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from annotator.errors import InputError
from annotator.exporters.knowledge import CARRIED, REGISTRY_SUFFIX, registry_path
from annotator.importers.reading import read_text
from annotator.importers.records import json_type
from annotator.model import Entity, NewSpan
from annotator.settings import validate_annotator

__all__ = ["CARRIED", "REGISTRY_SUFFIX", "carried", "link_relations", "read_registry", "registry_beside", "unknown_note"]

# What a relation of each type becomes on the span it starts from.
KNOWN = ("source", "disputes")
# CARRIED: span knowledge an export writes beside a span (Label Studio meta, doccano
# entity attrs, brat notes), restored as attrs of the same names.


def carried(value: Any) -> dict[str, Any]:
    """The knowledge keys of an object a file gives a span (anything else ignored)."""
    if not isinstance(value, dict):
        return {}
    return {key: value[key] for key in CARRIED if key in value and value[key] is not None}


def link_relations(
    spans: list[NewSpan], ident: str | Callable[[NewSpan], Any], type_of: Callable[[dict[str, Any]], Any]
) -> tuple[list[NewSpan], int]:
    """spans with source/disputes relations turned into attrs; and how many relations of other types were kept.

    ident: the attrs key holding the file's id of a span (or a function giving it), which
    a relation's "to" names. A span a relation points at is given a uid now, so the
    claim can name it before either is stored (NewSpan.uid is kept by the store).
    """
    ident_of = ident if callable(ident) else (lambda span: span.attrs.get(ident))
    by_ident: dict[Any, int] = {}
    for index, span in enumerate(spans):
        ident_value = ident_of(span)
        if ident_value is not None and not isinstance(ident_value, (dict, list)):
            by_ident.setdefault(ident_value, index)
    uids: dict[int, str] = {}
    changes: dict[int, dict[str, Any]] = {}
    unknown = 0
    for index, span in enumerate(spans):
        relations = span.attrs.get("relations")
        if not isinstance(relations, list):
            continue
        kept: list[Any] = []
        attrs = dict(span.attrs)
        for relation in relations:
            kind = type_of(relation) if isinstance(relation, dict) else None
            kind = kind.strip().lower() if isinstance(kind, str) else None
            target = by_ident.get(relation.get("to")) if isinstance(relation, dict) else None
            if kind in KNOWN and target is not None and target != index:
                uid = uids.get(target) or spans[target].uid or uuid.uuid4().hex
                uids[target] = uid
                if kind == "source":
                    attrs["source"] = {"span": uid}
                else:
                    attrs["disputes"] = uid
            else:
                kept.append(relation)
                unknown += 1
        if kept:
            attrs["relations"] = kept
        else:
            attrs.pop("relations", None)
        changes[index] = attrs
    if not changes:
        return spans, 0
    made: list[NewSpan] = []
    for index, span in enumerate(spans):
        new = span
        if index in changes:
            new = replace(new, attrs=changes[index])
        if index in uids and new.uid is None:
            new = replace(new, uid=uids[index])
        made.append(new)
    # Spans sharing the target's file id (brat fragments, Label Studio regions with two
    # labels) are one region: the first carries the uid the claim names.
    return made, unknown


def unknown_note(path: Any, count: int) -> str:
    """The import's line for relations of types that mean nothing here."""
    noun = "relation" if count == 1 else "relations"
    return (
        f"{path}: {count} {noun} of other types than source/disputes kept in the spans' attrs.relations"
    )


def registry_beside(path: Path, fmt: str) -> Path | None:
    """The entities.jsonl an export wrote beside this file (a brat document: beside its folder).

    A split part (`k.train.jsonl`, `k.dev.brat/`) shares its set's registry
    (`k.entities.jsonl`): the part's own name is tried first, then without its part.
    """
    target = path.parent if fmt == "brat" else path
    if not target.name:  # a brat document in the current folder, or at the root
        target = target.resolve()
        if not target.name:
            return None
    candidates = [registry_path(target)]
    if "." in target.stem:
        candidates.append(target.with_name(target.stem.rsplit(".", 1)[0] + REGISTRY_SUFFIX))
    for candidate in candidates:
        if candidate.is_file() and candidate != path:
            return candidate
    return None


_ENTITY_TEXTS = ("uid", "name", "label", "created_by", "created_at", "updated_at")


def read_registry(path: Path) -> list[Entity]:
    """Every entity of an entities.jsonl; a bad line raises one InputError naming file, line and field."""
    entities: list[Entity] = []
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except ValueError:
            raise InputError(f"{where}: not JSON (an entity registry has one entity object a line)") from None
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a JSON object, got {json_type(data)}")
        for name in _ENTITY_TEXTS:
            if not isinstance(data.get(name), str) or not data[name].strip():
                raise InputError(f"{where}: field '{name}' must be a non-empty string")
        for name in ("external_id", "merged_into"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise InputError(f"{where}: field '{name}' must be a string or null")
        try:
            # Names are shown in the app and in reports: the rules of --annotator.
            validate_annotator(data["created_by"], allow_reserved=True)
        except InputError as error:
            raise InputError(f"{where}: field 'created_by': {error}") from None
        if not isinstance(data.get("note", ""), str):
            raise InputError(f"{where}: field 'note' must be a string")
        aliases = data.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(alias, str) and alias.strip() for alias in aliases):
            raise InputError(f"{where}: field 'aliases' must be a list of non-empty strings")
        entities.append(Entity.from_json({**data, "note": data.get("note") or ""}))
    return entities
