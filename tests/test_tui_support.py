"""Shared helpers for the Pilot tests of the annotator app (no tests in here).

Everything goes through the running app the way an analyst would use it: keys, mouse
events at the screen cells where text is drawn, and what the screen then shows. The
database is a real SQLite file, re-read through a second connection where it matters.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from textual.pilot import Pilot
from textual.strip import Strip

from annotator.model import Span
from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.widgets.article_view import ArticleView
from annotator.tui.widgets.bars import StatusBar
from annotator.tui.widgets.span_list import SpanList

SIZE = (120, 40)
ANNOTATOR = "alice"

SENTENCES = "Alice met Bob in Paris. The deal cost $10,000 and 45% of staff."
#            0         1         2         3         4         5         6
#            012345678901234567890123456789012345678901234567890123456789012


@asynccontextmanager
async def running(store: Store, annotator: str = ANNOTATOR) -> AsyncIterator[tuple[AnnotatorApp, Pilot]]:
    """The app on `store`, mounted with the article view focused."""
    app = make_app(store, annotator)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, AnnotateScreen)
        assert isinstance(app.focused, ArticleView), app.focused
        yield app, pilot


def annotate_screen(app: AnnotatorApp) -> AnnotateScreen:
    screen = app.screen
    assert isinstance(screen, AnnotateScreen), f"expected the annotation screen, got {screen!r}"
    return screen


def view_of(app: AnnotatorApp) -> ArticleView:
    return _main_screen(app).query_one("#article", ArticleView)


def _main_screen(app: AnnotatorApp) -> AnnotateScreen:
    for screen in app.screen_stack:
        if isinstance(screen, AnnotateScreen):
            return screen
    raise AssertionError("no annotation screen on the stack")


def status_text(app: AnnotatorApp) -> str:
    """What the status bar at the bottom shows, as plain text."""
    bar = _main_screen(app).query_one("#status", StatusBar)
    return str(bar.render().plain)


def span_list(app: AnnotatorApp) -> SpanList:
    return _main_screen(app).query_one("#span-list", SpanList)


def span_list_texts(app: AnnotatorApp) -> list[str]:
    return span_list(app).row_texts()


def spans_in_db(path: Path, document_id: int | None = None, annotator: str | None = ANNOTATOR) -> list[Span]:
    """The spans as a second, independent connection sees them (committed data only)."""
    with Store.open(path, create=False) as other:
        if document_id is None:
            ids = [d.id for d in other.list_documents()]
            return [s for doc_id in ids for s in other.spans(doc_id, annotator)]
        return other.spans(document_id, annotator)


def strip_text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def screen_strips(app: AnnotatorApp) -> list[Strip]:
    """Every screen row exactly as the compositor would send it to the terminal."""
    return app.screen._compositor.render_strips()


def screen_lines(app: AnnotatorApp) -> list[str]:
    return [strip_text(strip) for strip in screen_strips(app)]


def screen_text(app: AnnotatorApp) -> str:
    return "\n".join(screen_lines(app))


def terminal_output(app: AnnotatorApp) -> str:
    """The bytes a real terminal would receive for a full repaint (styles as ANSI codes)."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.file.getvalue()  # type: ignore[attr-defined]


def _cells(strip: Strip) -> tuple[str, list[int]]:
    """A row's text and the screen column of each of its characters.

    Columns are counted per segment, the way the compositor lays segments side by side,
    not by measuring the joined text (which can differ when a segment boundary falls
    inside an emoji sequence).
    """
    text: list[str] = []
    columns: list[int] = []
    x = 0
    for segment in strip:
        for index, char in enumerate(segment.text):
            text.append(char)
            columns.append(x + cell_len(segment.text[:index]))
        x += segment.cell_length
    return "".join(text), columns


def cell_of(app: AnnotatorApp, needle: str, occurrence: int = 0, within: str = "#article") -> tuple[int, int]:
    """Screen (x, y) of the first cell where `needle` is drawn inside the widget `within`."""
    region = _main_screen(app).query_one(within).region if within else app.screen.region
    found = 0
    for y, strip in enumerate(screen_strips(app)):
        if not region.y <= y < region.bottom:
            continue
        line, columns = _cells(strip)
        start = 0
        while (index := line.find(needle, start)) != -1:
            x = columns[index]
            if region.x <= x < region.right:
                if found == occurrence:
                    return x, y
                found += 1
            start = index + 1
    raise AssertionError(f"{needle!r} is not drawn in {within}:\n{screen_text(app)}")


def article_row_segments(app: AnnotatorApp, row: int = 0) -> list[tuple[str, object]]:
    """(text, style) of each segment the article view renders for one visual row."""
    view = view_of(app)
    return [(segment.text, segment.style) for segment in view.render_line(row) if segment.text]


def style_of_char(app: AnnotatorApp, offset: int, row: int = 0) -> object:
    """The style the article view draws the character at `offset` (on visual row `row`) with."""
    position = 0
    for text, style in article_row_segments(app, row):
        if position <= offset < position + len(text):
            return style
        position += len(text)
    raise AssertionError(f"offset {offset} not on row {row}")


async def type_ahead(pilot: Pilot, *keys: str) -> None:
    """Deliver keys back to back, as a terminal does for a fast typist or a held key.

    `pilot.press` lets the app settle after every key; here all the key events go into
    the driver's input queue first (the path real terminal input takes), then the app
    settles once.
    """
    from textual import events

    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        driver.send_message(events.Key(key, "\r" if key == "enter" else (key if len(key) == 1 else None)))
    await pilot.pause()
    await pilot.pause()


def cursor_keys(text: str, start: int, target: int) -> list[str]:
    """The fewest motion keys taking the cursor from start to target (BFS over the moves)."""
    from collections import deque

    from annotator.text import next_word_start, previous_word_start

    moves = {
        "right": lambda o: min(o + 1, len(text)),
        "left": lambda o: max(o - 1, 0),
        "ctrl+right": lambda o: next_word_start(text, o),
        "ctrl+left": lambda o: previous_word_start(text, o),
        "ctrl+home": lambda o: 0,
        "ctrl+end": lambda o: len(text),
    }
    seen = {start: []}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == target:
            return seen[here]
        for key, move in moves.items():
            there = move(here)
            if there not in seen:
                seen[there] = [*seen[here], key]
                queue.append(there)
    raise AssertionError(f"cannot reach offset {target}")


async def move_cursor_to(pilot: Pilot, app: AnnotatorApp, offset: int) -> None:
    """Put the cursor on `offset` with the fewest arrow / ctrl+arrow presses, nothing selected."""
    view = view_of(app)
    keys = cursor_keys(view.text, view.cursor, offset)
    if view.anchor is not None and not keys:
        keys = ["ctrl+home", *cursor_keys(view.text, 0, offset)]
    elif view.anchor is not None and keys[0] in ("left", "right"):
        # An arrow first collapses a selection instead of moving: start from a fixed point.
        keys = min((["ctrl+home", *cursor_keys(view.text, 0, offset)], ["ctrl+end", *cursor_keys(view.text, len(view.text), offset)]), key=len)
    if keys:
        await pilot.press(*keys)
    assert view.cursor == offset, (view.cursor, offset, keys)
    assert view.anchor is None
