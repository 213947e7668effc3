"""The key bar lists the keys that apply now, and keeps up without slowing every keystroke."""

from __future__ import annotations

from pathlib import Path

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


async def test_moving_the_cursor_does_not_rebuild_the_key_bar(tmp_path: Path) -> None:
    """Arrow keys are pressed (and held) all the time: a move that changes nothing the
    key bar shows must not make the screen recompute its bindings."""
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            await pilot.pause()
            updates: list[object] = []
            app.screen.bindings_updated_signal.subscribe(app.screen, updates.append)
            before = footer_line(app)
            await pilot.press("right", "right", "ctrl+right")
            await pilot.pause()
            assert updates == [], "a plain cursor move refreshed the bindings"
            assert footer_line(app) == before
            await pilot.press("w", "p")  # a tag picks the new span: now the bindings change
            await pilot.pause()
            assert updates, "tagging picked the new span but the key bar was not refreshed"
            assert "Delete" in footer_line(app)
