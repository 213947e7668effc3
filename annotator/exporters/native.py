"""annotator's own JSONL format: one document per line with every span (see docs/review-and-agreement.md).

Span knowledge is in each span's attrs as stored (a mention's `entity` uid, a claim's
`source`, `cue`, `form`, `stance`, `disputes`, a quantity's `quantity`); the entity
registry those uids name is written beside the file (exporters/knowledge.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

from annotator.exporters.atomic import atomic_binary_writer
from annotator.exporters.records import ExportFilter
from annotator.store import Store


STATUSES = ("done", "touched", "all")


# SQLite escapes the ASCII controls in JSON strings but writes these raw. They are
# valid JSON, yet str.splitlines() and many JSONL readers take them for line breaks
# and would cut a document's line in two, so they are written as escapes. In UTF-8
# these byte sequences can only be those characters, so replacing bytes is exact.
_LINE_SEPARATORS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def escape_separators(line: bytes) -> bytes:
    """U+0085, U+2028 and U+2029 as JSON escapes, so no reader cuts the line there."""
    # One-byte pre-checks first: "\xe2\x80" alone matches every curly quote and dash.
    if (b"\x85" in line or b"\xa8" in line or b"\xa9" in line) and (
        b"\xc2\x85" in line or b"\xe2\x80\xa8" in line or b"\xe2\x80\xa9" in line
    ):
        for raw, escaped in _LINE_SEPARATORS:
            line = line.replace(raw, escaped)
    return line


def native_lines(store: Store, selection: ExportFilter) -> Iterator[bytes]:
    """The lines SQLite builds (no newline), as UTF-8 bytes, separators escaped.

    selection.status is not applied here: it needs each analyst's work on the article,
    which exporters/formats.py checks line by line when the status is not 'all'.
    """
    for line in store.export_rows(
        selection.annotators, selection.labels, selection.kinds, selection.only_annotated, as_bytes=True
    ):
        yield escape_separators(line)


def write_native(store: Store, handle: IO[bytes], selection: ExportFilter) -> int:
    """Stream the lines SQLite builds, as UTF-8 bytes, to handle; returns the document count.

    The lines never become Python strings: decoding and re-encoding 300 MB of JSON
    would cost more than building it.
    """
    count = 0
    write = handle.write
    for line in native_lines(store, selection):
        write(line)
        write(b"\n")
        count += 1
    return count


def export_native(store: Store, target: Path, selection: ExportFilter) -> tuple[int, list[str]]:
    """The export file and, when the database has entities, the registry beside it
    (<stem>.entities.jsonl, exporters/knowledge.py), which mentions' attrs.entity name.

    Returns the documents written and the report's line about the registry (if any)."""
    from annotator.exporters.formats import write_registry_beside  # formats imports this module

    with atomic_binary_writer(target) as handle:
        count = write_native(store, handle, selection)
    return count, write_registry_beside(store, target)
