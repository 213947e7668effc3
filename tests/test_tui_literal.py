"""Article text and titles are shown literally: no markup, no emoji codes, no escape sequences."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.store import Store
from test_tui_support import (
    ANNOTATOR,
    annotate_screen,
    cell_of,
    running,
    screen_lines,
    screen_strips,
    screen_text,
    span_list_texts,
    terminal_output,
    view_of,
)

ESC, BEL = "\x1b", "\x07"
# Two short lines, so each is one row of the article view.
TEXT = f"A [bold]not bold[/bold] and [red]x[/] with :warning: then\n{ESC}[31mred{ESC}[0m and {ESC}]0;pwned{BEL} end."
SHOWN = ["A [bold]not bold[/bold] and [red]x[/] with :warning: then", "␛[31mred␛[0m and ␛]0;pwned␇ end."]
TITLE = f"[bold]Title[/bold] :warning: [red] {ESC}]0;title{BEL}"
TITLE_SHOWN = "[bold]Title[/bold] :warning: [red] ␛]0;title␇"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Store.open(path) as store:
        document = store.add_document("lit", TITLE, TEXT).document
        osc = TEXT.index(f"{ESC}]0;")
        store.add_span(document, osc, TEXT.index(" end."), "OTHER", ANNOTATOR)
        store.add_span(document, TEXT.index("[red]"), TEXT.index(" with"), "QUANTITY", ANNOTATOR)
    return path


async def test_article_text_is_drawn_literally_and_no_escape_sequence_reaches_the_terminal(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            assert view.text == TEXT  # offsets still point into the stored text
            for row, expected in enumerate(SHOWN):
                segments = list(view.render_line(row))
                assert "".join(segment.text for segment in segments).rstrip() == expected
                assert not any(ESC in segment.text or BEL in segment.text for segment in segments)
            # The whole screen, as the compositor sends it.
            shown = screen_text(app)
            for expected in SHOWN:
                assert expected in shown
            assert "⚠" not in shown
            for strip in screen_strips(app):
                for segment in strip:
                    assert ESC not in segment.text and BEL not in segment.text, segment
            # One character, one cell: the placeholders keep the columns where they were.
            x, y = cell_of(app, "␛[31mred")
            assert screen_lines(app)[y][x : x + len(SHOWN[1])] == SHOWN[1]
            assert cell_of(app, "A [bold]")[0] == x

            # What a real terminal would receive: the text, but no escape sequence from it.
            output = terminal_output(app)
            assert "pwned" in output  # the text is there ...
            assert f"{ESC}]0;pwned" not in output and f"{ESC}]0;title" not in output  # ... as text only
            assert BEL not in output
            assert f"{ESC}[31mred" not in output


async def test_title_with_markup_is_shown_literally_in_the_header_and_article_list(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            header = screen_lines(app)[0]
            assert TITLE_SHOWN in header
            assert "1 / 1" in header
            await pilot.press("a")
            assert TITLE_SHOWN in screen_text(app)


async def test_span_list_and_details_show_span_text_literally(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.pause()
            rows = span_list_texts(app)
            assert any("[red]x[/]" in row for row in rows), rows
            assert any("␛]0;pwned␇" in row for row in rows), rows
            await pilot.press("tab")  # pick the first span
            await pilot.pause()
            details = str(annotate_screen(app).query_one("#span-details").render())
            assert "[red]x[/]" in details
            shown = screen_text(app)
            assert "[red]x[/]" in shown.split("\n", 2)[2]  # in the panel too, not only the article
            assert ESC not in shown and BEL not in shown


async def test_command_palette_shows_the_title_literally(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("ctrl+p", *"Open")
            await app.workers.wait_for_complete()
            await pilot.pause()
            hits = [line.strip() for line in screen_lines(app) if "Open:" in line]
            assert any(f"Open: {TITLE_SHOWN}" in hit for hit in hits), hits
