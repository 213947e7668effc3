"""Command palette entries: labels, articles and the main actions."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from annotator.text import one_line


def literal_highlight(matcher: Matcher, candidate: str) -> Content:
    """Like Matcher.highlight, but the candidate is text, never markup (titles are data)."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class LabelCommands(Provider):
    """Tag the selection (or retag the picked span) with any label, even one without a key."""

    async def search(self, query: str) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        matcher = self.matcher(query)
        for label in screen.labels:
            name = f"Tag as {one_line(label.name, 30)}"
            score = matcher.match(f"{name} {label.kind}")
            if score > 0:
                yield Hit(score, literal_highlight(matcher, name), partial(screen.action_tag, label.name), help=escape(one_line(label.description, 100)))

    async def discover(self) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        for label in screen.labels:
            yield DiscoveryHit(Content(f"Tag as {one_line(label.name, 30)}"), partial(screen.action_tag, label.name), help=escape(one_line(label.description, 100)))


class ArticleCommands(Provider):
    """Open any article by title."""

    async def search(self, query: str) -> Hits:
        from annotator.tui.screens.annotate import AnnotateScreen

        screen = self.screen
        if not isinstance(screen, AnnotateScreen):
            return
        matcher = self.matcher(query)
        for document in screen.documents:
            title = f"Open: {one_line(document.title, 80)}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, literal_highlight(matcher, title), partial(screen.open_document, document.id), help=escape(one_line(document.key, 60)))


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
