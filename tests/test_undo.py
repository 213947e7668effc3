"""Undo and redo in the store: per analyst and document, logged, and surviving a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.errors import ConflictError
from annotator.store import Store

TEXT = "Kyrgyzstan's GKNB said Sadyr Japarov met Vladimir Putin in Kazan on July 5."


def reopen(path: Path) -> Store:
    return Store.open(path, create=False)


def doc_of(store: Store):
    return store.document(store.list_documents()[0].id)


def state(store: Store) -> list[tuple]:
    doc = doc_of(store)
    return [(s.uid, s.start, s.end, s.label, s.annotator, s.note) for s in store.spans(doc.id)]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = tmp_path / "undo.db"
    with Store.open(db) as store:
        store.add_document("k", "Title", TEXT)
    return db


def at(target: str) -> tuple[int, int]:
    start = TEXT.index(target)
    return start, start + len(target)


def test_undo_and_redo_an_add_across_restarts(path: Path) -> None:
    with reopen(path) as store:
        doc = doc_of(store)
        span = store.add_span(doc, *at("Sadyr Japarov"), "PERSON", "alice", note="president")
        assert store.can_undo(doc.id, "alice") and not store.can_redo(doc.id, "alice")

    with reopen(path) as store:  # restart: the undo stack is rebuilt from the file
        doc = doc_of(store)
        assert store.can_undo(doc.id, "alice")
        result = store.undo(doc, "alice")
        assert result is not None
        assert result.span is None and result.removed_uid == span.uid
        assert "PERSON" in result.description
        assert store.spans(doc.id) == []

    with reopen(path) as store:
        doc = doc_of(store)
        assert store.spans(doc.id) == []
        assert not store.can_undo(doc.id, "alice") and store.can_redo(doc.id, "alice")
        result = store.redo(doc, "alice")
        assert result is not None and result.span is not None
        assert result.span.uid == span.uid  # the same span comes back, not a copy

    with reopen(path) as store:
        (back,) = store.spans(doc_of(store).id)
        assert (back.uid, back.start, back.end, back.label, back.note, back.text) == (
            span.uid, span.start, span.end, "PERSON", "president", "Sadyr Japarov",
        )
        assert back.created_at == span.created_at


def test_undo_an_update_and_a_delete(path: Path) -> None:
    with reopen(path) as store:
        doc = doc_of(store)
        span = store.add_span(doc, *at("Kazan"), "PERSON", "alice")
        store.update_span(doc, span.uid, "alice", label="PLACE", note="city")
        store.update_span(doc, span.uid, "alice", start=TEXT.index("in Kazan"))
        store.delete_span(doc, span.uid, "alice")
        assert store.spans(doc.id) == []

    with reopen(path) as store:
        doc = doc_of(store)
        store.undo(doc, "alice")  # undo the delete
        (restored,) = store.spans(doc.id)
        assert (restored.uid, restored.text, restored.label, restored.note) == (span.uid, "in Kazan", "PLACE", "city")

    with reopen(path) as store:
        doc = doc_of(store)
        store.undo(doc, "alice")  # undo the resize
        (s,) = store.spans(doc.id)
        assert (s.text, s.label) == ("Kazan", "PLACE")
        store.undo(doc, "alice")  # undo the relabel
        (s,) = store.spans(doc.id)
        assert (s.text, s.label, s.note) == ("Kazan", "PERSON", "")

    with reopen(path) as store:
        doc = doc_of(store)
        store.undo(doc, "alice")  # undo the add
        assert store.spans(doc.id) == []
        assert store.undo(doc, "alice") is None  # nothing left: no action, no log row
        for _ in range(4):
            assert store.redo(doc, "alice") is not None
        assert store.redo(doc, "alice") is None
        assert store.spans(doc.id) == []  # redone all the way to the delete

    with reopen(path) as store:
        doc = doc_of(store)
        assert store.can_undo(doc.id, "alice") and not store.can_redo(doc.id, "alice")


def test_a_new_action_after_undo_clears_redo_even_after_restart(path: Path) -> None:
    with reopen(path) as store:
        doc = doc_of(store)
        store.add_span(doc, *at("GKNB"), "ORG", "alice")
        store.add_span(doc, *at("Kazan"), "PLACE", "alice")
        store.undo(doc, "alice")
    with reopen(path) as store:
        doc = doc_of(store)
        store.add_span(doc, *at("July 5"), "QUANTITY", "alice")
    with reopen(path) as store:
        doc = doc_of(store)
        assert not store.can_redo(doc.id, "alice")
        assert store.redo(doc, "alice") is None
        assert sorted(s.text for s in store.spans(doc.id)) == ["GKNB", "July 5"]
        store.undo(doc, "alice")
        store.undo(doc, "alice")
        assert store.spans(doc.id) == []


def test_undo_is_per_analyst(path: Path) -> None:
    with reopen(path) as store:
        doc = doc_of(store)
        alice = store.add_span(doc, *at("GKNB"), "ORG", "alice")
        store.add_span(doc, *at("Kazan"), "PLACE", "bob")
        store.undo(doc, "alice")  # alice's last action, though bob acted after her
        assert [(s.text, s.annotator) for s in store.spans(doc.id)] == [("Kazan", "bob")]
        assert store.span(alice.uid) is None
        assert not store.can_undo(doc.id, "alice")
        assert store.can_undo(doc.id, "bob")
        assert not store.can_redo(doc.id, "bob")


def test_undo_is_per_document(tmp_path: Path) -> None:
    with Store.open(tmp_path / "two.db") as store:
        first = store.add_document("a", "A", "Alpha text here.").document
        second = store.add_document("b", "B", "Beta text here.").document
        store.add_span(first, 0, 5, "OTHER", "alice")
        store.add_span(second, 0, 4, "OTHER", "alice")
        store.undo(first, "alice")
        assert store.spans(first.id) == []
        assert [s.text for s in store.spans(second.id)] == ["Beta"]


def test_imported_spans_are_not_undone(tmp_path: Path) -> None:
    from annotator.model import NewSpan

    with Store.open(tmp_path / "imp.db") as store:
        doc = store.add_document("k", "T", TEXT, spans=[NewSpan(0, 10, "PLACE", "alice")]).document
        assert not store.can_undo(doc.id, "alice")
        assert store.undo(doc, "alice") is None
        assert len(store.spans(doc.id)) == 1
        assert [h["op"] for h in store.history(doc.id)] == ["import"]


def test_history_appends_a_row_for_every_action(path: Path) -> None:
    with reopen(path) as store:
        doc = doc_of(store)
        span = store.add_span(doc, *at("Vladimir Putin"), "PERSON", "alice")
        store.update_span(doc, span.uid, "alice", note="Russian president")
        store.undo(doc, "alice")
        store.redo(doc, "alice")
    with reopen(path) as store:
        doc = doc_of(store)
        store.undo(doc, "alice")
        store.undo(doc, "alice")
        store.redo(doc, "alice")
        store.delete_span(doc, span.uid, "alice")
        history = store.history(doc.id)

    assert [h["op"] for h in history] == ["add", "update", "undo", "redo", "undo", "undo", "redo", "delete"]
    ids = [h["id"] for h in history]
    assert ids == sorted(ids)
    add, update, undo1, redo1, undo2, undo3, redo2, delete = history
    assert all(h["annotator"] == "alice" and h["span_uid"] == span.uid for h in history)
    # Each undo/redo names the action it reverses or repeats.
    assert undo1["target"] == update["id"] and redo1["target"] == update["id"]
    assert undo2["target"] == update["id"] and undo3["target"] == add["id"]
    assert redo2["target"] == add["id"]
    assert add["target"] is None and delete["target"] is None
    # before/after hold the span as JSON on each side of the change.
    assert add["before"] is None and json.loads(add["after"])["text"] == "Vladimir Putin"
    assert json.loads(update["before"])["note"] == "" and json.loads(update["after"])["note"] == "Russian president"
    assert json.loads(undo1["after"])["note"] == ""
    assert undo3["after"] is None  # undoing the add removed the span
    assert delete["after"] is None and json.loads(delete["before"])["uid"] == span.uid
    assert all(h["at"] for h in history)


def test_history_is_appended_never_rewritten(path: Path) -> None:
    with reopen(path) as store:
        doc = doc_of(store)
        store.add_span(doc, *at("GKNB"), "ORG", "alice")
        first = store.history(doc.id)
        store.undo(doc, "alice")
        store.redo(doc, "alice")
        later = store.history(doc.id)
    assert later[: len(first)] == first
    assert len(later) == len(first) + 2


def test_undo_after_another_analyst_deleted_the_span_really_restores_it(path: Path) -> None:
    with reopen(path) as store:
        doc = doc_of(store)
        span = store.add_span(doc, *at("Sadyr Japarov"), "PERSON", "alice")
        store.update_span(doc, span.uid, "alice", note="president")
    with reopen(path) as other:  # another analyst's process
        other.delete_span(doc_of(other), span.uid, "bob")
    with reopen(path) as store:
        doc = doc_of(store)
        result = store.undo(doc, "alice")  # alice undoes her note
        assert result is not None and result.span is not None
        stored = store.span(span.uid)
        assert stored is not None, "undo said it restored a span that is not in the database"
        assert (stored.text, stored.note) == ("Sadyr Japarov", "")
        last = store.history(doc.id)[-1]
        assert last["op"] == "undo" and last["before"] is None  # the log says what was really there
        assert json.loads(last["after"])["note"] == ""


def test_undo_that_would_duplicate_a_span_is_refused_and_changes_nothing(path: Path) -> None:
    from annotator.model import NewSpan

    with reopen(path) as store:
        doc = doc_of(store)
        start, end = at("Kazan")
        span = store.add_span(doc, start, end, "PLACE", "alice")
        store.delete_span(doc, span.uid, "alice")
        # The same tag arrives again by import (imports are not on the undo stack).
        store.add_document("k2", "Title", TEXT, spans=[NewSpan(start, end, "PLACE", "alice")])
        before = (state(store), store.history(doc.id))
        with pytest.raises(ConflictError, match="PLACE is already on that text"):
            store.undo(doc, "alice")  # would restore the deleted one beside its twin
        assert (state(store), store.history(doc.id)) == before
        assert store.can_undo(doc.id, "alice")
