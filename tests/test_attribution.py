"""Proposed claim attributions on the sample articles, and attribution agreement.

Each case is a claim as an analyst would tag it in corpus/, with the PERSON and ORG
mentions an analyst would have tagged; the proposal must name the cue words, the source
(a mention or free text), the form and the stance a reader of the sentence would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from annotator.attribution import FORMS, STANCES, Proposal, propose
from annotator.attribution_agreement import attribution_agreement
from annotator.model import Span
from annotator.text import canonicalize

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ARTICLES = {p.name[:3]: canonicalize(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))}

# The names an analyst tags in each article (every occurrence).
MENTIONS: dict[str, list[tuple[str, str]]] = {
    "000": [("State Committee for National Security", "ORG"), ("GKNB", "ORG"), ("Akylbek Zhaparov", "PERSON")],
    "001": [
        ("State Committee for National Security", "ORG"), ("SCNS", "ORG"), ("RIA Novosti", "ORG"),
        ("Freedom House", "ORG"), ("Vladimir Putin", "PERSON"), ("Sadyr Japarov", "PERSON"),
    ],
    "002": [("Rakhat Sulaimanov", "PERSON"), ("GKNB", "ORG"), ("Zhanbolat Amirov", "PERSON")],
    "003": [
        ("Almazbek Atambaev", "PERSON"), ("GKNB", "ORG"), ("IWPR", "ORG"), ("Janbolat Amirov", "PERSON"),
        ("Artur Medetbekov", "PERSON"), ("Kadyr Malikov", "PERSON"), ("Maksat Kunakunov", "PERSON"),
    ],
    "004": [("National Security Committee", "ORG")],
}


def mentions(article: str) -> list[Span]:
    text = ARTICLES[article]
    found: list[Span] = []
    for name, label in MENTIONS[article]:
        at = text.find(name)
        while at >= 0:
            found.append(Span(f"{label}-{at}", 1, at, at + len(name), label, "alice", name))
            at = text.find(name, at + 1)
    return found


def _pattern(phrase: str) -> re.Pattern[str]:
    """The phrase with each space matching a no-break space too (one article uses them)."""
    return re.compile(re.escape(phrase).replace("\\ ", "[ \xa0]"))


def plain(text: str) -> str:
    return text.replace("\xa0", " ")


def locate(article: str, phrase: str) -> tuple[int, int]:
    found = [m.span() for m in _pattern(phrase).finditer(ARTICLES[article])]
    assert found, f"{phrase!r} is not in article {article}"
    assert len(found) == 1, f"{phrase!r} is ambiguous in article {article}"
    return found[0]


def proposal_for(article: str, claim: str) -> Proposal:
    start, end = locate(article, claim)
    return propose(ARTICLES[article], start, end, mentions(article))


# (article, claim, cue, source, source is a tagged mention, form, stance)
CASES: list[tuple[str, str, str | None, str | None, bool, str, str]] = [
    ("000", "it has thwarted a coup attempt by a group aiming destabilise the country through mass riots and seize power violently",
     "announced", "State Committee for National Security", True, "indirect", "asserted"),
    ("000", "a member of the Islamic State in Afghanistan, known as Islamic State-Khorasan Province (ISKP, or ISIS-K), could be behind the coup attempt",
     "According to", "local media reports", False, "paraphrase", "reported"),
    ("000", "raids on the suspects' homes and vehicles uncovered a cache of weapons",
     "said", "GKNB", True, "indirect", "asserted"),
    ("000", "a female cell reportedly planning an attack on a Western target was apprehended",
     "reportedly", None, False, "paraphrase", "reported"),
    ("001", "Kyrgyzstan, one of Russia's Central Asian allies, has reportedly thwarted an attempted coup",
     "reportedly", None, False, "paraphrase", "reported"),
    # the relative clause between subject and verb is skipped
    ("001", "its special forces had blocked an attempt to seize power",
     "said", "State Committee for National Security", True, "indirect", "asserted"),
    ("001", "it had thwarted a similar plot to seize power through mass protests",
     "reported", "SCNS", True, "indirect", "asserted"),
    ("001", "mass arbitrary arrests by the country's authorities are commonplace in Kyrgyzstan",
     "According to", "Freedom House", True, "paraphrase", "reported"),
    # inverted order after a quotation: the speaker follows the verb
    ("002", "Yes, they were all Islamic State members",
     "said", "Rakhat Sulaimanov", True, "direct", "asserted"),
    ("002", "The group was led by Zhanbolat Amirov, a national of neighbouring Kazakhstan wanted by police after his escape from a Kyrgyz prison",
     "said", "the security police", False, "indirect", "asserted"),
    ("002", "it knows of more than 350 Kyrgyz citizens who have gone to fight for Islamic State in Syria",
     "said", "Kyrgyzstan's Interior Ministry", False, "indirect", "asserted"),
    # "He said" resolves to the president named in the sentence before
    ("003", "hundreds of our fellow-citizens could have been killed",
     "said", "Almazbek Atambaev", True, "direct", "asserted"),
    ("003", "Islamic State is a true enemy of Islam",
     "said", "Almazbek Atambaev", True, "direct", "asserted"),
    # an anonymous source is free text, relative clause and all
    ("003", "the detained men belonged to IS",
     "told", "A GKNB representative who asked not to be named", False, "indirect", "asserted"),
    ("003", "First of all, they want to destabilise the situation in the country, and to prove themselves",
     "told", "A GKNB representative who asked not to be named", False, "direct", "asserted"),
    ("003", "the group was led by Kazakstan national Janbolat Amirov, and he was among those shot dead during the raid",
     "According to", "GKNB", True, "paraphrase", "reported"),
    ("003", "Amirov died at the beginning of July when an accomplice set off explosives to avoid being arrested by Kyrgyz police",
     "says", "the security service in Kazakstan", False, "indirect", "asserted"),
    # "It denied": the pronoun is the Kazakh security service of the sentence before
    ("003", "the pair had set up a terrorist group in Kazakstan",
     "denied", "the security service in Kazakstan", False, "indirect", "denied"),
    ("003", "This has been", "disputed", "the security service in Kazakstan", False, "indirect", "disputed"),
    # "the GKNB statement read": the organisation, not the document
    ("003", "An organised crime gang under Tariel Jumagulov was to carry out a series of armed robberies against financial institutions and individuals to acquire money to fund terrorist activities and destabilise the situation in the country",
     "read", "GKNB", True, "direct", "asserted"),
    ("003", "These terrorists proved to be poorly trained",
     "told", "An expert on religious affairs who asked to remain anonymous", False, "direct", "asserted"),
    # a person inside an organisation is not the organisation
    ("003", "They surf the internet, they get recruited, they watch [jihadist] videos",
     "said", "IWPR’s source in the GKNB", False, "direct", "asserted"),
    ("003", "Organised crime groups turn to Islam in penitence for their sins, but then find themselves in a network of extremist and terrorist organisations with no way out",
     "said", "Artur Medetbekov", True, "direct", "asserted"),
    ("003", "some 200 Kyrgyz nationals are fighting for IS in Syria",
     "According to", "official figures", False, "paraphrase", "reported"),
    # "He stressed": the anonymous representative of the paragraph before
    ("003", "the threat was serious",
     "stressed", "A GKNB representative who asked not to be named", False, "indirect", "asserted"),
    # "militants who it said": a pronoun with nothing before it to stand for leaves the source empty
    ("003", "were planning a series of attacks in the country",
     "said", None, False, "indirect", "asserted"),
    # "reportedly" in the sentence before does not reach this one
    ("004", "The four militants were killed during the operation and seven members were detained",
     None, None, False, "paraphrase", "asserted"),
]


@pytest.mark.parametrize(
    ("article", "claim", "cue", "source", "is_mention", "form", "stance"),
    CASES,
    ids=[f"{c[0]}:{c[1][:30]}" for c in CASES],
)
def test_corpus_claims_get_the_attribution_a_reader_gives(
    article: str, claim: str, cue: str | None, source: str | None, is_mention: bool, form: str, stance: str
) -> None:
    text = ARTICLES[article]
    proposal = proposal_for(article, claim)
    if cue is None:
        assert proposal.cue is None
    else:
        assert proposal.cue is not None
        assert proposal.cue.text == cue
        assert text[proposal.cue.start:proposal.cue.end] == cue  # offsets point at the words
    if source is None:
        assert proposal.source is None
    else:
        assert proposal.source is not None
        assert plain(proposal.source.text) == source
        assert plain(text[proposal.source.start:proposal.source.end]) == source
        if is_mention:
            assert proposal.source.span == f"{dict(MENTIONS[article])[source]}-{proposal.source.start}"
        else:
            assert proposal.source.span is None
    assert (proposal.form, proposal.stance) == (form, stance)


def test_a_mention_source_is_stored_by_uid_and_free_text_by_its_words() -> None:
    attrs = proposal_for("002", "Yes, they were all Islamic State members").to_attrs()
    start = ARTICLES["002"].find("Rakhat Sulaimanov")
    cue_start = ARTICLES["002"].find("said Rakhat")
    assert attrs == {
        "source": {"span": f"PERSON-{start}"},
        "cue": {"start": cue_start, "end": cue_start + 4, "text": "said"},
        "form": "direct",
        "stance": "asserted",
    }
    free = proposal_for("003", "the detained men belonged to IS").to_attrs()
    assert free["source"] == {"text": "A GKNB representative who asked not to be named"}
    assert free["form"] in FORMS and free["stance"] in STANCES


def test_a_claim_without_cue_stores_no_cue_or_source() -> None:
    attrs = proposal_for("004", "The four militants were killed during the operation and seven members were detained").to_attrs()
    assert attrs == {"form": "paraphrase", "stance": "asserted"}


def test_without_tagged_mentions_the_source_is_the_phrase() -> None:
    start, end = locate("003", "the group was led by Kazakstan national Janbolat Amirov")
    proposal = propose(ARTICLES["003"], start, end, [])
    assert proposal.source is not None and proposal.source.span is None
    assert proposal.source.text == "the GKNB"


def test_offsets_outside_the_text_are_refused() -> None:
    with pytest.raises(ValueError, match="outside the text"):
        propose("He said so.", 5, 50, [])


# -- agreement -------------------------------------------------------------------------


def claim(analyst: str, article: str, phrase: str, **attrs: Any) -> Span:
    start, end = locate(article, phrase)
    return Span(f"{analyst}-claim-{start}", 1, start, end, "CLAIM", analyst, ARTICLES[article][start:end], attrs=attrs)


def mention(analyst: str, article: str, phrase: str, occurrence: int, entity: str | None) -> Span:
    text = ARTICLES[article]
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(phrase, at + 1)
    return Span(f"{analyst}-ent-{at}", 1, at, at + len(phrase), "ORG", analyst, phrase,
                attrs={"entity": entity} if entity else {})


def test_attribution_agreement_compares_sources_cues_forms_and_stances() -> None:
    art = "003"
    # Both link a GKNB mention to the same entity, on different occurrences: same source.
    gknb_a = mention("a", art, "GKNB", 3, "ent-gknb")
    gknb_b = mention("b", art, "GKNB", 4, "ent-gknb")
    led = "the group was led by Kazakstan national Janbolat Amirov"
    a_led = claim("a", art, led, **{**proposal_for(art, led).to_attrs(), "source": {"span": gknb_a.uid}})
    b_led = claim("b", art, led, **{**proposal_for(art, led).to_attrs(), "source": {"span": gknb_b.uid}})
    # Free text that differs only in case and spacing: same source; a different cue span.
    men = "the detained men belonged to IS"
    a_men = claim("a", art, men, source={"text": "A GKNB representative"}, cue={"start": 10, "end": 14, "text": "told"},
                  form="indirect", stance="asserted")
    b_men = claim("b", art, men, source={"text": "a GKNB  representative."}, cue={"start": 11, "end": 14, "text": "old"},
                  form="paraphrase", stance="asserted")
    # Different sources, same everything else.
    pair = "the pair had set up a terrorist group in Kazakstan"
    a_pair = claim("a", art, pair, **proposal_for(art, pair).to_attrs())
    b_pair = claim("b", art, pair, **{**proposal_for(art, pair).to_attrs(), "source": {"text": "Kyrgyz police"}})
    only_a = claim("a", art, "These terrorists proved to be poorly trained")
    only_b = claim("b", art, "Islamic State is a true enemy of Islam")
    report = attribution_agreement([
        ([gknb_a, a_led, a_men, a_pair, only_a], [gknb_b, b_led, b_men, b_pair, only_b]),
    ])
    assert (report.matched, report.only_a, report.only_b) == (3, 1, 1)
    source, cue, form, stance = (report.fields[k] for k in ("source", "cue", "form", "stance"))
    assert (source.compared, source.agreed) == (3, 2)
    assert (cue.compared, cue.agreed) == (3, 2)
    assert (form.compared, form.agreed) == (3, 2)
    assert (stance.compared, stance.agreed) == (3, 3)
    # form pairs: (paraphrase, paraphrase), (indirect, paraphrase), (indirect, indirect)
    # observed 2/3; expected (1*2 + 2*1)/9 = 4/9; kappa = (2/3 - 4/9) / (1 - 4/9) = 0.4
    assert form.kappa == pytest.approx(0.4)
    assert stance.kappa == pytest.approx(1.0)  # reported, asserted, denied alike on both sides
    summary = report.to_json()
    assert summary["fields"]["source"]["percent"] == pytest.approx(66.7)
    assert "kappa" in summary["fields"]["form"] and "kappa" not in summary["fields"]["cue"]


def test_unlinked_mentions_agree_on_offsets_and_a_missing_side_disagrees() -> None:
    art = "003"
    led = "the group was led by Kazakstan national Janbolat Amirov"
    gknb = mention("a", art, "GKNB", 3, None)
    gknb_b = Span("b-ent", 1, gknb.start, gknb.end, "ORG", "b", "GKNB")
    a_led = claim("a", art, led, source={"span": gknb.uid}, form="paraphrase")
    b_led = claim("b", art, led, source={"span": gknb_b.uid})
    report = attribution_agreement([([gknb, a_led], [gknb_b, b_led])])
    assert (report.fields["source"].compared, report.fields["source"].agreed) == (1, 1)
    assert (report.fields["form"].compared, report.fields["form"].agreed) == (1, 0)
    assert report.fields["cue"].compared == 0 and report.fields["cue"].percent is None
