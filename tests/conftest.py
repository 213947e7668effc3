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
