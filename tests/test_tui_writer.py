"""The app keeps answering while another process holds the database's write lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import settle_writes
from test_session import HOLD_LOCK
from test_tui_support import SENTENCES, running, spans_in_db, status_text, view_of

from annotator.store import Store


async def test_keys_work_and_tags_commit_after_another_process_releases_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("one", "One", SENTENCES)
        async with running(store) as (app, pilot):
            view = view_of(app)
            holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), "3"], stdout=subprocess.PIPE, text=True)
            try:
                assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
                await pilot.press_only("w", "p")  # type: ignore[attr-defined]
                # Drawn at once, not yet in the database; the status says it is saving.
                assert [s.text for s in app.screen.session.spans.values()] == ["Alice"]  # type: ignore[attr-defined]
                assert spans_in_db(db) == []
                await pilot.pause(0.6)
                assert "saving" in status_text(app) and "NOT SAVED" not in status_text(app)
                # The cursor still answers, and more tags queue behind the first.
                await pilot.press_only("ctrl+right", "ctrl+right")  # type: ignore[attr-defined]
                assert view.cursor == SENTENCES.index("Bob")
                await pilot.press_only("w", "p")  # type: ignore[attr-defined]
                assert spans_in_db(db) == []
            finally:
                holder.wait(timeout=30)
            await settle_writes(app)
            await pilot.pause()
            assert [s.text for s in spans_in_db(db)] == ["Alice", "Bob"]
            assert "saved" in status_text(app) and "saving" not in status_text(app)
