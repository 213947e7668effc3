"""A one-line (or few-line) question for the entities screen: a name, an external id, a note."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class PromptScreen(ModalScreen[list[str] | None]):
    """enter (or ctrl+s) answers with every field's text; escape cancels."""

    BINDINGS: list[BindingType] = [
        Binding("ctrl+s", "save", "Save", id="prompt.save"),
        Binding("escape", "dismiss(None)", "Cancel", id="prompt.cancel"),
    ]

    def __init__(self, title: str, fields: list[tuple[str, str]]) -> None:
        """fields: (placeholder, current text)."""
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            for number, (placeholder, value) in enumerate(self.fields):
                yield Input(value, placeholder=placeholder, id=f"prompt-{number}")
            yield Static(Content("enter save · tab next field · escape cancel").stylize("dim"))

    def on_mount(self) -> None:
        self.query_one("#prompt-0", Input).focus()

    def action_save(self) -> None:
        self.dismiss([self.query_one(f"#prompt-{n}", Input).value for n in range(len(self.fields))])

    def on_input_submitted(self) -> None:
        self.action_save()
