"""Moving between articles: n / b, the header position, the filtered article list."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from annotator.store import Store
from annotator.tui.screens.articles import ArticleListScreen
from test_tui_support import annotate_screen, running, screen_lines, spans_in_db, view_of

ARTICLES = [
    ("k1", "Election results in Bishkek", "Voters in Bishkek went to the polls on Sunday."),
    ("k2", "Economy grows faster than forecast", "The economy grew 4.5% in the third quarter."),
    ("k3", "Floods hit the south", "Heavy rain flooded Osh and Jalal-Abad."),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Store.open(path) as store:
        for key, title, text in ARTICLES:
            store.add_document(key, title, text)
    return path


def header(app) -> str:  # type: ignore[no-untyped-def]
    return screen_lines(app)[0]


async def test_n_and_b_move_through_the_articles_and_the_header_follows(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            assert "1 / 3" in header(app) and "Election results in Bishkek" in header(app)
            assert view.text == ARTICLES[0][2]
            await pilot.press("n")
            assert "2 / 3" in header(app) and "Economy grows faster than forecast" in header(app)
            assert view.text == ARTICLES[1][2]
            assert app.sub_title == "2 / 3"
            await pilot.press("n")
            assert "3 / 3" in header(app) and view.text == ARTICLES[2][2]
            # Past the last article nothing changes.
            await pilot.press("n")
            assert "3 / 3" in header(app) and view.text == ARTICLES[2][2]
            await pilot.press("b", "b")
            assert "1 / 3" in header(app) and view.text == ARTICLES[0][2]
            await pilot.press("b")
            assert "1 / 3" in header(app) and view.text == ARTICLES[0][2]


async def test_tags_go_to_the_article_on_screen(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("n", "w", "m")  # "The" in the second article
            await pilot.press("n", "w", "o")  # "Heavy" in the third
            await pilot.pause()
            assert "1 span by you" in header(app)
            await pilot.press("b")
            assert [s.text for s in view_of(app).spans] == ["The"]
    with Store.open(db) as other:
        ids = {d.key: d.id for d in other.list_documents()}
    assert [(s.text, s.label) for s in spans_in_db(db, ids["k2"])] == [("The", "OTHER")]
    assert [(s.text, s.label) for s in spans_in_db(db, ids["k3"])] == [("Heavy", "ORG")]
    assert spans_in_db(db, ids["k1"]) == []


async def test_article_list_filters_fuzzily_and_enter_opens(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("a")
            assert isinstance(app.screen, ArticleListScreen)
            options = app.screen.query_one("#articles-list", OptionList)
            assert options.option_count == 3
            assert app.focused is app.screen.query_one("#articles-filter", Input)
            await pilot.press(*"ecnomy")  # a typo still finds "Economy ..."
            assert options.option_count >= 1
            first = options.get_option_at_index(0).prompt
            assert "Economy grows faster than forecast" in str(getattr(first, "plain", first))
            assert all("Floods" not in str(getattr(p, "plain", p)) for p in (options.get_option_at_index(i).prompt for i in range(options.option_count)))
            await pilot.press("enter")
            assert not isinstance(app.screen, ArticleListScreen)
            screen = annotate_screen(app)
            assert screen.document is not None and screen.document.key == "k2"
            assert "2 / 3" in header(app)
            assert view_of(app).text == ARTICLES[1][2]
    # Letters typed into the filter are not label keys or commands.
    assert spans_in_db(db) == []


async def test_article_list_by_key_and_with_arrows_and_escape(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pilot.press("a", *"flods")
            options = app.screen.query_one("#articles-list", OptionList)
            first = options.get_option_at_index(0).prompt
            assert "Floods hit the south" in str(getattr(first, "plain", first))
            await pilot.press("escape")
            assert annotate_screen(app).document.key == "k1"  # type: ignore[union-attr]
            # Arrows into the list, then enter on an option.
            await pilot.press("a", "down", "down")
            options = app.screen.query_one("#articles-list", OptionList)
            assert app.focused is options
            await pilot.press("enter")
            assert annotate_screen(app).document.key == "k2"  # type: ignore[union-attr]
            assert "2 / 3" in header(app)
