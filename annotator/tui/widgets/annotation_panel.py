"""The current article's spans in reading order, the picked span's details, and the label guide."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.model import Label, Span
from annotator.text import one_line


def span_prompt(span: Span, label: Label | None, show_annotator: bool) -> Content:
    """One list row: label in its colour, the quoted text, a note marker; all literal."""
    colour = label.color if label else "#abb2bf"
    parts: list[str | tuple[str, str]] = [(f"{one_line(span.label, 10):<9}", f"bold {colour}"), " "]
    if show_annotator:
        parts.append((f"{one_line(span.annotator, 10)} ", "dim"))
    parts.append(one_line(span.text, 60))
    if span.note:
        parts.append(("  ✎ " + one_line(span.note, 40), "italic dim"))
    return Content.assemble(*parts)


class AnnotationPanel(Vertical):
    """Lists spans; highlighting one asks the screen to show it in the article."""

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
        self._uids: list[str] = []
        self._show_annotator = False

    def compose(self) -> ComposeResult:
        yield Static("Spans", id="span-count", classes="panel-title")
        yield OptionList(id="span-list")
        yield Static("", id="span-details")
        yield Static("Labels", classes="panel-title")
        yield Static("", id="label-guide")

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = {label.name: label for label in labels}
        parts: list[str | tuple[str, str]] = []
        for label in labels:
            if parts:
                parts.append("\n")
            key = label.key or "·"
            parts.extend(
                [
                    (f" {key} ", "reverse"),
                    " ",
                    (one_line(label.name, 12), f"bold {label.color}"),
                    (f" {label.kind}", "dim"),
                    "\n   ",
                    (one_line(label.description, 200), "dim italic"),
                ]
            )
        self.query_one("#label-guide", Static).update(Content.assemble(*parts))

    def set_spans(self, spans: list[Span], active_uid: str | None, show_annotator: bool = False) -> None:
        """Rebuild the list (reading order) and keep the highlight on the active span."""
        self._show_annotator = show_annotator
        option_list = self.query_one("#span-list", OptionList)
        ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.label, s.annotator))
        self._uids = [span.uid for span in ordered]
        option_list.set_options(
            Option(span_prompt(span, self._labels.get(span.label), show_annotator), id=span.uid)
            for span in ordered
        )
        count = len(ordered)
        self.query_one("#span-count", Static).update(
            Content(f"Spans ({count})" if count else "Spans: none yet — select text and press a label key")
        )
        self._highlight(active_uid)
        self.show_details(next((s for s in ordered if s.uid == active_uid), None))

    def set_active(self, uid: str | None, span: Span | None) -> None:
        self._highlight(uid)
        self.show_details(span)

    def _highlight(self, uid: str | None) -> None:
        option_list = self.query_one("#span-list", OptionList)
        if uid is not None and uid in self._uids:
            index = self._uids.index(uid)
            option_list.highlighted = index
            option_list.scroll_to_highlight()
        else:
            option_list.highlighted = None

    def show_details(self, span: Span | None) -> None:
        details = self.query_one("#span-details", Static)
        if span is None:
            details.update(Content("Pick a span (enter, tab or click) to see it here.").stylize("dim"))
            return
        label = self._labels.get(span.label)
        parts: list[str | tuple[str, str]] = [
            (one_line(span.label, 20), f"bold {label.color if label else '#abb2bf'}"),
            (f"  {label.kind if label else '?'}  {span.start}–{span.end}  by {one_line(span.annotator, 30)}", "dim"),
            "\n",
            one_line(span.text, 400),
        ]
        if span.note:
            parts.extend(["\n", ("Note: ", "bold"), one_line(span.note, 400)])
        details.update(Content.assemble(*parts))

    @on(OptionList.OptionHighlighted, "#span-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        # Only the analyst moving through the list counts; highlights set to follow
        # the article arrive later as echoes and must not move the cursor.
        if event.option.id and event.option_list.has_focus:
            self.post_message(self.SpanHighlighted(self, event.option.id))

    @on(OptionList.OptionSelected, "#span-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.SpanChosen(self, event.option.id))
