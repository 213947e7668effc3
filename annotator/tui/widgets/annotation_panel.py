"""The current article's spans in reading order, the picked span's details, and the label guide."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from annotator.cells import clip_cells, fit
from collections.abc import Callable

from annotator.model import Label, Span
from annotator.text import one_line
from annotator.tui.widgets.span_list import SpanList


class AnnotationPanel(Vertical):
    """Lists spans; moving through the list asks the screen to show the span in the article."""

    DEFAULT_CSS = """
    AnnotationPanel #suggestion-legend {
        display: none;
        height: auto;
    }
    AnnotationPanel #suggestion-legend.-shown {
        display: block;
    }
    AnnotationPanel #by-source {
        display: none;
        height: auto;
        max-height: 12;
    }
    AnnotationPanel #by-source.-shown {
        display: block;
    }
    """

    HELP = """
## Spans

**↑/↓** move through the article's spans; the article follows.
**enter** returns to the article with that span picked.
"""

    class SpanHighlighted(Message):
        """The analyst moved through the list to this span."""

        def __init__(self, panel: AnnotationPanel, uid: str) -> None:
            super().__init__()
            self.panel = panel
            self.uid = uid

        @property
        def control(self) -> AnnotationPanel:
            return self.panel

    class SpanChosen(SpanHighlighted):
        """The analyst pressed enter on a span in the list."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels: dict[str, Label] = {}
        self._empty_hint = "Pick a span (enter, tab or click) to see it here."
        self._picked = False
        self._teaching = False
        # The picked span's link, attribution or value (the screen knows the registry).
        self.knowledge_of: Callable[[Span], str] | None = None
        self._by_source: tuple[list[Span], Callable[[str], str]] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Spans", id="span-count", classes="panel-title")
        yield Static("", id="suggestion-legend")
        yield Static("", id="by-source")
        yield SpanList(id="span-list")
        yield Static("", id="span-details")
        yield Static("Labels", classes="panel-title")
        yield Static("", id="label-guide")

    @property
    def span_list(self) -> SpanList:
        return self.query_one("#span-list", SpanList)

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = {label.name: label for label in labels}
        self.span_list.set_labels(labels)
        # One row per label; the full guidance is in the help screen (?).
        parts: list[str | tuple[str, str]] = []
        for label in labels:
            if parts:
                parts.append("\n")
            parts.extend(
                [
                    (f" {label.key or '·'} ", "reverse"),
                    " ",
                    (fit(label.name, 10), f"bold {label.color}"),
                    (f" {one_line(label.description, 200)}", "dim"),
                ]
            )
        self.query_one("#label-guide", Static).update(Content.assemble(*parts))

    def set_spans(self, spans: list[Span], active_uid: str | None, show_annotator: bool = False) -> None:
        """Show a new set of spans (another article, or another analyst's view)."""
        self.span_list.set_spans(spans, show_annotator)
        self.span_list.highlight_uid(active_uid)
        self._show_count()
        self.show_details(next((s for s in spans if s.uid == active_uid), None))

    def upsert(self, span: Span) -> None:
        self.span_list.upsert(span)
        self._show_count()
        if self._by_source is not None:
            spans = [s for s in self._by_source[0] if s.uid != span.uid] + [span]
            self._show_by_source(spans, self._by_source[1])

    def remove(self, uid: str) -> None:
        self.span_list.remove(uid)
        self._show_count()
        if self._by_source is not None:
            self._show_by_source([s for s in self._by_source[0] if s.uid != uid], self._by_source[1])

    def toggle_by_source(self, spans: list[Span], kind_of: Callable[[str], str]) -> bool:
        """Claims grouped by source above the span list (which stays usable); again: hidden."""
        if self._by_source is not None:
            self._by_source = None
            self.query_one("#by-source", Static).remove_class("-shown")
            return False
        self._show_by_source(spans, kind_of)
        return True

    def _show_by_source(self, spans: list[Span], kind_of: Callable[[str], str]) -> None:
        from annotator.session.knowledge import by_source_text

        self._by_source = (spans, kind_of)
        shown = self.query_one("#by-source", Static)
        shown.update(Content(by_source_text(spans, kind_of)))
        shown.add_class("-shown")

    @property
    def by_source_shown(self) -> bool:
        return self._by_source is not None

    def _show_count(self) -> None:
        count = self.span_list.option_count
        self.query_one("#span-count", Static).update(
            Content(f"Spans ({count})" if count else "Spans: none yet"),
            layout=False,
        )

    def set_suggestion_count(self, count: int) -> None:
        """The legend of ghost spans: shown only while there are suggestions, so a
        dim dotted span is never mistaken for a saved one."""
        legend = self.query_one("#suggestion-legend", Static)
        if count:
            legend.update(
                Content.assemble(
                    ("┄┄", "dim"),
                    (f" {count} suggestion{'s' if count != 1 else ''}, not saved\n", "dim"),
                    ("y", "bold"),
                    (" accept  ", "dim"),
                    ("Y", "bold"),
                    (" all  ", "dim"),
                    ("x", "bold"),
                    (" reject", "dim"),
                )
            )
        legend.set_class(bool(count), "-shown")

    def set_active(self, uid: str | None, span: Span | None) -> None:
        self.span_list.highlight_uid(uid)
        self.show_details(span)

    def set_empty_hint(self, text: str, teaching: bool = False) -> None:
        """What the details say with no span picked; `teaching` (how to tag, for a
        newcomer) lets the box grow to hold it, so no key is cut off."""
        if (text, teaching) == (self._empty_hint, self._teaching):
            return
        self._empty_hint, self._teaching = text, teaching
        if not self._picked:
            self.show_details(None)

    def show_details(self, span: Span | None) -> None:
        details = self.query_one("#span-details", Static)
        self._picked = span is not None
        details.set_class(span is None and self._teaching, "-teaching")
        if span is None:
            details.update(Content(self._empty_hint).stylize("dim"), layout=self._teaching)
            return
        label = self._labels.get(span.label)
        parts: list[str | tuple[str, str]] = [
            (clip_cells(span.label, 20), f"bold {label.color if label else '#abb2bf'}"),
            (f"  {label.kind if label else '?'}  {span.start}–{span.end}  by {clip_cells(span.annotator, 30)}", "dim"),
            "\n",
            clip_cells(span.text, 400),
        ]
        known = self.knowledge_of(span) if self.knowledge_of is not None else ""
        if known:
            parts.extend(["\n", (clip_cells(known, 200), "italic")])
        if span.note:
            parts.extend(["\n", ("Note: ", "bold"), clip_cells(span.note, 400)])
        review = span.attrs.get("needs_review")
        if isinstance(review, dict):
            parts.extend(
                [
                    "\n",
                    ("⚠ Needs review: ", "bold red"),
                    clip_cells(str(review.get("reason", "")), 200),
                    f" (was “{clip_cells(str(review.get('old_text', '')), 60)}”): resize, retag or delete it",
                ]
            )
        details.update(Content.assemble(*parts), layout=False)  # fixed height in the .tcss

    @on(SpanList.Highlighted, "#span-list")
    def _highlighted(self, event: SpanList.Highlighted) -> None:
        event.stop()
        if isinstance(event, SpanList.Chosen):
            self.post_message(self.SpanChosen(self, event.uid))
        else:
            self.post_message(self.SpanHighlighted(self, event.uid))
