"""Units one key tags or jumps to (annotator/units): names, quantities, claims, clauses, hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.labels import DEFAULT_LABELS
from annotator.model import Label
from annotator.units import (
    HINT_LETTERS,
    Gazetteer,
    Suggestion,
    claim_from,
    clause_at,
    find_text,
    grow,
    hint_labels,
    mentions,
    model_suggestions,
    name_at,
    near_mentions,
    next_candidate,
    previous_candidate,
    quantity_at,
    quotation_at,
    sentence_span,
    smart_unit_at,
    smart_unit_for,
    suggest,
    suggestion_quality,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"


def article(number: int) -> str:
    return sorted(CORPUS.glob("*.txt"))[number].read_text(encoding="utf-8")


def at(finder, text: str, anchor: str, shift: int = 0, *extra) -> str | None:
    """What finder returns at the first occurrence of anchor (plus shift), as text."""
    found = finder(text, text.index(anchor) + shift, *extra)
    return None if found is None else text[found[0] : found[1]]


COUP = article(0)
NEWSWEEK = article(1)
MOSCOW_TIMES = article(2)
IWPR = article(3)
OFFICIALS = article(4)


# -- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "anchor", "shift", "expected"),
    [
        (COUP, "State Committee for National Security (GKNB) announced", 0, "State Committee for National Security"),
        (COUP, "State Committee for National Security (GKNB) announced", 16, "State Committee for National Security"),
        (COUP, "Kyrgyzstan's State", 3, "Kyrgyzstan"),
        (COUP, "Kyrgyzstan's State", 11, "Kyrgyzstan"),
        (COUP, "(GKNB) announced", 2, "GKNB"),
        (COUP, "Shanghai Cooperation", 10, "Shanghai Cooperation Organization"),
        (COUP, "Akylbek", 0, "Akylbek Zhaparov"),
        (COUP, "Prime Minister", 0, "Prime Minister"),
        (NEWSWEEK, "Vladimir Putin, left", 0, "Vladimir Putin"),
        (COUP, "Islamic State-Khorasan", 0, "Islamic State-Khorasan Province"),
        (COUP, "Al-Azaim", 0, "Al-Azaim Foundation for Media Production"),
        (NEWSWEEK, "SCNS.", 0, "SCNS"),
        (NEWSWEEK, "U.S. Department", 0, "U.S. Department of Treasury"),
        (NEWSWEEK, "U.K. for", 0, "U.K."),
        (IWPR, "Toktonaliev", 0, "Timur Toktonaliev"),
        (NEWSWEEK, "Freedom House's", 0, "Freedom House"),
        (OFFICIALS, "Eid al-Fitr", 8, "Eid al-Fitr"),
        (MOSCOW_TIMES, "al-Alam", 0, "al-Alam Salahuddin"),
        (IWPR, "Hizb ut-Tahrir", 6, "Hizb ut-Tahrir"),
        ("An MP in the Kyrgyz Republic’s parliament.", "Republic", 0, "Kyrgyz Republic"),
        ("It cited the Institute for War and Peace Reporting today.", "Peace", 0, "Institute for War and Peace Reporting"),
        ("Investors sold Procter & Gamble shares.", "Gamble", 0, "Procter & Gamble"),
    ],
)
def test_name_at_takes_the_whole_capitalised_phrase(text: str, anchor: str, shift: int, expected: str) -> None:
    assert at(name_at, text, anchor, shift) == expected


def test_a_hyphenated_pair_of_acronyms_is_two_names() -> None:
    line = OFFICIALS.index("NATO-CSTO\n")
    assert at(name_at, OFFICIALS[line:], "NATO") == "NATO"
    assert at(name_at, OFFICIALS[line:], "CSTO") == "CSTO"


def test_plain_first_words_of_a_sentence_are_not_names() -> None:
    assert name_at("The Moscow Times reported it.", 1) is None
    assert name_at("The Moscow Times reported it.", 6) == (4, 16)
    assert at(name_at, MOSCOW_TIMES, "The Moscow Times", 0) == "The Moscow Times"  # inside a sentence
    assert name_at("Officials said the attack failed.", 2) is None
    # "weapons" occurs in lowercase in the article, so "Weapons" starting a line is a plain word.
    assert at(name_at, NEWSWEEK, "Weapons recovered") is None
    assert at(name_at, NEWSWEEK, "Weapons recovered from Kyrgyz", 24) == "Kyrgyz"
    # A name that starts a sentence is still a name.
    assert at(name_at, NEWSWEEK, "Kyrgyzstan remains") == "Kyrgyzstan"


def test_a_headline_in_title_case_names_only_what_the_article_names() -> None:
    assert at(name_at, MOSCOW_TIMES, "Islamic State Attacks", 3) == "Islamic State"
    assert at(name_at, MOSCOW_TIMES, "Foiled Two") is None
    assert at(name_at, IWPR, "Kyrgyzstan Firefight") == "Kyrgyzstan"
    assert at(name_at, IWPR, "Firefight") is None


def test_iraq_and_syria_are_two_names_and_dates_are_not_names() -> None:
    assert at(name_at, MOSCOW_TIMES, "Syria, then") == "Syria"
    assert at(name_at, COUP, "IntelliNews") == "IntelliNews"
    assert at(name_at, COUP, "July 7, 2024") is None


# -- quantities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "anchor", "shift", "expected"),
    [
        (COUP, "144 deaths", 0, "at least 144 deaths"),
        (COUP, "144 deaths", 5, "at least 144 deaths"),
        (COUP, "255,238", 3, "255,238 units of ammunition"),
        (COUP, "200 sets", 0, "200 sets of law enforcement uniforms"),
        (COUP, "two drones", 0, "two drones"),
        (COUP, "July 7, 2024", 0, "July 7, 2024"),
        (COUP, "2020-21", 0, "2020-21"),
        (MOSCOW_TIMES, "$10,000", 2, "$10,000 a month"),
        (MOSCOW_TIMES, "$2.", 0, "$2"),
        (MOSCOW_TIMES, "seven Kalashnikov", 0, "seven Kalashnikov assault rifles"),
        (MOSCOW_TIMES, "500 kg", 0, "500 kg (1,100 lb) of\xa0saltpeter"),
        ("It weighed 500 kg (1,100 lb) in all.", "500", 0, "500 kg (1,100 lb)"),
        (MOSCOW_TIMES, "350 Kyrgyz", 0, "more than 350 Kyrgyz citizens"),
        (MOSCOW_TIMES, "six gunmen", 0, "six gunmen"),
        (NEWSWEEK, "3,000 students", 0, "over 3,000 students"),
        (NEWSWEEK, "2024 report", 0, "2024"),
        (IWPR, "200 Kyrgyz nationals", 0, "some 200 Kyrgyz nationals"),
        (IWPR, "54-year-old", 0, "54-year-old"),
        (IWPR, "11 men", 0, "11 men"),
        (IWPR, "hundreds of our", 0, "hundreds of our fellow-citizens"),
        (IWPR, "beginning of July", 4, "the beginning of July"),
        (NEWSWEEK, "seven-year", 0, "seven-year sentence"),
        (NEWSWEEK, "79th", 0, "79th anniversary"),
        (NEWSWEEK, "January, the", 0, "January"),
        (MOSCOW_TIMES, "two more attackers", 0, "two more attackers"),
        (MOSCOW_TIMES, "every Friday", 8, "every Friday"),
        (COUP, "mid-June", 5, "mid-June"),
        (IWPR, "22 kilometres", 0, "22 kilometres"),
        (OFFICIALS, "500kg", 0, "500kg of explosive material"),
        ("Fines rose to €45 million last year.", "€45", 0, "€45 million"),
        ("About two dozen men were held.", "two", 0, "About two dozen men"),
        ("Up to a million people fled.", "million", 0, "Up to a million people"),
        ("Turnout fell by nearly 45% in 2019.", "45", 0, "nearly 45%"),
        ("Turnout fell by nearly 45% in 2019.", "2019", 0, "2019"),
        ("The vote is on March 3 this year.", "March", 0, "March 3"),
    ],
)
def test_quantity_at_takes_bound_number_and_what_is_counted(text: str, anchor: str, shift: int, expected: str) -> None:
    assert at(quantity_at, text, anchor, shift) == expected


def test_words_that_only_look_numeric_are_not_quantities() -> None:
    assert at(quantity_at, NEWSWEEK, "24.KG") is None
    assert at(quantity_at, NEWSWEEK, "one of Russia") is None
    assert at(quantity_at, NEWSWEEK, "World War Two", 10) is None
    assert at(quantity_at, OFFICIALS, "two security organization") == "two"  # a count wants a plural


# -- sentences, claims, clauses, quotations ---------------------------------------------


def test_sentence_and_claim_leave_out_closing_punctuation_and_quotes() -> None:
    assert at(sentence_span, IWPR, "We’re carrying") == "We’re carrying on working"
    assert at(claim_from, COUP, "it has thwarted") == (
        "it has thwarted a coup attempt by a group aiming destabilise the country through mass riots and seize power violently"
    )
    # Between words, the claim starts at the next word.
    assert at(claim_from, COUP, " it has thwarted") == at(claim_from, COUP, "it has thwarted")


@pytest.mark.parametrize(
    ("text", "anchor", "expected"),
    [
        (IWPR, "Islamic State is a true", "Islamic State is a true enemy of Islam"),
        (IWPR, "These terrorists", "These terrorists proved to be poorly trained"),
        (MOSCOW_TIMES, "Yes, they", "Yes, they were all Islamic State members"),
        (MOSCOW_TIMES, "Amirov was killed", "Amirov was killed during the\xa0operation"),
        (COUP, "a female cell", "a female cell reportedly planning an attack on a Western target was apprehended"),
        (NEWSWEEK, "to have quashed", "to have quashed another uprising"),
        (IWPR, "some 200 Kyrgyz", "some 200 Kyrgyz nationals are fighting for IS in Syria"),
        (IWPR, "Now we are concerned", "Now we are concerned for the future"),
        (IWPR, "the pair had", "the pair had set up a terrorist group in Kazakstan"),
        (OFFICIALS, "members of ISIS", "members of ISIS"),
    ],
)
def test_claim_from_ends_where_the_claim_visibly_ends(text: str, anchor: str, expected: str) -> None:
    """A closing quote, an attribution, "though", ", and said", a dash or a bracket ends the claim."""
    assert at(claim_from, text, anchor) == expected
    sentence = at(sentence_span, text, anchor)
    assert sentence is not None and expected in sentence


def test_clause_boundaries() -> None:
    assert at(clause_at, COUP, "raids on the") == (
        "raids on the suspects' homes and vehicles uncovered a cache of weapons as well as law enforcement uniforms, drones and extremist literature"
    )
    assert at(clause_at, COUP, "GKNB said that") == "the GKNB said that"
    assert at(clause_at, IWPR, "true enemy") == "Islamic State is a true enemy of Islam"
    assert at(clause_at, IWPR, "the group was led by") == "the group was led by Kazakstan national Janbolat Amirov"
    assert at(clause_at, IWPR, "which says Amirov").startswith("which says Amirov died")


def test_quotation_at_gives_the_inside_of_the_innermost_quotation() -> None:
    assert at(quotation_at, IWPR, "hundreds of our") == "hundreds of our fellow-citizens could have been killed"
    assert at(quotation_at, MOSCOW_TIMES, "they were all") == "Yes, they were all Islamic State members"
    assert quotation_at("He said «non» twice.", 9) == (9, 12)
    assert at(quotation_at, IWPR, "President Almazbek") is None


def test_grow_climbs_word_name_clause_quotation_sentence_paragraph() -> None:
    text = IWPR
    start = text.index("Janbolat")
    steps = []
    found: tuple[int, int] | None = (start, start + 3)
    while found is not None:
        found = grow(text, *found)
        if found is not None:
            steps.append(text[found[0] : found[1]])
    assert steps[:3] == ["Janbolat", "Janbolat Amirov", "the group was led by Kazakstan national Janbolat Amirov"]
    assert steps[-1].startswith("According to the GKNB") and steps[-1].endswith("during the raid")
    quoted = text.index("hundreds of our")
    figure = grow(text, quoted, quoted + len("hundreds"))
    assert figure is not None and text[figure[0] : figure[1]] == "hundreds of our fellow-citizens"
    quotation = grow(text, *figure)
    assert quotation is not None and text[quotation[0] : quotation[1]] == "hundreds of our fellow-citizens could have been killed"


# -- smart units ----------------------------------------------------------------------


def test_smart_unit_prefers_quantity_then_name_then_word() -> None:
    assert at(smart_unit_at, COUP, "144") == "at least 144 deaths"
    assert at(smart_unit_at, COUP, "Committee for") == "State Committee for National Security"
    assert at(smart_unit_at, COUP, "thwarted a coup") == "thwarted"
    assert at(smart_unit_at, COUP, "(GKNB)", 1) == "GKNB"
    assert at(smart_unit_at, COUP, "literature.", 3) == "literature"


def test_smart_unit_for_follows_the_label_kind() -> None:
    anchor = "Janbolat Amirov, and he"
    assert at(smart_unit_for, IWPR, anchor, 0, "entity") == "Janbolat Amirov"
    assert at(smart_unit_for, IWPR, anchor, 0, "claim") == "Janbolat Amirov, and he was among those shot dead during the raid"
    assert at(smart_unit_for, COUP, "50 weapons", 0, "quantity") == "50 weapons"
    assert at(smart_unit_for, COUP, "weapons, drones", 0, "quantity") == "weapons"
    assert at(smart_unit_for, COUP, "weapons, drones", 0, "entity") == "weapons"


# -- candidates, search, hints ------------------------------------------------------------


def test_next_candidate_walks_names_quantities_and_reported_content() -> None:
    text = COUP
    start = text.index("Kyrgyzstan's State Committee for National Security (GKNB) announced")
    seen = []
    offset = start
    for _ in range(5):
        found = next_candidate(text, offset, [])
        assert found is not None
        seen.append(text[found[0] : found[1]])
        offset = found[0]
    assert seen == [
        "State Committee for National Security",
        "GKNB",
        "July 5",
        "it has thwarted a coup attempt by a group aiming destabilise the country through mass riots and seize power violently",
        "destructive group planning a violent seizure of power",  # a quotation
    ]
    back = previous_candidate(text, offset, [])
    assert back is not None and text[back[0] : back[1]].startswith("it has thwarted")


def test_candidates_include_quoted_sentences_and_content_after_that() -> None:
    text = IWPR
    starts = []
    offset = text.index("He stressed")
    while offset < text.index("According to the GKNB"):
        found = next_candidate(text, offset, [])
        assert found is not None
        starts.append(text[found[0] : found[1]])
        offset = found[0]
    assert "the threat was serious" in starts  # "stressed, however, that ..."
    assert "First of all, they want to destabilise the situation in the country, and to prove themselves" in starts
    assert "We’re carrying on working" in starts  # the last sentence of a quotation


def test_next_candidate_skips_what_is_tagged_but_not_names_inside_a_claim() -> None:
    text = COUP
    state = text.index("State Committee for National Security (GKNB)")
    gknb = text.index("GKNB", state)
    tagged = [(state, state + len("State Committee for National Security")), (gknb, gknb + 4)]
    found = next_candidate(text, state - 1, tagged)
    assert found is not None and text[found[0] : found[1]] == "July 5"
    claim = claim_from(text, state)
    assert claim is not None
    found = next_candidate(text, state - 1, [claim])
    assert found == tagged[0]
    assert next_candidate(text, len(text) - 3, []) is None
    assert previous_candidate(text, 0, []) is None


def test_find_text_is_case_insensitive_and_wraps() -> None:
    text = COUP
    first = text.index("gknb.gov.kg")
    second = text.index("GKNB")
    assert find_text(text, "GKNB", 0) == first
    assert find_text(text, "gknb", first) == second
    assert find_text(text, "GKNB", text.rindex("GKNB")) == first  # wraps to the top
    assert find_text(text, "gknb", second, -1) == first
    assert find_text(text, "gknb", first, -1) == text.rindex("GKNB")  # wraps to the bottom
    assert find_text(text, "nowhere at all", 0) is None
    assert find_text(text, "", 0) is None
    # Offsets stay exact where lowercasing changes a string's length ("İ" lowercases to two code points).
    assert find_text("İİ Bishkek", "bishkek", 0) == 3


def test_hint_labels_are_prefix_free_and_give_single_letters_to_likely_targets() -> None:
    text = COUP
    visible = (0, 2000)
    cursor = text.index("Khorasan was")
    gknb = text.index("GKNB")
    hints = hint_labels(text, visible, cursor, [(gknb, gknb + 4)])
    labels = list(hints)
    assert all(set(label) <= set(HINT_LETTERS) and label.islower() for label in labels)
    assert not any(a != b and b.startswith(a) for a in labels for b in labels)
    assert len(set(hints.values())) == len(hints)
    single = {offset for label, offset in hints.items() if len(label) == 1}
    double = {offset for label, offset in hints.items() if len(label) == 2}
    assert single and double
    assert cursor in single  # "Khorasan" is capitalised and nearest
    later_gknb = text.index("GKNB", gknb + 1)
    assert later_gknb in single or later_gknb in double
    words = {text.index("Khorasan was") + len("Khorasan "), text.index("responsible")}
    assert all(offset in hints.values() for offset in words)
    assert hints[labels[0]] == cursor


def test_hint_labels_on_a_short_view_are_single_letters() -> None:
    text = "Kyrgyz police detained 15 people in Bishkek."
    hints = hint_labels(text, (0, len(text)), 0, [])
    assert sorted(hints.values()) == [0, 7, 14, 23, 26, 33, 36]
    assert all(len(label) == 1 for label in hints)
    assert hint_labels(text, (5, 5), 0, []) == {}


# -- mentions ---------------------------------------------------------------------------


def test_mentions_finds_every_other_whole_word_occurrence_not_yet_tagged() -> None:
    text = IWPR
    first = text.index("GKNB")
    places = mentions(text, first, first + 4, [])
    assert len(places) == text.count("GKNB") - 1
    assert all(text[start:end] == "GKNB" for start, end in places)
    tagged = [(first, first + 4), places[0]]
    assert mentions(text, first, first + 4, tagged) == places[1:]
    # "IS" inside "ISIS" or "Islamic" is not a mention of "IS".
    text = "IS said. ISIS and Islamic State and IS."
    assert mentions(text, 0, 2, []) == [(36, 38)]


def test_near_mentions_find_other_spellings() -> None:
    text = IWPR + "\n" + MOSCOW_TIMES
    found = near_mentions(text, "Kazakhstan", [])
    spelled = {text[start:end] for start, end, _ in found}
    assert spelled == {"Kazakstan"}
    assert all(score >= 85 for _, _, score in found)
    names = {text[start:end] for start, end, _ in near_mentions(text, "Zhanbolat Amirov", [])}
    assert names == {"Janbolat Amirov"}
    kazakstan = text.index("Kazakstan")
    assert (kazakstan, kazakstan + 9) not in {(s, e) for s, e, _ in near_mentions(text, "Kazakhstan", [(kazakstan, kazakstan + 9)])}


# -- suggestions ------------------------------------------------------------------------


ROWS = [
    ("GKNB", "ORG", 5),
    ("State Committee for National Security", "ORG", 3),
    ("National Security", "OTHER", 1),
    ("Bishkek", "PLACE", 4),
    ("Bishkek", "ORG", 1),
    ("Kant", "PLACE", 2),
    ("SECRET", "CODEWORD", 3),
]


def test_gazetteer_suggestions_are_whole_words_longest_first_never_overlapping() -> None:
    text = IWPR
    gazetteer = Gazetteer.from_rows(ROWS)
    found = suggest(text, gazetteer, [], DEFAULT_LABELS)
    gazetteered = [item for item in found if item.source == "gazetteer"]
    texts = {text[item.start : item.end] for item in gazetteered}
    assert texts == {"GKNB", "State Committee for National Security", "Bishkek", "Kant"}
    committee = next(item for item in gazetteered if text[item.start : item.end].startswith("State"))
    assert committee.label == "ORG" and committee.score == 1.0
    bishkek = next(item for item in gazetteered if text[item.start : item.end] == "Bishkek")
    assert bishkek.label == "PLACE" and bishkek.score == pytest.approx(0.8)
    ordered = sorted((item.start, item.end) for item in gazetteered)
    assert all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:], strict=False))
    assert not any(text[item.start : item.end] == "National Security" for item in found)


def test_quantity_patterns_need_a_quantity_label() -> None:
    text = COUP
    gazetteer = Gazetteer.from_rows([])
    found = suggest(text, gazetteer, [], DEFAULT_LABELS)
    assert {item.source for item in found} == {"pattern"}
    assert all(item.label == "QUANTITY" for item in found)
    assert "255,238 units of ammunition" in {text[item.start : item.end] for item in found}
    measures = (Label("AMOUNT", "quantity", "a", "#ffffff"), Label("ORG", "entity", "o", "#ffffff"))
    assert {item.label for item in suggest(text, gazetteer, [], measures)} == {"AMOUNT"}
    entities_only = (Label("ORG", "entity", "o", "#ffffff"),)
    assert suggest(text, gazetteer, [], entities_only) == []


def test_suggestions_skip_what_is_tagged() -> None:
    text = COUP
    gazetteer = Gazetteer.from_rows(ROWS)
    first = text.index("GKNB")
    everything = suggest(text, gazetteer, [], DEFAULT_LABELS)
    assert any(item.start == first for item in everything)
    rest = suggest(text, gazetteer, [(first, first + 4)], DEFAULT_LABELS)
    assert not any(item.start == first for item in rest)
    assert len(rest) == len(everything) - 1


def test_suggestion_quality_counts_exact_matches() -> None:
    offered = [Suggestion(0, 4, "ORG", "gazetteer", 1.0), Suggestion(10, 14, "ORG", "gazetteer", 1.0)]
    final = [(0, 4, "ORG"), (10, 14, "PLACE"), (20, 30, "QUANTITY")]
    assert suggestion_quality(offered, final) == (0.5, pytest.approx(1 / 3))
    assert suggestion_quality([], final) == (1.0, 0.0)
    assert suggestion_quality(offered, []) == (0.0, 1.0)


def test_model_suggestions_need_an_installed_model() -> None:
    """Without a spaCy model package installed nothing is downloaded: the answer is []."""
    try:
        import spacy.util
    except ImportError:
        assert model_suggestions(COUP, DEFAULT_LABELS) == []
        return
    if not spacy.util.get_installed_models():
        assert model_suggestions(COUP, DEFAULT_LABELS) == []
    else:
        found = model_suggestions(COUP, DEFAULT_LABELS)
        assert all(item.source == "model" for item in found)


# -- edge cases ---------------------------------------------------------------------------

FINDERS = [name_at, quantity_at, sentence_span, claim_from, clause_at, quotation_at, smart_unit_at]


@pytest.mark.parametrize("finder", FINDERS)
def test_empty_and_blank_text(finder) -> None:
    assert finder("", 0) is None
    assert finder("   \n\n  ", 3) is None


def test_offset_at_the_end_of_the_text() -> None:
    text = "Police detained 15 people in Bishkek"
    end = len(text)
    assert name_at(text, end) == (29, end)
    assert smart_unit_at(text, end) == (29, end)
    assert claim_from(text, end) is None
    assert sentence_span(text, end) == (0, end)
    assert grow(text, 0, end) is None
    assert next_candidate(text, end, []) is None
    assert find_text(text, "police", end) == 0


def test_text_with_carriage_returns() -> None:
    text = "Kyrgyzstan's GKNB arrested 15 individuals.\r\nThe suspects are accused.\r\n"
    assert at(name_at, text, "GKNB") == "GKNB"
    assert at(quantity_at, text, "15") == "15 individuals"
    assert at(sentence_span, text, "arrested") == "Kyrgyzstan's GKNB arrested 15 individuals"
    assert at(claim_from, text, "suspects") == "suspects are accused"
    assert at(sentence_span, text, "accused") == "The suspects are accused"


def test_emoji_and_cjk_keep_offsets_in_code_points() -> None:
    text = f"{FAMILY} 北京 reported that Zhanbolat Amirov paid $2 for 漢字 books {FAMILY}."
    assert at(name_at, text, "Amirov") == "Zhanbolat Amirov"
    assert at(quantity_at, text, "$2") == "$2"
    assert at(smart_unit_at, text, "北京") == "北京"
    assert name_at(text, 0) is None
    assert at(claim_from, text, "Zhanbolat") == f"Zhanbolat Amirov paid $2 for 漢字 books {FAMILY}"
    found = next_candidate(text, 0, [])
    assert found is not None and text[found[0] : found[1]].startswith("Zhanbolat")
    hints = hint_labels(text, (0, len(text)), 0, [])
    assert text.index("北京") in hints.values()
    assert find_text(text, "AMIROV", 0) == text.index("Amirov")


def test_importing_units_loads_neither_spacy_nor_textual() -> None:
    """spaCy takes seconds to import and Textual belongs to the app: neither may load with the rules."""
    import subprocess
    import sys

    check = "import sys, annotator.units; print(sorted(m for m in ('spacy', 'textual') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_suggestion_at_an_offset_prefers_one_starting_there_then_the_shortest() -> None:
    from annotator.units import Suggestion, suggestion_at

    outer = Suggestion(0, 30, "ORG", "gazetteer", 1.0)
    inner = Suggestion(6, 15, "PERSON", "gazetteer", 1.0)
    later = Suggestion(10, 12, "QUANTITY", "pattern", 1.0)
    offers = [outer, inner, later]
    assert suggestion_at(offers, 0) is outer
    assert suggestion_at(offers, 6) is inner  # starts there, though `later` is not under 6
    assert suggestion_at(offers, 11) is later  # the shortest holding the offset
    assert suggestion_at(offers, 30) is None
