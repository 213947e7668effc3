"""Several analysts on one database, as one of them sees it in the annotation screen.

By default an analyst sees and edits only their own spans; `v` shows another analyst's
(read-only), then everyone's; `D` marks an article done; other analysts' new work shows
after ctrl+r or on coming back to the article; `S` opens the label and agreement stats.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.articles import ArticleListScreen
from annotator.tui.screens.stats import StatsScreen, heat
from annotator.tui.widgets.article_view import ArticleView
from test_tui_support import move_cursor_to, screen_text

SIZE = (130, 40)
ME = "alice"
READ_ONLY = "Others' spans are read-only here: press v until you see your own"

MEETING = "Alice Smith met Bob Jones in Paris on Monday. Officials said 300 people attended."
#          0         1         2         3         4         5         6         7         8
#          012345678901234567890123456789012345678901234567890123456789012345678901234567890
# Alice Smith 0-11, Bob Jones 16-25, Paris 29-34, Monday 38-44, 300 people 61-71


def build(tmp_path: Path) -> tuple[Path, int, int]:
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        meeting = store.add_document("meeting", "Meeting", MEETING).document
        rain = store.add_document("rain", "Rain", "Rain fell in Oslo.").document
        store.add_span(meeting, 0, 11, "PERSON", "alice")
        store.add_span(meeting, 29, 34, "PLACE", "alice")
        store.add_span(meeting, 0, 11, "PERSON", "bob")
        store.add_span(meeting, 16, 25, "ORG", "bob")
        store.add_span(meeting, 29, 34, "PLACE", "carol")
    return db, meeting.id, rain.id


def everything(db: Path) -> list[tuple[str, int, int, int, str, str]]:
    """Every span of every analyst as a second connection sees it."""
    with Store.open(db, create=False) as other:
        return sorted(
            (s.annotator, s.document_id, s.start, s.end, s.label, s.note)
            for d in other.list_documents()
            for s in other.spans(d.id)
        )


@asynccontextmanager
async def annotating(db: Path, name: str = ME) -> AsyncIterator[tuple[AnnotatorApp, Pilot, AnnotateScreen]]:
    with Store.open(db) as store:
        app = make_app(store, name)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            assert isinstance(app.focused, ArticleView)
            yield app, pilot, screen


def shown(screen: AnnotateScreen) -> list[tuple[str, int, int, str]]:
    """What the article view draws: (analyst, start, end, label) of its spans."""
    return sorted((s.annotator, s.start, s.end, s.label) for s in screen.view.spans)


def header(screen: AnnotateScreen) -> str:
    return str(screen.query_one("#document-header", Static).render())


def messages(app: AnnotatorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_an_analyst_sees_only_their_own_spans_by_default(tmp_path: Path) -> None:
    db, meeting, _ = build(tmp_path)
    async with annotating(db) as (app, pilot, screen):
        assert screen.document is not None and screen.document.id == meeting
        assert shown(screen) == [("alice", 0, 11, "PERSON"), ("alice", 29, 34, "PLACE")]
        assert {s.annotator for s in screen.spans} == {"alice"}
        assert "2 spans by you" in header(screen)
        assert "Bob Jones" not in str(screen.query_one("#panel").query_one("#span-count").render())


async def test_v_shows_other_analysts_read_only_then_everyone_then_your_own(tmp_path: Path) -> None:
    db, meeting, _ = build(tmp_path)
    before = everything(db)
    async with annotating(db) as (app, pilot, screen):
        await pilot.press("v")
        assert screen.viewing == "bob"
        assert shown(screen) == [("bob", 0, 11, "PERSON"), ("bob", 16, 25, "ORG")]
        assert "2 spans by bob (read-only)" in header(screen)
        assert "Showing bob's spans (read-only)" in messages(app)

        # A label key on a selection does not tag: a notification says why.
        await move_cursor_to(pilot, app, 38)
        app.clear_notifications()
        await pilot.press("w", "q")  # "Monday" as QUANTITY
        assert everything(db) == before
        assert READ_ONLY in messages(app)
        # Retagging bob's span with a label key does nothing either.
        await move_cursor_to(pilot, app, 17)
        await pilot.press("enter")
        assert screen.view.active_span is not None and screen.view.active_span.annotator == "bob"
        app.clear_notifications()
        await pilot.press("p")
        assert READ_ONLY in messages(app)
        await pilot.press("delete")  # nor does delete
        app.clear_notifications()
        await pilot.press("u")  # and undo does not undo alice's own work behind the scenes
        assert READ_ONLY in messages(app)
        await pilot.press("right_square_bracket")
        assert everything(db) == before
        assert shown(screen) == [("bob", 0, 11, "PERSON"), ("bob", 16, 25, "ORG")]

        await pilot.press("v")
        assert screen.viewing == "carol"
        assert shown(screen) == [("carol", 29, 34, "PLACE")]
        await pilot.press("v")
        assert screen.viewing == "*"
        assert shown(screen) == sorted(
            [
                ("alice", 0, 11, "PERSON"),
                ("alice", 29, 34, "PLACE"),
                ("bob", 0, 11, "PERSON"),
                ("bob", 16, 25, "ORG"),
                ("carol", 29, 34, "PLACE"),
            ]
        )
        assert "5 spans by everyone (read-only)" in header(screen)
        await pilot.press("escape")
        await move_cursor_to(pilot, app, 38)
        app.clear_notifications()
        await pilot.press("w", "q")
        assert everything(db) == before
        assert READ_ONLY in messages(app)

        await pilot.press("v")  # back to your own: editable again
        assert screen.viewing is None
        assert "Showing your own spans" in messages(app)
        await move_cursor_to(pilot, app, 38)
        await pilot.press("w", "q")
        assert everything(db) == sorted([*before, ("alice", meeting, 38, 44, "QUANTITY", "")])
        assert ("alice", 38, 44, "QUANTITY") in shown(screen)


async def test_delete_on_another_analysts_span_says_read_only(tmp_path: Path) -> None:
    db, _, _ = build(tmp_path)
    async with annotating(db) as (app, pilot, screen):
        await pilot.press("v")
        await move_cursor_to(pilot, app, 17)
        await pilot.press("enter")
        assert screen.view.active_span is not None
        app.clear_notifications()
        await pilot.press("delete")
        assert READ_ONLY in messages(app)


async def test_D_marks_the_article_done_and_the_article_list_shows_it(tmp_path: Path) -> None:
    db, meeting, rain = build(tmp_path)
    async with annotating(db) as (app, pilot, screen):
        await pilot.press("D")
        with Store.open(db, create=False) as other:
            assert other.progress()[meeting]["alice"] == "done"
            assert other.progress()[meeting]["bob"] == "in_progress"
        assert "done ✓" in header(screen)

        await pilot.press("a")
        assert isinstance(app.screen, ArticleListScreen)
        rows = screen_text(app).splitlines()
        meeting_row = next(line for line in rows if "Meeting" in line and "chars" in line)
        rain_row = next(line for line in rows if "Rain" in line and "chars" in line)
        assert "alice ✓" in meeting_row and "bob …" in meeting_row and "carol …" in meeting_row
        assert "alice" not in rain_row and "not started" in rain_row
        await pilot.press("escape")

        await pilot.press("D")  # not done after all
        with Store.open(db, create=False) as other:
            assert other.progress()[meeting]["alice"] == "in_progress"
        assert "done ✓" not in header(screen)

        # Marking an article done without tagging anything counts too.
        await pilot.press("n")
        assert screen.document is not None and screen.document.id == rain
        await pilot.press("D")
        with Store.open(db, create=False) as other:
            assert other.progress()[rain] == {"alice": "done"}


ADD_SPANS = r"""
import sys
from annotator.store import Store
db, document_id = sys.argv[1], int(sys.argv[2])
with Store.open(db, create=False) as store:
    document = store.document(document_id)
    store.add_span(document, 38, 44, "QUANTITY", "bob")
    store.add_span(document, 61, 71, "QUANTITY", "dave")
    store.add_span(document, 16, 25, "PERSON", "alice")  # alice, in another window
"""


async def test_other_processes_spans_show_after_ctrl_r_or_coming_back(tmp_path: Path) -> None:
    db, meeting, _ = build(tmp_path)
    async with annotating(db) as (app, pilot, screen):
        await pilot.press("v", "v", "v")
        assert screen.viewing == "*"
        assert len(shown(screen)) == 5
        done = subprocess.run([sys.executable, "-c", ADD_SPANS, str(db), str(meeting)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        await pilot.pause()
        assert len(shown(screen)) == 5  # nothing changes on its own
        await pilot.press("ctrl+r")
        assert ("bob", 38, 44, "QUANTITY") in shown(screen)
        assert ("dave", 61, 71, "QUANTITY") in shown(screen)
        assert ("alice", 16, 25, "PERSON") in shown(screen)
        assert len(shown(screen)) == 8
        assert "Reloaded from the database" in messages(app)
        # A new analyst is one of the views now.
        await pilot.press("v")
        assert screen.viewing is None
        assert shown(screen) == [("alice", 0, 11, "PERSON"), ("alice", 16, 25, "PERSON"), ("alice", 29, 34, "PLACE")]
        views = []
        for _ in range(4):
            await pilot.press("v")
            views.append(screen.viewing)
        assert views == ["bob", "carol", "dave", "*"]


async def test_coming_back_to_an_article_shows_what_others_added_meanwhile(tmp_path: Path) -> None:
    db, meeting, rain = build(tmp_path)
    async with annotating(db) as (app, pilot, screen):
        assert len(shown(screen)) == 2
        with Store.open(db) as other:  # the same analyst in a second window
            other.add_span(other.document(meeting), 38, 44, "QUANTITY", "alice")
        await pilot.press("n")
        assert screen.document is not None and screen.document.id == rain
        await pilot.press("b")
        assert screen.document.id == meeting
        assert ("alice", 38, 44, "QUANTITY") in shown(screen)
        assert "3 spans by you" in header(screen)


async def test_S_shows_label_bars_and_the_f1_heat_map(tmp_path: Path) -> None:
    db, _, _ = build(tmp_path)
    async with annotating(db) as (app, pilot, screen):
        await pilot.press("S")
        stats = app.screen
        assert isinstance(stats, StatsScreen)
        body = stats.query_one(Static)
        content = body.render()
        text = str(content)
        lines = text.splitlines()
        # Label bars: PERSON 2 and PLACE 2 are the longest (40 cells), ORG 1 half as long.
        person = next(line for line in lines if line.startswith("PERSON ") and line.rstrip().endswith(" 2"))
        org = next(line for line in lines if line.startswith("ORG ") and line.rstrip().endswith(" 1"))
        assert person.count("█") == 40 and org.count("█") == 20
        assert "Krippendorff's alpha" in text
        # The exact-match F1 heat map, worked out by hand:
        #   alice {PERSON 0-11, PLACE 29-34} ~ bob {PERSON 0-11, ORG 16-25}: 2*1/(2+2) = 0.50
        #   alice ~ carol {PLACE 29-34}: 2*1/(2+1) = 0.67;  bob ~ carol: 0/(2+1) = 0.00
        start = lines.index("Pairwise span F1 (exact match)")
        grid = lines[start + 1 : start + 5]
        assert grid[0].split() == ["alice", "bob", "carol"]
        assert grid[1].split() == ["alice", "—", "0.50", "0.67"]
        assert grid[2].split() == ["bob", "0.50", "—", "0.00"]
        assert grid[3].split() == ["carol", "0.67", "0.00", "—"]
        # Each cell is coloured by its value: red for 0, green for 1.
        styles = {text[span.start : span.end].strip(): str(span.style).lower() for span in content.spans}
        assert styles["0.67"] == heat(2 / 3).lower()
        assert styles["0.00"] == heat(0.0).lower() == "black on #e06c75"
        assert styles["0.50"] == heat(0.5).lower() == "black on #e5c07b"
        assert heat(1.0).lower() == "black on #98c379"
        # It is what the terminal shows, too.
        assert "Pairwise span F1 (exact match)" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is screen
