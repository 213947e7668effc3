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


def test_a_version_1_database_is_migrated_and_keeps_everything(tmp_path: Path) -> None:
    """tests/data/schema-v1.db was made by the first released schema; it must open as is."""
    import shutil
    import sqlite3

    source = Path(__file__).parent / "data" / "schema-v1.db"
    path = tmp_path / "old.db"
    shutil.copyfile(source, path)
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        [document] = store.list_documents()
        assert document.key == "old-article"
        spans = {(s.annotator, s.label, s.text, s.note) for s in store.spans(document.id)}
        assert spans == {
            ("alice", "PERSON", "Alice", ""),
            ("alice", "PERSON", "Bob", ""),
            ("alice", "PLACE", "Paris", "capital"),
            ("bob", "CLAIM", "Alice met Bob in Paris on 3 May 2024.", ""),
        }
        assert store.progress()[document.id] == {"alice": "in_progress", "bob": "done"}
        # The history came along: alice can still redo the retag she undid before the upgrade.
        doc = store.document(document.id)
        assert store.redo(doc, "alice") is not None
        assert {s.label for s in store.spans(document.id, "alice") if s.text == "Alice"} == {"ORG"}
        # New tables exist and work.
        assert store.conn.execute("SELECT COUNT(*) FROM document_versions").fetchone()[0] == 0
    # The original was copied aside before the upgrade.
    aside = tmp_path / "old.db.v1.bak"
    assert aside.exists()
    assert sqlite3.connect(aside).execute("PRAGMA user_version").fetchone()[0] == 1


def test_has_spans_says_whether_an_analyst_tagged_anything(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        document = store.add_document("one", "One", "Alice met Bob.").document
        assert not store.has_spans("alice")
        store.add_span(document, 0, 5, "PERSON", "alice")
        assert store.has_spans("alice") and not store.has_spans("bob")
