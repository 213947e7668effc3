"""One analyst's session on one article: the rules of tagging, without Textual.

The screen asks (tag this range, retag that span, undo) and draws the Change it gets
back at once; the write itself goes to the Writer and its Outcome comes back through
`settle`, which says what to redraw if the database answered differently (a refusal
reverts the change, a replaced article reloads). So a key never waits on SQLite.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Literal

from annotator.errors import StaleDocumentError
from annotator.model import Document, Label, Span
from annotator.session.suggestions import CorpusPropagation, propagate_to_corpus
from annotator.session.writer import Outcome, Writer
from annotator.store import ActionResult, Store, now
from annotator.text import one_line, resize_range
from annotator.units import Suggestion, mentions, near_mentions, smart_unit_for, suggestion_at
from annotator.units.words import covered

SaveKind = Literal["idle", "saving", "waiting", "saved", "refused", "failed", "read-only"]


@dataclass(frozen=True)
class SaveState:
    """What the status line says about saving; screens never parse it back."""

    kind: SaveKind
    text: str = ""

    @property
    def failed(self) -> bool:
        return self.kind in ("failed", "read-only")


def waiting_state(seconds: float) -> SaveState:
    """What the status says while the writer waits for another process's write lock."""
    return SaveState("waiting", f"saving… waiting {seconds:.0f} s for the database (another process is writing); keep working")


def kept_state(error: Exception, held: int) -> SaveState:
    """A write failed and is kept, with those behind it, for ctrl+s."""
    return SaveState("failed", f"NOT SAVED: {error} ({held} action{'s' if held != 1 else ''} kept; ctrl+s retries)")


QUIT_AND_SAVED = "ctrl+q quits; all shown as saved is saved."
"""Said wherever a newcomer may be trying to quit: `q` tags QUANTITY here, it does not quit."""


def label_keys(labels: list[Label]) -> str:
    """The label set's keys as a newcomer reads them: `c CLAIM, p PERSON, ...`."""
    return ", ".join(f"{label.key} {label.name}" for label in labels if label.key)


def first_span_hint(labels: list[Label]) -> str:
    """What the empty details panel says until the analyst's first span exists."""
    keys = label_keys(labels)
    return (
        "Arrows or ; (the next name or number) move; a label key tags what is at the cursor, "
        "or select first: w a word, s a sentence, shift+arrows extend. "
        f"Label keys{': ' + keys if keys else ''}."
    )


PICK_HINT = "Pick a span (enter, tab or click) to see it here."
"""What the empty details panel says once the analyst has tagged before."""


def how_to_tag_notice() -> str:
    """One line for ctrl+c (or a label key with nothing to tag): how to tag, how to quit."""
    return f"A label key tags what is at the cursor (or select first: w, s, shift+arrows). {QUIT_AND_SAVED}"


NO_SUGGESTION = "No suggestion at the cursor: ; goes to the next one"
"""What y, Y and x say when the cursor is not on a ghost span."""


def already_tagged(label: str) -> str:
    """A calm refusal: the same label twice on the same text is harmless, nothing is lost."""
    return f"Already tagged: {label} is on that text"


def plain_refusal(error: object) -> str:
    """A refusal from the database, said as plainly as the session's own."""
    text = str(error)
    suffix = " is already on that text"
    if text.endswith(suffix) and " " not in text[: -len(suffix)]:
        return already_tagged(text[: -len(suffix)])
    return f"Nothing changed: {text}"


def _quoted(span: Span) -> str:
    return f"{span.label} '{one_line(span.text, 40)}'"


def describe_step(op: str, before: Span | None, after: Span | None) -> str:
    """What one undo or redo did to one span, in the analyst's words.

    `before` is the span as the screen showed it, `after` as the database left it.
    """
    if before is None and after is not None:
        return f"{op}: {_quoted(after)} restored" if op == "undo" else f"{op}: tagged {_quoted(after)}"
    if after is None:
        return f"{op}: removed {_quoted(before)}" if before is not None else f"{op}: one change"
    assert before is not None
    arrow = "back to" if op == "undo" else "→"
    if before.label != after.label:
        return f"{op}: {before.label} {arrow} {after.label}"
    if (before.start, before.end) != (after.start, after.end):
        return f"{op}: {after.label} {arrow} {after.start}-{after.end}"
    if before.note != after.note:
        return f"{op}: note on {_quoted(after)} {'restored' if after.note else 'removed'}"
    return f"{op}: {_quoted(after)}"


@dataclass(frozen=True)
class Change:
    """What to redraw: spans put (added or changed), spans taken away, the span to keep picked."""

    upserted: tuple[Span, ...] = ()
    removed: tuple[str, ...] = ()
    active: str | None = None
    keep_active: bool = True  # False: nothing stays picked
    history: bool = False  # an undo or redo: the undo/redo flags need a fresh look
    message: str = ""  # said in a notification (what a propagation found)

    @property
    def empty(self) -> bool:
        return not self.upserted and not self.removed


@dataclass(frozen=True)
class Refusal:
    """An action the rules refuse: said plainly, nothing written, nothing to redraw."""

    message: str


@dataclass(frozen=True)
class Settled:
    """A write's outcome, as the screen needs it."""

    state: SaveState
    change: Change | None = None  # redraw this (the database's version, or a revert)
    reload: bool = False  # the article changed under the screen: open it again
    message: str = ""  # for a notification


@dataclass
class _Pending:
    before: tuple[Span, ...]  # the spans as they were, to put back if the write is refused
    after: tuple[str, ...]  # uids the optimistic change put in place
    what: str


@dataclass
class ArticleSession:
    """The current article, the spans on screen, and the rules that change them."""

    reader: Store
    writer: Writer | None
    annotator: str
    labels: list[Label]
    viewing: str | None = None  # None: your own spans (editable); '*' everyone; or a name
    document: Document | None = None
    spans: dict[str, Span] = field(default_factory=dict)
    state: SaveState = field(default_factory=lambda: SaveState("idle"))
    _pending: dict[int, _Pending] = field(default_factory=dict)
    _has_tagged: bool | None = None  # asked of the database once, then kept
    # Offers drawn as ghost spans: never stored as spans until accepted.
    suggestions: list[Suggestion] = field(default_factory=list)
    # Rejected offers per article, kept for the session: (start, end, label).
    _rejected: dict[int, set[tuple[int, int, str]]] = field(default_factory=dict)
    last_tagged: str | None = None  # the span `*` propagates when none is picked
    # Entity names seen this session: an undo message names an entity its undo removed.
    entity_names: dict[str, str] = field(default_factory=dict)

    @property
    def newcomer(self) -> bool:
        """True until the analyst's first span exists in the database (in any article).

        Read once; a committed tag ends it, and it does not come back on an undo.
        """
        if self._has_tagged is None:
            self._has_tagged = self.reader.has_spans(self.annotator)
        return not self._has_tagged

    def empty_details(self) -> str:
        """What the details panel says with no span picked: how to tag, until the first span."""
        return first_span_hint(self.labels) if self.newcomer else PICK_HINT

    # -- reading -------------------------------------------------------------------

    def open(self, document_id: int) -> Document:
        self.document = self.reader.document(document_id)
        self.spans = {span.uid: span for span in self._visible()}
        self.suggestions = []
        self.last_tagged = None
        return self.document

    # -- suggestions -----------------------------------------------------------------

    @property
    def wants_suggestions(self) -> bool:
        """Suggestions are offered on an article the analyst has not tagged yet, in their own view."""
        return self.document is not None and self.editable and not self.spans and not self.reader.read_only

    def offer(self, document_id: int, suggestions: list[Suggestion]) -> list[Suggestion]:
        """Take a worker's suggestions for this article, less those rejected or already tagged."""
        if self.document is None or self.document.id != document_id:
            return self.suggestions  # computed for an article no longer open
        self.suggestions = []
        self._add_offers(suggestions)
        return self.suggestions

    def _add_offers(self, offers: list[Suggestion]) -> None:
        if self.document is None:
            return
        rejected = self._rejected.get(self.document.id, set())
        tagged = sorted((s.start, s.end) for s in self.spans.values())
        have = {(s.start, s.end) for s in self.suggestions}
        for item in offers:
            if (item.start, item.end, item.label) in rejected or (item.start, item.end) in have:
                continue
            if covered((item.start, item.end), tagged):
                continue
            self.suggestions.append(item)
            have.add((item.start, item.end))
        self.suggestions.sort(key=lambda item: (item.start, -item.end, item.label))

    def _drop_offers_under(self, ranges: list[tuple[int, int]]) -> None:
        """A tag settles the places it covers: their offers go."""
        ordered = sorted(ranges)
        self.suggestions = [s for s in self.suggestions if not covered((s.start, s.end), ordered)]

    def suggestion_at(self, offset: int) -> Suggestion | None:
        """The offer under offset (annotator.units.suggestion_at: the view marks the same one)."""
        return suggestion_at(self.suggestions, offset)

    def accept(self, offset: int) -> Change | Refusal:
        """y: the offer at the cursor becomes the analyst's span."""
        item = self.suggestion_at(offset)
        if item is None:
            return Refusal(NO_SUGGESTION)
        return self.tag(item.start, item.end, item.label)

    def accept_all(self, offset: int) -> Change | Refusal:
        """Y: every offer with the label of the one at the cursor, as one undo."""
        item = self.suggestion_at(offset)
        if item is None:
            return Refusal(NO_SUGGESTION)
        ranges = [(s.start, s.end) for s in self.suggestions if s.label == item.label]
        return self.tag_many(ranges, item.label, f"accepted {len(ranges)} {item.label} suggestion{'s' if len(ranges) != 1 else ''}")

    def reject(self, offset: int) -> Change | Refusal:
        """x: the offer at the cursor goes, for this analyst and article, for the session."""
        item = self.suggestion_at(offset)
        if item is None or self.document is None:
            return Refusal(NO_SUGGESTION)
        self._rejected.setdefault(self.document.id, set()).add((item.start, item.end, item.label))
        self.suggestions = [s for s in self.suggestions if s is not item]
        return Change(message=f"rejected {item.label} '{one_line(self.document.text[item.start:item.end], 40)}'")

    def _visible(self) -> list[Span]:
        assert self.document is not None
        if self.viewing is None:
            return self.reader.spans(self.document.id, self.annotator)
        if self.viewing == "*":
            return self.reader.spans(self.document.id)
        return self.reader.spans(self.document.id, self.viewing)

    def ordered(self) -> list[Span]:
        """The visible spans in reading order (start, longest first, label)."""
        return sorted(self.spans.values(), key=lambda s: (s.start, -s.end, s.label, s.annotator))

    @property
    def editable(self) -> bool:
        return self.viewing is None

    @property
    def saving(self) -> int:
        return len(self._pending)

    def history_flags(self) -> tuple[bool, bool]:
        if self.document is None:
            return False, False
        return self.reader.history_flags(self.document.id, self.annotator)

    # -- the rules -----------------------------------------------------------------

    def _check(self) -> Refusal | None:
        if self.document is None:
            return Refusal("No article is open")
        if self.reader.read_only:
            return Refusal(f"This database is read-only ({self.reader.read_only_reason}): nothing can be saved")
        if not self.editable:
            return Refusal("Others' spans are read-only here: press v until you see your own")
        if self.writer is None:
            return Refusal("Nothing can be saved here")
        return None

    def label_kind(self, label: str) -> str:
        return next((item.kind for item in self.labels if item.name == label), "")

    def smart_range(self, offset: int, label: str) -> tuple[int, int] | None:
        """What a label key tags with nothing selected: the unit its kind wants at offset."""
        if self.document is None:
            return None
        return smart_unit_for(self.document.text, offset, self.label_kind(label))

    def tag_at(self, offset: int, label: str) -> Change | Refusal:
        """A label key with nothing selected: tag the smart unit at the cursor."""
        if refused := self._check():
            return refused
        found = self.smart_range(offset, label)
        if found is None:
            return Refusal(f"Nothing to tag at the cursor: put it on a word. {QUIT_AND_SAVED}")
        return self.tag(*found, label)

    def tag(self, start: int, end: int, label: str) -> Change | Refusal:
        """A new span on text[start:end], drawn at once and saved behind."""
        if refused := self._check():
            return refused
        assert self.document is not None
        document = self.document
        if not 0 <= start < end <= len(document.text):
            return Refusal("Select some text first")
        if any(s.start == start and s.end == end and s.label == label for s in self.spans.values()):
            return Refusal(already_tagged(label))
        uid = uuid.uuid4().hex
        stamp = now()
        attrs = self._filled_attrs(label, document.text[start:end])
        span = Span(uid, document.id, start, end, label, self.annotator, document.text[start:end], attrs=dict(attrs), created_at=stamp, updated_at=stamp)
        self.spans[uid] = span
        self.last_tagged = uid
        self._drop_offers_under([(start, end)])
        self._submit(
            f"tagged {label}", (), (uid,),
            lambda store: store.add_span(document, start, end, label, self.annotator, attrs=attrs or None, uid=uid),
        )
        return Change(upserted=(span,), active=uid)

    def tag_many(self, ranges: list[tuple[int, int]], label: str, what: str) -> Change | Refusal:
        """Several new spans with one label, written as one batch: one `u` takes them all back."""
        if refused := self._check():
            return refused
        assert self.document is not None
        document = self.document
        have = {(s.start, s.end) for s in self.spans.values() if s.label == label}
        wanted = sorted({r for r in ranges if 0 <= r[0] < r[1] <= len(document.text) and r not in have})
        if not wanted:
            return Refusal(already_tagged(label))
        stamp = now()
        new = [
            Span(
                uuid.uuid4().hex, document.id, start, end, label, self.annotator, document.text[start:end],
                attrs=self._filled_attrs(label, document.text[start:end]), created_at=stamp, updated_at=stamp,
            )
            for start, end in wanted
        ]
        for span in new:
            self.spans[span.uid] = span
        self._drop_offers_under(wanted)
        items = [(s.start, s.end, s.label, s.uid) for s in new]
        filled = {s.uid: s.attrs for s in new if s.attrs}
        annotator = self.annotator

        def run(store: Store) -> list[Span]:
            # Values of quantities go in the same batch as their tags: one undo takes both.
            with store.batch():
                added = store.add_spans(document, items, annotator)
                return [
                    store.set_span_attrs(span.uid, filled[span.uid], annotator) if span.uid in filled else span
                    for span in added
                ]

        self._submit(what, (), tuple(s.uid for s in new), run)
        return Change(upserted=tuple(new), keep_active=True, message=what)

    def propagation_source(self, active: str | None) -> Span | None:
        """The span `*` propagates: the picked one, else the one just tagged."""
        for uid in (active, self.last_tagged):
            if uid is not None and uid in self.spans:
                return self.spans[uid]
        return None

    def propagate(self, active: str | None) -> Change | Refusal:
        """`*`: tag every other exact mention of the span's text with its label (one undo);
        near spellings become suggestions."""
        if refused := self._check():
            return refused
        assert self.document is not None
        span = self.propagation_source(active)
        if span is None:
            return Refusal("Pick a span (enter) or tag one first: * tags its other mentions")
        text = self.document.text
        mine = list(self.spans.values())
        exact = mentions(text, span.start, span.end, mine)
        near = [
            Suggestion(start, end, span.label, "gazetteer", round(score / 100, 2))
            for start, end, score in near_mentions(text, span.text, mine)
            if (start, end) not in exact
        ]
        quoted = f"'{one_line(span.text, 40)}'"
        what = f"propagated {span.label} to {len(exact)} mention{'s' if len(exact) != 1 else ''}"
        answer: Change | Refusal = self.tag_many(exact, span.label, what) if exact else Change()
        if isinstance(answer, Refusal):
            return answer
        before = len(self.suggestions)
        self._add_offers(near)  # after the tags: a near spelling they cover is not offered
        offered = len(self.suggestions) - before
        near_note = f"; {offered} near spelling{'s' if offered != 1 else ''} suggested (y accepts)" if offered else ""
        if not exact:
            if offered:
                return Change(message=f"No other exact mention of {quoted}{near_note}")
            return Refusal(f"No other mention of {quoted} in this article")
        return replace(answer, active=span.uid, message=f"{what} of {quoted}{near_note}")

    def propagate_to_corpus(self, active: str | None) -> Change | Refusal:
        """The palette's "propagate to the corpus": every article, one undo per article."""
        if refused := self._check():
            return refused
        assert self.document is not None
        span = self.propagation_source(active)
        if span is None:
            return Refusal("Pick a span (enter) or tag one first: its text is propagated")
        here = self.document.id
        phrase, label, annotator = span.text, span.label, self.annotator
        self._submit(
            f"propagating {label} '{one_line(phrase, 30)}' to the corpus",
            (),
            (),
            lambda store: propagate_to_corpus(store, phrase, label, annotator, here=here),
        )
        return Change()

    def retag(self, uid: str, label: str) -> Change | Refusal:
        if refused := self._check():
            return refused
        span = self.spans.get(uid)
        if span is None:
            return Refusal("That span is no longer here")
        if span.label == label:
            return Refusal(f"Already {label}")
        if any(s.start == span.start and s.end == span.end and s.label == label for s in self.spans.values()):
            return Refusal(already_tagged(label))
        return self._update(span, f"retagged {span.label} → {label}", label=label)

    def resize(self, uid: str, edge: str, direction: int, words: bool) -> Change | Refusal:
        """Move one edge of a span by a word (or a character)."""
        if refused := self._check():
            return refused
        assert self.document is not None
        span = self.spans.get(uid)
        if span is None:
            return Refusal("That span is no longer here")
        start, end = resize_range(self.document.text, span.start, span.end, edge, direction, words)
        if start >= end or (start, end) == (span.start, span.end):
            return Refusal("")
        if any(s.start == start and s.end == end and s.label == span.label for s in self.spans.values() if s.uid != uid):
            return Refusal(already_tagged(span.label))
        return self._update(span, f"resized {span.label}", start=start, end=end)

    def set_note(self, uid: str, note: str) -> Change | Refusal:
        if refused := self._check():
            return refused
        span = self.spans.get(uid)
        if span is None:
            return Refusal("That span is no longer here")
        if note == span.note:
            return Refusal("")
        return self._update(span, "noted" if note else "removed note", note=note)

    def _filled_attrs(self, label: str, text: str, span: Span | None = None) -> dict[str, object]:
        """attrs a tag fills by itself: a quantity's value read from its text (not once edited)."""
        if self.label_kind(label) != "quantity":
            return {}
        if span is not None and span.attrs.get("quantity_edited"):
            return {}
        from annotator.session.knowledge import quantity_attr

        return {"quantity": quantity_attr(text)}

    def _update(self, span: Span, what: str, **changes: object) -> Change:
        assert self.document is not None
        document = self.document
        start = changes.get("start", span.start)
        end = changes.get("end", span.end)
        text = document.text[start:end]  # type: ignore[misc]
        label = str(changes.get("label", span.label))
        filled: dict[str, object] = {}
        if "start" in changes or "end" in changes or "label" in changes:
            filled = self._filled_attrs(label, text, span)
            if filled and filled["quantity"] == span.attrs.get("quantity"):
                filled = {}
            if self.label_kind(label) != "quantity" and "quantity" in span.attrs:
                filled = {"quantity": None, "quantity_edited": None}  # no longer a quantity: no value
        after = replace(span, **changes, text=text, updated_at=now())  # type: ignore[arg-type]
        if filled:
            attrs = {**span.attrs, **filled}
            after = replace(after, attrs={key: value for key, value in attrs.items() if value is not None})
        self.spans[span.uid] = after
        annotator = self.annotator

        def run(store: Store) -> Span:
            if not filled:
                return store.update_span(document, span.uid, annotator, **changes)  # type: ignore[arg-type]
            # The value follows the new text in the same batch: one undo restores both.
            with store.batch():
                store.update_span(document, span.uid, annotator, **changes)  # type: ignore[arg-type]
                return store.set_span_attrs(span.uid, filled, annotator)

        self._submit(what, (span,), (span.uid,), run)
        return Change(upserted=(after,), active=span.uid)

    def delete(self, uid: str) -> Change | Refusal:
        if refused := self._check():
            return refused
        assert self.document is not None
        document = self.document
        span = self.spans.pop(uid, None)
        if span is None:
            return Refusal("That span is no longer here")
        self._submit(f"deleted {span.label}", (span,), (), lambda store: store.delete_span(document, uid, self.annotator))
        return Change(removed=(uid,), keep_active=False)

    def undo(self) -> Refusal | None:
        """Queued like any write; what it changed comes back through settle()."""
        return self._history("undo")

    def redo(self) -> Refusal | None:
        return self._history("redo")

    def _history(self, op: str) -> Refusal | None:
        if refused := self._check():
            return refused
        assert self.document is not None
        document = self.document

        def step(store: Store) -> ActionResult | None:
            return store.undo(document, self.annotator) if op == "undo" else store.redo(document, self.annotator)

        self._submit(op, (), (), step)
        return None

    def toggle_done(self) -> tuple[str, Refusal | None]:
        """Mark the article done (or not done again); returns the new state."""
        if self.document is None:
            return "", Refusal("No article is open")
        if self.reader.read_only:
            return "", Refusal(f"This database is read-only ({self.reader.read_only_reason}): nothing can be saved")
        if self.writer is None:
            return "", Refusal("Nothing can be saved here")
        document_id = self.document.id
        state = self.reader.progress_of(self.annotator, document_id)
        new_state = "in_progress" if state == "done" else "done"
        what = "marked done" if new_state == "done" else "marked not done"
        self._submit(what, (), (), lambda store: store.set_progress(self.annotator, document_id, new_state))
        return new_state, None

    # -- writes and their outcomes ---------------------------------------------------

    def _submit(self, what: str, before: tuple[Span, ...], after: tuple[str, ...], run) -> None:  # type: ignore[no-untyped-def]
        assert self.writer is not None
        ticket = self.writer.submit(what, run, owner=self)
        self._pending[ticket] = _Pending(before, after, what)
        self.state = SaveState("saving", f"saving… {what}")

    def waiting(self, seconds: float) -> SaveState:
        """The writer is waiting for another process's write lock."""
        self.state = waiting_state(seconds)
        return self.state

    def settle(self, outcome: Outcome) -> Settled:
        """Fold a write's outcome into the screen's state."""
        # A job kept for retry is still pending: its change stays drawn.
        pending = self._pending.get(outcome.ticket) if outcome.kept else self._pending.pop(outcome.ticket, None)
        what = outcome.job.what
        if outcome.error is None:
            if what in ("undo", "redo") and outcome.result is None:
                self.state = SaveState("idle", f"nothing to {what}")
                return Settled(self.state, message=f"nothing to {what}")
            if isinstance(outcome.result, Span) or (isinstance(outcome.result, list) and outcome.result):
                self._has_tagged = True
            if isinstance(outcome.result, ActionResult):
                what = self._describe_history(what, outcome.result)
            if isinstance(outcome.result, CorpusPropagation):
                what = outcome.result.message
                if outcome.result.added:
                    self._has_tagged = True
            change = self._committed(outcome.result, pending)
            left = len(self._pending)
            text = f"saved: {what}" if not left else f"saved: {what} ({left} more saving…)"
            self.state = SaveState("saved", text)
            return Settled(self.state, change)
        if isinstance(outcome.error, StaleDocumentError):
            self._pending.clear()
            self.state = SaveState("failed", f"NOT SAVED: {outcome.error}")
            return Settled(self.state, reload=True, message=str(outcome.error))
        if outcome.kept:
            self.state = kept_state(outcome.error, self.writer.held if self.writer is not None else 0)
            return Settled(self.state, message=f"{what}: {outcome.error}")
        # Refused by a rule the screen could not check (another process got there first).
        revert = self._revert(pending)
        self.state = SaveState("refused", plain_refusal(outcome.error))
        return Settled(self.state, revert, message=self.state.text)

    def retry(self) -> bool:
        return self.writer.retry() if self.writer is not None else False

    def _describe_history(self, op: str, result: ActionResult) -> str:
        """Words for an undo or redo, before its effect is folded into `spans`."""
        steps = result.changed or [result]
        if len(steps) > 1:
            return f"{op}: {len(steps)} changes"
        step = steps[0]
        uid = step.span.uid if step.span is not None else step.removed_uid
        if uid is None:  # a review decision, not a span
            return step.description
        before = self.spans.get(uid)
        if before is not None and step.span is not None and before.attrs != step.span.attrs and (
            (before.label, before.start, before.end, before.note) == (step.span.label, step.span.start, step.span.end, step.span.note)
        ):
            from annotator.session.knowledge import describe_attrs

            return describe_attrs(op, before, step.span, self._entity_name)
        return describe_step(op, before, step.span)

    def _entity_name(self, uid: str) -> str:
        """An entity's name for an undo message (its uid when the registry has no such entity)."""
        if uid in self.entity_names:
            return self.entity_names[uid]
        entity = self.reader.entity(uid)
        return one_line(entity.name, 40) if entity is not None else uid

    def _committed(self, result: object, pending: _Pending | None) -> Change | None:
        """The database's version of what was drawn: ids and stamps; an undo's effect."""
        if isinstance(result, ActionResult):
            return self._history_change(result)
        if isinstance(result, Span) and result.uid in self.spans:
            self.spans[result.uid] = result
            return Change(upserted=(result,), active=None)
        if isinstance(result, list) and pending is not None:
            # A batch: the database's spans; one it skipped (already there) is taken off.
            stored = {span.uid: span for span in result if isinstance(span, Span)}
            for span in stored.values():
                if span.uid in self.spans:
                    self.spans[span.uid] = span
            gone = tuple(uid for uid in pending.after if uid not in stored and self.spans.pop(uid, None) is not None)
            return Change(upserted=tuple(stored.values()), removed=gone, active=None)
        if isinstance(result, CorpusPropagation) and self.document is not None and self.editable:
            here = [span for span in result.spans_here if span.document_id == self.document.id]
            for span in here:
                self.spans[span.uid] = span
            self._drop_offers_under([(span.start, span.end) for span in here])
            return Change(upserted=tuple(here), active=None, message=result.message)
        return None

    def _history_change(self, result: ActionResult) -> Change:
        upserted: list[Span] = []
        removed: list[str] = []
        for step in result.changed or [result]:
            if step.span is not None and step.span.document_id == (self.document.id if self.document else -1):
                self.spans[step.span.uid] = step.span
                upserted.append(step.span)
            elif step.removed_uid is not None:
                self.spans.pop(step.removed_uid, None)
                removed.append(step.removed_uid)
        active = result.span.uid if result.span is not None else None
        return Change(tuple(upserted), tuple(removed), active=active, keep_active=active is not None, history=True)

    def _revert(self, pending: _Pending | None) -> Change | None:
        if pending is None:
            return None
        for uid in pending.after:
            self.spans.pop(uid, None)
        for span in pending.before:
            self.spans[span.uid] = span
        restored = {s.uid for s in pending.before}
        return Change(
            upserted=pending.before,
            removed=tuple(uid for uid in pending.after if uid not in restored),
            keep_active=False,
        )
