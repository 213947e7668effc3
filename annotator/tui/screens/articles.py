"""The list of all articles with progress, filtered by typing (fuzzy, rapidfuzz)."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.cells import cell_width, clip_cells, display_text, fit, fit_pieces
from annotator.model import DocumentSummary
from annotator.tui.widgets.bars import FittedText, Piece


def filter_documents(documents: list[DocumentSummary], query: str, limit: int = 500) -> list[DocumentSummary]:
    """Documents whose title or key match query, best first; all of them for an empty query."""
    query = query.strip()
    if not query:
        return list(documents)
    choices = {d.id: f"{d.title} {d.key}" for d in documents}
    by_id = {d.id: d for d in documents}
    matches = process.extract(
        query, choices, scorer=fuzz.WRatio, processor=str.lower, limit=limit, score_cutoff=55
    )
    return [by_id[key] for _, _, key in matches]


_STATE_MARK = {"done": ("✓", "green"), "in_progress": ("…", "yellow")}
_GAP = "  "
# The columns after the title, in the order they are drawn ...
_ORDER = ("key", "state", "size", "people", "flags")
# ... and in the order they get room when the list is narrow (the rest are left out).
_PRIORITY = ("state", "flags", "people", "key", "size")
_MAX_CELLS = {"key": 16, "people": 40}
_TITLE_MIN = 16


@dataclass(frozen=True, eq=False)
class ArticleCells:
    """One article's columns as display text: position, mark, title, then the rest."""

    position: str
    mark: tuple[str, str]
    title: str
    size: str
    columns: dict[str, list[Piece]]


def article_cells(
    document: DocumentSummary,
    total: int,
    states: dict[str, str] | None = None,
    flags: set[str] | None = None,
    me: str | None = None,
) -> ArticleCells:
    """Position, your progress, title, key, spans, size, then who has done what."""
    mine_done = bool(me and (states or {}).get(me) == "done")
    if document.span_count:
        state = f"{document.span_count} span{'s' if document.span_count != 1 else ''}"
    else:
        state = "done, no spans" if mine_done else "not started"
    started = bool(document.span_count or mine_done)
    size = f"{document.length:,} chars"
    people: list[Piece] = []
    for name, progress in sorted((states or {}).items()):
        mark, colour = _STATE_MARK.get(progress, ("·", "dim"))
        people.extend([_GAP] if people else [])
        people.append((f"{clip_cells(name, 12)} {mark}", colour))
    marks: list[Piece] = []
    if flags and "disagreements" in flags:
        marks.append(("≠ disagreements", "bold red"))
    if flags and "unadjudicated" in flags:
        marks.extend([_GAP] if marks else [])
        marks.append(("not adjudicated", "italic"))
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
            "flags": marks,
        },
    )


def _pieces_width(pieces: list[Piece]) -> int:
    return sum(cell_width(p if isinstance(p, str) else p[0]) for p in pieces)


class ArticleColumns:
    """Column widths shared by every row of the list, worked out per width drawn at.

    Measured over all articles, not the filtered ones, so columns stay put while typing.
    The title keeps at least a third of the row; columns that do not fit are left out,
    least useful first (see _PRIORITY).
    """

    def __init__(self, rows: list[ArticleCells]) -> None:
        self.position = max((cell_width(r.position) for r in rows), default=0)
        self.title = max((cell_width(r.title) for r in rows), default=0)
        self.natural = {
            name: min(max((_pieces_width(r.columns[name]) for r in rows), default=0), _MAX_CELLS.get(name, 1 << 30))
            for name in _ORDER
        }
        self._plans: dict[int, tuple[int, dict[str, int]]] = {}

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


class ArticleListScreen(ModalScreen[int | None]):
    """Jump to any article; type to filter."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "dismiss(None)", "Close", id="articles.close"),
        Binding("down", "focus_list", "List", show=False, id="articles.down"),
        # priority: the filter box has focus and would take ctrl+d as "delete right".
        Binding("ctrl+d", "toggle_filter('disagreements')", "Only disagreements", priority=True, id="articles.disagreements"),
        Binding("ctrl+g", "toggle_filter('unadjudicated')", "Only not adjudicated", priority=True, id="articles.unadjudicated"),
    ]

    def __init__(
        self,
        documents: list[DocumentSummary],
        current: int | None,
        progress: dict[int, dict[str, str]] | None = None,
        flags: dict[int, set[str]] | None = None,
        me: str | None = None,
    ) -> None:
        super().__init__()
        self.me = me
        self.documents = documents
        self.current = current
        self.progress = progress or {}
        self.flags = flags
        self.required: set[str] = set()
        """Flags an article must have to be listed (review filters)."""
        total = len(documents)
        cells = {
            d.id: article_cells(d, total, self.progress.get(d.id), flags.get(d.id) if flags is not None else None, me)
            for d in documents
        }
        layout = ArticleColumns(list(cells.values()))
        self.rows = {doc_id: ArticleRow(row, layout) for doc_id, row in cells.items()}
        """Each article's row; all share one set of column widths."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_filter":
            return self.flags is not None
        return True

    def action_toggle_filter(self, flag: str) -> None:
        self.required ^= {flag}
        self._fill(self.query_one("#articles-filter", Input).value)

    def compose(self) -> ComposeResult:
        with Vertical(id="articles-dialog"):
            done = sum(1 for d in self.documents if d.span_count)
            yield Static(
                Content(f"Articles: {done} of {len(self.documents)} started — type to filter, enter to open"),
                classes="dialog-title",
            )
            yield Input(placeholder="Filter by title or key…", id="articles-filter")
            yield OptionList(id="articles-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#articles-filter", Input).focus()

    def _fill(self, query: str) -> None:
        option_list = self.query_one("#articles-list", OptionList)
        shown = filter_documents(self.documents, query)
        if self.flags is not None and self.required:
            shown = [d for d in shown if self.required <= self.flags.get(d.id, set())]
        option_list.set_options(Option(FittedText(self.rows[d.id]), id=str(d.id)) for d in shown)
        if shown:
            ids = [d.id for d in shown]
            option_list.highlighted = ids.index(self.current) if (not query and self.current in ids) else 0

    @on(Input.Changed, "#articles-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#articles-filter")
    def _open_first(self) -> None:
        option_list = self.query_one("#articles-list", OptionList)
        if option_list.highlighted is not None:
            option = option_list.get_option_at_index(option_list.highlighted)
            self.dismiss(int(option.id or 0))

    @on(OptionList.OptionSelected, "#articles-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_focus_list(self) -> None:
        self.query_one("#articles-list", OptionList).focus()
