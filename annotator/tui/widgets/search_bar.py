"""The `/` search bar drawn on the article view's bottom row.

The bar is a row of the view, not a separate widget: keys stay with the view (no focus
moves, so the cursor keeps its full colour and nothing else can take the keys), and the
matches are found with `annotator.units.find_text`, which this module calls. Here is the
state of one search and how its row is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from annotator.text import display_safe
from annotator.units import find_text

SEARCH_KEYS_HINT = "enter stay · esc back · ↑↓ matches"


@dataclass
class SearchState:
    """One open search: where it began, what is typed, where the cursor is now."""

    origin: int
    query: str = ""
    match: int | None = None
    failed: bool = False

    def retype(self, text: str, query: str) -> int:
        """The query changed: the first match at or after the origin (wrapping), else the origin."""
        self.query = query
        found = find_text(text, query, self.origin - 1) if query else None
        self.match = found
        self.failed = bool(query) and found is None
        return self.origin if found is None else found

    def step(self, text: str, direction: int) -> int | None:
        """The next (1) or previous (-1) match from the current one; None without a query or match."""
        if not self.query:
            return None
        here = self.match if self.match is not None else self.origin
        found = find_text(text, self.query, here, direction)
        self.failed = found is None
        if found is not None:
            self.match = found
        return found


def search_bar_strip(state: SearchState, width: int, bar: Style, failed: Style) -> Strip:
    """The bar's row: "/query", a block for the typing position, and the keys on the right."""
    query = display_safe(state.query)
    left = [Segment("/", bar), Segment(query, bar), Segment(" ", bar + Style(reverse=True))]
    if state.failed:
        left.append(Segment("  no match", bar + failed))
    used = sum(segment.cell_length for segment in left)
    hint = f" {SEARCH_KEYS_HINT} "
    if used + cell_len(hint) + 1 <= width:
        left.append(Segment(" " * (width - used - cell_len(hint)), bar))
        left.append(Segment(hint, bar + Style(dim=True)))
    strip = Strip(left)
    if strip.cell_length > width:
        # A long query keeps its end (where the typing is) in view.
        strip = strip.crop(strip.cell_length - width, strip.cell_length)
    return strip.adjust_cell_length(width, bar)
