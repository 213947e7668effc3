"""Cutting and padding text to terminal cells, for every list, table and bar.

A title of CJK characters is twice as wide as its length, a family emoji is one
visible character made of seven code points, "नमस्ते" is six code points in four cells.
Cutting by characters overflows a column (the row wraps) or splits a character in
half, so lines are cut and padded here by cell width, measured exactly as Rich and
Textual measure when they draw (`rich.cells.cell_len`), and only between graphemes:
never inside a ZWJ sequence, a flag, a base and its combining marks or a conjunct.

Text is made display-safe on the way (control characters become the placeholders of
`display_safe`, a line break becomes ↵), so one call gives a string that is one
terminal row of a known width.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, TypeVar

from rich.cells import cell_len, get_character_cell_size

from annotator.text import display_safe

__all__ = [
    "ELLIPSIS",
    "cell_width",
    "clip_cells",
    "display_text",
    "fit",
    "fit_pieces",
    "graphemes",
    "share_cells",
    "wrap_cells",
]

ELLIPSIS = "…"

S = TypeVar("S")
Align = Literal["left", "right", "center"]

_ZWJ = "\u200d"
# Viramas that join two consonants into one conjunct (Unicode 15.1, InCB=Linker):
# "क्ष" is one grapheme, cut before or after, never between.
_VIRAMAS = frozenset("\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d")
# A joiner with nothing visible before it, or nothing after it. Rich measures a ZWJ as
# swallowing the next character, so "\u200d👩" would be measured 0 cells and drawn as 2.
_STRAY_JOINER = re.compile(r"(?:^|(?<=\s))\u200d+|\u200d+$")


def cell_width(text: str) -> int:
    """Cells `text` takes on screen, as Textual lays it out (call on display text)."""
    return cell_len(text)


def display_text(text: str) -> str:
    """One display-safe row: controls as placeholders, ↵ for line breaks, no stray joiner."""
    text = display_safe(text, keep_newlines=False)
    if _ZWJ in text:
        text = _STRAY_JOINER.sub("", text)
    return text


def _is_regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _extends(text: str, index: int, start: int) -> bool:
    """Whether text[index] is drawn as part of the grapheme that began at text[start]."""
    char = text[index]
    previous = text[index - 1]
    category = unicodedata.category(char)
    if category == "Cc" or unicodedata.category(previous) == "Cc":
        return False
    if previous == _ZWJ:
        return True  # a ZWJ sequence (👩‍💻); Rich measures the pair as one, too
    code = ord(char)
    if (
        char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (❤️ is two code points)
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag sequences (subdivision flags)
        or 0xE0100 <= code <= 0xE01EF
        or category[0] == "M"  # combining marks, Devanagari vowel signs
    ):
        return True
    if _is_regional(char):
        return index - start == 1 and _is_regional(text[start])  # flags are pairs
    if previous in _VIRAMAS and category == "Lo":
        return True
    # Zero-width characters (ZWSP, Hangul vowel and final jamo) belong to what precedes.
    return get_character_cell_size(char) == 0


def graphemes(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, cells) of each visible character of `text`, in order.

    The cells of all graphemes add up to `cell_len(text)` for display text, so cutting
    at any of these boundaries keeps the measure Textual lays out with.
    """
    length = len(text)
    start = 0
    while start < length:
        end = start + 1
        while end < length and _extends(text, end, start):
            end += 1
        yield start, end, cell_len(text[start:end])
        start = end


def _cut(text: str, cells: int) -> tuple[str, int]:
    """The longest prefix of display text within `cells`, cut between graphemes, and its width."""
    if cells <= 0:
        return "", 0
    if text.isascii():  # printable ASCII: one character, one cell
        return text[:cells], min(len(text), cells)
    used = 0
    for start, end, width in graphemes(text):
        if used + width > cells:
            return text[:start], used
        used += width
    return text, used


def _clip(text: str, width: int, cells: int, ellipsis: str) -> tuple[str, int]:
    """Display text `text` (`width` cells) cut to at most `cells`, ending in `ellipsis` if cut."""
    if width <= cells:
        return text, width
    room = cells - cell_len(ellipsis)
    if room < 0:
        return "", 0
    kept, used = _cut(text, room)
    stripped = kept.rstrip(" ")
    return stripped + ellipsis, used - (len(kept) - len(stripped)) + cell_len(ellipsis)


def clip_cells(text: str, width: int, ellipsis: str = ELLIPSIS) -> str:
    """`text` as one display-safe row of at most `width` cells, cut with `ellipsis`."""
    shown = display_text(text)
    return _clip(shown, cell_len(shown), width, ellipsis)[0]


def _pad(text: str, used: int, width: int, align: Align) -> str:
    gap = max(width - used, 0)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def fit(text: str, width: int, align: Align = "left", ellipsis: str = ELLIPSIS) -> str:
    """`text` as a display-safe row of exactly `width` cells: cut with `ellipsis` or padded.

    What a column needs: whatever the title, the next column starts at the same cell.
    """
    shown = display_text(text)
    clipped, used = _clip(shown, cell_len(shown), width, ellipsis)
    return _pad(clipped, used, width, align)


_WORDS = re.compile(r"\S+ *| +")


def wrap_cells(text: str, width: int) -> list[str]:
    """Display text broken into rows of at most `width` cells, at spaces where it can.

    A word wider than a row (a URL, a run of CJK, which has no spaces) is broken
    between graphemes. There is always at least one row.
    """
    shown = display_text(text)
    if width <= 0:
        return [shown]
    rows: list[str] = []
    row, used = "", 0
    for word in _WORDS.findall(shown):
        bare = word.rstrip(" ")
        if used + cell_len(bare) <= width:
            row, used = row + word, used + cell_len(word)
            continue
        if row.strip(" "):
            rows.append(row.rstrip(" "))
        row, used = "", 0
        while cell_len(bare) > width:
            part, _ = _cut(bare, width)
            if not part:  # a grapheme wider than the row: it goes on a row of its own
                part = bare[: next(graphemes(bare))[1]]
            rows.append(part)
            bare = bare[len(part) :]
        word = bare + word[len(word.rstrip(" ")) :]
        row, used = word, cell_len(word)
    if row.strip(" ") or not rows:
        rows.append(row.rstrip(" "))
    return rows


def share_cells(wanted: Sequence[int], total: int) -> list[int]:
    """Split `total` cells between columns that want `wanted` cells, fairly.

    A column that wants less than an equal share keeps what it wants and the rest goes
    to the wider ones, so two short texts and a long one lose only from the long one.
    """
    shares = [0] * len(wanted)
    remaining = max(total, 0)
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    for done, index in enumerate(order):
        fair = remaining // (len(order) - done)
        shares[index] = min(max(wanted[index], 0), fair)
        remaining -= shares[index]
    return shares


def fit_pieces(
    pieces: Iterable[str | tuple[str, S]],
    width: int,
    *,
    flex: int | None = None,
    flex_min: int = 8,
    pad: bool = True,
    ellipsis: str = ELLIPSIS,
) -> list[str | tuple[str, S]]:
    """Styled pieces (Content.assemble's parts) made into one row of at most `width` cells.

    Each piece is made display-safe. If the row is too wide, the piece at index `flex`
    (a title, a message) gives up cells first, down to `flex_min`, and is padded to what
    it was given so the pieces after it stay in their columns; then the row is cut at the
    end with `ellipsis` in the style of the piece it cuts. `pad` fills the row to exactly
    `width` cells.
    """
    shown: list[tuple[str, S | None, bool]] = []
    for piece in pieces:
        if isinstance(piece, str):
            shown.append((display_text(piece), None, False))
        else:
            shown.append((display_text(piece[0]), piece[1], True))
    widths = [cell_len(text) for text, _, _ in shown]
    total = sum(widths)
    if total > width and flex is not None and 0 <= flex < len(shown):
        text, style, styled = shown[flex]
        given = max(widths[flex] - (total - width), min(flex_min, widths[flex]), 0)
        clipped, used = _clip(text, widths[flex], given, ellipsis)
        shown[flex] = (_pad(clipped, used, given, "left"), style, styled)
        total += given - widths[flex]
        widths[flex] = given
    if total > width:
        room = width - cell_len(ellipsis)
        kept: list[tuple[str, S | None, bool]] = []
        used = 0
        for (text, style, styled), piece_width in zip(shown, widths):
            if used + piece_width <= room:
                kept.append((text, style, styled))
                used += piece_width
                continue
            if room >= 0:
                part, part_width = _cut(text, room - used)
                stripped = part.rstrip(" ")
                kept.append((stripped + ellipsis, style, styled))
                used += part_width - (len(part) - len(stripped)) + cell_len(ellipsis)
            break
        shown, total = kept, used
    result: list[str | tuple[str, S]] = [(text, style) if styled else text for text, style, styled in shown]  # type: ignore[misc]
    if pad and total < width:
        result.append(" " * (width - total))
    return result
