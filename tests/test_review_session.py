"""Adjudication rules called directly: no Textual, a real database and a real writer."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_review_tui import build_security

from annotator.review import GOLD
from annotator.session.article import Refusal
from annotator.session.review import ReviewSession, Submitted, corpus_flags
from annotator.session.writer import Outcome, Writer
from annotator.store import Store


class Reviewing:
    def __init__(self, db: Path, document: int) -> None:
        self.reader = Store.open(db, create=False)
        self.outcomes: queue.Queue[Outcome] = queue.Queue()
        self.writer = Writer(db, self.outcomes.put)
        kinds = {label.name: label.kind for label in self.reader.labels()}
        self.session = ReviewSession(self.reader, self.writer, "rita", kinds)
        self.document = document
        self.session.open(document)

    def settle(self) -> None:
        assert self.writer.wait_idle(10)
        while not self.outcomes.empty():
            self.session.settle(self.outcomes.get())
        self.session.open(self.document)

    def gold(self) -> list[str]:
        return [s.text for s in self.reader.spans(self.document, GOLD)]


@pytest.fixture
def case(tmp_path: Path) -> Iterator[tuple[Reviewing, object]]:
    security = build_security(tmp_path)
    reviewing = Reviewing(security.db, security.document)
    yield reviewing, security
    reviewing.writer.close()
    reviewing.reader.close()


def test_versions_add_up_in_gold_and_a_number_again_takes_one_out(case) -> None:  # type: ignore[no-untyped-def]
    reviewing, _ = case
    session = reviewing.session
    (group,) = session.groups
    assert [v.text for v in group.versions] == ["State Committee for National Security (GKNB)", "State Committee for National Security", "GKNB"]
    assert isinstance(session.toggle(0, 2), Submitted)
    assert isinstance(session.toggle(0, 3), Submitted)
    reviewing.settle()
    assert reviewing.gold() == ["State Committee for National Security", "GKNB"]
    (group,) = session.groups
    assert len(group.gold) == 2 and session.edited_gold(group).text == "GKNB"  # type: ignore[union-attr]
    session.toggle(0, 3)
    reviewing.settle()
    assert reviewing.gold() == ["State Committee for National Security"]
    session.undo()
    reviewing.settle()
    assert reviewing.gold() == ["State Committee for National Security", "GKNB"]
    assert session.toggle(0, 7) == Refusal("This group has 3 version(s)")


def test_reject_then_accept_then_undo_brings_the_rejection_back(case) -> None:  # type: ignore[no-untyped-def]
    reviewing, security = case
    session = reviewing.session
    session.reject(0)
    reviewing.settle()
    assert session.groups[0].rejected
    session.toggle(0, 1)
    reviewing.settle()
    assert not session.groups[0].rejected and len(reviewing.gold()) == 1
    session.undo()
    reviewing.settle()
    assert session.groups[0].rejected and reviewing.gold() == []
    flags = corpus_flags(reviewing.reader, session.kind_of)
    assert flags == {security.document: {"disagreements", "unadjudicated"}}


def test_gold_edits_need_a_gold_span_and_adjudication_toggles(case) -> None:  # type: ignore[no-untyped-def]
    reviewing, _ = case
    session = reviewing.session
    assert isinstance(session.retag(0, "PERSON"), Refusal)
    session.toggle(0, 3)
    reviewing.settle()
    session.retag(0, "OTHER")
    session.resize(0, "end", 1)
    reviewing.settle()
    (gold,) = reviewing.reader.spans(reviewing.document, GOLD)
    assert gold.label == "OTHER" and gold.text.startswith("GKNB")
    assert not session.adjudicated
    session.toggle_adjudicated()
    reviewing.settle()
    assert session.adjudicated
