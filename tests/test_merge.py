"""`annotator merge` and `annotator export --annotator gold` on real database files.

Merging brings another analyst's database in: documents matched by content hash, spans,
history and progress by uid, under their own analysts' names; doing it twice adds
nothing; the other file is only read.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from annotator.errors import InputError
from annotator.model import Label
from annotator.store import Store
from test_cli import run, run_process

SHARED = "The minister met Acme Corp in Bishkek on Monday. She said 40 jobs would go."
#         0         1         2         3         4         5         6         7
#         0123456789012345678901234567890123456789012345678901234567890123456789012345
ALICE_ONLY = "Only alice has this article about Paris."
BOB_ONLY = "Only bob has this one, about 3 ships in Riga."

TABLES = ("documents", "spans", "actions", "progress", "decisions", "labels", "annotators")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    finally:
        conn.close()


def actions_of(path: Path) -> dict[str, dict[str, object]]:
    """uid -> the action with its document's text hash instead of a local id, and target's uid."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT a.uid, a.annotator, d.sha256, a.op, a.span_uid, a.before, a.after, t.uid"
            " FROM actions a JOIN documents d ON d.id = a.document_id LEFT JOIN actions t ON t.id = a.target"
        ).fetchall()
    finally:
        conn.close()
    return {
        uid: {"annotator": who, "document": doc, "op": op, "span": span, "before": before, "after": after, "target": target}
        for uid, who, doc, op, span, before, after, target in rows
    }


def spans_of(path: Path) -> dict[str, tuple[str, str, int, int, str, str, str]]:
    """uid -> (annotator, document hash, start, end, label, text, attrs)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            'SELECT s.uid, s.annotator, d.sha256, s.start, s."end", s.label, s.text, s.attrs FROM spans s'
            " JOIN documents d ON d.id = s.document_id"
        ).fetchall()
    finally:
        conn.close()
    return {row[0]: tuple(row[1:]) for row in rows}  # type: ignore[misc]


def build(tmp_path: Path) -> tuple[Path, Path]:
    """team.db (alice) and bob.db, made on two machines with a shared article under other keys."""
    team, bob = tmp_path / "team.db", tmp_path / "laptop" / "bob.db"
    with Store.open(team) as store:
        shared = store.add_document("shared", "Minister", SHARED).document
        store.add_document("other", "Paris", ALICE_ONLY)
        store.add_span(shared, 4, 12, "PERSON", "alice")
        store.add_span(shared, 17, 26, "ORG", "alice")
    with Store.open(bob) as store:
        # Labels of his own: EVENT, and WEAPON on "p", the key PERSON has in team.db.
        labels = [replace(l, key="y") if l.name == "PERSON" else l for l in store.labels()]
        store.set_labels([*labels, Label("EVENT", "entity", "g", "#ffffff"), Label("WEAPON", "entity", "p", "#eeeeee")])
        # The same article, imported under another key and title.
        shared = store.add_document("bob-key", "Minister (bob)", SHARED).document
        # Another article whose key ("other") is taken in team.db by different text.
        own = store.add_document("other", "Riga", BOB_ONLY).document
        store.add_span(shared, 17, 26, "ORG", "bob")  # same as alice's, another analyst
        store.add_span(shared, 30, 37, "PLACE", "bob")
        quantity = store.add_span(shared, 58, 65, "QUANTITY", "bob")
        store.update_span(shared, quantity.uid, "bob", end=62)  # "40 jobs" -> "40 j"... then undone
        store.undo(shared, "bob")
        wrong = store.add_span(shared, 41, 47, "WEAPON", "bob")
        store.delete_span(shared, wrong.uid, "bob")
        store.add_span(own, 29, 36, "QUANTITY", "bob")
        store.add_span(own, 40, 44, "PLACE", "bob")
        store.set_progress("bob", shared.id, "done")
        store.reject(shared.id, [quantity.uid], "rita")
    return team, bob


def test_merge_brings_documents_spans_history_and_progress(tmp_path: Path) -> None:
    team, bob = build(tmp_path)
    bob_hash = sha(bob)
    bob_spans = spans_of(bob)
    bob_actions = actions_of(bob)
    team_spans_before = spans_of(team)

    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "1 document added" in result.stdout and "spans: 5 added, 0 changed, 0 deleted, 0 conflicts" in result.stdout
    assert f"{len(bob_actions)} history entries" in result.stdout

    # The other analyst's file is only read: the same bytes afterwards.
    assert sha(bob) == bob_hash

    with Store.open(team, create=False) as store:
        documents = store.list_documents()
        # The shared article (same text, other key) is not duplicated; bob's own is added
        # under a free key since "other" is taken by another text.
        assert [(d.key, d.title) for d in documents] == [("shared", "Minister"), ("other", "Paris"), ("other-2", "Riga")]
        shared_id = documents[0].id
        by_annotator = store.spans_by_annotator(shared_id)
        assert sorted((s.start, s.end, s.label) for s in by_annotator["alice"]) == [(4, 12, "PERSON"), (17, 26, "ORG")]
        assert sorted((s.start, s.end, s.label, s.text) for s in by_annotator["bob"]) == [
            (17, 26, "ORG", "Acme Corp"),
            (30, 37, "PLACE", "Bishkek"),
            (58, 65, "QUANTITY", "40 jobs"),
        ]
        assert [(s.label, s.text) for s in store.spans(documents[2].id, "bob")] == [("QUANTITY", "3 ships"), ("PLACE", "Riga")]
        assert store.progress()[shared_id] == {"alice": "in_progress", "bob": "done"}
        assert len(store.rejected(shared_id)) == 1
        assert set(store.annotators()) >= {"alice", "bob"}
        labels = store.label_map()
        assert labels["EVENT"].key == "g"
        assert labels["WEAPON"].key == "" and labels["PERSON"].key == "p"  # no key clash after merging

    # Every span keeps its uid, analyst, text and attrs; alice's are untouched.
    merged_spans = spans_of(team)
    assert {uid: merged_spans[uid] for uid in bob_spans} == bob_spans
    assert {uid: merged_spans[uid] for uid in team_spans_before} == team_spans_before
    assert len(merged_spans) == len(bob_spans) + len(team_spans_before)

    # The whole history comes over with its analysts' names, on the right documents,
    # and an undo still points at the action it undid.
    merged_actions = actions_of(team)
    assert {uid: merged_actions[uid] for uid in bob_actions} == bob_actions
    ops = sorted(a["op"] for a in bob_actions.values() if a["annotator"] == "bob")
    assert ops == ["add", "add", "add", "add", "add", "add", "delete", "undo", "update"]
    # The reviewer's rejection is in the gold set's history, so it can be undone there.
    assert sorted((a["annotator"], a["op"]) for a in bob_actions.values() if a["annotator"] != "bob") == [("gold", "reject")]
    undo = next(a for a in merged_actions.values() if a["op"] == "undo")
    assert undo["target"] is not None and merged_actions[undo["target"]]["op"] == "update"


def test_merge_leaves_nothing_behind_next_to_the_other_file(tmp_path: Path) -> None:
    team, bob = build(tmp_path)
    before = sorted(p.name for p in bob.parent.iterdir())
    assert before == ["bob.db"]
    assert run(tmp_path, "merge", str(bob), "--db", str(team)).returncode == 0
    assert sorted(p.name for p in bob.parent.iterdir()) == before


def test_merging_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    team, bob = build(tmp_path)
    first = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert first.returncode == 0, first.stderr
    counts = row_counts(team)
    spans = spans_of(team)
    actions = actions_of(team)

    second = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert second.returncode == 0, second.stderr
    assert "0 documents added; spans: 0 added, 0 changed, 0 deleted, 0 conflicts; 0 history entries, 0 progress marks updated" in second.stdout
    assert row_counts(team) == counts
    assert spans_of(team) == spans
    assert actions_of(team) == actions


def test_merge_both_ways_converges(tmp_path: Path) -> None:
    team, bob = build(tmp_path)
    assert run(tmp_path, "merge", str(bob), "--db", str(team)).returncode == 0
    assert run(tmp_path, "merge", str(team), "--db", str(bob)).returncode == 0
    assert spans_of(team) == spans_of(bob)
    assert set(actions_of(team)) == set(actions_of(bob))
    with Store.open(team, create=False) as a, Store.open(bob, create=False) as b:
        assert sorted(d.sha256 for d in map(a.document, [d.id for d in a.list_documents()])) == sorted(
            d.sha256 for d in map(b.document, [d.id for d in b.list_documents()])
        )


def test_merge_keeps_progress_merged_by_latest_change(tmp_path: Path) -> None:
    team, bob = build(tmp_path)
    assert run(tmp_path, "merge", str(bob), "--db", str(team)).returncode == 0
    with Store.open(team) as store:
        shared = store.list_documents()[0].id
        store.set_progress("bob", shared, "in_progress")  # changed later here than in bob.db
    second = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert "0 progress marks updated" in second.stdout
    with Store.open(team, create=False) as store:
        assert store.progress()[shared]["bob"] == "in_progress"


@pytest.mark.parametrize("content", [b"just some notes\n", b"", bytes(range(256)) * 8])
def test_merging_a_file_that_is_not_a_database_is_one_line_error(tmp_path: Path, content: bytes) -> None:
    team, _ = build(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_bytes(content)
    counts = row_counts(team)
    result = run(tmp_path, "merge", str(notes), "--db", str(team))
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("annotator: "), result.stderr
    assert "not an annotator database" in lines[0]
    assert "Traceback" not in result.stderr
    assert notes.read_bytes() == content
    assert row_counts(team) == counts


def test_merge_errors_in_a_real_process(tmp_path: Path) -> None:
    team, _ = build(tmp_path)
    other_sqlite = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other_sqlite)
    conn.execute("CREATE TABLE things (a)")
    conn.commit()
    conn.close()
    for target, expected in [
        (tmp_path / "notes.txt", "not an annotator database"),
        (other_sqlite, "not an annotator database"),
        (tmp_path / "missing.db", "no such database"),
        (team, "is the database being merged into"),
    ]:
        if target.name == "notes.txt":
            target.write_text("hello\n")
        result = run_process(tmp_path, "merge", str(target), "--db", str(team))
        assert result.returncode != 0, target
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.stderr


def test_store_merge_refuses_a_folder(tmp_path: Path) -> None:
    team, _ = build(tmp_path)
    with Store.open(team) as store, pytest.raises(InputError):
        store.merge(tmp_path)


# -- export of the gold set ------------------------------------------------------------


def test_export_annotator_gold_writes_only_gold_spans(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        shared = store.add_document("shared", "Minister", SHARED).document
        store.add_document("other", "Paris", ALICE_ONLY)
        store.add_span(shared, 4, 12, "PERSON", "alice")
        store.add_span(shared, 17, 26, "ORG", "bob")
        store.add_span(shared, 17, 26, "ORG", "gold", attrs={"adjudicated_by": "rita", "sources": ["alice", "bob"]})
        store.add_span(shared, 4, 12, "PERSON", "gold", attrs={"adjudicated_by": "rita", "sources": ["alice"]})
    out = tmp_path / "gold.jsonl"
    result = run(tmp_path, "export", "--db", str(db), "--annotator", "gold", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["shared", "other"]
    spans = lines[0]["spans"]
    assert [(s["start"], s["end"], s["label"], s["annotator"]) for s in spans] == [(4, 12, "PERSON", "gold"), (17, 26, "ORG", "gold")]
    assert spans[1]["attrs"] == {"adjudicated_by": "rita", "sources": ["alice", "bob"]}
    assert lines[1]["spans"] == []

    only = run_process(tmp_path, "export", "--db", str(db), "--annotator", "gold", "--only-annotated", "--out", "-")
    assert only.returncode == 0, only.stderr
    rows = [json.loads(line) for line in only.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["shared"]
    assert {s["annotator"] for s in rows[0]["spans"]} == {"gold"}
