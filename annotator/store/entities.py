"""The entity registry, entity links on mentions, claim attribution and quantity values.

Per-span knowledge (which entity a mention names, a claim's source and cue, a quantity's
value) lives in the span's attrs JSON, so undo, history, merge and review carry it as
ordinary span updates. The registry itself (entities, entity_aliases) changes through
the methods here, each one transaction that logs the entity before and after in
entity_actions. An operation that changes both (link, merge, split) writes its span
updates to `actions` and its entity changes to `entity_actions` under one batch id, so
one undo by the analyst who made it takes all of it back.

Who the span updates are logged under: the analyst acting, never the mention's owner.
Merging two entities repoints every mention in the corpus, whoever tagged it; logging
those updates under the acting analyst puts the whole merge in their undo history (one
undo restores it) and leaves the owners' own undo histories as they were.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from annotator.errors import ConflictError, InputError
from annotator.model import Document, Entity, Span
from annotator.store.rows import ENTITY_COLUMNS, ENTITY_FIELDS, SPAN_COLUMNS, now, span_from_row
from annotator.store.base import StoreBase


FORMS = ("direct", "indirect", "paraphrase")
STANCES = ("asserted", "reported", "disputed", "denied")
CLAIM_KEYS = ("source", "cue", "form", "stance", "disputes")
QUANTITY_KEYS = ("quantity", "quantity_edited")


_KEEP: Any = object()  # "leave this field as it is" for set_entity_details


class EntityRow(NamedTuple):
    """What candidate ranking needs of one live entity: no notes, no stamps."""

    uid: str
    name: str
    label: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """One span linked to an entity, with where it is in the corpus."""

    span_uid: str
    entity_uid: str  # the uid the span names (the entity itself or one merged into it)
    document_id: int
    document_key: str
    document_title: str
    start: int
    end: int
    text: str
    label: str
    annotator: str


@dataclass(frozen=True)
class QuantityRow:
    """A quantity span with its normalised value, for the corpus view of quantities."""

    span_uid: str
    document_id: int
    document_key: str
    document_title: str
    start: int
    end: int
    text: str
    label: str
    annotator: str
    quantity: dict[str, Any] | None
    edited: bool


def _one_line(value: Any, field: str) -> str:
    """A name or alias: a non-empty single line, trimmed."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field}: must be a non-empty text")
    text = " ".join(value.split())
    return text


def entity_json(entity: Entity | None) -> str | None:
    return json.dumps(entity.to_json(), ensure_ascii=False, sort_keys=True) if entity else None


class Entities(StoreBase):
    """The entity registry and the attrs of mentions, claims and quantities."""

    # -- reading ------------------------------------------------------------------

    def entity(self, uid: str) -> Entity | None:
        """The entity with this uid, merged or not."""
        row = self.conn.execute(f"SELECT {ENTITY_COLUMNS} FROM entities WHERE uid = ?", (uid,)).fetchone()
        if row is None:
            return None
        aliases = tuple(
            alias for (alias,) in self.conn.execute(
                "SELECT alias FROM entity_aliases WHERE entity_uid = ? ORDER BY alias", (uid,)
            )
        )
        return Entity(*row, aliases=aliases)

    def resolve(self, uid: str) -> Entity | None:
        """The live entity a uid stands for now: follows merged_into to its end."""
        seen: set[str] = set()
        entity = self.entity(uid)
        while entity is not None and entity.merged_into and entity.merged_into not in seen:
            seen.add(entity.uid)
            following = self.entity(entity.merged_into)
            if following is None:
                break
            entity = following
        return entity

    def entities(self, label: str | None = None, query: str | None = None, include_merged: bool = False) -> list[Entity]:
        """Entities by name; query matches a name or an alias anywhere, case aside.

        Merged entities are hidden unless include_merged: they live on only so that old
        links and other databases resolve.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if not include_merged:
            clauses.append("e.merged_into IS NULL")
        if label is not None:
            clauses.append("e.label = ?")
            params.append(label)
        if query:
            pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append(
                "(e.name LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM entity_aliases a"
                " WHERE a.entity_uid = e.uid AND a.alias LIKE ? ESCAPE '\\'))"
            )
            params += [pattern, pattern]
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(
            f"SELECT {', '.join('e.' + c for c in ENTITY_FIELDS)} FROM entities e {where} ORDER BY e.name COLLATE NOCASE, e.uid",
            params,
        ).fetchall()
        aliases = self._aliases_of([row[0] for row in rows])
        return [Entity(*row, aliases=tuple(aliases.get(row[0], ()))) for row in rows]

    def _aliases_of(self, uids: list[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if not uids:
            return found
        if len(uids) > 500:
            rows = self.conn.execute("SELECT entity_uid, alias FROM entity_aliases ORDER BY entity_uid, alias")
        else:
            rows = self.conn.execute(
                f"SELECT entity_uid, alias FROM entity_aliases WHERE entity_uid IN ({', '.join('?' * len(uids))})"
                " ORDER BY entity_uid, alias",
                uids,
            )
        for uid, alias in rows:
            found.setdefault(uid, []).append(alias)
        return found

    def entity_rows_for_match(self) -> list[EntityRow]:
        """Every live entity's uid, name, label and aliases: the input of candidate ranking.

        Two plain scans, no per-entity query: a few milliseconds at 10,000 entities.
        """
        aliases: dict[str, list[str]] = {}
        for uid, alias in self.conn.execute("SELECT entity_uid, alias FROM entity_aliases"):
            aliases.setdefault(uid, []).append(alias)
        return [
            EntityRow(uid, name, label, tuple(sorted(aliases.get(uid, ()))))
            for uid, name, label in self.conn.execute(
                "SELECT uid, name, label FROM entities WHERE merged_into IS NULL ORDER BY name, uid"
            )
        ]

    def _merged_family(self, uid: str) -> list[str]:
        """uid and every entity merged into it, directly or through others."""
        family = [uid]
        frontier = [uid]
        while frontier:
            marks = ", ".join("?" * len(frontier))
            found = [
                row[0] for row in self.conn.execute(
                    f"SELECT uid FROM entities WHERE merged_into IN ({marks})", frontier
                )
                if row[0] not in family
            ]
            family += found
            frontier = found
        return family

    def _linked_spans(self, entity_uids: list[str]) -> list[Span]:
        marks = ", ".join("?" * len(entity_uids))
        rows = self.conn.execute(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE json_extract(attrs, '$.entity') IN ({marks}) ORDER BY id",
            entity_uids,
        )
        return [span_from_row(row) for row in rows]

    def mentions_of(self, uid: str) -> list[Mention]:
        """Every span in the corpus linked to this entity or to one merged into it, in corpus order.

        A merged uid stands for the entity it was merged into: its mentions are that one's.
        """
        live = self.resolve(uid)
        family = self._merged_family(live.uid if live else uid)
        marks = ", ".join("?" * len(family))
        rows = self.conn.execute(
            f"SELECT s.uid, json_extract(s.attrs, '$.entity'), d.id, d.key, d.title, s.start, s.\"end\", s.text,"
            f" s.label, s.annotator FROM spans s JOIN documents d ON d.id = s.document_id"
            f" WHERE json_extract(s.attrs, '$.entity') IN ({marks})"
            f" ORDER BY d.position, d.id, s.start, s.\"end\" DESC, s.annotator",
            family,
        )
        return [Mention(*row) for row in rows]

    def quantity_rows(self) -> list[QuantityRow]:
        """Every quantity span in the corpus with its attrs.quantity, in corpus order."""
        rows = self.conn.execute(
            "SELECT s.uid, d.id, d.key, d.title, s.start, s.\"end\", s.text, s.label, s.annotator,"
            " json_extract(s.attrs, '$.quantity'), json_extract(s.attrs, '$.quantity_edited')"
            " FROM spans s JOIN documents d ON d.id = s.document_id JOIN labels l ON l.name = s.label"
            " WHERE l.kind = 'quantity' ORDER BY d.position, d.id, s.start, s.\"end\" DESC, s.annotator"
        )
        return [
            QuantityRow(*row[:9], json.loads(row[9]) if row[9] else None, bool(row[10]))
            for row in rows
        ]

    def registry_version(self) -> tuple[int, int]:
        """Changes whenever the registry does (entity_actions only grows; an undo adds to it too,
        a merge from another file adds rows): a ranking index built at one version serves until then."""
        count, last = self.conn.execute("SELECT count(*), coalesce(max(id), 0) FROM entity_actions").fetchone()
        return int(count), int(last)

    def entity_history(self, uid: str) -> list[dict[str, Any]]:
        """The entity's log, oldest first (before/after decoded)."""
        cursor = self.conn.execute(
            "SELECT uid, annotator, at, op, entity_uid, before, after, batch FROM entity_actions"
            " WHERE entity_uid = ? ORDER BY id",
            (uid,),
        )
        names = [column[0] for column in cursor.description]
        entries = [dict(zip(names, row)) for row in cursor]
        for entry in entries:
            for side in ("before", "after"):
                entry[side] = json.loads(entry[side]) if entry[side] else None
        return entries

    # -- the registry ---------------------------------------------------------------

    def _entity_label(self, label: str) -> str:
        found = self.label_map().get(label)
        if found is None:
            raise InputError(f"label: unknown label {label!r}")
        if found.kind != "entity":
            raise InputError(f"label: {label} is a {found.kind} label, not an entity label")
        return label

    def _live(self, uid: str) -> Entity:
        entity = self.entity(uid)
        if entity is None:
            raise ConflictError(f"no entity {uid!r}")
        return entity

    def _write_entity(self, entity: Entity | None, uid: str) -> None:
        """Store an entity state (None: remove it), aliases included."""
        if entity is None:
            self.conn.execute("DELETE FROM entity_aliases WHERE entity_uid = ?", (uid,))
            self.conn.execute("DELETE FROM entities WHERE uid = ?", (uid,))
            return
        self.conn.execute(
            f"INSERT INTO entities ({ENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (uid) DO UPDATE SET name = excluded.name, label = excluded.label,"
            " external_id = excluded.external_id, note = excluded.note, merged_into = excluded.merged_into,"
            " created_by = excluded.created_by, created_at = excluded.created_at, updated_at = excluded.updated_at",
            tuple(getattr(entity, name) for name in ENTITY_FIELDS),
        )
        self.conn.execute("DELETE FROM entity_aliases WHERE entity_uid = ?", (uid,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO entity_aliases (entity_uid, alias) VALUES (?, ?)",
            [(uid, alias) for alias in entity.aliases],
        )

    def _log_entity(self, annotator: str, op: str, uid: str, before: Entity | None, after: Entity | None) -> None:
        self.conn.execute(
            "INSERT INTO entity_actions (uid, annotator, at, op, entity_uid, before, after, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (uuid.uuid4().hex, annotator, now(), op, uid, entity_json(before), entity_json(after), self._batch),
        )

    def _change_entity(self, annotator: str, op: str, before: Entity | None, after: Entity) -> Entity:
        after = replace(after, updated_at=now())
        self._write_entity(after, after.uid)
        self._log_entity(annotator, op, after.uid, before, after)
        return after

    def create_entity(
        self,
        name: str,
        label: str,
        annotator: str,
        external_id: str | None = None,
        note: str = "",
        aliases: Iterable[str] = (),
        uid: str | None = None,
    ) -> Entity:
        """A new canonical entity; uid lets the screen name it before the write lands."""
        name = _one_line(name, "name")
        spellings = {_one_line(alias, "alias") for alias in aliases} - {name}
        stamp = now()
        with self.batch():
            self._entity_label(label)
            entity = Entity(
                uid=uid or uuid.uuid4().hex, name=name, label=label,
                external_id=(external_id or "").strip() or None, note=note, merged_into=None,
                created_by=annotator, created_at=stamp, updated_at=stamp, aliases=tuple(sorted(spellings)),
            )
            if self.entity(entity.uid) is not None:
                raise ConflictError(f"entity {entity.uid!r} already exists")
            self._ensure_annotator(annotator)
            self._write_entity(entity, entity.uid)
            self._log_entity(annotator, "create", entity.uid, None, entity)
        return entity

    def rename_entity(self, uid: str, name: str, annotator: str) -> Entity:
        """A new canonical name; the old one stays as an alias, so its spelling still matches."""
        name = _one_line(name, "name")
        with self.batch():
            before = self._live(uid)
            if before.name == name:
                raise ConflictError("nothing to change")
            aliases = (set(before.aliases) | {before.name}) - {name}
            return self._change_entity(annotator, "rename", before, replace(before, name=name, aliases=tuple(sorted(aliases))))

    def set_entity_details(self, uid: str, annotator: str, external_id: str | None = _KEEP, note: str = _KEEP) -> Entity:
        """Change the external id (None or "" clears it) and/or the note; omitted ones stay."""
        with self.batch():
            before = self._live(uid)
            after = before
            if external_id is not _KEEP:
                after = replace(after, external_id=(external_id or "").strip() or None)
            if note is not _KEEP:
                if not isinstance(note, str):
                    raise InputError("note: must be a text")
                after = replace(after, note=note)
            if after == before:
                raise ConflictError("nothing to change")
            return self._change_entity(annotator, "details", before, after)

    def add_alias(self, uid: str, alias: str, annotator: str) -> Entity:
        alias = _one_line(alias, "alias")
        with self.batch():
            before = self._live(uid)
            if alias == before.name or alias in before.aliases:
                raise ConflictError(f"{alias!r} is already a name of {before.name!r}")
            return self._change_entity(annotator, "alias", before, replace(before, aliases=tuple(sorted({*before.aliases, alias}))))

    # -- mentions ---------------------------------------------------------------------

    def _mention(self, span_uid: str) -> Span:
        span = self.span(span_uid)
        if span is None:
            raise ConflictError("that span no longer exists")
        label = self.label_map().get(span.label)
        if label is not None and label.kind != "entity":
            raise ConflictError(f"a {span.label} span is not an entity mention")
        return span

    def _repoint(self, span: Span, entity_uid: str | None, annotator: str) -> Span:
        """Set or clear attrs.entity, logged as an 'update' under the acting analyst."""
        attrs = dict(span.attrs)
        if entity_uid is None:
            attrs.pop("entity", None)
        else:
            attrs["entity"] = entity_uid
        after = replace(span, attrs=attrs, updated_at=now())
        self._write_span(after)
        self._log(annotator, span.document_id, "update", span.uid, span, after)
        return after

    def link_mention(self, span_uid: str, entity_uid: str, annotator: str, document: Document | None = None) -> Span:
        """Link a mention to an entity (to the live one, when it was merged); a new spelling
        (annotator.linking.is_new_spelling: case alone is not one) becomes an alias, in the
        same batch. document: the text the caller sees, checked."""
        with self.batch():
            if document is not None:
                self._check_current(document)
            span = self._mention(span_uid)
            entity = self.resolve(entity_uid)
            if entity is None:
                raise ConflictError(f"no entity {entity_uid!r}")
            if span.label != entity.label:
                raise ConflictError(f"the mention is {span.label}, {entity.name!r} is {entity.label}")
            if span.attrs.get("entity") == entity.uid:
                raise ConflictError(f"already linked to {entity.name!r}")
            after = self._repoint(span, entity.uid, annotator)
            # The rule for a new spelling is the linking module's (loaded here: it brings rapidfuzz).
            from annotator.linking import is_new_spelling, spelling

            if is_new_spelling(span.text, entity):
                alias = spelling(span.text)
                self._change_entity(
                    annotator, "alias", entity, replace(entity, aliases=tuple(sorted({*entity.aliases, alias})))
                )
        return after

    def unlink_mention(self, span_uid: str, annotator: str, document: Document | None = None) -> Span:
        with self.batch():
            if document is not None:
                self._check_current(document)
            span = self._mention(span_uid)
            if "entity" not in span.attrs:
                raise ConflictError("that mention is not linked to an entity")
            return self._repoint(span, None, annotator)

    def merge_entities(self, source_uid: str, target_uid: str, annotator: str) -> Entity:
        """Merge source into target: every mention of source in the corpus (whoever tagged
        it) names target, target gains source's name and aliases, source keeps its row with
        merged_into set. One batch under the acting analyst: their undo takes it all back."""
        with self.batch():
            source = self.resolve(source_uid)
            target = self.resolve(target_uid)
            if source is None or target is None:
                raise ConflictError(f"no entity {source_uid if source is None else target_uid!r}")
            if source.uid == target.uid:
                raise ConflictError(f"{source.name!r} and {target.name!r} are already one entity")
            if source.label != target.label:
                raise ConflictError(f"cannot merge {source.label} {source.name!r} into {target.label} {target.name!r}")
            for span in self._linked_spans([source.uid]):
                self._repoint(span, target.uid, annotator)
            aliases = ({*target.aliases, *source.aliases, source.name}) - {target.name}
            merged = self._change_entity(annotator, "merge", target, replace(
                target,
                aliases=tuple(sorted(aliases)),
                external_id=target.external_id or source.external_id,
            ))
            self._change_entity(annotator, "merged", source, replace(source, merged_into=target.uid))
        return merged

    def split_entity(self, uid: str, span_uids: Iterable[str], name: str, annotator: str, new_uid: str | None = None) -> Entity:
        """A new entity (same label) for the chosen mentions, which move to it; one batch."""
        chosen = list(dict.fromkeys(span_uids))
        if not chosen:
            raise InputError("split: choose at least one mention to move")
        with self.batch():
            entity = self.resolve(uid)
            if entity is None:
                raise ConflictError(f"no entity {uid!r}")
            family = set(self._merged_family(entity.uid))
            spans: list[Span] = []
            for span_uid in chosen:
                span = self.span(span_uid)
                if span is None or span.attrs.get("entity") not in family:
                    raise ConflictError(f"span {span_uid!r} is not a mention of {entity.name!r}")
                spans.append(span)
            created = self.create_entity(name, entity.label, annotator, uid=new_uid)
            for span in spans:
                self._repoint(span, created.uid, annotator)
        return created

    # -- claim attribution and quantity values ------------------------------------

    def set_span_attrs(
        self, span_uid: str, changes: dict[str, Any], annotator: str, document: Document | None = None
    ) -> Span:
        """Merge keys into a span's attrs (None deletes a key), checked, logged as an 'update'.

        Used for a claim's source, cue, form, stance and disputes, and a quantity's value.
        document: the text the caller sees, checked against the database's.
        """
        if not isinstance(changes, dict) or not changes:
            raise InputError("attrs: give at least one key to change")
        with self.batch():
            if document is not None:
                self._check_current(document)
            before = self.span(span_uid)
            if before is None:
                raise ConflictError("that span no longer exists")
            text = self.conn.execute("SELECT text FROM documents WHERE id = ?", (before.document_id,)).fetchone()[0]
            attrs = dict(before.attrs)
            for key, value in changes.items():
                if value is None:
                    attrs.pop(key, None)
                else:
                    attrs[key] = self._checked_attr(before, text, key, value)
            if attrs == before.attrs:
                raise ConflictError("nothing to change")
            after = replace(before, attrs=attrs, updated_at=now())
            self._write_span(after)
            self._log(annotator, before.document_id, "update", span_uid, before, after)
        return after

    def _checked_attr(self, span: Span, text: str, key: str, value: Any) -> Any:
        """The value to store for one key, or one line naming the field and what is wrong."""
        label = self.label_map().get(span.label)
        kind = label.kind if label else None
        if key in CLAIM_KEYS and kind not in (None, "claim"):
            raise InputError(f"attrs.{key}: only a claim has one (this span is tagged {span.label})")
        if key in QUANTITY_KEYS and kind not in (None, "quantity"):
            raise InputError(f"attrs.{key}: only a quantity has one (this span is tagged {span.label})")
        if key == "entity":
            if kind not in (None, "entity"):
                raise InputError(f"attrs.entity: only an entity mention has one (this span is tagged {span.label})")
            if not isinstance(value, str) or self.entity(value) is None:
                raise InputError(f"attrs.entity: no entity {value!r}")
            return value
        if key == "form":
            if value not in FORMS:
                raise InputError(f"attrs.form: {value!r} is not one of {', '.join(FORMS)}")
            return value
        if key == "stance":
            if value not in STANCES:
                raise InputError(f"attrs.stance: {value!r} is not one of {', '.join(STANCES)}")
            return value
        if key == "source":
            if not isinstance(value, dict) or len(value) != 1 or not ({"span", "text"} >= value.keys()):
                raise InputError('attrs.source: must be {"span": "<span uid>"} or {"text": "<who>"}')
            if "text" in value:
                return {"text": _one_line(value["text"], "attrs.source.text")}
            self._same_document_span(span, value["span"], "attrs.source.span")
            return {"span": value["span"]}
        if key == "disputes":
            other = self._same_document_span(span, value, "attrs.disputes")
            other_label = self.label_map().get(other.label)
            if other_label is not None and other_label.kind != "claim":
                raise InputError(f"attrs.disputes: span {value!r} is tagged {other.label}, not a claim")
            return value
        if key == "cue":
            if not isinstance(value, dict):
                raise InputError('attrs.cue: must be {"start": int, "end": int}')
            start, end = value.get("start"), value.get("end")
            if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text):
                raise InputError(f"attrs.cue: {start!r}-{end!r} is not a range inside the article (0-{len(text)})")
            if "text" in value and value["text"] != text[start:end]:
                raise InputError(f"attrs.cue.text: {value['text']!r} is not the article's text at {start}-{end}")
            return {"start": start, "end": end, "text": text[start:end]}
        if key == "quantity":
            if not isinstance(value, dict):
                raise InputError("attrs.quantity: must be an object (Quantity.to_json())")
            return value
        if key == "quantity_edited":
            if not isinstance(value, bool):
                raise InputError("attrs.quantity_edited: must be true or false")
            return value
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise InputError(f"attrs.{key}: not a JSON value") from None
        return value

    def _same_document_span(self, span: Span, other_uid: Any, field: str) -> Span:
        if not isinstance(other_uid, str) or not other_uid:
            raise InputError(f"{field}: must be a span uid")
        if other_uid == span.uid:
            raise InputError(f"{field}: a span cannot point at itself")
        other = self.span(other_uid)
        if other is None:
            raise InputError(f"{field}: no span {other_uid!r}")
        if other.document_id != span.document_id:
            raise InputError(f"{field}: span {other_uid!r} is in another article")
        return other

    # -- exports and imports (annotator/exporters, annotator/importers) -----------------

    def import_entities(self, entities: Iterable[Entity]) -> tuple[int, int]:
        """Registry entries read from an export's entities.jsonl: (created, already known).

        An entity whose uid is stored is matched, not changed (the database's own state
        wins); a new one keeps its uid, merged_into, aliases and stamps, so mentions
        naming it resolve as they did where it was exported. Logged as 'import' with no
        batch: an import is not in anyone's undo history.
        """
        created = matched = 0
        stored = {uid for (uid,) in self.conn.execute("SELECT uid FROM entities")}
        for entity in entities:
            if entity.uid in stored:
                matched += 1
                continue
            stored.add(entity.uid)
            self._ensure_annotator(entity.created_by)
            self._write_entity(entity, entity.uid)
            self.conn.execute(
                "INSERT INTO entity_actions (uid, annotator, at, op, entity_uid, before, after, batch)"
                " VALUES (?, ?, ?, 'import', ?, NULL, ?, NULL)",
                (uuid.uuid4().hex, entity.created_by, now(), entity.uid, entity_json(entity)),
            )
            created += 1
        return created, matched

    # -- end of exports and imports ---------------------------------------------------
