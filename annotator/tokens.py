"""The one tokenizer: agreement units and token-based export formats use it.

A token is a run of word characters (letters, digits, marks, underscore) that may be
joined inside by ' ’ - ‐ ‑ . , (well-known, 3,000, 4.5, O'Neill) or by an invisible
joiner (soft hyphen, zero-width joiner or non-joiner, as in Persian words), or any other
single character that is not white space (punctuation, symbols), with the marks and
emoji modifiers that follow it; an emoji sequence joined by zero-width joiners and a
flag (two regional indicators) are one token each. Offsets are code points into the
canonical text, end exclusive.

Clitics and possessives are split off the word they end, as spaCy's English tokenizer
does, so that "Kyrgyzstan" in "Kyrgyzstan's" is a token of its own: a word ending in 's,
're, 'll, 've, 'd, 'm or n't (with ' or ’, in any case) gives the word and the ending
("Uber’s" -> "Uber" "’s", "don't" -> "do" "n't", "shouldn't've" -> "should" "n't" "'ve"),
and such an ending standing alone ("do n't", as a CoNLL file rebuilds it) is one token.
Unlike spaCy, which splits 're, 'll, 've, 'd and 'm only after the words in its exception
lists, this applies to every word: a finer cut never costs a span.

Marks (Unicode categories Mn, Mc, Me) count as word characters so that a word written
with combining accents (decomposed "café", Russian stress marks) or in a script whose
vowel signs are marks (Devanagari, Thai, ...) stays one token.

The token export formats (Prodigy, CoNLL, spaCy) also cut a token wherever a span they
write starts or ends inside it ("Kyrgyz" in "Kyrgyzstani", "NATO" in "NATO-CSTO", "3" in
"3,000", a name inside a run of CJK characters): tokenize_for_spans() for the words,
doc_tokens() for the words and the white space between them as a spaCy Doc lays it out.
So every span is on token boundaries: none is skipped and none is moved.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DocToken:
    """A token as a spaCy Doc (and Prodigy) holds it: a word, or a run of white space.

    ws: one space follows that is not a token of its own (spaCy's `whitespace_`), so
    "".join(t.text + (" " if t.ws else "") for t in tokens) is the text.
    """

    start: int
    end: int
    text: str
    ws: bool

    @property
    def is_space(self) -> bool:
        return self.text.isspace()


def _mark_class() -> str:
    """A regex character class body holding every combining mark (Mn, Mc, Me)."""
    ranges: list[tuple[int, int]] = []
    start = previous = -1
    # Marks live below U+20000, apart from the variation selectors supplement.
    for code in [*range(0x20000), *range(0xE0100, 0xE01F0)]:
        if unicodedata.category(chr(code))[0] == "M":
            if start < 0 or code != previous + 1:
                if start >= 0:
                    ranges.append((start, previous))
                start = code
            previous = code
    if start >= 0:
        ranges.append((start, previous))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )


_JOINERS = "'’-\u2010\u2011.,\u00ad\u200c\u200d"
# A clitic ending a word: n't, or an apostrophe and s, re, ll, ve, d or m.
_CLITIC = r"(?i:n['’]t|['’](?:re|ll|ve|[sdm]))"
_CLITIC_AT_END = re.compile(rf"{_CLITIC}\Z")


@lru_cache(maxsize=1)
def token_pattern() -> re.Pattern[str]:
    marks = _mark_class()
    word = rf"[\w{marks}]"
    joiner = rf"[{re.escape(_JOINERS)}]"
    # After a symbol: marks (variation selectors, keycap), skin tones, tag characters.
    modifiers = rf"[{marks}\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]*"
    symbol = rf"[^\w\s{marks}]{modifiers}"
    flag = r"[\U0001F1E6-\U0001F1FF]{2}"
    # A clitic standing alone ("'s", "’re"): one token, not an apostrophe and a word.
    alone = rf"['’](?i:re|ll|ve|[sdm])(?!{word})"
    return re.compile(rf"{word}+(?:{joiner}{word}+)*|{alone}|{flag}|{symbol}(?:\u200d{symbol})*")


def __getattr__(name: str) -> Any:
    # TOKEN_PATTERN is built on first use: collecting the marks takes a few milliseconds.
    if name == "TOKEN_PATTERN":
        return token_pattern()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _clitic_cuts(word: str) -> list[int]:
    """Offsets inside word where its clitics start, left to right ("shouldn't've": 6, 9)."""
    cuts: list[int] = []
    end = len(word)
    while (found := _CLITIC_AT_END.search(word, 0, end)) is not None:
        cut = found.start()
        if cut == 0 or word[cut - 1] in _JOINERS:
            break  # nothing left to be the word ("n't" alone) or a joiner before it
        cuts.append(cut)
        end = cut
    return cuts[::-1]


def _spans(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for match in token_pattern().finditer(text):
        start, end = match.span()
        group = match.group()
        if "'" in group or "’" in group:
            for cut in _clitic_cuts(group):
                found.append((start, match.start() + cut))
                start = match.start() + cut
        found.append((start, end))
    return found


def tokenize(text: str) -> list[Token]:
    return [Token(start, end, text[start:end]) for start, end in _spans(text)]


def token_offsets(text: str) -> list[tuple[int, int]]:
    return _spans(text)


def tokenize_for_spans(text: str, spans: Iterable[tuple[int, int]]) -> list[Token]:
    """tokenize(text), with a token cut wherever one of spans starts or ends inside it.

    The token formats write a document's tokens with the spans being exported: a span
    whose edge falls inside a token ("Kyrgyz" in "Kyrgyzstani") would otherwise have no
    token to start or end on, and be lost or moved.
    """
    cuts = sorted({offset for span in spans for offset in span})
    tokens: list[Token] = []
    for start, end in _spans(text):
        index = bisect_right(cuts, start)
        while index < len(cuts) and cuts[index] < end:
            tokens.append(Token(start, cuts[index], text[start : cuts[index]]))
            start = cuts[index]
            index += 1
        tokens.append(Token(start, end, text[start:end]))
    return tokens


def doc_tokens(text: str, spans: Iterable[tuple[int, int]]) -> list[DocToken]:
    """tokenize_for_spans(text, spans) with the white space laid out as spaCy's Doc does.

    One space after a word is that word's `ws`; any other white space ("\\n", "\\n\\n",
    two spaces, a tab) is a token of its own, so the tokens rebuild the text exactly. White
    space is also cut where a span starts or ends in it, and a space after a word stays a
    token when a span starts on it or ends just after it: every span still starts and ends
    on a token.
    """
    edges = list(spans)
    starts = {start for start, _ in edges}
    ends = {end for _, end in edges}
    cuts = sorted(starts | ends)
    tokens: list[DocToken] = []

    def add_gap(begin: int, stop: int) -> None:
        if begin >= stop:
            return
        if tokens and text[begin] == " " and begin not in starts and begin + 1 not in ends:
            last = tokens[-1]
            tokens[-1] = DocToken(last.start, last.end, last.text, True)
            begin += 1
        index = bisect_right(cuts, begin)
        while begin < stop:
            cut = cuts[index] if index < len(cuts) and cuts[index] < stop else stop
            tokens.append(DocToken(begin, cut, text[begin:cut], False))
            begin = cut
            index += 1

    position = 0
    for token in tokenize_for_spans(text, edges):
        add_gap(position, token.start)
        tokens.append(DocToken(token.start, token.end, token.text, False))
        position = token.end
    add_gap(position, len(text))
    return tokens
