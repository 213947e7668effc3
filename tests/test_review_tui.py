"""Adjudication in the review screen, driven through the running app with the keyboard.

Three analysts tagged one article: an agreed span, a partial one, a same-range label
disagreement and a boundary disagreement. A reviewer (rita) opens the app, presses `r`
and settles the groups into the gold set; every change is checked through a second,
independent connection to the database file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from annotator.model import Span
from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.articles import ArticleListScreen
from annotator.tui.screens.review import ReviewScreen
from test_tui_support import screen_text, spans_in_db

SIZE = (130, 40)
REVIEWER = "rita"
ANALYSTS = ["alice", "bob", "carol"]

MEETING = "Alice Smith met Bob Jones in Paris on Monday. Officials said 300 people attended."
#          0         1         2         3         4         5         6         7         8
#          012345678901234567890123456789012345678901234567890123456789012345678901234567890
# Alice Smith 0-11, Bob Jones 16-25, Paris 29-34, Monday 38-44, 300 people 61-71, 300 61-64

# Groups in reading order, as the reviewer should see them.
AGREED_PERSON, LABEL_CLASH, PARTIAL_PLACE, AGREED_DATE, BOUNDARY_CLASH = range(5)
STATUSES = ["agreed", "disagreement", "partial", "agreed", "disagreement"]


@dataclass
class Team:
    db: Path
    meeting: int
    rain: int
    tom: int
    uids: dict[tuple[str, int, int, str], str]  # (analyst, start, end, label) -> uid


def build(tmp_path: Path) -> Team:
    db = tmp_path / "team.db"
    uids: dict[tuple[str, int, int, str], str] = {}
    with Store.open(db) as store:
        meeting = store.add_document("meeting", "Meeting", MEETING).document
        rain = store.add_document("rain", "Rain", "Rain fell in Oslo.").document
        tom = store.add_document("tom", "Tom", "Tom saw Ann.").document

        def tag(document, start: int, end: int, label: str, *who: str) -> None:  # type: ignore[no-untyped-def]
            for analyst in who:
                span = store.add_span(document, start, end, label, analyst)
                uids[(analyst, start, end, label)] = span.uid

        tag(meeting, 0, 11, "PERSON", *ANALYSTS)  # agreed
        tag(meeting, 16, 25, "PERSON", "alice", "bob")  # same range, another label:
        tag(meeting, 16, 25, "ORG", "carol")  #   disagreement
        tag(meeting, 29, 34, "PLACE", "alice")  # partial
        tag(meeting, 38, 44, "QUANTITY", *ANALYSTS)  # agreed
        tag(meeting, 61, 71, "QUANTITY", "alice")  # other boundaries:
        tag(meeting, 61, 64, "QUANTITY", "bob", "carol")  #   disagreement
        tag(rain, 13, 17, "PLACE", "alice", "bob")  # an article with agreement only
        tag(tom, 0, 3, "PERSON", "alice")  # and one with a disagreement
        tag(tom, 0, 3, "ORG", "bob")
        return Team(db, meeting.id, rain.id, tom.id, uids)


@asynccontextmanager
async def reviewing(team: Team) -> AsyncIterator[tuple[AnnotatorApp, Pilot, ReviewScreen]]:
    """The app as the reviewer, `r` pressed on the first article."""
    with Store.open(team.db) as store:
        app = make_app(store, REVIEWER)
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, AnnotateScreen)
            await pilot.press("r")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen), screen
            assert screen.document is not None and screen.document.id == team.meeting
            yield app, pilot, screen


def group_list(screen: ReviewScreen) -> OptionList:
    return screen.query_one("#group-list", OptionList)


def group_rows(screen: ReviewScreen) -> list[str]:
    option_list = group_list(screen)
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


def static_text(screen: ReviewScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def gold_in_db(team: Team, document_id: int | None = None) -> list[Span]:
    return spans_in_db(team.db, team.meeting if document_id is None else document_id, annotator="gold")


def gold_ranges(team: Team) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in gold_in_db(team)]


def decisions_in_db(team: Team) -> list[tuple[str, int, str, str]]:
    conn = sqlite3.connect(team.db)
    try:
        return conn.execute("SELECT span_uid, document_id, decision, reviewer FROM decisions ORDER BY span_uid").fetchall()
    finally:
        conn.close()


def messages(app: AnnotatorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_panel_lists_the_groups_with_their_statuses(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        assert [g.status for g in screen.groups] == STATUSES
        assert screen.coders == ANALYSTS
        rows = group_rows(screen)
        assert len(rows) == 5
        # A row per version: its key, label, text and "×N" analysts (a bare N read like a key).
        assert rows[AGREED_PERSON] == "=   1 PERSON Alice Smith ×3"
        assert rows[LABEL_CLASH] == "≠   1 ORG Bob Jones ×1\n    2 PERSON Bob Jones ×2"
        assert rows[PARTIAL_PLACE] == "½   1 PLACE Paris ×1"
        assert rows[AGREED_DATE] == "=   1 QUANTITY Monday ×3"
        assert rows[BOUNDARY_CLASH] == "≠   1 QUANTITY 300 people ×1\n    2 QUANTITY 300 ×2"
        title = static_text(screen, "#group-count")
        assert "2 agreed · 1 partial · 2 disagree · 0/5 settled" in title
        assert "analysts: alice, bob, carol" in title  # the reviewer is no analyst here
        assert "REVIEW · 5 pending" in screen_text(app)
        # The first group is shown: highlighted in the list, selected in the article.
        assert screen.current == 0 and group_list(screen).highlighted == 0
        assert screen.view.selection == (0, 11)
        assert "agreed  entity  0–11" in static_text(screen, "#group-details")


async def test_tab_jumps_to_the_next_disagreement_and_wraps(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("tab")
        assert screen.current == LABEL_CLASH and group_list(screen).highlighted == LABEL_CLASH
        assert screen.view.selection == (16, 25)
        details = static_text(screen, "#group-details")
        assert "disagreement  entity  16–25" in details
        assert details.index("1  ORG “Bob Jones”") < details.index("2  PERSON “Bob Jones”")
        await pilot.press("tab")
        assert screen.current == BOUNDARY_CLASH and group_list(screen).highlighted == BOUNDARY_CLASH
        assert screen.view.selection == (61, 71)
        assert "“300 people”" in static_text(screen, "#group-details")
        await pilot.press("tab")  # past the last one: back to the first disagreement
        assert screen.current == LABEL_CLASH
        await pilot.press("shift+tab")  # and backwards, wrapping too
        assert screen.current == BOUNDARY_CLASH
        await pilot.press("k", "k")  # j / k walk every group
        assert screen.current == PARTIAL_PLACE and group_list(screen).highlighted == PARTIAL_PLACE
        assert "partial" in static_text(screen, "#group-details")


async def test_number_keys_put_a_version_in_gold_with_its_provenance_and_take_it_out(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("tab", "2")  # the label clash; version 2 is PERSON (alice, bob)
        [gold] = gold_in_db(team)
        assert (gold.start, gold.end, gold.label, gold.text) == (16, 25, "PERSON", "Bob Jones")
        assert gold.attrs["adjudicated_by"] == REVIEWER
        assert gold.attrs["sources"] == ["alice", "bob"]
        assert gold.attrs["source_uids"] == sorted(
            [team.uids[("alice", 16, 25, "PERSON")], team.uids[("bob", 16, 25, "PERSON")]]
        )
        # The analysts' own spans are untouched.
        assert len(spans_in_db(team.db, team.meeting, annotator=None)) == 13 + 1
        assert "★" in group_rows(screen)[LABEL_CLASH]
        assert screen.current == PARTIAL_PLACE  # on to the next group to decide
        await pilot.press("k")
        assert "★ gold PERSON “Bob Jones”" in static_text(screen, "#group-details")
        assert "1/5 settled" in static_text(screen, "#group-count")
        assert "REVIEW · 4 pending" in screen_text(app)

        await pilot.press("1")  # carol's ORG goes in as well: accepting adds, never replaces
        assert sorted(gold_ranges(team)) == [(16, 25, "ORG"), (16, 25, "PERSON")]
        org = next(g for g in gold_in_db(team) if g.label == "ORG")
        assert org.attrs["sources"] == ["carol"] and org.attrs["adjudicated_by"] == REVIEWER
        assert group_rows(screen)[LABEL_CLASH] == "≠ ★ 1 ORG Bob Jones ×1★\n    2 PERSON Bob Jones ×2★"

        await pilot.press("k")  # back from the next group to decide
        await pilot.press("2")  # again: the PERSON comes out of gold, carol's ORG stays
        assert gold_ranges(team) == [(16, 25, "ORG")]
        assert group_rows(screen)[LABEL_CLASH] == "≠ ★ 1 ORG Bob Jones ×1★\n    2 PERSON Bob Jones ×2"
        assert screen.current == LABEL_CLASH  # taking a version out stays on the group

        await pilot.press("tab", "2")  # boundary clash: version 2 is "300" (bob, carol)
        assert gold_ranges(team) == [(16, 25, "ORG"), (61, 64, "QUANTITY")]
        assert gold_in_db(team)[1].attrs["sources"] == ["bob", "carol"]

        assert screen.current == AGREED_PERSON  # on to the next group to decide, round to the start
        await pilot.press("shift+tab")  # back to the boundary clash
        await pilot.press("3")  # there is no version 3: nothing is written
        assert "This group has 2 version(s)" in messages(app)
        assert len(gold_in_db(team)) == 2


async def test_A_accepts_every_agreed_span(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("A")
        gold = gold_in_db(team)
        assert [(s.start, s.end, s.label) for s in gold] == [(0, 11, "PERSON"), (38, 44, "QUANTITY")]
        assert all(s.attrs["sources"] == ANALYSTS and s.attrs["adjudicated_by"] == REVIEWER for s in gold)
        assert [g.settled for g in screen.groups] == [True, False, False, True, False]
        assert "2/5 settled" in static_text(screen, "#group-count")
        # Again: nothing left to accept, nothing doubled.
        await pilot.press("A")
        assert "No unsettled agreed spans here" in messages(app)
        assert len(gold_in_db(team)) == 2


async def test_x_rejects_a_group_and_accepting_it_later_lifts_the_rejection(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("j", "j")
        assert screen.current == PARTIAL_PLACE
        await pilot.press("x")
        paris = team.uids[("alice", 29, 34, "PLACE")]
        assert decisions_in_db(team) == [(paris, team.meeting, "rejected", REVIEWER)]
        with Store.open(team.db, create=False) as other:
            assert other.rejected(team.meeting) == {paris}
        assert screen.groups[PARTIAL_PLACE].rejected and screen.groups[PARTIAL_PLACE].settled
        assert "✗" in group_rows(screen)[PARTIAL_PLACE]
        assert "✗ rejected" in static_text(screen, "#group-details")
        assert gold_in_db(team) == []

        # Rejecting a disagreement rejects every version's spans.
        await pilot.press("tab")
        assert screen.current == BOUNDARY_CLASH
        await pilot.press("x")
        rejected = {uid for uid, *_ in decisions_in_db(team)}
        assert rejected == {
            paris,
            team.uids[("alice", 61, 71, "QUANTITY")],
            team.uids[("bob", 61, 64, "QUANTITY")],
            team.uids[("carol", 61, 64, "QUANTITY")],
        }

        # Accepting the rejected Paris after all: gold, and no longer rejected.
        await pilot.press("k", "k")
        assert screen.current == PARTIAL_PLACE
        await pilot.press("1")
        assert gold_ranges(team) == [(29, 34, "PLACE")]
        assert paris not in {uid for uid, *_ in decisions_in_db(team)}
        assert not screen.groups[PARTIAL_PLACE].rejected
        assert screen.current == AGREED_DATE  # on to the next group to decide

        # Rejecting a group that has a gold span takes the gold span away too.
        await pilot.press("k", "x")
        assert gold_in_db(team) == []
        assert paris in {uid for uid, *_ in decisions_in_db(team)}


async def test_label_keys_retag_and_brackets_resize_the_gold_span_and_u_undoes(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("tab")
        # Before a version is accepted there is no gold span to edit.
        await pilot.press("o")
        assert gold_in_db(team) == []
        assert any("Put a version in gold first" in m for m in messages(app))

        await pilot.press("2")  # PERSON "Bob Jones"
        assert screen.current == PARTIAL_PLACE  # review moved on; back to edit what went in
        await pilot.press("k")
        await pilot.press("o")  # ORG
        [gold] = gold_in_db(team)
        assert (gold.start, gold.end, gold.label) == (16, 25, "ORG")
        assert gold.attrs["adjudicated_by"] == REVIEWER and gold.attrs["sources"] == ["alice", "bob"]
        assert "★ gold ORG “Bob Jones”" in static_text(screen, "#group-details")

        await pilot.press("right_square_bracket")  # ] grows the end by a word
        [gold] = gold_in_db(team)
        assert (gold.start, gold.end, gold.text) == (16, 28, "Bob Jones in")
        assert screen.current == LABEL_CLASH  # still on the same group

        await pilot.press("u")  # undo the resize
        assert [(s.start, s.end, s.label, s.text) for s in gold_in_db(team)] == [(16, 25, "ORG", "Bob Jones")]
        await pilot.press("u")  # undo the retag
        assert gold_ranges(team) == [(16, 25, "PERSON")]
        await pilot.press("u")  # undo the acceptance
        assert gold_in_db(team) == []
        assert not screen.groups[LABEL_CLASH].settled
        await pilot.press("u")
        assert "Nothing to undo in the gold set" in messages(app)
        # The analysts' spans were never touched.
        assert len(spans_in_db(team.db, team.meeting, annotator=None)) == 13


async def test_D_marks_the_article_adjudicated_and_back(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("D")
        with Store.open(team.db, create=False) as other:
            assert other.progress()[team.meeting]["gold"] == "done"
        assert "adjudicated ✓" in screen_text(app)
        await pilot.press("D")  # reopened
        with Store.open(team.db, create=False) as other:
            assert other.progress()[team.meeting].get("gold") != "done"
        assert "adjudicated ✓" not in screen_text(app)
        await pilot.press("D")
        with Store.open(team.db, create=False) as other:
            assert other.progress()[team.meeting]["gold"] == "done"


def listed(app: AnnotatorApp) -> list[int]:
    screen = app.screen
    assert isinstance(screen, ArticleListScreen), screen
    option_list = screen.query_one("#articles-list", OptionList)
    return [int(option_list.get_option_at_index(i).id or 0) for i in range(option_list.option_count)]


async def test_article_list_filters_to_disagreements_and_not_adjudicated(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("D")  # the meeting is adjudicated
        await pilot.press("a")
        assert listed(app) == [team.meeting, team.rain, team.tom]
        text = screen_text(app)
        assert "≠ disagreements" in text and "not adjudicated" in text
        await pilot.press("down")  # into the list
        await pilot.press("ctrl+d")  # only articles with disagreements
        assert listed(app) == [team.meeting, team.tom]
        await pilot.press("ctrl+g")  # ... that are not adjudicated yet
        assert listed(app) == [team.tom]
        await pilot.press("ctrl+d")  # only not adjudicated
        assert listed(app) == [team.rain, team.tom]
        await pilot.press("ctrl+g")  # no filter
        assert listed(app) == [team.meeting, team.rain, team.tom]
        await pilot.press("ctrl+g", "end", "enter")  # open the last not adjudicated one
        assert app.screen is screen
        assert screen.document is not None and screen.document.id == team.tom
        assert [g.status for g in screen.groups] == ["disagreement"]
        assert static_text(screen, "#group-count").count("analysts: alice, bob") == 1


async def test_ctrl_d_filters_right_after_the_list_opens(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("a")
        await pilot.press("ctrl+d")
        assert listed(app) == [team.meeting, team.tom]


async def test_escape_goes_back_to_annotating(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("tab", "2", "escape")
        assert isinstance(app.screen, AnnotateScreen)
        assert len(gold_in_db(team)) == 1


# -- undo of reviewer actions that are more than one gold change --------------------------


async def test_u_after_adding_another_version_takes_back_only_that_one(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("tab", "2")
        await pilot.press("k", "1")  # back to the group (review moved on) for the other version
        assert sorted(gold_ranges(team)) == [(16, 25, "ORG"), (16, 25, "PERSON")]
        await pilot.press("u")
        assert gold_ranges(team) == [(16, 25, "PERSON")]


async def test_u_after_A_takes_back_every_span_it_accepted(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("A")
        assert len(gold_in_db(team)) == 2
        await pilot.press("u")
        assert gold_in_db(team) == []


async def test_u_after_x_lifts_the_rejection_and_leaves_other_gold_alone(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("tab", "2")  # gold for the label clash; review moves on
        assert screen.current == PARTIAL_PLACE
        await pilot.press("x")
        assert len(decisions_in_db(team)) == 1
        await pilot.press("u")
        assert gold_ranges(team) == [(16, 25, "PERSON")]
        assert decisions_in_db(team) == []


# -- grouping (annotator.review, no UI) and nested spans in the screen ----------------------

KIND_OF = {"CLAIM": "claim", "PERSON": "entity", "ORG": "entity", "PLACE": "entity", "QUANTITY": "quantity"}


def mk(annotator: str, start: int, end: int, label: str, **attrs: object) -> Span:
    return Span(f"{annotator}:{start}:{end}:{label}", 1, start, end, label, annotator, "", attrs=dict(attrs))


def test_group_statuses_versions_and_kinds() -> None:
    from annotator.review import group_spans

    spans = [
        *(mk(a, 0, 11, "PERSON") for a in ANALYSTS),
        mk("alice", 16, 25, "PERSON"), mk("bob", 16, 25, "PERSON"), mk("carol", 16, 25, "ORG"),
        mk("alice", 29, 34, "PLACE"),
        mk("alice", 61, 71, "QUANTITY"), mk("bob", 61, 64, "QUANTITY"),
        # A claim around everything disagrees with no entity inside it.
        *(mk(a, 0, 45, "CLAIM") for a in ANALYSTS),
    ]
    groups = group_spans(spans, ANALYSTS, KIND_OF)
    assert [(g.kind, g.start, g.end, g.status) for g in groups] == [
        ("claim", 0, 45, "agreed"),
        ("entity", 0, 11, "agreed"),
        ("entity", 16, 25, "disagreement"),
        ("entity", 29, 34, "partial"),
        ("quantity", 61, 71, "disagreement"),
    ]
    clash = groups[2]
    assert [(v.label, v.annotators) for v in clash.versions] == [("ORG", ["carol"]), ("PERSON", ["alice", "bob"])]
    # An analyst who marked the article done without tagging the span makes it partial.
    assert group_spans(spans, [*ANALYSTS, "dave"], KIND_OF)[1].status == "partial"


def test_nested_spans_everyone_tagged_are_two_agreed_groups() -> None:
    from annotator.review import group_spans

    # "University of Paris" ORG 0-19 with the PLACE "Paris" 14-19 inside, by all three.
    spans = [*(mk(a, 0, 19, "ORG") for a in ANALYSTS), *(mk(a, 14, 19, "PLACE") for a in ANALYSTS)]
    groups = group_spans(spans, ANALYSTS, KIND_OF)
    assert [(g.start, g.end, g.status, len(g.versions)) for g in groups] == [(0, 19, "agreed", 1), (14, 19, "agreed", 1)]
    # Only bob left the PLACE out: ORG agreed, PLACE partial; still no disagreement.
    spans = [s for s in spans if not (s.annotator == "bob" and s.label == "PLACE")]
    assert [g.status for g in group_spans(spans, ANALYSTS, KIND_OF)] == ["agreed", "partial"]
    # But one analyst's ORG over just "Paris" competes with the PLACE others put there.
    spans = [*(mk(a, 0, 19, "ORG") for a in ANALYSTS), mk("alice", 14, 19, "PLACE"), mk("bob", 14, 19, "ORG")]
    groups = group_spans(spans, ANALYSTS, KIND_OF)
    assert [g.status for g in groups] == ["agreed", "disagreement"]
    assert [v.label for v in groups[1].versions] == ["ORG", "PLACE"]


def test_gold_settles_the_group_it_came_from_even_after_resizing() -> None:
    from annotator.review import group_spans

    spans = [*(mk(a, 0, 19, "ORG") for a in ANALYSTS), *(mk(a, 14, 19, "PLACE") for a in ANALYSTS)]
    org_uids = sorted(s.uid for s in spans if s.label == "ORG")
    gold_org = mk("gold", 0, 19, "ORG", source_uids=org_uids)
    groups = group_spans([*spans, gold_org], ANALYSTS, KIND_OF)
    assert [len(g.gold) for g in groups] == [1, 0]  # the ORG covers "Paris" but is not the PLACE's gold
    resized = mk("gold", 4, 19, "ORG", source_uids=org_uids)
    assert [len(g.gold) for g in group_spans([*spans, resized], ANALYSTS, KIND_OF)] == [1, 0]
    # A gold span with no record of its sources goes to the group it overlaps most, exact range first.
    bare = mk("gold", 14, 19, "PLACE")
    assert [len(g.gold) for g in group_spans([*spans, bare], ANALYSTS, KIND_OF)] == [0, 1]
    # A gold span of another kind settles nothing here.
    claim = mk("gold", 0, 19, "CLAIM")
    assert [len(g.gold) for g in group_spans([*spans, claim], ANALYSTS, KIND_OF)] == [0, 0]


def test_a_group_is_rejected_only_when_all_its_spans_are() -> None:
    from annotator.review import group_spans

    spans = [mk("alice", 61, 71, "QUANTITY"), mk("bob", 61, 64, "QUANTITY")]
    [group] = group_spans(spans, ["alice", "bob"], KIND_OF, {spans[0].uid})
    assert not group.rejected and not group.settled
    [group] = group_spans(spans, ["alice", "bob"], KIND_OF, {s.uid for s in spans})
    assert group.rejected and group.settled


async def test_nested_agreed_spans_both_go_into_gold(tmp_path: Path) -> None:
    db = tmp_path / "nested.db"
    text = "She studied at the University of Paris in 1990."
    #       0         1         2         3         4
    #       0123456789012345678901234567890123456789012345678
    with Store.open(db) as store:
        document = store.add_document("uni", "University", text).document
        for analyst in ANALYSTS:
            store.add_span(document, 19, 38, "ORG", analyst)  # University of Paris
            store.add_span(document, 33, 38, "PLACE", analyst)  # Paris
        app = make_app(store, REVIEWER)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            assert [(g.start, g.end, g.status) for g in screen.groups] == [(19, 38, "agreed"), (33, 38, "agreed")]
            await pilot.press("A")
            gold = spans_in_db(db, document.id, annotator="gold")
            assert [(s.start, s.end, s.label) for s in gold] == [(19, 38, "ORG"), (33, 38, "PLACE")]
            assert all(g.settled for g in screen.groups)
            # The PLACE group's number takes only the PLACE gold span out, and puts it back.
            await pilot.press("j", "1")
            gold = spans_in_db(db, document.id, annotator="gold")
            assert [(s.start, s.end, s.label) for s in gold] == [(19, 38, "ORG")]
            assert [len(g.gold) for g in screen.groups] == [1, 0]
            await pilot.press("1")
            gold = spans_in_db(db, document.id, annotator="gold")
            assert [(s.start, s.end, s.label) for s in gold] == [(19, 38, "ORG"), (33, 38, "PLACE")]
            # Rejecting the ORG group takes only the ORG gold span away.
            await pilot.press("k", "x")
            gold = spans_in_db(db, document.id, annotator="gold")
            assert [(s.start, s.end, s.label) for s in gold] == [(33, 38, "PLACE")]


def test_model_suggestions_are_not_reviewed_as_an_analyst() -> None:
    from annotator.model import Span
    from annotator.review import group_spans, is_analyst

    def span(uid: str, who: str, label: str) -> Span:
        return Span(uid=uid, document_id=1, start=0, end=5, label=label, annotator=who, text="Alice")

    names = ["alice", "bob", "suggestion:model-v1", "gold"]
    assert [n for n in names if is_analyst(n)] == ["alice", "bob"]
    spans = [span("a", "alice", "PERSON"), span("b", "bob", "PERSON")]
    [group] = group_spans(spans, ["alice", "bob"], {"PERSON": "entity"})
    assert group.status == "agreed"


# -- several gold spans from one group ----------------------------------------------------

SECURITY = "The State Committee for National Security (GKNB) said on Monday it had arrested them."
#           0         1         2         3         4         5
#           0123456789012345678901234567890123456789012345678901234
# State Committee for National Security 4-41, GKNB 43-47, with the brackets 4-48


@dataclass
class Security:
    db: Path
    document: int
    long: str  # alice's ORG "State Committee for National Security"
    short: str  # alice's ORG "GKNB"
    both: str  # bob's ORG over both


def build_security(tmp_path: Path) -> Security:
    db = tmp_path / "security.db"
    with Store.open(db) as store:
        document = store.add_document("gknb", "GKNB", SECURITY).document
        long = store.add_span(document, 4, 41, "ORG", "alice")
        short = store.add_span(document, 43, 47, "ORG", "alice")
        both = store.add_span(document, 4, 48, "ORG", "bob")
    return Security(db, document.id, long.uid, short.uid, both.uid)


@asynccontextmanager
async def reviewing_security(case: Security) -> AsyncIterator[tuple[AnnotatorApp, Pilot, ReviewScreen]]:
    with Store.open(case.db) as store:
        app = make_app(store, REVIEWER)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen), screen
            yield app, pilot, screen


def security_gold(case: Security) -> list[tuple[str, list[str]]]:
    """(text, source uids) of every gold span, as a second connection sees them."""
    return [(s.text, s.attrs["source_uids"]) for s in spans_in_db(case.db, case.document, annotator="gold")]


async def test_one_analysts_two_spans_against_anothers_one_both_go_into_gold(tmp_path: Path) -> None:
    case = build_security(tmp_path)
    async with reviewing_security(case) as (app, pilot, screen):
        [group] = screen.groups
        assert group.status == "disagreement"
        # Reading order: bob's span over both first, then alice's two.
        assert [(v.text, v.annotators) for v in group.versions] == [
            ("State Committee for National Security (GKNB)", ["bob"]),
            ("State Committee for National Security", ["alice"]),
            ("GKNB", ["alice"]),
        ]
        # The group is shown with its brackets: the article selection is the analysts' range as it is.
        assert screen.view.selection == (4, 48)
        await pilot.press("2")
        await pilot.press("3")
        assert security_gold(case) == [
            ("State Committee for National Security", [case.long]),
            ("GKNB", [case.short]),
        ]
        [group] = screen.groups
        assert len(group.gold) == 2 and group.settled  # both gold spans belong to the one group
        # Uncut here; cut to the panel, the two long names read apart (test_review_newcomer.py).
        assert group_rows(screen)[0].splitlines() == [
            "≠ ★ 1 ORG State Committee for National Security (GKNB) ×1",
            "    2 ORG State Committee for National Security ×1★",
            "    3 ORG GKNB ×1★",
        ]
        details = static_text(screen, "#group-details")
        assert details.count("★ in gold") == 2
        assert "gold: 2 spans" in details
        assert "  ★ gold ORG “State Committee for National Security”  from 2" in details
        assert "▸ ★ gold ORG “GKNB”  from 3" in details  # the one last put in gold is the one edited
        assert "1/1 settled" in static_text(screen, "#group-count")
        assert "Next ★ to edit" in screen_text(app)  # `e` shows once there are two to choose from

    # A restart: the two gold spans still settle the one group.
    async with reviewing_security(case) as (app, pilot, screen):
        [group] = screen.groups
        assert [g.text for g in group.gold] == ["State Committee for National Security", "GKNB"]
        assert static_text(screen, "#group-details").count("★ in gold") == 2


async def test_a_number_again_takes_its_version_out_of_gold(tmp_path: Path) -> None:
    case = build_security(tmp_path)
    async with reviewing_security(case) as (app, pilot, screen):
        await pilot.press("1")  # bob's span over both
        assert security_gold(case) == [("State Committee for National Security (GKNB)", [case.both])]
        assert "Next ★ to edit" not in screen_text(app)
        await pilot.press("1")  # second thoughts: out again
        assert security_gold(case) == []
        assert not screen.groups[0].settled
        assert "★" not in group_rows(screen)[0]
        assert "pending: 1-9 puts a version in gold" in static_text(screen, "#group-details")
        await pilot.press("2", "3", "2")  # both of alice's, then the long one out again
        assert security_gold(case) == [("GKNB", [case.short])]
        details = static_text(screen, "#group-details")
        assert details.count("★ in gold") == 1 and "gold: 1 span ·" in details


async def test_u_undoes_one_toggle_at_a_time(tmp_path: Path) -> None:
    case = build_security(tmp_path)
    async with reviewing_security(case) as (app, pilot, screen):
        await pilot.press("2", "3")
        await pilot.press("u")  # takes back "GKNB" only
        assert security_gold(case) == [("State Committee for National Security", [case.long])]
        await pilot.press("3", "3")  # in and out again
        assert security_gold(case) == [("State Committee for National Security", [case.long])]
        await pilot.press("u")  # undoing the removal brings "GKNB" back, provenance and all
        assert security_gold(case) == [
            ("State Committee for National Security", [case.long]),
            ("GKNB", [case.short]),
        ]
        await pilot.press("u", "u", "u")
        assert security_gold(case) == []
        assert not screen.groups[0].settled
        await pilot.press("u")
        assert "Nothing to undo in the gold set" in messages(app)


async def test_e_picks_which_gold_span_label_keys_and_brackets_edit(tmp_path: Path) -> None:
    case = build_security(tmp_path)
    async with reviewing_security(case) as (app, pilot, screen):
        await pilot.press("2", "3")
        await pilot.press("e")  # from "GKNB" (last put in) to the long name
        details = static_text(screen, "#group-details")
        assert "▸ ★ gold ORG “State Committee for National Security”" in details
        assert "  ★ gold ORG “GKNB”" in details
        await pilot.press("left_square_bracket")  # [ grows the marked span's start by a word
        assert [s.text for s in spans_in_db(case.db, case.document, annotator="gold")] == [
            "The State Committee for National Security",
            "GKNB",
        ]
        details = static_text(screen, "#group-details")
        assert "▸ ★ gold ORG “The State Committee for National Security”  from 2, edited" in details
        assert details.count("★ in gold") == 2  # an edited gold span still stands for its version
        await pilot.press("m")  # and a label key retags the same one
        gold = spans_in_db(case.db, case.document, annotator="gold")
        assert [(s.text, s.label) for s in gold] == [("The State Committee for National Security", "OTHER"), ("GKNB", "ORG")]
        await pilot.press("e", "q")  # e wraps round to "GKNB"; QUANTITY is another kind, still this group's
        gold = spans_in_db(case.db, case.document, annotator="gold")
        assert [(s.text, s.label) for s in gold] == [("The State Committee for National Security", "OTHER"), ("GKNB", "QUANTITY")]
        [group] = screen.groups
        assert len(group.gold) == 2
        await pilot.press("2")  # the number takes its version out, edits and all
        assert [s.text for s in spans_in_db(case.db, case.document, annotator="gold")] == ["GKNB"]
        await pilot.press("u")
        assert len(spans_in_db(case.db, case.document, annotator="gold")) == 2


def test_gold_spans_stand_for_the_versions_they_came_from() -> None:
    from annotator.review import group_spans

    long, short, both = mk("alice", 4, 41, "ORG"), mk("alice", 43, 47, "ORG"), mk("bob", 4, 48, "ORG")
    gold_long = mk("gold", 4, 41, "ORG", source_uids=[long.uid])
    gold_short = mk("gold", 40, 47, "PLACE", source_uids=[short.uid])  # resized and retagged since
    [group] = group_spans([long, short, both, gold_short, gold_long], ["alice", "bob"], KIND_OF)
    assert [g.uid for g in group.gold] == [gold_long.uid, gold_short.uid]  # in reading order
    assert [group.version_of(g) for g in group.gold] == [1, 2]
    assert [[g.uid for g in group.gold_for(i)] for i in range(3)] == [[], [gold_long.uid], [gold_short.uid]]
    # Gold without provenance (e.g. imported) stands for the version it equals, if any.
    bare = mk("gold", 4, 48, "ORG")
    [group] = group_spans([long, short, both, bare], ["alice", "bob"], KIND_OF)
    assert group.version_of(group.gold[0]) == 0 and group.gold_for(0) == [bare]
    # Retagged to a label of another kind, a gold span still settles the group it came from.
    as_claim = mk("gold", 4, 41, "CLAIM", source_uids=[long.uid])
    [group] = group_spans([long, short, both, as_claim], ["alice", "bob"], KIND_OF)
    assert group.gold == [as_claim] and group.settled


async def test_u_after_putting_a_rejected_group_in_gold_brings_the_rejection_back(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("j", "j")
        assert screen.current == PARTIAL_PLACE
        paris = team.uids[("alice", 29, 34, "PLACE")]
        await pilot.press("x")
        assert paris in {uid for uid, *_ in decisions_in_db(team)}
        await pilot.press("1")  # in gold after all: the rejection is withdrawn
        assert gold_ranges(team) == [(29, 34, "PLACE")]
        assert paris not in {uid for uid, *_ in decisions_in_db(team)}
        await pilot.press("u")  # one step back: no gold, and rejected as before
        assert gold_in_db(team) == []
        assert paris in {uid for uid, *_ in decisions_in_db(team)}
        assert screen.groups[PARTIAL_PLACE].rejected
        await pilot.press("u")  # and the rejection itself
        assert paris not in {uid for uid, *_ in decisions_in_db(team)}


async def test_review_of_an_article_changed_meanwhile_reloads_instead_of_writing(tmp_path: Path) -> None:
    team = build(tmp_path)
    async with reviewing(team) as (app, pilot, screen):
        await pilot.press("j", "j")
        with Store.open(team.db, create=False) as other:
            old = other.document(team.meeting)
            result = other.add_document(old.key, old.title, "Breaking: " + old.text)
            assert result.updated
        await pilot.press("1")
        await pilot.pause()
        assert gold_in_db(team) == []
        assert "NOT SAVED" in screen_text(app) and "changed" in screen_text(app)
        assert screen.document is not None and screen.document.text.startswith("Breaking: ")
        # Deciding again on the reloaded article works, at the re-anchored offsets.
        await pilot.press("1")
        with Store.open(team.db, create=False) as check:
            document = check.document(team.meeting)
            gold = check.spans(team.meeting, "gold")
            assert gold and all(document.text[s.start : s.end] == s.text for s in gold)
