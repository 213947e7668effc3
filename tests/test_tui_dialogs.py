"""The note editor, the help screen and the command palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import TextArea

from annotator.store import Store
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.note import NoteScreen
from test_tui_support import (
    ANNOTATOR,
    SENTENCES,
    annotate_screen,
    running,
    screen_text,
    span_list_texts,
    spans_in_db,
    status_text,
    view_of,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Store.open(path) as store:
        document = store.add_document("one", "One", SENTENCES).document
        store.add_span(document, 0, 5, "PERSON", ANNOTATOR)
    return path


async def test_note_is_saved_with_ctrl_s_and_shown_in_the_panel(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("enter", "e")
            assert isinstance(app.screen, NoteScreen)
            assert isinstance(app.focused, TextArea)
            await pilot.press(*"[AP] ok")
            await pilot.press("ctrl+s")
            assert not isinstance(app.screen, NoteScreen)
            [span] = spans_in_db(db)
            assert span.note == "[AP] ok"
            assert span.label == "PERSON"  # the "o" typed into the note did not retag it
            assert "noted" in status_text(app)
            await pilot.pause()
            assert "✎ [AP] ok" in span_list_texts(app)[0]
            details = str(annotate_screen(app).query_one("#span-details").render())
            assert "Note: [AP] ok" in details


async def test_escape_cancels_the_note_and_e_needs_a_picked_span(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("e")
            assert not isinstance(app.screen, NoteScreen)
            await pilot.press("enter", "e", *"draft", "escape")
            assert not isinstance(app.screen, NoteScreen)
            assert spans_in_db(db)[0].note == ""
            assert "noted" not in status_text(app)


async def test_help_screen_lists_keys_and_labels(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            shown = screen_text(app)
            for expected in ("annotator — keys", "select the word at the cursor"):
                assert expected in shown, expected
            # The rest is further down: page through it to the bottom.
            for _ in range(12):
                await pilot.press("pagedown")
                shown += screen_text(app)
            assert "undo" in shown
            await pilot.press("end")
            shown = screen_text(app)
            for expected in ("next / previous article", "ctrl+p", "review: compare analysts"):
                assert expected in shown, expected
            for key, label in (("c", "CLAIM"), ("p", "PERSON"), ("o", "ORG"), ("l", "PLACE"), ("m", "OTHER"), ("q", "QUANTITY")):
                assert any(line.split()[:2] == [key, label] for line in (row.strip(" │▕▏╭╮╰╯") for row in shown.splitlines())), label
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_tags_the_selection_with_a_label(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("ctrl+right", "w")  # "met"
            await pilot.press("ctrl+p")
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"ORG")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "Tag as ORG" in screen_text(app)
            await pilot.press("enter")
            await pilot.pause()
            assert not isinstance(app.screen, CommandPalette)
            assert sorted((s.text, s.label) for s in spans_in_db(db)) == [("Alice", "PERSON"), ("met", "ORG")]
            assert "tagged ORG" in status_text(app)


async def test_command_palette_retags_the_picked_span(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("enter", "ctrl+p", *"PLACE")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert [(s.text, s.label) for s in spans_in_db(db)] == [("Alice", "PLACE")]
            assert view_of(app).active_span is not None and view_of(app).active_span.label == "PLACE"
