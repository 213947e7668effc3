"""Review and statistics as a newcomer meets them in the first hour.

Counts that read like the accept keys, versions cut to the same words, staying on a
group once it is decided, invisible article-list filters, gold added to the analysts'
totals, articles with nothing to disagree on listed as "most disagreement", and an
80x24 terminal that left the article 20 columns: each is checked here through the
rules (direct calls) or the running app (Pilot), on real database files.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cli_support import run_cli
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from annotator.model import Span
from annotator.review import distinct_cuts, group_spans, holders, next_undecided
from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.articles import ArticleListScreen
from annotator.tui.screens.review import ReviewScreen
from annotator.tui.screens.stats import StatsScreen
from conftest import settle_writes
from test_tui_support import screen_text, spans_in_db

REVIEWER = "rita"
KIND_OF = {"CLAIM": "claim", "PERSON": "entity", "ORG": "entity", "PLACE": "entity", "QUANTITY": "quantity"}

LONG = "State Committee for National Security"
BOTH = "State Committee for National Security (GKNB)"
SECURITY = (
    "The State Committee for National Security (GKNB) said on Monday it had arrested them. "
    "Alice Smith met Bob Jones in Paris on Tuesday, officials said later that week."
)
#  State Committee for National Security 4-41, GKNB 43-47, with the brackets 4-48;
#  Monday 57-63; Alice Smith 86-97; Bob Jones 102-111


def mk(annotator: str, start: int, end: int, label: str, text: str = "") -> Span:
    return Span(f"{annotator}:{start}:{end}:{label}", 1, start, end, label, annotator, text)


# -- the rules, called directly ---------------------------------------------------------------


def test_texts_cut_the_same_are_cut_where_they_differ() -> None:
    plain = [LONG[:23] + "…", LONG[:23] + "…"]  # what a cut at 24 cells showed for both
    cuts = distinct_cuts([BOTH, LONG, "GKNB"], [24, 24, 24])
    assert cuts[:2] != plain
    assert cuts[0] != cuts[1]
    assert cuts[0].startswith("State") and cuts[0].endswith("(GKNB)")  # its end, where it differs
    assert cuts[1].startswith("State") and cuts[1].endswith("Security")
    assert cuts[2] == "GKNB"  # a text that fits is left alone
    assert all(len(cut) <= 24 for cut in cuts)
    # A cell more or less for one of them (a ★ after it) must not hide the clash.
    one_off = distinct_cuts([BOTH, LONG], [15, 14])
    assert one_off[0].endswith("(GKNB)") and not one_off[1].endswith(")")
    assert len(one_off[0]) <= 15 and len(one_off[1]) <= 14
    # Same start and same end: the window shows where they part.
    middle = distinct_cuts(["the big red dog ran far away", "the big rex dog ran far away"], [10, 10])
    assert "red" in middle[0] and "rex" in middle[1]
    # Texts that differ at the start are cut as before.
    assert distinct_cuts(["Bob Jones said so", "Jones said so"], [8, 8]) == ["Bob Jon…", "Jones s…"]


def test_a_versions_count_reads_as_analysts_not_as_a_key() -> None:
    spans = [mk("alice", 0, 5, "PERSON"), mk("bob", 0, 5, "PERSON"), mk("carol", 0, 5, "ORG")]
    [group] = group_spans(spans, ["alice", "bob", "carol"], KIND_OF)
    assert [holders(v) for v in group.versions] == ["×1", "×2"]


def test_the_next_group_to_decide_skips_settled_ones_and_wraps() -> None:
    spans = [
        mk("alice", 0, 5, "PERSON"), mk("bob", 0, 5, "PERSON"),  # agreed
        mk("alice", 10, 15, "PERSON"), mk("bob", 10, 15, "ORG"),  # disagreement
        mk("alice", 20, 25, "PLACE"),  # partial
        mk("alice", 30, 35, "PLACE"), mk("bob", 30, 35, "PLACE"),  # agreed
        mk("gold", 10, 15, "PERSON"),  # the disagreement is decided
    ]
    groups = group_spans(spans, ["alice", "bob"], KIND_OF)
    assert [(g.status, g.settled) for g in groups] == [
        ("agreed", False), ("disagreement", True), ("partial", False), ("agreed", False)
    ]
    assert next_undecided(groups, 0) == 2  # the decided disagreement is skipped
    assert next_undecided(groups, 2) == 3
    assert next_undecided(groups, 3) == 0  # round to the start
    settled = group_spans([*spans, mk("gold", 0, 5, "PERSON"), mk("gold", 20, 25, "PLACE"), mk("gold", 30, 35, "PLACE")], ["alice", "bob"], KIND_OF)
    assert next_undecided(settled, 1) is None


def stats_db(tmp_path: Path) -> Path:
    db = tmp_path / "stats.db"
    with Store.open(db) as store:
        a = store.add_document("a", "Agreed on", "Sadyr Japarov met Vladimir Putin in Kazan.").document
        b = store.add_document("b", "Disputed", "Four militants were killed in Bishkek.").document
        store.add_document("c", "Untouched", "Nobody has tagged this one.")
        for analyst in ("alice", "bob"):
            store.add_span(a, 0, 13, "PERSON", analyst)
        store.add_span(b, 30, 37, "PLACE", "alice")
        store.add_span(b, 30, 37, "ORG", "bob")
        store.add_span(a, 0, 13, "PERSON", "gold")  # the adjudicated copy of the agreed span
        store.add_span(a, 18, 32, "PERSON", "suggestion:model-v1")
        store.set_progress("gold", a.id, "done")
    return db


def test_stats_count_the_analysts_and_gold_apart(tmp_path: Path) -> None:
    with Store.open(stats_db(tmp_path), create=False) as store:
        figures = store.stats()
    assert figures["spans"] == 4  # the analysts' four, not the gold copy nor the suggestion
    assert figures["documents_with_spans"] == 2
    assert {row["label"]: (row["spans"], row["gold"]) for row in figures["by_label"]} == {
        "PERSON": (2, 1),
        "PLACE": (1, 0),
        "ORG": (1, 0),
    }
    assert {row["kind"]: (row["spans"], row["gold"]) for row in figures["by_kind"]} == {"entity": (4, 1)}
    assert [row["annotator"] for row in figures["by_annotator"]] == ["alice", "bob"]
    assert (figures["gold"]["spans"], figures["gold"]["documents"], figures["gold"]["adjudicated"]) == (1, 1, 1)
    assert figures["suggestions"] == [{"source": "suggestion:model-v1", "spans": 1, "documents": 1}]


def test_annotator_stats_prints_gold_on_its_own_line_and_column(tmp_path: Path) -> None:
    db = stats_db(tmp_path)
    result = run_cli(tmp_path, "stats", "--db", db.name, name="cli-tester")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^Analysts' spans: 4$", out, re.MULTILINE)
    assert re.search(r"^Gold spans:\s+1 in 1 document\s+adjudicated: 1$", out, re.MULTILINE)
    assert re.search(r"^\s+PERSON\s+entity\s+2\s+1$", out, re.MULTILINE)  # analysts 2, gold 1
    assert re.search(r"^\s+entity\s+4\s+1$", out, re.MULTILINE)
    assert re.search(r"^\s+gold \(review\)\s+1\s+1\s+1\s+33%", out, re.MULTILINE)
    assert not re.search(r"^\s+gold\s+\d", out, re.MULTILINE)  # not among the analysts


# -- the running app ----------------------------------------------------------------------------


@dataclass
class Case:
    db: Path
    document: int
    other: int


def build(tmp_path: Path) -> Case:
    db = tmp_path / "review.db"
    with Store.open(db) as store:
        document = store.add_document("gknb", "GKNB arrests", SECURITY).document
        store.add_span(document, 4, 41, "ORG", "alice")
        store.add_span(document, 43, 47, "ORG", "alice")
        store.add_span(document, 4, 48, "ORG", "bob")
        for analyst in ("alice", "bob"):
            store.add_span(document, 57, 63, "QUANTITY", analyst)  # agreed
        store.add_span(document, 86, 97, "PERSON", "alice")  # partial
        store.add_span(document, 102, 111, "PERSON", "alice")  # disagreement
        store.add_span(document, 102, 111, "ORG", "bob")
        other = store.add_document("rain", "Rain", "Rain fell in Oslo.").document
        for analyst in ("alice", "bob"):
            store.add_span(other, 13, 17, "PLACE", analyst)
    return Case(db, document.id, other.id)


@asynccontextmanager
async def reviewing(case: Case, size: tuple[int, int]) -> AsyncIterator[tuple[AnnotatorApp, Pilot, ReviewScreen]]:
    with Store.open(case.db) as store:
        app = make_app(store, REVIEWER)
        async with app.run_test(size=size) as pilot:
            await pilot.press("r")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen), screen
            yield app, pilot, screen


def entries(screen: ReviewScreen) -> list[str]:
    option_list = screen.query_one("#group-list", OptionList)
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


def drawn_row(rows: list[str], start: str) -> str:
    found = [row for row in rows if row.startswith(start) or f"   {start}" in row or f"★ {start}" in row]
    assert len(found) == 1, (start, rows)
    return found[0]


def drawn_panel(app: AnnotatorApp, screen: ReviewScreen) -> list[str]:
    """The panel's columns of each terminal row, as the reviewer sees them."""
    region = screen.panel.region
    return [line[region.x : region.right] for line in screen_text(app).splitlines()]


async def test_at_80_columns_the_article_keeps_half_and_versions_read_apart(tmp_path: Path) -> None:
    case = build(tmp_path)
    async with reviewing(case, (80, 24)) as (app, pilot, screen):
        assert screen.view.region.width >= 40
        assert screen.panel.region.width >= 28
        group = screen.groups[screen.current]
        assert [v.text for v in group.versions] == [BOTH, LONG, "GKNB"]
        rows = [row.strip() for row in drawn_panel(app, screen)]
        first, second, third = (drawn_row(rows, key) for key in ("1 ORG Stat", "2 ORG Stat", "3 ORG GKNB"))
        # A row per version, its key before it and its analysts counted "×1", never a bare 1.
        assert first.endswith("(GKNB) ×1") and second.endswith("Security ×1") and third.endswith("×1")
        assert first != second
        # Put version 2 in gold and come back: its ★ takes a cell, the texts still read apart.
        await pilot.press("2")
        await settle_writes(app)
        assert screen.current == 1  # accepting moved on
        await pilot.press("k")
        rows = [row.strip() for row in drawn_panel(app, screen)]
        first, second = (drawn_row(rows, key) for key in ("1 ORG Stat", "2 ORG Stat"))
        assert "(GKNB)" in first and second.endswith("×1★") and "(GKNB)" not in second
        # The details give every version whole, wrapped, with its offsets and analysts.
        details = str(screen.query_one("#group-details", Static).render())
        assert "×1 bob · 4–48" in details and "×1 alice  ★ in gold · 4–41" in details


async def test_accepting_moves_on_to_the_next_group_to_decide(tmp_path: Path) -> None:
    case = build(tmp_path)
    async with reviewing(case, (130, 40)) as (app, pilot, screen):
        statuses = [g.status for g in screen.groups]
        assert statuses == ["disagreement", "agreed", "partial", "disagreement"]
        await pilot.press("3")  # GKNB from the first group into gold
        await settle_writes(app)
        assert [s.text for s in spans_in_db(case.db, case.document, annotator="gold")] == ["GKNB"]
        assert screen.current == 1  # on to the agreed Monday
        assert screen.query_one("#group-list", OptionList).highlighted == 1
        assert screen.view.selection == (57, 63)
        await pilot.press("1")  # Monday
        await settle_writes(app)
        assert screen.current == 2
        await pilot.press("1")  # the partial Alice Smith
        await settle_writes(app)
        assert screen.current == 3  # the disagreement about Bob Jones
        # Take a decided group's version back out: review stays there, it is to decide again.
        await pilot.press("k")
        await pilot.press("1")
        await settle_writes(app)
        assert screen.current == 2 and not screen.groups[2].settled
        await pilot.press("1")
        await settle_writes(app)
        assert screen.current == 3  # decided ones are skipped on the way
        await pilot.press("2")
        await settle_writes(app)
        assert all(g.settled for g in screen.groups)
        assert screen.current == 3  # nowhere left to go, and it says so
        assert any("Every group in this article is decided" in str(n.message) for n in app._notifications)


async def test_the_review_article_list_shows_its_filters_and_when_one_is_on(tmp_path: Path) -> None:
    case = build(tmp_path)
    async with reviewing(case, (100, 30)) as (app, pilot, screen):
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        listing = app.screen
        assert isinstance(listing, ArticleListScreen)
        text = screen_text(app)
        assert "^d Only disagreements" in text and "^g Only not adjudicated" in text  # the key bar
        assert "Filter:" not in text
        await pilot.press("ctrl+d")
        assert "Filter: disagreements only" in screen_text(app)
        await pilot.press("ctrl+g")
        assert "Filter: disagreements, not adjudicated only" in screen_text(app)
        await pilot.press("ctrl+d")
        assert "Filter: not adjudicated only" in screen_text(app)
        await pilot.press("ctrl+g")
        assert "Filter:" not in screen_text(app)


async def test_the_stats_screen_shows_gold_apart_and_only_articles_that_disagree(tmp_path: Path) -> None:
    db = stats_db(tmp_path)
    with Store.open(db) as store:
        app = make_app(store, REVIEWER)
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.press("S")
            stats = app.screen
            assert isinstance(stats, StatsScreen)
            lines = str(stats.query_one("#stats-body", Static).render()).splitlines()
            person = next(line for line in lines if line.startswith("PERSON "))
            assert re.search(r"█ 2\s+gold 1$", person.rstrip())  # 2 analysts' spans, gold apart
            assert "Analysts: 4 spans in 2 articles" in lines
            assert "Gold:     1 span in 1 article · 1 adjudicated" in lines
            start = next(i for i, line in enumerate(lines) if line.startswith("Articles with most disagreement"))
            listed = [line for line in lines[start + 1 :] if "units" in line]
            assert len(listed) == 1 and listed[0].rstrip().endswith("Disputed")  # not the 0-unit ones


async def test_the_stats_screen_says_none_when_nothing_disagrees(tmp_path: Path) -> None:
    db = tmp_path / "calm.db"
    with Store.open(db) as store:
        document = store.add_document("a", "Calm", "Rain fell in Oslo.").document
        for analyst in ("alice", "bob"):
            store.add_span(document, 13, 17, "PLACE", analyst)
        app = make_app(store, REVIEWER)
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.press("S")
            lines = str(app.screen.query_one("#stats-body", Static).render()).splitlines()
            start = next(i for i, line in enumerate(lines) if line.startswith("Articles with most disagreement"))
            assert lines[start + 1].startswith("none")
            assert not any("units  " in line for line in lines[start + 1 :])
