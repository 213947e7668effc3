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


def write_native(store: Store, handle: IO[str], selection: ExportFilter) -> int:
    """Stream the lines to handle; returns how many documents were written."""
    count = 0
    write = handle.write
    for line in store.export_rows(selection.annotators, selection.labels, selection.kinds, selection.only_annotated):
        write(line)
        write("\n")
        count += 1
    return count


def export_native(store: Store, target: Path, selection: ExportFilter) -> int:
    with atomic_writer(target) as handle:
        return write_native(store, handle, selection)
