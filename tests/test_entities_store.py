"""The entity registry, mention links, claim attribution and quantity values in a real database file.

What analysts rely on: an entity and its aliases survive a restart; linking a new spelling
teaches the registry that spelling; merging two entities repoints every mention in the
corpus and one undo by whoever merged takes it all back; a claim's source, cue, form and
stance are checked before they are stored and undo like any other change.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from annotator.errors import ConflictError, InputError
from annotator.model import Document, Span
from annotator.store import Store

FIRST = "The GKNB said on Friday that State Committee officers seized 40 rifles."
#        0         1         2         3         4         5         6         7
#        0123456789012345678901234567890123456789012345678901234567890123456789012
SECOND = "Officials of the State Committee for National Security denied it."
#         0         1         2         3         4         5         6
#         0123456789012345678901234567890123456789012345678901234567890123456


def find(document: Document, words: str) -> tuple[int, int]:
    start = document.text.index(words)
    return start, start + len(words)


def tag(store: Store, document: Document, words: str, label: str, annotator: str) -> Span:
    start, end = find(document, words)
    return store.add_span(document, start, end, label, annotator)


@pytest.fixture
def corpus(db_path: Path) -> tuple[Store, Document, Document]:
    store = Store.open(db_path)
    first = store.add_document("first", "First", FIRST).document
    second = store.add_document("second", "Second", SECOND).document
    yield store, first, second
    store.close()


def test_an_entity_and_its_aliases_survive_a_restart(db_path: Path) -> None:
    with Store.open(db_path) as store:
        gknb = store.create_entity("GKNB", "ORG", "alice", external_id="Q4380617", aliases=["State Committee"])
        store.add_alias(gknb.uid, "SCNS", "alice")
        store.rename_entity(gknb.uid, "State Committee for National Security", "bob")
        store.set_entity_details(gknb.uid, "bob", note="Kyrgyz security service")
    with Store.open(db_path) as store:
        entity = store.entity(gknb.uid)
        assert entity is not None
        assert entity.name == "State Committee for National Security"
        # The old name stays a spelling the registry knows.
        assert entity.aliases == ("GKNB", "SCNS", "State Committee")
        assert (entity.external_id, entity.note, entity.created_by) == ("Q4380617", "Kyrgyz security service", "alice")
        assert [e.uid for e in store.entities(label="ORG", query="scns")] == [gknb.uid]
        assert store.entities(label="PERSON") == []
        ops = [entry["op"] for entry in store.entity_history(gknb.uid)]
        assert ops == ["create", "alias", "rename", "details"]


def test_bad_entity_input_is_one_line_naming_the_field(store: Store) -> None:
    with pytest.raises(InputError, match=r"^label: CLAIM is a claim label, not an entity label$"):
        store.create_entity("GKNB", "CLAIM", "alice")
    with pytest.raises(InputError, match=r"^name: must be a non-empty text$"):
        store.create_entity("  ", "ORG", "alice")
    assert store.entities() == []


def test_linking_a_new_spelling_adds_an_alias_and_one_undo_takes_both_back(corpus: tuple[Store, Document, Document]) -> None:
    store, first, _ = corpus
    mention = tag(store, first, "GKNB", "ORG", "alice")
    entity = store.create_entity("State Committee for National Security", "ORG", "alice")
    linked = store.link_mention(mention.uid, entity.uid, "alice")
    assert linked.attrs == {"entity": entity.uid}
    assert store.entity(entity.uid).aliases == ("GKNB",)  # type: ignore[union-attr]
    assert [row.aliases for row in store.entity_rows_for_match()] == [("GKNB",)]

    store.undo(first, "alice")
    assert store.span(mention.uid).attrs == {}  # type: ignore[union-attr]
    assert store.entity(entity.uid).aliases == ()  # type: ignore[union-attr]
    store.redo(first, "alice")
    assert store.span(mention.uid).attrs == {"entity": entity.uid}  # type: ignore[union-attr]
    assert store.entity(entity.uid).aliases == ("GKNB",)  # type: ignore[union-attr]


def test_a_mention_links_only_to_an_entity_of_its_label(corpus: tuple[Store, Document, Document]) -> None:
    store, first, _ = corpus
    mention = tag(store, first, "GKNB", "ORG", "alice")
    person = store.create_entity("Sadyr Japarov", "PERSON", "alice")
    with pytest.raises(ConflictError, match="the mention is ORG"):
        store.link_mention(mention.uid, person.uid, "alice")
    assert store.span(mention.uid).attrs == {}  # type: ignore[union-attr]


def test_create_from_a_mention_in_one_batch_is_undone_whole(corpus: tuple[Store, Document, Document]) -> None:
    store, first, _ = corpus
    mention = tag(store, first, "GKNB", "ORG", "alice")
    with store.batch():
        entity = store.create_entity(mention.text, "ORG", "alice")
        store.link_mention(mention.uid, entity.uid, "alice")
    store.undo(first, "alice")
    assert store.entity(entity.uid) is None
    assert store.span(mention.uid) is not None and store.span(mention.uid).attrs == {}  # type: ignore[union-attr]
    store.redo(first, "alice")
    assert store.entity(entity.uid) is not None
    assert store.span(mention.uid).attrs == {"entity": entity.uid}  # type: ignore[union-attr]


def test_undoing_a_creation_others_have_linked_to_since_is_refused(corpus: tuple[Store, Document, Document]) -> None:
    store, first, second = corpus
    mention = tag(store, first, "GKNB", "ORG", "alice")
    with store.batch():
        entity = store.create_entity(mention.text, "ORG", "alice")
        store.link_mention(mention.uid, entity.uid, "alice")
    theirs = tag(store, second, "State Committee for National Security", "ORG", "bob")
    store.link_mention(theirs.uid, entity.uid, "bob")
    with pytest.raises(ConflictError, match="^cannot undo: 1 mention linked to that entity since; unlink them first$"):
        store.undo(first, "alice")
    assert store.span(mention.uid).attrs == {"entity": entity.uid}  # type: ignore[union-attr]
    assert store.entity(entity.uid) is not None


def test_merge_repoints_every_mention_and_one_undo_restores_all(corpus: tuple[Store, Document, Document]) -> None:
    store, first, second = corpus
    gknb = store.create_entity("GKNB", "ORG", "alice")
    committee = store.create_entity("State Committee for National Security", "ORG", "bob")
    alice_mention = tag(store, first, "GKNB", "ORG", "alice")
    bob_mention = tag(store, first, "State Committee", "ORG", "bob")
    far_mention = tag(store, second, "State Committee for National Security", "ORG", "bob")
    store.link_mention(alice_mention.uid, gknb.uid, "alice")
    store.link_mention(bob_mention.uid, committee.uid, "bob")
    store.link_mention(far_mention.uid, committee.uid, "bob")

    merged = store.merge_entities(committee.uid, gknb.uid, "carol")
    assert set(merged.aliases) >= {"State Committee for National Security", "State Committee"}
    mentions = store.mentions_of(gknb.uid)
    assert [(m.document_key, m.text, m.annotator) for m in mentions] == [
        ("first", "GKNB", "alice"),
        ("first", "State Committee", "bob"),
        ("second", "State Committee for National Security", "bob"),
    ]
    assert all(store.span(m.span_uid).attrs["entity"] == gknb.uid for m in mentions)  # type: ignore[union-attr]
    assert store.resolve(committee.uid).uid == gknb.uid  # type: ignore[union-attr]
    assert [e.uid for e in store.entities()] == [gknb.uid]
    assert {e.uid for e in store.entities(include_merged=True)} == {gknb.uid, committee.uid}
    # A link made afterwards to the merged uid lands on the live entity.
    late = tag(store, second, "Officials", "ORG", "alice")
    store.link_mention(late.uid, committee.uid, "alice")
    assert store.span(late.uid).attrs["entity"] == gknb.uid  # type: ignore[union-attr]
    store.undo(second, "alice")

    # Carol works on elsewhere, then one undo (from the second article) takes the merge back.
    extra = tag(store, first, "Friday", "OTHER", "carol")
    result = store.undo(second, "carol")
    assert result is not None
    assert store.span(bob_mention.uid).attrs == {"entity": committee.uid}  # type: ignore[union-attr]
    assert store.span(far_mention.uid).attrs == {"entity": committee.uid}  # type: ignore[union-attr]
    assert store.entity(committee.uid).merged_into is None  # type: ignore[union-attr]
    assert store.entity(gknb.uid).aliases == ()  # type: ignore[union-attr]
    # Carol's later tag in the first article is still hers to undo, and stays until she does.
    assert store.span(extra.uid) is not None
    assert store.undo(first, "carol").removed_uid == extra.uid  # type: ignore[union-attr]
    assert store.can_undo(first.id, "carol") is False
    # The owners' own histories are theirs: bob's undo takes back bob's own link.
    store.undo(second, "bob")
    assert store.span(far_mention.uid).attrs == {}  # type: ignore[union-attr]
    # Redo from the first article brings the whole merge back.
    store.redo(first, "carol")
    store.redo(first, "carol")
    assert store.entity(committee.uid).merged_into == gknb.uid  # type: ignore[union-attr]
    assert store.span(bob_mention.uid).attrs == {"entity": gknb.uid}  # type: ignore[union-attr]


def test_undoing_a_merge_keeps_a_later_retag_of_a_mention(corpus: tuple[Store, Document, Document]) -> None:
    store, first, _ = corpus
    a = store.create_entity("GKNB", "ORG", "alice")
    b = store.create_entity("State Committee", "ORG", "alice")
    mention = tag(store, first, "State Committee", "ORG", "bob")
    store.link_mention(mention.uid, b.uid, "bob")
    store.merge_entities(b.uid, a.uid, "alice")
    store.update_span(first, mention.uid, "bob", note="the full name is longer")
    store.undo(first, "alice")
    span = store.span(mention.uid)
    assert span is not None
    assert (span.attrs, span.note) == ({"entity": b.uid}, "the full name is longer")


def test_split_moves_the_chosen_mentions_to_a_new_entity(corpus: tuple[Store, Document, Document]) -> None:
    store, first, second = corpus
    entity = store.create_entity("State Committee", "ORG", "alice")
    kept = tag(store, first, "State Committee", "ORG", "alice")
    moved = tag(store, second, "State Committee for National Security", "ORG", "alice")
    store.link_mention(kept.uid, entity.uid, "alice")
    store.link_mention(moved.uid, entity.uid, "alice")
    created = store.split_entity(entity.uid, [moved.uid], "State Committee for National Security", "alice")
    assert created.label == "ORG"
    assert [m.span_uid for m in store.mentions_of(entity.uid)] == [kept.uid]
    assert [m.span_uid for m in store.mentions_of(created.uid)] == [moved.uid]
    with pytest.raises(ConflictError, match="is not a mention of"):
        store.split_entity(entity.uid, [moved.uid], "Again", "alice")
    store.undo(second, "alice")
    assert store.entity(created.uid) is None
    assert {m.span_uid for m in store.mentions_of(entity.uid)} == {kept.uid, moved.uid}


def test_claim_attribution_is_checked_stored_and_undone(corpus: tuple[Store, Document, Document]) -> None:
    store, first, second = corpus
    claim = tag(store, first, "State Committee officers seized 40 rifles", "CLAIM", "alice")
    source = tag(store, first, "GKNB", "ORG", "alice")
    elsewhere = tag(store, second, "Officials", "ORG", "alice")
    cue_start, cue_end = find(first, "said")
    store.set_span_attrs(
        claim.uid,
        {"source": {"span": source.uid}, "cue": {"start": cue_start, "end": cue_end}, "form": "indirect",
         "stance": "reported"},
        "alice",
    )
    stored = store.span(claim.uid)
    assert stored is not None
    assert stored.attrs == {
        "source": {"span": source.uid},
        "cue": {"start": cue_start, "end": cue_end, "text": "said"},
        "form": "indirect",
        "stance": "reported",
    }
    problems = [
        ({"form": "shouted"}, r"^attrs\.form: 'shouted' is not one of direct, indirect, paraphrase$"),
        ({"stance": "maybe"}, r"^attrs\.stance: 'maybe' is not one of asserted, reported, disputed, denied$"),
        ({"cue": {"start": 60, "end": 500}}, rf"^attrs\.cue: 60-500 is not a range inside the article \(0-{len(FIRST)}\)$"),
        ({"source": {"span": elsewhere.uid}}, r"^attrs\.source\.span: span '\w+' is in another article$"),
        ({"source": {"span": "nope"}}, r"^attrs\.source\.span: no span 'nope'$"),
        ({"disputes": source.uid}, r"^attrs\.disputes: span '\w+' is tagged ORG, not a claim$"),
    ]
    for changes, message in problems:
        with pytest.raises(InputError, match=message):
            store.set_span_attrs(claim.uid, changes, "alice")
    with pytest.raises(InputError, match=r"^attrs\.form: only a claim has one \(this span is tagged ORG\)$"):
        store.set_span_attrs(source.uid, {"form": "direct"}, "alice")
    assert store.span(claim.uid) == stored  # nothing written by a refusal

    # Free-text source; None removes a key; a later retag survives undoing the attrs change.
    store.set_span_attrs(claim.uid, {"source": {"text": "a GKNB representative"}, "stance": None}, "alice")
    store.update_span(first, claim.uid, "alice", note="checked")
    after_retag = store.span(claim.uid)
    assert after_retag is not None and after_retag.attrs["source"] == {"text": "a GKNB representative"}
    assert "stance" not in after_retag.attrs
    store.undo(first, "alice")  # the note
    store.undo(first, "alice")  # the free-text source
    assert store.span(claim.uid).attrs == stored.attrs  # type: ignore[union-attr]


def test_quantity_values_are_listed_across_the_corpus(corpus: tuple[Store, Document, Document]) -> None:
    store, first, second = corpus
    rifles = tag(store, first, "40 rifles", "QUANTITY", "alice")
    tag(store, first, "GKNB", "ORG", "alice")
    value = {"value": 40, "unit": "rifle", "counted_key": "rifle"}
    store.set_span_attrs(rifles.uid, {"quantity": value, "quantity_edited": True}, "alice")
    with pytest.raises(InputError, match=r"^attrs\.quantity: only a quantity has one"):
        store.set_span_attrs(tag(store, second, "Officials", "ORG", "alice").uid, {"quantity": value}, "alice")
    rows = store.quantity_rows()
    assert [(r.document_key, r.text, r.quantity, r.edited) for r in rows] == [("first", "40 rifles", value, True)]


def test_candidate_rows_are_cheap_at_ten_thousand_entities(store: Store) -> None:
    with store.batch():
        for number in range(10_000):
            store.create_entity(f"Entity {number}", "ORG" if number % 2 else "PERSON", "alice", aliases=[f"E{number}"])
    started = time.perf_counter()
    rows = store.entity_rows_for_match()
    elapsed = time.perf_counter() - started
    assert len(rows) == 10_000
    assert rows[0].aliases and rows[0].label in ("ORG", "PERSON")
    assert elapsed < 0.5
