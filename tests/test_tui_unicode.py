"""Emoji and CJK: offsets are code points into the text, and the mouse hits the drawn character."""

from __future__ import annotations

from pathlib import Path

from annotator.store import Store
from test_tui_support import ANNOTATOR, cell_of, move_cursor_to, running, span_list_texts, spans_in_db, view_of

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji drawn from five code points
TEXT = f"{FAMILY} 家族 Alice met 東京 today"
CJK = "家族 Alice met 東京 today"


async def test_keyboard_tags_store_code_point_offsets(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("u", "Unicode", TEXT)
        async with running(store) as (app, pilot):
            view = view_of(app)
            assert "".join(segment.text for segment in view.render_line(0)).rstrip() == TEXT
            await pilot.press("w")  # the emoji is one word of five code points
            assert view.selection == (0, 5)
            await pilot.press("m", "ctrl+home", "ctrl+right", "ctrl+right")  # over the emoji and 家族
            assert view.cursor == TEXT.index("Alice")
            await pilot.press("w", "p")
            await move_cursor_to(pilot, app, TEXT.index("東京"))
            await pilot.press("w", "l")
            await pilot.pause()
            assert [row.split()[1] for row in span_list_texts(app)] == [FAMILY, "Alice", "東京"]
    spans = sorted(spans_in_db(db), key=lambda s: s.start)
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 5, "OTHER"), (9, 14, "PERSON"), (19, 21, "PLACE")]
    for span in spans:
        assert TEXT[span.start : span.end] == span.text
    assert [s.text for s in spans] == [FAMILY, "Alice", "東京"]


async def test_click_on_each_cell_of_a_cjk_word(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("c", "CJK", CJK)
        async with running(store) as (app, pilot):
            view = view_of(app)
            x, y = cell_of(app, "東京")
            start = CJK.index("東京")
            # Each character is two cells wide: both cells put the cursor on it.
            for cell, offset in ((0, start), (1, start), (2, start + 1), (3, start + 1)):
                await pilot.click(offset=(x + cell, y))
                assert view.cursor == offset, f"cell {cell} of 東京: cursor on {view.text[view.cursor]!r}"


async def test_click_after_an_emoji_sequence_hits_the_character_drawn_there(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        document = store.add_document("u", "Unicode", TEXT).document
        place = store.add_span(document, 19, 21, "PLACE", ANNOTATOR)
        async with running(store) as (app, pilot):
            view = view_of(app)
            x, y = cell_of(app, "Alice")
            await pilot.click(offset=(x, y))
            assert view.cursor == TEXT.index("Alice"), f"clicked on 'A', cursor on {view.text[view.cursor]!r}"
            x, y = cell_of(app, "東京")
            await pilot.click(offset=(x, y))
            assert view.cursor == 19, f"clicked on '東', cursor on {view.text[view.cursor]!r}"
            assert view.active_uid == place.uid
