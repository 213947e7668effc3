"""The article: soft-wrapped, literal text with every span coloured by its label.

A `ScrollView` that draws one visual row at a time from a table built once per
width (visual row -> line and columns), and caches each rendered row under a key of
exactly what it shows. Moving the cursor refreshes the two rows it touches, so a
200,000-character article with thousands of spans moves as fast as a short one.

The view owns no data: the screen gives it text and spans and acts on the messages
it posts (tag, retag, resize, delete).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.document._document import Document
from textual.document._wrapped_document import WrappedDocument
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.model import Label, Span
from annotator.text import (
    LineIndex,
    display_safe,
    next_grapheme,
    next_word_start,
    previous_grapheme,
    previous_word_start,
    sentence_at,
    snap_to_words,
    trim,
    word_at,
)


def _span_order(span: Span) -> tuple[int, int, str, str, str]:
    return (span.start, -span.end, span.label, span.annotator, span.uid)


@dataclass(frozen=True)
class Row:
    """One visual row: a slice [start, end) of a line, in line columns."""

    line: int
    start: int
    end: int
    last: bool  # the final section of its line (the cursor may rest after it)


class ArticleView(ScrollView, can_focus=True):
    """Read and select article text; spans are drawn, never edited, here."""

    HELP = """
## Article

Move with the arrows, **ctrl+←/→** by word, **home/end**, **page up/down**.
Hold **shift** to select. **w** selects the word, **s** the sentence.
A label key tags the selection. **enter** picks the span under the cursor
(again for the one around it); then a label key retags it, **[ ] { }** resize it,
**delete** removes it.
"""

    BINDINGS: list[BindingType] = [
        Binding("left", "move('char', -1)", "Left", show=False, id="article.left"),
        Binding("right", "move('char', 1)", "Right", show=False, id="article.right"),
        Binding("up", "move_row(-1)", "Up", show=False, id="article.up"),
        Binding("down", "move_row(1)", "Down", show=False, id="article.down"),
        Binding("ctrl+left", "move('word', -1)", "Word left", show=False, id="article.word_left"),
        Binding("ctrl+right", "move('word', 1)", "Word right", show=False, id="article.word_right"),
        Binding("home", "move('line', -1)", "Line start", show=False, id="article.home"),
        Binding("end", "move('line', 1)", "Line end", show=False, id="article.end"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="article.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="article.page_down"),
        Binding("ctrl+home", "move('document', -1)", "Top", show=False, id="article.top"),
        Binding("ctrl+end", "move('document', 1)", "Bottom", show=False, id="article.bottom"),
        Binding("shift+left", "move('char', -1, True)", "Select left", show=False, id="article.select_left"),
        Binding("shift+right", "move('char', 1, True)", "Select right", show=False, id="article.select_right"),
        Binding("shift+up", "move_row(-1, True)", "Select up", show=False, id="article.select_up"),
        Binding("shift+down", "move_row(1, True)", "Select down", show=False, id="article.select_down"),
        Binding("ctrl+shift+left", "move('word', -1, True)", "Select word left", show=False, id="article.select_word_left"),
        Binding("ctrl+shift+right", "move('word', 1, True)", "Select word right", show=False, id="article.select_word_right"),
        Binding("shift+home", "move('line', -1, True)", "Select to line start", show=False, id="article.select_home"),
        Binding("shift+end", "move('line', 1, True)", "Select to line end", show=False, id="article.select_end"),
        Binding("shift+pageup", "page(-1, True)", "Select page up", show=False, id="article.select_page_up"),
        Binding("shift+pagedown", "page(1, True)", "Select page down", show=False, id="article.select_page_down"),
        Binding("w", "select_word", "Word", id="article.select_word"),
        Binding("s", "select_sentence", "Sentence", show=False, id="article.select_sentence"),
        Binding("enter", "pick_span", "Pick", id="article.pick_span"),
        Binding("tab", "next_span(1)", "Next span", show=False, id="article.next_span"),
        Binding("shift+tab", "next_span(-1)", "Previous span", show=False, id="article.previous_span"),
        Binding("escape", "clear", "Clear", show=False, id="article.clear"),
    ]

    COMPONENT_CLASSES = {
        "article-view--cursor",
        "article-view--selection",
        "article-view--active-span",
        "article-view--blank",
    }

    DEFAULT_CSS = """
    ArticleView {
        background: $surface;
        color: $foreground;
    }
    ArticleView > .article-view--cursor { background: $foreground; color: $surface; }
    ArticleView > .article-view--selection { background: $primary 60%; }
    ArticleView > .article-view--active-span { text-style: bold reverse; }
    """

    cursor: reactive[int] = reactive(0, repaint=False, init=False)
    """Offset of the cursor in the article (code points)."""

    anchor: reactive[int | None] = reactive(None, repaint=False, init=False)
    """Where the selection started; None when nothing is selected."""

    active_uid: reactive[str | None] = reactive(None, repaint=False, init=False)
    """The picked span that retag, resize and delete act on."""

    snap_words: reactive[bool] = reactive(True, repaint=False, init=False)
    """Whether selections grow to whole words (else character precision)."""

    class CursorMoved(Message):
        """The cursor moved; the screen shows what is under it."""

        ALLOW_SELECTOR_MATCH = {"control"}

        def __init__(self, view: ArticleView, offset: int) -> None:
            super().__init__()
            self.view = view
            self.offset = offset

        @property
        def control(self) -> ArticleView:
            return self.view

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ArticleView.CursorMoved)

    class SpanPicked(Message):
        """A span became active (or none: uid is None)."""

        def __init__(self, view: ArticleView, uid: str | None) -> None:
            super().__init__()
            self.view = view
            self.uid = uid

        @property
        def control(self) -> ArticleView:
            return self.view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = ""
        self._display = ""
        self._lines: list[str] = [""]
        self._index = LineIndex("")
        self._rows: list[Row] = [Row(0, 0, 0, True)]
        self._line_rows: list[list[int]] = [[0]]  # per line: first row index, then section starts
        self._section_starts: list[list[int]] = [[0]]
        self._wrap_width = 0
        self._spans: list[Span] = []
        self._spans_by_uid: dict[str, Span] = {}
        self._line_spans: dict[int, list[Span]] = {}
        self._labels: dict[str, Label] = {}
        self._label_styles: dict[str, Style] = {}
        self._line_versions: list[int] = [0]
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._desired_x: int | None = None
        self._dragging = False
        self._drag_moved = False
        self._theme_key: object = None
        # A range selected as it stands (a sentence, a review group): not snapped while
        # the selection is exactly that range.
        self._exact: tuple[int, int] | None = None
        # render_line asks for the selection once per row: snap it once per change.
        self._snapped: tuple[tuple[int, int, bool], tuple[int, int] | None] | None = None

    # -- data in ---------------------------------------------------------------

    def load(self, text: str, spans: list[Span], labels: list[Label], cursor: int = 0) -> None:
        """Show a new article; resets cursor, selection and scroll."""
        self.text = text
        self._display = display_safe(text)
        self._lines = self._display.split("\n")
        self._index = LineIndex(text)
        self._line_versions = [0] * len(self._lines)
        self._cache.clear()
        self._wrap_width = 0
        self._exact = None
        self._snapped = None
        self.set_labels(labels)
        self._set_spans(spans)
        self.set_reactive(ArticleView.anchor, None)
        self.set_reactive(ArticleView.active_uid, None)
        self.set_reactive(ArticleView.cursor, min(max(cursor, 0), len(text)))
        self._rewrap()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor))

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = {label.name: label for label in labels}
        self._label_styles = {}
        self._cache.clear()
        self.refresh()

    def set_spans(self, spans: list[Span], changed: list[tuple[int, int]] | None = None) -> None:
        """Replace the spans; `changed` ranges limit the repaint to the rows they touch."""
        self._set_spans(spans)
        if self.active_uid is not None and self.active_uid not in self._spans_by_uid:
            self.set_reactive(ArticleView.active_uid, None)
        if changed is None:
            self._line_versions = [v + 1 for v in self._line_versions]
            self.refresh()
            return
        for start, end in changed:
            first = self._index.line_of(start)
            last = self._index.line_of(max(start, end - 1))
            for line in range(first, last + 1):
                self._line_versions[line] += 1
            self._refresh_offsets(start, end)

    def upsert_span(self, span: Span) -> None:
        """Add or replace one span (by uid) and repaint only the rows it covers, old and new."""
        old = self._spans_by_uid.get(span.uid)
        if old is not None:
            self._drop(old)
        insort(self._spans, span, key=_span_order)
        self._spans_by_uid[span.uid] = span
        line_of = self._index.line_of
        for line in range(line_of(span.start), line_of(max(span.start, span.end - 1)) + 1):
            self._line_spans.setdefault(line, []).append(span)
        self._touch(span.start, span.end)
        if old is not None:
            self._touch(old.start, old.end)

    def remove_span(self, uid: str) -> None:
        old = self._spans_by_uid.get(uid)
        if old is None:
            return
        self._drop(old)
        if self.active_uid == uid:
            self.set_reactive(ArticleView.active_uid, None)
        self._touch(old.start, old.end)

    def _drop(self, span: Span) -> None:
        index = bisect_left(self._spans, _span_order(span), key=_span_order)
        while index < len(self._spans) and self._spans[index].uid != span.uid:
            index += 1
        if index < len(self._spans):
            del self._spans[index]
        del self._spans_by_uid[span.uid]
        line_of = self._index.line_of
        for line in range(line_of(span.start), line_of(max(span.start, span.end - 1)) + 1):
            spans = self._line_spans.get(line, [])
            self._line_spans[line] = [s for s in spans if s.uid != span.uid]

    def _touch(self, start: int, end: int) -> None:
        first = self._index.line_of(start)
        last = self._index.line_of(max(start, end - 1))
        for line in range(first, last + 1):
            self._line_versions[line] += 1
        self._refresh_offsets(start, end)

    def _set_spans(self, spans: list[Span]) -> None:
        self._spans = sorted(spans, key=_span_order)
        self._spans_by_uid = {span.uid: span for span in self._spans}
        by_line: dict[int, list[Span]] = {}
        line_of = self._index.line_of
        for span in self._spans:
            for line in range(line_of(span.start), line_of(max(span.start, span.end - 1)) + 1):
                by_line.setdefault(line, []).append(span)
        self._line_spans = by_line

    @property
    def spans(self) -> list[Span]:
        return list(self._spans)

    # -- queries ---------------------------------------------------------------

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected range as it will be tagged (snapped to words unless precise).

        Keys and the mouse both select through anchor and cursor, so both get the same
        snapping: whole words, without the punctuation around them (see trim_to_words).
        """
        if self.anchor is None or self.anchor == self.cursor:
            return None
        start, end = sorted((self.anchor, self.cursor))
        if self._exact == (start, end):
            return self._exact
        key = (start, end, self.snap_words)
        if self._snapped is not None and self._snapped[0] == key:
            return self._snapped[1]
        found = snap_to_words(self.text, start, end) if self.snap_words else trim(self.text, start, end)
        self._snapped = (key, found)
        return found

    def select_range(self, start: int, end: int, exact: bool = False) -> None:
        """Select [start, end); exact keeps it as given (a sentence keeps its full stop)."""
        self._exact = (start, end) if exact and start < end else None
        self.anchor = start
        self.move_to(end, select=True)

    def spans_at(self, offset: int) -> list[Span]:
        """Spans containing offset, innermost first."""
        line = self._index.line_of(min(offset, max(len(self.text) - 1, 0)))
        found = [s for s in self._line_spans.get(line, ()) if s.start <= offset < s.end]
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    @property
    def active_span(self) -> Span | None:
        return self._spans_by_uid.get(self.active_uid) if self.active_uid else None

    def span(self, uid: str) -> Span | None:
        return self._spans_by_uid.get(uid)

    # -- motion ----------------------------------------------------------------

    def move_to(self, offset: int, select: bool = False, keep_x: bool = False) -> None:
        offset = min(max(offset, 0), len(self.text))
        if select and self.anchor is None:
            self.anchor = self.cursor
        elif not select and self.anchor is not None:
            self.anchor = None
        if not keep_x:
            self._desired_x = None
        active = self.active_span
        if active is not None and not active.start <= offset <= active.end:
            # Leaving the picked span un-picks it, so a label key never retags out of sight.
            self.pick(None, move_cursor=False)
        self.cursor = offset

    def action_move(self, unit: str, direction: int, select: bool = False) -> None:
        text, cursor = self.text, self.cursor
        if unit == "char":
            if not select and self.anchor is not None and self.anchor != cursor:
                # Like an editor: an arrow collapses the selection to its edge.
                low, high = sorted((self.anchor, cursor))
                self.move_to(low if direction < 0 else high)
                return
            target = next_grapheme(text, cursor) if direction > 0 else previous_grapheme(text, cursor)
        elif unit == "word":
            target = previous_word_start(text, cursor) if direction < 0 else next_word_start(text, cursor)
        elif unit == "line":
            row = self._rows[self._row_of(cursor)]
            line_start = self._index.starts[row.line]
            target = line_start + (row.start if direction < 0 else row.end)
        else:
            target = 0 if direction < 0 else len(text)
        self.move_to(target, select)

    def action_move_row(self, delta: int, select: bool = False) -> None:
        row_index = self._row_of(self.cursor)
        if self._desired_x is None:
            self._desired_x = self._x_of(self.cursor, row_index)
        target_row = min(max(row_index + delta, 0), len(self._rows) - 1)
        if target_row == row_index:
            target = 0 if delta < 0 else len(self.text)
        else:
            target = self._offset_at(self._desired_x, target_row)
        self.move_to(target, select, keep_x=True)

    def action_page(self, direction: int, select: bool = False) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + direction * height, animate=False, immediate=True)
        self.action_move_row(direction * height, select)

    def action_select_word(self) -> None:
        found = word_at(self.text, self.cursor)
        if found is None:
            self.app.bell()
            return
        self.select_range(*found)

    def action_select_sentence(self) -> None:
        found = sentence_at(self.text, self.cursor)
        if found is None:
            self.app.bell()
            return
        # A claim is the whole sentence, its closing full stop or quote mark included.
        self.select_range(*found, exact=True)

    def action_clear(self) -> None:
        if self.anchor is None and self.active_uid is None:
            self.app.bell()
        self.anchor = None
        self.pick(None)

    def action_pick_span(self) -> None:
        """Pick the innermost span under the cursor; again, the one around it."""
        here = self.spans_at(self.cursor)
        if not here:
            self.app.bell()
            self.notify("No span under the cursor", severity="warning", timeout=2)
            return
        uids = [s.uid for s in here]
        if self.active_uid in uids:
            next_index = (uids.index(self.active_uid) + 1) % len(uids)
        else:
            next_index = 0
        self.anchor = None
        self.pick(uids[next_index])

    def action_next_span(self, direction: int) -> None:
        if not self._spans:
            self.app.bell()
            return
        current = self.active_span
        key = (current.start, -current.end, current.label, current.annotator) if current else None
        ordered = self._spans
        if direction > 0:
            candidates = [s for s in ordered if key is None and s.start >= self.cursor or key is not None and (s.start, -s.end, s.label, s.annotator) > key]
            target = candidates[0] if candidates else ordered[0]
        else:
            candidates = [s for s in ordered if key is None and s.start < self.cursor or key is not None and (s.start, -s.end, s.label, s.annotator) < key]
            target = candidates[-1] if candidates else ordered[-1]
        self.anchor = None
        self.pick(target.uid)

    def pick(self, uid: str | None, move_cursor: bool = True) -> None:
        """Make a span active and bring it into view."""
        span = self._spans_by_uid.get(uid) if uid else None
        self.active_uid = span.uid if span else None
        if span is not None and move_cursor and not span.contains(self.cursor):
            self.move_to(span.start)
        self.post_message(self.SpanPicked(self, self.active_uid))

    # -- watchers: repaint only the rows that changed --------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.anchor is not None:
            self._refresh_offsets(min(old, new), max(old, new) + 1)
        self._refresh_offsets(old, old + 1)
        self._refresh_offsets(new, new + 1)
        self._scroll_cursor_into_view()
        self.post_message(self.CursorMoved(self, new))

    def watch_anchor(self, old: int | None, new: int | None) -> None:
        if new is None:
            self._exact = None  # the exact range is gone with its selection
        points = [p for p in (old, new, self.cursor) if p is not None]
        self._refresh_offsets(min(points), max(points) + 1)

    def watch_active_uid(self, old: str | None, new: str | None) -> None:
        for uid in (old, new):
            span = self._spans_by_uid.get(uid) if uid else None
            if span is not None:
                self._refresh_offsets(span.start, span.end)
        if old is not None and old not in self._spans_by_uid:
            self.refresh()

    def watch_snap_words(self) -> None:
        if self.anchor is not None:
            self.refresh()

    def _refresh_offsets(self, start: int, end: int) -> None:
        if not self.text and start == 0:
            self.refresh()
            return
        # Snapping can widen a selection to whole words: repaint a little around it.
        first_row = self._row_of(max(0, start - 1))
        last_row = self._row_of(min(len(self.text), end + 1))
        self.refresh_lines(first_row, last_row - first_row + 1)

    def _scroll_cursor_into_view(self) -> None:
        if not self.is_mounted:
            return
        row = self._row_of(self.cursor)
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def scroll_to_offset(self, offset: int, center: bool = True) -> None:
        row = self._row_of(offset)
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if center and not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)
        else:
            self._scroll_cursor_into_view()

    # -- geometry ----------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def _rewrap(self) -> None:
        width = max(1, self.scrollable_content_region.width - 1)
        if width == self._wrap_width and self._rows:
            return
        self._wrap_width = width
        wrapped = WrappedDocument(Document(self._display), width)
        rows: list[Row] = []
        section_starts: list[list[int]] = []
        line_first_row: list[int] = []
        for line_index, line in enumerate(self._lines):
            offsets = wrapped.get_offsets(line_index) if line_index < len(self._lines) else []
            starts = [0, *offsets]
            section_starts.append(starts)
            line_first_row.append(len(rows))
            bounds = [*starts, len(line)]
            for section in range(len(starts)):
                rows.append(Row(line_index, bounds[section], bounds[section + 1], section == len(starts) - 1))
        self._rows = rows
        self._section_starts = section_starts
        self._line_rows = [[first] for first in line_first_row]
        self._cache.clear()
        self.virtual_size = Size(width, len(rows))
        self._scroll_cursor_into_view()
        self.refresh()

    def _row_of(self, offset: int) -> int:
        line, column = self._index.location(min(max(offset, 0), len(self.text)))
        if line >= len(self._line_rows):
            return len(self._rows) - 1
        starts = self._section_starts[line]
        return self._line_rows[line][0] + bisect_right(starts, column) - 1

    def _x_of(self, offset: int, row_index: int) -> int:
        row = self._rows[row_index]
        column = offset - self._index.starts[row.line]
        return cell_len(self._lines[row.line][row.start : column])

    def _offset_at(self, x: int, row_index: int) -> int:
        """The text offset drawn at cell x of a visual row."""
        row = self._rows[min(max(row_index, 0), len(self._rows) - 1)]
        line = self._lines[row.line]
        column = row.start
        # Measure prefixes as the renderer does, so emoji sequences joined by ZWJ
        # count as the cells they are drawn in, not the sum of their parts.
        while column < row.end and cell_len(line[row.start : column + 1]) <= x:
            column += 1
        if column >= row.end and not row.last:
            column = max(row.start, row.end - 1)
        return self._index.starts[row.line] + column

    # -- mouse ---------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self.focus()
        offset = self._offset_from_event(event)
        self._dragging = True
        self._drag_moved = False
        self.capture_mouse()
        self.move_to(offset)
        self.anchor = offset

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        offset = self._offset_from_event(event)
        if offset != self.cursor:
            self._drag_moved = True
            self.cursor = offset

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if not self._dragging:
            return
        self._dragging = False
        self.release_mouse()
        if not self._drag_moved or self.anchor == self.cursor:
            self.anchor = None
            here = self.spans_at(self.cursor)
            if here:
                uids = [s.uid for s in here]
                index = (uids.index(self.active_uid) + 1) % len(uids) if self.active_uid in uids else 0
                self.pick(uids[index], move_cursor=False)
            elif self.active_uid is not None:
                self.pick(None)

    def _offset_from_event(self, event: events.MouseEvent) -> int:
        # Event coordinates include padding and borders; text starts at the gutter.
        gutter = self.gutter
        x = max(0, event.x - gutter.left)
        y = max(0, event.y - gutter.top)
        return self._offset_at(x + int(self.scroll_x), int(self.scroll_y) + y)

    # -- drawing -------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._label_styles = {}
        self._cache.clear()

    def _label_style(self, name: str, nested: bool) -> Style:
        key = f"{name}|{nested}"
        style = self._label_styles.get(key)
        if style is None:
            label = self._labels.get(name)
            base = self.rich_style
            background = Color.from_rich_color(base.bgcolor) if base.bgcolor else Color(0, 0, 0)
            colour = Color.parse(label.color) if label else Color(171, 178, 191)
            if label is not None and label.kind == "claim":
                tint = background.blend(colour, 0.28)
                style = Style(bgcolor=tint.rich_color, underline=True)
            else:
                tint = background.blend(colour, 0.55 if not nested else 0.7)
                style = Style(bgcolor=tint.rich_color, color=tint.get_contrast_text(1.0).rich_color, bold=True)
            self._label_styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        row_index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if row_index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[row_index]
        line_start = self._index.starts[row.line]
        row_start = line_start + row.start
        row_end = line_start + row.end
        selection = self.selection
        sel = None
        if selection is not None and selection[0] < row_end + (1 if row.last else 0) and selection[1] > row_start:
            sel = (max(selection[0], row_start), min(selection[1], row_end + (1 if row.last else 0)))
        cursor = self.cursor if row_start <= self.cursor < row_end or (row.last and self.cursor == row_end) else None
        if not self.has_focus and cursor is not None and self.anchor is None:
            cursor = -1 - cursor  # drawn dimmer when focus is elsewhere
        active = self.active_span
        act = None
        if active is not None and active.start < row_end and active.end > row_start:
            act = (max(active.start, row_start), min(active.end, row_end))
        key = (row_index, width, self._line_versions[row.line], sel, cursor, act, self.app.theme)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        strip = self._build_row(row, row_start, row_end, sel, cursor, act, width)
        self._cache[key] = strip
        return strip

    def _build_row(
        self,
        row: Row,
        row_start: int,
        row_end: int,
        sel: tuple[int, int] | None,
        cursor: int | None,
        act: tuple[int, int] | None,
        width: int,
    ) -> Strip:
        base = self.rich_style
        spans = [s for s in self._line_spans.get(row.line, ()) if s.start < row_end and s.end > row_start]
        cursor_offset = cursor if cursor is None or cursor >= 0 else -1 - cursor
        points = {row_start, row_end}
        for span in spans:
            points.add(min(max(span.start, row_start), row_end))
            points.add(min(max(span.end, row_start), row_end))
        for pair in (sel, act):
            if pair is not None:
                points.update((min(pair[0], row_end), min(pair[1], row_end)))
        if cursor_offset is not None and cursor_offset < row_end:
            points.update((cursor_offset, cursor_offset + 1))
        ordered = sorted(p for p in points if row_start <= p <= row_end)
        selection_style = self.get_component_rich_style("article-view--selection", partial=True)
        active_style = self.get_component_rich_style("article-view--active-span", partial=True)
        cursor_style = self.get_component_rich_style("article-view--cursor", partial=True)
        if cursor is not None and cursor < 0:
            cursor_style = Style(underline=True, bold=True)
        segments: list[Segment] = []
        display = self._display
        for a, b in zip(ordered, ordered[1:]):
            if a >= b:
                continue
            style = base
            covering = [s for s in spans if s.start <= a and s.end >= b]
            if covering:
                covering.sort(key=lambda s: s.end - s.start, reverse=True)  # outermost first
                nested = len(covering) > 1
                for span in covering:
                    style = style + self._label_style(span.label, nested and span is covering[-1])
                if nested:
                    style = style + Style(underline=True)
            if act is not None and act[0] <= a and b <= act[1]:
                style = style + active_style
            if sel is not None and sel[0] <= a and b <= sel[1]:
                style = style + selection_style
            if cursor_offset is not None and a == cursor_offset:
                style = style + cursor_style
            segments.append(Segment(display[a:b], style))
        if row.last and cursor_offset == row_end:
            style = base + (selection_style if sel is not None and sel[1] > row_end else Style())
            segments.append(Segment(" ", style + cursor_style))
        strip = Strip(segments)
        return strip.adjust_cell_length(width, base)
