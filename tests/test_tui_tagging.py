"""Keyboard tagging: word, word-snapped and precise selections, sentences, every label key."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.store import Store
from test_tui_support import (
    ANNOTATOR,
    SENTENCES,
    cell_of,
    move_cursor_to,
    running,
    spans_in_db,
    status_text,
    view_of,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Store.open(path) as store:
        store.add_document("one", "One", SENTENCES)
    return path


LABEL_KEYS = [
    # key, label, the word tagged with w: (start, end, text)
    ("o", "ORG", (0, 5, "Alice")),
    ("c", "CLAIM", (6, 9, "met")),
    ("p", "PERSON", (10, 13, "Bob")),
    ("l", "PLACE", (17, 22, "Paris")),
    ("m", "OTHER", (28, 32, "deal")),
    ("q", "QUANTITY", (38, 45, "$10,000")),
]


async def test_w_then_each_label_key_tags_the_word(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            expected: list[tuple[int, int, str, str, str]] = []
            for key, label, (start, end, text) in LABEL_KEYS:
                await move_cursor_to(pilot, app, start)
                await pilot.press("w")
                assert view.selection == (start, end), label
                await pilot.press(key)
                expected.append((start, end, text, label, ANNOTATOR))
                # Committed at once: a second connection sees it while the app runs.
                assert [(s.start, s.end, s.text, s.label, s.annotator) for s in spans_in_db(db)] == expected
                assert SENTENCES[start:end] == text
                # The selection is used up by the tag and the status bar says what was saved.
                assert view.selection is None
                assert f"tagged {label}" in status_text(app)


async def test_shift_arrows_snap_to_whole_words_and_drop_spaces(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("ctrl+right", "left")  # the space before "met"
            await pilot.press(*["shift+right"] * 3)  # " me"
            assert (view.anchor, view.cursor) == (5, 8)
            assert view.selection == (6, 9)
            await pilot.press("c")
            # Backwards from "staff.": "f " grows to "of", the space is dropped.
            await pilot.press("ctrl+end", "ctrl+left", "shift+left", "shift+left")
            assert (view.anchor, view.cursor) == (57, 55)
            assert view.selection == (54, 56)
            await pilot.press("q")
    assert sorted((s.start, s.end, s.text, s.label) for s in spans_in_db(db)) == [
        (6, 9, "met", "CLAIM"),
        (54, 56, "of", "QUANTITY"),
    ]


async def test_ctrl_shift_right_selects_whole_words_without_the_trailing_space(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("right", "right", "ctrl+shift+right")  # from inside "Alice"
            assert (view.anchor, view.cursor) == (2, 6)  # "ice "
            assert view.selection == (0, 5)
            await pilot.press("ctrl+shift+right")
            assert view.cursor == 10
            assert view.selection == (0, 9)
            await pilot.press("p")
    assert [(s.start, s.end, s.text, s.label) for s in spans_in_db(db)] == [(0, 9, "Alice met", "PERSON")]


async def test_t_toggles_character_precision_and_keeps_a_partial_word(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            assert "select: words" in status_text(app)
            await pilot.press("t")
            assert view.snap_words is False
            assert "select: characters" in status_text(app)
            await pilot.press("right", *["shift+right"] * 5)  # "lice "
            # Exactly the characters selected, but the trailing space is still dropped.
            assert view.selection == (1, 5)
            await pilot.press("o")
            await pilot.press("t")
            assert view.snap_words is True
            assert "select: words" in status_text(app)
    assert [(s.start, s.end, s.text, s.label) for s in spans_in_db(db)] == [(1, 5, "lice", "ORG")]


async def test_s_selects_the_sentence(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            # The sentence without its closing full stop: the claim, not the punctuation.
            await pilot.press("ctrl+end", "s")
            assert view_of(app).selection == (24, len(SENTENCES) - 1)
            await pilot.press("c", "ctrl+home", "s")
            assert view_of(app).selection == (0, 22)
            await pilot.press("c")
    assert sorted((s.start, s.end, s.text) for s in spans_in_db(db)) == [
        (0, 22, "Alice met Bob in Paris"),
        (24, len(SENTENCES) - 1, "The deal cost $10,000 and 45% of staff"),
    ]


async def test_status_bar_shows_annotator_and_saved_or_not_saved(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store, "Zoë Analyst") as (app, pilot):
            assert "Zoë Analyst" in status_text(app)
            assert "nothing changed yet" in status_text(app)
            # A label key with nothing selected or picked tags the name at the cursor.
            await pilot.press("right", "p")
            assert [(s.text, s.label) for s in spans_in_db(db, annotator=None)] == [("Alice", "PERSON")]
            text = status_text(app)
            assert "Zoë Analyst" in text
            assert "saved" in text and "tagged PERSON" in text
            assert "NOT SAVED" not in text
            # The same label twice on the same text is refused plainly: a harmless
            # refusal, not a failure to save (NOT SAVED is kept for those).
            await pilot.press("w", "p")
            text = status_text(app)
            assert "Zoë Analyst" in text and "NOT SAVED" not in text
            assert any(n.message == "Already tagged: PERSON is on that text" for n in app._notifications)
    assert [(s.text, s.annotator) for s in spans_in_db(db, annotator=None)] == [("Alice", "Zoë Analyst")]


async def test_after_a_tag_the_cursor_is_after_the_span_and_ctrl_right_goes_on(db: Path) -> None:
    """Tagging word after word: the cursor ends after the new span, not back at its start."""
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("w", "p")
            await pilot.pause()
            assert view.cursor == 5
            await pilot.press("ctrl+right")
            assert view.cursor == 6
            await pilot.press("w", "c")
            await pilot.pause()
            assert view.cursor == 9
    assert sorted((s.text, s.label) for s in spans_in_db(db)) == [("Alice", "PERSON"), ("met", "CLAIM")]


async def test_a_label_key_right_after_tagging_fixes_the_new_span(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("w", "p")
            await pilot.press("o")
            assert [(s.start, s.end, s.label) for s in spans_in_db(db)] == [(0, 5, "ORG")]
            assert "retagged PERSON → ORG" in status_text(app)


# -- selections end on words, whichever way they are made ---------------------------------

NEWS = "Kyrgyzstan's State Committee for National Security (GKNB) seized €45 million, in Central Asia. Then"


@pytest.fixture
def news_db(tmp_path: Path) -> Path:
    path = tmp_path / "news.db"
    with Store.open(path) as store:
        store.add_document("news", "News", NEWS)
    return path


def tagged(db: Path) -> list[tuple[str, str]]:
    return sorted((s.text, s.label) for s in spans_in_db(db))


async def test_w_and_ctrl_shift_right_leave_out_possessives_and_punctuation(news_db: Path) -> None:
    with Store.open(news_db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            await pilot.press("w")  # on "Kyrgyzstan's"
            assert view.selection == (0, 10)
            await pilot.press("l")
            await move_cursor_to(pilot, app, NEWS.index("State"))
            await pilot.press(*["ctrl+shift+right"] * 5)  # "State ... Security (": the cursor waits on "GKNB"
            assert view.cursor == NEWS.index("GKNB")
            await pilot.press("o")
            await move_cursor_to(pilot, app, NEWS.index("€45"))
            await pilot.press("ctrl+shift+right", "ctrl+shift+right")  # "€45 million, "
            assert NEWS[view.anchor : view.cursor] == "€45 million, "
            await pilot.press("q")
            await move_cursor_to(pilot, app, NEWS.index("Central"))
            await pilot.press("ctrl+shift+right", "ctrl+shift+right")  # "Central Asia. "
            await pilot.press("l")
            # Word snapping too: shift+arrows over "GKNB)" drop the bracket.
            await move_cursor_to(pilot, app, NEWS.index("GKNB") + 1)
            await pilot.press(*["shift+right"] * 4)
            assert view.selection == (NEWS.index("GKNB"), NEWS.index("GKNB") + 4)
            await pilot.press("o")
    assert tagged(news_db) == [
        ("Central Asia", "PLACE"),
        ("GKNB", "ORG"),
        ("Kyrgyzstan", "PLACE"),
        ("State Committee for National Security", "ORG"),
        ("€45 million", "QUANTITY"),
    ]


async def test_character_precision_keeps_any_punctuation(news_db: Path) -> None:
    with Store.open(news_db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("t")
            await move_cursor_to(pilot, app, NEWS.index("Central"))
            await pilot.press(*["shift+right"] * len("Central Asia. "))
            assert view_of(app).selection == (NEWS.index("Central"), NEWS.index(" Then"))
            await pilot.press("m")
            await pilot.press("ctrl+home", *["shift+right"] * len("Kyrgyzstan's"), "l")
    assert tagged(news_db) == [("Central Asia.", "OTHER"), ("Kyrgyzstan's", "PLACE")]


async def test_a_mouse_drag_is_snapped_the_same_way(news_db: Path) -> None:
    with Store.open(news_db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            cx, cy = cell_of(app, "Central")
            ax, ay = cell_of(app, "Asia.")
            await pilot.mouse_down(offset=(cx + 2, cy))  # inside "Central"
            await pilot.hover(offset=(ax + 3, ay))
            await pilot.mouse_up(offset=(ax + 5, ay))  # on the space after the full stop
            assert NEWS[view.anchor : view.cursor] == "ntral Asia."
            assert view.selection == (NEWS.index("Central"), NEWS.index(". Then"))
            await pilot.press("l")
    assert tagged(news_db) == [("Central Asia", "PLACE")]
