"""Linking a mention: the top candidates from the registry, one key to link or make a new one."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.cells import clip_cells
from annotator.linking import Candidate, EntityIndex, rank_candidates
from annotator.model import Span
from annotator.store import Store
from annotator.text import one_line


_built: dict[Path, tuple[tuple[int, int], EntityIndex]] = {}


def registry_index(path: Path) -> EntityIndex:
    """The registry prepared for ranking: slow for a large registry, so called in a worker,
    and built again only when the registry has changed since."""
    with Store.open(path, create=False, read_only=True) as store:
        version = store.registry_version()
        kept = _built.get(path)
        if kept is not None and kept[0] == version:
            return kept[1]
        index = EntityIndex(store.entity_rows_for_match())
    _built[path] = (version, index)
    return index


LinkChoice = tuple[str, str, str]
"""("link", entity uid, entity name) or ("new", "", "")."""


class LinkPanel(ModalScreen[LinkChoice | None]):
    """1-5 or enter link to a candidate, n makes a new entity from the mention, escape closes."""

    BINDINGS: list[BindingType] = [
        *[Binding(str(n), f"choose({n - 1})", f"Link to {n}", show=n == 1, id=f"link.choose_{n}") for n in range(1, 6)],
        Binding("enter", "choose(0)", "Link to the first", show=False, id="link.first"),
        Binding("n", "new", "New entity", id="link.new"),
        Binding("escape", "dismiss(None)", "Cancel", id="link.cancel"),
    ]

    def __init__(self, path: Path, span: Span, linked_name: str = "") -> None:
        super().__init__()
        self.path = path
        self.span = span
        self.linked_name = linked_name
        self.candidates: list[Candidate] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="link-dialog"):
            title = Content.assemble(("Link ", "bold"), (clip_cells(self.span.label, 20), "bold"), " ", clip_cells(one_line(self.span.text, 60), 60))
            yield Static(title, classes="dialog-title")
            if self.linked_name:
                yield Static(Content(f"Linked now to {clip_cells(self.linked_name, 60)}").stylize("dim"))
            yield Static(Content("Ranking the registry…").stylize("dim"), id="link-candidates")
            yield Static(Content("1-5 / enter link · n new entity from the mention · escape cancel").stylize("dim"))

    def on_mount(self) -> None:
        self._rank()

    @work(thread=True, exclusive=True, group="link-rank", exit_on_error=False)
    def _rank(self) -> None:
        found = rank_candidates(self.span.text, self.span.label, registry_index(self.path))
        self.app.call_from_thread(self._show, found)

    def _show(self, found: list[Candidate]) -> None:
        self.candidates = found
        rows: list[str | tuple[str, str]] = []
        for number, candidate in enumerate(found, 1):
            if rows:
                rows.append("\n")
            rows.extend([(f" {number} ", "reverse"), " ", clip_cells(one_line(candidate.name, 50), 50), (f"  {candidate.label} · {candidate.score:.0f}", "dim")])
        if not rows:
            rows = [("No candidate in the registry: n makes a new entity", "dim")]
        self.query_one("#link-candidates", Static).update(Content.assemble(*rows))

    def action_choose(self, index: int) -> None:
        if index >= len(self.candidates):
            self.app.bell()
            return
        chosen = self.candidates[index]
        self.dismiss(("link", chosen.uid, chosen.name))

    def action_new(self) -> None:
        self.dismiss(("new", "", ""))
