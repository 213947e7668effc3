"""Command palette entries: labels, articles and the main actions.

Entries are cut by cells to the palette's width, so a wide title stays on one row.
"""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandList, DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.cells import clip_cells


def literal_highlight(matcher: Matcher, candidate: str) -> Content:
    """Like Matcher.highlight, but the candidate is text, never markup (titles are data)."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def entry_cells(provider: Provider) -> int:
    """Cells an entry gets: the palette's list spans the screen, less the entries' padding
    and a scrollbar (counted even before there is one: results arrive in batches)."""
    padding = 4  # Textual's CommandList gives an entry 2 cells either side
    for command_list in provider.app.screen.query(CommandList):
        padding = command_list.get_component_styles("option-list--option").padding.width
    return max(provider.app.size.width - padding - 2, 12)


class ConfirmScreen(ModalScreen[bool]):
    """A yes / no question before an action that reaches beyond the open article."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen #confirm-dialog {
        width: 70;
        max-width: 100%;
        height: auto;
        border: round $warning;
        padding: 1 2;
        background: $surface;
    }
    """

    BINDINGS: list[BindingType] = [
        Binding("y,enter", "dismiss(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "dismiss(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            # The question quotes article text: shown literally, never as markup.
            yield Static(Content(self.question), id="confirm-question")
            yield Static(Content.assemble(("y", "bold"), " / enter: yes    ", ("n", "bold"), " / escape: no"))


class LabelCommands(Provider):
    """Tag the selection (or retag the picked span) with any label, even one without a key."""

    async def search(self, query: str) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        matcher = self.matcher(query)
        cells = entry_cells(self)
        for label in screen.labels:
            name = f"Tag as {clip_cells(label.name, min(30, cells - 7))}"
            score = matcher.match(f"{name} {label.kind}")
            if score > 0:
                yield Hit(score, literal_highlight(matcher, name), partial(screen.action_tag, label.name), help=escape(clip_cells(label.description, cells)))

    async def discover(self) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        cells = entry_cells(self)
        for label in screen.labels:
            name = f"Tag as {clip_cells(label.name, min(30, cells - 7))}"
            yield DiscoveryHit(Content(name), partial(screen.action_tag, label.name), help=escape(clip_cells(label.description, cells)))


class ArticleCommands(Provider):
    """Open any article by title."""

    async def search(self, query: str) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        matcher = self.matcher(query)
        cells = entry_cells(self)
        for document in screen.documents:
            title = f"Open: {clip_cells(document.title, cells - 6)}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, literal_highlight(matcher, title), partial(screen.open_document, document.id), help=escape(clip_cells(document.key, cells)))


class ActionCommands(Provider):
    """The screen's main actions, so they can be found by name."""

    ACTIONS = [
        ("Undo", "undo", "Undo your last change in this article"),
        ("Redo", "redo", "Redo what you undid"),
        ("Next article", "next_document(1)", "Open the next article"),
        ("Previous article", "next_document(-1)", "Open the previous article"),
        ("Article list", "articles", "All articles with progress"),
        ("Toggle word / character selection", "toggle_precision", "Snap selections to words or not"),
        ("Delete picked span", "delete_span", "Delete the span picked with enter"),
        ("Edit note of picked span", "edit_note", "Add a free-text note"),
        ("Tag all mentions in this article", "propagate", "* : the picked or just tagged span's text, one undo"),
        ("Propagate to the corpus", "propagate_corpus", "Tag the picked span's text in every article (asks first)"),
        ("Accept suggestion", "accept_suggestion", "y : the ghost span at the cursor becomes yours"),
        ("Accept all suggestions of this label", "accept_all_suggestions", "Y : one undo"),
        ("Reject suggestion", "reject_suggestion", "x : the ghost span at the cursor goes"),
        ("Link entity", "link_panel", "L : candidates for the picked name; 1-5 link, n new entity"),
        ("Link to the best candidate", "link_best", "= : the top candidate, or a new entity"),
        ("Entities", "entities", "E : the registry, mentions, rename, merge, split"),
        ("Attribute claim", "attribute", "A : source, cue, form and stance from the text"),
        ("Edit attribution", "edit_attribution", "ctrl+a : source, cue, form, stance, disputed claim"),
        ("Claims by source", "toggle_by_source", "B : group the article's claims by source"),
        ("Edit quantity value", "edit_quantity", "# : value, range, unit, currency, counted noun"),
        ("Quantities", "quantities", "Q : every quantity in the corpus by what it counts"),
        ("Keys", "help", "Every key binding"),
    ]

    async def search(self, query: str) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        matcher = self.matcher(query)
        for name, action, help_text in self.ACTIONS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, literal_highlight(matcher, name), partial(screen.run_action, action), help=help_text)

    async def discover(self) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        for name, action, help_text in self.ACTIONS:
            yield DiscoveryHit(name, partial(screen.run_action, action), help=help_text)
