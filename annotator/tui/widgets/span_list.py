"""A virtual list of spans: draws only the visible rows, so 100,000 spans cost what 40 do.

An OptionList rebuilds every option on each change (about 0.2 s for 5,000 spans);
this list keeps the spans sorted and inserts, replaces or removes one in place, and
finds a span's row by bisect on its reading-order key, not by a walk down the list.
"""

from __future__ import annotations

from collections.abc import Callable

from bisect import bisect_left, insort
from operator import itemgetter

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.cells import clip_cells, fit
from annotator.model import Label, Span
from annotator.text import one_line


def reading_order(span: Span) -> tuple[int, int, str, str, str]:
    return (span.start, -span.end, span.label, span.annotator, span.uid)


_row_key = itemgetter(0)


def span_prompt(
    span: Span, label: Label | None, show_annotator: bool, entity_name: Callable[[str], str] | None = None
) -> Content:
    """One row: label in its colour, the quoted text, the linked entity, a note marker; all literal."""
    colour = label.color if label else "#abb2bf"
    parts: list[str | tuple[str, str]] = []
    if span.attrs.get("needs_review"):
        parts.append(("⚠ ", "bold red"))  # could not be re-anchored confidently after an update
    parts.extend([(fit(span.label, 9), f"bold {colour}"), " "])
    if show_annotator:
        parts.append((f"{clip_cells(span.annotator, 10)} ", "dim"))
    parts.append(one_line(span.text, 60))
    linked = span.attrs.get("entity")
    if entity_name is not None and isinstance(linked, str):
        parts.append(("  → " + clip_cells(one_line(entity_name(linked), 40), 40), "dim"))
    if span.note:
        parts.append(("  ✎ " + clip_cells(span.note, 40), "italic dim"))
    return Content.assemble(*parts)


class SpanList(ScrollView, can_focus=True):
    """The article's spans in reading order; moving through it asks to show the span."""

    BINDINGS: list[BindingType] = [
        Binding("up", "move(-1)", "Up", show=False, id="spans.up"),
        Binding("down", "move(1)", "Down", show=False, id="spans.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="spans.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="spans.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="spans.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="spans.last"),
        Binding("enter", "choose", "Go to span", id="spans.choose"),
    ]

    COMPONENT_CLASSES = {"span-list--highlight"}

    DEFAULT_CSS = """
    SpanList > .span-list--highlight { background: $block-cursor-blurred-background; }
    SpanList:focus > .span-list--highlight { background: $block-cursor-background; color: $block-cursor-foreground; }
    """

    highlighted: reactive[int | None] = reactive(None, repaint=False, init=False)
    """Index of the highlighted row (follows the picked span)."""

    class Highlighted(Message):
        """The analyst moved to this span in the list."""

        def __init__(self, span_list: SpanList, uid: str) -> None:
            super().__init__()
            self.span_list = span_list
            self.uid = uid

        @property
        def control(self) -> SpanList:
            return self.span_list

    class Chosen(Highlighted):
        """The analyst pressed enter on (or clicked) a span."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[tuple[tuple[int, int, str, str, str], Span]] = []
        self._keys: dict[str, tuple[int, int, str, str, str]] = {}  # uid -> its row's key
        self._labels: dict[str, Label] = {}
        self._show_annotator = False
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(512)
        # Names of linked entities (the screen's, cached there); None: rows show no link.
        self.entity_name: Callable[[str], str] | None = None

    # -- data --------------------------------------------------------------------

    @property
    def option_count(self) -> int:
        return len(self._rows)

    def row_texts(self) -> list[str]:
        return [span_prompt(s, self._labels.get(s.label), self._show_annotator, self.entity_name).plain for _, s in self._rows]

    def uid_at(self, index: int) -> str:
        return self._rows[index][1].uid

    def index_of(self, uid: str) -> int | None:
        key = self._keys.get(uid)
        if key is None:
            return None
        index = bisect_left(self._rows, key, key=_row_key)
        if index < len(self._rows) and self._rows[index][1].uid == uid:
            return index
        return None

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = {label.name: label for label in labels}
        self._cache.clear()
        self.refresh()

    def set_spans(self, spans: list[Span], show_annotator: bool = False) -> None:
        self._show_annotator = show_annotator
        self._rows = sorted(((reading_order(s), s) for s in spans), key=_row_key)
        self._keys = {span.uid: key for key, span in self._rows}
        self._cache.clear()
        self._resize_virtual()
        self.refresh()

    def upsert(self, span: Span) -> None:
        """Add a span or replace the one with its uid, keeping reading order."""
        self.remove(span.uid, refresh=False)
        key = reading_order(span)
        insort(self._rows, (key, span), key=_row_key)
        self._keys[span.uid] = key
        self._resize_virtual()
        self.refresh()

    def remove(self, uid: str, refresh: bool = True) -> None:
        index = self.index_of(uid)
        if index is not None:
            del self._rows[index]
            del self._keys[uid]
            if self.highlighted is not None and self.highlighted >= len(self._rows):
                self.set_reactive(SpanList.highlighted, len(self._rows) - 1 if self._rows else None)
        if refresh:
            self._resize_virtual()
            self.refresh()

    def highlight_uid(self, uid: str | None) -> None:
        """Follow the article: highlight without announcing it."""
        index = self.index_of(uid) if uid else None
        self.set_reactive(SpanList.highlighted, index)
        if index is not None:
            self._scroll_into_view(index)
        self.refresh()

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))

    # -- movement ----------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if not self._rows:
            return
        current = self.highlighted if self.highlighted is not None else (-1 if step > 0 else len(self._rows))
        self._go(min(max(current + step, 0), len(self._rows) - 1))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, index: int) -> None:
        if self._rows:
            self._go(index % len(self._rows))

    def action_choose(self) -> None:
        if self.highlighted is not None and self._rows:
            self.post_message(self.Chosen(self, self.uid_at(self.highlighted)))

    def _go(self, index: int) -> None:
        if index != self.highlighted:
            self.highlighted = index
            self.post_message(self.Highlighted(self, self.uid_at(index)))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            if index is not None:
                self.refresh_line(index)
        if new is not None:
            self._scroll_into_view(new)

    def _scroll_into_view(self, index: int) -> None:
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif height > 0 and index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y - self.gutter.top
        if 0 <= index < len(self._rows):
            self.focus()
            self._go(index)
            self.post_message(self.Chosen(self, self.uid_at(index)))

    def on_resize(self) -> None:
        self._cache.clear()
        self._resize_virtual()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    # -- drawing -----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        span = self._rows[index][1]
        highlighted = index == self.highlighted
        linked = span.attrs.get("entity")
        name = self.entity_name(linked) if self.entity_name is not None and isinstance(linked, str) else None
        key = (span.uid, span.updated_at, span.label, span.note, name, width, highlighted, self.has_focus, self._show_annotator, self.app.theme)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        prompt = span_prompt(span, self._labels.get(span.label), self._show_annotator, self.entity_name)
        line_style = base
        if highlighted:
            line_style = base + self.get_component_rich_style("span-list--highlight", partial=True)
        strip = Strip(self._segments(prompt, line_style))
        strip = strip.crop(0, width).adjust_cell_length(width, line_style)
        self._cache[key] = strip
        return strip

    @staticmethod
    def _segments(prompt: Content, base: Style) -> list[Segment]:
        segments: list[Segment] = []
        for text, style in prompt_spans(prompt):
            segments.append(Segment(text, base + style if style else base))
        return segments

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()


def prompt_spans(prompt: Content) -> list[tuple[str, Style | None]]:
    """Split Content into (text, rich style) runs without interpreting the text."""
    plain = prompt.plain
    cuts = {0, len(plain)}
    for span in prompt.spans:
        cuts.add(span.start)
        cuts.add(span.end)
    ordered = sorted(c for c in cuts if 0 <= c <= len(plain))
    runs: list[tuple[str, Style | None]] = []
    for a, b in zip(ordered, ordered[1:]):
        if a >= b:
            continue
        style: Style | None = None
        for span in prompt.spans:
            if span.start <= a and span.end >= b:
                piece = Style.parse(span.style) if isinstance(span.style, str) else span.style.rich_style
                style = piece if style is None else style + piece
        runs.append((plain[a:b], style))
    return runs
