"""The mouse: a click places the cursor, a drag selects, a click on a span picks it.

Events are sent to the screen cell where the text is drawn, found on the rendered screen.
"""

from __future__ import annotations

from pathlib import Path

from annotator.store import Store
from test_tui_support import ANNOTATOR, SENTENCES, cell_of, running, spans_in_db, status_text, view_of


async def test_click_places_the_cursor_on_the_clicked_character(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            view = view_of(app)
            x, y = cell_of(app, "met")
            await pilot.click(offset=(x, y))
            assert view.cursor == 6, f"clicked on 'm', cursor on {view.text[view.cursor]!r}"
            x, y = cell_of(app, "Paris")
            await pilot.click(offset=(x + 4, y))
            assert view.cursor == 21, f"clicked on 's', cursor on {view.text[view.cursor]!r}"
            assert view.selection is None
            assert view.has_focus


async def test_drag_selects_whole_words_and_a_label_key_tags_them(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            view = view_of(app)
            bx, by = cell_of(app, "Bob")
            px, py = cell_of(app, "Paris")
            await pilot.mouse_down(offset=(bx + 1, by))  # inside "Bob"
            await pilot.hover(offset=(px + 2, py))
            await pilot.mouse_up(offset=(px + 3, py))  # inside "Paris"
            assert view.selection == (10, 22)
            await pilot.press("l")
    assert [(s.start, s.end, s.text, s.label) for s in spans_in_db(db)] == [(10, 22, "Bob in Paris", "PLACE")]


async def test_drag_in_character_mode_selects_exactly_the_dragged_cells(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("t")
            x, y = cell_of(app, "Alice")
            await pilot.mouse_down(offset=(x + 1, y))  # on "l"
            await pilot.hover(offset=(x + 3, y))
            await pilot.mouse_up(offset=(x + 4, y))  # on "e": the cursor stops before it
            assert view.selection == (1, 4), f"selected {view.text[slice(*view.selection)] if view.selection else None!r}"
            await pilot.press("o")
    assert [(s.start, s.end, s.text) for s in spans_in_db(db)] == [(1, 4, "lic")]


async def test_click_on_a_span_picks_it_and_again_picks_the_one_around_it(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        document = store.add_document("one", "One", SENTENCES).document
        claim = store.add_span(document, 0, 23, "CLAIM", ANNOTATOR)
        person = store.add_span(document, 10, 13, "PERSON", ANNOTATOR)
        async with running(store) as (app, pilot):
            view = view_of(app)
            x, y = cell_of(app, "Bob")
            await pilot.click(offset=(x + 2, y))  # the last letter of "Bob"
            assert view.active_uid == person.uid
            await pilot.click(offset=(x + 2, y))
            assert view.active_uid == claim.uid
            # Outside every span a click drops the pick.
            dx, dy = cell_of(app, "deal")
            await pilot.click(offset=(dx, dy))
            assert view.active_uid is None
            # A picked span is what a label key retags.
            await pilot.click(offset=(x, y))
            assert view.active_uid == person.uid
            await pilot.press("o")
            assert "retagged PERSON → ORG" in status_text(app)
    assert sorted((s.text, s.label) for s in spans_in_db(db)) == [("Alice met Bob in Paris.", "CLAIM"), ("Bob", "ORG")]
