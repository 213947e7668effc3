from __future__ import annotations

from pathlib import Path

import pytest

from annotator.errors import ConflictError, SchemaError
from annotator.store import SCHEMA_VERSION, Store


def test_schema_version_recorded(store: Store) -> None:
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_database_refused_and_untouched(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE documents (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaError, match="newer annotator"):
        Store.open(path)
    assert path.read_bytes() == before


def test_same_label_twice_on_same_span_refused(store: Store) -> None:
    doc = store.add_document("d", "T", "Alice met Bob.").document
    store.add_span(doc, 0, 5, "PERSON", "ann")
    with pytest.raises(ConflictError):
        store.add_span(doc, 0, 5, "PERSON", "ann")
    store.add_span(doc, 0, 5, "PERSON", "other")  # another analyst may
    store.add_span(doc, 0, 5, "ORG", "ann")  # another label may
    assert len(store.spans(doc.id)) == 3
