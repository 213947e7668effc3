"""The Textual app: thin wiring of the store, the annotation screen and the command palette."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel

from annotator.session.writer import Outcome, Writer
from annotator.store import Store

if TYPE_CHECKING:
    from textual.command import Provider
from annotator.tui.screens.annotate import AnnotateScreen


# The command palette's providers, imported when the palette first opens, not at start-up.
def _label_commands() -> type[Provider]:
    from annotator.tui.commands import LabelCommands

    return LabelCommands


def _article_commands() -> type[Provider]:
    from annotator.tui.commands import ArticleCommands

    return ArticleCommands


def _action_commands() -> type[Provider]:
    from annotator.tui.commands import ActionCommands

    return ActionCommands


class AnnotatorApp(App[None]):
    """Keyboard-first annotation of one database under one analyst's name."""

    CSS_PATH = "annotator.tcss"
    TITLE = "annotator"
    COMMANDS = App.COMMANDS | {_label_commands, _article_commands, _action_commands}
    BINDINGS: list[BindingType] = [
        # Always in the key bar: `q` tags QUANTITY here, so the way out must be in sight.
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        # Reached when a screen has no ctrl+c of its own (Textual's own notice reads markup).
        Binding(
            "ctrl+c",
            "notify('ctrl+q quits; all shown as saved is saved.')",
            "How to quit",
            show=False,
            system=True,
            id="app.quit_hint",
        ),
    ]

    class WriteSettled(Message):
        """A background write has an outcome (posted from the writer thread)."""

        def __init__(self, outcome: Outcome) -> None:
            super().__init__()
            self.outcome = outcome

    class WriteWaiting(Message):
        """The writer is waiting for another process's write lock."""

        def __init__(self, seconds: float) -> None:
            super().__init__()
            self.seconds = seconds

    def __init__(self, store: Store, annotator: str, ask_name: bool = False) -> None:
        """ask_name: open with a "Your name" prompt and work under the name typed there
        (a browser session of `annotator serve`, which has no --annotator of its own)."""
        super().__init__()
        self.store = store
        self.annotator = annotator
        self.ask_name = ask_name
        # Every write goes through here, off the UI thread (none for a read-only file).
        self.writer: Writer | None = (
            None
            if store.read_only
            else Writer(store.path, lambda outcome: self.post_message(self.WriteSettled(outcome)), self._waiting)
        )
        self._quit_anyway = False

    database_failure: sqlite3.DatabaseError | None = None
    """Set when the database failed under the app (a damaged page): the CLI says so in one line."""

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_paint_done)
        if not self.ask_name:
            self.push_screen(AnnotateScreen(self.store, self.annotator))
            return
        from annotator.tui.screens.name_prompt import NamePromptScreen

        def start(name: str | None) -> None:
            """The prompt only closes with a valid name: the session starts under it."""
            if name is None:
                return
            self.annotator = name
            self.push_screen(AnnotateScreen(self.store, name))

        self.push_screen(NamePromptScreen(self.store), start)

    def _first_paint_done(self) -> None:
        """Garbage collection was off for start-up (annotator/launch.py): turn it on.

        What start-up built lives as long as the app, so it is frozen out of every later
        pass: a collection during typing then walks only what the session itself made.
        """
        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    def _waiting(self, seconds: float) -> None:
        self.post_message(self.WriteWaiting(seconds))

    def on_annotator_app_write_settled(self, event: WriteSettled) -> None:
        """Hand the outcome to the screen whose session made the write."""
        owner = event.outcome.job.owner
        for screen in reversed(self.screen_stack):
            if getattr(screen, "session", None) is owner and hasattr(screen, "write_settled"):
                screen.write_settled(event.outcome)
                return

    def on_annotator_app_write_waiting(self, event: WriteWaiting) -> None:
        for screen in reversed(self.screen_stack):
            if hasattr(screen, "write_waiting"):
                screen.write_waiting(event.seconds)
                return

    async def action_quit(self) -> None:
        """Quit once every queued write is committed; a stuck queue asks for a second ctrl+q."""
        writer = self.writer
        if writer is not None and writer.pending and not self._quit_anyway:
            settled = await asyncio.to_thread(writer.wait_idle, 3.0)
            if not settled or writer.held:
                self._quit_anyway = True
                waiting = writer.pending
                self.notify(
                    f"{waiting} action{'s' if waiting != 1 else ''} not saved yet (the database is busy or failed). "
                    "Wait for 'saved', or press ctrl+q again to quit and lose them.",
                    title="Still saving",
                    severity="warning",
                    timeout=8,
                )
                return
        self.exit()

    async def on_unmount(self) -> None:
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close, 5.0)

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
