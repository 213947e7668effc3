"""Turning files into documents and spans; one module per input format.

The format of a file is detected from its content (see annotator.importers.detect) or
forced with --format. Every reader gives a Parsed: the good records, and one line for
each bad record (with its line or task number). Labels from other tools are given a kind
(annotator.importers.kinds). A file with any bad record or label without a kind is not
written at all, unless skip_invalid is set: then its good records go in and the bad
ones are listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from annotator.errors import AnnotatorError, InputError
from annotator.importers.brat import parse_brat
from annotator.importers.detect import FORMATS, detect_by_name, detect_records
from annotator.importers.doccano import parse_doccano
from annotator.importers.jsonl import Item, parse_native, read_items, read_jsonl
from annotator.importers.kinds import LabelMap
from annotator.importers.labelstudio import SUGGESTION_PREFIX, parse_labelstudio
from annotator.importers.plaintext import read_plaintext
from annotator.importers.prodigy import parse_prodigy
from annotator.importers.reading import read_text
from annotator.importers.records import Parsed, Record, merge_lists
from annotator.model import Label
from annotator.store import Store

__all__ = [
    "FORMATS",
    "FileResult",
    "LabelMap",
    "Record",
    "collect_files",
    "import_file",
    "import_paths",
    "read_file",
    "read_jsonl",
]

TEXT_SUFFIXES = frozenset({".txt", ".md"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED = TEXT_SUFFIXES | JSONL_SUFFIXES


@dataclass
class FileResult:
    path: Path
    added: int = 0
    existing: int = 0
    spans_added: int = 0
    spans_skipped: int = 0
    messages: list[str] = field(default_factory=list)
    error: str | None = None


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Files to import in a stable order; folders are walked, hidden entries skipped."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(f"{path}: no .txt, .md or .jsonl files in this folder")
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED:
                problems.append(f"{path}: unsupported file type {path.suffix or '(none)'}; use .txt, .md or .jsonl")
            else:
                files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def read_file(path: Path, annotator: str, clean: bool, encoding: str | None) -> list[Record]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return read_jsonl(path, annotator, encoding)
    return read_plaintext(path, clean=clean, encoding=encoding)


def import_file(store: Store, path: Path, annotator: str, clean: bool = True, encoding: str | None = None) -> FileResult:
    """Import one file in one transaction: all of it goes in, or none of it."""
    result = FileResult(path)
    try:
        records = read_file(path, annotator, clean, encoding)
        with store.transaction():
            for record in records:
                try:
                    added = store.add_document(
                        record.key, record.title, record.text, record.meta, str(path), record.spans, record.kinds
                    )
                except InputError as error:
                    raise InputError(f"{record.where}: {error}") from None
                if added.created:
                    result.added += 1
                else:
                    result.existing += 1
                    result.messages.append(
                        f"{record.where}: already imported as {added.document.key!r}"
                    )
                result.spans_added += added.spans_added
                result.spans_skipped += added.spans_skipped
    except AnnotatorError as error:
        result.error = str(error)
        result.added = result.existing = result.spans_added = result.spans_skipped = 0
    return result


def import_paths(
    store: Store,
    files: list[Path],
    annotator: str,
    clean: bool = True,
    encoding: str | None = None,
    progress: Callable[[Iterable[Path]], Iterator[Path]] | None = None,
) -> list[FileResult]:
    iterator: Iterable[Path] = progress(files) if progress else files
    return [import_file(store, path, annotator, clean, encoding) for path in iterator]
