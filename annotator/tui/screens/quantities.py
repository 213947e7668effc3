"""Every quantity in the corpus, grouped by what it counts, so figures for one thing sit together."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.cells import clip_cells
from annotator.session.knowledge import QuantityLine, quantity_groups
from annotator.store import Store
from annotator.text import one_line


class QuantitiesScreen(Screen[tuple[int, int] | None]):
    """enter opens the article at the quantity; escape goes back."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "dismiss(None)", "Back", id="quantities.back"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.lines: dict[str, QuantityLine] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content("Quantities by what they count"), classes="panel-title", id="quantities-title")
        yield OptionList(id="quantity-list")
        yield Static(Content("↑↓ move · enter open the article there · escape back").stylize("dim"))

    def on_mount(self) -> None:
        self.query_one("#quantity-list", OptionList).focus()
        self._load()

    @work(thread=True, exclusive=True, group="quantities", exit_on_error=False)
    def _load(self) -> None:
        """Reads every quantity span in the corpus: off the event loop."""
        with Store.open(self.path, create=False, read_only=True) as store:
            groups = quantity_groups(store)
        self.app.call_from_thread(self._show, groups)

    def _show(self, groups: list[tuple[str, list[QuantityLine]]]) -> None:
        listing = self.query_one("#quantity-list", OptionList)
        listing.clear_options()
        options: list[Option] = []
        for key, lines in groups:
            options.append(Option(Content.assemble((clip_cells(key or "(nothing counted)", 60), "bold"), (f"  {len(lines)}", "dim")), disabled=True))
            for number, line in enumerate(lines):
                option_id = f"q{len(self.lines)}"
                self.lines[option_id] = line
                options.append(Option(Content.assemble(
                    "  ", clip_cells(one_line(line.text, 40), 40), ("  = ", "dim"), clip_cells(line.display, 40),
                    ("  ", "dim"), (clip_cells(one_line(line.document_title, 40), 40), "dim"),
                ), id=option_id))
        if not options:
            options.append(Option(Content("No quantity tagged yet: tag one with q").stylize("dim"), disabled=True))
        listing.add_options(options)
        count = len(self.lines)
        self.query_one("#quantities-title", Static).update(Content(f"Quantities by what they count ({count})"))
        for index, option in enumerate(options):
            if not option.disabled:
                listing.highlighted = index
                break

    @on(OptionList.OptionSelected, "#quantity-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        line = self.lines.get(event.option.id or "")
        if line is not None:
            self.dismiss((line.document_id, line.start))
