"""The one tokenizer: agreement units and token-based export formats use it.

A token is a run of word characters (letters, digits, marks, underscore) that may be
joined inside by ' ’ - . , (don't, well-known, 3,000, 4.5), or any other single
character that is not white space (punctuation, symbols, each emoji code point
sequence). Offsets are code points into the canonical text, end exclusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN_PATTERN = re.compile(r"\w+(?:['’\-.,]\w+)*|[^\w\s](?:\u200d[^\w\s])*[\ufe0f\U0001F3FB-\U0001F3FF]*")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


def tokenize(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN_PATTERN.finditer(text)]


def token_offsets(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN_PATTERN.finditer(text)]
