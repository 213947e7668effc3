"""What every importer produces: documents with their spans, offsets already canonical."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.errors import InputError
from annotator.model import NewSpan
from annotator.text import canonicalize


@dataclass
class Record:
    key: str
    title: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    spans: list[NewSpan] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    where: str = ""


def check_encodable(text: str, where: str) -> None:
    """Lone surrogates (from JSON escapes like \\ud800) cannot be stored or exported."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            f"{where}: text holds a lone surrogate U+{ord(text[error.start]):04X} at offset {error.start}"
        ) from None


def canonical_offsets(text: str) -> tuple[str, list[int] | None]:
    """Canonicalise text and return, when it changed, a map old offset -> new offset.

    Spans that arrive with a CRLF or BOM text point into the original; they are moved
    through this map so they cover the same characters in the stored text.
    """
    canonical = canonicalize(text)
    if canonical == text:
        return text, None
    mapping: list[int] = []
    old = 0
    new = 0
    if text.startswith("\ufeff"):
        mapping.append(0)
        old = 1
    n = len(text)
    while old < n:
        mapping.append(new)
        if text[old] == "\r" and old + 1 < n and text[old + 1] == "\n":
            mapping.append(new)  # the "\n" of a CRLF maps where the pair became one "\n"
            old += 2
        else:
            old += 1
        new += 1
    mapping.append(new)
    return canonical, mapping
