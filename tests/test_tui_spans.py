"""Overlapping spans; picking, retagging, resizing, deleting; undo and redo (also across a restart)."""

from __future__ import annotations

from pathlib import Path

from annotator.store import Store
from test_tui_support import (
    ANNOTATOR,
    SENTENCES,
    annotate_screen,
    move_cursor_to,
    running,
    span_list,
    span_list_texts,
    spans_in_db,
    status_text,
    style_of_char,
    type_ahead,
    view_of,
)

NESTED = "Alice said the deal cost $10,000 today. Bob left."
#         0         1         2         3         4
#         01234567890123456789012345678901234567890123456789


async def test_claim_over_a_sentence_with_a_person_and_a_quantity_inside(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("n", "Nested", NESTED)
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("w", "p")  # "Alice"
            await pilot.press("s", "c")  # the first sentence, around it, as a CLAIM
            await move_cursor_to(pilot, app, 25)
            await pilot.press("w", "q")  # "$10,000" inside the claim
            await pilot.press("escape")  # nothing picked, nothing selected
            await pilot.pause()

            stored = sorted((s.start, s.end, s.text, s.label) for s in spans_in_db(db))
            assert stored == [
                (0, 5, "Alice", "PERSON"),
                (0, 38, "Alice said the deal cost $10,000 today", "CLAIM"),
                (25, 32, "$10,000", "QUANTITY"),
            ]

            # All three are listed in the panel, in reading order (outer span first on a tie).
            assert span_list(app).option_count == 3
            rows = span_list_texts(app)
            assert [row.split()[0] for row in rows] == ["CLAIM", "PERSON", "QUANTITY"]
            assert "Alice said the deal cost $10,000 today" in rows[0]
            assert "Spans (3)" in str(annotate_screen(app).query_one("#span-count").render())

            # The article draws them: claim-only text, a person inside the claim, a quantity
            # inside the claim and plain text all look different from one another.
            assert view.selection is None and view.active_uid is None
            plain = style_of_char(app, 42)  # "Bob" is not tagged
            claim_only = style_of_char(app, 7)  # "said"
            person_in_claim = style_of_char(app, 1)  # "lice"
            quantity_in_claim = style_of_char(app, 27)  # "10,000"
            styles = [plain, claim_only, person_in_claim, quantity_in_claim]
            assert len(set(styles)) == 4, styles
            # Untagged characters after the claim look like untagged text before any span.
            assert style_of_char(app, 40) == plain


async def test_enter_picks_innermost_span_then_the_enclosing_one(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        doc = store.add_document("one", "One", SENTENCES).document
        claim = store.add_span(doc, 0, 23, "CLAIM", ANNOTATOR)
        person = store.add_span(doc, 10, 13, "PERSON", ANNOTATOR)
        async with running(store) as (app, pilot):
            view = view_of(app)
            await move_cursor_to(pilot, app, 11)
            await pilot.press("enter")
            assert view.active_uid == person.uid
            await pilot.pause()
            # The panel follows the pick ...
            assert span_list(app).highlighted == 1
            # ... and the cursor stays where the analyst put it.
            assert view.cursor == 11
            await pilot.press("enter")
            assert view.active_uid == claim.uid
            await pilot.pause()
            assert span_list(app).highlighted == 0
            assert view.cursor == 11
            # A third enter comes back to the innermost span under the cursor.
            await pilot.press("enter")
            assert view.active_uid == person.uid
            # Escape drops the pick.
            await pilot.press("escape")
            assert view.active_uid is None
            # Outside any span, enter picks nothing.
            await pilot.press("ctrl+end", "enter")
            assert view.active_uid is None


async def test_two_quick_enters_pick_the_enclosing_span_without_moving_the_cursor(tmp_path: Path) -> None:
    """The span list echoes every pick back; a stale echo must not move the cursor."""
    with Store.open(tmp_path / "a.db") as store:
        doc = store.add_document("one", "One", SENTENCES).document
        claim = store.add_span(doc, 0, 23, "CLAIM", ANNOTATOR)
        store.add_span(doc, 10, 13, "PERSON", ANNOTATOR)
        async with running(store) as (app, pilot):
            view = view_of(app)
            await move_cursor_to(pilot, app, 11)
            await type_ahead(pilot, "enter", "enter")
            assert view.active_uid == claim.uid
            assert view.cursor == 11, f"the cursor jumped to {view.cursor}"


async def test_moving_through_the_span_list_picks_the_span_in_the_article(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        doc = store.add_document("one", "One", SENTENCES).document
        first = store.add_span(doc, 0, 5, "PERSON", ANNOTATOR)
        second = store.add_span(doc, 17, 22, "PLACE", ANNOTATOR)
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("f2")
            assert app.focused is span_list(app)
            await pilot.press("down")  # the first span
            assert view.active_uid == first.uid
            await pilot.press("down")  # the second: the article follows
            assert span_list(app).highlighted == 1
            target = second
            assert view.active_uid == target.uid
            assert view.cursor == target.start
            await pilot.press("enter")  # back to the article with the span picked
            assert app.focused is view
            assert view.active_uid == target.uid
            await pilot.press("o")
            assert [s.label for s in spans_in_db(tmp_path / "a.db", doc.id) if s.uid == target.uid] == ["ORG"]


async def test_retag_resize_and_delete_are_committed_at_once(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        doc = store.add_document("one", "One", SENTENCES).document
        claim = store.add_span(doc, 0, 23, "CLAIM", ANNOTATOR)
        person = store.add_span(doc, 10, 13, "PERSON", ANNOTATOR)

        def stored(uid: str) -> tuple[int, int, str, str] | None:
            found = [s for s in spans_in_db(db, doc.id) if s.uid == uid]
            return (found[0].start, found[0].end, found[0].text, found[0].label) if found else None

        async with running(store) as (app, pilot):
            view = view_of(app)
            await move_cursor_to(pilot, app, 10)
            await pilot.press("enter")
            assert view.active_uid == person.uid

            await pilot.press("o")  # retag the picked span
            assert stored(person.uid) == (10, 13, "Bob", "ORG")
            assert "retagged PERSON → ORG" in status_text(app)
            assert view.active_uid == person.uid, "the span stays picked after a retag"

            await pilot.press("right_square_bracket")  # ] grows the end by a word
            assert stored(person.uid) == (10, 16, "Bob in", "ORG")
            await pilot.press("right_curly_bracket")  # } shrinks it back
            assert stored(person.uid) == (10, 13, "Bob", "ORG")
            await pilot.press("left_square_bracket")  # [ grows the start by a word
            assert stored(person.uid) == (6, 13, "met Bob", "ORG")
            await pilot.press("left_curly_bracket")  # { shrinks it
            assert stored(person.uid) == (10, 13, "Bob", "ORG")
            assert "resized ORG" in status_text(app)
            # A one-word span cannot shrink to nothing.
            await pilot.press("right_curly_bracket")
            assert stored(person.uid) == (10, 13, "Bob", "ORG")

            await pilot.press("delete")
            assert stored(person.uid) is None
            assert stored(claim.uid) == (0, 23, "Alice met Bob in Paris.", "CLAIM")
            assert view.active_uid is None
            assert "deleted ORG" in status_text(app)
            assert span_list(app).option_count == 1

            # backspace deletes too
            await pilot.press("enter")
            assert view.active_uid == claim.uid
            await pilot.press("backspace")
            assert spans_in_db(db, doc.id) == []


async def test_the_view_and_panel_show_each_change(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            view = view_of(app)
            plain = style_of_char(app, 2)
            await pilot.press("w", "p")
            await pilot.pause()
            assert style_of_char(app, 2) != plain
            assert [row.split() for row in span_list_texts(app)] == [["PERSON", "Alice"]]
            await pilot.press("ctrl+home", "enter", "right_square_bracket")
            await pilot.pause()
            assert span_list_texts(app)[0].split() == ["PERSON", "Alice", "met"]
            assert style_of_char(app, 7) != plain  # "met" is now drawn as part of the span
            await pilot.press("delete")
            await pilot.pause()
            assert span_list(app).option_count == 0
            assert view.spans == []
            assert style_of_char(app, 2) == plain


async def test_u_undoes_and_shift_u_redoes(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        doc = store.add_document("one", "One", SENTENCES).document
        async with running(store) as (app, pilot):
            await pilot.press("w", "p")
            [tagged] = spans_in_db(db, doc.id)
            await pilot.press("u")
            assert spans_in_db(db, doc.id) == []
            assert "undo: removed PERSON 'Alice'" in status_text(app)
            assert span_list(app).option_count == 0
            await pilot.press("U")
            [redone] = spans_in_db(db, doc.id)
            assert (redone.uid, redone.start, redone.end, redone.label) == (tagged.uid, 0, 5, "PERSON")
            assert "redo: tagged PERSON 'Alice'" in status_text(app)
            await pilot.pause()
            assert span_list(app).option_count == 1

            # Undo a delete: the span comes back as it was.
            assert view_of(app).active_uid == tagged.uid  # redo picks the span it brought back
            await pilot.press("delete")
            assert spans_in_db(db, doc.id) == []
            await pilot.press("u")
            assert [(s.uid, s.label) for s in spans_in_db(db, doc.id)] == [(tagged.uid, "PERSON")]
            assert "undo: PERSON 'Alice' restored" in status_text(app)


async def test_undo_works_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("one", "One", SENTENCES)
        second = store.add_document("two", "Two", "Bob Smith left Paris on Monday.").document
        async with running(store) as (app, pilot):
            await pilot.press("n")  # tag in the second article
            await pilot.press("w", "p")
            await pilot.press("ctrl+q")
            assert app.return_code == 0
    assert [(s.text, s.label) for s in spans_in_db(db, second.id)] == [("Bob", "PERSON")]

    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            screen = annotate_screen(app)
            # The app reopens the article last changed, with the span shown.
            assert screen.document is not None and screen.document.id == second.id
            assert len(view_of(app).spans) == 1
            await pilot.press("u")
            assert spans_in_db(db, second.id) == []
            assert view_of(app).spans == []
            await pilot.press("U")
            assert [(s.text, s.label) for s in spans_in_db(db, second.id)] == [("Bob", "PERSON")]
