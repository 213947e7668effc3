"""Opening a database written by the previous release (schema version 3) upgrades it to 4.

tests/data/schema_v3.db was written by the code of commit 79f740a (tests/data/make_v3_db.py):
the five sample articles, spans by alice and bob, an undo and a redo, progress marks.
Analysts rely on the upgrade keeping every row, on their history still undoing, on the
copy set aside before it staying a version-3 file, and on a newer file being refused.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.errors import SchemaError
from annotator.store import SCHEMA_VERSION, Store

V3 = Path(__file__).parent / "data" / "schema_v3.db"
OLD_TABLES = ("documents", "labels", "annotators", "spans", "actions", "progress", "decisions", "document_versions")


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in OLD_TABLES}
    finally:
        conn.close()


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    shutil.copyfile(V3, path)
    return path


def test_the_fixture_is_a_real_version_3_file() -> None:
    conn = sqlite3.connect(V3)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    assert "entities" not in tables and "spans_fts" in tables


def test_opening_a_version_3_file_upgrades_it_and_keeps_every_row(old_file: Path) -> None:
    before = dump(old_file)
    assert len(before["documents"]) == 5 and {row[6] for row in before["spans"]} == {"alice", "bob"}
    with Store.open(old_file) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.entities() == []
    assert dump(old_file) == before
    # Search still finds the old rows (the upgrade did not disturb the full-text index).
    with Store.open(old_file) as store:
        assert any(hit for hit in store.search("GKNB"))


def test_the_new_features_work_on_an_upgraded_file(old_file: Path) -> None:
    with Store.open(old_file) as store:
        first = store.document(store.list_documents()[0].id)
        alice = {span.text: span for span in store.spans(first.id, "alice")}
        bob = {span.text: span for span in store.spans(first.id, "bob")}
        committee = store.create_entity("State Committee for National Security", "ORG", "alice")
        store.link_mention(alice["State Committee for National Security"].uid, committee.uid, "alice")
        store.link_mention(alice["GKNB"].uid, committee.uid, "alice")
        gknb = store.create_entity("GKNB", "ORG", "bob")
        store.link_mention(bob["GKNB"].uid, gknb.uid, "bob")
        store.merge_entities(gknb.uid, committee.uid, "alice")
        claim = next(span for span in alice.values() if span.label == "CLAIM")
        store.set_span_attrs(claim.uid, {"source": {"span": alice["GKNB"].uid}, "form": "indirect"}, "alice")
        quantity = alice["July 5"]
        store.set_span_attrs(quantity.uid, {"quantity": {"value": 5, "unit": "July"}}, "alice")
    with Store.open(old_file) as store:
        assert {m.annotator for m in store.mentions_of(committee.uid)} == {"alice", "bob"}
        assert [r.text for r in store.quantity_rows()] == ["July 5"]
        # The history written by the old release still undoes, after the new actions are undone.
        store.undo(first, "alice")  # the quantity value
        store.undo(first, "alice")  # the claim's source
        store.undo(first, "alice")  # the merge, bob's mention included
        assert store.span(bob["GKNB"].uid).attrs == {"entity": gknb.uid}  # type: ignore[union-attr]
        store.undo(first, "alice")  # the link of GKNB
        store.undo(first, "alice")  # the link of the full name
        assert store.span(alice["GKNB"].uid).attrs == {}  # type: ignore[union-attr]
        store.undo(first, "alice")  # "July 5", tagged before the upgrade
        assert store.undo(first, "alice") is not None  # the claim, tagged before the upgrade
        assert {span.uid for span in store.spans(first.id, "alice")} == {
            alice["State Committee for National Security"].uid, alice["GKNB"].uid,
        }


def test_the_copy_set_aside_and_an_earlier_backup_stay_version_3(old_file: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup-of-team.db"
    shutil.copyfile(old_file, backup)
    backup_bytes = backup.read_bytes()
    before = dump(old_file)
    with Store.open(old_file) as store:
        store.create_entity("GKNB", "ORG", "alice")
    aside = tmp_path / "team.db.v3.bak"
    assert aside.exists()
    conn = sqlite3.connect(aside)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert "entities" not in {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert dump(aside) == before
    assert backup.read_bytes() == backup_bytes


def test_a_version_5_file_is_refused_and_untouched(old_file: Path) -> None:
    conn = sqlite3.connect(old_file)
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()
    content = old_file.read_bytes()
    with pytest.raises(SchemaError, match=r"schema version 5, this one reads up to 4\); upgrade annotator to open it$"):
        Store.open(old_file)
    assert old_file.read_bytes() == content
    assert not (old_file.parent / "team.db.v5.bak").exists()
