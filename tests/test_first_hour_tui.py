"""A newcomer's first hour: the hint before the first span, the way out, calm refusals,
undo that says what it did, home/end on wrapped rows, and toasts that fit 80 columns.

The rules are called directly on the article session (real database files, a real
writer thread); the screen is driven through the real app under Pilot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static
from textual.widgets._toast import Toast

from annotator.session.article import PICK_HINT, ArticleSession, Change, Refusal, describe_step, plain_refusal
from annotator.store import Store
from annotator.tui.app import make_app
from annotator.tui.widgets.article_layout import Row, row_end_offset
from test_tui_support import ANNOTATOR, SENTENCES, running, screen_lines, spans_in_db, status_text, view_of
from session_support import SessionHarness

TEXT = "The Prime Minister met the Foreign Minister in Bishkek on Monday. They talked."
LABEL_KEYS = ("c CLAIM", "p PERSON", "o ORG", "l PLACE", "m OTHER", "q QUANTITY")


def at(word: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


class Harness(SessionHarness):
    """A session on the first article (as ANNOTATOR unless told)."""

    def __init__(self, db: Path, annotator: str = ANNOTATOR) -> None:
        super().__init__(db, annotator)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    with Store.open(path) as store:
        store.add_document("article", "Minister", TEXT)
        store.add_document("other", "Other", SENTENCES)
    return path


@pytest.fixture
def harness(db: Path) -> Iterator[Harness]:
    made = Harness(db)
    yield made
    made.close()


def details_text(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#span-details", Static).render()).replace("\n", " ")


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


# -- 1. the hint until the first span ---------------------------------------------------


def test_a_newcomer_is_told_how_to_tag_until_their_first_span_exists(db: Path, harness: Harness) -> None:
    session = harness.session
    assert session.newcomer
    hint = session.empty_details()
    for words in ("Arrows", "w a word", "s a sentence", "shift+arrows extend", "label key tags what is at the cursor", *LABEL_KEYS):
        assert words in hint, words
    session.tag(*at("Bishkek"), "PLACE")
    harness.settle()
    assert not session.newcomer and session.empty_details() == PICK_HINT
    # A later session of the same analyst, on another article, knows it from the database;
    # another analyst is still new.
    with Store.open(db, create=False) as reader:
        other_article = reader.list_documents()[1].id
        again = ArticleSession(reader, None, ANNOTATOR, reader.labels())
        again.open(other_article)
        assert not again.newcomer
        assert ArticleSession(reader, None, "bob", reader.labels()).newcomer


async def test_the_empty_panel_teaches_tagging_then_says_how_to_pick(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            shown = details_text(app)
            assert "Pick a span" not in shown
            for words in ("w a word", "s a sentence", "shift+arrows extend", *LABEL_KEYS):
                assert words in shown, shown
            await pilot.press("w", "p", "escape")
            assert spans_in_db(tmp_path / "a.db") and view_of(app).active_uid is None
            assert details_text(app).startswith("Pick a span (enter, tab or click)")


async def test_the_hint_follows_the_analyst_not_the_article(tmp_path: Path) -> None:
    """Alice tagged in another article: she sees the normal text; Bob, new, the hint."""
    with Store.open(tmp_path / "a.db") as store:
        first = store.add_document("one", "One", SENTENCES).document
        second = store.add_document("two", "Two", "Bob Smith left Paris on Monday.").document
        store.add_span(second, 0, 3, "PERSON", ANNOTATOR)
        for name, expected in ((ANNOTATOR, "Pick a span"), ("bob", "Arrows or ;")):
            async with running(store, name) as (app, pilot):
                screen = app.screen
                if screen.document.id != first.id:  # type: ignore[attr-defined]
                    await pilot.press("b")
                assert view_of(app).spans == []
                assert details_text(app).startswith(expected), (name, details_text(app))


# -- 2. quitting is discoverable and safe -----------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_key_bar_always_shows_ctrl_q_quit_and_every_label(tmp_path: Path, size: tuple[int, int]) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        app = make_app(store, ANNOTATOR)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            bar = screen_lines(app)[-1]
            assert "^q Quit" in bar, bar
            for label in ("CLAIM", "PERSON", "ORG", "PLACE", "OTHER", "QUANTITY"):
                assert label in bar, bar


@pytest.mark.parametrize("key", ["ctrl+c"])
async def test_ctrl_c_says_how_to_tag_and_quit(tmp_path: Path, key: str) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            await pilot.press(key)
            assert app.return_code is None and app.is_running  # nothing quits but ctrl+q
            [notice] = notices(app)
            assert "\n" not in notice and len(notice) <= 120
            assert "w, s" in notice and "label key tags what is at the cursor" in notice
            assert "ctrl+q quits" in notice and "saved is saved" in notice
            assert [n.severity for n in app._notifications] == ["information"]
            assert spans_in_db(tmp_path / "a.db") == []
            await pilot.press("ctrl+q")
            assert app.return_code == 0


# -- 3. refusals are not failures -------------------------------------------------------


def test_a_refusal_is_said_plainly_never_as_not_saved(db: Path, harness: Harness) -> None:
    session = harness.session
    # Another process tags Bishkek first: the session could not know, the database refuses.
    with Store.open(db, create=False) as other:
        document = other.document(session.document.id)  # type: ignore[union-attr]
        other.add_span(document, *at("Bishkek"), "PLACE", ANNOTATOR)
    drawn = session.tag(*at("Bishkek"), "PLACE")
    assert isinstance(drawn, Change)
    harness.settle()
    settled = harness.settled[-1]
    assert settled.state.kind == "refused" and not settled.state.failed
    assert settled.state.text == "Already tagged: PLACE is on that text"
    assert "NOT SAVED" not in settled.state.text.upper()
    assert settled.change is not None and settled.change.removed == (drawn.upserted[0].uid,)
    # The session's own check, on a span it knows, says the same.
    session.tag(*at("Monday"), "QUANTITY")
    harness.settle()
    assert session.tag(*at("Monday"), "QUANTITY") == Refusal("Already tagged: QUANTITY is on that text")
    assert plain_refusal("ORG is already on that text") == "Already tagged: ORG is on that text"


async def test_the_screen_shows_a_refusal_calmly(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        document = store.add_document("one", "One", SENTENCES).document
        async with running(store) as (app, pilot):
            with Store.open(db, create=False) as other:
                other.add_span(document, 0, 5, "PERSON", ANNOTATOR)
            await pilot.press("w", "p")
            status = status_text(app)
            assert "Already tagged: PERSON is on that text" in status
            assert "not saved" not in status.lower()
            [toast] = app._notifications
            assert toast.message == "Already tagged: PERSON is on that text"
            assert (toast.title, toast.severity) == ("", "information")


# -- 4. undo and redo say what they did --------------------------------------------------


def test_undo_and_redo_say_what_they_did(harness: Harness) -> None:
    session = harness.session

    def step(op: str) -> str:
        session.undo() if op == "undo" else session.redo()
        harness.settle()
        return harness.settled[-1].state.text.removeprefix("saved: ")

    place = session.tag(*at("Bishkek"), "PLACE")
    assert isinstance(place, Change)
    uid = place.upserted[0].uid
    harness.settle()
    session.retag(uid, "OTHER")
    harness.settle()
    assert step("undo") == "undo: OTHER back to PLACE"
    assert step("redo") == "redo: PLACE → OTHER"
    start, end = at("Foreign Minister")
    person = session.tag(start, end, "PERSON")
    assert isinstance(person, Change)
    harness.settle()
    assert step("undo") == "undo: removed PERSON 'Foreign Minister'"
    assert step("redo") == "redo: tagged PERSON 'Foreign Minister'"
    session.resize(person.upserted[0].uid, "start", 1, True)
    harness.settle()
    assert step("undo") == f"undo: PERSON back to {start}-{end}"
    session.delete(uid)
    harness.settle()
    assert step("undo") == "undo: OTHER 'Bishkek' restored"
    assert step("redo") == "redo: removed OTHER 'Bishkek'"
    while session.history_flags()[0]:
        step("undo")
    session.undo()
    harness.settle()
    assert harness.settled[-1].message == "nothing to undo"
    assert describe_step("undo", None, None) == "undo: one change"


async def test_the_screen_says_what_undo_did(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            await pilot.press("w", "l", "enter", "m")  # Alice: PLACE, retagged OTHER
            await pilot.press("u")
            assert "undo: OTHER back to PLACE" in status_text(app)
            assert "undo: OTHER back to PLACE" in notices(app)
            await pilot.press("u", "u")
            assert "nothing to undo" in notices(app)


# -- 7. keys ---------------------------------------------------------------------------

PARAGRAPH = " ".join(["Kadyr Malikov spoke to the committee about the budget."] * 6)


def test_end_stays_on_a_wrapped_row() -> None:
    text = "alpha beta gamma"
    wrapped = Row(0, 6, last=False)  # "alpha " then "beta gamma" below
    assert row_end_offset(text, wrapped) == 5  # on the space the row broke at
    assert row_end_offset(text, Row(6, 16, last=True)) == 16


async def test_home_and_end_stay_on_the_screen_row(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", PARAGRAPH)
        app = make_app(store, ANNOTATOR)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            view = view_of(app)
            await pilot.press("down", "right", "right")  # inside the second screen row
            layout = view._layout
            assert layout is not None
            row = layout.position(view.cursor)
            start, end = layout.row(*row).start, layout.row(*row).end
            assert end < len(PARAGRAPH)  # a soft-wrapped row
            await pilot.press("end")
            first = view.cursor
            assert start < first < end and layout.position(first) == row
            await pilot.press("end", "end")
            assert view.cursor == first
            await pilot.press("home")
            assert view.cursor == start
            await pilot.press("home")
            assert view.cursor == start and layout.position(view.cursor) == row


async def test_ctrl_shift_home_and_end_select_to_the_top_and_bottom(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            view = view_of(app)
            middle = SENTENCES.index("The deal")
            view.move_to(middle)
            await pilot.press("ctrl+shift+end")
            assert (view.anchor, view.cursor) == (middle, len(SENTENCES))
            assert view.selection is not None and view.selection[0] == middle
            await pilot.press("escape")
            view.move_to(middle)
            await pilot.press("ctrl+shift+home")
            assert (view.anchor, view.cursor) == (middle, 0)
            await pilot.press("p")
            assert [s.text for s in spans_in_db(tmp_path / "a.db")] == ["Alice met Bob in Paris"]


# -- 8. toasts fit the screen ----------------------------------------------------------


async def test_notices_wrap_inside_an_80_column_screen(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("one", "One", SENTENCES)
        app = make_app(store, ANNOTATOR)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+c")
            await pilot.pause()
            [toast] = app.screen.query(Toast)
            assert 0 <= toast.region.x and toast.region.right <= 80
            assert toast.region.height > 3  # wrapped over several rows, not cut
            rows = [line[toast.region.x : toast.region.right] for line in screen_lines(app)[toast.region.y : toast.region.bottom]]
            shown = " ".join(" ".join(row.replace("▌", " ").split()) for row in rows).strip()
            assert shown == notices(app)[0], rows
