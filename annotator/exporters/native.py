"""annotator's own JSONL format: one document per line with every span (see README)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from annotator.exporters.atomic import atomic_writer
from annotator.store import Store


@dataclass(frozen=True)
class ExportFilter:
    annotators: list[str] | None = None
    labels: list[str] | None = None
    kinds: list[str] | None = None
    only_annotated: bool = False


# SQLite escapes the ASCII controls in JSON strings but writes these raw. They are
# valid JSON, yet str.splitlines() and many JSONL readers take them for line breaks
# and would cut a document's line in two, so they are written as escapes.
_LINE_SEPARATORS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}
_SEPARATOR_CHARS = ("\x85", "\u2028", "\u2029")


def write_native(store: Store, handle: IO[str], selection: ExportFilter) -> int:
    """Stream the lines to handle; returns how many documents were written."""
    count = 0
    write = handle.write
    for line in store.export_rows(selection.annotators, selection.labels, selection.kinds, selection.only_annotated):
        if any(char in line for char in _SEPARATOR_CHARS):
            line = line.translate(_LINE_SEPARATORS)
        write(line)
        write("\n")
        count += 1
    return count


def export_native(store: Store, target: Path, selection: ExportFilter) -> int:
    with atomic_writer(target) as handle:
        return write_native(store, handle, selection)
