"""Keys per span: the cheapest key sequence for the gold fixture, replayed through the real app.

    python bench/bench_keys.py             # the five sample articles (about 3 minutes on 2 cores)
    python bench/bench_keys.py --quick     # the first article only
    python bench/bench_keys.py --json      # the figures as JSON on stdout
    python bench/bench_keys.py --features  # first plan with each feature set (about 17 minutes)

The yardstick for "an expert needs at most 2.0 keys per span". For every span of
bench/data/samples_gold.jsonl, in reading order, a shortest-path search finds the fewest
key presses that create exactly that span, starting from where the previous span left
the cursor. A search state is what the article view and its session hold: cursor,
selection anchor, an exact selection (`s`, `;`, `g`, `)`), word or character precision,
the column that up and down keep, the row at the top of the screen (the `f` hints label
what is on screen), the picked span, the last search (`/ enter` repeats it), and within
one span's search the spans a key made on the way and the suggestions it settled. Once
the label key is pressed the new span's range is part of it too (`[ ] { }` resize it).

Each edge is one key, or a key that opens a mode and the keys typed in it (`/`, letters,
`enter`; `f` and a hint label), priced by every key. Effects are computed by the
functions the app uses: annotator.text for characters, words, snapping and resizing;
annotator.units for sentences, claims, smart units, candidates, searches, hints, mentions
and suggestions; the app's ArticleLayout, wrapped at the view's real width, for rows and
scrolling. The keys come from the app's BINDINGS (ArticleView and AnnotateScreen), the
label set and `UNIT_ACTIONS`. Propagation (`*`) is planned after a span when every other
mention it would tag is a fixture span with that label; suggestions are computed as the
app computes them on opening an untouched article (a gazetteer of the spans tagged in the
articles before), `y` accepts the one a span is, `Y` all of a label when every one is
right, and `x` rejects a wrong one only where that lets a `Y` take the rest (each
article is planned with and without those rejections, the cheaper kept). No span is
planned twice: one made by `*` or `Y` costs nothing later.

Then the plan is replayed in the real app (`make_app` under `App.run_test(size=(120, 40))`),
on a temporary database holding the five articles as they are on disk (imported with
clean=False, like `annotator import --keep-chrome`, so the fixture's offsets hold) under the
name "replay". On opening each article the app's suggestions must be the planned ones;
after each span the cursor, the selection, the precision, the top row, the picked span and
the suggestions must be where the plan says; at the end the spans in the database must
equal the fixture. A planned key the app does not bind is reported as "key not bound yet".
Any difference is printed and the exit status is 1. The suggestions' precision and recall
against the fixture (annotator.units.suggestion_quality) are reported as the app made them.

Edges are a registry: a `Move` per key (key, category, function state -> state or None)
or a `Macro` for a key that opens a mode. A new key is one more entry; see `UNIT_ACTIONS`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "truecolor")

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

BENCH = Path(__file__).resolve().parent
if str(BENCH / "data") not in sys.path:
    sys.path.insert(0, str(BENCH / "data"))

from make_gold import CORPUS, JSONL, GoldError, GoldSpan, load_jsonl  # noqa: E402
from rich.cells import cell_len  # noqa: E402

from annotator.labels import APP_KEYS, DEFAULT_LABELS  # noqa: E402
from annotator.model import Label  # noqa: E402
from annotator.units import Suggestion, smart_unit_for  # noqa: E402
from annotator.units.words import covered  # noqa: E402
from annotator.text import (  # noqa: E402
    next_grapheme,
    next_word_start,
    previous_grapheme,
    previous_word_start,
    resize_range,
    snap_to_words,
    trim,
    word_at,
)
from annotator.tui.widgets.article_layout import ArticleLayout, Row, TextBlocks  # noqa: E402

try:  # where `end` puts the cursor on a wrapped row (the app's own rule, where it has one)
    from annotator.tui.widgets.article_layout import row_end_offset  # noqa: E402
except ImportError:  # an app whose `end` goes to the row's end offset

    def row_end_offset(text: str, row: Row) -> int:
        return row.end

ANNOTATOR = "replay"
SIZE = (120, 40)
CATEGORIES = ("navigation", "selection", "label", "propagation", "suggestion")


# -- the search state and its context -------------------------------------------------

Triple = tuple[int, int, str]
"""A span as the fixture and the session compare it: (start, end, label)."""


class State(NamedTuple):
    """What one key can change in the article view and its session (see ArticleView's reactives).

    `made` and `gone` live for one span's search only: the spans a key other than the
    label key created on the way (Y, y) and the suggestions it accepted or rejected.
    """

    cursor: int
    anchor: int | None  # selection anchor; None: nothing selected
    exact: tuple[int, int] | None  # a selection kept as it stands while it is the selection (s, ;, g, ))
    snap: bool  # word snapping (True) or character precision (`t`)
    desired_x: int | None  # the column up/down/page keep, None after any other move
    tagged: tuple[int, int] | None  # the new span once the label key is pressed (resize keys move it)
    top: int = 0  # the row at the top of the view (a row number of the planner's layout)
    picked: tuple[int, int] | None = None  # the picked span: a label key retags it, * propagates it
    made: frozenset[Triple] = frozenset()
    gone: frozenset[Triple] = frozenset()
    query: str = ""  # the last search, which `/` then `enter` repeats


FEATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("baseline", frozenset()),
    ("+label alone", frozenset({"label_alone"})),
    ("+candidates ;", frozenset({"label_alone", "candidates"})),
    ("+smart g and )", frozenset({"label_alone", "candidates", "smart"})),
    ("+jump / and f", frozenset({"label_alone", "candidates", "smart", "jump"})),
    ("+propagation *", frozenset({"label_alone", "candidates", "smart", "jump", "propagate"})),
    ("+suggestions", frozenset({"label_alone", "candidates", "smart", "jump", "propagate", "suggest"})),
)
"""The feature sets `--features` plans with, one more switched on each time (the last is all)."""
ALL_FEATURES = FEATURES[-1][1]


@dataclass
class Context:
    """One article as the view lays it out, the target span and what the session holds."""

    text: str
    layout: ArticleLayout
    page: int  # rows a page key moves: the view's height - 1, as ArticleView.action_page
    label: str = ""
    goal: tuple[int, int] = (0, 0)  # the target's range (label is its label)
    kinds: dict[str, str] = field(default_factory=dict)  # label -> kind (label keys alone)
    features: frozenset[str] = ALL_FEATURES
    existing: set[Triple] = field(default_factory=set)  # the analyst's spans in the article
    gold: set[Triple] = field(default_factory=set)  # every span the article should end with
    pending: list[Suggestion] = field(default_factory=list)  # the session's offers, as the app keeps them
    version: int = 0  # bumped whenever existing or pending change (the caches below key on it)
    _cache: dict[tuple[object, ...], object] = field(default_factory=dict)
    _tables: dict[str, list[int]] = field(default_factory=dict)
    _intervals: dict[tuple[int, int], list[tuple[int, int, tuple[int, int] | None]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        layout = self.layout
        for block in range(len(layout.blocks)):
            layout.block(block)  # every block wrapped: row numbers are exact
        self.row_starts = [layout.row(*layout.locate(number)).start for number in range(layout.total)]
        self.rows = layout.total
        self.height = self.page + 1

    def table(self, name: str) -> list[int]:
        """A motion's target from every offset, computed once per article: the search asks
        for the same few thousand offsets millions of times."""
        found = self._tables.get(name)
        if found is None:
            text, layout = self.text, self.layout
            offsets = range(len(text) + 1)
            if name == "char+":
                found = [next_grapheme(text, i) for i in offsets]
            elif name == "char-":
                found = [previous_grapheme(text, i) for i in offsets]
            elif name == "word+":
                found = [next_word_start(text, i) for i in offsets]
            elif name == "word-":
                found = [previous_word_start(text, i) for i in offsets]
            elif name == "row":
                found = [layout.row_number(*layout.position(i)) for i in offsets]
            else:  # line- / line+: the visual row's start or end (home / end)
                rows = [layout.row(*layout.position(i)) for i in offsets]
                found = [row.start if name == "line-" else row_end_offset(text, row) for row in rows]
            self._tables[name] = found
        return found

    def cached(self, key: tuple[object, ...], compute: Callable[[], object]) -> object:
        """Motions depend on the offset only: each is computed once per article."""
        found = self._cache.get(key, _MISSING)
        if found is _MISSING:
            found = self._cache[key] = compute()
        return found

    def tagged_ranges(self, state: State) -> list[tuple[int, int]]:
        """The analyst's spans as the view has them in this state (what `;` and `f` skip)."""
        spans = {(s, e) for s, e, _ in self.existing}
        spans.update((s, e) for s, e, _ in state.made)
        if state.tagged is not None:
            spans.add(state.tagged)
        return sorted(spans)

    def offers(self, state: State) -> list[Suggestion]:
        """The suggestions still drawn in this state: less those accepted, rejected or tagged over."""
        if not state.made and state.tagged is None and not state.gone:
            return self.pending
        settled = sorted({(s, e) for s, e, _ in state.made} | ({state.tagged} if state.tagged else set()))
        return [
            item
            for item in self.pending
            if (item.start, item.end, item.label) not in state.gone and not covered((item.start, item.end), settled)
        ]

    def visible(self, state: State) -> tuple[int, int]:
        """The text offsets on screen: the top row's start to the bottom row's end."""
        bottom = min(self.rows - 1, state.top + self.height - 1)
        layout = self.layout
        return self.row_starts[state.top], layout.row(*layout.locate(bottom)).end


_MISSING = object()
_new = tuple.__new__  # builds a State without NamedTuple's Python-level __new__ (the search's hot path)


@dataclass(frozen=True)
class Move:
    """One key: what it is called, what kind of key it is, and what it does to a state."""

    key: str
    category: str
    apply: Callable[[Context, State], State | None]
    feature: str = ""  # how a span that used it was made (the "spans handled per feature" table)
    typed: bool = False  # typed into a mode (the search bar, the hints), not a binding


@dataclass(frozen=True)
class Macro:
    """A key that opens a mode (the search bar, the hint overlay) and the keys typed in it:
    each outcome is a whole key sequence, priced by its length."""

    key: str
    category: str
    expand: Callable[[Context, State, Callable[[State], bool]], list[tuple[tuple[str, ...], State]]]
    feature: str = ""


def _noop(ctx: Context, state: State) -> State | None:
    return None


# -- the view's behaviour, with the app's own functions --------------------------------
# ArticleView keeps a few rules inside its methods (move_to, action_move, action_move_row,
# _x_of, _offset_in_row, selection, action_tag in AnnotateScreen). They are reproduced here
# from the same layout data, line for line, and the replay checks every step against the app.


def move_to(ctx: Context, state: State, offset: int, select: bool, keep_x: bool = False, rows: int = 0) -> State:
    """ArticleView.move_to: a plain move drops the selection, a shift move starts one; leaving
    the picked span un-picks it; a cursor off screen scrolls the view just enough."""
    offset = min(max(offset, 0), len(ctx.text))
    cursor, anchor, exact, snap, desired_x, tagged, top, picked, made, gone, query = state
    if select and anchor is None:
        anchor = cursor
    elif not select and anchor is not None:
        anchor, exact = None, None  # watch_anchor: the exact range goes with its selection
    if picked is not None and not picked[0] <= offset <= picked[1]:
        picked = None
    if offset != cursor:  # watch_cursor: only a change scrolls (rows: fewer while the search bar is up)
        height = rows or ctx.height
        row = ctx.table("row")[offset]
        if row < top:
            top = row
        elif row >= top + height:
            top = min(row - height + 1, max(0, ctx.rows - ctx.height))
    return _new(State, (offset, anchor, exact, snap, desired_x if keep_x else None, tagged, top, picked, made, gone, query))


def scroll_to_offset(ctx: Context, top: int, offset: int, rows: int = 0) -> int:
    """ArticleView.scroll_to_offset: a place off screen comes a third of the way down."""
    height = rows or ctx.height
    row = ctx.table("row")[offset]
    if top <= row < top + height:
        return top
    return min(max(0, row - height // 3), max(0, ctx.rows - ctx.height))


def selection(ctx: Context, state: State) -> tuple[int, int] | None:
    """ArticleView.selection: what a label key would tag."""
    if state.anchor is None or state.anchor == state.cursor:
        return None
    start, end = sorted((state.anchor, state.cursor))
    if state.exact == (start, end):
        return state.exact
    key = ("sel", start, end, state.snap)
    return ctx.cached(key, lambda: snap_to_words(ctx.text, start, end) if state.snap else trim(ctx.text, start, end))  # type: ignore[return-value]


def _x_of(layout: ArticleLayout, offset: int, block: int, index: int) -> int:
    """ArticleView._x_of."""
    wrapped = layout.block(block)
    row = wrapped.rows[index]
    return cell_len(wrapped.display[row.start - wrapped.start : offset - wrapped.start])


def _offset_in_row(layout: ArticleLayout, x: int, block: int, index: int) -> int:
    """ArticleView._offset_in_row."""
    wrapped = layout.block(block)
    row = wrapped.rows[index]
    display, base = wrapped.display, wrapped.start
    first, end = row.start - base, row.end - base
    column = first
    while column < end and cell_len(display[first : column + 1]) <= x:
        column += 1
    if column >= end and not row.last:
        column = max(first, end - 1)
    return base + column


def _row_target(ctx: Context, cursor: int, desired_x: int | None, delta: int) -> tuple[int, int]:
    """ArticleView.action_move_row: (target offset, the column kept)."""

    key = ("row", cursor, desired_x, delta)
    found = ctx._cache.get(key)
    if found is None:
        layout = ctx.layout
        block, index = layout.position(cursor)
        x = desired_x if desired_x is not None else _x_of(layout, cursor, block, index)
        target_block, target_index = layout.step(block, index, delta)
        if (target_block, target_index) == (block, index):
            found = ((0 if delta < 0 else len(ctx.text)), x)
        else:
            found = (_offset_in_row(layout, x, target_block, target_index), x)
        ctx._cache[key] = found
    return found  # type: ignore[return-value]


def motion(unit: str, direction: int, select: bool) -> Callable[[Context, State], State | None]:
    """ArticleView.action_move(unit, direction, select)."""

    table = f"{unit}{'+' if direction > 0 else '-'}" if unit in ("char", "word", "line") else ""

    def apply(ctx: Context, state: State) -> State | None:
        if state[5] is not None:
            return None  # after the label key only the span's own keys serve this span
        cursor = state[0]
        if unit == "char" and not select and state[1] is not None and state[1] != cursor:
            low, high = sorted((state[1], cursor))  # an arrow collapses the selection
            return move_to(ctx, state, low if direction < 0 else high, False)
        target = ctx.table(table)[cursor] if table else (0 if direction < 0 else len(ctx.text))
        return move_to(ctx, state, target, select)

    return apply


def row_motion(delta: int | None, direction: int, select: bool) -> Callable[[Context, State], State | None]:
    """ArticleView.action_move_row(delta) and action_page(direction) (delta None: a page)."""

    def apply(ctx: Context, state: State) -> State | None:
        if state[5] is not None:
            return None
        rows = delta if delta is not None else direction * max(1, ctx.page)
        top = state.top
        if delta is None:  # action_page scrolls first, within the scroll range
            top = min(max(0, top + rows), max(0, ctx.rows - ctx.height))
        target, x = _row_target(ctx, state[0], state[4], rows)
        return move_to(ctx, state._replace(desired_x=x, top=top), target, select, keep_x=True)

    return apply


def select_word(ctx: Context, state: State) -> State | None:
    """ArticleView.action_select_word: select_range(word_at(cursor))."""
    if state.tagged is not None:
        return None
    found = ctx.cached(("w", state.cursor), lambda: word_at(ctx.text, state.cursor))
    if found is None:
        return None
    return _select_range(ctx, state, *found, exact=False)  # type: ignore[misc]


def select_sentence(ctx: Context, state: State) -> State | None:
    """ArticleView.action_select_sentence: the sentence without its closing punctuation
    (units.sentence_span), kept exactly as found."""
    from annotator.units import sentence_span

    if state.tagged is not None:
        return None
    found = ctx.cached(("s", state.cursor), lambda: sentence_span(ctx.text, state.cursor))
    if found is None:
        return None
    return _select_range(ctx, state, *found, exact=True)  # type: ignore[misc]


def _select_range(ctx: Context, state: State, start: int, end: int, exact: bool, cursor_at_start: bool = False) -> State:
    """ArticleView.select_range: the anchor at one end, a selecting move to the other."""
    kept = (start, end) if exact and start < end else None
    anchor, to = (end, start) if cursor_at_start else (start, end)
    return move_to(ctx, state._replace(anchor=anchor, exact=kept, tagged=None), to, True)


def clear(ctx: Context, state: State) -> State | None:
    """ArticleView.action_clear (escape): the selection and the pick go, the cursor stays."""
    if state.tagged is not None or (state.anchor is None and state.picked is None):
        return None
    return state._replace(anchor=None, exact=None, picked=None)


def toggle_precision(ctx: Context, state: State) -> State | None:
    """AnnotateScreen.action_toggle_precision (t)."""
    return state._replace(snap=not state.snap)


def _new_span(ctx: Context, state: State, start: int, end: int) -> State:
    """AnnotateScreen.action_tag once the session took the span: it is picked, the cursor at its end."""
    after = move_to(ctx, state._replace(anchor=None, exact=None, picked=(start, end)), end, False)
    return after._replace(tagged=(start, end), desired_x=None)


def tag(label: str) -> Callable[[Context, State], State | None]:
    """AnnotateScreen.action_tag, and ArticleSession.tag's refusals.

    With a selection it tags the selection; with none and nothing picked, the unit its
    label's kind wants at the cursor (smart_unit_for, as ArticleSession.tag_at).
    """

    def apply(ctx: Context, state: State) -> State | None:
        if state.tagged is not None or label != ctx.label or state.made:
            return None  # one new span per target, with the target's label
        found = selection(ctx, state)
        if found is None:
            if state.anchor is not None and state.anchor != state.cursor:
                return None
            if state.picked is not None or "label_alone" not in ctx.features:
                return None  # the key would retag the picked span, or refuse
            kind = ctx.kinds.get(label, "")
            found = ctx.cached(("unit", state.cursor, kind), lambda: smart_unit_for(ctx.text, state.cursor, kind))  # type: ignore[assignment]
            if found is None:
                return None
        start, end = found
        if (start, end, label) in ctx.existing:
            return None  # "already on that text"
        return _new_span(ctx, state, start, end)

    return apply


def resize(edge: str, direction: int) -> Callable[[Context, State], State | None]:
    """AnnotateScreen.action_resize on the span just tagged, with ArticleSession.resize's refusals."""

    def apply(ctx: Context, state: State) -> State | None:
        if state.tagged is None:
            return None
        start, end = resize_range(ctx.text, *state.tagged, edge, direction, state.snap)
        if start >= end or (start, end) == state.tagged or (start, end, ctx.label) in ctx.existing:
            return None
        return state._replace(tagged=(start, end), picked=(start, end))

    return apply


# -- the registry: today's keys, read from the app's bindings ---------------------------

Edge = tuple[Callable[[Context, State], State | None], str, str]
"""A key's effect, its category and the feature it counts under."""


def _article_action(name: str, arguments: tuple[object, ...]) -> Edge | None:
    """An ArticleView / AnnotateScreen action as an edge: (function, category, feature)."""
    if name == "move":
        unit, direction, *rest = arguments
        select = bool(rest[0]) if rest else False
        feature = "extended with shift+keys" if select else ""
        return motion(str(unit), int(direction), select), "selection" if select else "navigation", feature  # type: ignore[call-overload]
    if name == "move_row":
        delta, *rest = arguments
        select = bool(rest[0]) if rest else False
        return row_motion(int(delta), int(delta), select), "selection" if select else "navigation", "extended with shift+keys" if select else ""  # type: ignore[call-overload]
    if name == "page":
        direction, *rest = arguments
        select = bool(rest[0]) if rest else False
        return row_motion(None, int(direction), select), "selection" if select else "navigation", "extended with shift+keys" if select else ""  # type: ignore[call-overload]
    if name == "select_word":
        return select_word, "selection", "word key (w)"
    if name == "select_sentence":
        return select_sentence, "selection", "sentence key (s)"
    if name == "clear":
        return clear, "navigation", ""
    if name == "toggle_precision":
        return toggle_precision, "selection", "character precision (t)"
    if name == "resize":
        edge, direction = arguments
        return resize(str(edge), int(direction)), "selection", "edges resized ([ ] { })"
    return None


# ==== Planned keys: annotator.units ====================================================
# The keys of issue 11, by the key the key design gives them (Textual's key names). Each
# entry's edge computes the key's effect with the annotator.units function the app calls
# (or the ArticleSession method, for the suggestion keys), and names the feature set of
# `--features` it belongs to. The planner uses them whether or not the app binds them
# yet; the replay reports a planned key the app does not bind as "key not bound yet".
# Keys that open a mode (`/`, `f`) are `Macro`s: one outcome per place they can reach,
# priced by every key typed.

Planned = tuple[Move | Macro, str]
"""A planned key and the feature set (FEATURES) that switches it on."""

UNIT_ACTIONS: dict[str, Callable[[], Planned]] = {}


def unit_action(key: str) -> Callable[[Callable[[], Planned]], Callable[[], Planned]]:
    """Register a planned key's edge under its key name."""

    def register(factory: Callable[[], Planned]) -> Callable[[], Planned]:
        UNIT_ACTIONS[key] = factory
        return factory

    return register


def _interval_lookup(ctx: Context, state: State, direction: int) -> tuple[int, int] | None:
    """next_candidate / previous_candidate with the analyst's spans, remembered as intervals.

    The answer for an offset holds for every offset up to the candidate's start (down to
    it, backwards): no uncovered candidate starts between them. A few calls per span.
    """
    from annotator.units import next_candidate, previous_candidate

    cursor = state.cursor
    if state.made or state.tagged is not None:
        tagged = ctx.tagged_ranges(state)
        return next_candidate(ctx.text, cursor, tagged) if direction > 0 else previous_candidate(ctx.text, cursor, tagged)
    known = ctx._intervals.setdefault((ctx.version, direction), [])
    for low, high, answer in known:
        if low <= cursor < high:
            return answer
    tagged = ctx.tagged_ranges(state)
    if direction > 0:
        answer = next_candidate(ctx.text, cursor, tagged)
        known.append((cursor, answer[0] if answer else len(ctx.text) + 1, answer))
    else:
        answer = previous_candidate(ctx.text, cursor, tagged)
        known.append((answer[0] + 1 if answer else -1, cursor + 1, answer))
    return answer


def _candidate(direction: int) -> Callable[[Context, State], State | None]:
    """`;` / `,`: the next (previous) untagged candidate or suggestion, selected exactly,
    the cursor at its start."""

    def apply(ctx: Context, state: State) -> State | None:
        if state.tagged is not None or state.made:
            return None
        found = _interval_lookup(ctx, state, direction)
        cursor = state.cursor
        offers = ctx.offers(state)
        tagged = ctx.tagged_ranges(state) if offers else []
        if direction > 0:
            ghost = next(((s.start, s.end) for s in offers if s.start > cursor and not covered((s.start, s.end), tagged)), None)
            if ghost is not None and (found is None or ghost[0] <= found[0]):
                found = ghost  # a suggestion wins where both start
        else:
            ghost = next(((s.start, s.end) for s in reversed(offers) if s.start < cursor and not covered((s.start, s.end), tagged)), None)
            if ghost is not None and (found is None or ghost[0] >= found[0]):
                found = ghost
        if found is None:
            return None
        top = scroll_to_offset(ctx, state.top, found[0])
        return _select_range(ctx, state._replace(top=top), *found, exact=True, cursor_at_start=True)

    return apply


@unit_action("semicolon")
def _next_candidate() -> Planned:
    return Move("semicolon", "selection", _candidate(1), "candidate (; ,)"), "candidates"


@unit_action("comma")
def _previous_candidate() -> Planned:
    return Move("comma", "selection", _candidate(-1), "candidate (; ,)"), "candidates"


def _smart(ctx: Context, state: State) -> State | None:
    """`g`: the smart unit at the cursor; with a selection, the next larger unit (grow)."""
    from annotator.units import grow, smart_unit_at

    if state.tagged is not None:
        return None
    found = selection(ctx, state)
    if found is None:
        found = ctx.cached(("g", state.cursor), lambda: smart_unit_at(ctx.text, state.cursor))  # type: ignore[assignment]
    else:
        start, end = found
        found = ctx.cached(("grow", start, end), lambda: grow(ctx.text, start, end))  # type: ignore[assignment]
    if found is None:
        return None
    return _select_range(ctx, state, *found, exact=True)


@unit_action("g")
def _smart_unit() -> Planned:
    return Move("g", "selection", _smart, "smart selection (g, ))"), "smart"


def _claim(ctx: Context, state: State) -> State | None:
    """`)`: the claim from the cursor to the end of its sentence."""
    from annotator.units import claim_from

    if state.tagged is not None:
        return None
    found = ctx.cached((")", state.cursor), lambda: claim_from(ctx.text, state.cursor))
    if found is None:
        return None
    return _select_range(ctx, state, *found, exact=True)  # type: ignore[misc]


@unit_action("right_parenthesis")
def _claim_from() -> Planned:
    return Move("right_parenthesis", "selection", _claim, "smart selection (g, ))"), "smart"


def _typed_key(char: str) -> str | None:
    """The key that types char into the search bar, None for a character not worth typing."""
    if char.isascii() and char.isalnum():
        return char.lower()
    if char == " ":
        return "space"
    return None


SEARCH_LETTERS = 10
"""The longest query the planner types: a target needing more is reached another way."""


def _search(ctx: Context, state: State, inside: Callable[[State], bool]) -> list[tuple[tuple[str, ...], State]]:
    """`/`, letters, `enter`: the cursor on the first match at or after where it began.

    Every word start the search window allows is a target; its price is the fewest
    letters of its own text after which it is that first match (find_text, as the
    search bar calls it), plus `/` and `enter`. `/ enter` repeats the last query from
    the cursor. While the bar is open it takes the view's bottom row (ArticleView._text_rows).
    """
    from annotator.units import find_text

    if state.tagged is not None or state.made or state.anchor is not None:
        return []
    text, origin = ctx.text, state.cursor
    lowered = ctx.cached(("lower",), text.lower)
    assert isinstance(lowered, str)
    bar = max(1, ctx.height - 1)
    opened = state
    row = ctx.table("row")[origin]
    if row >= state.top + bar:  # action_search: the bar covers the cursor's row
        opened = state._replace(top=min(row - bar + 1, max(0, ctx.rows - ctx.height)))
    found: list[tuple[tuple[str, ...], State]] = []
    if state.query:
        match = find_text(text, state.query, origin)
        if match is not None and match != origin:
            after = move_to(ctx, opened._replace(top=scroll_to_offset(ctx, opened.top, match)), match, False)
            if inside(after):
                found.append((("slash", "enter"), after))
    starts = ctx.cached(("starts",), lambda: [m.start() for m in _WORD_START.finditer(text)])
    assert isinstance(starts, list)
    for target in starts:
        if target == origin or not inside(move_to(ctx, state, target, False)):
            continue
        keys: list[str] = []
        walk = opened  # each letter moves the cursor to the query's first match so far
        for k in range(1, SEARCH_LETTERS + 1):
            if target + k > len(text):
                break
            key = _typed_key(text[target + k - 1])
            if key is None:
                break
            keys.append(key)
            query = lowered[target : target + k]
            first = lowered.find(query, origin)
            if first == -1:
                first = lowered.find(query)
            walk = move_to(ctx, walk._replace(top=scroll_to_offset(ctx, walk.top, first, bar)), first, False, rows=bar)
            if first != target:
                continue
            if find_text(text, query, origin - 1) != target:
                break  # lowercasing moved something: leave this target to other keys
            found.append((("slash", *keys, "enter"), walk._replace(query=query)))
            break
    return found


_WORD_START = re.compile(r"(?<!\w)\w")


@unit_action("slash")
def _jump_search() -> Planned:
    return Macro("slash", "navigation", _search, "jump (/ f)"), "jump"


def _hints(ctx: Context, state: State, inside: Callable[[State], bool]) -> list[tuple[tuple[str, ...], State]]:
    """`f` and a hint label: the cursor on that word start (hint_labels over the visible rows)."""
    from annotator.units import hint_labels

    if state.tagged is not None or state.made or state.anchor is not None:
        return []
    visible = ctx.visible(state)
    key = ("hints", visible, state.cursor, ctx.version)
    labels = ctx.cached(key, lambda: hint_labels(ctx.text, visible, state.cursor, ctx.tagged_ranges(state)))
    assert isinstance(labels, dict)
    found: list[tuple[tuple[str, ...], State]] = []
    for label, offset in labels.items():
        if offset == state.cursor:
            continue
        after = move_to(ctx, state, offset, False)
        if inside(after):
            found.append((("f", *label), after))
    return found


@unit_action("f")
def _jump_hints() -> Planned:
    return Macro("f", "navigation", _hints, "jump (/ f)"), "jump"


def _accept(ctx: Context, state: State) -> State | None:
    """`y`: the suggestion at the cursor becomes the analyst's span (ArticleSession.accept);
    it is picked, the cursor and any selection stay."""
    if state.tagged is not None or state.made:
        return None
    item = suggestion_at(ctx.offers(state), state.cursor)
    if item is None or (item.start, item.end, item.label) != (*ctx.goal, ctx.label):
        return None
    if (item.start, item.end, item.label) in ctx.existing:
        return None
    triple = (item.start, item.end, item.label)
    return state._replace(picked=(item.start, item.end), made=frozenset({triple}), gone=state.gone | {triple})


@unit_action("y")
def _accept_one() -> Planned:
    return Move("y", "suggestion", _accept, "suggestion accepted (y Y)"), "suggest"


def _accept_all(ctx: Context, state: State) -> State | None:
    """`Y`: every suggestion with the label of the one at the cursor, in one batch; only
    when each of them is in the fixture (a wrong one is rejected with `x` first)."""
    if state.tagged is not None or state.made:
        return None
    offers = ctx.offers(state)
    item = suggestion_at(offers, state.cursor)
    if item is None or item.label != ctx.label:
        return None
    same = {(s.start, s.end, s.label) for s in offers if s.label == item.label}
    new = same - ctx.existing
    if not new or not new <= ctx.gold or (*ctx.goal, ctx.label) not in new:
        return None
    return state._replace(made=frozenset(new), gone=state.gone | frozenset(same))


@unit_action("Y")
def _accept_every() -> Planned:
    return Move("Y", "suggestion", _accept_all, "suggestion accepted (y Y)"), "suggest"


def _reject(ctx: Context, state: State) -> State | None:
    """`x`: the suggestion at the cursor goes (ArticleSession.reject); planned only for a
    wrong suggestion a later `Y` would otherwise accept."""
    if state.tagged is not None or state.made:
        return None
    item = suggestion_at(ctx.offers(state), state.cursor)
    if item is None or (item.start, item.end) != ctx.goal:
        return None
    return state._replace(gone=state.gone | {(item.start, item.end, item.label)})


@unit_action("x")
def _reject_one() -> Planned:
    return Move("x", "suggestion", _reject, "suggestion rejected (x)"), "suggest"


@unit_action("asterisk")
def _propagate_key() -> Planned:
    # Planned after a span's last key (see `propagation`), never searched: it pays back
    # on the spans after this one, not on this one.
    return Move("asterisk", "propagation", _noop, "propagation (*)"), "propagate"


REJECT = "\x00reject"
"""The label of a planning target that is a suggestion to reject, not a span to make."""


def suggestion_at(offers: list[Suggestion], offset: int) -> Suggestion | None:
    """ArticleSession.suggestion_at: one starting at offset first, else the shortest holding it."""
    holding = [s for s in offers if s.start <= offset < s.end or s.start == offset]
    if not holding:
        return None
    return min(holding, key=lambda s: (s.start != offset, s.end - s.start))


# ==== end of planned keys ===============================================================


def _bindings() -> list[tuple[str, str]]:
    """(key, action) of every binding of the article view and the annotation screen."""
    from textual.binding import Binding

    from annotator.tui.screens.annotate import AnnotateScreen
    from annotator.tui.widgets.article_view import ArticleView

    found: list[tuple[str, str]] = []
    for owner in (ArticleView, AnnotateScreen):
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding):
                for key in binding.key.split(","):
                    found.append((_key_name(key.strip()), binding.action))
    return found


def _key_name(key: str) -> str:
    """Textual's name for a key as a binding may spell it ("/" is "slash")."""
    from textual.keys import _character_to_key

    return _character_to_key(key) if len(key) == 1 else key


def bound_keys() -> set[str]:
    """Every key the article view and the annotation screen bind."""
    return {key for key, _ in _bindings()}


def moves(labels: Iterable[Label] = DEFAULT_LABELS, features: frozenset[str] = ALL_FEATURES) -> tuple[list[Move | Macro], list[str]]:
    """The edges for the keys, and the bound keys the planner does not use (with why)."""
    from textual.actions import parse

    registry: list[Move | Macro] = []
    unused: list[str] = []
    seen: set[str] = set()
    for key, action in _bindings():
        if key in seen:
            continue
        seen.add(key)
        _, name, arguments = parse(action)
        edge = _article_action(name, arguments) if key not in UNIT_ACTIONS else None
        if edge is None:
            if key not in UNIT_ACTIONS:
                unused.append(f"{key} ({name})")
            continue
        function, category, feature = edge
        registry.append(Move(key, category, function, feature))
    for key, factory in UNIT_ACTIONS.items():
        move, switch = factory()
        if switch in features and key != "asterisk":
            registry.append(move)
    for label in labels:
        if label.key and label.key not in APP_KEYS:
            registry.append(Move(label.key, "label", tag(label.name)))
    # Among plans of equal length the search keeps the one met first: try the keys made
    # for a unit (w, s, then suggestions) before shift+arrows that happen to select the same.
    first = {"word key (w)": 0, "sentence key (s)": 1}
    registry.sort(key=lambda move: (first.get(move.feature, 2 if move.category == "suggestion" else 3), move.key != "Y"))
    return registry, unused


# -- the planner ------------------------------------------------------------------------


class NoPlan(Exception):
    """No key sequence within the search's window creates the span."""


Key = tuple[str, str, str, bool]
"""A planned key as plain data: (key, category, feature, typed into a mode)."""


@dataclass
class SpanPlan:
    span: GoldSpan
    kind: str
    keys: list[Move]
    before: State
    after: State  # the state once the span exists (cursor, precision)
    made_by: str = ""  # a span an earlier span's keys made (propagation, Y): how
    offers: frozenset[Triple] | None = None  # the suggestions the session holds afterwards

    @property
    def features(self) -> list[str]:
        if self.made_by:
            return [self.made_by]
        found = sorted({m.feature for m in self.keys if m.feature})
        if not found:
            alone = not any(m.category == "selection" for m in self.keys)
            return ["label key alone" if alone else "tagged from a selection"]
        return found


NEAR = 48
"""How far outside the target a selection may start (a sentence with `s`, then `{` a word
at a time): farther costs more keys than any other way in."""


def _window(ctx: Context, start: State, target: GoldSpan) -> Callable[[State], bool]:
    """States worth visiting: the cursor between where it is and the target, a screen-row
    either side; anchors and spans near the target. Motions beyond never pay back."""
    slack = ctx.layout.width + 2
    low = min(start.cursor, target.start) - slack
    high = max(start.cursor, target.end) + slack
    near_low, near_high = target.start - NEAR, target.end + NEAR

    def inside(state: State) -> bool:
        cursor, anchor, _, _, _, tagged = state[:6]
        if anchor is not None:  # selecting: both ends near the target
            return near_low <= anchor <= near_high and near_low - slack <= cursor <= near_high + slack
        if tagged is not None:
            return near_low <= tagged[0] and tagged[1] <= near_high
        return low <= cursor <= high

    return inside


def _reached(ctx: Context, state: State, target: GoldSpan) -> bool:
    if target.label == REJECT:
        return any((s, e) == (target.start, target.end) for s, e, _ in state.gone)
    if state.tagged == (target.start, target.end):
        return True
    return (target.start, target.end, target.label) in state.made


def plan_span(ctx: Context, registry: list[Move | Macro], start: State, target: GoldSpan) -> tuple[list[Key], State]:
    """Fewest keys from `start` to the target span existing (Dijkstra: a key costs one, a
    mode's keys each cost one; a key's `apply` refuses what the app would refuse)."""
    import heapq

    ctx.label = target.label
    ctx.goal = (target.start, target.end)
    inside = _window(ctx, start, target)
    best: dict[State, int] = {start: 0}
    parents: dict[State, tuple[State, tuple[Key, ...]] | None] = {start: None}
    jumps: set[State] = {start}  # `/` and `f` from where a span's keys begin, or right after a jump
    heap: list[tuple[int, int, State]] = [(0, 0, start)]
    counter = 0
    while heap:
        cost, _, state = heapq.heappop(heap)
        if cost > best.get(state, cost):
            continue
        if _reached(ctx, state, target):
            keys: list[Key] = []
            node: State = state
            while (step := parents[node]) is not None:
                node, used = step
                keys[:0] = used
            return keys, state
        outcomes: list[tuple[tuple[Key, ...], State, bool]] = []
        for move in registry:
            if isinstance(move, Macro):
                if state not in jumps:
                    continue
                for typed, following in move.expand(ctx, state, inside):
                    outcomes.append((tuple((key, move.category, move.feature, n > 0) for n, key in enumerate(typed)), following, True))
                continue
            following = move.apply(ctx, state)
            if following is None:
                continue
            outcomes.append((((move.key, move.category, move.feature, False),), following, False))
        for used, following, jumped in outcomes:
            if not inside(following):
                continue
            price = cost + len(used)
            if price >= best.get(following, price + 1):
                continue
            best[following] = price
            parents[following] = (state, used)
            if jumped:
                jumps.add(following)
            counter += 1
            heapq.heappush(heap, (price, counter, following))
    raise NoPlan(f"{target.label} {target.text[:40]!r} at {target.start}: no key sequence found")


def propagation(ctx: Context, state: State, target: GoldSpan) -> list[Triple]:
    """What `*` would tag after this span (ArticleSession.propagate): planned only when every
    mention is a fixture span with this label, so propagation never makes a wrong span."""
    from annotator.units import mentions

    if "propagate" not in ctx.features or target.label == REJECT or state.picked != (target.start, target.end):
        return []
    mine = ctx.tagged_ranges(state)
    found = [(s, e, target.label) for s, e in mentions(ctx.text, target.start, target.end, mine)]
    if not found or not set(found) <= ctx.gold or set(found) & ctx.existing:
        return []
    return found


def near_offers(ctx: Context, target: GoldSpan, tagged: list[tuple[int, int]], exact: list[Triple]) -> list[Suggestion]:
    """The near spellings `*` adds as suggestions (ArticleSession.propagate)."""
    from annotator.units import near_mentions

    places = {(s, e) for s, e, _ in exact}
    return [
        Suggestion(start, end, target.label, "gazetteer", round(score / 100, 2))
        for start, end, score in near_mentions(ctx.text, target.text, tagged)
        if (start, end) not in places
    ]


def add_offers(ctx: Context, offers: Iterable[Suggestion], rejected: set[Triple]) -> None:
    """ArticleSession._add_offers: new offers, less rejected, duplicate or tagged places."""
    tagged = sorted({(s, e) for s, e, _ in ctx.existing})
    have = {(s.start, s.end) for s in ctx.pending}
    for item in offers:
        if (item.start, item.end, item.label) in rejected or (item.start, item.end) in have:
            continue
        if covered((item.start, item.end), tagged):
            continue
        ctx.pending.append(item)
        have.add((item.start, item.end))
    ctx.pending.sort(key=lambda item: (item.start, -item.end, item.label))


def drop_offers_under(ctx: Context, ranges: Iterable[tuple[int, int]]) -> None:
    """ArticleSession._drop_offers_under: a tag settles the places it covers."""
    ordered = sorted(ranges)
    ctx.pending = [s for s in ctx.pending if not covered((s.start, s.end), ordered)]


def reject_targets(ctx: Context, spans: list[GoldSpan]) -> list[GoldSpan]:
    """The wrong suggestions worth an `x`: those of a label whose right ones outnumber them
    enough for one `Y` to pay for the walk to each wrong one (two keys at least). Whether it
    pays is settled by planning the article both ways (plan_order)."""
    if "suggest" not in ctx.features:
        return []
    right: Counter[str] = Counter()
    wrong: dict[str, list[Suggestion]] = {}
    for item in ctx.pending:
        if (item.start, item.end, item.label) in ctx.gold:
            right[item.label] += 1
        else:
            wrong.setdefault(item.label, []).append(item)
    return [
        GoldSpan(item.start, item.end, REJECT, ctx.text[item.start : item.end])
        for label, items in wrong.items()
        if right[label] - 1 > 2 * len(items)
        for item in items
    ]


def with_rejections(ctx: Context, spans: list[GoldSpan], rejects: list[GoldSpan]) -> list[GoldSpan]:
    """The spans with each rejection in reading order among them: once the last wrong one
    of a label is gone, one `Y` takes the right ones still offered."""
    tasks = list(spans)
    for reject in rejects:
        index = next((i for i, s in enumerate(tasks) if s.label != REJECT and s.start > reject.start), len(tasks))
        tasks.insert(index, reject)
    return tasks


ORDERS = ("outer first", "inner first")
"""A claim before the entities inside it (reading order), or after them."""


def ordered(spans: list[GoldSpan], order: str) -> list[GoldSpan]:
    if order == "outer first":
        return sorted(spans, key=lambda s: (s.start, -s.end, s.label))
    return sorted(spans, key=lambda s: (s.end, -s.start, s.label))


StepResult = tuple[list[Key], State, str, frozenset[Triple]]
"""A span's keys, the state they leave, how an earlier span made it ("" if its own keys
did), and the suggestions the session holds afterwards."""


def plan_order(
    text: str,
    spans: list[GoldSpan],
    width: int,
    page: int,
    start: State,
    kinds: dict[str, str] | None = None,
    offers: list[tuple[int, int, str, str, float]] | None = None,
    features: frozenset[str] = ALL_FEATURES,
) -> list[StepResult]:
    """Each span's keys and the state it leaves, in the order given.

    Plain data in and out, so a worker process can run it: the registry's functions are
    closures, rebuilt in each process. `offers` are the suggestions the app computes on
    opening the article (as tuples); wrong ones worth rejecting become targets of their
    own, in reading order among the spans, and their steps are left out of the answer.
    """
    registry, _ = moves(features=features)
    layout = ArticleLayout(TextBlocks(text), width)

    def context() -> Context:
        ctx = Context(text, layout, page, kinds=dict(kinds or {}), features=features)
        ctx.gold = {(s.start, s.end, s.label) for s in spans}
        ctx.pending = sorted((Suggestion(*item) for item in offers or []), key=lambda item: (item.start, -item.end, item.label))  # type: ignore[arg-type]
        return ctx

    first = context()
    rejects = reject_targets(first, spans)
    plain = _plan_tasks(first, registry, list(spans), start)
    if not rejects:
        return plain
    other = context()
    rejecting = _plan_tasks(other, registry, with_rejections(other, spans, rejects), start)
    count = sum(len(step[0]) for step in plain)
    return rejecting if sum(len(step[0]) for step in rejecting) < count else plain


def _plan_tasks(ctx: Context, registry: list[Move | Macro], tasks: list[GoldSpan], start: State) -> list[StepResult]:
    """plan_order's work for one list of targets (spans, and suggestions to reject)."""
    state = start
    made_by: dict[Triple, str] = {}
    rejected: set[Triple] = set()
    found: list[StepResult] = []
    for span in tasks:
        triple = (span.start, span.end, span.label)
        if span.label != REJECT and triple in ctx.existing:
            found.append(([], state, made_by.get(triple, "made before"), frozenset((s.start, s.end, s.label) for s in ctx.pending)))
            continue
        if span.label == REJECT and not any((s.start, s.end) == (span.start, span.end) for s in ctx.pending):
            continue  # already gone (tagged over)
        keys, done = plan_span(ctx, registry, state, span)
        made = set(done.made)
        if span.label == REJECT:
            rejected |= {(s.start, s.end, s.label) for s in ctx.pending if (s.start, s.end) == (span.start, span.end)}
        else:
            made.add(triple)
        for item in done.made:
            if item != triple:
                made_by[item] = "suggestion accepted (y Y)"
        exact = propagation(ctx, done, span)
        tagged_before = ctx.tagged_ranges(done)
        if exact:
            keys = [*keys, ("asterisk", "propagation", "propagation (*)", False)]
            for item in exact:
                made_by[item] = "propagation (*)"
        ctx.existing |= made
        ctx.pending = [s for s in ctx.pending if (s.start, s.end, s.label) not in done.gone]
        drop_offers_under(ctx, [(s, e) for s, e, _ in made])
        if exact:
            add_offers(ctx, near_offers(ctx, span, tagged_before, exact), rejected)
            ctx.existing |= set(exact)
            drop_offers_under(ctx, [(s, e) for s, e, _ in exact])
        ctx.version += 1
        state = done._replace(tagged=None, made=frozenset(), gone=frozenset())
        if span.label == REJECT:
            if found:  # the rejection's keys go with the span before it (or after, at the start)
                keys_before, _, how, _ = found[-1]
                found[-1] = ([*keys_before, *keys], state, how, frozenset((s.start, s.end, s.label) for s in ctx.pending))
            else:
                found.append((keys, state, REJECT, frozenset((s.start, s.end, s.label) for s in ctx.pending)))
            continue
        if found and found[-1][2] == REJECT:
            keys = [*found.pop()[0], *keys]
        found.append((keys, state, "", frozenset((s.start, s.end, s.label) for s in ctx.pending)))
    return found


@dataclass
class DocumentPlan:
    name: str
    order: str
    width: int
    page: int
    plans: list[SpanPlan]
    offers: list[Suggestion] = field(default_factory=list)  # what the app should suggest on opening it

    @property
    def keys(self) -> int:
        return sum(len(p.keys) for p in self.plans)

    @property
    def end(self) -> State:
        return self.plans[-1].after if self.plans else State(0, None, None, True, None, None)


def gazetteer_rows(spans: Iterable[GoldSpan]) -> list[tuple[str, str, int]]:
    """(text, label, count) as Store.gazetteer_rows gives them for these spans."""
    counts = Counter((s.text, s.label) for s in spans)
    return [(text, label, count) for (text, label), count in counts.items()]


def article_offers(text: str, before: Iterable[GoldSpan], labels: Iterable[Label]) -> list[Suggestion]:
    """What the app suggests on opening an untouched article after the articles before it."""
    from annotator.units import Gazetteer, suggest

    return suggest(text, Gazetteer.from_rows(gazetteer_rows(before)), (), list(labels))


def plan_all(
    gold: dict[str, list[GoldSpan]],
    texts: dict[str, str],
    geometry: dict[str, tuple[int, int]],
    kinds: dict[str, str],
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
    features: frozenset[str] = ALL_FEATURES,
) -> list[DocumentPlan]:
    """Every article in file-name order, each in its cheaper order, from where the last one left off.

    An article starts with the cursor at 0, nothing selected and nothing picked; only the
    precision mode and the last search carry over from the article before, so articles are
    planned one after the other and the two orders of one article side by side (one process
    each with workers > 1). The suggestions of an article come from the spans of the
    articles before it, as the app's gazetteer does.
    """
    from concurrent.futures import ProcessPoolExecutor

    start = State(0, None, None, True, None, None)
    documents: list[DocumentPlan] = []
    done: list[GoldSpan] = []
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        for name in sorted(gold):
            width, page = geometry[name]
            started = time.perf_counter()
            offers = article_offers(texts[name], done, DEFAULT_LABELS)
            plain = [(s.start, s.end, s.label, s.source, s.score) for s in offers]
            jobs = {order: (texts[name], ordered(gold[name], order), width, page, start, kinds, plain, features) for order in ORDERS}
            if pool is not None:
                futures = {order: pool.submit(plan_order, *job) for order, job in jobs.items()}
                answers = {order: future.result() for order, future in futures.items()}
            else:
                answers = {order: plan_order(*job) for order, job in jobs.items()}
            candidates: list[DocumentPlan] = []
            for order, answer in answers.items():
                plans: list[SpanPlan] = []
                before = start
                for span, (keys, after, how, held) in zip(jobs[order][1], answer, strict=True):
                    steps = [Move(key, category, _noop, feature, typed) for key, category, feature, typed in keys]
                    plans.append(SpanPlan(span, kinds[span.label], steps, before, after, how, held))
                    before = after
                candidates.append(DocumentPlan(name, order, width, page, plans, offers))
            best = min(candidates, key=lambda d: d.keys)
            documents.append(best)
            done.extend(gold[name])
            start = State(0, None, None, best.end.snap, None, None, 0, None, frozenset(), frozenset(), best.end.query)
            if progress:
                figures = ", ".join(f"{d.order} {d.keys}" for d in candidates)
                progress(f"{name}: {len(best.plans)} spans planned in {time.perf_counter() - started:.1f} s (keys: {figures})")
    finally:
        if pool is not None:
            pool.shutdown()
    return documents


# -- the replay in the real app -----------------------------------------------------------


@dataclass
class DocumentResult:
    plan: DocumentPlan
    switch_keys: list[str]  # keys pressed to reach the article (n)
    problems: list[str]
    offered: list[Suggestion] = field(default_factory=list)  # what the app suggested on opening it

    @property
    def keys(self) -> int:
        return self.plan.keys + len(self.switch_keys)


Seen = tuple[int, int | None, tuple[int, int] | None, bool, int | None, int, tuple[int, int] | None]
"""What the replay compares after a span: cursor, anchor, exact range, precision, kept
column, the offset of the top row on screen, the picked span's range."""


class Rows:
    """The planner's row numbers as text offsets, for one article at the planned width."""

    def __init__(self, text: str, width: int) -> None:
        layout = ArticleLayout(TextBlocks(text), width)
        for block in range(len(layout.blocks)):
            layout.block(block)
        self.starts = [layout.row(*layout.locate(number)).start for number in range(layout.total)]

    def seen(self, state: State) -> Seen:
        top = self.starts[min(state.top, len(self.starts) - 1)] if self.starts else 0
        return (state.cursor, state.anchor, state.exact, state.snap, state.desired_x, top, state.picked)


def _seen_in(view: object) -> Seen:
    """The view's state as the planner models it (private attributes, read only)."""
    layout = view._layout  # type: ignore[attr-defined]
    top = layout.row(*layout.locate(int(view.scroll_y))).start if layout is not None else 0  # type: ignore[attr-defined]
    active = view.active_span  # type: ignore[attr-defined]
    return (
        view.cursor,  # type: ignore[attr-defined]
        view.anchor,  # type: ignore[attr-defined]
        view._exact if view.anchor is not None else None,  # type: ignore[attr-defined]
        view.snap_words,  # type: ignore[attr-defined]
        view._desired_x,  # type: ignore[attr-defined]
        top,
        (active.start, active.end) if active is not None else None,
    )


def _geometry(view: object) -> tuple[int, int]:
    """(wrap width, rows a page key moves) of the article view as laid out now."""
    layout = view._layout  # type: ignore[attr-defined]
    assert layout is not None
    return layout.width, max(1, view.scrollable_content_region.height - 1)  # type: ignore[attr-defined]


def _key_event(app: object, key: str) -> object:
    """The event the terminal driver would post for `key` (as Pilot builds it)."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _get_unicode_name_from_key

    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)  # type: ignore[arg-type]
    return event


async def _settle(app: object) -> None:
    writer = getattr(app, "writer", None)
    if writer is not None:
        await asyncio.to_thread(writer.wait_idle, 30.0)


def _offers_in(screen: object) -> list[Suggestion]:
    """The suggestions the screen's session holds now ([] in an app without them)."""
    session = getattr(screen, "session", None)
    return list(getattr(session, "suggestions", []) or [])


def import_corpus(db: Path, corpus: Path, names: list[str]) -> None:
    """The articles as they are on disk (no chrome removed), so the fixture's offsets hold."""
    from annotator.importers import import_paths
    from annotator.store import Store

    with Store.open(db) as store:
        results = import_paths(store, [corpus / name for name in names], annotator="import", clean=False)
        failed = [f"{r.path}: {r.error}" for r in results if r.error]
        if failed:
            raise GoldError(failed[0])


async def probe(db: Path) -> tuple[dict[str, str], dict[str, tuple[int, int]], dict[str, str]]:
    """Each article's text and the view's geometry on it, from the app at the replay's size.

    A separate run of the app, so the replay itself starts fresh; the replay checks the
    geometry again before it presses a key in each article.
    """
    from annotator.store import Store
    from annotator.tui.app import make_app
    from annotator.tui.screens.annotate import AnnotateScreen
    from annotator.tui.widgets.article_view import ArticleView

    texts: dict[str, str] = {}
    geometry: dict[str, tuple[int, int]] = {}
    with Store.open(db) as store:
        kinds = {label.name: label.kind for label in store.labels()}
        documents = store.list_documents()
        app = make_app(store, "probe")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            view = screen.query_one("#article", ArticleView)
            for summary in documents:
                screen.open_document(summary.id)
                await pilot.pause()
                assert screen.document is not None
                name = f"{screen.document.key}.txt"
                texts[name] = screen.document.text
                geometry[name] = _geometry(view)
    return texts, geometry, kinds


async def _open_settled(app: object, pilot: object) -> None:
    """Wait for the article's workers (its suggestions) before a key goes in."""
    await pilot.pause()  # type: ignore[attr-defined]
    workers = getattr(app, "workers", None)
    if workers is not None:
        await workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def replay(
    documents: list[DocumentPlan], gold: dict[str, list[GoldSpan]], db: Path
) -> list[DocumentResult]:
    """Press every planned key in the real app; differences are collected, not raised."""
    from annotator.store import Store
    from annotator.tui.app import make_app
    from annotator.tui.screens.annotate import AnnotateScreen
    from annotator.tui.widgets.article_view import ArticleView

    bound = bound_keys()
    results: list[DocumentResult] = []
    with Store.open(db) as store:
        bound |= {label.key for label in store.labels() if label.key}  # the screen binds these itself
        app = make_app(store, ANNOTATOR)
        async with app.run_test(size=SIZE) as pilot:
            await _open_settled(app, pilot)
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            view = screen.query_one("#article", ArticleView)
            for document in documents:
                problems: list[str] = []
                switch: list[str] = []
                stem = Path(document.name).stem
                while screen.document is not None and screen.document.key != stem and len(switch) <= len(documents):
                    switch.append("n")
                    await pilot.press("n")
                    await _open_settled(app, pilot)
                if screen.document is None or screen.document.key != stem:
                    problems.append(f"{document.name}: `n` did not reach it")
                    results.append(DocumentResult(document, switch, problems))
                    continue
                await _open_settled(app, pilot)
                offered = _offers_in(screen)
                rows = Rows(screen.document.text, document.width)
                planned_offers = {(s.start, s.end, s.label) for s in document.offers}
                if {(s.start, s.end, s.label) for s in offered} != planned_offers:
                    app_offers = {(s.start, s.end, s.label) for s in offered}
                    problems.append(
                        f"{document.name}: the app suggests {len(app_offers)} spans, the plan expects {len(planned_offers)}"
                        f" ({len(app_offers - planned_offers)} only in the app, {len(planned_offers - app_offers)} only in the plan)"
                    )
                if _geometry(view) != (document.width, document.page):
                    problems.append(f"{document.name}: planned for width/page {document.width}/{document.page}, the view has {_geometry(view)}")
                first = document.plans[0].before if document.plans else None
                if first is not None and _seen_in(view) != rows.seen(first):
                    problems.append(f"{document.name}: planned from {rows.seen(first)}, the view starts at {_seen_in(view)}")
                for plan in [] if problems else document.plans:
                    if not plan.keys:
                        continue  # made by an earlier span's keys (propagation, Y)
                    missing = sorted({m.key for m in plan.keys if not m.typed} - bound)
                    span = plan.span
                    if missing:
                        problems.append(
                            f"{document.name}: key not bound yet: {', '.join(missing)} (planned for {span.label} {span.text[:30]!r}); replay stopped here"
                        )
                        break
                    # A span's keys go in a burst, as from a fast typist's terminal: the driver's
                    # queue keeps their order, and the app settles once before the check (and
                    # once after a key that opens the search bar or the hints).
                    for move in plan.keys:
                        app._driver.send_message(_key_event(app, move.key))  # type: ignore[union-attr]
                        if move.key in ("slash", "f") and not move.typed:
                            await pilot.pause()
                    await pilot.pause()
                    seen = _seen_in(view)
                    active = view.active_span
                    picked = (active.start, active.end, active.label) if active is not None else None
                    wrong_label = plan.after.picked == (span.start, span.end) and picked != (span.start, span.end, span.label)
                    if seen != rows.seen(plan.after) or wrong_label:
                        problems.append(
                            f"{document.name}: after {span.label} {span.text[:30]!r} ({' '.join(m.key for m in plan.keys)}): "
                            f"planned {rows.seen(plan.after)}, the app has {seen}, picked {picked}"
                        )
                        break  # every later step would start from somewhere else
                    held = {(s.start, s.end, s.label) for s in _offers_in(screen)}
                    if plan.offers is not None and offered and held != plan.offers:
                        problems.append(
                            f"{document.name}: after {span.label} {span.text[:30]!r}: suggestions differ"
                            f" (only in the app: {sorted(held - plan.offers)[:3]}, only in the plan: {sorted(plan.offers - held)[:3]})"
                        )
                        break
                await _settle(app)
                assert screen.document is not None
                saved = {(s.start, s.end, s.label, s.text) for s in store.spans(screen.document.id, ANNOTATOR)}
                wanted = {(s.start, s.end, s.label, s.text) for s in gold[document.name]}
                for missing_span in sorted(wanted - saved):
                    problems.append(f"{document.name}: missing in the database: {missing_span[2]} {missing_span[0]}-{missing_span[1]} {missing_span[3][:40]!r}")
                for extra in sorted(saved - wanted):
                    problems.append(f"{document.name}: in the database, not in the fixture: {extra[2]} {extra[0]}-{extra[1]} {extra[3][:40]!r}")
                results.append(DocumentResult(document, switch, problems, offered))
            await _settle(app)
    return results


def measure(
    gold: dict[str, list[GoldSpan]],
    corpus: Path = CORPUS,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
    feature_table: list[tuple[str, int, int]] | None = None,
) -> list[DocumentResult]:
    """Import, probe, plan and replay on a temporary database: the whole benchmark.

    With `feature_table` (a list to fill), the plan is made once per feature set of
    FEATURES first, and (name, spans, keys) of each is appended; only the plan with every
    feature is replayed.
    """
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as folder:
        db = Path(folder) / "replay.db"
        import_corpus(db, corpus, sorted(gold))
        texts, geometry, kinds = asyncio.run(probe(db))
        for name, spans in gold.items():
            for span in spans:
                if texts[name][span.start : span.end] != span.text:
                    raise GoldError(f"{name}: the imported article differs from the fixture at {span.start}-{span.end}")
        if feature_table is not None:
            for title, features in FEATURES[:-1]:
                planned = plan_all(gold, texts, geometry, kinds, workers, progress, features=features)
                feature_table.append((title, sum(len(d.plans) for d in planned), sum(d.keys for d in planned) + len(planned) - 1))
                if progress:
                    progress(f"{title}: {feature_table[-1][2]} keys for {feature_table[-1][1]} spans")
        documents = plan_all(gold, texts, geometry, kinds, workers, progress)
        if feature_table is not None:
            feature_table.append((FEATURES[-1][0], sum(len(d.plans) for d in documents), sum(d.keys for d in documents) + len(documents) - 1))
        if progress:
            progress(f"replaying {sum(d.keys for d in documents)} keys in the real app")
        return asyncio.run(replay(documents, gold, db))


# -- the report -----------------------------------------------------------------------------


def suggestion_figures(results: list[DocumentResult]) -> dict[str, object]:
    """Precision and recall of what the app suggested on opening each article, against the
    fixture (annotator.units.suggestion_quality per article, summed over articles)."""
    from annotator.units import suggestion_quality

    offered = right = final = 0
    for result in results:
        spans = {(p.span.start, p.span.end, p.span.label) for p in result.plan.plans}
        _, recall = suggestion_quality(result.offered, spans)
        offered += len({(s.start, s.end, s.label) for s in result.offered})
        final += len(spans)
        right += round(recall * len(spans))  # recall is right / final spans
    return {
        "offered": offered,
        "right": right,
        "fixture_spans": final,
        "precision": round(right / offered, 3) if offered else None,
        "recall": round(right / final, 3) if final else None,
    }


def summary(results: list[DocumentResult], feature_table: list[tuple[str, int, int]] | None = None) -> dict[str, object]:
    plans = [p for r in results for p in r.plan.plans]
    spans = len(plans)
    switch = sum(len(r.switch_keys) for r in results)
    total = sum(len(p.keys) for p in plans) + switch
    by_kind: dict[str, list[int]] = {}
    for plan in plans:
        by_kind.setdefault(plan.kind, []).append(len(plan.keys))
    categories: Counter[str] = Counter(m.category for p in plans for m in p.keys)
    categories["navigation"] += switch  # `n` to the next article
    keys: Counter[str] = Counter(m.key for p in plans for m in p.keys)
    features: Counter[str] = Counter(f for p in plans for f in p.features)
    figures: dict[str, object] = {
        "documents": len(results),
        "spans": spans,
        "keys": total,
        "keys_per_span": round(total / spans, 3) if spans else None,
        "keys_per_span_by_kind": {k: {"spans": len(v), "keys": sum(v), "keys_per_span": round(sum(v) / len(v), 3)} for k, v in sorted(by_kind.items())},
        "keys_by_category": {c: categories.get(c, 0) for c in CATEGORIES},
        "keys_by_key": dict(keys.most_common()),
        "spans_by_feature": dict(features.most_common()),
        "orders": {r.plan.name: r.plan.order for r in results},
        "suggestions": suggestion_figures(results),
        "bound_keys_not_planned": moves()[1],  # picking, history, other screens: no part of making a span
        "problems": [problem for r in results for problem in r.problems],
    }
    if feature_table is not None:
        figures["keys_per_span_by_feature_set"] = [
            {"features": title, "spans": count, "keys": keys_total, "keys_per_span": round(keys_total / count, 3) if count else None}
            for title, count, keys_total in feature_table
        ]
    return figures


def print_report(figures: dict[str, object], seconds: float) -> None:
    from common import Row, print_table

    spans = int(figures["spans"])  # type: ignore[arg-type]
    per_span = figures["keys_per_span"]
    rows = [
        Row("documents", str(figures["documents"])),
        Row("spans", str(spans)),
        Row("keys total", str(figures["keys"])),
        Row("keys per span", f"{per_span:.2f}" if per_span is not None else "-", target="<= 2.0", passed=per_span is not None and per_span <= 2.0),  # type: ignore[operator]
    ]
    for kind, figure in figures["keys_per_span_by_kind"].items():  # type: ignore[union-attr]
        rows.append(Row(f"keys per span: {kind} ({figure['spans']} spans)", f"{figure['keys_per_span']:.2f}"))
    for category, count in figures["keys_by_category"].items():  # type: ignore[union-attr]
        rows.append(Row(f"keys: {category}", f"{count} ({count / spans:.2f}/span)" if spans else str(count)))
    for feature, count in figures["spans_by_feature"].items():  # type: ignore[union-attr]
        rows.append(Row(f"spans: {feature}", str(count)))
    quality = figures["suggestions"]
    assert isinstance(quality, dict)
    if quality["offered"]:
        rows.append(Row("suggestions: precision (as replayed)", f"{quality['precision']:.2f}", note=f"{quality['right']} of {quality['offered']} offered"))
        rows.append(Row("suggestions: recall (as replayed)", f"{quality['recall']:.2f}", note=f"{quality['right']} of {quality['fixture_spans']} spans"))
    previous: float | None = None
    for entry in figures.get("keys_per_span_by_feature_set", []):  # type: ignore[attr-defined]
        value = entry["keys_per_span"]
        gain = f"{value - previous:+.2f}" if previous is not None and value is not None else ""
        rows.append(Row(f"plan: {entry['features']}", f"{value:.2f}" if value is not None else "-", note=gain))
        previous = value
    top = ", ".join(f"{k} {n}" for k, n in list(figures["keys_by_key"].items())[:12])  # type: ignore[union-attr]
    print_table(rows, f"keys per span: plan replayed in the real app at {SIZE[0]}x{SIZE[1]} ({seconds:.0f} s)")
    print(f"  most used keys: {top}")
    print(f"  orders chosen: {', '.join(f'{name} {order}' for name, order in figures['orders'].items())}")  # type: ignore[union-attr]
    print(f"  bound keys the planner does not use: {', '.join(figures['bound_keys_not_planned'])}")  # type: ignore[arg-type]


def rows_for_runner(figures: dict[str, object]) -> list[object]:
    """The lines bench/run.py adds to its table."""
    from common import Row

    per_span = figures["keys_per_span"]
    problems = figures["problems"]
    return [
        Row(
            f"keys per span, gold replay ({figures['spans']} spans)",
            f"{per_span:.2f}",
            target="<= 2.0",
            passed=(per_span is not None and per_span <= 2.0 and not problems),  # type: ignore[operator]
            note="; ".join(problems[:3]) if problems else "",  # type: ignore[index]
        )
    ]


def run(quick: bool = False, progress: Callable[[str], None] | None = None, features: bool = False) -> dict[str, object]:
    gold = load_jsonl(JSONL, CORPUS)
    if quick:
        first = sorted(gold)[0]
        gold = {first: gold[first]}
    table: list[tuple[str, int, int]] | None = [] if features else None
    return summary(measure(gold, CORPUS, progress=progress, feature_table=table), table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="keys per span: plan and replay the gold fixture in the real app")
    parser.add_argument("--quick", action="store_true", help="the first article only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--features",
        action="store_true",
        help="first plan with the feature sets switched on one at a time (baseline, label alone, ; , g ), / f, *, suggestions) and report keys per span after each",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[keys] {line}", file=sys.stderr, flush=True)

    try:
        figures = run(args.quick, progress, args.features)
    except (GoldError, NoPlan) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print_report(figures, time.perf_counter() - started)
    problems = figures["problems"]
    if problems:
        for problem in problems:  # type: ignore[union-attr]
            print(f"DIFFERENCE: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
