"""Entity links, claim attribution and quantity values through the article session.

A real database file, the real background writer and a sample article: each action is
checked in the database, then undone and checked again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.linking import EntityIndex, rank_candidates
from annotator.session.article import ArticleSession, Change, Refusal
from annotator.session.knowledge import Knowledge, claims_by_source, quantity_groups
from annotator.store import Store
from session_support import SessionHarness

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ME = "alice"


def sample() -> tuple[str, str]:
    path = sorted(CORPUS.glob("*.txt"))[0]
    text = path.read_text(encoding="utf-8")
    return path.stem, text


class Harness(SessionHarness):
    """A session under ME on the first article, with its knowledge rules."""

    def __init__(self, db: Path) -> None:
        super().__init__(db, ME)
        self.knowledge = Knowledge(self.session)

    @property
    def messages(self) -> list[str]:
        """What the status line said after each settled write."""
        return [settled.state.text for settled in self.settled]

    def tag(self, phrase: str, label: str, occurrence: int = 0) -> str:
        start = -1
        for _ in range(occurrence + 1):
            start = self.text.index(phrase, start + 1)
        answer = self.session.tag(start, start + len(phrase), label)
        assert isinstance(answer, Change), answer
        self.settle()
        return answer.active or ""

    def attrs(self, uid: str) -> dict:  # type: ignore[type-arg]
        span = self.reader.span(uid)
        assert span is not None
        return span.attrs

    def undo(self) -> str:
        assert self.session.undo() is None
        self.settle()
        return self.messages[-1]


@pytest.fixture
def harness(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "team.db"
    key, text = sample()
    with Store.open(path) as store:
        store.add_document(key, text.splitlines()[0], text)
    opened = Harness(path)
    yield opened
    opened.close()


def test_new_entity_from_a_mention_and_its_link_undo_as_one(harness: Harness) -> None:
    uid = harness.tag("GKNB", "ORG")
    answer = harness.knowledge.create_and_link(uid)
    assert isinstance(answer, Change)
    harness.settle()
    entity_uid = harness.attrs(uid)["entity"]
    entity = harness.reader.entity(entity_uid)
    assert entity is not None and (entity.name, entity.label) == ("GKNB", "ORG")
    assert harness.undo() == "saved: undo: link to GKNB removed"
    assert "entity" not in harness.attrs(uid)
    assert harness.reader.entity(entity_uid) is None


def test_equals_links_to_the_top_candidate_and_adds_the_spelling(harness: Harness) -> None:
    first = harness.tag("State Committee for National Security", "ORG")
    assert isinstance(harness.knowledge.create_and_link(first), Change)
    harness.settle()
    entity_uid = harness.attrs(first)["entity"]
    second = harness.tag("GKNB", "ORG")
    index = EntityIndex(harness.reader.entity_rows_for_match())
    # A far-off spelling scores under the threshold: `=` would make a new entity.
    mention = harness.session.spans[second]
    candidates = rank_candidates("State Committee for National Security", mention.label, index)
    assert isinstance(harness.knowledge.link_best(second, candidates), Change)
    harness.settle()
    assert harness.attrs(second)["entity"] == entity_uid
    entity = harness.reader.entity(entity_uid)
    assert entity is not None and "GKNB" in entity.aliases
    harness.undo()
    assert "entity" not in harness.attrs(second)
    assert "GKNB" not in harness.reader.entity(entity_uid).aliases  # type: ignore[union-attr]


def test_equals_with_no_good_candidate_creates_one(harness: Harness) -> None:
    uid = harness.tag("Akylbek Zhaparov", "PERSON")
    assert isinstance(harness.knowledge.link_best(uid, []), Change)
    harness.settle()
    entity = harness.reader.entity(harness.attrs(uid)["entity"])
    assert entity is not None and entity.name == "Akylbek Zhaparov" and entity.label == "PERSON"


def test_linking_a_claim_is_refused(harness: Harness) -> None:
    uid = harness.tag("it has thwarted a coup attempt", "CLAIM")
    answer = harness.knowledge.create_and_link(uid)
    assert isinstance(answer, Refusal) and "entity" in answer.message
    assert harness.reader.entities() == []


def test_propose_fills_source_cue_form_and_stance(harness: Harness) -> None:
    harness.tag("State Committee for National Security (GKNB)", "ORG")
    claim = harness.tag("it has thwarted a coup attempt", "CLAIM")
    assert isinstance(harness.knowledge.propose(claim), Change)
    harness.settle()
    attrs = harness.attrs(claim)
    assert attrs["cue"]["text"] == "announced"
    source = attrs["source"]
    named = harness.reader.span(source["span"]).text if "span" in source else source["text"]  # type: ignore[union-attr]
    assert "State Committee for National Security" in named
    assert attrs["form"] in ("direct", "indirect", "paraphrase")
    assert attrs["stance"] in ("asserted", "reported", "disputed", "denied")
    sections = claims_by_source(list(harness.session.spans.values()), harness.session.label_kind)
    assert "State Committee for National Security" in sections[0][0]
    message = harness.undo()
    assert message.startswith("saved: undo: attribution of CLAIM 'it has thwarted a coup attempt'")
    assert not {"source", "cue", "form", "stance"} & harness.attrs(claim).keys()


def test_free_text_source_and_stance(harness: Harness) -> None:
    claim = harness.tag("it has thwarted a coup attempt", "CLAIM")
    answer = harness.knowledge.set_attribution(claim, {"source": {"text": "a GKNB representative"}, "stance": "disputed"})
    assert isinstance(answer, Change)
    harness.settle()
    assert harness.attrs(claim)["source"] == {"text": "a GKNB representative"}
    assert harness.attrs(claim)["stance"] == "disputed"


def test_tagging_a_quantity_fills_its_value_in_the_same_undo(harness: Harness) -> None:
    uid = harness.tag("255,238 units of ammunition", "QUANTITY")
    value = harness.attrs(uid)["quantity"]
    assert value["value"] == 255238
    harness.undo()
    assert harness.reader.span(uid) is None


def test_resizing_refills_the_value_unless_edited(harness: Harness) -> None:
    uid = harness.tag("50 weapons", "QUANTITY")
    assert harness.attrs(uid)["quantity"]["counts"] == "weapons"
    assert isinstance(harness.session.resize(uid, "end", 1, True), Change)
    harness.settle()
    assert harness.attrs(uid)["quantity"]["counts"] != "weapons" or harness.reader.span(uid).text != "50 weapons"  # type: ignore[union-attr]
    assert harness.undo().startswith("saved: undo:")
    assert harness.attrs(uid)["quantity"]["counts"] == "weapons"
    assert harness.reader.span(uid).text == "50 weapons"  # type: ignore[union-attr]
    # Edited by hand: the value stays through a resize.
    assert isinstance(harness.knowledge.set_quantity(uid, {"value": "51", "counts": "guns"}), Change)
    harness.settle()
    assert harness.attrs(uid)["quantity"]["value"] == 51 and harness.attrs(uid)["quantity_edited"] is True
    assert isinstance(harness.session.resize(uid, "end", 1, True), Change)
    harness.settle()
    assert harness.attrs(uid)["quantity"]["counts"] == "guns"


def test_edit_value_then_undo_names_it(harness: Harness) -> None:
    uid = harness.tag("20 pistols", "QUANTITY")
    assert isinstance(harness.knowledge.set_quantity(uid, {"value": "21"}), Change)
    harness.settle()
    assert harness.attrs(uid)["quantity"]["value"] == 21
    assert "value of QUANTITY '20 pistols'" in harness.undo()
    assert harness.attrs(uid)["quantity"]["value"] == 20
    assert "quantity_edited" not in harness.attrs(uid)


def test_a_bad_value_is_refused_with_the_field(harness: Harness) -> None:
    uid = harness.tag("20 pistols", "QUANTITY")
    answer = harness.knowledge.set_quantity(uid, {"value": "twenty-ish"})
    assert isinstance(answer, Refusal) and "value" in answer.message
    assert harness.attrs(uid)["quantity"]["value"] == 20


def test_quantities_group_by_what_they_count(harness: Harness) -> None:
    harness.tag("50 weapons", "QUANTITY")
    harness.tag("20 pistols", "QUANTITY")
    harness.tag("144 deaths", "QUANTITY")
    groups = dict(quantity_groups(harness.reader))
    assert [line.text for line in groups["deaths"]] == ["144 deaths"]
    assert [line.text for line in groups["pistols"]] == ["20 pistols"]


def test_entity_edits_rename_merge_and_split_through_the_writer(harness: Harness) -> None:
    from annotator.session.knowledge import EntityEdits, parse_entity_filter

    first = harness.tag("State Committee for National Security", "ORG")
    second = harness.tag("GKNB", "ORG")
    harness.knowledge.create_and_link(first)
    harness.knowledge.create_and_link(second)
    harness.settle()
    a, b = harness.attrs(first)["entity"], harness.attrs(second)["entity"]
    edits = EntityEdits(harness.reader, harness.writer, ME)
    assert edits.rename(a, "  ") is not None  # refused: nothing written
    assert edits.rename(a, "Kyrgyz State Committee for National Security") is None
    assert edits.merge(b, a, "Kyrgyz State Committee for National Security") is None
    harness.writer.wait_idle(10)
    merged = harness.reader.entity(a)
    assert merged is not None and merged.name == "Kyrgyz State Committee for National Security"
    assert "GKNB" in merged.aliases and harness.reader.entity(b).merged_into == a  # type: ignore[union-attr]
    assert harness.attrs(second)["entity"] == a
    assert edits.split(a, [], "GKNB") is not None
    assert edits.split(a, [second], "GKNB") is None
    harness.writer.wait_idle(10)
    split = harness.reader.entity(harness.attrs(second)["entity"])
    assert split is not None and split.name == "GKNB" and split.uid not in (a, b)
    assert parse_entity_filter("org gk", ["ORG", "PERSON"]) == ("ORG", "gk")
    assert parse_entity_filter("Orgburo", ["ORG"]) == (None, "Orgburo")


def test_without_a_writer_nothing_is_linked(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    key, text = sample()
    with Store.open(path) as store:
        document = store.add_document(key, "t", text).document
        span = store.add_span(document, text.index("GKNB"), text.index("GKNB") + 4, "ORG", ME)
    with Store.open(path, create=False, read_only=True) as reader:
        session = ArticleSession(reader, None, ME, reader.labels())
        session.open(document.id)
        answer = Knowledge(session).create_and_link(span.uid)
        assert isinstance(answer, Refusal) and "saved" in answer.message
        assert reader.entities() == []


def test_retagging_a_quantity_drops_its_value_and_undo_brings_it_back(harness: Harness) -> None:
    uid = harness.tag("20 pistols", "QUANTITY")
    assert isinstance(harness.session.retag(uid, "OTHER"), Change)
    harness.settle()
    assert "quantity" not in harness.attrs(uid)
    harness.undo()
    assert harness.attrs(uid)["quantity"]["value"] == 20
    assert isinstance(harness.session.retag(uid, "CLAIM"), Change)
    harness.settle()
    assert isinstance(harness.session.retag(uid, "QUANTITY"), Change)
    harness.settle()
    assert harness.attrs(uid)["quantity"]["value"] == 20

