"""Which format a file is in, from its content (and, for brat, the .ann beside it).

- `.ann`, or `.txt` with a `.ann` of the same stem beside it: brat standoff.
- `.spacy`, or any file that is a zlib-compressed DocBin: a spaCy DocBin.
- `.conll`, `.bio`, `.iob`, or any text file whose first line starts `-DOCSTART-`:
  CoNLL-style columns.
- `.txt`, `.md` otherwise: plain text.
- Anything else is read as JSON: JSON lines, a JSON array or one JSON object. The first
  record that says which tool made it decides for the file:
  - Label Studio: a `data` object, or `annotations`/`predictions` whose entries hold a
    `result` (Label Studio 0.x called them `completions`);
  - Prodigy: `answer`, or one of Prodigy's own keys (`_input_hash`, `_task_hash`,
    `_session_id`, `_annotator_id`, `_view_id`), or spans with `token_start`;
  - doccano: `label`/`labels` as a list, `entities`, `relations`, or `annotations`
    with `start_offset`;
  - annotator's own format: spans with `annotator`, `kind` or `uid`; and any file
    where no record says otherwise (plain `{"text": ...}` lines).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMATS = ("native", "prodigy", "doccano", "labelstudio", "brat", "conll", "spacy", "text")
JSON_FORMATS = frozenset({"native", "prodigy", "doccano", "labelstudio"})
TEXT_SUFFIXES = frozenset({".txt", ".md"})
CONLL_SUFFIXES = frozenset({".conll", ".bio", ".iob"})
SPACY_SUFFIXES = frozenset({".spacy"})

_PRODIGY_KEYS = frozenset({"answer", "_input_hash", "_task_hash", "_session_id", "_annotator_id", "_view_id"})
# How many records to look at before settling on the native format.
SNIFF = 200


def brat_pair(path: Path) -> tuple[Path, Path]:
    """The .txt and .ann of a brat document named by either."""
    if path.suffix.lower() == ".ann":
        return path.with_suffix(".txt"), path
    return path, path.with_suffix(".ann")


def detect_by_name(path: Path) -> str | None:
    """The format when the file name (or its first bytes) settles it; None when it is JSON to read."""
    suffix = path.suffix.lower()
    if suffix == ".ann":
        return "brat"
    if suffix in SPACY_SUFFIXES:
        return "spacy"
    if suffix in CONLL_SUFFIXES:
        return "conll"
    if suffix == ".txt" and path.with_suffix(".ann").is_file():
        return "brat"
    head = _head(path)
    if is_docbin(head):
        return "spacy"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"-DOCSTART-"):
        return "conll"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return None


def _head(path: Path, size: int = 4096) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""  # the reader says what is wrong with the file


def is_docbin(head: bytes) -> bool:
    """A spaCy DocBin: zlib-compressed msgpack whose map starts with its version and attrs."""
    if len(head) < 2 or head[0] != 0x78:
        return False
    try:
        inflated = zlib.decompressobj().decompress(head, 512)
    except zlib.error:
        return False
    if not inflated or not (0x80 <= inflated[0] <= 0x8F or inflated[0] == 0xDE):
        return False  # a msgpack map
    return b"attrs" in inflated and b"version" in inflated


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def sniff(data: dict[str, Any]) -> str | None:
    """The format one JSON record says it is in, or None if it could be any."""
    if isinstance(data.get("data"), dict):
        return "labelstudio"
    for key in ("annotations", "predictions", "completions"):
        if any("result" in entry for entry in _dicts(data.get(key))):
            return "labelstudio"
    if _PRODIGY_KEYS & data.keys():
        return "prodigy"
    spans = _dicts(data.get("spans"))
    if any("token_start" in span or "token_end" in span for span in spans):
        return "prodigy"
    if isinstance(data.get("label"), list) or isinstance(data.get("labels"), list):
        return "doccano"
    if isinstance(data.get("entities"), list) or isinstance(data.get("relations"), list):
        return "doccano"
    if any("start_offset" in entry for entry in _dicts(data.get("annotations"))):
        return "doccano"
    if any(key in span for span in spans for key in ("annotator", "kind", "uid")):
        return "native"
    return None


def detect_records(records: Iterable[dict[str, Any]]) -> str:
    """The format of a file's JSON records: the first that tells decides; native otherwise."""
    for count, data in enumerate(records):
        if count >= SNIFF:
            break
        found = sniff(data)
        if found:
            return found
    return "native"
