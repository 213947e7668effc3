"""The article list, n/b and the header's position in a library of 20,000 articles.

The library is a real SQLite file: the schema and labels come from Store.open, the rows
go in with executemany (as bench/data.py's build_export_db fills its corpus). Above
ArticleListScreen.AT_ONCE articles the list reads the titles and filters in thread
workers, so these tests wait for the workers where a person would simply see the result;
nothing here measures time (bench/bench_library.py does).
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.articles import (
    ArticleListScreen,
    ArticleMatcher,
    document_position,
    library_documents,
    neighbour_document,
)
from annotator.tui.widgets.article_list import ArticleList
from test_tui_support import screen_text

COUNT = 20_000
ME = "alice"
SIZE = (120, 40)

# Realistic titles where the fault was reported: "kyrg" found these four, "kyrgz" none.
KYRGYZ = {
    1234: ("kg-border-talks", "Kyrgyzstan's border talks with Tajikistan stall again"),
    5678: ("kg-election", "Kyrgyz election commission orders a recount in Osh"),
    9012: ("kg-gold", "Kyrgyzstan takes over the Kumtor gold mine"),
    13456: ("kg-migrants", "Migrants from Kyrgyzstan send home record sums"),
}
FREIGHT = (15000, "freight-hub", "Islamic freight corridor opens through Iran")
PLACES = ("Bishkek", "Almaty", "Tashkent", "Dushanbe", "Brussels", "Geneva", "Moscow", "Naryn", "Batken", "Talas")
SUBJECTS = ("budget", "water", "election", "mining", "border", "media", "court", "energy", "harvest", "railway")
EVENTS = ("talks resume", "plan delayed", "protest grows", "deal signed", "report published", "prices rise")


def build_library(path: Path, count: int = COUNT) -> None:
    """`count` short articles: doc N has key wire-NNNNN, corpus position N-1; a few known titles."""
    Store.open(path).close()
    rng = random.Random(7)
    rows = []
    for doc_id in range(1, count + 1):
        key, title = KYRGYZ.get(doc_id, (f"wire-{doc_id:05d}", ""))
        if doc_id == FREIGHT[0]:
            key, title = FREIGHT[1], FREIGHT[2]
        if not title:
            title = f"{rng.choice(PLACES)} {rng.choice(SUBJECTS)} {rng.choice(EVENTS)} ({doc_id})"
        text = f"{title}\n\nWire report {doc_id}: officials said the {rng.choice(SUBJECTS)} question is open."
        digest = hashlib.sha256(text.encode()).hexdigest()
        rows.append((doc_id, key, title, text, digest, "{}", "test", doc_id - 1, "2026-01-01T00:00:00.000Z"))
    stamp = "2026-01-02T00:00:00.000Z"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO documents (id, key, title, text, sha256, meta, source, position, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    spans = [(9012, "s1", 0, 10, "PLACE", ME), (9012, "s2", 0, 10, "PLACE", "bob"), (count, "s3", 0, 5, "PLACE", ME)]
    conn.executemany(
        'INSERT INTO spans (document_id, uid, start, "end", label, annotator, text, note, attrs, created_at, updated_at)'
        " VALUES (?, ?, ?, ?, ?, ?, '', '', '{}', ?, ?)",
        [(*span, stamp, stamp) for span in spans],
    )
    conn.executemany("INSERT INTO annotators (name, created_at) VALUES (?, ?)", [(ME, stamp), ("bob", stamp)])
    conn.executemany(
        "INSERT INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, ?, ?)",
        [(ME, count, "done", stamp), ("bob", count, "in_progress", stamp), ("bob", 9012, "in_progress", stamp)],
    )
    conn.execute("COMMIT")
    conn.close()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("library") / "library.db"
    build_library(path)
    return path


async def settle(app: AnnotatorApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the list's workers (titles, figures, the latest filter) are done and drawn."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def article_list(app: AnnotatorApp) -> ArticleList:
    screen = app.screen
    assert isinstance(screen, ArticleListScreen), screen
    found = screen.query_one("#articles-list", OptionList)
    assert isinstance(found, ArticleList)
    return found


def listed(app: AnnotatorApp) -> list[int]:
    return list(article_list(app).ids)


def header(app: AnnotatorApp) -> str:
    return screen_text(app).splitlines()[0]


async def type_query(app: AnnotatorApp, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+u", *(" " if c == " " else c for c in text))
    await settle(app, pilot)
    assert article_list(app).app.screen.query_one("#articles-filter", Input).value == text


# -- the matcher on its own -------------------------------------------------------------


def matcher_of(titles: dict[str, str]) -> ArticleMatcher:
    return ArticleMatcher(list(range(len(titles))), list(titles.values()), list(titles))


TITLES = {
    "kg-border-talks": "Kyrgyzstan's border talks with Tajikistan stall again",
    "kg-election": "Kyrgyz election commission orders a recount in Osh",
    "kg-gold": "Kyrgyzstan takes over the Kumtor gold mine",
    "kg-migrants": "Migrants from Kyrgyzstan send home record sums",
    "freight-hub": "Islamic freight corridor opens through Iran",
    "sao": "São Paulo floods: the city counts the cost",
    "wire-00001": "Budget talks resume in Bishkek (2020)",
    "wire-00002": "Sky-high prices for risky loans (2021)",
    "wire-00003": "Economy grows faster than forecast",
}
KG = [0, 1, 2, 3]


def test_a_near_prefix_finds_what_its_prefix_finds() -> None:
    matcher = matcher_of(TITLES)
    assert matcher.match("kyrg") == KG
    assert sorted(matcher.match("kyrgz") or []) == KG  # the reported fault: found nothing
    assert sorted(matcher.match("kyrgyz") or []) == KG
    assert matcher.match("Kyrgyzstan") == [0, 2, 3, 1]  # as typed first, then the near one
    assert matcher.match("islmc frefght") == [4]
    assert matcher.match("ecnomy") == [8]
    assert matcher.match("flods sao") == [5]


def test_words_in_any_order_accents_and_exact_keys() -> None:
    matcher = matcher_of(TITLES)
    assert matcher.match("talks border") == [0]
    assert matcher.match("sao paulo") == [5]  # São Paulo
    assert matcher.match("wire-00002") == [7]
    assert matcher.match("kg-gold")[:1] == [2]  # type: ignore[index]
    assert matcher.match("2020") == [6]  # numbers are found as typed: 2021 is another year
    assert matcher.match("") == list(range(len(TITLES)))
    assert matcher.match("zzzz") == []


def test_typing_letter_by_letter_finds_what_typing_at_once_finds() -> None:
    queries = ["kyrgz", "islmc frefght", "wire-0000", "talks border", "economy grows", "sky-high"]
    typed = matcher_of(TITLES)
    for query in queries:
        for end in range(1, len(query) + 1):
            typed.match(query[:end])
        assert typed.match(query) == matcher_of(TITLES).match(query), query


def test_a_cancelled_query_stops() -> None:
    assert matcher_of(TITLES).match("kyrg border", cancelled=lambda: True) is None


# -- the store's reads and the kept corpus order -----------------------------------------


def test_screenful_reads_agree_with_the_full_listing(library: Path) -> None:
    with Store.open(library, create=False) as store:
        everything = {d.id: d for d in store.list_documents(ME)}
        wanted = [1, 9012, COUNT, 777]
        assert store.document_summaries(wanted, ME) == {i: everything[i] for i in wanted}
        assert store.document_summaries([9012])[9012].span_count == 2  # everyone's
        progress = store.progress()
        assert store.progress_of_documents([9012, COUNT, 5]) == {i: progress[i] for i in (9012, COUNT)}
        assert store.started_documents(ME) == 2 and store.started_documents() == 2
        assert store.document_order() == sorted(everything, key=lambda i: (everything[i].position, i))
        ids, keys, titles, positions, lengths = store.document_columns()
        assert (ids[9011], keys[9011], titles[9011], positions[9011]) == (9012, "kg-gold", KYRGYZ[9012][1], 9011)
        assert lengths[9011] == everything[9012].length
        assert store.span_counts(ME) == {9012: 1, COUNT: 1} and store.span_counts() == {9012: 2, COUNT: 1}
        # What the annotation screen keeps instead of list_documents: the same, in columns.
        listing = library_documents(store, ME)
        assert len(listing) == COUNT and listing[9011] == everything[9012] and listing[-1] == everything[COUNT]
        assert list(listing) == store.list_documents(ME)
        assert library_documents(store)[9011].span_count == 2
        figures = store.list_figures(ME, ME)
        assert figures["most_spans"] == 1 and figures["started"] == 2 and figures["documents"] == COUNT
        assert store.progress_groups() == {(ME, "bob"), ("bob",)}
        assert document_position(store, COUNT) == (COUNT, COUNT)
        assert neighbour_document(store, COUNT, 1) is None
        assert neighbour_document(store, 1, -1) is None
        assert neighbour_document(store, 9012, 1) == 9013 and neighbour_document(store, 9012, -1) == 9011


def test_the_kept_order_follows_an_import(library: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with sqlite3.connect(library) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with Store.open(copy, create=False) as store, Store.open(copy, create=False) as other:
        assert document_position(store, COUNT) == (COUNT, COUNT)
        added = other.add_document("late", "A late arrival", "Filed after the order was read.").document
        assert document_position(store, COUNT) == (COUNT, COUNT + 1)
        assert neighbour_document(store, COUNT, 1) == added.id


# -- the app ---------------------------------------------------------------------------


async def test_the_list_opens_filters_opens_scrolls_and_shows_progress(library: Path) -> None:
    with Store.open(library, create=False) as store:
        app = make_app(store, ME)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            screen.open_document(9012)
            await pilot.press("a")
            await settle(app, pilot)
            rows = article_list(app)
            assert rows.option_count == COUNT and rows.virtual_size.height == COUNT
            assert rows.highlighted == 9011  # where you are
            text = screen_text(app)
            assert "Articles: 2 of 20000 started" in text
            assert KYRGYZ[9012][1] in text
            row = next(line for line in text.splitlines() if "9012/20000" in line)
            assert "● Kyrgyzstan takes over the Kumtor" in row and "1 span" in row and "bob …" in row

            await type_query(app, pilot, "kyrg")
            assert sorted(listed(app)) == sorted(KYRGYZ)
            await type_query(app, pilot, "kyrgz")
            assert sorted(listed(app)) == sorted(KYRGYZ)
            assert "Kyrgyzstan's border talks" in screen_text(app)
            await type_query(app, pilot, "islmc frefght")
            assert listed(app)[:1] == [FREIGHT[0]]
            await type_query(app, pilot, "wire-12345")
            assert listed(app) == [12345]
            first = rows.get_option_at_index(0).prompt
            assert "12345/20000" in str(getattr(first, "plain", first))

            await pilot.press("enter")
            assert app.screen is screen
            assert screen.document is not None and screen.document.id == 12345
            assert "12345 / 20000" in header(app)

            # The list again, from the filter box down into the rows, to the very end.
            await pilot.press("a")
            await settle(app, pilot)
            rows = article_list(app)
            await pilot.press("down", "end")
            await pilot.pause()
            assert app.focused is rows and rows.highlighted == COUNT - 1
            text = screen_text(app)
            last = next(line for line in text.splitlines() if "20000/20000" in line)
            assert "(20000)" in last and "1 span" in last and "alice ✓" in last and "bob …" in last
            await pilot.press("pageup")
            await pilot.pause()
            assert rows.highlighted is not None and rows.highlighted < COUNT - 1
            above = rows.highlighted
            await pilot.press("pagedown")
            await pilot.pause()
            assert rows.highlighted == COUNT - 1 and above < COUNT - 1
            await pilot.press("enter")
            assert screen.document is not None and screen.document.id == COUNT
            assert "20000 / 20000" in header(app)

            app.clear_notifications()
            await pilot.press("n")
            assert screen.document.id == COUNT
            assert "This is the last article" in [str(n.message) for n in app._notifications]
            await pilot.press("b")
            assert screen.document is not None and screen.document.id == COUNT - 1
            assert "19999 / 20000" in header(app)


async def test_enter_typed_ahead_of_the_filter_opens_its_first_match(library: Path) -> None:
    with Store.open(library, create=False) as store:
        app = make_app(store, ME)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            await pilot.press("a", *"kg-gold", "enter")
            await settle(app, pilot)
            assert app.screen is screen
            assert screen.document is not None and screen.document.id == 9012


async def test_a_second_opening_uses_what_the_first_read(library: Path) -> None:
    with Store.open(library, create=False) as store:
        app = make_app(store, ME)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("a")
            await settle(app, pilot)
            first = app.screen
            assert isinstance(first, ArticleListScreen) and first.matcher is not None
            await pilot.press("escape", "a")
            second = app.screen
            assert isinstance(second, ArticleListScreen) and second is not first
            assert second.matcher is first.matcher  # the titles are not read again
            await type_query(app, pilot, "kumtor")
            assert listed(app) == [9012]


async def test_a_click_opens_the_row_under_the_mouse(library: Path) -> None:
    with Store.open(library, create=False) as store:
        app = make_app(store, ME)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            screen.open_document(1)
            await pilot.press("a")
            await settle(app, pilot)
            rows = article_list(app)
            assert rows.scroll_offset.y == 0
            # Row 3 of the list: the tall border takes the widget's first line.
            await pilot.hover("#articles-list", offset=(10, 3))
            await pilot.pause()
            assert rows._mouse_hovering_over == 2
            await pilot.click("#articles-list", offset=(10, 3))
            assert app.screen is screen
            assert screen.document is not None and screen.document.id == 3
