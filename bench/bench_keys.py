"""Keys per span: the cheapest key sequence for the gold fixture, replayed through the real app.

    python bench/bench_keys.py            # the five sample articles (about 2 minutes on 2 cores)
    python bench/bench_keys.py --quick    # the first article only
    python bench/bench_keys.py --json     # the figures as JSON on stdout

The yardstick for "an expert needs at most 2.0 keys per span". For every span of
bench/data/samples_gold.jsonl, in reading order, a breadth-first search finds the fewest
key presses that create exactly that span, starting from where the previous span left
the cursor. A search state is what the article view holds: cursor, selection anchor,
the exact range of an `s` selection, word or character precision, the column that up and
down keep, and once the label key is pressed the new span's range (which `[ ] { }` then
resize). Each edge is one key and its effect is computed by the functions the app uses:
annotator.text for characters, words, sentences, snapping and resizing; the app's
ArticleLayout, wrapped at the view's real width, for home, end, up, down and page keys.
The keys come from the app's BINDINGS (ArticleView and AnnotateScreen) and the label set.

Then the plan is replayed in the real app (`make_app` under `App.run_test(size=(120, 40))`),
on a temporary database holding the five articles as they are on disk (imported with
clean=False, like `annotator import --keep-chrome`, so the fixture's offsets hold) under the
name "replay". After each span the cursor, the selection, the precision and the picked span
must be where the plan says; at the end the spans in the database must equal the fixture.
Any difference is printed and the exit status is 1.

Edges are a registry: a `Move` per key (key, category, function state -> state or None).
A new key is one more entry; see `UNIT_ACTIONS` for the keys of annotator.units.
"""

from __future__ import annotations

import os

os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "truecolor")

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter, deque
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
from annotator.text import (  # noqa: E402
    next_grapheme,
    next_word_start,
    previous_grapheme,
    previous_word_start,
    resize_range,
    sentence_at,
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
CATEGORIES = ("navigation", "selection", "label", "suggestion")


# -- the search state and its context -------------------------------------------------


class State(NamedTuple):
    """What one key can change in the article view (see ArticleView's reactives)."""

    cursor: int
    anchor: int | None  # selection anchor; None: nothing selected
    exact: tuple[int, int] | None  # an `s` selection kept as it stands while it is the selection
    snap: bool  # word snapping (True) or character precision (`t`)
    desired_x: int | None  # the column up/down/page keep, None after any other move
    tagged: tuple[int, int] | None  # the new span once the label key is pressed (resize keys move it)


@dataclass
class Context:
    """One article as the view lays it out, the target span and the spans already there."""

    text: str
    layout: ArticleLayout
    page: int  # rows a page key moves: the view's height - 1, as ArticleView.action_page
    label: str = ""
    existing: set[tuple[int, int, str]] = field(default_factory=set)
    _cache: dict[tuple[object, ...], object] = field(default_factory=dict)
    _tables: dict[str, list[int]] = field(default_factory=dict)

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


_MISSING = object()
_new = tuple.__new__  # builds a State without NamedTuple's Python-level __new__ (the search's hot path)


@dataclass(frozen=True)
class Move:
    """One key: what it is called, what kind of key it is, and what it does to a state."""

    key: str
    category: str
    apply: Callable[[Context, State], State | None]
    feature: str = ""  # how a span that used it was made (the "spans handled per feature" table)


# -- the view's behaviour, with the app's own functions --------------------------------
# ArticleView keeps a few rules inside its methods (move_to, action_move, action_move_row,
# _x_of, _offset_in_row, selection, action_tag in AnnotateScreen). They are reproduced here
# from the same layout data, line for line, and the replay checks every step against the app.


def move_to(state: State, offset: int, text_length: int, select: bool, keep_x: bool = False) -> State:
    """ArticleView.move_to: a plain move drops the selection, a shift move starts one."""
    offset = min(max(offset, 0), text_length)
    cursor, anchor, exact, snap, desired_x, tagged = state
    if select and anchor is None:
        anchor = cursor
    elif not select and anchor is not None:
        anchor, exact = None, None  # watch_anchor: the exact range goes with its selection
    return _new(State, (offset, anchor, exact, snap, desired_x if keep_x else None, tagged))


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
            return move_to(state, low if direction < 0 else high, len(ctx.text), False)
        target = ctx.table(table)[cursor] if table else (0 if direction < 0 else len(ctx.text))
        return move_to(state, target, len(ctx.text), select)

    return apply


def row_motion(delta: int | None, direction: int, select: bool) -> Callable[[Context, State], State | None]:
    """ArticleView.action_move_row(delta) and action_page(direction) (delta None: a page)."""

    def apply(ctx: Context, state: State) -> State | None:
        if state[5] is not None:
            return None
        rows = delta if delta is not None else direction * max(1, ctx.page)
        target, x = _row_target(ctx, state[0], state[4], rows)
        cursor, anchor, exact, snap, _, tagged = state
        return move_to(_new(State, (cursor, anchor, exact, snap, x, tagged)), target, len(ctx.text), select, keep_x=True)

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
    """ArticleView.action_select_sentence: the sentence, kept exactly as found."""
    if state.tagged is not None:
        return None
    found = ctx.cached(("s", state.cursor), lambda: sentence_at(ctx.text, state.cursor))
    if found is None:
        return None
    return _select_range(ctx, state, *found, exact=True)  # type: ignore[misc]


def _select_range(ctx: Context, state: State, start: int, end: int, exact: bool) -> State:
    """ArticleView.select_range: the anchor at start, a selecting move to end."""
    kept = (start, end) if exact and start < end else None
    return move_to(State(state.cursor, start, kept, state.snap, state.desired_x, None), end, len(ctx.text), True)


def clear(ctx: Context, state: State) -> State | None:
    """ArticleView.action_clear (escape): the selection goes, the cursor stays."""
    if state.tagged is not None or state.anchor is None:
        return None
    return State(state.cursor, None, None, state.snap, state.desired_x, None)


def toggle_precision(ctx: Context, state: State) -> State | None:
    """AnnotateScreen.action_toggle_precision (t)."""
    return state._replace(snap=not state.snap)


def tag(label: str) -> Callable[[Context, State], State | None]:
    """AnnotateScreen.action_tag with a selection, and ArticleSession.tag's refusals."""

    def apply(ctx: Context, state: State) -> State | None:
        if state.tagged is not None or label != ctx.label:
            return None  # one new span per target, with the target's label
        found = selection(ctx, state)
        if found is None:
            return None  # no selection: the key would retag the picked span
        start, end = found
        if (start, end, label) in ctx.existing:
            return None  # "already on that text"
        return State(end, None, None, state.snap, None, (start, end))

    return apply


def resize(edge: str, direction: int) -> Callable[[Context, State], State | None]:
    """AnnotateScreen.action_resize on the span just tagged, with ArticleSession.resize's refusals."""

    def apply(ctx: Context, state: State) -> State | None:
        if state.tagged is None:
            return None
        start, end = resize_range(ctx.text, *state.tagged, edge, direction, state.snap)
        if start >= end or (start, end) == state.tagged or (start, end, ctx.label) in ctx.existing:
            return None
        return state._replace(tagged=(start, end))

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
# annotator.units (name_at, quantity_at, claim_from, grow, smart_unit_at, next_candidate,
# find_text, hint_labels, mentions) is being written, and its keys will be bound in
# ArticleView / AnnotateScreen. When annotator.units imports and a binding's action name
# is a key of UNIT_ACTIONS, `moves()` adds that key as an edge: the factory gets the
# action's arguments (as parsed from the binding) and returns an Edge, like
# `_article_action`. Use the category "suggestion" for keys that accept what the app
# proposes. A key whose effect depends on more than State holds (a hint overlay, a
# candidate pointer) adds a field to State and to `_state_of`, so the replay checks it.
# Nothing is listed until the bindings exist: the planner measures the app as it is.
# An entry, once `Binding("x", "select_unit", "Unit")` exists:
#
#     @unit_action("select_unit")
#     def _select_unit() -> Edge:
#         from annotator.units import smart_unit_at
#
#         def apply(ctx: Context, state: State) -> State | None:
#             if state.tagged is not None:
#                 return None
#             found = smart_unit_at(ctx.text, state.cursor)  # the same call the view makes
#             return None if found is None else _select_range(ctx, state, *found, exact=True)
#
#         return apply, "selection", "smart unit (x)"
UNIT_ACTIONS: dict[str, Callable[..., Edge]] = {}


def unit_action(name: str) -> Callable[[Callable[..., Edge]], Callable[..., Edge]]:
    """Register the edge of a planned key under its binding's action name."""

    def register(factory: Callable[..., Edge]) -> Callable[..., Edge]:
        UNIT_ACTIONS[name] = factory
        return factory

    return register


# ==== end of planned keys ===============================================================


def _units_available() -> bool:
    try:
        import annotator.units  # noqa: F401
    except ImportError:
        return False
    return True


def _bindings() -> list[tuple[str, str]]:
    """(key, action) of every binding of the article view and the annotation screen."""
    from textual.binding import Binding

    from annotator.tui.screens.annotate import AnnotateScreen
    from annotator.tui.widgets.article_view import ArticleView

    found: list[tuple[str, str]] = []
    for owner in (ArticleView, AnnotateScreen):
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding):
                found.append((binding.key.split(",")[0].strip(), binding.action))
    return found


def moves(labels: Iterable[Label] = DEFAULT_LABELS) -> tuple[list[Move], list[str]]:
    """The edges for today's keys, and the bound keys the planner does not use (with why)."""
    from textual.actions import parse

    registry: list[Move] = []
    unused: list[str] = []
    units = _units_available()
    for key, action in _bindings():
        _, name, arguments = parse(action)
        edge = _article_action(name, arguments)
        if edge is None and units and name in UNIT_ACTIONS:
            edge = UNIT_ACTIONS[name](*arguments)
        if edge is None:
            unused.append(f"{key} ({name})")
            continue
        function, category, feature = edge
        registry.append(Move(key, category, function, feature))
    for label in labels:
        if label.key and label.key not in APP_KEYS:
            registry.append(Move(label.key, "label", tag(label.name)))
    # Among plans of equal length the search keeps the one met first: try the keys made
    # for a unit (w, s, then suggestions) before shift+arrows that happen to select the same.
    first = {"word key (w)": 0, "sentence key (s)": 1}
    registry.sort(key=lambda move: (first.get(move.feature, 2 if move.category == "suggestion" else 3)))
    return registry, unused


# -- the planner ------------------------------------------------------------------------


class NoPlan(Exception):
    """No key sequence within the search's window creates the span."""


@dataclass
class SpanPlan:
    span: GoldSpan
    kind: str
    keys: list[Move]
    before: State
    after: State  # the state once the span exists (cursor, precision)

    @property
    def features(self) -> list[str]:
        found = sorted({m.feature for m in self.keys if m.feature})
        return found or ["label key alone"]


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
        cursor, anchor, _, _, _, tagged = state
        if anchor is not None:  # selecting: both ends near the target
            return near_low <= anchor <= near_high and near_low - slack <= cursor <= near_high + slack
        if tagged is not None:
            return near_low <= tagged[0] and tagged[1] <= near_high
        return low <= cursor <= high

    return inside


def plan_span(ctx: Context, registry: list[Move], start: State, target: GoldSpan) -> tuple[list[Move], State]:
    """Fewest keys from `start` to the target span existing (breadth-first: every key costs one)."""
    ctx.label = target.label
    goal = (target.start, target.end)
    inside = _window(ctx, start, target)
    parents: dict[State, tuple[State, Move] | None] = {start: None}
    queue: deque[State] = deque([start])
    while queue:
        state = queue.popleft()
        for move in registry:
            following = move.apply(ctx, state)
            if following is None or following in parents or not inside(following):
                continue
            parents[following] = (state, move)
            if following.tagged == goal:
                keys: list[Move] = []
                node: State = following
                while (step := parents[node]) is not None:
                    node, used = step
                    keys.append(used)
                keys.reverse()
                return keys, following
            queue.append(following)
    raise NoPlan(f"{target.label} {target.text[:40]!r} at {target.start}: no key sequence found")


ORDERS = ("outer first", "inner first")
"""A claim before the entities inside it (reading order), or after them."""


def ordered(spans: list[GoldSpan], order: str) -> list[GoldSpan]:
    if order == "outer first":
        return sorted(spans, key=lambda s: (s.start, -s.end, s.label))
    return sorted(spans, key=lambda s: (s.end, -s.start, s.label))


def plan_order(
    text: str, spans: list[GoldSpan], width: int, page: int, start: State
) -> list[tuple[list[int], State]]:
    """Each span's keys (indices into `moves()`) and the state it leaves, in the order given.

    Plain data in and out, so a worker process can run it: the registry's functions are
    closures, rebuilt in each process in the same order.
    """
    registry, _ = moves()
    index = {id(move): number for number, move in enumerate(registry)}
    ctx = Context(text, ArticleLayout(TextBlocks(text), width), page)
    state = start
    found: list[tuple[list[int], State]] = []
    for span in spans:
        keys, done = plan_span(ctx, registry, state, span)
        state = done._replace(tagged=None)
        found.append(([index[id(move)] for move in keys], state))
        ctx.existing.add((span.start, span.end, span.label))
    return found


@dataclass
class DocumentPlan:
    name: str
    order: str
    width: int
    page: int
    plans: list[SpanPlan]

    @property
    def keys(self) -> int:
        return sum(len(p.keys) for p in self.plans)

    @property
    def end(self) -> State:
        return self.plans[-1].after if self.plans else State(0, None, None, True, None, None)


def plan_all(
    gold: dict[str, list[GoldSpan]],
    texts: dict[str, str],
    geometry: dict[str, tuple[int, int]],
    kinds: dict[str, str],
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
) -> list[DocumentPlan]:
    """Every article in file-name order, each in its cheaper order, from where the last one left off.

    An article starts with the cursor at 0 and nothing selected; only the precision mode
    carries over from the article before, so articles are planned one after the other and
    the two orders of one article side by side (one process each with workers > 1).
    """
    from concurrent.futures import ProcessPoolExecutor

    registry, _ = moves()
    start = State(0, None, None, True, None, None)
    documents: list[DocumentPlan] = []
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        for name in sorted(gold):
            width, page = geometry[name]
            started = time.perf_counter()
            jobs = {order: (texts[name], ordered(gold[name], order), width, page, start) for order in ORDERS}
            if pool is not None:
                futures = {order: pool.submit(plan_order, *job) for order, job in jobs.items()}
                answers = {order: future.result() for order, future in futures.items()}
            else:
                answers = {order: plan_order(*job) for order, job in jobs.items()}
            candidates: list[DocumentPlan] = []
            for order, answer in answers.items():
                plans: list[SpanPlan] = []
                before = start
                for span, (keys, after) in zip(jobs[order][1], answer):
                    plans.append(SpanPlan(span, kinds[span.label], [registry[k] for k in keys], before, after))
                    before = after
                candidates.append(DocumentPlan(name, order, width, page, plans))
            best = min(candidates, key=lambda d: d.keys)
            documents.append(best)
            start = best.end._replace(cursor=0, desired_x=None)  # the next article opens at its top
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

    @property
    def keys(self) -> int:
        return self.plan.keys + len(self.switch_keys)


def _state_of(view: object) -> State:
    """The view's state as the planner models it (private attributes, read only)."""
    return State(
        view.cursor,  # type: ignore[attr-defined]
        view.anchor,  # type: ignore[attr-defined]
        view._exact if view.anchor is not None else None,  # type: ignore[attr-defined]
        view.snap_words,  # type: ignore[attr-defined]
        view._desired_x,  # type: ignore[attr-defined]
        None,
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


async def replay(
    documents: list[DocumentPlan], gold: dict[str, list[GoldSpan]], db: Path
) -> list[DocumentResult]:
    """Press every planned key in the real app; differences are collected, not raised."""
    from annotator.store import Store
    from annotator.tui.app import make_app
    from annotator.tui.screens.annotate import AnnotateScreen
    from annotator.tui.widgets.article_view import ArticleView

    results: list[DocumentResult] = []
    with Store.open(db) as store:
        app = make_app(store, ANNOTATOR)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
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
                    await pilot.pause()
                if screen.document is None or screen.document.key != stem:
                    problems.append(f"{document.name}: `n` did not reach it")
                    results.append(DocumentResult(document, switch, problems))
                    continue
                await pilot.pause()
                if _geometry(view) != (document.width, document.page):
                    problems.append(f"{document.name}: planned for width/page {document.width}/{document.page}, the view has {_geometry(view)}")
                first = document.plans[0].before if document.plans else None
                if first is not None and _state_of(view) != first:
                    problems.append(f"{document.name}: planned from {first}, the view starts at {_state_of(view)}")
                for plan in [] if problems else document.plans:
                    # A span's keys go in a burst, as from a fast typist's terminal: the driver's
                    # queue keeps their order, and the app settles once before the check.
                    for move in plan.keys:
                        app._driver.send_message(_key_event(app, move.key))  # type: ignore[union-attr]
                    await pilot.pause()
                    seen = _state_of(view)
                    active = view.active_span
                    span = plan.span
                    picked = (active.start, active.end, active.label) if active is not None else None
                    if seen != plan.after or picked != (span.start, span.end, span.label):
                        problems.append(
                            f"{document.name}: after {span.label} {span.text[:30]!r} ({' '.join(m.key for m in plan.keys)}): "
                            f"planned {tuple(plan.after)}, the app has {tuple(seen)}, picked {picked}"
                        )
                        break  # every later step would start from somewhere else
                await _settle(app)
                assert screen.document is not None
                saved = {(s.start, s.end, s.label, s.text) for s in store.spans(screen.document.id, ANNOTATOR)}
                wanted = {(s.start, s.end, s.label, s.text) for s in gold[document.name]}
                for missing in sorted(wanted - saved):
                    problems.append(f"{document.name}: missing in the database: {missing[2]} {missing[0]}-{missing[1]} {missing[3][:40]!r}")
                for extra in sorted(saved - wanted):
                    problems.append(f"{document.name}: in the database, not in the fixture: {extra[2]} {extra[0]}-{extra[1]} {extra[3][:40]!r}")
                results.append(DocumentResult(document, switch, problems))
            await _settle(app)
    return results


def measure(
    gold: dict[str, list[GoldSpan]],
    corpus: Path = CORPUS,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
) -> list[DocumentResult]:
    """Import, probe, plan and replay on a temporary database: the whole benchmark."""
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as folder:
        db = Path(folder) / "replay.db"
        import_corpus(db, corpus, sorted(gold))
        texts, geometry, kinds = asyncio.run(probe(db))
        for name, spans in gold.items():
            for span in spans:
                if texts[name][span.start : span.end] != span.text:
                    raise GoldError(f"{name}: the imported article differs from the fixture at {span.start}-{span.end}")
        documents = plan_all(gold, texts, geometry, kinds, workers, progress)
        if progress:
            progress(f"replaying {sum(d.keys for d in documents)} keys in the real app")
        return asyncio.run(replay(documents, gold, db))


# -- the report -----------------------------------------------------------------------------


def summary(results: list[DocumentResult]) -> dict[str, object]:
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
    return {
        "documents": len(results),
        "spans": spans,
        "keys": total,
        "keys_per_span": round(total / spans, 3) if spans else None,
        "keys_per_span_by_kind": {k: {"spans": len(v), "keys": sum(v), "keys_per_span": round(sum(v) / len(v), 3)} for k, v in sorted(by_kind.items())},
        "keys_by_category": {c: categories.get(c, 0) for c in CATEGORIES},
        "keys_by_key": dict(keys.most_common()),
        "spans_by_feature": {"tagged from a selection": spans, **dict(features.most_common())},
        "orders": {r.plan.name: r.plan.order for r in results},
        "bound_keys_not_planned": moves()[1],  # picking, history, other screens: no part of making a span
        "problems": [problem for r in results for problem in r.problems],
    }


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


def run(quick: bool = False, progress: Callable[[str], None] | None = None) -> dict[str, object]:
    gold = load_jsonl(JSONL, CORPUS)
    if quick:
        first = sorted(gold)[0]
        gold = {first: gold[first]}
    return summary(measure(gold, CORPUS, progress=progress))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="keys per span: plan and replay the gold fixture in the real app")
    parser.add_argument("--quick", action="store_true", help="the first article only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[keys] {line}", file=sys.stderr, flush=True)

    try:
        figures = run(args.quick, progress)
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
