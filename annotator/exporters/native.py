"""annotator's own JSONL format: one document per line with every span (see README)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from annotator.exporters.atomic import atomic_binary_writer
from annotator.store import Store


@dataclass(frozen=True)
class ExportFilter:
    annotators: list[str] | None = None
    labels: list[str] | None = None
    kinds: list[str] | None = None
    only_annotated: bool = False


# SQLite escapes the ASCII controls in JSON strings but writes these raw. They are
# valid JSON, yet str.splitlines() and many JSONL readers take them for line breaks
# and would cut a document's line in two, so they are written as escapes. In UTF-8
# these byte sequences can only be those characters, so replacing bytes is exact.
_LINE_SEPARATORS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def write_native(store: Store, handle: IO[bytes], selection: ExportFilter) -> int:
    """Stream the lines SQLite builds, as UTF-8 bytes, to handle; returns the document count.

    The lines never become Python strings: decoding and re-encoding 300 MB of JSON
    would cost more than building it.
    """
    count = 0
    write = handle.write
    for line in store.export_rows(
        selection.annotators, selection.labels, selection.kinds, selection.only_annotated, as_bytes=True
    ):
        # One-byte pre-checks first: "\xe2\x80" alone matches every curly quote and dash.
        if (b"\x85" in line or b"\xa8" in line or b"\xa9" in line) and (
            b"\xc2\x85" in line or b"\xe2\x80\xa8" in line or b"\xe2\x80\xa9" in line
        ):
            for raw, escaped in _LINE_SEPARATORS:
                line = line.replace(raw, escaped)
        write(line)
        write(b"\n")
        count += 1
    return count


def export_native(store: Store, target: Path, selection: ExportFilter) -> int:
    with atomic_binary_writer(target) as handle:
        return write_native(store, handle, selection)
