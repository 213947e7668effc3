"""What every importer produces: documents with their spans, offsets already canonical."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.errors import InputError
from annotator.labels import check_label
from annotator.model import NewSpan
from annotator.text import canonicalize

# How deep a file's free-form values (meta, span attrs) may nest. Real meta is a few
# levels deep; far deeper nesting only breaks the JSON code that stores and exports it
# (Python's json recurses, SQLite's JSON stops at 1000 levels).
MAX_DEPTH = 100
# Offsets are SQLite integers; a longer number is no offset, and quoting all its digits
# would not make a readable message.
MAX_INTEGER = 2**63 - 1


@dataclass
class Record:
    key: str
    title: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    spans: list[NewSpan] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    where: str = ""
    # Lists merged into the document's meta even when the document is already stored
    # (Prodigy records kept apart go to meta["prodigy_rejected"] this way).
    meta_lists: dict[str, list[Any]] = field(default_factory=dict)
    # Kinds the file itself gives its labels (a Prodigy span's "kind", the CoNLL column a
    # tag is in, the spaCy span group): used for a label that neither --map nor the
    # database knows, before the default kinds.
    declared: dict[str, str] = field(default_factory=dict)
    # How many of its spans the file credits to no analyst: they get the importing
    # user's name, which the import report then says once.
    defaulted: int = 0


def merge_same_documents(records: list[Record]) -> list[Record]:
    """One record per document: records of a file with the same key, title and text are one.

    The training formats write a record per document and analyst; read back, those
    records are one document holding every analyst's spans, not a document and copies
    "already imported".
    """
    merged: dict[tuple[str, str, str], Record] = {}
    kept: list[Record] = []
    for record in records:
        found = merged.get((record.key, record.title, record.text))
        if found is None or found.meta != record.meta:
            merged[(record.key, record.title, record.text)] = record
            kept.append(record)
            continue
        found.spans.extend(record.spans)
        found.defaulted += record.defaulted
        for label, kind in record.kinds.items():
            found.kinds.setdefault(label, kind)
        for label, kind in record.declared.items():
            found.declared.setdefault(label, kind)
        for name, items in record.meta_lists.items():
            found.meta_lists.setdefault(name, []).extend(items)
    return kept


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


@dataclass
class Parsed:
    """What a reader made of one file: the good records and, one line each, what was wrong.

    `invalid` lists the records (or brat lines) left out, each as "where: why"; a file
    with any is not written unless --skip-invalid is given. `notes` are worth saying but
    stop nothing. `set_aside` counts records kept apart (Prodigy's rejected and ignored).
    """

    records: list[Record] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    set_aside: int = 0


def json_type(value: Any) -> str:
    """What a JSON value is, in JSON's words (a Python list is a JSON array)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def integer(value: Any, where: str, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"{where}: field '{name}' must be an integer")
    return bounded(value, where, name)


def bounded(value: int, where: str, name: str, what: str = "an offset") -> int:
    """An integer SQLite can hold; a huge one is named by its size, not quoted whole."""
    if abs(value) > MAX_INTEGER:
        raise InputError(f"{where}: field '{name}' is too large to be {what} ({len(str(abs(value)))} digits)")
    return value


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Does a JSON-like value nest deeper than limit? Walked without recursion."""
    if not value and limit > 0:
        return False  # nothing inside: the common case, checked for every span of an import
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


def check_nesting(record: Record) -> None:
    """Refuse a record whose meta or span attrs nest deeper than MAX_DEPTH, in one line."""
    if too_deep(record.meta) or too_deep(record.meta_lists):
        raise InputError(f"{record.where}: meta is nested deeper than {MAX_DEPTH} levels")
    for span in record.spans:
        if span.attrs and too_deep(span.attrs):
            raise InputError(f"{record.where}: a span's attrs are nested deeper than {MAX_DEPTH} levels")


def label_name(value: Any, where: str, name: str = "label", numeric: bool = False) -> str:
    """A label as a string; numeric label ids (doccano) become their decimal name."""
    if numeric and isinstance(value, int) and not isinstance(value, bool):
        return str(bounded(value, where, name, "a label id"))
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: field '{name}' must be a non-empty string")
    return check_label(value, where, f"field '{name}'")


def checked_offsets(
    where: str, original: str, start: int, end: int, quoted: Any = None, length: int | None = None
) -> None:
    """In range, end after start, and the quoted text (when the format carries one) equal to the slice."""
    size = len(original) if length is None else length
    if not 0 <= start < end <= size:
        raise InputError(f"{where}: offsets {start}-{end} are reversed, empty or outside the text (length {size})")
    if quoted is not None:
        if not isinstance(quoted, str):
            raise InputError(f"{where}: field 'text' must be a string")
        if quoted != original[start:end]:
            raise InputError(
                f"{where}: 'text' {quoted!r} does not match the text at {start}-{end} ({original[start:end]!r})"
            )


def to_canonical(where: str, mapping: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """Offsets into the original text moved to the canonical text (CRLF, BOM)."""
    if mapping is None:
        return start, end
    new_start, new_end = mapping[start], mapping[end]
    if new_start >= new_end:
        raise InputError(
            f"{where}: offsets {start}-{end} cover only the \\r of a \\r\\n line break,"
            " which is stored as one \\n; nothing would be left to tag"
        )
    return new_start, new_end


def document_text(value: Any, where: str, name: str = "text") -> tuple[str, list[int] | None]:
    """A record's text, checked and canonicalised, with the offset map for its spans."""
    if not isinstance(value, str):
        raise InputError(f"{where}: field '{name}' must be a string")
    check_encodable(value, where)
    canonical, mapping = canonical_offsets(value)
    if not canonical.strip():
        raise InputError(f"{where}: field '{name}' is empty")
    return canonical, mapping


def document_key(value: Any, where: str, fallback: str, name: str = "id") -> str:
    if value is None:
        return fallback
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        raise InputError(f"{where}: field '{name}' must be a non-empty string or number")
    return str(value)


def merge_lists(meta: dict[str, Any], additions: dict[str, list[Any]]) -> dict[str, Any] | None:
    """meta with each list of additions appended (items already there are not repeated); None if unchanged."""
    merged = dict(meta)
    changed = False
    for key, items in additions.items():
        current = merged.get(key)
        current = list(current) if isinstance(current, list) else []
        for item in items:
            if item not in current:
                current.append(item)
                changed = True
        merged[key] = current
    return merged if changed else None
