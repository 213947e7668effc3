"""Shared fixtures: real database files in a temporary folder, the bundled corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.store import Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "annotator.db"


@pytest.fixture
def store(db_path: Path):
    with Store.open(db_path) as opened:
        yield opened


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A database that already holds an article with a span: refusals must not touch it."""
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        document = store.add_document("kept", "Already Here Headline", "Already Here Headline\n\nKeep me.").document
        store.add_span(document, 0, 7, "ORG", "alice")
    return db


async def settle_writes(app: object, timeout: float = 30.0) -> None:
    """Until the app's background writer has answered every write and the screen drew it."""
    import asyncio

    writer = getattr(app, "writer", None)
    if writer is None:
        return
    await asyncio.to_thread(writer.wait_idle, timeout)


@pytest.fixture(autouse=True)
def _keys_wait_for_the_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key in a Pilot test returns once its writes are committed and drawn, as a user
    would look at the screen after the status line says saved. `Pilot.press_only` sends
    keys without waiting (to act while the database is locked)."""
    from textual.pilot import Pilot

    original = Pilot.press

    async def press(self: Pilot, *keys: str) -> None:  # type: ignore[type-arg]
        await original(self, *keys)
        await settle_writes(self.app)
        await self.pause()

    monkeypatch.setattr(Pilot, "press", press)
    monkeypatch.setattr(Pilot, "press_only", original, raising=False)
