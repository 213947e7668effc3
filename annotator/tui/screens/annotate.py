"""The annotation screen: draws what the article session decides.

Changes are drawn at once and written behind by the app's writer; the status line says
`saving…` until the database committed them, then `saved`.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen

from annotator.labels import APP_KEYS
from annotator.model import Document, DocumentSummary, Label, Span
from annotator.session.article import ArticleSession, Change, Refusal, SaveState
from annotator.session.knowledge import Knowledge
from annotator.session.suggestions import CorpusPropagation, article_suggestions
from annotator.session.writer import Outcome
from annotator.store import Store
from annotator.cells import clip_cells
from annotator.text import one_line
from annotator.units import Suggestion
from annotator.tui.widgets.annotation_panel import AnnotationPanel
from annotator.tui.widgets.article_view import ArticleView
from annotator.tui.widgets.bars import DocumentHeader, StatusBar
from annotator.tui.widgets.key_bar import KeyBar


class AnnotateScreen(Screen[None]):
    """One article beside its annotation panel."""

    # Classes the .tcss reads to fit 80x24: a short screen drops the panel's spacing.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    BINDINGS: list[BindingType] = [
        # Most terminal apps quit on ctrl+c (and q, which tags QUANTITY here): say how to quit.
        Binding("ctrl+c", "how_to_quit", "How to quit", show=False, id="annotate.quit_hint"),
        Binding("delete,backspace", "delete_span", "Delete", id="span.delete"),
        Binding("left_square_bracket", "resize('start', -1)", "Grow start", show=False, id="span.grow_start"),
        Binding("left_curly_bracket", "resize('start', 1)", "Shrink start", show=False, id="span.shrink_start"),
        Binding("right_square_bracket", "resize('end', 1)", "Grow end", show=False, id="span.grow_end"),
        Binding("right_curly_bracket", "resize('end', -1)", "Shrink end", show=False, id="span.shrink_end"),
        Binding("e", "edit_note", "Note", id="span.note"),
        Binding("asterisk", "propagate", "Tag all mentions", id="span.propagate"),
        Binding("y", "accept_suggestion", "Accept", id="suggestion.accept"),
        Binding("Y", "accept_all_suggestions", "Accept all of label", show=False, id="suggestion.accept_all"),
        Binding("x", "reject_suggestion", "Reject", id="suggestion.reject"),
        Binding("u,ctrl+z", "undo", "Undo", id="history.undo"),
        Binding("U,ctrl+y", "redo", "Redo", show=False, id="history.redo"),
        Binding("n,ctrl+pagedown", "next_document(1)", "Next", id="document.next"),
        Binding("b,ctrl+pageup", "next_document(-1)", "Prev", show=False, id="document.previous"),
        Binding("a", "articles", "Articles", id="document.list"),
        Binding("D", "toggle_done", "Done", id="document.done"),
        Binding("v", "cycle_view", "View analysts", show=False, id="view.analysts"),
        Binding("r", "review", "Review", id="review.open"),
        Binding("S", "stats", "Stats", show=False, id="review.stats"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="document.refresh"),
        Binding("t", "toggle_precision", "Words/chars", show=False, id="view.precision"),
        Binding("f2", "toggle_panel_focus", "Panel", show=False, id="view.panel"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("ctrl+s", "retry_saving", "Retry saving", show=False, id="history.retry"),
        Binding("ctrl+f", "search", "Search all", show=False, id="document.search"),
        Binding("L", "link_panel", "Link entity", id="knowledge.link"),
        Binding("equals_sign", "link_best", "Link to best", show=False, id="knowledge.link_best"),
        Binding("A", "attribute", "Attribute", id="knowledge.attribute"),
        Binding("ctrl+a", "edit_attribution", "Edit attribution", show=False, id="knowledge.edit_attribution"),
        Binding("number_sign", "edit_quantity", "Edit value", id="knowledge.edit_quantity"),
        Binding("B", "toggle_by_source", "Claims by source", show=False, id="knowledge.by_source"),
        Binding("E", "entities", "Entities", show=False, id="knowledge.entities"),
        Binding("Q", "quantities", "Quantities", show=False, id="knowledge.quantities"),
    ]

    def __init__(self, store: Store, annotator: str) -> None:
        super().__init__()
        self.store = store
        self.annotator = annotator
        self.labels: list[Label] = store.labels()
        self.documents: list[DocumentSummary] = []
        self.document: Document | None = None
        # The rules and the writes; the writer is the app's (None for a read-only file).
        self.session = ArticleSession(store, None, annotator, self.labels)
        self.knowledge = Knowledge(self.session)
        self._last_claim: str | None = None  # the claim picked last, for ctrl+a once the cue is selected
        self._entity_names: dict[str, str] = {}  # for the span list's rows; emptied when the registry may have changed
        self.spans: list[Span] = []
        self._binding_state: tuple[bool, ...] | None = None
        self._article_view: ArticleView | None = None
        self._opened = 0  # articles opened so far: a deferred fill of the span list checks it

    def compose(self) -> ComposeResult:
        yield DocumentHeader(id="document-header")
        with Horizontal(id="workspace"):
            yield ArticleView(id="article")
            yield AnnotationPanel(id="panel")
        yield StatusBar(id="status")
        yield KeyBar()

    @property
    def view(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def panel(self) -> AnnotationPanel:
        return self.query_one("#panel", AnnotationPanel)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    def on_mount(self) -> None:
        # Label keys come from the database, so they are bound here; first, so the
        # key bar shows them before everything else.
        label_bindings = [
            Binding(label.key, f"tag('{label.name}')", label.name, id=f"label.{label.name}")
            for label in self.labels
            if label.key and label.key not in APP_KEYS
        ]
        existing = [b for bindings in self._bindings.key_to_bindings.values() for b in bindings]
        self._bindings = BindingsMap([*label_bindings, *existing])
        self.panel.set_labels(self.labels)
        self.panel.knowledge_of = self._knowledge_of
        self.panel.span_list.entity_name = self.entity_name
        self.panel.set_empty_hint(self.session.empty_details(), self.session.newcomer)
        self.view.set_labels(self.labels)
        self.status.annotator = self.annotator
        self.session.writer = getattr(self.app, "writer", None)
        self._article_view = self.view
        # The status line's position is set in the same step as the cursor, so it goes
        # out in the article's frame rather than a message hop (a frame or two) later.
        self.view.cursor_listener = self._show_cursor_position
        if self.store.read_only:
            self.status.show(SaveState("read-only", f"READ-ONLY: {self.store.read_only_reason}; you can read and export, not tag"))
        self.reload_documents()
        if self.documents:
            last = self.store.last_document(self.annotator)
            ids = [d.id for d in self.documents]
            self.open_document(last if last in ids else ids[0])
        else:
            self.query_one(DocumentHeader).show("No articles yet: quit and run `annotator import PATH`", 0, 0)
        self.view.focus()

    # -- documents -------------------------------------------------------------

    def reload_documents(self) -> None:
        from annotator.tui.screens.articles import library_documents

        # list_documents' answer, from columns kept until an article is added: a reload
        # reads the span counts only, and 100,000 articles are not 100,000 objects held.
        self.documents = library_documents(self.store, self.annotator)  # type: ignore[assignment]

    @property
    def viewing(self) -> str | None:
        """Whose spans the article shows: None for your own (editable), '*' for everyone, or a name."""
        return self.session.viewing

    @viewing.setter
    def viewing(self, value: str | None) -> None:
        self.session.viewing = value

    def open_document(self, document_id: int, cursor: int = 0) -> None:
        self.document = self.session.open(document_id)
        self.spans = self.session.ordered()
        self.view.load(self.document.text, self.spans, self.labels, cursor)
        if self.panel.by_source_shown:
            self.panel.toggle_by_source([], self.session.label_kind)
        # The article's frame goes out first; the span list (thousands of rows to sort) follows.
        self._opened += 1
        self.call_after_refresh(self._fill_panel, self._opened)
        self._show_suggestions()
        if self.session.wants_suggestions:
            self._compute_suggestions(self.document.id, self.document.text, self._opened)
        self._refresh_history_flags()
        self._show_position()

    # -- suggestions: computed in a worker, drawn as ghost spans ----------------------

    @work(thread=True, exclusive=True, group="suggestions", exit_on_error=False)
    def _compute_suggestions(self, document_id: int, text: str, opened: int) -> None:
        """The team's gazetteer matched against the article: too slow for the event loop."""
        with Store.open(self.store.path, create=False, read_only=True) as store:
            rows = store.gazetteer_rows()
        found = article_suggestions(text, rows, (), self.labels)
        self.app.call_from_thread(self._suggestions_ready, document_id, opened, found)

    def _suggestions_ready(self, document_id: int, opened: int, found: list[Suggestion]) -> None:
        if opened != self._opened or not self.editable:
            return  # another article (or view) was opened meanwhile; offers under a new tag are left out
        self.session.offer(document_id, found)
        self._show_suggestions()

    def _show_suggestions(self) -> None:
        """The article draws the session's offers as ghost spans; the panel says how many."""
        offers = list(self.session.suggestions) if self.editable else []
        draw = getattr(self.view, "set_suggestions", None)
        if draw is not None:
            draw(offers)
        self.panel.set_suggestion_count(len(offers))
        self._refresh_footer()

    def action_accept_suggestion(self) -> None:
        """y: the suggestion at the cursor becomes your span."""
        self._show_answer(self.session.accept(self.view.cursor))

    def action_accept_all_suggestions(self) -> None:
        """Y: every suggestion with the label of the one at the cursor (one undo)."""
        self._show_answer(self.session.accept_all(self.view.cursor))

    def action_reject_suggestion(self) -> None:
        """x: the suggestion at the cursor disappears for this article."""
        self._show_answer(self.session.reject(self.view.cursor))

    def action_propagate(self) -> None:
        """*: tag every other mention of the picked (or just tagged) span's text (one undo)."""
        active = self.view.active_span
        self._show_answer(self.session.propagate(active.uid if active else None))

    def action_propagate_corpus(self) -> None:
        """Tag the span's text in every article, after a confirmation."""
        from annotator.tui.commands import ConfirmScreen

        active = self.view.active_span
        span = self.session.propagation_source(active.uid if active else None)
        if span is None or not self.editable:
            self._show_answer(self.session.propagate_to_corpus(active.uid if active else None))
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                answer = self.session.propagate_to_corpus(span.uid)
                self._show_answer(answer)

        question = f"Tag every mention of '{one_line(span.text, 40)}' as {span.label} in every article? (one undo per article)"
        self.app.push_screen(ConfirmScreen(question), confirmed)

    def _fill_panel(self, opened: int) -> None:
        if opened != self._opened:
            return  # another article (or view) was opened meanwhile: its own call fills the list
        self.panel.set_spans(self.spans, self.view.active_uid, show_annotator=self.viewing == "*")

    @property
    def editable(self) -> bool:
        """Only your own spans can be changed here; others' are shown read-only."""
        return self.session.editable

    def _show_position(self) -> None:
        from annotator.tui.screens.articles import document_position

        if self.document is None:
            return
        # An index lookup in the kept corpus order, not a listing: this runs after every change.
        position, total = document_position(self.store, self.document.id)
        count = len(self.spans)
        whose = {None: "by you", "*": "by everyone (read-only)"}.get(self.viewing, f"by {self.viewing} (read-only)")
        state = self.store.progress_of(self.annotator, self.document.id)
        done = " · done ✓" if state == "done" else ""
        self.query_one(DocumentHeader).show(
            self.document.title, position, total, f"{count} span{'s' if count != 1 else ''} {whose}{done}"
        )
        self.app.sub_title = f"{position} / {total}"

    def action_next_document(self, step: int) -> None:
        from annotator.tui.screens.articles import neighbour_document

        if self.document is None:
            return
        # The neighbour in corpus order, kept until an article is added: no listing per key.
        target = neighbour_document(self.store, self.document.id, step)
        if target is None:
            self.notify("This is the last article" if step > 0 else "This is the first article", timeout=2)
            return
        self.open_document(target)

    def action_search(self) -> None:
        """Full-text search of every article and span; the chosen match opens here."""
        from annotator.tui.screens.search import Found, SearchScreen

        def chosen(found: Found | None) -> None:
            if found is None:
                return
            self.reload_documents()
            self.open_document(found.document_id, found.offset)
            self.view.move_to(found.offset)

        self.app.push_screen(SearchScreen(self.store.path, self.store.read_only), chosen)

    def action_articles(self) -> None:
        """Every article with progress; the list reads its rows from SQL as they come into view."""
        from annotator.tui.screens.articles import ArticleListScreen

        def chosen(document_id: int | None) -> None:
            if document_id is not None:
                self.open_document(document_id)

        current = self.document.id if self.document else None
        screen = ArticleListScreen(self.store, current, spans_of=self.annotator, me=self.annotator)
        self.app.push_screen(screen, chosen)

    # -- tagging ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide span keys until a span is picked, so the key bar lists the keys that apply."""
        # The key bar asks this for every binding: no DOM query per call.
        view = self._article_view
        if view is None or not self.is_mounted:
            return True
        # Label keys, undo and redo stay live: pressed at the wrong time they explain why.
        if action in ("delete_span", "resize", "edit_note"):
            # Shown on others' spans too: pressed there, they say why nothing changes.
            return view.active_span is not None
        return True

    def _picked_kind(self) -> str:
        active = self.view.active_span
        return self.session.label_kind(active.label) if active is not None else ""

    def in_key_bar(self, action: str) -> bool:
        """Suggestion keys are listed while ghost spans are drawn, `*` while there is a span to
        propagate; they stay live otherwise, and pressed then they say why nothing happens."""
        if action in ("accept_suggestion", "accept_all_suggestions", "reject_suggestion"):
            return bool(self.session.suggestions)
        if action in ("link_panel", "link_best"):
            return self._picked_kind() == "entity"
        if action in ("attribute", "edit_attribution"):
            return self._picked_kind() == "claim"
        if action == "edit_quantity":
            return self._picked_kind() == "quantity"
        if action == "propagate":
            active = self.view.active_span
            return self.session.propagation_source(active.uid if active else None) is not None
        return True

    def action_tag(self, label: str) -> None:
        """Tag the selection; with none, retag the picked span; with neither, tag the
        unit the label's kind wants at the cursor (a name, a quantity, a claim)."""
        view = self.view
        selection = view.selection
        if selection is None and view.active_span is None:
            selection = self.session.smart_range(view.cursor, label)
            if selection is None:
                self._show_answer(self.session.tag_at(view.cursor, label))
                return
        if selection is not None:
            start, end = selection
            answer = self.session.tag(start, end, label)
            if isinstance(answer, Change):
                # The new span stays picked while the cursor is on it: a label key fixes a wrong tag.
                view.anchor = None
                view.move_to(end)
        else:
            assert view.active_span is not None
            answer = self.session.retag(view.active_span.uid, label)
        self._show_answer(answer)

    def action_how_to_quit(self) -> None:
        """ctrl+c quits most terminal apps; here it says how to tag and how to quit."""
        from annotator.session.article import how_to_tag_notice

        self.notify(how_to_tag_notice(), timeout=6, markup=False)

    def action_delete_span(self) -> None:
        active = self.view.active_span
        if active is not None:
            self._show_answer(self.session.delete(active.uid))

    def action_resize(self, edge: str, direction: int) -> None:
        """Move one edge of the picked span by a word (or a character in precise mode)."""
        active = self.view.active_span
        if active is not None:
            self._show_answer(self.session.resize(active.uid, edge, direction, self.view.snap_words))

    def action_edit_note(self) -> None:
        if not self._check_editable():
            return
        from annotator.tui.screens.note import NoteScreen

        active = self.view.active_span
        if active is None or self.document is None:
            return

        def save(note: str | None) -> None:
            if note is not None:
                self._show_answer(self.session.set_note(active.uid, note))

        self.app.push_screen(NoteScreen(active, self.labels), save)

    # -- entities, attribution, quantities ------------------------------------------

    def _picked_uid(self) -> str | None:
        active = self.view.active_span
        return active.uid if active is not None else None

    def _knowledge_of(self, span: Span) -> str:
        from annotator.session.knowledge import knowledge_details

        return knowledge_details(span, self.session.label_kind(span.label), self.session.spans, self.entity_name)

    def entity_name(self, uid: str) -> str:
        """The linked entity's name for the panel (a merged one's live name); one indexed read, then kept."""
        if uid not in self._entity_names:
            entity = self.store.resolve(uid)
            self._entity_names[uid] = entity.name if entity is not None else self.session.entity_names.get(uid, "(entity being saved)")
        return self._entity_names[uid]

    def _forget_entity_names(self) -> None:
        """Renames, merges and splits happen elsewhere: names are read again."""
        self._entity_names.clear()
        self.panel.span_list._cache.clear()
        self.panel.span_list.refresh()

    def action_link_panel(self) -> None:
        """L: the top candidates for the picked mention; 1-5 link, n makes a new entity."""
        from annotator.tui.screens.link_panel import LinkChoice, LinkPanel

        active = self.view.active_span
        if active is None or self.session.label_kind(active.label) != "entity":
            self._show_answer(self.knowledge.link(active.uid if active else None, "", ""))
            return
        linked = active.attrs.get("entity")

        def chosen(choice: LinkChoice | None) -> None:
            if choice is None:
                return
            if choice[0] == "new":
                self._show_answer(self.knowledge.create_and_link(active.uid))
            else:
                self._show_answer(self.knowledge.link(active.uid, choice[1], choice[2]))

        panel = LinkPanel(self.store.path, active, self.entity_name(linked) if isinstance(linked, str) else "")
        self.app.push_screen(panel, chosen)

    def action_link_best(self) -> None:
        """=: link to the top candidate, or make a new entity when none is close enough."""
        active = self.view.active_span
        if active is None or self.session.label_kind(active.label) != "entity":
            self._show_answer(self.knowledge.link(active.uid if active else None, "", ""))
            return
        self.status.show(SaveState("saving", "ranking the registry…"))
        self._rank_and_link(active.uid, active.text, active.label, self._opened)

    @work(thread=True, exclusive=True, group="link-best", exit_on_error=False)
    def _rank_and_link(self, uid: str, text: str, label: str, opened: int) -> None:
        """The registry is prepared for ranking here, off the event loop."""
        from annotator.linking import rank_candidates
        from annotator.tui.screens.link_panel import registry_index

        found = rank_candidates(text, label, registry_index(self.store.path))
        self.app.call_from_thread(self._link_ranked, uid, found, opened)

    def _link_ranked(self, uid: str, found: list[object], opened: int) -> None:
        self.status.show(self.session.state)  # "ranking…" ends here, whatever the answer
        if opened != self._opened:
            return  # another article was opened meanwhile
        self._show_answer(self.knowledge.link_best(uid, found))

    def action_attribute(self) -> None:
        """A: the attribution read from the text (source, cue, form, stance), saved at once."""
        self._show_answer(self.knowledge.propose(self._picked_uid()))

    def action_edit_attribution(self) -> None:
        """ctrl+a: set the picked claim's source, cue, form, stance and disputed claim."""
        from annotator.tui.screens.attribution import AttributionEditor

        active = self.view.active_span
        if (active is None or self.session.label_kind(active.label) != "claim") and self.view.selection is not None:
            # Selecting the cue moved the cursor off the claim: the claim picked last is meant.
            active = self.session.spans.get(self._last_claim or "")
        if active is None or self.session.label_kind(active.label) != "claim" or self.document is None:
            self._show_answer(self.knowledge.set_attribution(active.uid if active else None, {}))
            return
        kinds = {label.name: label.kind for label in self.labels}

        def chosen(changes: dict[str, object] | None) -> None:
            if changes:
                self._show_answer(self.knowledge.set_attribution(active.uid, changes))

        screen = AttributionEditor(active, dict(self.session.spans), kinds, self.document.text, self.view.selection)
        self.app.push_screen(screen, chosen)

    def action_edit_quantity(self) -> None:
        """#: type the picked quantity's value; a resize keeps it from then on."""
        from annotator.tui.screens.quantity_form import QuantityForm

        active = self.view.active_span
        if active is None or self.session.label_kind(active.label) != "quantity":
            self._show_answer(self.knowledge.set_quantity(active.uid if active else None, {}))
            return

        def chosen(fields: dict[str, str] | None) -> None:
            if fields is not None:
                self._show_answer(self.knowledge.set_quantity(active.uid, fields))

        self.app.push_screen(QuantityForm(active), chosen)

    def action_toggle_by_source(self) -> None:
        """B: the panel groups the claims by source, or lists every span again."""
        shown = self.panel.toggle_by_source(self.spans, self.session.label_kind)
        self.notify("Claims grouped by source (B lists every span)" if shown else "Every span, in reading order", timeout=2)

    def _open_at(self, place: tuple[int, int] | None) -> None:
        if place is None:
            return
        document_id, offset = place
        self.reload_documents()
        self.open_document(document_id, offset)
        self.view.move_to(offset)

    def action_entities(self) -> None:
        """E: the entity registry; enter on a mention opens its article there."""
        from annotator.tui.screens.entities import EntitiesScreen

        labels = [label.name for label in self.labels if label.kind == "entity"]

        def back(place: tuple[int, int] | None) -> None:
            self._forget_entity_names()
            if place is None and self.document is not None:
                self.open_document(self.document.id, self.view.cursor)  # merges and splits repoint mentions here
            self._open_at(place)

        self.app.push_screen(EntitiesScreen(self.store, self.annotator, labels), back)

    def action_quantities(self) -> None:
        """Q: every quantity in the corpus by what it counts; enter opens the article there."""
        from annotator.tui.screens.quantities import QuantitiesScreen

        self.app.push_screen(QuantitiesScreen(self.store.path), self._open_at)

    # -- undo / redo -----------------------------------------------------------

    def action_undo(self) -> None:
        self._show_answer(self.session.undo())

    def action_redo(self) -> None:
        self._show_answer(self.session.redo())

    def action_retry_saving(self) -> None:
        if not self.session.retry():
            self.notify("Nothing is waiting to be saved again", timeout=2)

    # -- writes: drawn at once, settled when the writer answers ---------------------

    def _show_answer(self, answer: Change | Refusal | None) -> None:
        """Draw what the session decided; a refusal is said plainly, never as NOT SAVED."""
        if isinstance(answer, Refusal):
            # Calm: nothing was lost, so no bell and no error colour.
            if answer.message:
                self.notify(answer.message, timeout=4, markup=False)
            return
        self.status.show(self.session.state)
        if isinstance(answer, Change):
            self._draw(answer)
            if answer.message:
                self.notify(answer.message, timeout=4, markup=False)
        self._show_suggestions()

    def _draw(self, change: Change) -> None:
        for uid in change.removed:
            self._apply_change(removed=uid, keep_active=change.active if change.keep_active else None, undo_step=change.history)
        for span in change.upserted:
            keep = change.active if change.keep_active and change.active else (self.view.active_uid if change.keep_active else None)
            self._apply_change(upserted=span, keep_active=keep, undo_step=change.history)

    def write_settled(self, outcome: Outcome) -> None:
        """The writer committed, refused or kept a write of this screen's session."""
        settled = self.session.settle(outcome)
        self.status.show(settled.state)
        if settled.reload:
            self._reload_changed_article(settled.message)
            return
        if settled.state.kind == "idle" and settled.message:  # nothing to undo or redo
            self.app.bell()
            self.notify(settled.message, timeout=2)
        elif settled.state.kind == "failed":
            self.app.bell()
            self.notify(settled.message, title="Not saved", severity="error", timeout=5, markup=False)
        elif settled.state.kind == "refused":
            # Another process got there first: said plainly, nothing was lost.
            self.notify(settled.message, timeout=4, markup=False)
        elif outcome.job.what in ("undo", "redo"):
            self.notify(settled.state.text.removeprefix("saved: "), timeout=3, markup=False)
        if isinstance(outcome.result, CorpusPropagation):
            self.notify(outcome.result.message, timeout=6, markup=False)
        if isinstance(outcome.result, list | CorpusPropagation):
            self._show_suggestions()
        if settled.change is not None and not settled.change.empty:
            change = settled.change
            self._draw(change)
            if change.history and change.active is not None:
                span = self.session.spans.get(change.active)
                if span is not None:
                    self.view.move_to(span.start)
                    self.view.pick(span.uid)
        if outcome.job.what.startswith("marked"):
            self.reload_documents()
            self._show_position()
        self.panel.set_empty_hint(self.session.empty_details(), self.session.newcomer)
        self._refresh_history_flags()

    def write_waiting(self, seconds: float) -> None:
        self.status.show(self.session.waiting(seconds))

    def _check_editable(self) -> bool:
        if self.editable:
            return True
        self.app.bell()
        self.notify("Others' spans are read-only here: press v until you see your own", timeout=3)
        return False

    # -- analysts, progress, review ---------------------------------------------

    def action_cycle_view(self) -> None:
        """Your spans → each other analyst's → everyone's → yours again."""
        others = [a for a in self.store.annotators() if a != self.annotator]
        order: list[str | None] = [None, *others, "*"]
        index = order.index(self.viewing) if self.viewing in order else 0
        self.viewing = order[(index + 1) % len(order)]
        if self.document is not None:
            self.open_document(self.document.id, self.view.cursor)
        whose = {None: "your own spans", "*": "everyone's spans (read-only)"}.get(self.viewing, f"{self.viewing}'s spans (read-only)")
        self.notify(f"Showing {whose}", timeout=2, markup=False)

    def action_toggle_done(self) -> None:
        _, refused = self.session.toggle_done()
        self._show_answer(refused)

    def action_refresh(self) -> None:
        """Show other analysts' latest work (they write to the same database)."""
        if self.document is None:
            return
        self.reload_documents()
        self.open_document(self.document.id, self.view.cursor)
        self.notify("Reloaded from the database", timeout=2)

    def action_review(self) -> None:
        from annotator.tui.screens.review import ReviewScreen

        if self.document is None:
            return
        self.app.push_screen(ReviewScreen(self.store, self.annotator, self.document.id))

    def action_stats(self) -> None:
        from annotator.tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen(self.store))

    # -- plumbing --------------------------------------------------------------

    def _reload_changed_article(self, reason: str) -> None:
        """Another process replaced the article's text: show the stored version, spans re-anchored."""
        self.status.show(SaveState("failed", f"NOT SAVED: {reason}"))
        self.app.bell()
        self.reload_documents()
        if self.document is None or self.document.id not in {d.id for d in self.documents}:
            if self.documents:
                self.open_document(self.documents[0].id)
        else:
            self.open_document(self.document.id, min(self.view.cursor, len(self.store.document(self.document.id).text)))
        self.notify(
            f"{reason}. It is reloaded: check your last action and do it again.",
            title="Article changed",
            severity="warning",
            timeout=8,
            markup=False,
        )

    def _apply_change(
        self,
        upserted: Span | None = None,
        removed: str | None = None,
        keep_active: str | None = None,
        undo_step: bool = False,
    ) -> None:
        """Show one committed change: the article repaints the rows it touched, the list one row."""
        if self.document is None:
            return
        by_uid = {span.uid: span for span in self.spans}
        if removed is not None:
            by_uid.pop(removed, None)
            self.view.remove_span(removed)
        if upserted is not None:
            by_uid[upserted.uid] = upserted
            self.view.upsert_span(upserted)
        self.spans = list(by_uid.values())
        if keep_active is not None and self.view.span(keep_active):
            self.view.active_uid = keep_active
        elif keep_active is None:
            self.view.active_uid = None
        self._refresh_footer()
        # The article frame goes out first; the list, details and header follow.
        self.call_after_refresh(self._after_change, upserted, removed)

    def _after_change(self, upserted: Span | None, removed: str | None) -> None:
        if removed is not None:
            self.panel.remove(removed)
        if upserted is not None:
            self.panel.upsert(upserted)
        active = self.view.active_span
        self.panel.set_active(active.uid if active else None, active)
        self._show_position()
        self._show_cursor_position(self.view.cursor)  # the spans under it may have changed

    def _refresh_history_flags(self) -> None:
        self._refresh_footer()

    def _refresh_footer(self) -> None:
        """Refresh the key bar only when what check_action answers has changed."""
        active = self.view.active_span
        state = (
            self.editable,
            active is not None,
            bool(self.session.suggestions),
            self.session.propagation_source(active.uid if active else None) is not None,
        )
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    # -- messages from the widgets --------------------------------------------

    @on(ArticleView.CursorMoved, "#article")
    def _cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        self._show_cursor_position(event.offset)

    def _show_cursor_position(self, offset: int) -> None:
        """Line, offset and the spans under the cursor, in the status line."""
        if self.document is None:
            return
        event_offset = offset
        line = self.view.line_number(event_offset)  # not a count from the top: articles run to 100 MB
        here = self.view.spans_at(event_offset)
        names = ", ".join(clip_cells(s.label, 12) for s in here)
        self.status.position = f"line {line} · offset {event_offset}" + (f" · in {names}" if names else "")
        # No refresh_bindings() here: the key bar depends on the picked span, which
        # SpanPicked reports; rebuilding it on every arrow key costs ~50 ms.

    def on_article_view_candidate_reached(self, event: Message) -> None:
        """`;` stopped on a suggestion: say what y and x do with it (the text is data: no markup)."""
        suggestion = getattr(event, "suggestion", None)
        if suggestion is None or self.document is None:
            return
        text = one_line(self.document.text[suggestion.start : suggestion.end], 40)
        self.notify(f"Suggested {suggestion.label} '{text}': y accepts, x rejects, a label key tags it otherwise", timeout=3, markup=False)

    @on(ArticleView.SpanPicked, "#article")
    def _span_picked(self, event: ArticleView.SpanPicked) -> None:
        active = self.view.active_span
        if active is not None and self.session.label_kind(active.label) == "claim":
            self._last_claim = active.uid  # ctrl+a after selecting the cue elsewhere edits this one
        self.panel.set_active(event.uid, active)
        self._refresh_footer()

    @on(AnnotationPanel.SpanHighlighted, "#panel")
    def _panel_highlighted(self, event: AnnotationPanel.SpanHighlighted) -> None:
        span = self.view.span(event.uid)
        if span is None or (span.uid == self.view.active_uid and not isinstance(event, AnnotationPanel.SpanChosen)):
            return  # the list only followed the article; the cursor stays where it is
        self.view.anchor = None
        self.view.active_uid = span.uid
        self.view.move_to(span.start)
        self.view.scroll_to_offset(span.start)
        self.panel.show_details(span)
        self._refresh_footer()

    @on(AnnotationPanel.SpanChosen, "#panel")
    def _panel_chosen(self, event: AnnotationPanel.SpanChosen) -> None:
        self._panel_highlighted(event)
        self.view.focus()

    # -- view ------------------------------------------------------------------

    def action_toggle_precision(self) -> None:
        self.view.snap_words = not self.view.snap_words
        self.status.mode = "words" if self.view.snap_words else "characters"
        self.notify(f"Selections snap to {self.status.mode}", timeout=2)

    def action_toggle_panel_focus(self) -> None:
        if self.view.has_focus:
            self.query_one("#span-list").focus()
        else:
            self.view.focus()

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.labels))
