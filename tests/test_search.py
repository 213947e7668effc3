"""Full-text search across every article and span: the store, the command, the app."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cli_support import run_cli
from test_tui_support import running, view_of

from annotator.store import SCHEMA_VERSION, Store, fts_query

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        first = store.add_document("one", "Coup attempt", "The State Committee for National Security said so.").document
        store.add_document("two", "Weather", "Rain fell on Bishkek; the café stayed open.")
        store.add_span(first, 4, 41, "ORG", "alice", note="the security service")
    return db


def test_search_finds_articles_and_spans_by_every_word_as_a_prefix(library: Path) -> None:
    with Store.open(library, create=False) as store:
        hits = store.search("nation secur")
        assert [(h.kind, h.key) for h in hits] == [("article", "one"), ("span", "one")]
        assert hits[1].offset == 4 and hits[1].label == "ORG"
        assert "\x02National\x03" in hits[0].snippet
        assert [h.key for h in store.search("cafe")] == ["two"]  # diacritics folded
        assert store.search("security service")[0].kind == "span"  # a span's note
        assert store.search("national weather") == []  # every word must match
        # Text that looks like FTS5 syntax is just words.
        assert store.search('OR "NOT* (') == [] and store.search("***") == []
        assert fts_query('a "b') == '"a"* "b"*'


def test_the_index_follows_every_change(library: Path) -> None:
    with Store.open(library, create=False) as store:
        document = store.document(store.search("bishkek")[0].document_id)
        assert store.add_document("two", "Weather", "Snow fell on Osh; the café stayed open.").updated
        assert store.search("bishkek") == [] and [h.key for h in store.search("osh")] == ["two"]
        span = store.add_span(store.document(document.id), 0, 4, "OTHER", "bob")
        assert any(h.span_uid == span.uid for h in store.search("snow"))
        store.update_span(store.document(document.id), span.uid, "bob", note="flurries")
        assert any(h.span_uid == span.uid for h in store.search("flurries"))
        store.delete_span(store.document(document.id), span.uid, "bob")
        assert not any(h.span_uid == span.uid for h in store.search("flurries"))


def test_a_version_2_database_gets_its_search_index_on_upgrade(tmp_path: Path) -> None:
    """tests/data/schema-v2.db was made by the version before search: its rows are indexed."""
    path = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent / "data" / "schema-v2.db", path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [h.kind for h in store.search("bishkek")] == ["article", "span"]
        assert store.search("committee")[1].annotator == "alice"
    assert (tmp_path / "old.db.v2.bak").exists()


def test_annotator_search_prints_one_line_a_match_and_json(tmp_path: Path, library: Path) -> None:
    result = run_cli(tmp_path, "search", "national security", "--db", str(library), name="alice")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("article  one @ 24  Coup attempt: ")
    assert lines[1].startswith("span     one @ 4  ORG by alice: State Committee for National Security")
    as_json = run_cli(tmp_path, "search", "bishkek", "--json", "--db", str(library), name="alice")
    assert [json.loads(line)["id"] for line in as_json.stdout.splitlines()] == ["two"]
    assert json.loads(as_json.stdout)["offset"] == 13
    missing = run_cli(tmp_path, "search", "zzz", "--db", str(library), name="alice")
    assert missing.returncode == 1 and "no article or span matches 'zzz'" in missing.stdout


async def test_ctrl_f_finds_a_word_and_opens_the_article_at_it(library: Path) -> None:
    from annotator.tui.screens.search import SearchScreen

    with Store.open(library, create=False) as store:
        async with running(store) as (app, pilot):
            await pilot.press("ctrl+f")
            assert isinstance(app.screen, SearchScreen)
            await pilot.press(*"bishk")
            for _ in range(50):
                await pilot.pause(0.02)
                if app.screen.hits:  # type: ignore[attr-defined]
                    break
            assert [h.key for h in app.screen.hits] == ["two"]  # type: ignore[attr-defined]
            await pilot.press("enter")
            view = view_of(app)
            assert view.text.startswith("Rain fell on Bishkek")
            assert view.cursor == 13
