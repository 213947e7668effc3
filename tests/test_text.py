"""Canonical text, display-safe text and word/sentence boundaries (annotator/text.py)."""

from __future__ import annotations

import pytest

from annotator.text import (
    LineIndex,
    canonicalize,
    content_hash,
    display_safe,
    next_word_start,
    one_line,
    previous_word_start,
    sentence_at,
    snap_to_words,
    trim,
    trim_to_words,
    word_at,
)

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # man ZWJ woman ZWJ girl: one emoji, 5 code points
THUMBS = "\U0001F44D\U0001F3FD"  # thumbs up + skin tone modifier
FLAG = "\U0001F1F0\U0001F1EC"  # regional indicators K G


def word(text: str, offset: int) -> str | None:
    found = word_at(text, offset)
    return None if found is None else text[found[0] : found[1]]


def snapped(text: str, start: int, end: int) -> str | None:
    found = snap_to_words(text, start, end)
    return None if found is None else text[found[0] : found[1]]


# -- canonicalize ----------------------------------------------------------------------


def test_canonicalize_removes_leading_bom_only() -> None:
    assert canonicalize("\ufeffKyrgyzstan") == "Kyrgyzstan"
    # A U+FEFF inside the text is a zero-width no-break space, not a BOM: kept.
    assert canonicalize("a\ufeffb") == "a\ufeffb"


@pytest.mark.parametrize(
    "raw",
    [
        "one\r\ntwo\r\nthree",
        "one\rtwo\rthree",
        "one\u2028two\u2029three",
        "one\x85two\nthree",
        "one\r\ntwo\rthree",
    ],
)
def test_canonicalize_every_line_break_becomes_newline(raw: str) -> None:
    assert canonicalize(raw) == "one\ntwo\nthree"


def test_canonicalize_crlf_is_one_break_not_two() -> None:
    assert canonicalize("a\r\n\r\nb") == "a\n\nb"
    assert canonicalize("a\r\r\nb") == "a\n\nb"  # lone CR then CRLF: two breaks


def test_canonicalize_is_idempotent_and_keeps_other_text() -> None:
    text = f"\ufeffHead\r\n{FAMILY} 我们 cafe\u0301\u2028end"
    once = canonicalize(text)
    assert canonicalize(once) == once
    assert once == f"Head\n{FAMILY} 我们 cafe\u0301\nend"
    assert "\r" not in once and "\u2028" not in once


def test_content_hash_identifies_canonical_text() -> None:
    assert content_hash(canonicalize("a\r\nb")) == content_hash("a\nb")
    assert content_hash("a\nb") != content_hash("a\nb ")


# -- display_safe ----------------------------------------------------------------------

HOSTILE = (
    "Title\x1b[2J\x1b]0;pwned\x07 and \x9b31m C1 CSI, \x9d OSC, \x1b]8;;http://evil\x1b\\link"
    "\u202eevil\u202c \u2066iso\u2069 \u200f\u200e\u061c \x00\x7f\x85\r\t end\n2nd line\u2028x"
)


def test_display_safe_keeps_length_so_offsets_stay_valid() -> None:
    safe = display_safe(HOSTILE)
    assert len(safe) == len(HOSTILE)
    # Ordinary characters stay where they were.
    for index, char in enumerate(HOSTILE):
        if char.isalnum():
            assert safe[index] == char


def test_display_safe_removes_every_terminal_control() -> None:
    safe = display_safe(HOSTILE)
    for bad in ["\x1b", "\x07", "\x9b", "\x9d", "\x00", "\x7f", "\x85", "\r"]:
        assert bad not in safe
    for bidi in ["\u202e", "\u202c", "\u2066", "\u2069", "\u200f", "\u200e", "\u061c"]:
        assert bidi not in safe
    assert "\u2028" not in safe
    # Nothing below U+0020 but the newline, nothing in the C1 block.
    assert all(ord(c) >= 0x20 or c == "\n" for c in safe)
    assert not any(0x7F <= ord(c) <= 0x9F for c in safe)
    assert safe.count("\n") == HOSTILE.count("\n")


def test_display_safe_shows_controls_visibly() -> None:
    assert display_safe("a\x1bb") == "a\u241bb"  # ␛
    assert display_safe("a\tb") == "a b"
    assert display_safe("a\nb") == "a\nb"
    assert display_safe("a\nb", keep_newlines=False) == "a\u21b5b"


def test_display_safe_leaves_ordinary_text_alone() -> None:
    text = f"Kyrgyzstan’s GKNB — “$10,000” {FAMILY} {THUMBS} {FLAG} 我们 cafe\u0301\n"
    assert display_safe(text) == text


def test_one_line_has_no_newline_and_respects_limit() -> None:
    assert one_line("a\nb\x1b") == "a\u21b5b\u241b"
    cut = one_line("Kyrgyzstan says it thwarted coup attempt", 10)
    assert len(cut) == 10 and cut.endswith("…")


def test_line_index_round_trips_offsets() -> None:
    text = f"one\n{FAMILY}two\n\nlast"
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        line, column = index.location(offset)
        assert index.offset(line, column) == offset
    assert index.location(text.index("last")) == (3, 0)
    assert index.line_end(0) == 3
    assert index.line_end(3) == len(text)


# -- words -----------------------------------------------------------------------------


def test_word_at_plain_words_and_punctuation() -> None:
    text = "Kyrgyzstan's GKNB said: well-known groups don't."
    assert word(text, 3) == "Kyrgyzstan"  # the possessive is no part of the name
    assert word(text, text.index("GKNB") + 2) == "GKNB"
    assert word(text, text.index("said")) == "said"
    assert word(text, text.index("well") + 6) == "well-known"
    assert word(text, text.index("don't") + 4) == "don't"  # trailing full stop left out
    assert word("   ", 1) is None
    assert word("", 0) is None


def test_word_at_just_after_a_word_takes_that_word() -> None:
    text = "seize power violently"
    assert word(text, text.index(" violently")) == "power"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("over 3,000 students", "3,000"),
        ("costs us $10,000 a month", "$10,000"),
        ("about 255,238 units.", "255,238"),
        ("rose 4.5 per cent", "4.5"),
        ("up 45% today", "45%"),
        ("just $2. It is quick", "$2"),
        ("at least 144 deaths,", "144"),
        ("paid €1,500,000, then", "€1,500,000"),
    ],
)
def test_word_at_numbers_stay_whole(text: str, target: str) -> None:
    start = text.index(target)
    for offset in range(start, start + len(target)):
        assert word(text, offset) == target, (text, offset)


def test_word_at_sentence_punctuation_after_a_number_is_not_part_of_it() -> None:
    text = "It cost 3,000. Then 5, 6"
    assert word(text, text.index("3")) == "3,000"
    assert word(text, text.index("5")) == "5"


def test_word_at_emoji_with_zwj_is_one_word_and_code_point_offsets() -> None:
    text = f"a {FAMILY} family"
    start = text.index(FAMILY)
    for offset in range(start, start + len(FAMILY)):
        assert word(text, offset) == FAMILY
    assert word(text, text.index("family")) == "family"
    assert word(f"ok {THUMBS} then", 3) == THUMBS
    assert word(f"go {FLAG} go", 4) == FLAG


def test_word_at_cjk_and_combining_marks() -> None:
    text = "我们的 journalism"
    assert word(text, 1) == "我们的"
    assert word(text, text.index("journalism") + 3) == "journalism"
    decomposed = "un cafe\u0301 noir"
    assert word(decomposed, decomposed.index("c")) == "cafe\u0301"
    assert word(decomposed, decomposed.index("\u0301")) == "cafe\u0301"
    assert word("Zhaparov\u0308s x", 2) == "Zhaparov\u0308s"


def test_word_navigation_moves_by_words() -> None:
    text = f"One {FAMILY} $10,000 end"
    starts = [0]
    while starts[-1] < len(text):
        starts.append(next_word_start(text, starts[-1]))
    assert [text[s : s + 3] for s in starts[:-1]] == ["One", FAMILY[:3], "$10", "end"]
    assert previous_word_start(text, len(text)) == text.index("end")
    assert previous_word_start(text, text.index("end")) == text.index("$10,000")


# -- snap_to_words ----------------------------------------------------------------------


def test_snap_grows_partial_words_and_trims_space() -> None:
    text = "Kyrgyzstan says it thwarted coup attempt"
    assert snapped(text, 2, 8) == "Kyrgyzstan"
    assert snapped(text, 2, 12) == "Kyrgyzstan says"
    assert snapped(text, 10, 16) == "says"  # leading and trailing blanks dropped
    assert snapped(text, 10, 11) is None  # only a blank
    assert snapped(text, 0, len(text)) == text


def test_snap_keeps_numbers_money_and_emoji_whole() -> None:
    text = f"It costs us $10,000 a month, {FAMILY} and 3,000 students."
    dollar = text.index("$")
    assert snapped(text, dollar + 2, dollar + 4) == "$10,000"
    three = text.index("3,000")
    assert snapped(text, three + 2, three + 3) == "3,000"
    family = text.index(FAMILY)
    assert snapped(text, family + 1, family + 2) == FAMILY
    assert snapped(text, three, len(text)) == "3,000 students"


def test_snap_with_cjk_and_combining_marks() -> None:
    text = "记者 报道 cafe\u0301 ok"
    assert snapped(text, 3, 4) == "报道"
    c = text.index("c")
    assert snapped(text, c, c + 4) == "cafe\u0301"  # never splits a base from its mark


# -- sentences -------------------------------------------------------------------------


def sentence(text: str, offset: int) -> str | None:
    found = sentence_at(text, offset)
    return None if found is None else text[found[0] : found[1]]


def test_sentence_at_basic_and_punctuation() -> None:
    text = 'He said "yes." Then left! Really? Yes.'
    assert sentence(text, 2) == 'He said "yes."'
    assert sentence(text, text.index("left")) == "Then left!"
    assert sentence(text, text.index("Really")) == "Really?"
    assert sentence(text, len(text) - 1) == "Yes."


def test_sentence_at_numbers_and_abbreviations_do_not_end_sentences() -> None:
    text = "Mr. Smith paid $10,000 on Jan. 5 for 4.5 tonnes. Then he left the U.S. for good."
    assert sentence(text, text.index("tonnes")) == "Mr. Smith paid $10,000 on Jan. 5 for 4.5 tonnes."
    assert sentence(text, text.index("left")) == "Then he left the U.S. for good."


def test_sentence_at_line_breaks_bound_sentences() -> None:
    text = "Headline Without Stop\n\nFirst sentence here. Second one\ncontinues"
    assert sentence(text, 3) == "Headline Without Stop"
    assert sentence(text, text.index("Second")) == "Second one"
    assert sentence(text, text.index("continues")) == "continues"
    assert sentence("   \n  ", 2) is None


def test_sentence_at_with_emoji_and_cjk() -> None:
    text = f"Family {FAMILY} arrived. 我们 agree. End"
    assert sentence(text, text.index(FAMILY) + 2) == f"Family {FAMILY} arrived."
    assert sentence(text, text.index("我")) == "我们 agree."


# -- selections end on words -------------------------------------------------------------

ARTICLE = (
    "Kyrgyzstan’s State Committee for National Security (GKNB) said on Monday it had seized "
    "€45 million, $10,000 in cash and 3.5% of the shares — in the U.S. and Central Asia. "
    "“Kyrgyz Spring” analysts’ view: Apple Inc. paid."
)


def around(text: str, needle: str, before: int = 0, after: int = 0) -> str | None:
    """Snap a selection of `needle` grown by `before` / `after` characters."""
    start = text.index(needle)
    return snapped(text, start - before, start + len(needle) + after)


@pytest.mark.parametrize(
    ("needle", "after", "expected"),
    [
        # What ctrl+shift+→ takes in: the word and what follows up to the next word.
        ("State Committee for National Security (", 0, "State Committee for National Security"),
        ("€45 million,", 1, "€45 million"),
        ("Central Asia.", 1, "Central Asia"),
        ("$10,000 in cash", 0, "$10,000 in cash"),
        ("3.5% of", 0, "3.5% of"),
        ("the shares —", 1, "the shares"),
        ("Kyrgyzstan’s", 1, "Kyrgyzstan"),
        ("analysts’", 0, "analysts"),
        ("analysts’ view:", 1, "analysts’ view"),
        ("“Kyrgyz Spring”", 1, "Kyrgyz Spring"),
        ("Apple Inc.", 1, "Apple Inc."),
        ("the U.S.", 1, "the U.S."),
        ("(GKNB)", 1, "GKNB"),
    ],
)
def test_snapped_selections_drop_punctuation_and_possessives(needle: str, after: int, expected: str) -> None:
    assert around(ARTICLE, needle, after=after) == expected


def test_snapping_keeps_what_belongs_to_a_quantity_or_a_name() -> None:
    assert around(ARTICLE, "€45", after=2) == "€45 million"  # a partial word grows, the € stays
    assert around(ARTICLE, "10,0", before=1) == "$10,000"
    assert around(ARTICLE, "3.5%", after=1) == "3.5%"
    assert around(ARTICLE, "U.S", before=4, after=0) == "the U.S."  # the abbreviation keeps its full stop
    # Brackets and quote marks are kept when their partner is inside the selection.
    assert around(ARTICLE, "State Committee for National Security (GKNB)", after=1) == (
        "State Committee for National Security (GKNB)"
    )
    assert around(ARTICLE, "“Kyrgyz Spring” analysts", before=1) == "“Kyrgyz Spring” analysts"
    # Nothing but punctuation: nothing to tag.
    assert around(ARTICLE, "—", before=1, after=1) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(GKNB).", "GKNB"),
        ("“GKNB’s”", "GKNB"),
        ("'Kyrgyz Spring'", "Kyrgyz Spring"),
        ("— GKNB —", "GKNB"),
        ("[1]", "1"),
        ("analysts'", "analysts"),
        ("said no.", "said no"),  # "no" is no abbreviation at the end of a sentence
        ("Washington, D.C.", "Washington, D.C."),
        ("Martin Luther King Jr.,", "Martin Luther King Jr."),
        ("#MeToo,", "#MeToo"),
        ("@GKNB:", "@GKNB"),
        ("-5°C.", "-5°C"),
        ("the ’90s.", "the ’90s"),
        ("don't", "don't"),
        ("(a) and (b)", "(a) and (b)"),
        ("“…”", None),
    ],
)
def test_trim_to_words(text: str, expected: str | None) -> None:
    found = trim_to_words(text, 0, len(text))
    assert (None if found is None else text[found[0] : found[1]]) == expected


def test_precision_trim_keeps_punctuation() -> None:
    text = "in Central Asia. Then"
    start = text.index("Central")
    assert trim(text, start, start + len("Central Asia. ")) == (start, start + len("Central Asia."))


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("Kyrgyzstan’s GKNB", "Kyrgyz", "Kyrgyzstan"),
        ("KYRGYZSTAN'S GKNB", "KYRGYZ", "KYRGYZSTAN"),
        ("in the U.S. today", "U", "U.S."),
        ("Apple Inc. paid", "Inc", "Inc."),
        ("in Central Asia. Then", "Asia", "Asia"),
        ("the analysts’ view", "ana", "analysts"),
        ("up 3.5% today", "3", "3.5%"),
        ("paid €45 million", "45", "€45"),
    ],
)
def test_word_at_ends_on_the_word(text: str, at: str, expected: str) -> None:
    assert word(text, text.index(at)) == expected
