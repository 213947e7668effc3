"""The list of all articles with progress, filtered by typing (fuzzy, rapidfuzz).

Built for a library of 100,000 articles: the list is virtual (annotator/tui/widgets/
article_list.py) and reads the rows on screen from SQL, a screenful at a time; the
counts come from SQL too. The titles the filter searches, and the widest value of each
column, are read once off the UI thread and kept for the store until an article is
added or re-imported. A keystroke is filtered in a thread worker (the latest keystroke
wins), so typing never waits for the library; a small library is filtered at once.
"""

from __future__ import annotations

import operator
import re
import threading
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import overload

from rapidfuzz import fuzz, process
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.worker import get_current_worker

from annotator.cells import cell_width, clip_cells, display_text, fit, fit_pieces
from annotator.model import DocumentSummary
from annotator.store import Store
from annotator.tui.widgets.article_list import ArticleList
from annotator.tui.widgets.bars import Piece
from annotator.tui.widgets.key_bar import KeyBar

# -- finding articles as typed ------------------------------------------------------

FUZZY_FROM = 4
"""Words this long or longer may have a typo; shorter ones (and any with a digit or a
sign, like a key or a year) must be found as typed."""
SCORE_CUTOFF = 75
"""rapidfuzz partial_ratio of a word against the best place in "title key": one wrong,
missing or extra letter in four to seven ("kyrgz" for Kyrgyzstan scores 80)."""
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case without Latin accents, so "sao paulo" finds "São Paulo" and "chuy" "Chüy"."""
    text = text.lower()
    if text.isascii():
        return text
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text))


class _Cache(OrderedDict[str, tuple[list[int], list[float] | None]]):
    """Least recently used word matches, bounded by how many indexes they hold in all."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget
        self.held = 0

    def fresh(self, key: str) -> tuple[list[int], list[float] | None] | None:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def keep(self, key: str, value: tuple[list[int], list[float] | None]) -> None:
        if key in self:
            self.held -= len(self.pop(key)[0])
        self[key] = value
        self.held += len(value[0])
        while self.held > self.budget and len(self) > 1:
            self.held -= len(self.popitem(last=False)[1][0])


class ArticleMatcher:
    """Which articles a typed query means, best first, over "title key" of every article.

    Every word of the query must be found (in any order). A short word, or one with a
    digit or a sign (a key, a year), is found as typed, anywhere. A longer word is a
    near match: the article must hold the word's first two letters as typed, and
    rapidfuzz's partial_ratio of the word against the best-matching stretch of the
    article must reach SCORE_CUTOFF, so a typo, or a word still being typed past the
    part that matches, finds it ("kyrgz" finds Kyrgyzstan, "islmc frefght" Islamic
    freight). Each word is scored on its own: WRatio scored the query against the whole
    title and scaled a partial match in a long title below its cutoff, so "kyrg" found
    Kyrgyzstan and "kyrgz" did not.

    Work grows with the matches, not with the library: each word's matches are kept
    (least recently used go first), a word found as typed is looked for only among the
    matches of what it was a letter ago, and a near match only among the articles
    holding its first two letters. The result does not depend on what was typed before.
    One query at a time (thread-safe); a query given `cancelled` stops between words once
    it is no longer wanted.
    """

    def __init__(self, ids: Sequence[int], titles: Sequence[str], keys: Sequence[str]) -> None:
        self.ids = list(ids)
        self.choices = [fold(f"{title} {key}") for title, key in zip(titles, keys)]
        self.by_key: dict[str, int] = {}
        for index, key in enumerate(keys):
            self.by_key.setdefault(fold(key), index)
        self._all = list(range(len(self.choices)))  # results hold these int objects, not copies
        self._words = _Cache(20 * len(self._all) + 100_000)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.choices)

    def match(self, query: str, cancelled: Callable[[], bool] | None = None) -> list[int] | None:
        """Indexes (into ids) of the articles matching query, best first, ties in corpus
        order (an article whose key is the query comes first); every article for an empty
        query; None if cancelled on the way. The list may be one the matcher keeps: read it,
        do not change it."""
        words = fold(query).split()
        if not words:
            return self._all
        with self._lock:
            found: list[tuple[list[int], list[float] | None]] = []
            for word in dict.fromkeys(words):
                if cancelled is not None and cancelled():
                    return None
                found.append(self._word(word))
            ranked = found[0][0] if len(found) == 1 else self._combine(found)
        exact = self.by_key.get(fold(query.strip()))
        if exact is not None and ranked and ranked[0] != exact and exact in ranked:
            ranked = [exact, *(index for index in ranked if index != exact)]
        return ranked

    @staticmethod
    def _combine(found: list[tuple[list[int], list[float] | None]]) -> list[int]:
        """Articles holding every word, by their summed scores."""
        scores: list[dict[int, float]] = [
            dict(zip(indexes, values)) if values is not None else dict.fromkeys(indexes, 100.0)
            for indexes, values in found
        ]
        scores.sort(key=len)
        total = scores[0]
        for other in scores[1:]:
            total = {index: score + other[index] for index, score in total.items() if index in other}
        ranked = sorted(total)  # ties in corpus order, as the sort by score is stable
        ranked.sort(key=total.__getitem__, reverse=True)
        return ranked

    def _word(self, word: str) -> tuple[list[int], list[float] | None]:
        """(indexes best first, their scores) for one word; scores None when all are exact."""
        found = self._words.fresh(word)
        if found is not None:
            return found
        if len(word) < FUZZY_FROM or not word.isalpha():
            found = (self._substring(word), None)
        else:
            pool = self._substring(word[:2])
            indexes: list[int] = []
            scores: list[float] = []
            # One hit at a time, not a list of tuples: thousands of tuples alive at once get
            # promoted by the garbage collector and bring on its slow full collections.
            for _, score, at in process.extract_iter(
                word,
                list(map(self.choices.__getitem__, pool)),
                scorer=fuzz.partial_ratio,
                processor=None,
                score_cutoff=SCORE_CUTOFF,
            ):
                indexes.append(pool[at])
                scores.append(score)
            # Best first; the sort is stable, so ties stay in corpus order.
            order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
            found = (list(map(indexes.__getitem__, order)), list(map(scores.__getitem__, order)))
        self._words.keep(word, found)
        return found

    def _substring(self, text: str) -> list[int]:
        """Indexes of the articles holding text as typed (folded), in corpus order."""
        known = self._words.fresh(text)
        if known is not None and known[1] is None:
            return known[0]
        pool = self._all
        for end in range(len(text) - 1, 0, -1):  # what the word was a letter or two ago
            shorter = self._words.get(text[:end])
            if shorter is not None and shorter[1] is None:
                pool = shorter[0]
                break
        if pool is self._all:
            holds = map(operator.contains, self.choices, repeat(text))
        else:
            holds = map(operator.contains, map(self.choices.__getitem__, pool), repeat(text))
        found = list(compress(pool, holds))
        self._words.keep(text, (found, None))
        return found


# -- one article as one row -----------------------------------------------------------

_STATE_MARK = {"done": ("✓", "green"), "in_progress": ("…", "yellow")}
_GAP = "  "
# The columns after the title, in the order they are drawn ...
_ORDER = ("key", "state", "size", "people", "flags")
# ... and in the order they get room when the list is narrow (the rest are left out).
_PRIORITY = ("state", "flags", "people", "key", "size")
_MAX_CELLS = {"key": 16, "people": 40}
_TITLE_MIN = 16
_PEOPLE_NAME = 12


@dataclass(frozen=True, eq=False)
class ArticleCells:
    """One article's columns as display text: position, mark, title, then the rest."""

    position: str
    mark: tuple[str, str]
    title: str
    size: str
    columns: dict[str, list[Piece]]


def _state(span_count: int, mine_done: bool) -> str:
    if span_count:
        return f"{span_count} span{'s' if span_count != 1 else ''}"
    return "done, no spans" if mine_done else "not started"


def _flag_pieces(flags: set[str] | None) -> list[Piece]:
    marks: list[Piece] = []
    if flags and "disagreements" in flags:
        marks.append(("≠ disagreements", "bold red"))
    if flags and "unadjudicated" in flags:
        marks.extend([_GAP] if marks else [])
        marks.append(("not adjudicated", "italic"))
    return marks


def article_cells(
    document: DocumentSummary,
    total: int,
    states: dict[str, str] | None = None,
    flags: set[str] | None = None,
    me: str | None = None,
) -> ArticleCells:
    """Position, your progress, title, key, spans, size, then who has done what."""
    mine_done = bool(me and (states or {}).get(me) == "done")
    state = _state(document.span_count, mine_done)
    started = bool(document.span_count or mine_done)
    size = f"{document.length:,} chars"
    people: list[Piece] = []
    for name, progress in sorted((states or {}).items()):
        mark, colour = _STATE_MARK.get(progress, ("·", "dim"))
        people.extend([_GAP] if people else [])
        people.append((f"{clip_cells(name, _PEOPLE_NAME)} {mark}", colour))
    return ArticleCells(
        position=f"{document.position + 1}/{total}",
        mark=("● ", "green") if started else ("○ ", "dim"),
        title=display_text(document.title),
        size=size,
        columns={
            "key": [(display_text(document.key), "dim")],
            "state": [(state, "dim")],
            "size": [(size, "dim")],
            "people": people,
            "flags": _flag_pieces(flags),
        },
    )


def _pieces_width(pieces: list[Piece]) -> int:
    return sum(cell_width(p if isinstance(p, str) else p[0]) for p in pieces)


def widest(texts: Iterable[str]) -> int:
    """The most cells any of texts takes as one display row, measuring few of them.

    Printable ASCII is one cell a character; anything else is at most two (a control
    character becomes a one-cell placeholder), so only the longest of the rest are measured.
    """
    best = 0
    others: list[str] = []
    for text in texts:
        if text.isascii() and text.isprintable():
            best = max(best, len(text))
        else:
            others.append(text)
    for text in sorted(others, key=len, reverse=True):
        if 2 * len(text) <= best:
            break
        best = max(best, cell_width(display_text(text)))
    return best


class ArticleColumns:
    """Column widths shared by every row of the list, worked out per width drawn at.

    Widths fit every article of the library, not the ones shown, so columns stay put
    while typing. They are the widest of the rows read so far until the library's
    figures are in (read off the UI thread when the list opens), and only ever grow.
    The title keeps at least a third of the row; columns that do not fit are left out,
    least useful first (see _PRIORITY).
    """

    def __init__(self, rows: Iterable[ArticleCells] = ()) -> None:
        self.position = 0
        self.title = 0
        self.natural: dict[str, int] = dict.fromkeys(_ORDER, 0)
        self._plans: dict[int, tuple[int, dict[str, int]]] = {}
        self.include(rows)

    def include(self, rows: Iterable[ArticleCells]) -> bool:
        """Make room for these rows too; True if a column got wider."""
        changed = False
        for row in rows:
            changed |= self.widen(
                position=cell_width(row.position),
                title=cell_width(row.title),
                **{name: _pieces_width(row.columns[name]) for name in _ORDER},
            )
        return changed

    def widen(self, position: int = 0, title: int = 0, **natural: int) -> bool:
        """Make each column at least this wide (capped); True if one got wider."""
        changed = False
        if position > self.position:
            self.position, changed = position, True
        if title > self.title:
            self.title, changed = title, True
        for name, cells in natural.items():
            cells = min(cells, _MAX_CELLS.get(name, 1 << 30))
            if cells > self.natural[name]:
                self.natural[name], changed = cells, True
        if changed:
            self._plans.clear()
        return changed

    def plan(self, width: int) -> tuple[int, dict[str, int]]:
        """The title's cells and the other columns (name: cells) for a row of `width` cells."""
        if width not in self._plans:
            fixed = self.position + 3  # position, a space, the mark
            title_min = min(self.title, max(_TITLE_MIN, (width - fixed) // 3))
            budget = width - fixed - title_min
            kept: dict[str, int] = {}
            for name in _PRIORITY:
                cells = self.natural[name]
                if cells and len(_GAP) + cells <= budget:
                    kept[name] = cells
                    budget -= len(_GAP) + cells
            tail = sum(len(_GAP) + cells for cells in kept.values())
            self._plans[width] = (max(min(self.title, width - fixed - tail), 1), kept)
        return self._plans[width]


@dataclass(frozen=True, eq=False)
class ArticleRow:
    """One article of the list as one screen row, its columns aligned with every other row."""

    cells: ArticleCells
    layout: ArticleColumns

    @property
    def plain(self) -> str:
        cells = self.cells
        text = [f"{cells.position} {cells.mark[0]}{cells.title}"]
        for name in _ORDER:
            if pieces := cells.columns[name]:
                text.append(_GAP + "".join(p if isinstance(p, str) else p[0] for p in pieces))
        return "".join(text)

    def fit(self, width: int) -> list[Piece]:
        cells = self.cells
        title_cells, kept = self.layout.plan(width)
        pieces: list[Piece] = [
            (fit(cells.position, self.layout.position, align="right") + " ", "dim"),
            cells.mark,
            (fit(cells.title, title_cells), "bold"),
        ]
        for name in _ORDER:
            if name in kept:
                pieces.append(_GAP)
                column = cells.columns[name]
                if name == "size":  # numbers line up on the right
                    pieces.append((fit(cells.size, kept[name], align="right"), "dim"))
                else:
                    pieces.extend(fit_pieces(column, kept[name]))
        return fit_pieces(pieces, width)


# -- the library, kept per store --------------------------------------------------------


class Picked(Sequence[int]):
    """ids[i] for each i of indexes, without making the list: a filter may match 100,000
    articles, and the list reads only the ids on screen."""

    def __init__(self, ids: list[int], indexes: list[int]) -> None:
        self._ids = ids
        self._indexes = indexes

    def __len__(self) -> int:
        return len(self._indexes)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return list(map(self._ids.__getitem__, self._indexes[index]))
        return self._ids[self._indexes[index]]

    def __iter__(self) -> Iterator[int]:
        return map(self._ids.__getitem__, self._indexes)



@dataclass(frozen=True)
class Columns:
    """Every article's id, key, title, corpus position and length, in corpus order: one list each."""

    ids: list[int]
    keys: list[str]
    titles: list[str]
    positions: list[int]
    lengths: list[int]


class DocumentListing(Sequence[DocumentSummary]):
    """What Store.list_documents returns, kept in columns; each DocumentSummary is made
    when it is asked for.

    A list of 100,000 DocumentSummary objects is 100,000 objects the garbage collector
    walks on every full collection (two thirds of the app's), and reading it again
    after each `D` took 0.9 s; here only the span counts are read again.
    """

    def __init__(self, columns: Columns, span_counts: dict[int, int]) -> None:
        self._columns = columns
        self._span_counts = span_counts

    def __len__(self) -> int:
        return len(self._columns.ids)

    def _make(self, index: int) -> DocumentSummary:
        c = self._columns
        document_id = c.ids[index]
        return DocumentSummary(
            document_id, c.keys[index], c.titles[index], c.positions[index], c.lengths[index],
            self._span_counts.get(document_id, 0),
        )

    @overload
    def __getitem__(self, index: int) -> DocumentSummary: ...

    @overload
    def __getitem__(self, index: slice) -> list[DocumentSummary]: ...

    def __getitem__(self, index: int | slice) -> DocumentSummary | list[DocumentSummary]:
        if isinstance(index, slice):
            return [self._make(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._make(index)

    def __iter__(self) -> Iterator[DocumentSummary]:
        return map(self._make, range(len(self)))


@dataclass
class Library:
    """What is kept of one store's library until an article is added, removed or re-imported.

    `order` (ids in corpus order, from an index) is read at once. The columns (titles,
    lengths), the filter's matcher and the widths of the list's columns that depend on
    the articles alone are read once, off the UI thread when the list opens first; the
    last figures that change with the analysts' work are the next opening's first
    column widths, until that opening has read its own.
    """

    stamp: tuple[int, int, int]
    order: list[int]
    columns: Columns | None = None
    matcher: ArticleMatcher | None = None
    widths: dict[str, int] = field(default_factory=dict)
    figures: dict[tuple[str | None, str | None], dict[str, int]] = field(default_factory=dict)
    _positions: dict[int, int] | None = None

    def position_of(self, document_id: int) -> int | None:
        """Index of the document in corpus order, or None."""
        if self._positions is None:
            self._positions = {value: index for index, value in enumerate(self.order)}
        return self._positions.get(document_id)


_LIBRARIES: weakref.WeakKeyDictionary[Store, Library] = weakref.WeakKeyDictionary()


def library_of(store: Store) -> Library:
    """The store's library as kept, read again if an article was added, removed or re-imported."""
    stamp = store.library_stamp()
    library = _LIBRARIES.get(store)
    if library is None or library.stamp != stamp:
        library = Library(stamp, store.document_order())
        _LIBRARIES[store] = library
    return library


def document_position(store: Store, document_id: int) -> tuple[int, int]:
    """(1-based position in corpus order, number of articles); 0 if it is not there.

    For the header's "3 / 5": an index lookup in the kept order, not a listing."""
    library = library_of(store)
    index = library.position_of(document_id)
    return (0 if index is None else index + 1), len(library.order)


def neighbour_document(store: Store, document_id: int, step: int) -> int | None:
    """The id `step` articles after (before, if negative) this one in corpus order, or None."""
    library = library_of(store)
    index = library.position_of(document_id)
    target = (0 if step > 0 else len(library.order) - 1) if index is None else index + step
    return library.order[target] if 0 <= target < len(library.order) else None


def _people_width(names: Iterable[str]) -> int:
    names = list(names)
    return sum(cell_width(clip_cells(name, _PEOPLE_NAME)) + 2 for name in names) + len(_GAP) * max(len(names) - 1, 0)


def _flags_width(flags: dict[int, set[str]] | None) -> int:
    """The widest review marks of any article (stops once an article has both)."""
    seen: set[tuple[bool, bool]] = set()
    for value in (flags or {}).values():
        seen.add(("disagreements" in value, "unadjudicated" in value))
        if (True, True) in seen:
            break
    return max(
        (_pieces_width(_flag_pieces({name for name, has in zip(("disagreements", "unadjudicated"), pair) if has})) for pair in seen),
        default=0,
    )


def figure_widths(figures: dict[str, int], flags: dict[int, set[str]] | None = None) -> dict[str, int]:
    """Column widths (ArticleColumns.widen's arguments) that fit every article, from read_figures."""
    documents = figures.get("documents", 0)
    states = [_state(figures["most_spans"], False)] if figures.get("most_spans") else []
    if figures.get("done_without_spans"):
        states.append(_state(0, True))
    if documents - figures.get("started", 0) - figures.get("done_without_spans", 0) > 0:
        states.append(_state(0, False))
    widths = {
        "state": max((cell_width(state) for state in states), default=0),
        "people": figures.get("people", 0),
        "flags": _flags_width(flags),
    }
    if documents:
        widths["position"] = cell_width(f"{figures.get('last_position', documents - 1) + 1}/{documents}")
    return widths


def read_columns(store: Store) -> tuple[tuple[int, int, int], Columns]:
    """(stamp, columns) read together; reads every text for its length."""
    stamp = store.library_stamp()
    return stamp, Columns(*store.document_columns())


def library_documents(store: Store, annotator: str | None = None) -> DocumentListing:
    """list_documents(annotator), with the columns kept in the store's Library."""
    library = library_of(store)
    if library.columns is None:
        stamp, columns = read_columns(store)
        if stamp != library.stamp:  # changed between the two reads: read it all again
            library = library_of(store)
            stamp, columns = read_columns(store)
        if stamp == library.stamp:
            library.columns = columns
    else:
        columns = library.columns
    return DocumentListing(columns, store.span_counts(annotator))


def make_matcher(columns: Columns) -> tuple[ArticleMatcher, dict[str, int]]:
    """The filter's matcher and the widths of title, key and size: a pass over 100,000
    titles, so it runs off the UI thread for a large library."""
    matcher = ArticleMatcher(columns.ids, columns.titles, columns.keys)
    widths = {
        "title": widest(columns.titles),
        "key": widest(columns.keys),
        "size": cell_width(f"{max(columns.lengths, default=0):,} chars"),
    }
    return matcher, widths


def read_figures(store: Store, spans_of: str | None, me: str | None) -> dict[str, int]:
    """What the columns need that changes as analysts work (span counts, who did what)."""
    figures = store.list_figures(spans_of, me)
    figures["people"] = max((_people_width(names) for names in store.progress_groups()), default=0)
    return figures


class ArticleSource:
    """The list's rows, read from SQL a screenful at a time (the widget's RowSource)."""

    ROWS_KEPT = 4_000

    def __init__(
        self, store: Store, total: int, spans_of: str | None, me: str | None, flags: dict[int, set[str]] | None
    ) -> None:
        self.store = store
        self.total = total
        self.spans_of = spans_of
        self.me = me
        self.flags = flags
        self.layout = ArticleColumns()
        self.settled = False
        """The columns fit the whole library (its figures are in): rows read later need not be measured."""
        self._cells: LRUCache[int, ArticleCells] = LRUCache(self.ROWS_KEPT)

    def cells(self, document_id: int) -> ArticleCells:
        cells = self._cells.get(document_id)
        if cells is None:
            self.prefetch([document_id])
            cells = self._cells.get(document_id)
            if cells is None:  # gone from the database since the list was read
                gone = DocumentSummary(document_id, "", "(no longer in the database)", -1, 0, 0)
                cells = self._cells[document_id] = article_cells(gone, self.total)
        return cells

    def row(self, item: int) -> ArticleRow:
        return ArticleRow(self.cells(item), self.layout)

    def prefetch(self, items: Sequence[int]) -> bool:
        missing = [item for item in items if item not in self._cells]
        if not missing:
            return False
        summaries = self.store.document_summaries(missing, self.spans_of)
        progress = self.store.progress_of_documents(summaries)
        flags = self.flags
        fetched = []
        for document_id, summary in summaries.items():
            cells = article_cells(
                summary, self.total, progress.get(document_id), flags.get(document_id) if flags is not None else None, self.me
            )
            self._cells[document_id] = cells
            fetched.append(cells)
        return False if self.settled else self.layout.include(fetched)


FILTER_WORDS = {"disagreements": "disagreements only", "unadjudicated": "not adjudicated only"}
"""How each review filter reads in the list's "Filter:" line, in this order."""


def filter_words(required: set[str] | frozenset[str]) -> str:
    """The review filters that are on, in words ("" when none): "disagreements only"."""
    if required >= {"disagreements", "unadjudicated"}:
        return "disagreements, not adjudicated only"
    return ", ".join(words for flag, words in FILTER_WORDS.items() if flag in required)


class ArticleListScreen(ModalScreen[int | None]):
    """Jump to any article; type to filter."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "dismiss(None)", "Close", id="articles.close"),
        Binding("down", "focus_list", "List", show=False, id="articles.down"),
        # priority: the filter box has focus and would take ctrl+d as "delete right".
        Binding("ctrl+d", "toggle_filter('disagreements')", "Only disagreements", priority=True, id="articles.disagreements"),
        Binding("ctrl+g", "toggle_filter('unadjudicated')", "Only not adjudicated", priority=True, id="articles.unadjudicated"),
    ]

    AT_ONCE = 5_000
    """Up to this many articles the list reads the library and filters on the UI thread
    (milliseconds); beyond, in thread workers."""

    def __init__(
        self,
        store: Store,
        current: int | None,
        *,
        spans_of: str | None = None,
        me: str | None = None,
        flags: dict[int, set[str]] | None = None,
    ) -> None:
        """`spans_of`: whose spans are counted (None: everyone's); `me`: whose "done" counts
        as started; `flags`: review marks per article (turns on ctrl+d and ctrl+g)."""
        super().__init__()
        self.store = store
        self.current = current
        self.spans_of = spans_of
        self.me = me
        self.flags = flags
        self.required: set[str] = set()
        """Flags an article must have to be listed (review filters)."""
        self.library = library_of(store)
        self.source = ArticleSource(store, len(self.library.order), spans_of, me, flags)
        self.started = store.started_documents(spans_of)
        self.matcher = self.library.matcher
        self.shown_query: str | None = None
        """The query whose matches are on screen (None until the first are)."""
        self._generation = 0
        self._open_when_shown = False
        self._matcher_ready = threading.Event()
        self._figures_in = False
        layout = self.source.layout
        layout.widen(**self.library.widths)
        layout.widen(**figure_widths(self.library.figures.get((spans_of, me), {}), flags))
        if self.matcher is not None:
            self._matcher_ready.set()

    @property
    def at_once(self) -> bool:
        return self.source.total <= self.AT_ONCE

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_filter":
            return self.flags is not None
        return True

    def action_toggle_filter(self, flag: str) -> None:
        self.required ^= {flag}
        self._show_filter_state()
        self._request(self.query_one("#articles-filter", Input).value)

    def _show_filter_state(self) -> None:
        """A line saying which review filters are on: a filtered list must not pass for the whole library."""
        line = self.query_one("#articles-filter-state", Static)
        words = filter_words(self.required)
        line.update(Content(f"Filter: {words} (ctrl+d / ctrl+g to change)" if words else ""))
        line.set_class(bool(words), "on")

    def compose(self) -> ComposeResult:
        with Vertical(id="articles-dialog"):
            yield Static(
                Content(f"Articles: {self.started} of {self.source.total} started — type to filter, enter to open"),
                classes="dialog-title",
            )
            yield Static("", id="articles-filter-state")
            yield Input(placeholder="Filter by title or key…", id="articles-filter")
            yield ArticleList(self.source, id="articles-list")
            # The keys that apply here, ctrl+d and ctrl+g among them when the list has review flags.
            yield KeyBar()

    @property
    def article_list(self) -> ArticleList:
        return self.query_one("#articles-list", ArticleList)

    def on_mount(self) -> None:
        if self.at_once:
            if self.matcher is None:
                stamp, columns = (None, self.library.columns) if self.library.columns else read_columns(self.store)
                self._library_read(stamp, columns, *make_matcher(columns))
            self._figures_read(read_figures(self.store, self.spans_of, self.me))
        else:
            # After the first frame: the workers hold the GIL for part of their work.
            if self.matcher is None:
                self.call_after_refresh(self._read_library)
            self.call_after_refresh(self._read_figures)
        self._request("")
        self.query_one("#articles-filter", Input).focus()

    # -- reading the library (off the UI thread when it is large) ---------------------------

    def _library_read(
        self, stamp: tuple[int, int, int] | None, columns: Columns, matcher: ArticleMatcher, widths: dict[str, int]
    ) -> None:
        library = self.library
        if stamp is None or stamp == library.stamp:  # else it changed while it was read: use it, keep nothing
            library.columns, library.matcher, library.widths = columns, matcher, widths
        self.matcher = matcher
        self._matcher_ready.set()
        self._widen(widths)

    def _figures_read(self, figures: dict[str, int]) -> None:
        self.library.figures[(self.spans_of, self.me)] = figures
        self._figures_in = True
        self._widen(figure_widths(figures, self.flags))

    def _widen(self, widths: dict[str, int]) -> None:
        source = self.source
        source.settled = bool(self.library.widths) and self._figures_in
        if source.layout.widen(**widths) and self.is_mounted:
            self.article_list.redraw()

    @work(thread=True, group="articles-library", exit_on_error=False)
    def _read_library(self) -> None:
        stamp, columns = None, self.library.columns  # kept when the annotation screen read them
        try:
            if columns is None:
                # A store of its own: SQLite connections belong to their thread.
                with Store.open(self.store.path, create=False, read_only=self.store.read_only) as store:
                    stamp, columns = read_columns(store)
            matcher, widths = make_matcher(columns)
        except Exception as error:  # the list still works, unfiltered
            self._matcher_ready.set()
            self._call(self.notify, f"Could not read the titles to filter by: {error}", severity="error", markup=False)
            return
        self._call(self._library_read, stamp, columns, matcher, widths)

    @work(thread=True, group="articles-figures", exit_on_error=False)
    def _read_figures(self) -> None:
        with Store.open(self.store.path, create=False, read_only=self.store.read_only) as store:
            figures = read_figures(store, self.spans_of, self.me)
        self._call(self._figures_read, figures)

    def _call(self, callback: Callable[..., object], *args: object, **kwargs: object) -> None:
        """callback on the UI thread, unless the app is gone (a worker may outlive it)."""
        try:
            self.app.call_from_thread(callback, *args, **kwargs)
        except RuntimeError:
            pass

    # -- filtering ------------------------------------------------------------------------

    def _request(self, query: str) -> None:
        """Show query's matches: at once when that is cheap, else from a thread worker,
        where a newer keystroke cancels an older one."""
        self._generation += 1
        required = frozenset(self.required)
        if (not query.strip() and not required) or (self.at_once and self.matcher is not None):
            shown = self._matches(query, required)
            assert shown is not None
            self._show(self._generation, query, shown)
        else:
            self._filter_in_thread(self._generation, query, required)

    def _matches(
        self, query: str, required: frozenset[str], cancelled: Callable[[], bool] | None = None
    ) -> Sequence[int] | None:
        """Ids to show for query and the required flags, in order; None if cancelled."""
        matcher = self.matcher
        shown: Sequence[int] | None
        if not query.strip() or matcher is None:
            shown = self.library.order
        else:
            found = matcher.match(query, cancelled)
            shown = None if found is None else Picked(matcher.ids, found)
        if shown is not None and required and self.flags is not None:
            flags = self.flags
            shown = [document_id for document_id in shown if required <= flags.get(document_id, set())]
        return shown

    @work(thread=True, exclusive=True, group="articles-filter", exit_on_error=False)
    def _filter_in_thread(self, generation: int, query: str, required: frozenset[str]) -> None:
        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled or generation != self._generation

        if query.strip():
            while not self._matcher_ready.wait(0.05):  # the titles are still being read
                if cancelled():
                    return
        shown = self._matches(query, required, cancelled)
        if shown is not None and not cancelled():
            self._call(self._show, generation, query, shown)

    def _show(self, generation: int, query: str, shown: Sequence[int]) -> None:
        if generation != self._generation or not self.is_attached:
            return
        highlighted: int | None = 0
        if not query.strip() and self.current is not None:
            if shown is self.library.order:
                highlighted = self.library.position_of(self.current)
            else:
                highlighted = next((i for i, document_id in enumerate(shown) if document_id == self.current), None)
        self.article_list.show(shown, highlighted or 0)
        self.shown_query = query
        if self._open_when_shown:
            self._open_when_shown = False
            self._open_first()

    @on(Input.Changed, "#articles-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._request(event.value)

    @on(Input.Submitted, "#articles-filter")
    def _open_first(self) -> None:
        if self.shown_query != self.query_one("#articles-filter", Input).value:
            self._open_when_shown = True  # enter typed ahead of the filter: open its first match
            return
        option_list = self.article_list
        if option_list.highlighted is not None:
            self.dismiss(option_list.ids[option_list.highlighted])

    @on(OptionList.OptionSelected, "#articles-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_focus_list(self) -> None:
        self.article_list.focus()
