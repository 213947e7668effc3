"""Search every article and span by their words (ctrl+f); enter opens the article at the match.

The query runs in a worker on a connection of its own (full-text index, well under
50 ms at 100,000 articles), so typing never waits on SQLite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.cells import clip_cells
from annotator.store import SearchHit, Store, locate
from annotator.text import one_line


@dataclass(frozen=True)
class Found:
    """Where the analyst chose to go: the article and the offset of the match."""

    document_id: int
    offset: int


def hit_line(hit: SearchHit, width: int = 110) -> Content:
    """One result: the article or span, then its snippet with the matched words in bold."""
    head = (
        clip_cells(hit.title, 40) if hit.kind == "article" else f"{clip_cells(hit.label or '', 12)} by {clip_cells(hit.annotator or '', 16)}"
    )
    parts: list[tuple[str, str] | str] = [(f"{'article' if hit.kind == 'article' else 'span':<8}", "dim"), (head, "bold"), "  "]
    bold = False
    for piece in re.split("([\x02\x03])", hit.snippet):
        if piece == "\x02":
            bold = True
        elif piece == "\x03":
            bold = False
        elif piece:
            parts.append((one_line(piece), "reverse") if bold else one_line(piece))
    return Content.assemble(*parts).truncate(width, ellipsis=True)


class SearchScreen(ModalScreen[Found | None]):
    """Type words; the list shows matching articles and spans, best first."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "dismiss(None)", "Close", id="search.close"),
        Binding("down", "focus_results", "Results", show=False, id="search.results"),
    ]

    def __init__(self, path: Path, read_only: bool, query: str = "") -> None:
        super().__init__()
        self.path = path
        self.read_only = read_only
        self.query_text = query
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog"):
            yield Static("Search all articles and spans: every word, as a prefix; enter opens the match", id="search-help")
            yield Input(value=self.query_text, placeholder="words…", id="search-input")
            yield OptionList(id="search-results")
            yield Static("", id="search-count")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.query_text:
            self._search(self.query_text)

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.hits:
            self._open(0)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option_index)

    def action_focus_results(self) -> None:
        results = self.query_one("#search-results", OptionList)
        if results.option_count:
            results.focus()
            results.highlighted = 0

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str) -> None:
        with Store.open(self.path, create=False, read_only=self.read_only) as store:
            hits = store.search(query, limit=50)
        self.app.call_from_thread(self._show, query, hits)

    def _show(self, query: str, hits: list[SearchHit]) -> None:
        if query != self.query_one("#search-input", Input).value:
            return  # typed on meanwhile: a newer search is coming
        self.query_text = query
        self.hits = hits
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        results.add_options([Option(hit_line(hit)) for hit in hits])
        articles = sum(1 for h in hits if h.kind == "article")
        self.query_one("#search-count", Static).update(
            f"{articles} article{'s' if articles != 1 else ''}, {len(hits) - articles} span{'s' if len(hits) - articles != 1 else ''}"
            if query.strip()
            else ""
        )

    def _open(self, index: int) -> None:
        hit = self.hits[index]
        offset = hit.offset
        if offset is None:
            with Store.open(self.path, create=False, read_only=self.read_only) as store:
                offset = locate(store.document(hit.document_id).text, self.query_text)
        self.dismiss(Found(hit.document_id, offset))
