"""The article: soft-wrapped, literal text with every span coloured by its label.

A `ScrollView` that draws one visual row at a time and caches each rendered row
under a key of exactly what it shows. Moving the cursor refreshes the two rows it
touches, so an article with thousands of spans moves as fast as a short one.

Rows come from `ArticleLayout`, which wraps the article block by block (a few
thousand characters each) when a row of the block is first needed, with estimated
heights for the rest: opening a 100 MB article costs what the screen shows. Spans
are indexed by block too. When a block above the screen is wrapped and its height
changes, the scroll position moves by the same amount, so what is on screen stays.

The view owns no data: the screen gives it text and spans and acts on the messages
it posts (tag, retag, resize, delete).

The keys that get to the next thing to tag live here too: `/` (a search bar drawn on
the bottom row), `f` (jump labels over the visible words), `;` / `,` (the next or
previous untagged candidate or suggestion), `g` (a smart selection that grows), `)`
(a claim from the cursor). Each asks `annotator.units` about a window near the cursor
or the rows on screen, never the whole article. Suggestions are drawn as ghost spans:
they are not spans (not listed, not stored) until the screen accepts one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.model import Label, Span
from annotator.units import (
    Suggestion,
    claim_from,
    find_text,
    grow,
    hint_labels,
    next_candidate,
    previous_candidate,
    sentence_span,
    smart_unit_at,
    suggestion_at,
)
from annotator.units.words import covered
from annotator.text import (
    next_grapheme,
    next_word_start,
    previous_grapheme,
    previous_word_start,
    snap_to_words,
    trim,
    word_at,
)
from annotator.tui.widgets.article_layout import ArticleLayout, Row, TextBlocks, WrappedBlock, row_end_offset
from annotator.tui.widgets.hints import HintState
from annotator.tui.widgets.search_bar import SearchState, search_bar_strip


def _span_order(span: Span) -> tuple[int, int, str, str, str]:
    return (span.start, -span.end, span.label, span.annotator, span.uid)


def _pick_order(span: Span) -> tuple[int, int, str, str]:
    """What tab / shift+tab step through (the reading order without the uid)."""
    return (span.start, -span.end, span.label, span.annotator)


def _span_start(span: Span) -> int:
    return span.start


def _suggestion_order(item: Suggestion) -> tuple[int, int, str]:
    return (item.start, -item.end, item.label)


_TAG_REACH = 8192
"""How far before the cursor a tag can start and still cover a candidate after it."""

SPAN_BUCKET = 256
"""Spans are indexed by the 256-character buckets they touch: a row (one or two
buckets) filters a dozen spans, not a whole block's, and a span's buckets are two
integer divisions away, without a bisect."""


__all__ = ["ArticleView", "Row"]


class ArticleView(ScrollView, can_focus=True):
    """Read and select article text; spans are drawn, never edited, here."""

    HELP = """
## Article

Move with the arrows, **ctrl+←/→** by word, **home/end**, **page up/down**.
Hold **shift** to select. **w** selects the word, **s** the sentence, **)** the claim
from the cursor on, **g** the name, quantity or word (again: the next larger unit).
**/** searches (enter stays, escape goes back, / enter repeats the last search),
**f** labels the visible words (type a label to jump there), **;** and **,** select
the next and previous untagged candidate or suggestion.
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
        Binding("ctrl+shift+home", "move('document', -1, True)", "Select to top", show=False, id="article.select_top"),
        Binding("ctrl+shift+end", "move('document', 1, True)", "Select to bottom", show=False, id="article.select_bottom"),
        Binding("w", "select_word", "Word", id="article.select_word"),
        Binding("s", "select_sentence", "Sentence", show=False, id="article.select_sentence"),
        Binding("right_parenthesis", "select_claim", "Claim from here", show=False, id="article.select_claim"),
        Binding("g", "smart_select", "Smart select", id="article.smart_select"),
        Binding("semicolon", "candidate(1)", "Next candidate", id="article.next_candidate"),
        Binding("comma", "candidate(-1)", "Previous candidate", show=False, id="article.previous_candidate"),
        Binding("slash", "find", "Jump to text", id="article.find"),
        Binding("f", "hints", "Jump hints", id="article.hints"),
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
        "article-view--ghost",
        "article-view--hint",
        "article-view--search-bar",
        "article-view--search-failed",
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

    class ViewMessage(Message):
        """What the article tells the screen: `control` is the view, for `@on(..., "#article")`."""

        def __init__(self, view: ArticleView) -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> ArticleView:
            return self.view

    class CursorMoved(ViewMessage):
        """The cursor moved; the screen shows what is under it."""

        ALLOW_SELECTOR_MATCH = {"control"}

        def __init__(self, view: ArticleView, offset: int) -> None:
            super().__init__(view)
            self.offset = offset

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ArticleView.CursorMoved)

    class ModeChanged(ViewMessage):
        """Keys now go to the search bar ("search"), the jump labels ("hints"), or back to
        the bindings (None): the key bar can say which keys apply."""

        def __init__(self, view: ArticleView, mode: str | None) -> None:
            super().__init__(view)
            self.mode = mode

    class CandidateReached(ViewMessage):
        """`;` or `,` selected [start, end): a suggestion's range (suggestion set) or a
        candidate's (suggestion None). The screen can say what a label key or `y` will do."""

        def __init__(self, view: ArticleView, start: int, end: int, suggestion: Suggestion | None) -> None:
            super().__init__(view)
            self.start = start
            self.end = end
            self.suggestion = suggestion

    class SpanPicked(ViewMessage):
        """A span became active (or none: uid is None)."""

        def __init__(self, view: ArticleView, uid: str | None) -> None:
            super().__init__(view)
            self.uid = uid

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = ""
        self._blocks = TextBlocks("")
        # None until the view has a width (the first Resize builds it).
        self._layout: ArticleLayout | None = None
        self._spans: list[Span] = []
        self._spans_by_uid: dict[str, Span] = {}
        self._bucket_spans: dict[int, list[Span]] = {}  # see SPAN_BUCKET
        self._labels: dict[str, Label] = {}
        self._label_styles: dict[str, Style] = {}
        # A tag repaints only its blocks' rows: their version is part of the row cache key.
        self._block_versions: dict[int, int] = {}
        self._generation = 0  # bumped when every span may have changed
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._desired_x: int | None = None
        self._dragging = False
        self._drag_moved = False
        # A range selected as it stands (a sentence, a review group): not snapped while
        # the selection is exactly that range.
        self._exact: tuple[int, int] | None = None
        # render_line asks for the selection once per row: snap it once per change.
        self._snapped: tuple[tuple[int, int, bool], tuple[int, int] | None] | None = None
        self._rendering = False  # inside render_lines: heights may change, the scroll may not
        self._preparing = False
        self._size_pending = False
        self._frame_styles: tuple[Style, Style, Style, Style] | None = None
        self.cursor_listener: Callable[[int], None] | None = None
        self._prefetch_pending = False
        """Called with the cursor's offset whenever it moves (instead of posting CursorMoved)."""
        self._frame_state: tuple[int, int, tuple[int, int] | None, int, bool, Span | None, str] | None = None
        # Sorted (start, end) of the spans, for candidates and hints; None after a change.
        self._ranges: list[tuple[int, int]] | None = None
        # Ghost spans: offers drawn until accepted or rejected, indexed like the spans.
        self._suggestions: list[Suggestion] = []
        self._suggestion_starts: list[int] = []
        self._bucket_suggestions: dict[int, list[Suggestion]] = {}
        self._hints: HintState | None = None
        self._search: SearchState | None = None
        self._last_query = ""
        self._overlay = 0  # bumped when the hint labels change: part of the row cache key

    # -- data in ---------------------------------------------------------------

    def load(self, text: str, spans: list[Span], labels: list[Label], cursor: int = 0) -> None:
        """Show a new article; resets cursor, selection and scroll.

        Costs what the screen shows, not what the article holds: the block bounds and
        line counts are a few `str.find`/`str.count` calls per block, and nothing is
        wrapped until a row is drawn.
        """
        self._end_modes()
        self.text = text
        self._blocks = TextBlocks(text)
        self._layout = None
        self._block_versions = {}
        self._set_suggestions([])
        self._cache.clear()
        self._exact = None
        self._snapped = None
        self.set_labels(labels)
        self._set_spans(spans)
        self.set_reactive(ArticleView.anchor, None)
        self.set_reactive(ArticleView.active_uid, None)
        self.set_reactive(ArticleView.cursor, min(max(cursor, 0), len(text)))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._relayout(keep_top=False)
        self.refresh()
        self._announce_cursor(self.cursor)

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
            self._generation += 1
            self.refresh()
            return
        for start, end in changed:
            self._touch(start, end)

    def upsert_span(self, span: Span) -> None:
        """Add or replace one span (by uid) and repaint only the rows it covers, old and new."""
        old = self._spans_by_uid.get(span.uid)
        if old is not None:
            self._drop(old)
        self._ranges = None
        insort(self._spans, span, key=_span_order)
        self._spans_by_uid[span.uid] = span
        for bucket in self._buckets_of(span):
            self._bucket_spans.setdefault(bucket, []).append(span)
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
        self._ranges = None
        index = bisect_left(self._spans, _span_order(span), key=_span_order)
        while index < len(self._spans) and self._spans[index].uid != span.uid:
            index += 1
        if index < len(self._spans):
            del self._spans[index]
        del self._spans_by_uid[span.uid]
        for bucket in self._buckets_of(span):
            spans = self._bucket_spans.get(bucket, [])
            self._bucket_spans[bucket] = [s for s in spans if s.uid != span.uid]

    @staticmethod
    def _buckets_of(span: Span) -> range:
        return range(span.start // SPAN_BUCKET, max(span.start, span.end - 1) // SPAN_BUCKET + 1)

    def _touch(self, start: int, end: int) -> None:
        block_of, versions = self._blocks.block_of, self._block_versions
        for block in range(block_of(start), block_of(max(start, end - 1)) + 1):
            versions[block] = versions.get(block, 0) + 1
        self._refresh_offsets(start, end)

    def _set_spans(self, spans: list[Span]) -> None:
        self._ranges = None
        self._spans = sorted(spans, key=_span_order)
        self._spans_by_uid = {span.uid: span for span in self._spans}
        by_bucket: dict[int, list[Span]] = {}
        for span in self._spans:
            first = span.start // SPAN_BUCKET
            last = max(span.start, span.end - 1) // SPAN_BUCKET
            for bucket in range(first, last + 1):
                found = by_bucket.get(bucket)
                if found is None:
                    by_bucket[bucket] = [span]
                else:
                    found.append(span)
        self._bucket_spans = by_bucket

    @property
    def spans(self) -> list[Span]:
        return list(self._spans)

    def _tagged(self) -> list[tuple[int, int]]:
        """The shown spans as sorted (start, end): what candidates and hints count as tagged."""
        if self._ranges is None:
            self._ranges = sorted((span.start, span.end) for span in self._spans)
        return self._ranges

    # -- suggestions (ghost spans) ----------------------------------------------

    def set_suggestions(self, suggestions: list[Suggestion]) -> None:
        """Draw these suggestions as ghost spans (replacing any before); [] removes them all.

        They are never spans: not in `spans`, not under `spans_at`, not picked by enter
        or tab. `;` and `,` stop on them, and `suggestion_at` says which one is under the
        cursor, for the screen to accept or reject.
        """
        before = set(self._suggestions)
        after = set(suggestions)
        changed = before ^ after
        if not changed:
            return
        self._set_suggestions(suggestions)
        if len(changed) > 64:
            self._generation += 1
            self.refresh()
            return
        # The screen hands the whole list back after every accept or reject: repaint
        # only the rows of the offers that came or went.
        for item in changed:
            self._touch(item.start, item.end)

    def remove_suggestions(self, suggestions: list[Suggestion]) -> None:
        """Stop drawing these (accepted or rejected); only their rows are repainted."""
        gone = set(suggestions)
        kept = [item for item in self._suggestions if item not in gone]
        if len(kept) == len(self._suggestions):
            return
        self._set_suggestions(kept)
        for item in gone:
            self._touch(item.start, item.end)

    @property
    def suggestions(self) -> list[Suggestion]:
        """The suggestions drawn now, in reading order."""
        return list(self._suggestions)

    def suggestion_at(self, offset: int | None = None) -> Suggestion | None:
        """The suggestion under offset (the cursor by default): the one `y` and `x` take (units.suggestion_at)."""
        offset = self.cursor if offset is None else offset
        bucket = min(offset, max(len(self.text) - 1, 0)) // SPAN_BUCKET
        return suggestion_at(self._bucket_suggestions.get(bucket, ()), offset)

    def _set_suggestions(self, suggestions: list[Suggestion]) -> None:
        ordered = sorted(suggestions, key=_suggestion_order)
        self._suggestions = ordered
        self._suggestion_starts = [item.start for item in ordered]
        by_bucket: dict[int, list[Suggestion]] = {}
        for item in ordered:
            for bucket in range(item.start // SPAN_BUCKET, max(item.start, item.end - 1) // SPAN_BUCKET + 1):
                by_bucket.setdefault(bucket, []).append(item)
        self._bucket_suggestions = by_bucket

    def _next_suggestion(self, offset: int, direction: int, tagged: list[tuple[int, int]]) -> Suggestion | None:
        """The first suggestion starting after offset (before it with -1) that no span covers."""
        items, starts = self._suggestions, self._suggestion_starts
        if direction > 0:
            for index in range(bisect_right(starts, offset), len(items)):
                if not covered((items[index].start, items[index].end), tagged):
                    return items[index]
            return None
        for index in range(bisect_left(starts, offset) - 1, -1, -1):
            if not covered((items[index].start, items[index].end), tagged):
                return items[index]
        return None

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
        bucket = min(offset, max(len(self.text) - 1, 0)) // SPAN_BUCKET
        found = [s for s in self._bucket_spans.get(bucket, ()) if s.start <= offset < s.end]
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    @property
    def active_span(self) -> Span | None:
        return self._spans_by_uid.get(self.active_uid) if self.active_uid else None

    def span(self, uid: str) -> Span | None:
        return self._spans_by_uid.get(uid)

    def line_number(self, offset: int) -> int:
        """1-based line of offset, without counting line breaks from the top each time."""
        return self._blocks.line_of(offset) + 1

    @property
    def row_count(self) -> int:
        """Visual rows of the article as laid out now (estimated where not yet wrapped)."""
        return self._layout.total if self._layout is not None else 0

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
            if self._layout is None:
                return
            row = self._layout.row(*self._layout.position(cursor))
            target = row.start if direction < 0 else row_end_offset(text, row)
        else:
            target = 0 if direction < 0 else len(text)
        self.move_to(target, select)

    def action_move_row(self, delta: int, select: bool = False) -> None:
        layout = self._layout
        if layout is None:
            return
        # Block coordinates, not row numbers: wrapping a block on the way renumbers rows.
        block, index = layout.position(self.cursor)
        if self._desired_x is None:
            self._desired_x = self._x_of(self.cursor, block, index)
        target_block, target_index = layout.step(block, index, delta)
        if (target_block, target_index) == (block, index):
            target = 0 if delta < 0 else len(self.text)
        else:
            target = self._offset_in_row(self._desired_x, target_block, target_index)
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
        """The sentence at the cursor, as a claim is tagged: closing punctuation and quotes left out."""
        self._select_unit(sentence_span(self.text, self.cursor))

    def action_select_claim(self) -> None:
        """From the word at the cursor to where the claim ends (units.claim_from)."""
        self._select_unit(claim_from(self.text, self.cursor))

    def action_smart_select(self) -> None:
        """The quantity, name or word at the cursor; with a selection, the next larger unit."""
        selection = self.selection
        if selection is None:
            found = smart_unit_at(self.text, self.cursor)
        else:
            found = grow(self.text, *selection)
        self._select_unit(found)

    def _select_unit(self, found: tuple[int, int] | None) -> None:
        if found is None or found[0] >= found[1]:
            self.app.bell()
            return
        # Exact: the unit finders already trimmed it; snapping must not move its edges.
        self.select_range(*found, exact=True)

    def action_candidate(self, direction: int) -> None:
        """Select the nearest untagged candidate or suggestion after (before) the cursor.

        Candidates (names, quantities, reported content) and suggestions are merged,
        nearest first; where both start at the same place the suggestion wins, since it
        carries a label `y` can accept. The cursor goes to the start, so the next `;`
        goes on from there.
        """
        text, cursor = self.text, self.cursor
        if not text:
            self.app.bell()
            return
        tagged = self._tagged()
        # A tag far behind the way a search goes cannot cover what it finds (words.covered
        # looks a candidate's length back): leave those out of the units' sort.
        if direction > 0:
            tagged = tagged[bisect_left(tagged, (cursor - _TAG_REACH, -1)) :]
            candidate = next_candidate(text, cursor, tagged)
        else:
            candidate = previous_candidate(text, cursor, tagged)
        suggestion = self._next_suggestion(cursor, direction, tagged)
        if suggestion is not None and candidate is not None:
            if (candidate[0] < suggestion.start) if direction > 0 else (candidate[0] > suggestion.start):
                suggestion = None
        if suggestion is not None:
            start, end = suggestion.start, suggestion.end
        elif candidate is not None:
            start, end = candidate
        else:
            self.app.bell()
            self.notify("No more candidates " + ("below" if direction > 0 else "above"), timeout=2)
            return
        self.scroll_to_offset(start)
        self._exact = (start, end)
        self.anchor = end
        self.move_to(start, select=True)
        self.post_message(self.CandidateReached(self, start, end, suggestion))

    # -- jump hints ----------------------------------------------------------------

    def visible_range(self) -> tuple[int, int]:
        """Offsets [start, end) of the text on the rows shown now (the search bar's row excluded)."""
        layout = self._layout
        rows = self._text_rows()
        if layout is None or rows <= 0 or not self.text:
            return (0, 0)
        top = int(self.scroll_y)
        first = layout.row(*layout.locate(top))
        last = layout.row(*layout.locate(top + rows - 1))
        return first.start, max(first.start, last.end)

    def action_hints(self) -> None:
        """Label every visible word start; typing a label jumps there (escape cancels)."""
        self._end_search(keep=True)
        labels = hint_labels(self.text, self.visible_range(), self.cursor, self._tagged())
        if not labels:
            self.app.bell()
            return
        self._hints = HintState(labels)
        self._overlay += 1
        self.refresh()
        self.post_message(self.ModeChanged(self, "hints"))

    @property
    def hints(self) -> dict[str, int]:
        """The jump labels on screen (label -> offset) still reachable; {} outside hint mode."""
        state = self._hints
        if state is None:
            return {}
        return {label: offset for label, offset in state.labels.items() if label.startswith(state.typed)}

    def _end_hints(self) -> None:
        if self._hints is None:
            return
        self._hints = None
        self._overlay += 1
        self.refresh()
        self.post_message(self.ModeChanged(self, None))

    def _hint_key(self, event: events.Key) -> None:
        state = self._hints
        assert state is not None
        if event.key == "escape":
            self._end_hints()
        elif event.key == "backspace":
            if state.back():
                self._overlay += 1
                self.refresh()
            else:
                self._end_hints()
        elif event.character is not None and event.is_printable and event.character.isalpha():
            outcome, target = state.feed(event.character)
            if outcome == "jump" and target is not None:
                self._end_hints()
                self.anchor = None
                self.move_to(target)
            elif outcome == "narrowed":
                self._overlay += 1
                self.refresh()
            else:
                self.app.bell()
        else:
            self.app.bell()

    # -- search ----------------------------------------------------------------------

    @property
    def search_query(self) -> str | None:
        """What is typed in the search bar; None when the bar is closed."""
        return None if self._search is None else self._search.query

    def action_find(self) -> None:
        """Open the search bar: typed text moves the cursor to the next match as it is typed."""
        self._end_hints()
        if self._search is not None:
            return
        self._search = SearchState(self.cursor)
        self.anchor = None
        self._scroll_cursor_into_view()  # the bar takes the bottom row
        self._refresh_bar()
        self.post_message(self.ModeChanged(self, "search"))

    def _refresh_bar(self) -> None:
        height = self.scrollable_content_region.height
        if height > 0:
            self.refresh_lines(int(self.scroll_y) + height - 1)

    def _text_rows(self) -> int:
        """Rows that show text: all but the bottom one while the search bar is open."""
        height = self.scrollable_content_region.height
        return height - 1 if self._search is not None and height > 1 else height

    def _end_search(self, keep: bool) -> None:
        """Close the bar; the cursor stays on the match (keep) or goes back to where it began."""
        state = self._search
        if state is None:
            return
        self._search = None
        if keep and state.query:
            self._last_query = state.query  # a search given up with escape is not repeated
        if not keep:
            self.move_to(state.origin)
        self.refresh()
        self.post_message(self.ModeChanged(self, None))

    def _search_go(self, offset: int) -> None:
        self.scroll_to_offset(offset)
        self.move_to(offset)

    def _search_key(self, event: events.Key) -> None:
        state = self._search
        assert state is not None
        key = event.key
        if key == "escape":
            self._end_search(keep=False)
            return
        if key == "enter":
            if not state.query and self._last_query:
                # `/` enter: the previous query again, from the cursor on.
                found = find_text(self.text, self._last_query, self.cursor)
                self._end_search(keep=True)
                if found is None:
                    self.app.bell()
                else:
                    self._search_go(found)
                return
            if state.failed:
                self.app.bell()
            self._end_search(keep=True)
            return
        if key in ("down", "up"):
            found = state.step(self.text, 1 if key == "down" else -1)
            if found is None:
                self.app.bell()
            else:
                self._search_go(found)
        elif key == "backspace":
            if state.query:
                self._search_go(state.retype(self.text, state.query[:-1]))
        elif event.character is not None and event.is_printable:
            self._search_go(state.retype(self.text, state.query + event.character))
            if state.failed:
                self.app.bell()
        else:
            # Any other key (an arrow, tab, ctrl+p) closes the bar on the match and then
            # does what it always does.
            self._end_search(keep=True)
            return
        self._refresh_bar()

    def _end_modes(self) -> None:
        """A new article: no labels or search bar stay over it."""
        was_open = self._hints is not None or self._search is not None
        self._hints = None
        self._search = None
        if was_open:
            self._overlay += 1
            self.post_message(self.ModeChanged(self, None))

    async def on_key(self, event: events.Key) -> None:
        """While the search bar or the jump labels are up, keys go to them, not to bindings."""
        if self._hints is not None:
            event.stop()
            event.prevent_default()
            self._hint_key(event)
        elif self._search is not None:
            if event.key in ("escape", "enter", "up", "down", "backspace") or (event.character is not None and event.is_printable):
                event.stop()
                event.prevent_default()
            self._search_key(event)

    def on_paste(self, event: events.Paste) -> None:
        """Pasted text goes into the search bar when it is open."""
        state = self._search
        if state is None or not event.text:
            return
        event.stop()
        self._search_go(state.retype(self.text, state.query + " ".join(event.text.split())))
        self._refresh_bar()

    def on_blur(self, event: events.Blur) -> None:
        self._end_hints()
        self._end_search(keep=True)

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
        ordered = self._spans  # sorted by _span_order, so by _pick_order and by start too
        if direction > 0:
            if current is None:
                index = bisect_left(ordered, self.cursor, key=_span_start)
            else:
                index = bisect_right(ordered, _pick_order(current), key=_pick_order)
            target = ordered[index] if index < len(ordered) else ordered[0]
        else:
            if current is None:
                index = bisect_left(ordered, self.cursor, key=_span_start) - 1
            else:
                index = bisect_left(ordered, _pick_order(current), key=_pick_order) - 1
            target = ordered[index] if index >= 0 else ordered[-1]
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
        self._announce_cursor(new)

    def _announce_cursor(self, offset: int) -> None:
        """Tell the screen where the cursor is: at once through `cursor_listener` when one
        is set (so the status line is drawn in the same frame as the article), else by a
        CursorMoved message, which reaches the screen a frame or two later."""
        listener = self.cursor_listener
        if listener is not None:
            listener(offset)
        else:
            self.post_message(self.CursorMoved(self, offset))

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
        layout = self._layout
        if layout is None or not self.text:
            self.refresh()
            return
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        # Only the rows on screen: a selection over the whole article must not wrap it.
        top = int(self.scroll_y)
        shown_start = layout.row(*layout.locate(top)).start
        shown_end = layout.row(*layout.locate(top + height - 1)).end
        # Snapping can widen a selection to whole words: repaint a little around it.
        low = max(0, start - 1, shown_start)
        high = min(len(self.text), end + 1, shown_end)
        if low > high:
            return
        first_row = self._row_of(low)
        last_row = self._row_of(high)
        self.refresh_lines(first_row, last_row - first_row + 1)

    def _scroll_cursor_into_view(self) -> None:
        if not self.is_mounted:
            return
        height = self._text_rows()
        if height <= 0:
            return
        row = self._settled_row_of(self.cursor, height)
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def scroll_to_offset(self, offset: int, center: bool = True) -> None:
        height = self._text_rows()
        row = self._settled_row_of(offset, height)
        top = int(self.scroll_y)
        if center and not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)
        else:
            self._scroll_cursor_into_view()

    def _settled_row_of(self, offset: int, height: int) -> int:
        """The row of offset once every block within a screen of it is wrapped.

        A scroll that shows this row then wraps nothing between the top of the screen
        and the row, so the row stays where the scroll put it (a block wrapped later
        lies wholly above the screen, and the scroll follows it, or below it).
        """
        layout = self._layout
        if layout is None:
            return 0
        block, index = layout.position(min(max(offset, 0), len(self.text)))
        layout.step(block, index, -height)
        layout.step(block, index, height)
        return layout.row_number(block, index)

    # -- geometry ----------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._relayout(keep_top=True)

    def _relayout(self, keep_top: bool = True) -> None:
        """Lay the article out at the view's width: nothing is wrapped until it is drawn.

        On a new width the row at the top of the screen stays at the top.
        """
        region = self.scrollable_content_region
        if region.width <= 0:
            self._layout = None  # no width yet: the first Resize comes back here
            return
        layout = self._layout
        estimate = layout if layout is not None else ArticleLayout(self._blocks, max(1, region.width - 1))
        width = self._wanted_width(estimate.total)
        if layout is not None and layout.width == width:
            self._prepare_viewport()  # taller or shorter: more or fewer rows to wrap
            return
        top_offset: int | None = None
        if keep_top and layout is not None:
            top_offset = layout.row(*layout.locate(int(self.scroll_y))).start
        layout = estimate if estimate is not self._layout and estimate.width == width else ArticleLayout(self._blocks, width)
        layout.on_wrap = self._block_wrapped
        self._layout = layout
        self._cache.clear()
        self._set_virtual_size()
        if top_offset is not None:
            self.scroll_to(y=self._row_of(top_offset), animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self._prepare_viewport()
        self.refresh()

    def _wanted_width(self, rows: int) -> int:
        """Columns to wrap at for an article of about `rows` rows.

        One column is kept for the cursor at a row's end, and the scrollbar's when the
        article is taller than the view and the scrollbar is not shown yet: it takes
        its columns without a Resize.
        """
        region = self.scrollable_content_region
        width = max(1, region.width - 1)
        bar = self.styles.scrollbar_size_vertical
        if rows > region.height and not self.show_vertical_scrollbar and self.styles.overflow_y == "auto" and width > bar:
            width -= bar
        return width

    def _set_virtual_size(self) -> None:
        layout = self._layout
        size = Size(layout.width, layout.total) if layout is not None else Size(0, 0)
        old = self.virtual_size
        if size == old:
            return
        height = self.scrollable_content_region.height
        if old.width == size.width and old.height > height and size.height > height and self.show_vertical_scrollbar:
            # Only the estimate of the height moved (a block got wrapped) and the scrollbar
            # stays: update the scrollbar and the scroll limits without a layout pass of
            # the whole screen, which would repaint every widget.
            self.set_reactive(ArticleView.virtual_size, size)
            self._scroll_update(size)
            return
        self.virtual_size = size

    def _sync_size(self) -> None:
        self._size_pending = False
        self._set_virtual_size()

    def _block_wrapped(self, block: int, first_row: int, old: int, new: int) -> None:
        """A block's height became exact: keep the rows on screen where they are.

        Only a block wholly above the top row moves what is shown; the scroll position
        moves with it. While rows are being drawn nothing above the top is wrapped, and
        the scrollbar catches up after the frame.
        """
        if self._rendering:
            if not self._size_pending:
                self._size_pending = True
                self.call_later(self._sync_size)
            return
        self._set_virtual_size()
        if first_row + old <= int(self.scroll_y):
            self.scroll_to(y=self.scroll_y + new - old, animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._prepare_viewport()

    def _prepare_viewport(self) -> None:
        """Wrap the rows on screen and a screenful either side, before they are drawn.

        The block above the screen is wrapped while it is still off screen, so its
        height can change without moving what is shown, and scrolling up (a key, the
        wheel, page up) meets rows that are already exact.
        """
        layout = self._layout
        if layout is None or self._preparing:
            return
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        self._preparing = True
        try:
            block, index = layout.locate(int(self.scroll_y))
            last = len(layout) - 1
            below, covered = block, len(layout.block(block).rows) - index
            while covered < 2 * height and below < last:
                below += 1
                covered += len(layout.block(below).rows)
            above, covered = block, index
            while covered < height and above > 0:
                above -= 1
                covered += len(layout.block(above).rows)
        finally:
            self._preparing = False

    def _row_of(self, offset: int) -> int:
        layout = self._layout
        if layout is None:
            return 0
        block, index = layout.position(min(max(offset, 0), len(self.text)))
        return layout.row_number(block, index)

    def _x_of(self, offset: int, block: int, index: int) -> int:
        assert self._layout is not None
        wrapped = self._layout.block(block)
        row = wrapped.rows[index]
        return cell_len(wrapped.display[row.start - wrapped.start : offset - wrapped.start])

    def _offset_at(self, x: int, row_index: int) -> int:
        """The text offset drawn at cell x of a visual row."""
        if self._layout is None:
            return 0
        return self._offset_in_row(x, *self._layout.locate(row_index))

    def _offset_in_row(self, x: int, block: int, index: int) -> int:
        assert self._layout is not None
        wrapped = self._layout.block(block)
        row = wrapped.rows[index]
        display, base = wrapped.display, wrapped.start
        first, end = row.start - base, row.end - base
        column = first
        # Measure prefixes as the renderer does, so emoji sequences joined by ZWJ
        # count as the cells they are drawn in, not the sum of their parts.
        while column < end and cell_len(display[first : column + 1]) <= x:
            column += 1
        if column >= end and not row.last:
            column = max(first, end - 1)
        return base + column

    # -- mouse ---------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self.focus()
        # A click is a jump of its own: jump labels go, the search bar closes where it is.
        self._end_hints()
        self._end_search(keep=True)
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

    def _ghost_style(self, name: str) -> Style:
        """A suggestion: the label's colour on the article's own background, in the
        `article-view--ghost` text style (dim, italic, underlined), so it never looks
        like a span, which has a tinted background."""
        key = f"ghost|{name}"
        style = self._label_styles.get(key)
        if style is None:
            label = self._labels.get(name)
            base = self.rich_style
            background = Color.from_rich_color(base.bgcolor) if base.bgcolor else Color(0, 0, 0)
            colour = Color.parse(label.color) if label else Color(171, 178, 191)
            foreground = background.blend(colour, 0.85)
            ghost = self.get_component_rich_style("article-view--ghost", partial=True)
            style = Style(color=foreground.rich_color) + ghost
            self._label_styles[key] = style
        return style

    def render_lines(self, crop: Region) -> list[Strip]:
        # A width can change without a Resize: the scrollbar takes columns when the
        # article turns out taller than the view. Rows wider than the view get rewrapped;
        # narrower ones (the scrollbar went) are left, so that wrapping and the
        # scrollbar cannot chase each other.
        layout = self._layout
        width = self.scrollable_content_region.width
        if width > 0 and (layout is None or layout.width > max(1, width - 1)):
            self.call_later(self._relayout)
        self._rendering = True
        # The widget's styles, looked up once a frame, not once a row (each lookup walks
        # the ancestors' styles).
        self._frame_styles = self._styles_now()
        self._frame_state = self._row_state()
        try:
            return super().render_lines(crop)
        finally:
            self._rendering = False
            self._frame_styles = None
            self._frame_state = None
            if not self._prefetch_pending and self.is_mounted:
                self._prefetch_pending = True
                self.set_timer(0.03, self._prefetch)

    def _styles_now(self) -> tuple[Style, Style, Style, Style]:
        return (
            self.rich_style,
            self.get_component_rich_style("article-view--selection", partial=True),
            self.get_component_rich_style("article-view--active-span", partial=True),
            self.get_component_rich_style("article-view--cursor", partial=True),
        )

    def _prefetch(self) -> None:
        """Once a frame is out, draw the screenful below and the one above into the row cache,
        so a page down or up (or scrolling) finds its rows built."""
        self._prefetch_pending = False
        layout = self._layout
        if layout is None or not self.is_mounted or self._rendering:
            return
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = int(self.scroll_y)
        self._rendering = True  # wrapping a block must not move the scroll from here
        self._frame_styles = self._styles_now()
        self._frame_state = self._row_state()
        try:
            for y in (*range(height, 2 * height), *range(-1, -height - 1, -1)):
                if 0 <= top + y < layout.total:
                    self.render_line(y)
        finally:
            self._rendering = False
            self._frame_styles = None
            self._frame_state = None

    def _row_state(self) -> tuple[int, int, tuple[int, int] | None, int, bool, Span | None, str]:
        """What every row of a frame is drawn from, read once per frame when rendering."""
        return (
            int(self.scroll_y),
            self.scrollable_content_region.width,
            self.selection,
            self.cursor,
            not self.has_focus and self.anchor is None,
            self.active_span,
            self.app.theme,
        )

    def render_line(self, y: int) -> Strip:
        state = self._frame_state if self._frame_state is not None else self._row_state()
        top, width, selection, cursor_at, dim_cursor, active, theme = state
        search = self._search
        if search is not None and y == self.scrollable_content_region.height - 1 and y > 0:
            return search_bar_strip(
                search,
                width,
                self.rich_style + self.get_component_rich_style("article-view--search-bar", partial=True),
                self.get_component_rich_style("article-view--search-failed", partial=True),
            )
        row_index = top + y
        layout = self._layout
        if layout is None or row_index >= layout.total:
            return Strip.blank(width, self.rich_style)
        block, index = layout.locate(row_index)
        if row_index >= layout.total:
            return Strip.blank(width, self.rich_style)  # wrapped, the article turned out shorter
        wrapped = layout.block(block)
        row = wrapped.rows[index]
        row_start, row_end = row.start, row.end
        sel = None
        if selection is not None and selection[0] < row_end + (1 if row.last else 0) and selection[1] > row_start:
            sel = (max(selection[0], row_start), min(selection[1], row_end + (1 if row.last else 0)))
        cursor = cursor_at if row_start <= cursor_at < row_end or (row.last and cursor_at == row_end) else None
        if dim_cursor and cursor is not None:
            cursor = -1 - cursor  # drawn dimmer when focus is elsewhere
        act = None
        if active is not None and active.start < row_end and active.end > row_start:
            act = (max(active.start, row_start), min(active.end, row_end))
        # Keyed by what the row shows, not by its number: rows are renumbered as
        # blocks above them are wrapped.
        key = (
            row_start,
            row_end,
            row.last,
            width,
            self._block_versions.get(block, 0),
            self._generation,
            sel,
            cursor,
            act,
            theme,
            self._overlay if self._hints is not None else 0,
        )
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        strip = self._build_row(block, wrapped, row, sel, cursor, act, width)
        self._cache[key] = strip
        return strip

    def _build_row(
        self,
        block: int,
        wrapped: WrappedBlock,
        row: Row,
        sel: tuple[int, int] | None,
        cursor: int | None,
        act: tuple[int, int] | None,
        width: int,
    ) -> Strip:
        frame_styles = self._frame_styles
        if frame_styles is None:
            frame_styles = self._styles_now()
        base, selection_style, active_style, cursor_style = frame_styles
        row_start, row_end = row.start, row.end
        first, last = row_start // SPAN_BUCKET, max(row_start, row_end - 1) // SPAN_BUCKET
        buckets = self._bucket_spans
        if first == last:
            candidates: list[Span] = buckets.get(first, [])
        else:  # a span in two buckets is listed in both: once here
            candidates = list({id(s): s for b in range(first, last + 1) for s in buckets.get(b, ())}.values())
        spans = [s for s in candidates if s.start < row_end and s.end > row_start]
        ghosts: list[Suggestion] = []
        if self._bucket_suggestions:
            found = {
                id(g): g for b in range(first, last + 1) for g in self._bucket_suggestions.get(b, ()) if g.start < row_end and g.end > row_start
            }
            ghosts = list(found.values())
        # Jump labels drawn over the first letters of their words: (start, end, letters).
        labels: list[tuple[int, int, str]] = []
        if self._hints is not None:
            typed = len(self._hints.typed)
            for offset, label in self._hints.in_range(row_start, row_end):
                letters = label[typed:]
                end = min(offset + len(letters), row_end)
                if end > offset:
                    labels.append((offset, end, letters[: end - offset]))
        cursor_offset = cursor if cursor is None or cursor >= 0 else -1 - cursor
        points = {row_start, row_end}
        for span in (*spans, *ghosts):
            points.add(min(max(span.start, row_start), row_end))
            points.add(min(max(span.end, row_start), row_end))
        for start, end, _ in labels:
            points.update((start, end))
        for pair in (sel, act):
            if pair is not None:
                points.update((min(pair[0], row_end), min(pair[1], row_end)))
        if cursor_offset is not None and cursor_offset < row_end:
            points.update((cursor_offset, cursor_offset + 1))
        ordered = sorted(p for p in points if row_start <= p <= row_end)
        if cursor is not None and cursor < 0:
            cursor_style = Style(underline=True, bold=True)
        hint_style = self.get_component_rich_style("article-view--hint", partial=True) if labels else Style()
        segments: list[Segment] = []
        display, shift = wrapped.display, wrapped.start
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
            elif ghosts:
                # A suggestion shows only where no span is: it is an offer, never a span.
                ghost = next((g for g in ghosts if g.start <= a and g.end >= b), None)
                if ghost is not None:
                    style = style + self._ghost_style(ghost.label)
            if act is not None and act[0] <= a and b <= act[1]:
                style = style + active_style
            if sel is not None and sel[0] <= a and b <= sel[1]:
                style = style + selection_style
            if cursor_offset is not None and a == cursor_offset:
                style = style + cursor_style
            label = next((item for item in labels if item[0] <= a < item[1]), None) if labels else None
            if label is not None:
                letters = label[2][a - label[0] : b - label[0]]
                segments.append(Segment(letters, style + hint_style))
                continue
            segments.append(Segment(display[a - shift : b - shift], style))
        if row.last and cursor_offset == row_end:
            style = base + (selection_style if sel is not None and sel[1] > row_end else Style())
            segments.append(Segment(" ", style + cursor_style))
        strip = Strip(segments)
        return strip.adjust_cell_length(width, base)
