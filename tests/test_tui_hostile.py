"""Labels, analyst names and notes from outside are shown literally; flagged spans are shown."""

from __future__ import annotations

from pathlib import Path

from annotator.model import NewSpan
from annotator.store import Store
from test_tui_support import ANNOTATOR, running, screen_text, span_list_texts, terminal_output, view_of

EVIL_LABEL = "[b]X[/b]"  # short enough to be shown whole in the list
EVIL_NAME = "[i]eve[/i]"
EVIL_NOTE = "note \x1b]0;pwned\x07 [blink]end"


async def test_markup_and_escapes_in_labels_names_and_notes_stay_literal(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document(
            "d",
            "Title",
            "Alice met Bob in Paris.",
            spans=[NewSpan(0, 5, EVIL_LABEL, EVIL_NAME, note=EVIL_NOTE), NewSpan(10, 13, EVIL_LABEL, ANNOTATOR)],
            kinds={EVIL_LABEL: "entity"},
        )
        async with running(store) as (app, pilot):
            # Everyone's spans: the other analyst's name and label appear in the list as typed.
            for _ in range(3):
                await pilot.press("v")
                await pilot.pause()
                if any(EVIL_NAME in row for row in span_list_texts(app)):
                    break
            rows = span_list_texts(app)
            assert any(EVIL_LABEL in row and EVIL_NAME in row for row in rows), rows
            await pilot.press("enter")  # pick the span at the cursor: details show its note
            await pilot.pause()
            text = screen_text(app)
            assert EVIL_LABEL in text and EVIL_NAME in text
            assert "note ␛]0;pwned␇ [blink]end" in text  # escapes as placeholders, brackets as typed
            assert "\x1b]0;pwned" not in terminal_output(app)
            # Notifications never read markup either.
            app.notify(f"Already {EVIL_LABEL}")
            await pilot.pause()
            assert all(not notification.markup for notification in app._notifications)  # noqa: SLF001


async def test_spans_flagged_after_an_article_update_are_marked(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        old = "Prices Rose Today\n\nReporters met in Paris."
        document = store.add_document("story", "Prices Rose Today", old).document
        store.add_span(document, old.index("Paris"), old.index("Paris") + 5, "PLACE", ANNOTATOR)
        store.add_document("story", "Prices Rose Today", "Prices Rose Today\n\nReporters met in Lyon.")
        async with running(store) as (app, pilot):
            assert any(row.startswith("⚠") for row in span_list_texts(app)), span_list_texts(app)
            await pilot.press("tab")  # pick it
            await pilot.pause()
            assert view_of(app).active_span is not None
            assert "Needs review" in screen_text(app)
            assert "Paris" in screen_text(app)  # the text it had
