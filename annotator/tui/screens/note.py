"""Editing the free-text note of one span."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from annotator.cells import clip_cells
from annotator.model import Label, Span


class NoteScreen(ModalScreen[str | None]):
    """ctrl+s saves, escape cancels; the note is stored with the span."""

    BINDINGS: list[BindingType] = [
        Binding("ctrl+s", "save", "Save note", id="note.save"),
        Binding("escape", "dismiss(None)", "Cancel", id="note.cancel"),
    ]

    def __init__(self, span: Span, labels: list[Label]) -> None:
        super().__init__()
        self.span = span

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(
                Content.assemble(("Note on ", "bold"), (clip_cells(self.span.label, 20), "bold"), ": ", clip_cells(self.span.text, 60)),
                classes="dialog-title",
            )
            yield TextArea(self.span.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Content("ctrl+s save · escape cancel").stylize("dim"))

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text.strip())
