"""The Footer lists the keys that apply now, and keeps up without slowing every keystroke."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._footer import FooterKey

from annotator.store import Store
from test_tui_support import ANNOTATOR, SENTENCES, running, screen_lines


def footer_line(app) -> str:  # type: ignore[no-untyped-def]
    return screen_lines(app)[-1]


async def test_span_keys_appear_in_the_footer_once_a_span_is_picked(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        document = store.add_document("one", "One", SENTENCES).document
        store.add_span(document, 0, 5, "PERSON", ANNOTATOR)
        async with running(store) as (app, pilot):
            footer = footer_line(app)
            for label in ("CLAIM", "PERSON", "ORG", "PLACE", "OTHER", "QUANTITY"):
                assert label in footer
            assert "Note" not in footer and "Delete" not in footer
            await pilot.press("enter")
            await pilot.pause()
            footer = footer_line(app)
            assert "Note" in footer and "Delete" in footer
            await pilot.press("escape")
            await pilot.pause()
            assert "Note" not in footer_line(app)


async def test_moving_the_cursor_does_not_rebuild_the_footer(tmp_path: Path) -> None:
    """Arrow keys are pressed (and held) all the time: a move that changes nothing the
    Footer shows must not tear down and re-mount its keys (that costs ~10x the move)."""
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            await pilot.pause()
            before = list(app.screen.query(FooterKey))
            assert before
            await pilot.press("right", "right", "ctrl+right")
            after = list(app.screen.query(FooterKey))
            assert [key.description for key in after] == [key.description for key in before]
            assert all(a is b for a, b in zip(before, after)), "the Footer was recomposed on a plain cursor move"
