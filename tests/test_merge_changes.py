"""Merging again brings over edits and deletions, and settles conflicts by the later change.

Two real database files are edited on both sides between merges, as a team database and
an analyst's laptop copy are.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from test_cli import run
from test_merge import actions_of, row_counts, spans_of

from annotator.store import Store

TEXT = "The minister met Acme Corp in Bishkek on Monday. She said 40 jobs would go."
#       0         1         2         3         4         5         6         7
#       0123456789012345678901234567890123456789012345678901234567890123456789012345


def setup(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """team.db with bob's four spans, merged once into bob's laptop file: they agree."""
    team, bob = tmp_path / "team.db", tmp_path / "laptop" / "bob.db"
    uids: dict[str, str] = {}
    with Store.open(bob) as store:
        document = store.add_document("shared", "Minister", TEXT).document
        uids["minister"] = store.add_span(document, 4, 12, "PERSON", "bob").uid
        uids["acme"] = store.add_span(document, 17, 26, "ORG", "bob").uid
        uids["bishkek"] = store.add_span(document, 30, 37, "PLACE", "bob").uid
        uids["jobs"] = store.add_span(document, 58, 65, "QUANTITY", "bob").uid
    with Store.open(team) as store:
        store.add_document("shared", "Minister", TEXT)
    assert run(tmp_path, "merge", str(bob), "--db", str(team)).returncode == 0
    assert spans_of(team) == spans_of(bob)
    return team, bob, uids


def edit(path: Path, action) -> None:  # type: ignore[no-untyped-def]
    with Store.open(path, create=False) as store:
        document = store.document(store.list_documents()[0].id)
        action(store, document)


def test_a_second_merge_brings_retags_resizes_notes_and_deletions(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)

    def bobs_work(store: Store, document) -> None:  # type: ignore[no-untyped-def]
        store.update_span(document, uids["minister"], "bob", label="OTHER")  # retag
        store.update_span(document, uids["acme"], "bob", end=21)  # resize to "Acme"
        store.update_span(document, uids["bishkek"], "bob", note="capital")  # note
        store.delete_span(document, uids["jobs"], "bob")  # delete

    edit(bob, bobs_work)
    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert result.returncode == 0, result.stderr
    assert "spans: 0 added, 3 changed, 1 deleted, 0 conflicts; 4 history entries" in result.stdout

    with Store.open(team, create=False) as store:
        spans = {s.uid: s for s in store.spans(store.list_documents()[0].id)}
    assert spans[uids["minister"]].label == "OTHER"
    assert (spans[uids["acme"]].end, spans[uids["acme"]].text) == (21, "Acme")
    assert spans[uids["bishkek"]].note == "capital"
    assert uids["jobs"] not in spans
    assert spans_of(team) == spans_of(bob)

    # The same file again changes nothing at all.
    counts, spans_before, actions_before = row_counts(team), spans_of(team), actions_of(team)
    again = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert "spans: 0 added, 0 changed, 0 deleted, 0 conflicts; 0 history entries" in again.stdout
    assert (row_counts(team), spans_of(team), actions_of(team)) == (counts, spans_before, actions_before)


def test_an_undo_on_the_other_side_is_brought_over(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)
    edit(bob, lambda store, document: store.undo(document, "bob"))  # undoes the QUANTITY tag
    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert "1 deleted" in result.stdout
    assert uids["jobs"] not in spans_of(team)
    assert spans_of(team) == spans_of(bob)


def test_our_own_later_edits_are_kept_when_the_other_file_did_not_touch_the_span(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)
    edit(team, lambda store, document: store.update_span(document, uids["acme"], "bob", label="OTHER"))
    edit(bob, lambda store, document: store.update_span(document, uids["minister"], "bob", label="OTHER"))
    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert "spans: 0 added, 1 changed, 0 deleted, 0 conflicts" in result.stdout
    team_spans = spans_of(team)
    assert team_spans[uids["acme"]][4] == "OTHER"  # ours, untouched over there
    assert team_spans[uids["minister"]][4] == "OTHER"  # theirs


def test_both_changed_the_same_span_the_later_wins_and_undo_brings_back_the_other(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)
    edit(team, lambda store, document: store.update_span(document, uids["acme"], "bob", label="OTHER"))
    time.sleep(0.01)  # timestamps are in milliseconds: make "later" unambiguous
    edit(bob, lambda store, document: store.update_span(document, uids["acme"], "bob", end=21))

    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert result.returncode == 0, result.stderr
    assert "1 conflict;" in result.stdout
    conflict = [line for line in result.stdout.splitlines() if line.strip().startswith("conflict")]
    assert len(conflict) == 1
    assert "kept the other file's later change" in conflict[0] and "'Acme Corp'" in conflict[0]

    with Store.open(team, create=False) as store:
        document = store.document(store.list_documents()[0].id)
        acme = store.span(uids["acme"])
        assert acme is not None and (acme.label, acme.text) == ("ORG", "Acme")  # bob's later resize
        # The losing change is one undo away for the span's analyst.
        store.undo(document, "bob")
        acme = store.span(uids["acme"])
        assert acme is not None and (acme.label, acme.text) == ("OTHER", "Acme Corp")


def test_a_later_change_here_beats_an_earlier_one_there(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)
    edit(bob, lambda store, document: store.delete_span(document, uids["bishkek"], "bob"))
    time.sleep(0.01)
    edit(team, lambda store, document: store.update_span(document, uids["bishkek"], "bob", note="keep"))
    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert "0 deleted, 1 conflict;" in result.stdout
    assert "kept this database's later change" in result.stdout
    with Store.open(team, create=False) as store:
        kept = store.span(uids["bishkek"])
        assert kept is not None and kept.note == "keep"
        store.undo(store.document(store.list_documents()[0].id), "bob")
        assert store.span(uids["bishkek"]) is None  # bob's deletion, one undo away


def test_merging_both_ways_after_conflicts_converges_and_settles(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)
    edit(team, lambda store, document: store.update_span(document, uids["acme"], "bob", label="OTHER"))
    edit(team, lambda store, document: store.delete_span(document, uids["jobs"], "bob"))
    time.sleep(0.01)
    edit(bob, lambda store, document: store.update_span(document, uids["acme"], "bob", end=21))
    edit(bob, lambda store, document: store.add_span(document, 41, 47, "OTHER", "bob"))
    assert run(tmp_path, "merge", str(bob), "--db", str(team)).returncode == 0
    back = run(tmp_path, "merge", str(team), "--db", str(bob))
    assert "0 conflicts" in back.stdout
    assert spans_of(team) == spans_of(bob)
    assert set(actions_of(team)) == set(actions_of(bob))
    for path, other in ((team, bob), (bob, team)):
        again = run(tmp_path, "merge", str(other), "--db", str(path))
        assert "spans: 0 added, 0 changed, 0 deleted, 0 conflicts; 0 history entries" in again.stdout


def test_a_rejection_withdrawn_on_the_other_side_is_withdrawn_here(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)
    edit(bob, lambda store, document: store.reject(document.id, [uids["jobs"]], "rita"))
    run(tmp_path, "merge", str(bob), "--db", str(team))
    assert rejected(team) == {uids["jobs"]}
    edit(bob, lambda store, document: store.undo(document, "gold"))
    run(tmp_path, "merge", str(bob), "--db", str(team))
    assert rejected(team) == set() == rejected(bob)


def rejected(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT span_uid FROM decisions")}
    finally:
        conn.close()


def test_a_label_or_analyst_name_no_import_would_take_is_not_merged(tmp_path: Path) -> None:
    team, bob, uids = setup(tmp_path)
    conn = sqlite3.connect(bob)
    conn.execute("UPDATE spans SET label = 'OR\tG' WHERE uid = ?", (uids["acme"],))
    conn.commit()
    conn.close()
    before = (row_counts(team), spans_of(team))
    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert result.returncode != 0
    assert "tab" in result.stderr and "nothing merged" in result.stderr
    assert "\t" not in result.stderr
    assert (row_counts(team), spans_of(team)) == before
    conn = sqlite3.connect(bob)
    conn.execute("UPDATE spans SET label = 'ORG', annotator = 'b\x1b]0;x\x07ob' WHERE uid = ?", (uids["acme"],))
    conn.commit()
    conn.close()
    result = run(tmp_path, "merge", str(bob), "--db", str(team))
    assert result.returncode != 0 and "nothing merged" in result.stderr
    assert "\x1b" not in result.stderr + result.stdout
    assert (row_counts(team), spans_of(team)) == before
