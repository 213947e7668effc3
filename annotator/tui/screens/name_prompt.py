"""Asking who is at the keyboard, for a browser session of `annotator serve`.

In a terminal the name comes from --annotator, $ANNOTATOR_NAME or the OS user; a browser
connection has none of these, so the app asks once, before any article opens.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from annotator.cells import clip_cells
from annotator.errors import InputError
from annotator.settings import validate_annotator
from annotator.store import Store


def _usable(name: str) -> bool:
    """Whether a name already in the database could be typed here (gold, say, cannot)."""
    try:
        validate_annotator(name)
    except InputError:
        return False
    return True


class NamePromptScreen(ModalScreen[str]):
    """Dismissed with a valid analyst name; there is no way past it without one."""

    CSS_PATH = "name_prompt.tcss"
    AUTO_FOCUS = "#name-input"
    BINDINGS: list[BindingType] = [
        Binding("enter", "start", "Start", id="name_prompt.start"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Vertical(id="name-dialog"):
            yield Static(Content("Your name"), classes="dialog-title")
            yield Static(
                Content(
                    "Your spans, progress and undo history are saved under this name. "
                    "Type it the same way each time you connect."
                ),
                id="name-why",
            )
            yield Input(placeholder="e.g. alice", id="name-input")
            yield Static(Content(""), id="name-error")
            yield Static(Content(""), id="name-known")
            yield Static(Content("enter start · ctrl+q quit").stylize("dim"))

    def on_mount(self) -> None:
        self._load_known_names()

    @work(thread=True, exit_on_error=False, group="name-prompt")
    def _load_known_names(self) -> None:
        """Names already in the database, so a returning analyst spells theirs the same."""
        names = [name for name in self.store.annotators() if _usable(name)]
        if names:
            listed = ", ".join(clip_cells(name, 30) for name in names[:12])
            more = f" and {len(names) - 12} more" if len(names) > 12 else ""
            self.app.call_from_thread(self._show_known, f"Already in this database: {listed}{more}")

    def _show_known(self, text: str) -> None:
        # Names are data: Content shows them literally, never as markup.
        self.query_one("#name-known", Static).update(Content(text).stylize("dim"))

    @on(Input.Submitted, "#name-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        """Check the name with the rules --annotator follows; stay here until it passes."""
        typed = self.query_one("#name-input", Input).value
        try:
            name = validate_annotator(typed)
        except InputError as error:
            # validate_annotator's empty-name message points at --annotator, which a
            # browser user has no way to pass: here the hint is to type.
            self._show_error("Type your name, then press enter." if not typed.strip() else str(error))
            return
        self.dismiss(name)

    def _show_error(self, message: str) -> None:
        error_line = self.query_one("#name-error", Static)
        error_line.update(Content(message))
        error_line.add_class("shown")
