"""The fast-tagging rules of the article session: a label key alone, `*`, suggestions, their figures.

Real sample articles in a real SQLite file, a real writer thread; what is checked is
what the database holds afterwards and what one undo takes back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.session.article import Change, Refusal
from annotator.session.suggestions import (
    article_suggestions,
    measure_suggestions,
    phrase_mentions,
    propagate_to_corpus,
    suggestion_figures,
)
from annotator.model import Document
from annotator.store import Store
from session_support import SessionHarness

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
COUP = "000_8d4b3503afa0d274"  # GKNB three times, "gknb.gov.kg" once
FIREFIGHT = "003_b7505e1e58388113"  # GKNB nine times, July 16 and 17


def document_of(store: Store, key: str) -> Document:
    """The article as stored (import normalises the text: offsets are into this)."""
    return store.document(next(d.id for d in store.list_documents() if d.key == key))


class Harness(SessionHarness):
    """A session as `me` on the article with file stem `key`."""

    def __init__(self, db: Path, me: str, key: str) -> None:
        reader = Store.open(db, create=False)
        try:
            document_id = document_of(reader, key).id
        finally:
            reader.close()
        super().__init__(db, me, document_id)
        self.me = me


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    with Store.open(path) as store:
        for file in sorted(CORPUS.glob("*.txt")):
            text = file.read_text(encoding="utf-8")
            store.add_document(file.stem, text.splitlines()[0], text)
    return path


@pytest.fixture
def firefight(db: Path) -> Iterator[Harness]:
    harness = Harness(db, "alice", FIREFIGHT)
    yield harness
    harness.close()


def test_a_label_key_alone_tags_the_unit_its_kind_wants(firefight: Harness) -> None:
    text = firefight.text
    committee = text.index("State Committee for National Security")
    date = text.index("July 16 and 17")
    session = firefight.session
    assert isinstance(session.tag_at(committee + 8, "ORG"), Change)  # the cursor inside "Committee"
    assert isinstance(session.tag_at(date, "QUANTITY"), Change)
    firefight.settle()
    assert [(s[2], s[3]) for s in firefight.stored()] == [
        ("July 16 and 17", "QUANTITY"),
        ("State Committee for National Security", "ORG"),
    ]
    # Between two paragraphs there is nothing to tag: said plainly, nothing written.
    blank = text.index("\n\n") + 1
    assert isinstance(session.tag_at(blank, "ORG"), Refusal)
    firefight.settle()
    assert len(firefight.stored()) == 2


def test_star_tags_every_other_mention_and_one_undo_takes_them_back(firefight: Harness) -> None:
    text = firefight.text
    first = text.index("GKNB")
    session = firefight.session
    session.tag(first, first + 4, "ORG")
    answer = session.propagate(None)  # nothing picked: the span just tagged
    assert isinstance(answer, Change) and "propagated ORG to 8 mentions" in answer.message
    firefight.settle()
    stored = firefight.stored()
    assert len(stored) == 9 and {s[2] for s in stored} == {"GKNB"}
    # Again: every mention is tagged, nothing more to do.
    assert isinstance(session.propagate(None), Refusal)
    assert session.undo() is None
    firefight.settle()
    assert [(s[0], s[2]) for s in firefight.stored()] == [(first, "GKNB")]


def test_star_offers_near_spellings_as_suggestions_not_spans(db: Path) -> None:
    harness = Harness(db, "alice", COUP)
    try:
        text = harness.text
        first = text.index("GKNB")
        session = harness.session
        session.tag(first, first + 4, "ORG")
        answer = session.propagate(None)
        assert isinstance(answer, Change) and "1 near spelling suggested" in answer.message
        harness.settle()
        offered = [(text[s.start : s.end], s.label) for s in session.suggestions]
        assert offered == [("gknb", "ORG")]
        assert "gknb" not in [s[2] for s in harness.stored()]
    finally:
        harness.close()


def test_suggestions_come_from_the_team_and_are_stored_only_when_accepted(db: Path) -> None:
    with Store.open(db) as store:
        document = document_of(store, COUP)
        coup = document.text
        for start, end in phrase_mentions(coup, "GKNB", []):
            store.add_span(document, start, end, "ORG", "alice")
        store.add_span(document, coup.index("Kyrgyzstan"), coup.index("Kyrgyzstan") + 10, "PLACE", "alice")
        store.add_span(document, coup.index("Kyrgyzstan"), coup.index("Kyrgyzstan") + 10, "ORG", "gold")  # never taught
        rows = store.gazetteer_rows()
        assert ("GKNB", "ORG", 3) in rows and all(label != "ORG" or text != "Kyrgyzstan" for text, label, _ in rows)
        assert len(store.gazetteer_rows(limit=1)) == 1
    harness = Harness(db, "bob", FIREFIGHT)
    try:
        session = harness.session
        assert session.wants_suggestions
        rows = harness.reader.gazetteer_rows()
        text = harness.text
        shown = session.offer(harness.document.id, article_suggestions(text, rows, (), session.labels))
        gknb = [s for s in shown if text[s.start : s.end] == "GKNB"]
        places = [s for s in shown if s.label == "PLACE"]
        assert len(gknb) == 9 and all(s.label == "ORG" for s in gknb)
        assert places and all(text[s.start : s.end] == "Kyrgyzstan" for s in places)
        assert harness.stored() == []  # offers are not spans
        # x rejects one: it is gone and stays gone when the offers come again.
        assert isinstance(session.reject(gknb[0].start), Change)
        session.offer(harness.document.id, article_suggestions(text, rows, (), session.labels))
        assert (gknb[0].start, gknb[0].end) not in {(s.start, s.end) for s in session.suggestions}
        # y accepts the one at the cursor; Y every other ORG offer, as one undo.
        assert isinstance(session.accept(gknb[1].start + 2), Change)
        harness.settle()
        assert [(s[0], s[3]) for s in harness.stored()] == [(gknb[1].start, "ORG")]
        assert isinstance(session.accept_all(gknb[2].start), Change)
        harness.settle()
        assert sorted(s[0] for s in harness.stored() if s[3] == "ORG") == [s.start for s in gknb[1:]]
        assert not [s for s in session.suggestions if s.label == "ORG"]
        assert isinstance(session.accept(gknb[0].start), Refusal)  # the rejected one is not there to accept
        session.undo()
        harness.settle()
        assert [(s[0], s[3]) for s in harness.stored()] == [(gknb[1].start, "ORG")]
    finally:
        harness.close()


def test_propagating_to_the_corpus_tags_every_article_one_undo_each(db: Path) -> None:
    with Store.open(db) as store:
        report = propagate_to_corpus(store, "GKNB", "ORG", "alice")
        expected = {d.key: len(phrase_mentions(d.text, "GKNB", [])) for d in map(store.document, store.document_order())}
        assert report.added == sum(expected.values()) >= 11
        assert report.articles == sum(1 for n in expected.values() if n)
        firefight = document_of(store, FIREFIGHT)
        assert len(store.spans(firefight.id, "alice")) == 9
        # Again: every place is tagged already.
        assert propagate_to_corpus(store, "GKNB", "ORG", "alice").added == 0
        store.undo(store.document(firefight.id), "alice")
        assert store.spans(firefight.id, "alice") == []
        assert sum(len(store.spans(d, "alice")) for d in store.document_order()) == report.added - 9


def test_suggestion_figures_leave_the_article_out(db: Path) -> None:
    with Store.open(db) as store:
        for key in (COUP, FIREFIGHT):
            document = document_of(store, key)
            for start, end in phrase_mentions(document.text, "GKNB", []):
                store.add_span(document, start, end, "ORG", "alice")
        figures = measure_suggestions(store)
        labels = store.labels()
    # Each article's GKNBs are suggested from the other's: all 3 + 9 found. The quantity
    # patterns are offered too and were not kept, so precision is below 1.
    assert figures.articles == 2 and figures.analysts == 2 and not figures.capped
    assert figures.right == 12 and figures.final == 12 and figures.recall == 1.0
    assert figures.offered > 12 and figures.precision == pytest.approx(12 / figures.offered)
    # Only this article taught "GKNB": left out, there is nothing to suggest it from.
    alone = suggestion_figures([(7, "GKNB met GKNB.", {"alice": []})], [(7, "GKNB", "ORG", 2)], labels)
    assert alone.offered == 0 and alone.precision == 1.0
    capped = suggestion_figures([(1, "a", {"x": []}), (2, "b", {"x": []})], [], labels, cap=1)
    assert capped.articles == 1 and capped.capped


def test_stats_json_reports_suggestion_precision_and_recall(db: Path) -> None:
    with Store.open(db) as store:
        document = document_of(store, FIREFIGHT)
        for start, end in phrase_mentions(document.text, "GKNB", []):
            store.add_span(document, start, end, "ORG", "alice")
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "stats", "--json", "--db", str(db)], capture_output=True, text=True, check=True
    )
    quality = json.loads(result.stdout)["suggestion_quality"]
    assert quality["articles"] == 1 and quality["cap"] == 200 and quality["final_spans"] == 9
    plain = subprocess.run([sys.executable, "-m", "annotator", "stats", "--db", str(db)], capture_output=True, text=True, check=True)
    assert "precision" in plain.stdout and "recall" in plain.stdout and "(at most 200)" in plain.stdout
