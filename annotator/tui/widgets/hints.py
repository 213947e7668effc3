"""Jump hints: the labels typed after `f`, and what a typed letter does with them.

The labels themselves come from `annotator.units.hint_labels` (prefix-free, the likeliest
targets get one letter). This module only keeps what has been typed so far, so the
article view can draw the labels still reachable and jump when one is complete.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["jump", "narrowed", "unknown"]


@dataclass
class HintState:
    """Labels on screen (label -> text offset) and the letters typed so far."""

    labels: dict[str, int]
    typed: str = ""
    _by_offset: list[tuple[int, str]] = field(default_factory=list, init=False, repr=False)
    _offsets: list[int] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_offset = sorted((offset, label) for label, offset in self.labels.items())
        self._offsets = [offset for offset, _ in self._by_offset]

    def feed(self, letter: str) -> tuple[Outcome, int | None]:
        """Add a typed letter: ("jump", offset) when it completes a label, ("narrowed", None)
        when labels still start with what is typed, ("unknown", None) when none does (the
        letter is dropped, so a typo does not end hint mode)."""
        typed = self.typed + letter.lower()
        target = self.labels.get(typed)
        if target is not None:
            self.typed = typed
            return "jump", target
        if any(label.startswith(typed) for label in self.labels):
            self.typed = typed
            return "narrowed", None
        return "unknown", None

    def back(self) -> bool:
        """Forget the last typed letter; False when nothing was typed."""
        if not self.typed:
            return False
        self.typed = self.typed[:-1]
        return True

    def in_range(self, start: int, end: int) -> list[tuple[int, str]]:
        """(offset, label) of the labels still reachable that sit in [start, end), in order.

        A bisect over the sorted offsets: a row asks for its own labels only.
        """
        typed = self.typed
        found: list[tuple[int, str]] = []
        for index in range(bisect_left(self._offsets, start), len(self._offsets)):
            offset, label = self._by_offset[index]
            if offset >= end:
                break
            if label.startswith(typed):
                found.append((offset, label))
        return found
