"""Fast tagging in the running app: a label key alone, `*`, and suggestions accepted with y / Y, rejected with x.

The sample articles in a real SQLite file; what is checked is what a second connection
finds in the database and what the screen offers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.session.suggestions import phrase_mentions
from annotator.store import Store
from test_tui_support import annotate_screen, move_cursor_to, running, spans_in_db, view_of

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
COUP = "000_8d4b3503afa0d274"  # opens first; GKNB three times
FIREFIGHT = "003_b7505e1e58388113"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    with Store.open(path) as store:
        for file in sorted(CORPUS.glob("*.txt")):
            text = file.read_text(encoding="utf-8")
            store.add_document(file.stem, text.splitlines()[0], text)
    return path


def document_id(db: Path, key: str) -> int:
    with Store.open(db, create=False) as store:
        return next(d.id for d in store.list_documents() if d.key == key)


async def test_a_label_key_alone_tags_the_name_at_the_cursor_and_star_tags_its_mentions(db: Path) -> None:
    coup = document_id(db, COUP)
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            text = view.text
            first = text.index("GKNB")
            await move_cursor_to(pilot, app, first + 2)
            assert view.selection is None and view.active_span is None
            await pilot.press("o")
            assert [(s.text, s.label) for s in spans_in_db(db, coup)] == [("GKNB", "ORG")]
            # `*` with the span just tagged: every other GKNB, and one undo takes them back.
            await pilot.press("asterisk")
            stored = spans_in_db(db, coup)
            assert [s.start for s in stored] == [s for s, _ in phrase_mentions(text, "GKNB", [])]
            assert {(s.text, s.label) for s in stored} == {("GKNB", "ORG")}
            await pilot.press("u")
            assert [(s.start, s.text) for s in spans_in_db(db, coup)] == [(first, "GKNB")]


async def test_suggestions_are_offered_on_an_untagged_article_and_y_x_Y_act_on_them(db: Path) -> None:
    coup = document_id(db, COUP)
    with Store.open(db) as store:
        firefight = store.document(document_id(db, FIREFIGHT))
        for start, end in phrase_mentions(firefight.text, "GKNB", []):
            store.add_span(firefight, start, end, "ORG", "bob")  # what the team tagged before
        async with running(store) as (app, pilot):
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = annotate_screen(app)
            view = view_of(app)
            text = view.text
            offers = screen.session.suggestions
            gknb = [s for s in offers if text[s.start : s.end] == "GKNB"]
            assert len(gknb) == 3 and all(s.label == "ORG" for s in gknb)
            assert set(view.suggestions) == set(offers)  # drawn as ghost spans
            assert spans_in_db(db, coup) == []  # offered, not stored
            # x rejects the one at the cursor: it goes from the screen, nothing is written.
            await move_cursor_to(pilot, app, gknb[0].start)
            await pilot.press("x")
            assert gknb[0] not in view.suggestions and spans_in_db(db, coup) == []
            # y accepts the one at the cursor.
            await move_cursor_to(pilot, app, gknb[1].start + 1)
            await pilot.press("y")
            assert [(s.start, s.label) for s in spans_in_db(db, coup)] == [(gknb[1].start, "ORG")]
            assert gknb[1] not in view.suggestions
            # A quantity offer: Y takes every QUANTITY offer at once, and one u takes them back.
            quantities = [s for s in view.suggestions if s.label == "QUANTITY"]
            assert len(quantities) >= 2
            await move_cursor_to(pilot, app, quantities[0].start)
            await pilot.press("Y")
            stored = {(s.start, s.end, s.label) for s in spans_in_db(db, coup)}
            assert {(s.start, s.end, "QUANTITY") for s in quantities} <= stored
            assert not [s for s in view.suggestions if s.label == "QUANTITY"]
            await pilot.press("u")
            assert [(s.start, s.label) for s in spans_in_db(db, coup)] == [(gknb[1].start, "ORG")]
            # The rejected GKNB was never stored; the last one still waits as a ghost span.
            assert gknb[2] in view.suggestions and gknb[0] not in view.suggestions


async def test_y_without_a_suggestion_at_the_cursor_says_so_and_writes_nothing(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await app.workers.wait_for_complete()
            await pilot.pause()
            view = view_of(app)
            free = next(i for i in range(len(view.text)) if view.text[i].isalpha() and view.suggestion_at(i) is None)
            await move_cursor_to(pilot, app, free)
            await pilot.press("y")
            assert spans_in_db(db, None) == []
            assert any("No suggestion at the cursor" in str(n.message) for n in app._notifications)


async def test_propagate_to_the_corpus_asks_first_then_tags_every_article(db: Path) -> None:
    with Store.open(db) as store:
        texts = {d.id: store.document(d.id).text for d in store.list_documents()}
        async with running(store) as (app, pilot):
            view = view_of(app)
            await move_cursor_to(pilot, app, view.text.index("GKNB"))
            await pilot.press("o")
            await pilot.press("ctrl+p")
            await pilot.press(*"propagate to the corpus")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
            # A question first: escape (no) changes nothing.
            await pilot.press("escape")
            assert len(spans_in_db(db)) == 1
            await pilot.press("ctrl+p")
            await pilot.press(*"propagate to the corpus")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("y")
            expected = {doc: len(phrase_mentions(text, "GKNB", [])) for doc, text in texts.items()}
            stored = spans_in_db(db)
            assert len(stored) == sum(expected.values()) and {s.text for s in stored} == {"GKNB"}
            articles = sum(1 for n in expected.values() if n)
            assert any(f"{len(stored) - 1} spans in {articles} articles" in str(n.message) for n in app._notifications)
            # The open article's new spans are drawn at once.
            assert len([s for s in view.spans if s.text == "GKNB"]) == expected[annotate_screen(app).document.id]  # type: ignore[union-attr]
