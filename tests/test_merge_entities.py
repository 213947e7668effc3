"""Merging databases carries the entity registry, its log and the links on mentions.

Two analysts start from one shared file, work apart, and merge each other's files:
both end with the same registry (the later change to an entity wins its fields, aliases
are pooled, an entity merged on either side stays merged), the same entity log and the
same links; merging again changes nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
from pathlib import Path

from annotator.model import Document
from annotator.store import Store

TEXT = "The GKNB said on Friday that State Committee officers seized 40 rifles in Bishkek."


def registry(path: Path) -> dict[str, object]:
    """Everything about entities a user can see, by uid (local ids aside)."""
    conn = sqlite3.connect(path)
    try:
        entities = {
            row[0]: row[1:]
            for row in conn.execute("SELECT uid, name, label, external_id, note, merged_into, created_by FROM entities")
        }
        aliases = sorted(conn.execute("SELECT entity_uid, alias FROM entity_aliases").fetchall())
        log = sorted(conn.execute("SELECT uid, annotator, op, entity_uid, before, after, batch FROM entity_actions").fetchall())
        links = sorted(conn.execute("SELECT uid, attrs FROM spans").fetchall())
    finally:
        conn.close()
    return {"entities": entities, "aliases": aliases, "log": log, "links": links}


def find(document: Document, words: str) -> tuple[int, int]:
    start = document.text.index(words)
    return start, start + len(words)


def test_two_files_converge_and_merging_twice_changes_nothing(tmp_path: Path) -> None:
    base = tmp_path / "base.db"
    with Store.open(base) as store:
        document = store.add_document("kg", "Coup", TEXT).document
        gknb_span = store.add_span(document, *find(document, "GKNB"), "ORG", "alice")
        committee_span = store.add_span(document, *find(document, "State Committee"), "ORG", "bob")
        shared = store.create_entity("GKNB", "ORG", "alice")
        duplicate = store.create_entity("State Committee", "ORG", "bob")
        store.link_mention(gknb_span.uid, shared.uid, "alice")
        store.link_mention(committee_span.uid, duplicate.uid, "bob")
    alice_db, bob_db = tmp_path / "alice.db", tmp_path / "bob.db"
    shutil.copyfile(base, alice_db)
    shutil.copyfile(base, bob_db)

    with Store.open(alice_db) as store:
        document = store.document(1)
        store.rename_entity(shared.uid, "State Committee for National Security", "alice")
        place = store.add_span(document, *find(document, "Bishkek"), "PLACE", "alice")
        bishkek = store.create_entity("Bishkek", "PLACE", "alice")
        store.link_mention(place.uid, bishkek.uid, "alice")
    time.sleep(0.01)
    with Store.open(bob_db) as store:
        # Bob's later change to the shared entity wins its fields; the duplicate he merges.
        store.set_entity_details(shared.uid, "bob", external_id="Q4380617")
        store.add_alias(shared.uid, "SCNS", "bob")
        store.merge_entities(duplicate.uid, shared.uid, "bob")
    time.sleep(0.01)
    with Store.open(alice_db) as store:
        store.rename_entity(duplicate.uid, "Committee (duplicate)", "alice")  # later than bob's merge

    with Store.open(alice_db) as store:
        report = store.merge(bob_db)
        assert report.entity_actions == 4 and report.entities_changed >= 2  # bob's details, alias, merge, merged
    with Store.open(bob_db) as store:
        report = store.merge(alice_db)
        assert report.entities_added == 1  # Bishkek

    mine, theirs = registry(alice_db), registry(bob_db)
    assert mine == theirs
    entities = mine["entities"]
    assert isinstance(entities, dict)
    # Bob's change to the shared entity came later: his fields win over alice's rename (her
    # old name stays an alias); his merge of the duplicate stays although alice's rename of
    # it, which did not know of the merge, came later and wins its name.
    assert entities[shared.uid][:3] == ("GKNB", "ORG", "Q4380617")
    assert entities[duplicate.uid][0] == "Committee (duplicate)"
    assert entities[duplicate.uid][4] == shared.uid
    assert {alias for uid, alias in mine["aliases"] if uid == shared.uid} >= {"SCNS", "State Committee", "GKNB"}  # type: ignore[union-attr]
    with Store.open(alice_db) as store:
        assert [m.text for m in store.mentions_of(shared.uid)] == ["GKNB", "State Committee"]
        assert store.resolve(duplicate.uid).uid == shared.uid  # type: ignore[union-attr]
        assert [e.name for e in store.entities()] == ["Bishkek", "GKNB"]

    hashes = {path: hashlib.sha256(repr(registry(path)).encode()).hexdigest() for path in (alice_db, bob_db)}
    with Store.open(alice_db) as store:
        again = store.merge(bob_db)
    with Store.open(bob_db) as store:
        store.merge(alice_db)
    assert (again.entities_added, again.entities_changed, again.entity_actions, again.actions) == (0, 0, 0, 0)
    assert {path: hashlib.sha256(repr(registry(path)).encode()).hexdigest() for path in (alice_db, bob_db)} == hashes


def test_a_merge_brought_in_from_another_file_is_undone_by_its_analyst(tmp_path: Path) -> None:
    team, bob_db = tmp_path / "team.db", tmp_path / "bob.db"
    with Store.open(team) as store:
        document = store.add_document("kg", "Coup", TEXT).document
        mention = store.add_span(document, *find(document, "State Committee"), "ORG", "alice")
        committee = store.create_entity("State Committee", "ORG", "alice")
        gknb = store.create_entity("GKNB", "ORG", "alice")
        store.link_mention(mention.uid, committee.uid, "alice")
    shutil.copyfile(team, bob_db)
    with Store.open(bob_db) as store:
        store.merge_entities(committee.uid, gknb.uid, "bob")
    with Store.open(team) as store:
        store.merge(bob_db)
        document = store.document(1)
        assert store.span(mention.uid).attrs == {"entity": gknb.uid}  # type: ignore[union-attr]
        assert store.entity(committee.uid).merged_into == gknb.uid  # type: ignore[union-attr]
        store.undo(document, "bob")
        assert store.span(mention.uid).attrs == {"entity": committee.uid}  # type: ignore[union-attr]
        assert store.entity(committee.uid).merged_into is None  # type: ignore[union-attr]


def test_a_version_3_file_merges_into_a_version_4_one(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent / "data" / "schema_v3.db", old)
    old_bytes = old.read_bytes()
    with Store.open(tmp_path / "team.db") as store:
        store.create_entity("GKNB", "ORG", "carol")
        report = store.merge(old)
        assert report.documents == 5 and report.entities_added == 0
        assert [e.name for e in store.entities()] == ["GKNB"]
    assert old.read_bytes() == old_bytes  # the other file is only read


def test_the_report_counts_each_entity_once(tmp_path: Path) -> None:
    """A new entity with aliases is one added entity; new aliases of a known one, one change."""
    base = tmp_path / "base.db"
    with Store.open(base) as store:
        store.add_document("kg", "Coup", TEXT)
        known = store.create_entity("GKNB", "ORG", "alice")
    other = tmp_path / "other.db"
    shutil.copyfile(base, other)
    with Store.open(other) as store:
        store.create_entity("State Committee for National Security", "ORG", "bob", aliases=("SCNS", "GKNB"))
        store.add_alias(known.uid, "Kyrgyz security service", "bob")
        store.add_alias(known.uid, "UKMK", "bob")
    with Store.open(base) as store:
        report = store.merge(other)
    assert (report.entities_added, report.entities_changed) == (1, 1)
