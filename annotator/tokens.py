"""The one tokenizer: agreement units and token-based export formats use it.

A token is a run of word characters (letters, digits, marks, underscore) that may be
joined inside by ' ’ - ‐ ‑ . , (don't, well-known, 3,000, 4.5) or by an invisible
joiner (soft hyphen, zero-width joiner or non-joiner, as in Persian words), or any other
single character that is not white space (punctuation, symbols), with the marks and
emoji modifiers that follow it; an emoji sequence joined by zero-width joiners and a
flag (two regional indicators) are one token each. Offsets are code points into the
canonical text, end exclusive.

Marks (Unicode categories Mn, Mc, Me) count as word characters so that a word written
with combining accents (decomposed "café", Russian stress marks) or in a script whose
vowel signs are marks (Devanagari, Thai, ...) stays one token.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


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


@lru_cache(maxsize=1)
def token_pattern() -> re.Pattern[str]:
    marks = _mark_class()
    word = rf"[\w{marks}]"
    joiner = r"['’\-\u2010\u2011.,\u00ad\u200c\u200d]"
    # After a symbol: marks (variation selectors, keycap), skin tones, tag characters.
    modifiers = rf"[{marks}\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]*"
    symbol = rf"[^\w\s{marks}]{modifiers}"
    flag = r"[\U0001F1E6-\U0001F1FF]{2}"
    return re.compile(rf"{word}+(?:{joiner}{word}+)*|{flag}|{symbol}(?:\u200d{symbol})*")


def __getattr__(name: str) -> Any:
    # TOKEN_PATTERN is built on first use: collecting the marks takes a few milliseconds.
    if name == "TOKEN_PATTERN":
        return token_pattern()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def tokenize(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in token_pattern().finditer(text)]


def token_offsets(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in token_pattern().finditer(text)]

