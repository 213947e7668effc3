"""The one-line bars above and below the article: where you are, who you are, what is saved.

Also the pieces every one-row list entry is drawn with: `Row` and `FittedText` cut each
line to the width it is drawn at, by cells and between graphemes (annotator.cells), so a
wide title can never wrap onto a second row or push a column or a border sideways.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from textual.content import Content
from textual.css.styles import RulesMap
from textual.reactive import reactive
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Static

from annotator.cells import cell_width, clip_cells, display_text, fit_pieces, wrap_cells
from annotator.session.article import SaveState

Piece = str | tuple[str, str]
"""A part for Content.assemble: plain text, or (text, style)."""


class Line(Protocol):
    """One screen row whose pieces depend on the width it is drawn at."""

    @property
    def plain(self) -> str:
        """The whole text, uncut (what tests and `str()` read)."""
        ...

    def fit(self, width: int) -> Sequence[Piece]:
        """Pieces of at most `width` cells."""
        ...


@dataclass(frozen=True, eq=False)
class Row:
    """Pieces drawn on one row; `flex` names the piece that is cut first (a title)."""

    pieces: Sequence[Piece]
    flex: int | None = None
    pad: bool = True

    @property
    def plain(self) -> str:
        return "".join(display_text(p if isinstance(p, str) else p[0]) for p in self.pieces)

    def fit(self, width: int) -> list[Piece]:
        return fit_pieces(self.pieces, width, flex=self.flex, pad=self.pad)


@dataclass(frozen=True, eq=False)
class Hanging:
    """Pieces in fixed columns, then a text that wraps under itself (a hanging indent).

    For the label guide: the description keeps to its column, by cells, whatever the
    script; a row too narrow for that cuts the text instead.
    """

    pieces: Sequence[Piece]
    text: str
    style: str = ""
    narrowest: int = 16
    """Fewest cells the text column may have before it is cut rather than wrapped."""

    @property
    def plain(self) -> str:
        return Row([*self.pieces, self.text]).plain

    def rows(self, width: int) -> list[list[Piece]]:
        indent = cell_width(Row(self.pieces).plain)
        if width - indent < self.narrowest:
            return [fit_pieces([*self.pieces, (self.text, self.style)], width, flex=len(self.pieces))]
        first, *rest = wrap_cells(self.text, width - indent)
        rows = [fit_pieces([*self.pieces, (first, self.style)], width)]
        rows.extend(fit_pieces([" " * indent, (text, self.style)], width) for text in rest)
        return rows


class FittedText(Visual):
    """Lines drawn one row each, cut to the width they get; Content lines wrap as usual.

    Textual wraps a line that is too wide, so a long title took two or three rows and
    what followed it moved. Here the cut happens at render time, so a resize re-cuts.
    """

    def __init__(self, *lines: Line | Hanging | Content) -> None:
        self.lines = lines

    @property
    def plain(self) -> str:
        return "\n".join(line.plain for line in self.lines)

    def __str__(self) -> str:
        return self.plain

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        strips: list[Strip] = []
        for line in self.lines:
            if isinstance(line, Content):
                strips.extend(line.render_strips(width, None, style, options))
                continue
            for pieces in line.rows(width) if isinstance(line, Hanging) else [line.fit(width)]:
                strips.extend(Content.assemble(*pieces).render_strips(width, 1, style, options))
        return strips if height is None else strips[:height]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((cell_width(line.plain) for line in self.lines), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        height = 0
        for line in self.lines:
            if isinstance(line, Content):
                height += line.get_height(rules, width)
            else:
                height += len(line.rows(width)) if isinstance(line, Hanging) else 1
        return height


class DocumentHeader(Static):
    """Article title and its position in the corpus; titles are shown literally."""

    def show(self, title: str, position: int, total: int, done_hint: str = "") -> None:
        # One fixed row: no layout pass needed (a layout pass costs milliseconds per key).
        # The title gives way first, so the position and the hint stay in view.
        row = Row(
            [
                (f" {position} / {total} ", "reverse bold"),
                "  ",
                (title, "bold"),
                (f"  {done_hint}" if done_hint else "", "dim"),
            ],
            flex=2,
        )
        self.update(FittedText(row), layout=False)


class StatusBar(Static):
    """Analyst, save state of the last action, and the selection mode."""

    annotator: reactive[str] = reactive("")
    saved: reactive[str] = reactive("")
    """What became of the last action, as the session's SaveState words it."""
    kind: reactive[str] = reactive("idle")
    """The SaveState's kind: it alone picks the colour (the words are never parsed)."""
    mode: reactive[str] = reactive("words")
    position: reactive[str] = reactive("")

    def show(self, state: SaveState) -> None:
        self.saved = state.text
        self.kind = state.kind

    def render(self) -> FittedText:
        # Red is for what was lost (NOT SAVED); a refusal lost nothing and reads calmly.
        colour = {
            "failed": "bold red",
            "read-only": "bold red",
            "saving": "yellow",
            "waiting": "bold yellow",
            "refused": "italic",
        }.get(self.kind, "green")
        # The message gives way first: the mode and the position keep their place.
        return FittedText(
            Row(
                [
                    (f" {clip_cells(self.annotator, 40)} ", "reverse"),
                    "  ",
                    (self.saved or "nothing changed yet", colour),
                    "  │ ",
                    (f"select: {self.mode}", "dim"),
                    "  │ ",
                    (self.position, "dim"),
                ],
                flex=2,
            )
        )
