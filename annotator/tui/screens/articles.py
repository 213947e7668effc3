"""The list of all articles with progress, filtered by typing (fuzzy, rapidfuzz)."""

from __future__ import annotations

from rapidfuzz import fuzz, process
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.model import DocumentSummary
from annotator.text import one_line


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


def document_prompt(document: DocumentSummary, total: int) -> Content:
    progress = f"{document.span_count} span{'s' if document.span_count != 1 else ''}" if document.span_count else "not started"
    return Content.assemble(
        (f"{document.position + 1:>4}/{total} ", "dim"),
        ("● " if document.span_count else "○ ", "green" if document.span_count else "dim"),
        (one_line(document.title, 70), "bold"),
        (f"  {progress} · {document.length:,} chars · {one_line(document.key, 30)}", "dim"),
    )


class ArticleListScreen(ModalScreen[int | None]):
    """Jump to any article; type to filter."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "dismiss(None)", "Close", id="articles.close"),
        Binding("down", "focus_list", "List", show=False, id="articles.down"),
    ]

    def __init__(self, documents: list[DocumentSummary], current: int | None) -> None:
        super().__init__()
        self.documents = documents
        self.current = current

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
        total = len(self.documents)
        option_list.set_options(Option(document_prompt(d, total), id=str(d.id)) for d in shown)
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
