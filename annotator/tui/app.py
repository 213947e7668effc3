"""The Textual app: thin wiring of the store, the annotation screen and the command palette."""

from __future__ import annotations

import sqlite3

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel

from annotator.store import Store
from annotator.tui.commands import ActionCommands, ArticleCommands, LabelCommands
from annotator.tui.screens.annotate import AnnotateScreen


class AnnotatorApp(App[None]):
    """Keyboard-first annotation of one database under one analyst's name."""

    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    COMMANDS = App.COMMANDS | {LabelCommands, ArticleCommands, ActionCommands}
    BINDINGS: list[BindingType] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(self, store: Store, annotator: str) -> None:
        super().__init__()
        self.store = store
        self.annotator = annotator

    database_failure: sqlite3.DatabaseError | None = None
    """Set when the database failed under the app (a damaged page): the CLI says so in one line."""

    def on_mount(self) -> None:
        self.push_screen(AnnotateScreen(self.store, self.annotator))

    def _handle_exception(self, error: Exception) -> None:
        """A database that fails mid-session ends the app with one line, never a traceback."""
        if isinstance(error, sqlite3.DatabaseError):
            self.database_failure = error
            self.exit(return_code=1)
            return
        super()._handle_exception(error)

    def notify(  # type: ignore[override]
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry labels, names and article text: never read them as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


def make_app(store: Store, annotator: str) -> AnnotatorApp:
    """The one factory the CLI, tests and benchmarks build the app through."""
    return AnnotatorApp(store, annotator)
