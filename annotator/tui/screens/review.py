"""Adjudication: all analysts' spans on one article, grouped, settled into the gold set.

Gold spans are stored under the reserved annotator name `gold`; each records the
reviewer and the analysts (and span uids) it came from. A number key toggles that
version of the group in or out of gold, so a group can end with several gold spans
(one analyst's two spans against another's one span over both).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal
from textual.screen import Screen

from annotator.errors import AnnotatorError, StaleDocumentError
from annotator.labels import APP_KEYS
from annotator.model import Document, Label, Span
from annotator.review import GOLD, Group, gold_attrs, group_spans, is_analyst
from annotator.store import Store
from annotator.text import resize_range
from annotator.tui.widgets.article_view import ArticleView
from annotator.tui.widgets.bars import DocumentHeader, StatusBar
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.review_panel import ReviewPanel


class ReviewScreen(Screen[None]):
    """Compare analysts on one article and adjudicate the gold set, from the keyboard."""

    BINDINGS: list[BindingType] = [
        Binding("tab", "next_disagreement(1)", "Next ≠", priority=True, id="review.next"),
        Binding("shift+tab", "next_disagreement(-1)", "Prev ≠", show=False, priority=True, id="review.previous"),
        Binding("j", "move_group(1)", "Next group", show=False, id="review.down"),
        Binding("k", "move_group(-1)", "Previous group", show=False, id="review.up"),
        Binding("1", "toggle(1)", "Gold ± 1-9", id="review.accept.1"),
        *[
            Binding(str(n), f"toggle({n})", f"Version {n} in / out of gold", show=False, id=f"review.accept.{n}")
            for n in range(2, 10)
        ],
        Binding("e", "next_gold", "Next ★ to edit", id="review.next_gold"),
        Binding("A", "accept_agreed", "Accept agreed", id="review.accept_agreed"),
        Binding("x", "reject", "Reject", id="review.reject"),
        Binding("left_square_bracket", "resize('start', -1)", "Grow start", show=False, id="review.grow_start"),
        Binding("left_curly_bracket", "resize('start', 1)", "Shrink start", show=False, id="review.shrink_start"),
        Binding("right_square_bracket", "resize('end', 1)", "Grow end", show=False, id="review.grow_end"),
        Binding("right_curly_bracket", "resize('end', -1)", "Shrink end", show=False, id="review.shrink_end"),
        Binding("u,ctrl+z", "undo", "Undo", id="review.undo"),
        Binding("D", "toggle_adjudicated", "Adjudicated", id="review.done"),
        Binding("n", "next_document(1)", "Next", show=False, id="review.next_document"),
        Binding("b", "next_document(-1)", "Prev", show=False, id="review.previous_document"),
        Binding("a", "articles", "Articles", id="review.articles"),
        Binding("escape", "app.pop_screen", "Back", id="review.back"),
    ]

    def __init__(self, store: Store, reviewer: str, document_id: int) -> None:
        super().__init__()
        self.store = store
        self.reviewer = reviewer
        self.document_id = document_id
        self.labels: list[Label] = store.labels()
        self.kind_of = {label.name: label.kind for label in self.labels}
        self.document: Document | None = None
        self.groups: list[Group] = []
        self.coders: list[str] = []
        self.current = 0
        # The gold span label keys and [ ] { } edit when a group has several: the one
        # last put in gold, or the one `e` moved to (see edited_gold).
        self.editing: str | None = None

    def compose(self) -> ComposeResult:
        yield DocumentHeader(id="review-header")
        with Horizontal(id="workspace"):
            yield ArticleView(id="review-article")
            yield ReviewPanel(id="review-panel")
        yield StatusBar(id="review-status")
        yield KeyBar()

    @property
    def view(self) -> ArticleView:
        return self.query_one("#review-article", ArticleView)

    @property
    def panel(self) -> ReviewPanel:
        return self.query_one("#review-panel", ReviewPanel)

    def on_mount(self) -> None:
        # Label keys retag the gold span of the current group.
        label_bindings = [
            Binding(label.key, f"retag('{label.name}')", label.name, show=False, id=f"review.label.{label.name}")
            for label in self.labels
            if label.key and label.key not in APP_KEYS and not label.key.isdigit()
        ]
        existing = [b for bindings in self._bindings.key_to_bindings.values() for b in bindings]
        self._bindings = BindingsMap([*existing, *label_bindings])
        self.panel.set_labels(self.labels)
        self.query_one(StatusBar).annotator = f"reviewing as {self.reviewer}"
        self.load(self.document_id)
        self.query_one("#group-list").focus()

    # -- loading ---------------------------------------------------------------

    def load(self, document_id: int, keep: int | None = None) -> None:
        first_load = self.document is None or self.document.id != document_id
        self.document = self.store.document(document_id)
        by_annotator = self.store.spans_by_annotator(document_id)
        progress = self.store.progress().get(document_id, {})
        self.coders = sorted(
            {a for a in by_annotator if is_analyst(a)} | {a for a, s in progress.items() if s == "done" and is_analyst(a)}
        )
        # Model suggestions are no analyst's version: review compares people, and gold.
        spans = [s for name, spans in by_annotator.items() if is_analyst(name) or name == GOLD for s in spans]
        self.groups = group_spans(spans, self.coders, self.kind_of, self.store.rejected(document_id))
        self.current = min(keep if keep is not None else 0, max(len(self.groups) - 1, 0))
        analyst_spans = [s for s in spans if s.annotator != GOLD]
        if first_load:
            self.view.load(self.document.text, analyst_spans, self.labels)
        else:
            self.view.set_spans(analyst_spans)
        self.panel.set_groups(self.groups, self.current if self.groups else None, self.coders, self._editing_uid())
        self._show_header()
        if self.groups:
            self._show_group(self.current)
        self.refresh_bindings()

    def _show_header(self) -> None:
        assert self.document is not None
        documents = self.store.list_documents()
        ids = [d.id for d in documents]
        position = ids.index(self.document.id) + 1 if self.document.id in ids else 0
        adjudicated = self.store.progress().get(self.document.id, {}).get(GOLD) == "done"
        pending = sum(1 for g in self.groups if not g.settled)
        hint = f"REVIEW · {pending} pending" + (" · adjudicated ✓" if adjudicated else "")
        self.query_one(DocumentHeader).show(self.document.title, position, len(documents), hint)

    def _show_group(self, index: int) -> None:
        if not self.groups:
            return
        self.current = index
        group = self.groups[index]
        # Exactly the analysts' range, punctuation and all: this shows, it is not tagged.
        self.view.select_range(group.start, group.end, exact=True)
        self.view.scroll_to_offset(group.start)
        self.panel.highlight(index, group, self._editing_uid())
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`e` only means something (and only shows) when the group has several gold spans."""
        if action == "next_gold":
            return bool(self.groups) and len(self.groups[self.current].gold) > 1
        return True

    # -- navigation ------------------------------------------------------------

    def action_move_group(self, step: int) -> None:
        if self.groups:
            self._show_group(min(max(self.current + step, 0), len(self.groups) - 1))

    def action_next_disagreement(self, step: int) -> None:
        indexes = [i for i, g in enumerate(self.groups) if g.status == "disagreement"]
        if not indexes:
            self.app.bell()
            self.notify("No disagreements in this article", timeout=2)
            return
        if step > 0:
            target = next((i for i in indexes if i > self.current), indexes[0])
        else:
            target = next((i for i in reversed(indexes) if i < self.current), indexes[-1])
        self._show_group(target)

    @on(ReviewPanel.GroupHighlighted, "#review-panel")
    def _group_highlighted(self, event: ReviewPanel.GroupHighlighted) -> None:
        self._show_group(event.index)

    def action_next_document(self, step: int) -> None:
        documents = self.store.list_documents()
        ids = [d.id for d in documents]
        index = ids.index(self.document_id) + step if self.document_id in ids else 0
        if not 0 <= index < len(ids):
            self.notify("No more articles that way", timeout=2)
            return
        self.document_id = ids[index]
        self.load(self.document_id)

    def action_articles(self) -> None:
        from annotator.tui.screens.articles import ArticleListScreen

        documents = self.store.list_documents()
        progress = self.store.progress()
        flags: dict[int, set[str]] = {}
        for summary in documents:
            by_annotator = self.store.spans_by_annotator(summary.id)
            coders = sorted(a for a in by_annotator if is_analyst(a))
            spans = [s for name, spans in by_annotator.items() if is_analyst(name) or name == GOLD for s in spans]
            groups = group_spans(spans, coders, self.kind_of, self.store.rejected(summary.id))
            marks: set[str] = set()
            if any(g.status == "disagreement" for g in groups):
                marks.add("disagreements")
            if progress.get(summary.id, {}).get(GOLD) != "done":
                marks.add("unadjudicated")
            flags[summary.id] = marks

        def chosen(document_id: int | None) -> None:
            if document_id is not None:
                self.document_id = document_id
                self.load(document_id)

        self.app.push_screen(ArticleListScreen(documents, self.document_id, progress, flags), chosen)

    # -- adjudication ----------------------------------------------------------

    def _write(self, write: Callable[[], None], what: str) -> bool:
        try:
            write()
        except StaleDocumentError as error:
            # Re-imported in a changed version meanwhile: show the stored text and spans.
            self.query_one(StatusBar).saved = f"NOT SAVED: {error}"
            self.app.bell()
            assert self.document is not None
            document_id, self.document = self.document.id, None
            self.load(document_id, keep=self.current)
            self.notify(
                f"{error}. It is reloaded: check the group and decide again.",
                title="Article changed",
                severity="warning",
                timeout=8,
                markup=False,
            )
            return False
        except (AnnotatorError, sqlite3.Error) as error:
            self.query_one(StatusBar).saved = f"NOT SAVED: {error}"
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            self.app.bell()
            return False
        self.query_one(StatusBar).saved = f"saved {datetime.now():%H:%M:%S}: {what}"
        return True

    def _group(self) -> Group | None:
        if not self.groups:
            self.app.bell()
            return None
        return self.groups[self.current]

    def action_toggle(self, number: int) -> None:
        """Put version `number` of the current group in gold, or take it out if it is there.

        Additive, so a group can end with several gold spans; one undo step either way.
        """
        group = self._group()
        document = self.document
        if group is None or document is None:
            return
        if not 1 <= number <= len(group.versions):
            self.app.bell()
            self.notify(f"This group has {len(group.versions)} version(s)", timeout=2)
            return
        version = group.versions[number - 1]
        standing = group.gold_for(number - 1)
        if standing:

            def remove() -> None:
                with self.store.batch():  # one step for undo
                    for gold in standing:
                        self.store.delete_span(document, gold.uid, GOLD)

            if self._write(remove, f"version {number} out of gold ({version.label} “{version.text}”)"):
                self.load(document.id, keep=self.current)
            return
        added: list[str] = []

        def add() -> None:
            with self.store.batch():  # one step for undo
                self.store.unreject(s.uid for v in group.versions for s in v.spans)
                span = self.store.add_span(
                    document, version.start, version.end, version.label, GOLD, attrs=gold_attrs(version, self.reviewer)
                )
                added.append(span.uid)

        if self._write(add, f"version {number} in gold: {version.label} from {', '.join(version.annotators)}"):
            self.editing = added[0]
            self.load(document.id, keep=self.current)

    def action_accept_agreed(self) -> None:
        document = self.document
        if document is None:
            return
        todo = [g for g in self.groups if g.status == "agreed" and not g.settled]
        if not todo:
            self.notify("No unsettled agreed spans here", timeout=2)
            return

        def write() -> None:
            with self.store.batch():  # one step for undo
                for group in todo:
                    version = group.versions[0]
                    self.store.add_span(
                        document, version.start, version.end, version.label, GOLD, attrs=gold_attrs(version, self.reviewer)
                    )

        if self._write(write, f"accepted {len(todo)} agreed span{'s' if len(todo) != 1 else ''}"):
            self.load(document.id, keep=self.current)

    def action_reject(self) -> None:
        group = self._group()
        document = self.document
        if group is None or document is None:
            return

        def write() -> None:
            with self.store.batch():  # one step for undo
                for gold in group.gold:
                    self.store.delete_span(document, gold.uid, GOLD)
                self.store.reject(document.id, [s.uid for v in group.versions for s in v.spans], self.reviewer)

        if self._write(write, "rejected the group"):
            self.load(document.id, keep=self.current)

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

    def _editing_uid(self) -> str | None:
        if not self.groups:
            return None
        gold = self.edited_gold(self.groups[self.current])
        return gold.uid if gold else None

    def action_next_gold(self) -> None:
        """Edit the next gold span of the group (in reading order, wrapping)."""
        group = self._group()
        if group is None:
            return
        current = self.edited_gold(group)
        if current is None or len(group.gold) < 2:
            self.app.bell()
            return
        uids = [g.uid for g in group.gold]
        self.editing = uids[(uids.index(current.uid) + 1) % len(uids)]
        self.panel.show_details(group, self.editing)

    def _gold_of_group(self) -> tuple[Group, Span] | None:
        group = self._group()
        if group is None:
            return None
        gold = self.edited_gold(group)
        if gold is None:
            self.app.bell()
            self.notify("Put a version in gold first (1-9); then label keys and [ ] { } edit the gold span", timeout=3)
            return None
        self.editing = gold.uid
        return group, gold

    def action_retag(self, label: str) -> None:
        found = self._gold_of_group()
        document = self.document
        if found is None or document is None:
            return
        _, gold = found
        if self._write(lambda: self.store.update_span(document, gold.uid, GOLD, label=label), f"gold retagged {label}"):
            self.load(document.id, keep=self.current)

    def action_resize(self, edge: str, direction: int) -> None:
        found = self._gold_of_group()
        document = self.document
        if found is None or document is None:
            return
        _, gold = found
        start, end = resize_range(document.text, gold.start, gold.end, edge, direction, True)
        if start >= end:
            self.app.bell()
            return
        if self._write(lambda: self.store.update_span(document, gold.uid, GOLD, start=start, end=end), "gold resized"):
            self.load(document.id, keep=self.current)

    def action_undo(self) -> None:
        document = self.document
        if document is None:
            return
        result = None

        def write() -> None:
            nonlocal result
            result = self.store.undo(document, GOLD)

        if self._write(write, "undo in gold"):
            if result is None:
                self.notify("Nothing to undo in the gold set", timeout=2)
            self.load(document.id, keep=self.current)

    def action_toggle_adjudicated(self) -> None:
        document = self.document
        if document is None:
            return
        state = self.store.progress().get(document.id, {}).get(GOLD)
        new_state = None if state == "done" else "done"
        if self._write(lambda: self.store.set_progress(GOLD, document.id, new_state), "adjudicated" if new_state else "reopened"):
            self._show_header()
