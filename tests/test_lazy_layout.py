"""The lazy layout under the article view, and the text helpers that stay local on long texts.

The article view wraps an article block by block as rows are needed (article_layout.py).
These tests hold it to what the eager wrap did (Textual's WrappedDocument, which the
view used before), and hold the windowed `sentence_at` and the chunked `LineIndex` to
their former full-text answers, on random texts.
"""

from __future__ import annotations

import random
from bisect import bisect_right

import pytest
from rich.cells import cell_len
from textual._wrap import compute_wrap_offsets
from textual.document._document import Document
from textual.document._wrapped_document import WrappedDocument

import annotator.text as text_module
from annotator.text import LineIndex, display_safe, next_grapheme, sentence_at, trim
from annotator.tui.widgets.article_layout import ArticleLayout, Heights, TextBlocks, block_bounds, wrap_offsets

PIECES = [
    "a", "bb", "Quetzalcoatlus", " ", "  ", "漢字", "e\u0301", "👨\u200d👩\u200d👧", "🇰🇬", "👍🏽",
    "x" * 30, "\x1b", "\t", "ﾊ", ". ", "Mr.", "U.S.", "$10,000",
]


def random_text(rng: random.Random, pieces: list[str], count: int) -> str:
    return "".join(rng.choice(pieces) for _ in range(count))


def eager_rows(text: str, width: int) -> list[tuple[int, int, bool]]:
    """Rows as the view built them before: WrappedDocument over the whole display text."""
    display = display_safe(text)
    wrapped = WrappedDocument(Document(display), width)
    rows: list[tuple[int, int, bool]] = []
    position = 0
    for number, line in enumerate(display.split("\n")):
        starts = [0, *wrapped.get_offsets(number)]
        bounds = [*starts, len(line)]
        for section in range(len(starts)):
            rows.append((position + bounds[section], position + bounds[section + 1], section == len(starts) - 1))
        position += len(line) + 1
    return rows


def lazy_rows(layout: ArticleLayout) -> list[tuple[int, int, bool]]:
    return [(row.start, row.end, row.last) for block in range(len(layout)) for row in layout.block(block).rows]


def test_wrap_offsets_break_where_textual_breaks() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        line = display_safe(random_text(rng, PIECES, rng.randint(0, 40)))
        for width in (1, 2, 3, 7, 20, 69):
            assert wrap_offsets(line, width) == compute_wrap_offsets(line, width, 4), (line, width)


def test_rows_are_the_eager_rows_when_blocks_end_at_line_breaks() -> None:
    rng = random.Random(11)
    pieces = [*PIECES, "\n", "\n\n"]
    for _ in range(150):
        text = random_text(rng, pieces, rng.randint(0, 2500))
        blocks = TextBlocks(text, 512)
        for width in (9, 40, 119):
            layout = ArticleLayout(blocks, width)
            if all(text[cut - 1] == "\n" for cut in blocks.bounds[1:-1]):
                assert lazy_rows(layout) == eager_rows(text, width)
            assert layout.total == len(lazy_rows(layout))


@pytest.mark.parametrize("text", ["", "\n", "one", "one\n", "\n\ntwo\n\n", "a" * 5000])
def test_small_and_edge_texts_lay_out_like_the_eager_wrap(text: str) -> None:
    layout = ArticleLayout(TextBlocks(text), 40)
    if all(text[cut - 1] == "\n" for cut in layout.blocks.bounds[1:-1]):
        assert lazy_rows(layout) == eager_rows(text, 40)
    assert lazy_rows(layout)[-1][1:] == (len(text), True)


def test_one_long_line_is_cut_into_segments_that_tile_it() -> None:
    rng = random.Random(5)
    for pieces in ([" ", "word", "漢字", "👍🏽"], ["e\u0301", "👨\u200d👩\u200d👧", "🇰🇬", "x"]):  # with and without spaces
        text = random_text(rng, pieces, 20_000)
        blocks = TextBlocks(text, 1024)
        assert len(blocks) > 5
        for cut in blocks.bounds[1:-1]:
            assert next_grapheme(text, cut - 1) == cut, "a cut splits a visible character"
        layout = ArticleLayout(blocks, 33)
        rows = lazy_rows(layout)
        assert rows[0][0] == 0 and rows[-1][1:] == (len(text), True)
        for (_, end, last), (start, _, _) in zip(rows, rows[1:]):
            assert not last and start == end
        for start, end, _ in rows:
            assert cell_len(display_safe(text[start:end])) <= 33


def test_heights_answer_like_a_list() -> None:
    rng = random.Random(3)
    values = [rng.randint(1, 9) for _ in range(300)]
    heights = Heights(values)
    for _ in range(200):
        index = rng.randrange(len(values))
        delta = rng.randint(1, 9) - values[index]
        values[index] += delta
        heights.add(index, delta)
        assert heights.total == sum(values)
        block = rng.randrange(len(values) + 1)
        assert heights.prefix(block) == sum(values[:block])
        row = rng.randrange(sum(values))
        found, rest = heights.find(row)
        assert sum(values[:found]) + rest == row and 0 <= rest < values[found]


def test_row_lookups_agree_while_blocks_are_wrapped_in_any_order() -> None:
    rng = random.Random(9)
    text = random_text(rng, [*PIECES, "\n", "\n\n", " "], 40_000)
    layout = ArticleLayout(TextBlocks(text, 700), 50)
    blocks = list(range(len(layout)))
    rng.shuffle(blocks)
    for block in blocks[: len(blocks) // 2]:
        layout.block(block)
    # Moving by rows from the middle gives the same rows whatever was wrapped before.
    start_block, start_index = layout.position(len(text) // 2)
    moves = {delta: layout.step(start_block, start_index, delta) for delta in (-300, -41, -1, 0, 1, 37, 500)}
    for block in range(len(layout)):
        layout.block(block)
    rows = lazy_rows(layout)
    here = layout.row_number(start_block, start_index)
    for delta, (block, index) in moves.items():
        assert layout.row_number(block, index) == min(max(here + delta, 0), len(rows) - 1)
    for number in range(0, len(rows), 7):
        block, index = layout.locate(number)
        row = layout.row(block, index)
        assert (row.start, row.end, row.last) == rows[number]
        assert layout.position(row.start) == (block, index)


def test_block_bounds_cover_the_text_in_order() -> None:
    rng = random.Random(1)
    for _ in range(100):
        text = random_text(rng, ["\n", "a b ", "cc", "\n\n", "漢"], rng.randint(0, 3000))
        bounds = block_bounds(text, 512)
        assert bounds[0] == 0 and bounds[-1] == len(text)
        assert all(a < b for a, b in zip(bounds, bounds[1:])) or text == ""


def _sentence_at_full_scan(text: str, offset: int) -> tuple[int, int] | None:
    """sentence_at as it was: every sentence end from the top of the text."""
    if not text.strip():
        return None
    offset = min(max(offset, 0), len(text) - 1)
    start, end = 0, len(text)
    for match in text_module._SENTENCE_END.finditer(text):
        stop = match.end()
        if match.group().startswith(".") and text_module._is_abbreviation(text, match.start()):
            continue
        if stop <= offset:
            start = stop
        else:
            end = stop if match.group()[0] != "\n" else match.start()
            break
    return trim(text, start, end)


def test_sentence_at_looks_near_the_cursor_and_answers_as_a_full_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny windows, so the search restarts further back again and again.
    monkeypatch.setattr(text_module, "_SENTENCE_REACH", 3)
    monkeypatch.setattr(text_module, "_ORIGIN_SPAN", 2)
    rng = random.Random(1)
    pieces = ["Mr.", " ", "  ", "\n", "\n\n", " \n ", "word", "U.S.", ". ", "!", '?"', "…", "x", "”)", "e.g.", "\t", "a"]
    for _ in range(4000):
        text = random_text(rng, pieces, rng.randint(0, 25))
        for offset in range(-1, len(text) + 2):
            assert sentence_at(text, offset) == _sentence_at_full_scan(text, offset), (text, offset)


def test_sentence_at_on_a_long_line_matches_the_full_scan() -> None:
    text = " ".join(f"Mr. Osh said {n}. Then U.S. officials left!" for n in range(3000))
    for offset in (0, 5, len(text) // 2, len(text) - 3, len(text)):
        assert sentence_at(text, offset) == _sentence_at_full_scan(text, offset)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_line_index_answers_as_a_list_of_line_starts(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LineIndex, "CHUNK", chunk)
    rng = random.Random(chunk)
    for _ in range(60):
        text = random_text(rng, ["a", "\n", "bb", "\n\n", "ccc "], rng.randint(0, 50))
        index = LineIndex(text)
        starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        assert index.starts == starts
        for offset in range(len(text) + 1):
            line = bisect_right(starts, offset) - 1
            assert index.line_of(offset) == line
            assert index.location(offset) == (line, offset - starts[line])
            assert index.offset(line, offset - starts[line]) == offset
        for line in range(len(starts)):
            assert index.line_end(line) == (starts[line + 1] - 1 if line + 1 < len(starts) else len(text))


def test_line_numbers_from_the_blocks_count_line_breaks() -> None:
    rng = random.Random(4)
    text = random_text(rng, ["a", "\n", "bb b", "\n\n"], 20_000)
    blocks = TextBlocks(text, 600)
    for offset in range(0, len(text) + 1, 13):
        assert blocks.line_of(offset) == text.count("\n", 0, offset)
