"""Long articles: megabytes of text open at once and behave like a short article.

The article view wraps and indexes only what is on screen and near it
(annotator/tui/widgets/article_layout.py). These tests drive the real app through
Pilot on articles of several megabytes, and on one long line with no line break, and
check what an analyst sees and what lands in the database. Speed is measured in
bench/bench_process.py, not here.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual import events

from annotator.model import NewSpan
from annotator.store import Store
from test_tui_support import (
    _cells,
    cell_of,
    running,
    screen_strips,
    spans_in_db,
    status_text,
    type_ahead,
    view_of,
)

FIRST = "Opening words of Quetzalcoatlus Weekly."
LAST = "Closing words name Zanzibarian Ostriches at the very end."
PARAGRAPHS = 10_000  # about 5.1 million characters


def long_article(paragraphs: int) -> str:
    """News-like paragraphs (one line each, a blank line between), with wide characters."""
    lines = [FIRST, ""]
    for number in range(paragraphs):
        lines.append(
            " ".join(
                f"Report {number}.{clause} says {number * 7 + clause} people met in Bishkek, 漢字 and 👍🏽 seen."
                for clause in range(8)
            )
        )
        lines.append("")
    lines.append(LAST)
    return "\n".join(lines)


def one_line_article(clauses: int) -> str:
    """A record with no line break at all: the whole article is one paragraph."""
    body = " ".join(f"Clause {number} adds {number * 3} words about Osh." for number in range(clauses))
    return f"{FIRST} {body} {LAST}"


def article_rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The text drawn on each screen row of the article (the scrollbar left out)."""
    region = view_of(app).scrollable_content_region
    rows: list[str] = []
    for y, strip in enumerate(screen_strips(app)):
        if region.y <= y < region.bottom:
            text, columns = _cells(strip)
            rows.append("".join(ch for ch, x in zip(text, columns) if region.x <= x < region.right))
    return rows


def assert_rows_follow_the_text(app, text: str) -> None:  # type: ignore[no-untyped-def]
    """Every row on screen fits the view and continues the text where the row above ended.

    Between two rows there may only be what wrapping hides: the white space a row ends
    with and the line breaks of a paragraph end.
    """
    view = view_of(app)
    width = view.scrollable_content_region.width
    rows = article_rows(app)
    assert any(row.strip() for row in rows), "the article shows nothing"
    position = None
    for row in rows:
        shown = row.rstrip()
        if not shown:
            continue
        assert cell_len(shown) < width  # the last column is kept for the cursor at a row's end
        if position is None:
            position = text.find(shown)
            assert position != -1, f"{shown!r} is not in the article"
        else:
            found = text.find(shown, position)
            assert found != -1 and not text[position:found].strip(), (
                f"after {text[max(0, position - 40):position]!r} comes {text[position:position + 40]!r}, "
                f"but the next row shows {shown!r}"
            )
            position = found
        position += len(shown)


def cursor_on_screen(app) -> bool:  # type: ignore[no-untyped-def]
    view = view_of(app)
    row = view._row_of(view.cursor)
    top = int(view.scroll_y)
    return top <= row < top + view.scrollable_content_region.height


async def test_both_ends_of_a_five_megabyte_article_are_reachable(tmp_path: Path) -> None:
    text = long_article(PARAGRAPHS)
    assert len(text) > 5_000_000
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("long", "A long article", text)
        async with running(store) as (app, pilot):
            view = view_of(app)
            assert view.text == text
            assert FIRST in article_rows(app)[0]
            assert_rows_follow_the_text(app, text)

            await pilot.press("ctrl+end")
            assert view.cursor == len(text)
            assert any(LAST in row for row in article_rows(app))
            assert_rows_follow_the_text(app, text)
            assert f"line {text.count(chr(10)) + 1} · offset {len(text)}" in status_text(app)

            # Up through blocks never wrapped before: the screen stays in one piece.
            for _ in range(6):
                before = view.cursor
                await pilot.press("pageup")
                assert view.cursor < before
                assert cursor_on_screen(app)
                assert_rows_follow_the_text(app, text)

            await pilot.press("ctrl+home")
            assert view.cursor == 0
            assert FIRST in article_rows(app)[0]
            assert "line 1 · offset 0" in status_text(app)


async def test_the_mouse_wheel_moves_the_text_evenly_through_rows_never_drawn(tmp_path: Path) -> None:
    text = long_article(PARAGRAPHS)
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("long", "A long article", text)
        async with running(store) as (app, pilot):
            await pilot.press("ctrl+end")
            shown = article_rows(app)
            steps: set[int | None] = set()
            for _ in range(40):  # blocks' worth of rows, each block wrapped only as it comes near
                await pilot._post_mouse_events([events.MouseScrollUp], "#article", offset=(5, 5))
                await pilot.pause()
                rows = article_rows(app)
                steps.add(next((s for s in range(1, len(rows)) if rows[s:] == shown[: len(rows) - s]), None))
                shown = rows
            assert len(steps) == 1 and None not in steps, f"the text jumped: it moved by {steps} rows a notch"
            assert_rows_follow_the_text(app, text)


async def test_tags_at_the_end_of_a_long_article_store_the_offsets_shown(tmp_path: Path) -> None:
    text = long_article(PARAGRAPHS)
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("long", "A long article", text)
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("ctrl+end", "ctrl+shift+left", "ctrl+shift+left")
            assert view.selection == (len(text) - len("very end."), len(text) - 1)
            await pilot.press("c")

            # A click on a word drawn near the end puts the cursor on it.
            x, y = cell_of(app, "Ostriches")
            await pilot.click(offset=(x, y))
            assert view.cursor == text.rindex("Ostriches")
            await pilot.press("w", "p")

            # Rows up, then a word: the cursor walks rows of the last paragraph.
            await pilot.press("up", "up", "up", "w")
            assert view.selection is not None
            start, end = view.selection
            assert len(text) - 2_000 < start < end < text.rindex("Ostriches")
            await pilot.press("o")

            # The row above the last paragraph's first row is the blank line between paragraphs.
            number = f"{PARAGRAPHS - 1}.0"
            last_paragraph = text.rindex(f"Report {number}")
            x, y = cell_of(app, number)
            await pilot.click(offset=(x, y))
            assert view.cursor == last_paragraph + len("Report ")
            await pilot.press("w", "q")
    saved = sorted((s.start, s.end, s.label, s.text) for s in spans_in_db(db))
    assert [(label, span_text) for _, _, label, span_text in saved] == [
        ("QUANTITY", f"{PARAGRAPHS - 1}.0"),
        ("ORG", text[start:end]),
        ("PERSON", "Ostriches"),
        ("CLAIM", "very end"),
    ]
    for span_start, span_end, _, span_text in saved:
        assert text[span_start:span_end] == span_text


async def test_a_single_line_of_megabytes_opens_wraps_and_tags(tmp_path: Path) -> None:
    text = one_line_article(80_000)
    assert len(text) > 3_000_000 and "\n" not in text
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("line", "One line", text)
        async with running(store) as (app, pilot):
            view = view_of(app)
            rows = [row for row in article_rows(app) if row.strip()]
            assert len(rows) == view.scrollable_content_region.height  # soft-wrapped, every row used
            assert rows[0].startswith(FIRST)
            assert_rows_follow_the_text(app, text)

            await pilot.press("ctrl+end")
            assert view.cursor == len(text)
            assert any(row.rstrip().endswith("at the very end.") for row in article_rows(app))
            assert "line 1 · offset" in status_text(app)
            assert_rows_follow_the_text(app, text)

            # Forty rows up and down crosses block boundaries (a block is about 35 rows).
            x, y = cell_of(app, "Zanzibarian")
            await pilot.click(offset=(x, y))
            here = view.cursor
            assert here == text.rindex("Zanzibarian")
            await type_ahead(pilot, *["up"] * 40)
            assert view.cursor < here - 40 * 60
            assert cursor_on_screen(app)
            assert_rows_follow_the_text(app, text)
            await type_ahead(pilot, *["down"] * 40)
            assert view.cursor == here
            await pilot.press("w", "l")

            # Half way: a page at a time from the end (blocks estimated until drawn).
            await type_ahead(pilot, *["pageup"] * 8)
            await pilot.press("w", "m")
            assert cursor_on_screen(app)
            assert_rows_follow_the_text(app, text)
    saved = sorted((s.start, s.end, s.label, s.text) for s in spans_in_db(db))
    assert [label for *_, label, _ in saved] == ["OTHER", "PLACE"]
    assert saved[1][:2] == (here, here + len("Zanzibarian"))
    for span_start, span_end, _, span_text in saved:
        assert text[span_start:span_end] == span_text


async def test_a_resize_rewraps_a_long_article_and_keeps_the_cursor_in_view(tmp_path: Path) -> None:
    text = long_article(3_000)
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("long", "A long article", text)
        async with running(store) as (app, pilot):
            view = view_of(app)
            await type_ahead(pilot, *["pagedown"] * 30)
            x, y = cell_of(app, "Bishkek", occurrence=3)
            await pilot.click(offset=(x, y))
            here = view.cursor
            assert text[here : here + len("Bishkek")] == "Bishkek"
            wide = view.scrollable_content_region.width

            await pilot.resize_terminal(70, 24)
            await pilot.pause()
            assert view.scrollable_content_region.width < wide
            assert view.cursor == here
            assert cursor_on_screen(app)
            assert_rows_follow_the_text(app, text)
            await pilot.press("down", "up")
            assert view.cursor == here
            await pilot.press("w", "l")

            await pilot.resize_terminal(150, 40)
            await pilot.pause()
            assert cursor_on_screen(app)
            assert_rows_follow_the_text(app, text)
            await pilot.press("ctrl+end")
            assert any(LAST in row for row in article_rows(app))
    (span,) = spans_in_db(db)
    assert (span.start, span.end, span.text) == (here, here + len("Bishkek"), "Bishkek")


async def test_twenty_thousand_spans_are_drawn_listed_and_stepped_through(tmp_path: Path) -> None:
    text = long_article(2_500)
    starts = [index for index in range(len(text)) if text.startswith("Bishkek", index)]
    assert len(starts) == 20_000
    spans = [NewSpan(start, start + len("Bishkek"), "PLACE", "alice") for start in starts]
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("long", "A long article", text, spans=spans)
        async with running(store) as (app, pilot):
            view = view_of(app)
            assert "Spans (20000)" in "\n".join("".join(_cells(s)[0]) for s in screen_strips(app))
            # The span list is one widget however many spans there are.
            assert len(app.screen.query("*")) < 60

            await pilot.press("shift+tab")  # from the top, the previous span is the last one
            assert view.active_uid is not None and view.cursor == starts[-1]
            assert cursor_on_screen(app)
            assert any("Bishkek" in row for row in article_rows(app))

            await pilot.press("f2", "home")  # the list's first span: the article follows
            assert view.cursor == starts[0]
            await pilot.press("end")
            assert view.cursor == starts[-1]
            await pilot.press("up")
            assert view.cursor == starts[-2]
            assert "in PLACE" in status_text(app)


async def test_spans_near_index_bucket_edges_are_drawn_whole_and_found_at_the_cursor(tmp_path: Path) -> None:
    # Spans are indexed by 256-character buckets. A name straddling offset 256 must look
    # the same on both sides of it, and a name just after it, on a row that starts before
    # it, must be drawn too.
    head = " ".join(f"w{number:03d}" for number in range(50))  # 249 characters
    text = f"{head} Kyrgyzstanian officials met. " + "More words follow here. " * 40
    name = text.index("Kyrgyzstanian")
    after = text.index("officials")
    assert name < 256 < name + len("Kyrgyzstanian") and after > 256
    spans = [
        NewSpan(200, 400, "CLAIM", "alice"),
        NewSpan(name, name + len("Kyrgyzstanian"), "ORG", "alice"),
        NewSpan(after, after + len("officials"), "PLACE", "alice"),
    ]
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", text, spans=spans)
        async with running(store) as (app, pilot):
            view = view_of(app)

            def styles_of(word: str) -> set[object]:
                x, y = cell_of(app, word)
                found: list[tuple[str, object]] = []
                column = 0
                for segment in screen_strips(app)[y]:
                    for char in segment.text:
                        if x <= column < x + len(word):
                            found.append((char, segment.style))
                        column += cell_len(char)
                assert "".join(char for char, _ in found) == word
                return {style for _, style in found}

            assert cell_of(app, "Kyrgyzstanian")[1] == cell_of(app, "officials")[1]  # one row across 256
            assert len(styles_of("Kyrgyzstanian")) == 1, "the name is drawn in two styles"
            (place,) = styles_of("officials")
            (claim_only,) = styles_of("met")
            assert place != claim_only, "the span after offset 256 is not drawn"
            x, y = cell_of(app, "Kyrgyzstanian")
            await pilot.click(offset=(x + len("Kyrgyzstanian") - 2, y))  # past offset 256
            assert view.cursor > 256
            assert [s.label for s in view.spans_at(view.cursor)] == ["ORG", "CLAIM"]
            assert "in ORG, CLAIM" in status_text(app)
