"""The one-line bars above and below the article: where you are, who you are, what is saved."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from annotator.text import one_line


class DocumentHeader(Static):
    """Article title and its position in the corpus; titles are shown literally."""

    def show(self, title: str, position: int, total: int, done_hint: str = "") -> None:
        # One fixed row: no layout pass needed (a layout pass costs milliseconds per key).
        self.update(
            Content.assemble(
                (f" {position} / {total} ", "reverse bold"),
                "  ",
                (one_line(title, 200), "bold"),
                (f"  {done_hint}" if done_hint else "", "dim"),
            ),
            layout=False,
        )


class StatusBar(Static):
    """Analyst, save state of the last action, and the selection mode."""

    annotator: reactive[str] = reactive("")
    saved: reactive[str] = reactive("")
    """'saved HH:MM:SS: what' or 'NOT SAVED: why' for the last action."""
    mode: reactive[str] = reactive("words")
    position: reactive[str] = reactive("")

    def render(self) -> Content:
        failed = self.saved.startswith(("NOT SAVED", "READ-ONLY"))
        return Content.assemble(
            (f" {one_line(self.annotator, 40)} ", "reverse"),
            "  ",
            (one_line(self.saved or "nothing changed yet", 120), "bold red" if failed else "green"),
            "  │ ",
            (f"select: {self.mode}", "dim"),
            "  │ ",
            (self.position, "dim"),
        )
