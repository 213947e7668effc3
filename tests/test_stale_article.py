"""A tag always points into the text the analyst saw.

The app shows an article; another process re-imports a changed version of it; the
analyst, without reloading, acts on it. Nothing may be written with the old text's
offsets against the new text: the write is refused, the screen says so and shows the
stored version with its re-anchored spans.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_support import ANNOTATOR, move_cursor_to, running, spans_in_db, status_text, view_of

from annotator.errors import StaleDocumentError
from annotator.store import Store

OLD = "The Prime Minister met the Foreign Minister in Bishkek on Monday.\nThey talked."
NEW = "The Prime Minister inserted a line, then met the Foreign Minister in Bishkek on Monday.\nThey talked."


def reimport_changed(path: Path) -> None:
    """Another process: the same article under the same key, in a changed version."""
    with Store.open(path, create=False) as other:
        result = other.add_document("article", "Minister", NEW)
        assert result.updated


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    with Store.open(path) as store:
        document = store.add_document("article", "Minister", OLD).document
        store.add_span(document, 47, 54, "PLACE", ANNOTATOR)  # Bishkek
    return path


def stored(path: Path) -> list[tuple[int, int, str, str]]:
    with Store.open(path, create=False) as store:
        document = store.document(store.list_documents()[0].id)
        spans = store.spans(document.id)
        for span in spans:
            assert document.text[span.start : span.end] == span.text
        return [(s.start, s.end, s.text, s.label) for s in spans]


def test_every_write_on_a_replaced_text_is_refused_and_writes_nothing(db: Path) -> None:
    with Store.open(db, create=False) as store:
        seen = store.document(store.list_documents()[0].id)
        bishkek = store.spans(seen.id)[0]
        reimport_changed(db)
        before = stored(db)
        writes = [
            lambda: store.add_span(seen, 27, 34, "ORG", ANNOTATOR),
            lambda: store.update_span(seen, bishkek.uid, ANNOTATOR, label="ORG"),
            lambda: store.update_span(seen, bishkek.uid, ANNOTATOR, start=46),
            lambda: store.delete_span(seen, bishkek.uid, ANNOTATOR),
            lambda: store.undo(seen, ANNOTATOR),
        ]
        for write in writes:
            with pytest.raises(StaleDocumentError):
                write()
            assert stored(db) == before
        # The re-anchored span sits on "Bishkek" in the new text.
        assert before == [(NEW.index("Bishkek"), NEW.index("Bishkek") + 7, "Bishkek", "PLACE")]


def test_undo_of_a_change_logged_on_the_earlier_text_is_refused(db: Path) -> None:
    """Undo restores logged offsets: on a changed text they would point elsewhere."""
    with Store.open(db, create=False) as store:
        document = store.document(store.list_documents()[0].id)
        span = store.spans(document.id)[0]
        store.update_span(document, span.uid, ANNOTATOR, label="ORG")
        reimport_changed(db)
        current = store.document(document.id)
        before = stored(db)
        with pytest.raises(Exception, match="earlier version"):
            store.undo(current, ANNOTATOR)
        assert stored(db) == before


async def test_tagging_a_changed_article_reloads_it_instead_of_writing(db: Path) -> None:
    with Store.open(db, create=False) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            minister = OLD.index("Foreign Minister") + len("Foreign ")
            await move_cursor_to(pilot, app, minister)
            reimport_changed(db)  # meanwhile, in another shell
            await pilot.press("w")
            assert view.selection == (minister, minister + len("Minister"))
            await pilot.press("p")
            await pilot.pause()
            # Nothing written with the old offsets ("inserted" in the new text).
            assert [(s.text, s.label) for s in spans_in_db(db)] == [("Bishkek", "PLACE")]
            assert "NOT SAVED" in status_text(app) and "changed" in status_text(app)
            # The screen now shows the stored version, its span re-anchored.
            assert view.text == NEW
            assert stored(db)[0][2] == "Bishkek"
            # Tagging again works on the text now on screen.
            target = NEW.index("Foreign Minister") + len("Foreign ")
            await move_cursor_to(pilot, app, target)
            await pilot.press("w", "p")
            await pilot.pause()
            assert ("Minister", "PERSON") in [(s.text, s.label) for s in spans_in_db(db)]
            assert all(NEW[s.start : s.end] == s.text for s in spans_in_db(db))
