"""Review of entity links and claim attribution, and deleting a span that claims point at.

What a reviewer relies on: two analysts who tagged the same claim but attributed it
differently show as two versions with the differing field marked; the version put in
gold keeps its source, cue, form, stance and entity link, its source pointing at the
gold copy of the source mention (or keeping the mention's words when there is none).
What an analyst relies on: deleting a source mention leaves no claim pointing at
nothing, and one undo brings back both.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.widgets import Static

from annotator.model import Document, Span
from annotator.review import GOLD
from annotator.session.review import ReviewSession
from annotator.session.writer import Outcome, Writer
from annotator.store import Store
from annotator.tui.app import make_app
from annotator.tui.screens.review import ReviewScreen

TEXT = "The GKNB said on Friday that officers seized 40 rifles in Bishkek."
#       0         1         2         3         4         5         6
#       0123456789012345678901234567890123456789012345678901234567890123456
GKNB = (4, 8)
SAID = (9, 13)
CLAIM = (29, 54)  # "officers seized 40 rifles"


@dataclass
class Case:
    db: Path
    document: int
    entity: str
    claims: dict[str, str]  # analyst -> claim uid
    mentions: dict[str, str]  # analyst -> GKNB mention uid


def build(tmp_path: Path, stances: dict[str, str]) -> Case:
    """alice and bob tag the GKNB (linked to one entity) and the claim, said by it, with their stances."""
    db = tmp_path / "team.db"
    claims: dict[str, str] = {}
    mentions: dict[str, str] = {}
    with Store.open(db) as store:
        document = store.add_document("raid", "Raid", TEXT).document
        entity = store.create_entity("State Committee for National Security", "ORG", "alice", aliases=["GKNB"])
        for analyst, stance in stances.items():
            mention = store.add_span(document, *GKNB, "ORG", analyst)
            store.link_mention(mention.uid, entity.uid, analyst)
            claim = store.add_span(document, *CLAIM, "CLAIM", analyst)
            store.set_span_attrs(
                claim.uid,
                {"source": {"span": mention.uid}, "cue": {"start": SAID[0], "end": SAID[1]}, "form": "indirect", "stance": stance},
                analyst,
            )
            claims[analyst], mentions[analyst] = claim.uid, mention.uid
        return Case(db, document.id, entity.uid, claims, mentions)


class Reviewing:
    """A review session on a real database with the real background writer."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.reader = Store.open(case.db, create=False)
        self.outcomes: queue.Queue[Outcome] = queue.Queue()
        self.writer = Writer(case.db, self.outcomes.put)
        kinds = {label.name: label.kind for label in self.reader.labels()}
        self.session = ReviewSession(self.reader, self.writer, "rita", kinds)
        self.session.open(case.document)

    def settle(self) -> None:
        assert self.writer.wait_idle(10)
        while not self.outcomes.empty():
            self.session.settle(self.outcomes.get())
        self.session.open(self.case.document)

    def group(self, label: str) -> int:
        return next(i for i, g in enumerate(self.session.groups) if g.versions[0].label == label)

    def gold(self, label: str) -> list[Span]:
        return [s for s in self.reader.spans(self.case.document, GOLD) if s.label == label]


@pytest.fixture
def disagreeing(tmp_path: Path) -> Iterator[Reviewing]:
    reviewing = Reviewing(build(tmp_path, {"alice": "asserted", "bob": "reported"}))
    yield reviewing
    reviewing.writer.close()
    reviewing.reader.close()


def test_claims_attributed_differently_are_two_versions_with_the_differing_field(disagreeing: Reviewing) -> None:
    claim = disagreeing.session.groups[disagreeing.group("CLAIM")]
    assert claim.status == "disagreement"
    assert [v.annotators for v in claim.versions] == [["alice"], ["bob"]]
    assert [v.facts["stance"] for v in claim.versions] == ["asserted", "reported"]
    # Each analyst's source is their own mention: compared by its text and place, they agree.
    assert {v.facts["source"] for v in claim.versions} == {"GKNB @4–8"}
    assert {v.facts["cue"] for v in claim.versions} == {"said @9–13"}
    assert claim.differing() == {"stance"}
    mention = disagreeing.session.groups[disagreeing.group("ORG")]
    assert mention.status == "agreed" and mention.versions[0].facts["entity"] == disagreeing.case.entity


def test_gold_keeps_the_attribution_and_its_source_points_at_the_gold_mention(disagreeing: Reviewing) -> None:
    session = disagreeing.session
    session.toggle(disagreeing.group("ORG"), 1)
    disagreeing.settle()
    [gold_mention] = disagreeing.gold("ORG")
    assert gold_mention.attrs["entity"] == disagreeing.case.entity
    session.toggle(disagreeing.group("CLAIM"), 2)  # bob's: reported
    disagreeing.settle()
    [gold_claim] = disagreeing.gold("CLAIM")
    assert gold_claim.attrs["source"] == {"span": gold_mention.uid}
    assert gold_claim.attrs["cue"] == {"start": 9, "end": 13, "text": "said"}
    assert (gold_claim.attrs["form"], gold_claim.attrs["stance"]) == ("indirect", "reported")
    assert gold_claim.attrs["sources"] == ["bob"]
    # The other attribution replaces it: one gold claim on that text, now alice's stance.
    session.toggle(disagreeing.group("CLAIM"), 1)
    disagreeing.settle()
    [gold_claim] = disagreeing.gold("CLAIM")
    assert (gold_claim.attrs["stance"], gold_claim.attrs["sources"]) == ("asserted", ["alice"])
    assert gold_claim.attrs["source"] == {"span": gold_mention.uid}
    claim = session.groups[disagreeing.group("CLAIM")]
    assert [bool(claim.gold_for(i)) for i in range(2)] == [True, False]


def test_a_claim_accepted_before_its_source_mention_keeps_its_words_until_the_mention_is_gold(disagreeing: Reviewing) -> None:
    disagreeing.session.toggle(disagreeing.group("CLAIM"), 1)
    disagreeing.settle()
    [gold_claim] = disagreeing.gold("CLAIM")
    assert gold_claim.attrs["source"] == {"text": "GKNB"}
    # Once the mention goes into gold, the claim points at it, whichever came first.
    disagreeing.session.toggle(disagreeing.group("ORG"), 1)
    disagreeing.settle()
    [gold_mention] = disagreeing.gold("ORG")
    [gold_claim] = disagreeing.gold("CLAIM")
    assert gold_claim.attrs["source"] == {"span": gold_mention.uid}
    assert gold_claim.attrs["stance"] == "asserted"


def test_accepting_agreed_spans_points_the_claim_at_the_mention_accepted_with_it(tmp_path: Path) -> None:
    reviewing = Reviewing(build(tmp_path, {"alice": "asserted", "bob": "asserted"}))
    try:
        reviewing.session.accept_agreed()
        reviewing.settle()
        [gold_mention] = reviewing.gold("ORG")
        [gold_claim] = reviewing.gold("CLAIM")
        assert gold_claim.attrs["source"] == {"span": gold_mention.uid}
        assert gold_claim.attrs["stance"] == "asserted"
    finally:
        reviewing.writer.close()
        reviewing.reader.close()


def test_deleting_a_source_mention_clears_the_claims_reference_and_undo_restores_both(tmp_path: Path) -> None:
    case = build(tmp_path, {"alice": "asserted"})
    with Store.open(case.db) as store:
        document: Document = store.document(case.document)
        other = store.add_span(document, 58, 65, "CLAIM", "alice")  # "Bishkek" stands in for a rival claim
        store.set_span_attrs(other.uid, {"disputes": case.claims["alice"]}, "alice")
        store.delete_span(document, case.mentions["alice"], "alice")
        claim = store.span(case.claims["alice"])
        assert claim is not None and "source" not in claim.attrs
        assert claim.attrs["stance"] == "asserted"  # the rest of the attribution stays
        store.delete_span(document, case.claims["alice"], "alice")
        disputing = store.span(other.uid)
        assert disputing is not None and "disputes" not in disputing.attrs
        store.undo(document, "alice")  # the claim and the dispute's reference come back together
        disputing = store.span(other.uid)
        assert disputing is not None and disputing.attrs["disputes"] == case.claims["alice"]
        store.undo(document, "alice")  # the mention and the claim's source come back together
        assert store.span(case.mentions["alice"]) is not None
        claim = store.span(case.claims["alice"])
        assert claim is not None and claim.attrs["source"] == {"span": case.mentions["alice"]}


async def test_the_review_panel_shows_each_versions_attribution_and_marks_the_difference(tmp_path: Path) -> None:
    case = build(tmp_path, {"alice": "asserted", "bob": "reported"})
    with Store.open(case.db) as store:
        app = make_app(store, "rita")
        async with app.run_test(size=(130, 40)) as pilot:
            await pilot.press("r")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            claim = next(i for i, g in enumerate(screen.groups) if g.kind == "claim")
            screen._show_group(claim)
            await pilot.pause()
            details = str(screen.query_one("#group-details", Static).render())
            assert "versions differ in: stance" in details
            assert "≠ stance: asserted" in details and "≠ stance: reported" in details
            assert "source: GKNB @4–8" in details and "cue: said @9–13" in details
            # In the list too, the two rows with the same words say how they differ.
            rows = str(screen.query_one("#group-list").get_option_at_index(claim).prompt)
            assert "≠stance: asserted" in rows and "≠stance: reported" in rows
            await pilot.press("2")
            gold = store.spans(case.document, GOLD)
            assert [(s.label, s.attrs["stance"]) for s in gold] == [("CLAIM", "reported")]
            mention = next(i for i, g in enumerate(screen.groups) if g.kind == "entity")
            screen._show_group(mention)
            await pilot.pause()
            details = str(screen.query_one("#group-details", Static).render())
            # The linked entity by name, not its uid.
            assert "entity: State Committee for National Security" in details


async def test_the_stats_screen_reports_attribution_agreement_beside_span_agreement(tmp_path: Path) -> None:
    case = build(tmp_path, {"alice": "asserted", "bob": "reported"})
    with Store.open(case.db) as store:
        app = make_app(store, "rita")
        async with app.run_test(size=(130, 60)) as pilot:
            await pilot.press("S")
            await pilot.pause()
            body = str(app.screen.query_one("#stats-body", Static).render())
            assert "Attribution agreement" in body and "Pairwise span F1" in body
            [row] = [line for line in body.splitlines() if line.startswith("alice ~ bob")]
            # One claim on the same span: source, cue and form agree, the stance does not;
            # kappa for form is undefined (one value throughout), for stance 0.
            assert row.split()[3:] == ["1", "100%", "100%", "100%", "0%", "-", "0.000"]
