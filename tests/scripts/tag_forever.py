"""Run the real app headless on a database and tag word after word until killed.

After each tag the status bar says whether it was saved; this prints SAVED <uid> for
every span the screen reported as saved, so the parent can kill the process at any
moment and check that every one of them is in the database.
"""

from __future__ import annotations

import asyncio
import sys

from annotator.store import Store
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen


async def main(db: str, annotator: str) -> None:
    store = Store.open(db)
    app = make_app(store, annotator)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        labels = "pocqlm"
        n = 0
        while True:
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            view = screen.view
            await pilot.press("w", labels[n % len(labels)])
            status = screen.status.saved
            active = view.active_span
            if status.startswith("saved") and active is not None:
                print(f"SAVED {active.uid}", flush=True)
            await pilot.press("ctrl+right")
            if view.cursor >= len(view.text) - 1:
                await pilot.press("n")
            n += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
