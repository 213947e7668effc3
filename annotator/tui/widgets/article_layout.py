"""Soft-wrap layout of an article that wraps only what is on screen and near it.

Wrapping a whole article eagerly costs seconds and gigabytes per megabyte (a Python
object per character in Textual's wrapper). Here the text is cut once into blocks of
about `BLOCK` characters at line starts; a line longer than a block (a whole article
on one line) is cut into virtual segments, at a space where one is near. A block is
wrapped the first time a row of it is needed; until then its height is an estimate
from two `str.count` calls. A Fenwick tree over the block heights maps a visual row to
its block and back in O(log blocks), so opening, scrolling and jumping cost what is on
screen, not what the article holds.

No Textual here: only the text, terminal cell widths and the arithmetic of rows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len, get_character_cell_size

from annotator.text import display_safe, next_grapheme, previous_grapheme

BLOCK = 4096
"""Nominal block size in code points: about 35 rows at 120 columns, ~1 ms to wrap."""

_SPACE_SEARCH = 256  # how far past a block's nominal end a split looks for a space
_CHUNK = re.compile(r"\S+\s*|\s+")  # a word and the white space after it (as Textual wraps)


def wrap_offsets(line: str, width: int) -> list[int]:
    """Where a line without tabs or line breaks is broken to fit `width` cells.

    The same breaks as Textual's `compute_wrap_offsets` (what `TextArea` and this view
    used before), without its per-character list of tab widths: display text never
    holds a tab, and that list is what made a long line raise MemoryError.
    """
    breaks: list[int] = []
    append = breaks.append
    used = 0  # cells taken on the current row
    for match in _CHUNK.finditer(line):
        start, end = match.span()
        chunk = match.group()
        chunk_width = cell_len(chunk)
        if width - used >= chunk_width:
            used += chunk_width
        elif chunk_width > width:
            # A word wider than the row is folded, character by character.
            pieces: list[list[str]] = [[]]
            total = 0
            for character in chunk:
                cells = get_character_cell_size(character)
                if total + cells > width:
                    pieces.append([character])
                    total = cells
                else:
                    pieces[-1].append(character)
                    total += cells
            for index, piece in enumerate(pieces):
                if start:
                    append(start)
                if index == len(pieces) - 1:
                    used = cell_len("".join(piece))
                else:
                    start += len(piece)
        elif used and start:
            append(start)
            used = chunk_width
    return breaks


def block_bounds(text: str, size: int = BLOCK) -> list[int]:
    """Offsets cutting the text into blocks: [0, ..., len(text)], strictly increasing.

    A cut goes at the first line start at or after `size` characters into the block
    (else the last one before it). A line with no line start anywhere near is cut
    after a space within `_SPACE_SEARCH` characters, else between two graphemes: the
    cut ends a row early, as a wrap would, and never splits a visible character.
    """
    size = max(size, 2 * _SPACE_SEARCH)  # a split near a space never lands before a line break
    length = len(text)
    bounds = [0]
    cut = 0
    find, rfind = text.find, text.rfind
    while cut + size < length:
        nominal = cut + size
        newline = find("\n", nominal - 1, nominal - 1 + size)
        if newline == -1:
            newline = rfind("\n", cut, nominal - 1)
        if newline != -1:
            following = newline + 1
        else:
            space = find(" ", nominal, nominal + _SPACE_SEARCH)
            following = space + 1 if space != -1 else next_grapheme(text, nominal - 1)
        if following >= length:
            break
        bounds.append(following)
        cut = following
    if length:
        bounds.append(length)
    else:
        bounds.append(0)  # one empty block, one empty row
    return bounds


@dataclass(frozen=True, slots=True)
class Row:
    """One visual row: text offsets [start, end), end before the line break if any."""

    start: int
    end: int
    last: bool  # ends its line: the cursor may rest after it (on the line break)


def row_end_offset(text: str, row: Row) -> int:
    """Where `end` puts the cursor: the end of this screen row, never the next row's start.

    A row that ends its line keeps the cursor after its last character (on the line
    break). A wrapped row's end offset is the first offset of the row below, so the
    cursor goes on the row's last character instead (the space the wrap broke at), and
    a second `end` finds it on the same row and stays.
    """
    if row.last or row.end <= row.start:
        return row.end
    return max(row.start, previous_grapheme(text, row.end))


@dataclass(slots=True)
class WrappedBlock:
    """A block's rows and its display-safe text (one character per character)."""

    start: int
    display: str
    rows: list[Row]
    starts: list[int]  # rows' start offsets, for bisect


class TextBlocks:
    """The width-independent half: block bounds, and line breaks per block.

    One `str.count` per block (about 50 ms for 100 MB) gives both the estimates and
    line numbers (the status bar's "line N") without a list of every line start.
    """

    def __init__(self, text: str, size: int = BLOCK) -> None:
        self.text = text
        self.bounds = block_bounds(text, size)
        count = text.count
        bounds = self.bounds
        self.breaks = [count("\n", bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]
        before = [0]
        total = 0
        for breaks in self.breaks:
            total += breaks
            before.append(total)
        self._breaks_before = before

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def block_of(self, offset: int) -> int:
        """The block holding offset (the end of the text belongs to the last block)."""
        return min(max(bisect_right(self.bounds, offset) - 1, 0), len(self.bounds) - 2)

    def line_of(self, offset: int) -> int:
        """0-based line of offset: the line breaks before it."""
        offset = min(max(offset, 0), len(self.text))
        block = self.block_of(offset)
        return self._breaks_before[block] + self.text.count("\n", self.bounds[block], offset)

    def estimate(self, block: int, width: int) -> int:
        """Rows a block will take at this width, before it is wrapped.

        Characters over a row a little short of full (words do not fill rows), and
        three quarters of a row per line break: half a row for a line's last partial
        row, or a whole one for an empty line (news text alternates the two).
        """
        bounds = self.bounds
        breaks = self.breaks[block]
        chars = bounds[block + 1] - bounds[block] - breaks
        return max(1, int(chars / max(1, width - 3) + 0.75 * breaks + 0.5))


class Heights:
    """A Fenwick tree of block heights: prefix sums and row -> block in O(log n)."""

    def __init__(self, values: list[int]) -> None:
        size = len(values)
        tree = [0, *values]
        for index in range(1, size + 1):
            parent = index + (index & -index)
            if parent <= size:
                tree[parent] += tree[index]
        self._tree = tree
        self._size = size
        self.values = list(values)
        self.total = sum(values)
        self._top = 1 << (size.bit_length() - 1) if size else 0

    def add(self, index: int, delta: int) -> None:
        self.values[index] += delta
        self.total += delta
        tree, size = self._tree, self._size
        index += 1
        while index <= size:
            tree[index] += delta
            index += index & -index

    def prefix(self, index: int) -> int:
        """Sum of the heights of the blocks before `index`."""
        tree = self._tree
        total = 0
        while index > 0:
            total += tree[index]
            index -= index & -index
        return total

    def find(self, row: int) -> tuple[int, int]:
        """(block, row within it) of a row; past the end gives (len, rest)."""
        tree, size = self._tree, self._size
        position, rest, step = 0, row, self._top
        while step:
            following = position + step
            if following <= size and tree[following] <= rest:
                position = following
                rest -= tree[following]
            step >>= 1
        return position, rest


class ArticleLayout:
    """Rows of the article at one width, wrapped block by block as they are asked for.

    `on_wrap(block, first_row, old_height, new_height)` is called when a block's
    estimated height becomes exact, so the view can keep what is on screen in place
    when a block above it changes height.
    """

    CACHE = 192  # wrapped blocks kept (a few screens' worth); heights outlive them

    def __init__(self, blocks: TextBlocks, width: int) -> None:
        self.blocks = blocks
        self.text = blocks.text
        self.width = max(1, width)
        self.heights = Heights([blocks.estimate(k, self.width) for k in range(len(blocks))])
        self.exact = bytearray(len(blocks))
        self._wrapped: OrderedDict[int, WrappedBlock] = OrderedDict()
        self.on_wrap: Callable[[int, int, int, int], None] | None = None

    @property
    def total(self) -> int:
        """Visual rows of the whole article (exact where wrapped, else estimated)."""
        return self.heights.total

    def __len__(self) -> int:
        return len(self.blocks)

    def first_row(self, block: int) -> int:
        return self.heights.prefix(block)

    def block(self, index: int) -> WrappedBlock:
        """The block wrapped (from the cache, or now: its height becomes exact)."""
        cached = self._wrapped.get(index)
        if cached is not None:
            self._wrapped.move_to_end(index)
            return cached
        wrapped = self._wrap(index)
        self._wrapped[index] = wrapped
        if len(self._wrapped) > self.CACHE:
            self._wrapped.popitem(last=False)
        old = self.heights.values[index]
        new = len(wrapped.rows)
        if not self.exact[index]:
            self.exact[index] = 1
            if new != old:
                self.heights.add(index, new - old)
                if self.on_wrap is not None:
                    self.on_wrap(index, self.heights.prefix(index), old, new)
        return wrapped

    def _wrap(self, index: int) -> WrappedBlock:
        bounds = self.blocks.bounds
        start, end = bounds[index], bounds[index + 1]
        final = index == len(bounds) - 2
        display = display_safe(self.text[start:end])
        pieces = display.split("\n")
        closed = len(pieces) - 1  # pieces followed by a line break
        if not final and display.endswith("\n"):
            pieces.pop()  # the line after the break is the next block's first
        rows: list[Row] = []
        width = self.width
        position = start
        for number, piece in enumerate(pieces):
            ends_line = number < closed or final
            cuts = [position + cut for cut in wrap_offsets(piece, width)] if piece else []
            row_start = position
            for cut in cuts:
                rows.append(Row(row_start, cut, False))
                row_start = cut
            rows.append(Row(row_start, position + len(piece), ends_line))
            position += len(piece) + 1
        return WrappedBlock(start, display, rows, [row.start for row in rows])

    def locate(self, row: int) -> tuple[int, int]:
        """(block, row index) of a visual row, wrapping blocks until it is exact.

        A row past the end gives the last row.
        """
        heights = self.heights
        last = len(self.blocks) - 1
        while True:
            target = min(max(row, 0), max(heights.total - 1, 0))
            block, rest = heights.find(target)
            if block > last:
                block, rest = last, target - heights.prefix(last)
            wrapped = self.block(block)
            if rest < len(wrapped.rows):
                return block, rest
            if block == last:
                return block, len(wrapped.rows) - 1
            # The block was shorter than estimated: the row lies further on.

    def position(self, offset: int) -> tuple[int, int]:
        """(block, row index) of the row drawing offset."""
        block = self.blocks.block_of(offset)
        wrapped = self.block(block)
        return block, max(0, bisect_right(wrapped.starts, offset) - 1)

    def row(self, block: int, index: int) -> Row:
        return self.block(block).rows[index]

    def step(self, block: int, index: int, delta: int) -> tuple[int, int]:
        """The row `delta` rows away (clamped to the article), in block coordinates.

        Works in (block, index) rather than row numbers: wrapping a block on the way
        changes the numbers of the rows after it.
        """
        index += delta
        last = len(self.blocks) - 1
        while index < 0:
            if block == 0:
                return 0, 0
            block -= 1
            index += len(self.block(block).rows)
        while index >= len(self.block(block).rows):
            if block == last:
                return block, len(self.block(block).rows) - 1
            index -= len(self.block(block).rows)
            block += 1
        return block, index

    def row_number(self, block: int, index: int) -> int:
        self.block(block)  # exact first: its own height does not move its first row
        return self.heights.prefix(block) + index
