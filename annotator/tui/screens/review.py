"""Adjudication: all analysts' spans on one article, grouped, settled into the gold set.

The rules live in annotator/session/review.py; this screen draws the groups, sends
keys to the session, and regroups from the database when a write settles (writes run
behind, on the app's writer).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal
from textual.screen import Screen

from annotator.labels import APP_KEYS
from annotator.model import Document, Label, Span
from annotator.review import GOLD, Group
from annotator.session.article import Refusal, SaveState
from annotator.session.review import ReviewSession, Submitted, corpus_flags
from annotator.session.writer import Outcome
from annotator.store import Store
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
        Binding("ctrl+s", "retry_saving", "Retry saving", show=False, id="review.retry"),
    ]

    def __init__(self, store: Store, reviewer: str, document_id: int) -> None:
        super().__init__()
        self.store = store
        self.reviewer = reviewer
        self.document_id = document_id
        self.labels: list[Label] = store.labels()
        self.kind_of = {label.name: label.kind for label in self.labels}
        self.session = ReviewSession(store, None, reviewer, self.kind_of)
        self.current = 0

    @property
    def document(self) -> Document | None:
        return self.session.document

    @property
    def groups(self) -> list[Group]:
        return self.session.groups

    @property
    def coders(self) -> list[str]:
        return self.session.coders

    @property
    def editing(self) -> str | None:
        """The gold span label keys and [ ] { } edit when a group has several."""
        return self.session.editing

    @editing.setter
    def editing(self, uid: str | None) -> None:
        self.session.editing = uid

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
        self.session.writer = getattr(self.app, "writer", None)
        self.panel.set_labels(self.labels)
        self.panel.entity_name = self.session.entity_name
        self.query_one(StatusBar).annotator = f"reviewing as {self.reviewer}"
        self.load(self.document_id)
        self.query_one("#group-list").focus()

    # -- loading ---------------------------------------------------------------

    def load(self, document_id: int, keep: int | None = None, fresh: bool = False, settled: bool = False) -> None:
        """Open (or regroup) the article; fresh: the text itself may have changed.

        settled: regrouping after a saved write; if it put a version in gold, the list
        opens on the next group to decide (highlighting once: a second highlight in the
        same turn would bounce between the two through the list's highlight messages).
        """
        first_load = fresh or self.document is None or self.document.id != document_id
        self.session.open(document_id)
        assert self.document is not None
        move = self.session.move_on(keep) if settled and keep is not None else None
        if move is not None and move.index is not None:
            keep = move.index
        self.current = min(keep if keep is not None else 0, max(len(self.groups) - 1, 0))
        if first_load:
            self.view.load(self.document.text, self.session.analyst_spans, self.labels)
        else:
            self.view.set_spans(self.session.analyst_spans)
        self.panel.set_groups(self.groups, self.current if self.groups else None, self.coders, self._editing_uid())
        self._show_header()
        if self.groups:
            self._show_group(self.current)
        self.refresh_bindings()
        if move is not None and move.index is None:
            self.notify(
                "Every group in this article is decided. D marks it adjudicated; n opens the next article.",
                title="Nothing left to decide",
                timeout=5,
            )

    def _show_header(self) -> None:
        from annotator.tui.screens.articles import document_position

        assert self.document is not None
        position, total = document_position(self.store, self.document.id)
        adjudicated = self.session.adjudicated
        pending = sum(1 for g in self.groups if not g.settled)
        hint = f"REVIEW · {pending} pending" + (" · adjudicated ✓" if adjudicated else "")
        self.query_one(DocumentHeader).show(self.document.title, position, total, hint)

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
        from annotator.tui.screens.articles import neighbour_document

        target = neighbour_document(self.store, self.document_id, step)
        if target is None:
            self.notify("No more articles that way", timeout=2)
            return
        self.document_id = target
        self.load(self.document_id)

    def action_articles(self) -> None:
        """The article list with review flags; the corpus scan runs in a worker."""
        self.query_one(StatusBar).show(SaveState("saving", "reading every article's spans…"))
        self._scan_corpus()

    @work(thread=True, exclusive=True, group="review-articles", exit_on_error=False)
    def _scan_corpus(self) -> None:
        # A store of its own: SQLite connections belong to their thread.
        with Store.open(self.store.path, create=False, read_only=self.store.read_only) as store:
            flags = corpus_flags(store, self.kind_of)
        self.app.call_from_thread(self._show_articles, flags)

    def _show_articles(self, flags: dict[int, set[str]]) -> None:
        """The same virtual list as annotating: rows from SQL, everyone's spans counted, review flags."""
        from annotator.tui.screens.articles import ArticleListScreen

        self.query_one(StatusBar).show(self.session.state)

        def chosen(document_id: int | None) -> None:
            if document_id is not None:
                self.document_id = document_id
                self.load(document_id)

        self.app.push_screen(ArticleListScreen(self.store, self.document_id, flags=flags), chosen)

    # -- adjudication ----------------------------------------------------------

    def _answer(self, answer: Submitted | Refusal | None) -> None:
        if isinstance(answer, Refusal):
            self.app.bell()
            if answer.message:
                self.notify(answer.message, timeout=3, markup=False)
            return
        self.query_one(StatusBar).show(self.session.state)
        if self.groups:
            self.panel.show_details(self.groups[self.current], self._editing_uid())

    def write_settled(self, outcome: Outcome) -> None:
        """A write of this screen settled: regroup from the database and say how it went."""
        settled = self.session.settle(outcome)
        status = self.query_one(StatusBar)
        status.show(settled.state)
        if self.document is None:
            return
        if settled.reload:
            self.app.bell()
            self.load(self.document.id, keep=self.current, fresh=True)
            status.show(settled.state)
            self.notify(
                f"{settled.message}. It is reloaded: check the group and decide again.",
                title="Article changed",
                severity="warning",
                timeout=8,
                markup=False,
            )
            return
        if settled.message:
            self.app.bell()
            failed = settled.state.kind == "failed"
            self.notify(
                settled.message,
                title="Not saved" if failed else "",
                severity="error" if failed else "information",
                timeout=4,
                markup=False,
            )
        # After a version went into gold, on to the next group to decide (or say none is left).
        self.load(self.document.id, keep=self.current, settled=True)

    def write_waiting(self, seconds: float) -> None:
        self.query_one(StatusBar).show(self.session.waiting(seconds))

    def action_retry_saving(self) -> None:
        if not self.session.retry():
            self.notify("Nothing is waiting to be saved again", timeout=2)

    def _group(self) -> Group | None:
        if not self.groups:
            self.app.bell()
            return None
        return self.groups[self.current]

    def action_toggle(self, number: int) -> None:
        """Put version `number` of the current group in gold, or take it out if it is there."""
        if self._group() is not None:
            self._answer(self.session.toggle(self.current, number))

    def action_accept_agreed(self) -> None:
        self._answer(self.session.accept_agreed())

    def action_reject(self) -> None:
        if self._group() is not None:
            self._answer(self.session.reject(self.current))

    def edited_gold(self, group: Group) -> Span | None:
        return self.session.edited_gold(group)

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
        refused = self.session.next_gold(self.current)
        if refused is not None:
            self._answer(refused)
            return
        self.panel.show_details(group, self.editing)

    def action_retag(self, label: str) -> None:
        if self._group() is not None:
            self._answer(self.session.retag(self.current, label))

    def action_resize(self, edge: str, direction: int) -> None:
        if self._group() is not None:
            self._answer(self.session.resize(self.current, edge, direction))

    def action_undo(self) -> None:
        self._answer(self.session.undo())

    def action_toggle_adjudicated(self) -> None:
        self._answer(self.session.toggle_adjudicated())
