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


_STATE_MARK = {"done": ("✓", "green"), "in_progress": ("…", "yellow")}


def document_prompt(
    document: DocumentSummary,
    total: int,
    states: dict[str, str] | None = None,
    flags: set[str] | None = None,
    me: str | None = None,
) -> Content:
    """One row: position, your progress, title, then who has done what."""
    mine_done = bool(me and (states or {}).get(me) == "done")
    if document.span_count:
        progress = f"{document.span_count} span{'s' if document.span_count != 1 else ''}"
    else:
        progress = "done, no spans" if mine_done else "not started"
    parts: list[str | tuple[str, str]] = [
        (f"{document.position + 1:>4}/{total} ", "dim"),
        ("● " if document.span_count or mine_done else "○ ", "green" if document.span_count or mine_done else "dim"),
        (one_line(document.title, 60), "bold"),
        (f"  {progress} · {document.length:,} chars", "dim"),
    ]
    for name, state in sorted((states or {}).items()):
        mark, colour = _STATE_MARK.get(state, ("·", "dim"))
        parts.extend(["  ", (f"{one_line(name, 12)} {mark}", colour)])
    if flags:
        if "disagreements" in flags:
            parts.append(("  ≠ disagreements", "bold red"))
        if "unadjudicated" in flags:
            parts.append(("  not adjudicated", "italic"))
    return Content.assemble(*parts)


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
        total = len(self.documents)
        option_list.set_options(
            Option(
                document_prompt(d, total, self.progress.get(d.id), self.flags.get(d.id) if self.flags else None, self.me),
                id=str(d.id),
            )
            for d in shown
        )
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
