"""Pieces the exporters share: record metadata, a stable 32-bit hash, records by document."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from annotator.exporters.records import Record


def record_meta(record: Record) -> dict[str, Any]:
    """The document's identity and metadata, and whose spans these are."""
    meta: dict[str, Any] = {"id": record.document.key, "title": record.document.title}
    if record.annotator is not None:
        meta["annotator"] = record.annotator
    if record.document.meta:
        meta["document_meta"] = record.document.meta
    return meta


def stable_hash(value: str) -> int:
    """A signed 32-bit integer from sha256: the same on every machine and Python run."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def json_line(value: Any) -> str:
    """One JSONL line; U+2028, U+2029 and U+0085 escaped so no reader takes them for a line break."""
    line = json.dumps(value, ensure_ascii=False)
    if "\u2028" in line or "\u2029" in line or "\x85" in line:
        line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")
    return line


def by_document(records: Iterable[Record]) -> Iterator[tuple[list[Record], list[tuple[int, int]]]]:
    """The records of each document together, with the offsets of every span they write.

    The token formats cut a document's tokens at all of those spans (annotator/tokens.py),
    so each analyst's record of a document has the same tokens: importers that join a
    document's records by their tokens (CoNLL) see one document. A document's records
    come one after another (exporters/source.py), so this holds one document at a time.
    """
    for _, group in groupby(records, key=lambda record: record.document.id):
        together = list(group)
        yield together, [(span.start, span.end) for record in together for span in record.spans]
