"""A reviewer's session on one article: grouping and the adjudication rules, without Textual.

Gold spans are stored under the reserved analyst name `gold`, each recording the
reviewer and the analysts (and span uids) it came from. A version number toggles that
version in or out of gold, so a group can end with several gold spans. Writes go to the
Writer; when one settles, the screen regroups from the database. Once a version put in
gold is saved, review moves on to the next group still to decide (`move_on`), so a
newcomer is never left wondering where the next decision is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from annotator.errors import StaleDocumentError
from annotator.model import Document, Span
from annotator.review import GOLD, Group, Version, gold_attrs, gold_copies, group_spans, is_analyst, next_undecided
from annotator.session.article import Refusal, SaveState, Settled, kept_state, waiting_state
from annotator.session.writer import Outcome, Writer
from annotator.store import ActionResult, Store
from annotator.text import resize_range


@dataclass(frozen=True)
class Submitted:
    """A write is on its way: the status says so until it settles."""

    what: str


@dataclass(frozen=True)
class MoveOn:
    """A version put in gold is saved: go to group `index`, or (None) say none is left to decide."""

    index: int | None


def corpus_flags(store: Store, kind_of: dict[str, str]) -> dict[int, set[str]]:
    """Per article: 'disagreements' and/or 'unadjudicated', for the review article list.

    Reads every article's spans: run it off the UI thread, on a store of its own.
    """
    progress = store.progress()
    flags: dict[int, set[str]] = {}
    for summary in store.list_documents():
        by_annotator = store.spans_by_annotator(summary.id)
        coders = sorted(a for a in by_annotator if is_analyst(a))
        spans = [s for name, spans in by_annotator.items() if is_analyst(name) or name == GOLD for s in spans]
        groups = group_spans(spans, coders, kind_of, store.rejected(summary.id))
        marks: set[str] = set()
        if any(g.status == "disagreement" for g in groups):
            marks.add("disagreements")
        if progress.get(summary.id, {}).get(GOLD) != "done":
            marks.add("unadjudicated")
        flags[summary.id] = marks
    return flags


@dataclass
class ReviewSession:
    reader: Store
    writer: Writer | None
    reviewer: str
    kind_of: dict[str, str]
    document: Document | None = None
    groups: list[Group] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    analyst_spans: list[Span] = field(default_factory=list)
    editing: str | None = None  # the gold span label keys and [ ] { } edit (see edited_gold)
    state: SaveState = field(default_factory=lambda: SaveState("idle"))
    _pending: dict[int, str] = field(default_factory=dict)
    _accepting: dict[int, int] = field(default_factory=dict)
    """Ticket of a write putting a version in gold -> the group it settles."""
    _accepted: int | None = None
    """The group whose version went into gold last, until `move_on` is asked."""
    _names: dict[str, str] = field(default_factory=dict)
    """Entity names the panel showed, read again when the article is regrouped."""

    def open(self, document_id: int) -> Document:
        """Read the article and group every analyst's spans (suggestions left out)."""
        self.document = self.reader.document(document_id)
        self._names.clear()
        by_annotator = self.reader.spans_by_annotator(document_id)
        progress = self.reader.progress().get(document_id, {})
        self.coders = sorted(
            {a for a in by_annotator if is_analyst(a)} | {a for a, s in progress.items() if s == "done" and is_analyst(a)}
        )
        # Model suggestions are no analyst's version: review compares people, and gold.
        spans = [s for name, spans in by_annotator.items() if is_analyst(name) or name == GOLD for s in spans]
        self.groups = group_spans(spans, self.coders, self.kind_of, self.reader.rejected(document_id))
        self.analyst_spans = [s for s in spans if s.annotator != GOLD]
        return self.document

    @property
    def adjudicated(self) -> bool:
        if self.document is None:
            return False
        return self.reader.progress().get(self.document.id, {}).get(GOLD) == "done"

    def _check(self) -> Refusal | None:
        if self.document is None:
            return Refusal("No article is open")
        if self.reader.read_only:
            return Refusal(f"This database is read-only ({self.reader.read_only_reason}): nothing can be saved")
        if self.writer is None:
            return Refusal("Nothing can be saved here")
        return None

    def _submit(self, what: str, run, accepting: int | None = None) -> Submitted:  # type: ignore[no-untyped-def]
        assert self.writer is not None
        ticket = self.writer.submit(what, run, owner=self)
        self._pending[ticket] = what
        if accepting is not None:
            self._accepting[ticket] = accepting
        self.state = SaveState("saving", f"saving… {what}")
        return Submitted(what)

    # -- the rules -----------------------------------------------------------------

    def toggle(self, index: int, number: int) -> Submitted | Refusal:
        """Version `number` of group `index` into gold, or out of it if it is there (one undo step)."""
        if refused := self._check():
            return refused
        assert self.document is not None
        document, group = self.document, self.groups[index]
        if not 1 <= number <= len(group.versions):
            return Refusal(f"This group has {len(group.versions)} version(s)")
        version = group.versions[number - 1]
        standing = group.gold_for(number - 1)
        if standing:

            def remove(store: Store) -> None:
                with store.batch():
                    for gold in standing:
                        store.delete_span(document, gold.uid, GOLD)

            return self._submit(f"version {number} out of gold ({version.label} “{version.text}”)", remove)
        uid = uuid.uuid4().hex
        uids = [s.uid for v in group.versions for s in v.spans]
        attrs = gold_attrs(version, self.reviewer, self._by_uid(), self._copies())
        # Another attribution of the same span in gold gives way: one gold span a place.
        replaced = [g.uid for g in group.same_place(number - 1)]
        waiting = self._claims_waiting_for(version)

        def add(store: Store) -> None:
            with store.batch():
                store.unreject(uids)
                for old in replaced:
                    store.delete_span(document, old, GOLD)
                store.add_span(document, version.start, version.end, version.label, GOLD, attrs=attrs, uid=uid)
                for claim in waiting:
                    store.set_span_attrs(claim, {"source": {"span": uid}}, GOLD)

        self.editing = uid
        return self._submit(
            f"version {number} in gold: {version.label} from {', '.join(version.annotators)}", add, accepting=index
        )

    def accept_agreed(self) -> Submitted | Refusal:
        if refused := self._check():
            return refused
        assert self.document is not None
        document = self.document
        todo = [g.versions[0] for g in self.groups if g.status == "agreed" and not g.settled]
        if not todo:
            return Refusal("No unsettled agreed spans here")
        # New gold uids first, so a claim accepted with its source mention points at the mention's gold copy.
        new_uids = [uuid.uuid4().hex for _ in todo]
        copies = self._copies()
        for version, uid in zip(todo, new_uids):
            for span in version.spans:
                copies.setdefault(span.uid, uid)
        attrs = [gold_attrs(version, self.reviewer, self._by_uid(), copies) for version in todo]

        def accept(store: Store) -> None:
            with store.batch():
                for version, attr, uid in zip(todo, attrs, new_uids):
                    store.add_span(document, version.start, version.end, version.label, GOLD, attrs=attr, uid=uid)

        return self._submit(f"accepted {len(todo)} agreed span{'s' if len(todo) != 1 else ''}", accept)

    def reject(self, index: int) -> Submitted | Refusal:
        """Reject the group: its gold spans go, its analysts' spans are marked rejected."""
        if refused := self._check():
            return refused
        assert self.document is not None
        document, group = self.document, self.groups[index]
        golds = [g.uid for g in group.gold]
        uids = [s.uid for v in group.versions for s in v.spans]

        def reject(store: Store) -> None:
            with store.batch():
                for uid in golds:
                    store.delete_span(document, uid, GOLD)
                store.reject(document.id, uids, self.reviewer)

        return self._submit("rejected the group", reject)

    def _claims_waiting_for(self, version: Version) -> list[str]:
        """Gold claims that kept this mention's words as their source, for want of a gold copy.

        The mention now goes into gold: they point at it, whichever came first.
        """
        mentions = {s.uid for s in version.spans}
        by_uid = self._by_uid()
        waiting: list[str] = []
        for gold in (g for group in self.groups for g in group.gold):
            source = gold.attrs.get("source")
            if not isinstance(source, dict) or "text" not in source:
                continue
            origins = [by_uid[u] for u in gold.attrs.get("source_uids", []) if isinstance(u, str) and u in by_uid]
            if any(isinstance(o.attrs.get("source"), dict) and o.attrs["source"].get("span") in mentions for o in origins):
                waiting.append(gold.uid)
        return waiting

    def _by_uid(self) -> dict[str, Span]:
        return {span.uid: span for span in self.analyst_spans}

    def _copies(self) -> dict[str, str]:
        """Analyst span uid -> its gold copy's uid, for the gold spans there are now."""
        return gold_copies([g for group in self.groups for g in group.gold], self.analyst_spans)

    def entity_name(self, uid: str) -> str:
        """An entity's name for the panel (a merged one's live name), or its uid if unknown.

        Read once per opening: the panel asks again each time a row is drawn.
        """
        if uid not in self._names:
            entity = self.reader.resolve(uid)
            self._names[uid] = entity.name if entity is not None else uid
        return self._names[uid]

    def edited_gold(self, group: Group) -> Span | None:
        """The gold span of `group` that label keys and [ ] { } edit (marked ▸ in the panel).

        The one last put in gold or picked with `e`; else the one changed last.
        """
        if not group.gold:
            return None
        for gold in group.gold:
            if gold.uid == self.editing:
                return gold
        return max(group.gold, key=lambda s: (s.updated_at, s.created_at, s.start))

    def next_gold(self, index: int) -> Refusal | None:
        """Edit the next gold span of the group (in reading order, wrapping)."""
        group = self.groups[index]
        current = self.edited_gold(group)
        if current is None or len(group.gold) < 2:
            return Refusal("")
        uids = [g.uid for g in group.gold]
        self.editing = uids[(uids.index(current.uid) + 1) % len(uids)]
        return None

    def _gold(self, index: int) -> Span | Refusal:
        """The gold span label keys and [ ] { } edit, or why nothing can be edited."""
        if refused := self._check():
            return refused
        gold = self.edited_gold(self.groups[index])
        if gold is None:
            return Refusal("Put a version in gold first (1-9); then label keys and [ ] { } edit the gold span")
        self.editing = gold.uid
        return gold

    def retag(self, index: int, label: str) -> Submitted | Refusal:
        gold = self._gold(index)
        if isinstance(gold, Refusal):
            return gold
        document = self.document
        assert document is not None
        if gold.label == label:
            return Refusal(f"The gold span is already {label}")
        return self._submit(f"gold retagged {label}", lambda store: store.update_span(document, gold.uid, GOLD, label=label))

    def resize(self, index: int, edge: str, direction: int) -> Submitted | Refusal:
        gold = self._gold(index)
        if isinstance(gold, Refusal):
            return gold
        document = self.document
        assert document is not None
        start, end = resize_range(document.text, gold.start, gold.end, edge, direction, True)
        if start >= end or (start, end) == (gold.start, gold.end):
            return Refusal("")
        return self._submit(
            "gold resized", lambda store: store.update_span(document, gold.uid, GOLD, start=start, end=end)
        )

    def undo(self) -> Submitted | Refusal:
        if refused := self._check():
            return refused
        document = self.document
        assert document is not None
        return self._submit("undo in gold", lambda store: store.undo(document, GOLD))

    def toggle_adjudicated(self) -> Submitted | Refusal:
        if refused := self._check():
            return refused
        document = self.document
        assert document is not None
        new_state = None if self.adjudicated else "done"
        return self._submit(
            "adjudicated" if new_state else "reopened", lambda store: store.set_progress(GOLD, document.id, new_state)
        )

    # -- outcomes ----------------------------------------------------------------------

    def waiting(self, seconds: float) -> SaveState:
        self.state = waiting_state(seconds)
        return self.state

    def settle(self, outcome: Outcome) -> Settled:
        """Fold an outcome in; the screen regroups from the database afterwards."""
        what = outcome.job.what
        if not outcome.kept:
            self._pending.pop(outcome.ticket, None)
            accepted = self._accepting.pop(outcome.ticket, None)
            if outcome.error is None and accepted is not None:
                self._accepted = accepted
        if outcome.error is None:
            if what == "undo in gold" and outcome.result is None:
                self.state = SaveState("idle", "nothing to undo in the gold set")
                return Settled(self.state, message="Nothing to undo in the gold set")
            if isinstance(outcome.result, ActionResult):
                what = f"{outcome.result.description} in gold"
            left = len(self._pending)
            self.state = SaveState("saved", f"saved: {what}" + (f" ({left} more saving…)" if left else ""))
            return Settled(self.state)
        if isinstance(outcome.error, StaleDocumentError):
            self._pending.clear()
            self._accepting.clear()
            self.state = SaveState("failed", f"NOT SAVED: {outcome.error}")
            return Settled(self.state, reload=True, message=str(outcome.error))
        if outcome.kept:
            self.state = kept_state(outcome.error, self.writer.held if self.writer is not None else 0)
            return Settled(self.state, message=f"{what}: {outcome.error}")
        self.state = SaveState("refused", f"not saved: {outcome.error}")
        return Settled(self.state, message=str(outcome.error))

    def move_on(self, current: int) -> MoveOn | None:
        """Where review goes after the regroup that follows a saved acceptance, asked once.

        The next group still to decide after the accepted one (agreed, partial and
        disagreeing alike; settled ones are skipped), or MoveOn(None) when none is left.
        None when nothing was accepted, or the reviewer has gone to another group since
        (they chose where to be).
        """
        accepted, self._accepted = self._accepted, None
        if accepted is None or accepted != current or not self.groups:
            return None
        return MoveOn(next_undecided(self.groups, accepted))

    def retry(self) -> bool:
        return self.writer.retry() if self.writer is not None else False
