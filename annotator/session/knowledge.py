"""Entity links, claim attribution and quantity values on the open article, without Textual.

The screen asks (link this mention, attribute that claim, set this value) and draws the
Change it gets back at once; the write goes to the app's writer like a tag, and an entity
created with its link is one batch, so one undo takes both back. Candidate ranking and
the corpus lists are plain functions the screens call from workers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from annotator.model import Span
from annotator.session.article import ArticleSession, Change, Refusal
from annotator.store import Store, now
from annotator.text import one_line

if TYPE_CHECKING:
    from annotator.quantities import Quantity

LINK_THRESHOLD = 80.0
"""`=` links to the top candidate only from this score up; below it a new entity is made."""

FORMS = ("direct", "indirect", "paraphrase")
STANCES = ("asserted", "reported", "disputed", "denied")
ATTRIBUTION_KEYS = ("source", "cue", "form", "stance", "disputes")


# -- quantities ------------------------------------------------------------------------


def quantity_attr(text: str) -> dict[str, Any]:
    """attrs["quantity"] for a span's text: the parsed value as a JSON object."""
    from annotator.quantities import parse_quantity  # loaded on the first quantity, not at start-up

    return json.loads(parse_quantity(text).to_json())


def quantity_of(span: Span) -> Quantity | None:
    """The span's stored value, or None when it has none (or an unreadable one)."""
    data = span.attrs.get("quantity")
    if not isinstance(data, dict):
        return None
    from annotator.quantities import Quantity

    try:
        return Quantity.from_json(json.dumps(data))
    except Exception:
        return None


def refill_quantity(span: Span) -> bool:
    """Whether a change of the span's text should re-read its value: not once edited by hand."""
    return not span.attrs.get("quantity_edited")


def edited_quantity(text: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A value typed in the `#` form, over what the text gives: empty fields clear."""
    from annotator.quantities import Quantity, parse_quantity

    base = json.loads(parse_quantity(text).to_json())
    for key in ("value", "low", "high"):
        raw = fields.get(key)
        if raw in (None, ""):
            base.pop(key, None)
            continue
        try:
            base[key] = float(str(raw).replace(",", ""))
        except ValueError:
            raise ValueError(f"{key}: {raw!r} is not a number") from None
    for key in ("bound", "unit", "currency", "counts", "per"):
        raw = fields.get(key)
        if raw in (None, ""):
            base.pop(key, None)
        else:
            base[key] = str(raw).strip()
    if base.get("bound") not in (None, ">=", ">", "<=", "<"):
        raise ValueError(f"bound: {base['bound']!r} is not one of >=, >, <=, <")
    if any(key in base for key in ("value", "low", "high")):
        base.pop("problem", None)
    Quantity.from_json(json.dumps(base))  # the form's answer must read back
    return base


@dataclass(frozen=True)
class QuantityLine:
    """One quantity in the corpus view."""

    key: str
    span_uid: str
    document_id: int
    document_title: str
    start: int
    text: str
    display: str


def quantity_groups(store: Store) -> list[tuple[str, list[QuantityLine]]]:
    """Every quantity in the corpus grouped by what it counts, so like figures sit together.

    Run in a worker: it reads every quantity span. Groups sort by key ("" — nothing counted — last).
    """
    from annotator.quantities import Quantity, counted_key, parse_quantity

    groups: dict[str, list[QuantityLine]] = {}
    for row in store.quantity_rows():
        quantity: Quantity | None = None
        if isinstance(row.quantity, dict):
            try:
                quantity = Quantity.from_json(json.dumps(row.quantity))
            except Exception:
                quantity = None
        if quantity is None:
            quantity = parse_quantity(row.text)
        key = counted_key(quantity)
        groups.setdefault(key, []).append(
            QuantityLine(key, row.span_uid, row.document_id, row.document_title, row.start, row.text, quantity.display())
        )
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))


# -- claims ----------------------------------------------------------------------------


def source_name(span: Span, spans: dict[str, Span]) -> str:
    """Who a claim comes from, as the panel names it; "" when unattributed."""
    source = span.attrs.get("source")
    if not isinstance(source, dict):
        return ""
    if "span" in source:
        other = spans.get(source["span"])
        return one_line(other.text, 60) if other is not None else "(a span no longer here)"
    return one_line(str(source.get("text", "")), 60)


def claims_by_source(spans: Sequence[Span], kind_of: Callable[[str], str]) -> list[tuple[str, list[Span]]]:
    """The article's claims, a section per source in reading order; unattributed ones last."""
    by_uid = {span.uid: span for span in spans}
    sections: dict[str, list[Span]] = {}
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if kind_of(span.label) != "claim":
            continue
        sections.setdefault(source_name(span, by_uid), []).append(span)
    return sorted(sections.items(), key=lambda item: (item[0] == "", item[1][0].start))


def cycled(value: str | None, choices: Sequence[str]) -> str:
    """The next form or stance after value (the first when none is set)."""
    if value not in choices:
        return choices[0]
    return choices[(choices.index(value) + 1) % len(choices)]


# -- undo messages ---------------------------------------------------------------------


def describe_attrs(op: str, before: Span, after: Span, entity_name: Callable[[str], str]) -> str:
    """What an undo or redo did to a span's attrs: "undo: link to GKNB removed"."""
    old, new = before.attrs, after.attrs
    quoted = f"{after.label} '{one_line(after.text, 30)}'"
    if old.get("entity") != new.get("entity"):
        if new.get("entity") is None:
            return f"{op}: link to {entity_name(old['entity'])} removed"
        if old.get("entity") is None:
            return f"{op}: {quoted} linked to {entity_name(new['entity'])}"
        return f"{op}: {quoted} linked to {entity_name(new['entity'])} again"
    if any(old.get(key) != new.get(key) for key in ATTRIBUTION_KEYS):
        had = any(key in new for key in ATTRIBUTION_KEYS)
        return f"{op}: attribution of CLAIM '{one_line(after.text, 30)}' {'changed' if had else 'removed'}"
    if old.get("quantity") != new.get("quantity") or old.get("quantity_edited") != new.get("quantity_edited"):
        shown = quantity_of(after)
        return f"{op}: value of {quoted} {'back to ' + shown.display() if shown else 'removed'}"
    return f"{op}: {quoted}"


# -- the panel ---------------------------------------------------------------------------


def knowledge_details(span: Span, kind: str, spans: dict[str, Span], entity_name: Callable[[str], str]) -> str:
    """The picked span's link, attribution or value, as the panel shows it under its text."""
    if kind == "entity":
        linked = span.attrs.get("entity")
        if isinstance(linked, str):
            return f"Entity: {one_line(entity_name(linked), 60)}"
        return "Entity: not linked (L candidates, = best)"
    if kind == "claim":
        who = source_name(span, spans)
        if not who and not any(key in span.attrs for key in ATTRIBUTION_KEYS):
            return "Not attributed (A proposes, ctrl+a edits)"
        parts = [f"Source: {who or 'none'}"]
        cue = span.attrs.get("cue")
        if isinstance(cue, dict):
            parts.append(f"cue '{one_line(str(cue.get('text', '')), 30)}'")
        parts += [str(span.attrs[key]) for key in ("form", "stance") if key in span.attrs]
        disputed = spans.get(span.attrs.get("disputes", ""))
        if disputed is not None:
            parts.append(f"disputes '{one_line(disputed.text, 30)}'")
        return " · ".join(parts)
    if kind == "quantity":
        quantity = quantity_of(span)
        if quantity is None:
            return "Value: none (# sets one)"
        return f"Value: {quantity.display()}{' (edited)' if span.attrs.get('quantity_edited') else ''}"
    return ""


def by_source_text(spans: Sequence[Span], kind_of: Callable[[str], str]) -> str:
    """The article's claims grouped by source, as plain lines for the panel."""
    lines: list[str] = []
    for who, claims in claims_by_source(spans, kind_of):
        lines.append(f"{who or 'No source yet'} ({len(claims)})")
        lines += [f"  {one_line(claim.text, 60)}" for claim in claims]
    return "\n".join(lines) or "No claims tagged yet"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# -- writes ----------------------------------------------------------------------------


@dataclass
class Knowledge:
    """Links, attribution and values on the session's article, written behind by its writer."""

    session: ArticleSession

    def _span(self, uid: str | None, kind: str) -> Span | Refusal:
        if refused := self.session._check():
            return refused
        span = self.session.spans.get(uid) if uid else None
        if span is None:
            return Refusal(f"Pick {_article(kind)} {kind} span first (enter or tab)")
        if self.session.label_kind(span.label) != kind:
            return Refusal(f"Pick {_article(kind)} {kind} span first: this one is {span.label}")
        return span

    def _put(self, span: Span, what: str, attrs: dict[str, Any], run: Callable[[Store], Any]) -> Change:
        after = replace(span, attrs=attrs, updated_at=now())
        self.session.spans[span.uid] = after
        self.session._submit(what, (span,), (span.uid,), run)
        return Change(upserted=(after,), active=span.uid)

    # entities

    def link(self, uid: str | None, entity_uid: str, entity_name: str) -> Change | Refusal:
        """Link the picked mention to an entity (a new spelling becomes its alias)."""
        span = self._span(uid, "entity")
        if isinstance(span, Refusal):
            return span
        if span.attrs.get("entity") == entity_uid:
            return Refusal(f"Already linked to {entity_name}")
        document = self.session.document
        annotator = self.session.annotator
        attrs = {**span.attrs, "entity": entity_uid}
        self.session.entity_names[entity_uid] = one_line(entity_name, 40)
        return self._put(
            span, f"linked to {one_line(entity_name, 40)}", attrs,
            lambda store: store.link_mention(span.uid, entity_uid, annotator, document),
        )

    def create_and_link(self, uid: str | None) -> Change | Refusal:
        """A new entity named as the mention, with its label, linked to it: one batch, one undo."""
        span = self._span(uid, "entity")
        if isinstance(span, Refusal):
            return span
        document = self.session.document
        annotator = self.session.annotator
        new_uid = uuid.uuid4().hex
        name = " ".join(span.text.split())
        self.session.entity_names[new_uid] = one_line(name, 40)

        def run(store: Store) -> Span:
            with store.batch():
                store.create_entity(name, span.label, annotator, uid=new_uid)
                return store.link_mention(span.uid, new_uid, annotator, document)

        return self._put(span, f"new entity {one_line(name, 40)}", {**span.attrs, "entity": new_uid}, run)

    def link_best(self, uid: str | None, candidates: Sequence[Any]) -> Change | Refusal:
        """`=`: the top candidate when it scores LINK_THRESHOLD or more, else a new entity."""
        top = candidates[0] if candidates else None
        if top is not None and top.score >= LINK_THRESHOLD:
            return self.link(uid, top.uid, top.name)
        return self.create_and_link(uid)

    def unlink(self, uid: str | None) -> Change | Refusal:
        span = self._span(uid, "entity")
        if isinstance(span, Refusal):
            return span
        if "entity" not in span.attrs:
            return Refusal("That mention is not linked")
        document = self.session.document
        annotator = self.session.annotator
        attrs = {k: v for k, v in span.attrs.items() if k != "entity"}
        return self._put(span, "unlinked", attrs, lambda store: store.unlink_mention(span.uid, annotator, document))

    # claims

    def propose(self, uid: str | None) -> Change | Refusal:
        """`A`: the attribution the rules read from the text, saved at once (one undo)."""
        from annotator.attribution import propose

        span = self._span(uid, "claim")
        if isinstance(span, Refusal):
            return span
        assert self.session.document is not None
        others = [s for s in self.session.spans.values() if s.uid != span.uid]
        proposal = propose(self.session.document.text, span.start, span.end, others).to_attrs()
        return self.set_attribution(span.uid, proposal)

    def set_attribution(self, uid: str | None, changes: dict[str, Any]) -> Change | Refusal:
        """Set (or, with None, clear) attribution keys of a claim."""
        span = self._span(uid, "claim")
        if isinstance(span, Refusal):
            return span
        attrs = dict(span.attrs)
        for key, value in changes.items():
            if value is None:
                attrs.pop(key, None)
            else:
                attrs[key] = value
        if attrs == span.attrs:
            return Refusal("Nothing to change: the attribution is already so")
        document = self.session.document
        annotator = self.session.annotator
        return self._put(
            span, f"attributed CLAIM '{one_line(span.text, 30)}'", attrs,
            lambda store: store.set_span_attrs(span.uid, changes, annotator, document),
        )

    # quantities

    def set_quantity(self, uid: str | None, fields: dict[str, Any]) -> Change | Refusal:
        """`#`: a value typed by hand; from now on a resize keeps it."""
        span = self._span(uid, "quantity")
        if isinstance(span, Refusal):
            return span
        try:
            value = edited_quantity(span.text, fields)
        except Exception as error:
            return Refusal(f"Not saved: {error}")
        changes = {"quantity": value, "quantity_edited": True}
        document = self.session.document
        annotator = self.session.annotator
        return self._put(
            span, f"value of {span.label} '{one_line(span.text, 30)}'", {**span.attrs, **changes},
            lambda store: store.set_span_attrs(span.uid, changes, annotator, document),
        )


# -- entity lists (read in workers) ------------------------------------------------------


def entity_summary(entity: Any, mentions: int | None = None) -> str:
    """One row of the entities list: name, label, external id, aliases."""
    parts = [one_line(entity.name, 50), entity.label]
    if entity.external_id:
        parts.append(entity.external_id)
    if entity.aliases:
        parts.append("aka " + ", ".join(one_line(a, 30) for a in entity.aliases[:4]))
    if mentions is not None:
        parts.append(f"{mentions} mention{'s' if mentions != 1 else ''}")
    return " · ".join(parts)


@dataclass
class EntityEdits:
    """Rename, details, merge and split from the entities screen, through the app's writer.

    The screen draws again when the outcome comes back; a refusal says why in one line.
    """

    reader: Store
    writer: Any
    annotator: str

    def _check(self) -> Refusal | None:
        if self.reader.read_only:
            return Refusal(f"This database is read-only ({self.reader.read_only_reason}): nothing can be saved")
        if self.writer is None:
            return Refusal("Nothing can be saved here")
        return None

    def _submit(self, what: str, run: Callable[[Store], Any]) -> Refusal | None:
        if refused := self._check():
            return refused
        self.writer.submit(what, run, owner=self)
        return None

    def rename(self, uid: str, name: str) -> Refusal | None:
        if not name.strip():
            return Refusal("name: type a name")
        return self._submit(f"renamed to {one_line(name, 40)}", lambda store: store.rename_entity(uid, name, self.annotator))

    def details(self, uid: str, external_id: str, note: str) -> Refusal | None:
        return self._submit(
            "entity details", lambda store: store.set_entity_details(uid, self.annotator, external_id=external_id, note=note)
        )

    def merge(self, source_uid: str, target_uid: str, target_name: str) -> Refusal | None:
        if source_uid == target_uid:
            return Refusal("Choose another entity to merge into")
        return self._submit(
            f"merged into {one_line(target_name, 40)}", lambda store: store.merge_entities(source_uid, target_uid, self.annotator)
        )

    def split(self, uid: str, span_uids: Sequence[str], name: str) -> Refusal | None:
        if not span_uids:
            return Refusal("Mark the mentions to move first (space)")
        if not name.strip():
            return Refusal("name: type a name for the new entity")
        chosen = list(span_uids)
        return self._submit(
            f"split off {one_line(name, 40)}", lambda store: store.split_entity(uid, chosen, name, self.annotator)
        )


def parse_entity_filter(text: str, labels: Sequence[str]) -> tuple[str | None, str]:
    """The entities screen's filter: a leading label name ("ORG gk") narrows by label."""
    words = text.split(maxsplit=1)
    if words and words[0].upper() in labels:
        return words[0].upper(), words[1].strip() if len(words) > 1 else ""
    return None, text.strip()
