"""Turning files into documents and spans; one module per input format.

The format of a file is detected from its content (see annotator.importers.detect) or
forced with --format. Every reader gives records and, one line each, the bad records
(with their line or task number). Labels from other tools are given a kind
(annotator.importers.kinds). A file with any bad record or label without a kind is not
written at all, unless skip_invalid is set: then its good records go in and the bad
ones are listed.

JSON formats stream: the file is read a record at a time, and each record is checked,
given its labels' kinds and written in the file's one transaction as it comes (new
documents a few hundred at a time, Store.add_new_documents). The first problem stops
the writing; the rest of the file is still read, to list every problem, and the
transaction is rolled back. So memory does not grow with the file, and nothing of a
refused file is ever committed. Plain text, brat, CoNLL and spaCy files are read whole
(one article, or formats whose documents span the file) and written the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any

from annotator.errors import AnnotatorError, InputError, counted
from annotator.text import display_safe, one_line
from annotator.importers.brat import parse_brat
from annotator.importers.conll import parse_conll
from annotator.importers.detect import (
    CONLL_SUFFIXES,
    FORMATS,
    SNIFF,
    SPACY_SUFFIXES,
    detect_by_name,
    sniff,
)
from annotator.importers.doccano import DoccanoReader
from annotator.importers.jsonl import Item, NativeReader, RecordReader, read_jsonl, split_entries, stream_items
from annotator.importers.kinds import LabelMap
from annotator.importers.knowledge import REGISTRY_SUFFIX, read_registry, registry_beside
from annotator.importers.labelstudio import SUGGESTION_PREFIX, LabelStudioReader
from annotator.importers.plaintext import read_plaintext
from annotator.importers.prodigy import ProdigyReader
from annotator.importers.records import (
    MAX_DEPTH,
    Parsed,
    Record,
    check_nesting,
    merge_lists,
    merge_same_documents,
    too_deep,
)
from annotator.importers.spacy_docbin import parse_docbin
from annotator.model import Label, NewSpan
from annotator.store import Store

__all__ = [
    "FORMATS",
    "FileResult",
    "Gathered",
    "LabelMap",
    "Record",
    "collect_files",
    "gather_files",
    "import_file",
    "import_paths",
    "read_file",
    "read_jsonl",
]

TEXT_SUFFIXES = frozenset({".txt", ".md"})
JSONL_SUFFIXES = frozenset({".jsonl"})
JSON_SUFFIXES = frozenset({".json"})
BRAT_SUFFIXES = frozenset({".ann"})
SUPPORTED = TEXT_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES | BRAT_SUFFIXES | CONLL_SUFFIXES | SPACY_SUFFIXES
_TYPES = ".txt, .md, .jsonl, .json, .ann, .conll, .bio, .iob or .spacy"
# Formats written one record per document and analyst: read back, a document's records are one.
_PER_ANALYST = frozenset({"prodigy", "doccano", "conll", "spacy"})
# Formats read whole (one article per file, or documents that span the file).
_WHOLE = frozenset({"text", "brat", "conll", "spacy"})

_READERS: dict[str, type[RecordReader]] = {
    "native": NativeReader,
    "prodigy": ProdigyReader,
    "doccano": DoccanoReader,
    "labelstudio": LabelStudioReader,
}
# New documents go to the database this many at a time.
_BATCH = 500


@dataclass
class FileResult:
    path: Path
    format: str = ""
    added: int = 0
    existing: int = 0
    spans_added: int = 0
    spans_skipped: int = 0
    suggestions: int = 0  # of spans_added: model suggestions (Label Studio predictions)
    updated: int = 0  # documents whose text changed under the same key (a new version)
    stayed: int = 0  # spans of updated documents: where they were
    moved: int = 0  # ... re-anchored to their text elsewhere
    flagged: int = 0  # ... that could not be placed confidently (need review)
    set_aside: int = 0  # records kept apart (Prodigy: not accepted)
    defaulted: int = 0  # spans the file credits to no analyst: given the importing user's name
    messages: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # bad records left out (--skip-invalid)
    errors: list[str] = field(default_factory=list)
    error: str | None = None  # the errors, one per line; None when the file went in


def _inside(path: Path, base: Path) -> bool:
    try:
        return path.resolve().is_relative_to(base)
    except (OSError, RuntimeError):  # a link loop
        return False


def _walk(root: Path, follow_links: bool = False) -> tuple[list[Path], list[str], Counter[str]]:
    """The files in a folder (hidden entries left out), a line for each link leaving it,
    and how many files of each type annotator does not read were passed over.

    A symbolic link that points outside the folder is not followed: a folder someone
    else prepared could otherwise read any file of the person importing it (a.txt ->
    ../../home/you/notes.txt) into a shared database. Naming the link on the command
    line imports it (follow_links takes every linked file, for a caller that asked for
    it explicitly). Links that stay inside are fine, but a file reached both as itself
    and through a link (or through two links) is listed once, by its own name if it has one.
    """
    base = root.resolve()
    skipped: list[str] = []
    unread: Counter[str] = Counter()  # ".pdf" -> 2; "" for files with no suffix
    # the file itself (for a brat .txt: with its .ann) -> the name it is imported by
    chosen: dict[tuple[Path, Path | None], Path] = {}
    for folder, dirs, names in os.walk(root):  # never descends into a linked folder
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in dirs:
            if (here / name).is_symlink() and not follow_links and not _inside(here / name, base):
                skipped.append(f"skipped: {here / name} links outside the folder (--follow-links imports it)")
        for name in names:
            path = here / name
            if name.startswith(".") or name.endswith(REGISTRY_SUFFIX):
                continue  # an export's entity registry is read with the export beside it
            if path.suffix.lower() not in SUPPORTED:
                if path.is_file():
                    unread[path.suffix.lower()] += 1
                continue
            link = path.is_symlink()
            if link and not follow_links and not _inside(path, base):
                skipped.append(f"skipped: {path} links outside the folder (--follow-links imports it)")
                continue
            if not path.is_file():
                continue  # a broken link, a FIFO, a device
            ann = path.with_suffix(".ann")
            real = (path.resolve(), ann.resolve() if path.suffix.lower() == ".txt" and ann.is_file() else None)
            if real not in chosen or (chosen[real].is_symlink() and not link):
                chosen[real] = path
    # A brat .txt is read with the .ann beside it: a .ann leading outside (reported
    # above) leaves its .txt out too, rather than reading it through the link.
    walked = [
        p for p in chosen.values()
        if follow_links or not (p.with_suffix(".ann").is_symlink() and not _inside(p.with_suffix(".ann"), base))
    ]
    return walked, skipped, unread


def unread_kinds(unread: Counter[str], shown: int = 5) -> str:
    """'3 files: 2 .pdf, 1 .docx': files passed over, by type, most common first."""
    kinds = sorted(unread.items(), key=lambda item: (-item[1], not item[0], item[0]))
    parts = [f"{number} {suffix}" if suffix else f"{number} with no suffix" for suffix, number in kinds[:shown]]
    if len(kinds) > shown:
        rest = sum(number for _, number in kinds[shown:])
        parts.append(f"{rest} more ({counted(len(kinds) - shown, 'other type')})")
    return f"{counted(sum(unread.values()), 'file')}: {', '.join(parts)}"


@dataclass
class Gathered:
    """What the paths on the command line hold for an import.

    problems stop the import from succeeding (exit status 1) though the rest goes in;
    notes are said and change nothing (files of types annotator does not read, passed over).
    """

    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def collect_files(
    paths: Iterable[Path], any_suffix: bool = False, follow_links: bool = False
) -> tuple[list[Path], list[str]]:
    """Files to import in a stable order; folders are walked, hidden entries skipped.

    A brat document is listed once, by its .txt (a .ann named on the command line stands
    for its .txt). With any_suffix (a forced --format) named files of any type are taken.
    Links in a folder that lead outside it are skipped and reported (see _walk).
    """
    gathered = gather_files(paths, any_suffix, follow_links)
    return gathered.files, gathered.problems


def gather_files(paths: Iterable[Path], any_suffix: bool = False, follow_links: bool = False) -> Gathered:
    """collect_files, with a note per folder naming the files passed over for their type.

    A folder of articles often holds other things (PDFs, Word files, a README); they
    are left out, but said, so nobody wonders why the count is short.
    """
    files: list[Path] = []
    problems: list[str] = []
    notes: list[str] = []
    for path in paths:
        if path.is_dir():
            walked, skipped, unread = _walk(path, follow_links)
            problems.extend(skipped)
            found = sorted(p for p in walked if p.suffix.lower() in SUPPORTED - BRAT_SUFFIXES)
            orphans = sorted(
                p for p in walked if p.suffix.lower() in BRAT_SUFFIXES and not p.with_suffix(".txt").is_file()
            )
            for orphan in orphans:
                problems.append(f"{orphan}: no {orphan.with_suffix('.txt').name} beside it (brat needs the .txt and the .ann)")
            if not found and not orphans and not skipped:
                held = f" (it holds {unread_kinds(unread)})" if unread else ""
                problems.append(f"{path}: no {_TYPES} files in this folder{held}")
            elif unread:
                notes.append(f"{path}: skipped {unread_kinds(unread)}; annotator reads {_TYPES} files")
            files.extend(found)
        elif path.is_file():
            suffix = path.suffix.lower()
            if suffix in BRAT_SUFFIXES and not any_suffix:
                txt = path.with_suffix(".txt")
                if txt.is_file():
                    files.append(txt)
                else:
                    problems.append(f"{path}: no {txt.name} beside it (brat needs the .txt and the .ann)")
            elif suffix in SUPPORTED or any_suffix:
                files.append(path)
            else:
                problems.append(
                    f"{path}: unsupported file type {path.suffix or '(none)'}; use {_TYPES}, or name the format with --format"
                )
        else:
            problems.append(f"{path}: no such file or folder")
    return Gathered(list(dict.fromkeys(files)), problems, notes)


def read_any(
    path: Path, annotator: str, clean: bool = True, encoding: str | None = None, fmt: str | None = None
) -> tuple[str, Parsed]:
    """The format of a file (detected unless given) and what its reader made of it, whole."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    fmt = fmt or detect_by_name(path)
    if fmt == "text":
        return fmt, Parsed(records=read_plaintext(path, clean=clean, encoding=encoding))
    if fmt == "brat":
        parsed = parse_brat(path, annotator, encoding)
        parsed.invalid.sort(key=_line_number)
        return fmt, parsed
    if fmt == "conll":
        parsed = parse_conll(path, annotator, encoding)
        parsed.invalid.sort(key=_line_number)
        return fmt, parsed
    if fmt == "spacy":
        parsed = parse_docbin(path, annotator)
        parsed.records = merge_same_documents(parsed.records)
        return fmt, parsed
    fmt, entries, reader = _open_json(path, annotator, encoding, fmt)
    items, invalid = split_entries(entries)
    parsed = reader.parse(items)
    parsed.invalid = sorted(invalid + parsed.invalid, key=_line_number)
    if fmt in _PER_ANALYST:
        parsed.records = merge_same_documents(parsed.records)
    if not items and not invalid:
        raise InputError(f"{path}: empty file (no records)")
    return fmt, parsed


def _open_json(
    path: Path, annotator: str, encoding: str | None, fmt: str | None
) -> tuple[str, Iterator[Item | str], RecordReader]:
    """A JSON file's format (from its first records unless given), its entries as they come, and the reader.

    The entries are stream_items': JSON objects with `where` set, and lines naming the
    lines or elements that are not JSON objects.
    """
    stream = stream_items(path, encoding)
    looked: list[Item | str] = []
    if fmt is None:
        # The first record that says which tool made it decides (detect.detect_records).
        seen = 0
        for entry in stream:
            looked.append(entry)
            if isinstance(entry, Item):
                fmt = sniff(entry.data)
                seen += 1
                if fmt is not None or seen >= SNIFF:
                    break
        fmt = fmt or "native"
    unit = "task" if fmt == "labelstudio" else "record"

    def located() -> Iterator[Item | str]:
        for entry in chain(looked, stream):
            if isinstance(entry, Item):
                entry.locate(path, unit)
            yield entry

    return fmt, located(), _READERS[fmt](path, annotator)


def _line_number(message: str) -> int:
    """The line a message names (path:LINE: ...), for listing a file's problems in order."""
    head, _, _ = message.partition(": ")
    number = head.rpartition(":")[2]
    return int(number) if number.isdigit() else 0


def read_file(path: Path, annotator: str, clean: bool, encoding: str | None) -> list[Record]:
    """The records of a file in its detected format; the first problem is raised."""
    _, parsed = read_any(path, annotator, clean, encoding)
    if parsed.invalid:
        raise InputError(parsed.invalid[0])
    return parsed.records


def resolve_labels(parsed: Parsed, fmt: str, labels: LabelMap, known: dict[str, Label]) -> dict[str, int]:
    """Give every span's label a kind (renaming as --map says); spans of labels without one are removed.

    Returns those labels with how many spans each had (see resolve_record).
    """
    unknown: dict[str, int] = {}
    for record in parsed.records:
        resolve_record(record, fmt, labels, known, unknown)
    return unknown


def resolve_record(
    record: Record, fmt: str, labels: LabelMap, known: dict[str, Label], unknown: dict[str, int]
) -> list[tuple[int, str]]:
    """Give the record's spans' labels a kind (renaming as --map says); spans of labels without one are removed.

    Those labels are counted in `unknown`, and returned with the place of each span
    removed. annotator's own format keeps its labels unless --map names them (a label
    it brings without a kind is an entity, as always); other formats go through --map,
    the database, the kind the file itself gives the label (Record.declared), then the
    defaults of annotator.importers.kinds.
    """
    if fmt == "text" or not record.spans:
        return []
    foreign = fmt != "native"
    if not foreign and not labels.entries and not labels.alternates:
        return []  # no --map: annotator's own labels stay as they are
    kept = []
    dropped: list[tuple[int, str]] = []
    for index, span in enumerate(record.spans):
        if not foreign and labels.lookup(span.label) is None:
            kept.append(span)
            continue
        declared = record.declared.get(span.label)
        if declared is not None and labels.lookup(span.label) is None and span.label not in known:
            resolved: tuple[str, str] | None = (span.label, declared)
        else:
            resolved = labels.resolve(span.label, known, defaults=foreign)
        if resolved is None:
            unknown[span.label] = unknown.get(span.label, 0) + 1
            dropped.append((index, span.label))
            continue
        label, kind = resolved
        if label != span.label:
            span = replace(span, label=label)
        record.kinds[label] = kind
        kept.append(span)
    record.spans = kept
    return dropped


class _Refused(Exception):
    """A file that does not go in: its lines. Raised inside the transaction to roll it back."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors)
        self.errors = errors


def import_file(
    store: Store,
    path: Path,
    annotator: str,
    clean: bool = True,
    encoding: str | None = None,
    *,
    fmt: str | None = None,
    labels: LabelMap | None = None,
    skip_invalid: bool = False,
) -> FileResult:
    """Import one file in one transaction: all of it goes in, or none of it.

    With skip_invalid the good records of a file with bad ones go in, and the bad ones
    are listed in `skipped`; a file with no good record left still fails.
    """
    result = FileResult(path)
    label_map = labels or LabelMap()
    try:
        if fmt is not None and fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        if store.conn.in_transaction:
            # Inside a caller's transaction a refused file could not be rolled back on
            # its own: read it through once without writing, and write only a good one.
            _import(store, path, annotator, clean, encoding, fmt, label_map, skip_invalid, result, write=False)
        with store.transaction():
            _import(store, path, annotator, clean, encoding, fmt, label_map, skip_invalid, result, write=True)
    except _Refused as refused:
        result.errors = refused.errors
    except AnnotatorError as error:
        result.errors = [str(error)]
    except RecursionError:
        # Nesting deeper than the checks foresaw: still one line, not a traceback.
        result.errors = [f"{path}: nested too deeply to read"]
    # Every line names values from the file (labels, ids, names, file names): shown as
    # the app shows them, so an escape sequence in a file never reaches the terminal.
    result.errors = [one_line(line) for line in result.errors]
    result.skipped = [one_line(line) for line in result.skipped]
    result.messages = [one_line(line) for line in result.messages]
    if result.errors:
        result.error = "\n".join(result.errors)
        result.added = result.existing = result.spans_added = result.spans_skipped = 0
        result.updated = result.stayed = result.moved = result.flagged = 0
        result.suggestions = result.set_aside = result.defaulted = 0
        result.skipped = []
        result.messages = []
    return result


def _import(
    store: Store,
    path: Path,
    annotator: str,
    clean: bool,
    encoding: str | None,
    fmt: str | None,
    labels: LabelMap,
    skip_invalid: bool,
    result: FileResult,
    write: bool,
) -> None:
    """Read the file an entry at a time, check and write each record; raise _Refused if it does not go in."""
    if fmt is None and path.name.endswith(REGISTRY_SUFFIX):
        # An entity registry named on its own: its entities go in, nothing else.
        result.format = "entities"
        registry = _registry(store, path, write)
        result.messages = registry
        return
    fmt = fmt or detect_by_name(path)
    reader: RecordReader | None = None
    facts: _GroupFacts | None = None
    if fmt in _WHOLE:
        fmt, parsed = read_any(path, annotator, clean, encoding, fmt)
        entries: Iterator[Item | str | Record] = chain(parsed.invalid, parsed.records)
    else:
        fmt, json_entries, reader = _open_json(path, annotator, encoding, fmt)
        if fmt in _PER_ANALYST:
            # A document's records may be anywhere in the file: a first reading learns
            # what the records of each document share, as if they were one record.
            facts = _GroupFacts.of(json_entries, reader)
            fmt, json_entries, reader = _open_json(path, annotator, encoding, fmt)
        entries = json_entries
    result.format = fmt
    beside = registry_beside(path, fmt)
    registry = _registry(store, beside, write) if beside is not None else []
    state = _FileImport(store, path, fmt, labels, skip_invalid, result, write, facts)
    count = 0
    for entry in entries:
        count += 1
        if isinstance(entry, str):
            state.problem(entry, 0)
            continue
        if isinstance(entry, Item):
            assert reader is not None
            try:
                entry = reader.read(entry)
            except InputError as error:
                state.problem(str(error), 1)
                continue
        state.add(entry, count)
    if reader is None:
        notes, set_aside = parsed.notes, parsed.set_aside
    else:
        if not count:
            raise InputError(f"{path}: empty file (no records)")
        notes, set_aside = reader.notes(), reader.set_aside
    state.finish([*registry, *notes], set_aside)


def _registry(store: Store, path: Path, write: bool) -> list[str]:
    """Read an entities.jsonl (and, writing, add its new entities); the line to say about it."""
    entities = read_registry(path)
    if not write:
        return []
    created, matched = store.import_entities(entities)
    if not created:
        return []
    known = f", {matched} already known" if matched else ""
    return [f"{path}: {counted(created, 'entity', 'entities')} added to the registry{known}"]


class _Grouping:
    """Which records of a per-analyst file are one document, a record at a time.

    merge_same_documents' rule: a record with the key, title and text of an earlier one
    joins it when their meta is the same, and else starts a new group for that text.
    Kept per document: two 64-bit digests (of the record, and of its meta with the
    group's number), some hundred bytes where the records themselves would be kilobytes.
    """

    def __init__(self) -> None:
        self.heads: dict[int, int] = {}
        self.count = 0

    def assign(self, record: Record) -> tuple[int, bool]:
        """The record's group, and whether an earlier record started it."""
        digest = _digest("\x00".join((record.key, record.title, record.text)))
        meta = _digest(json.dumps(record.meta, ensure_ascii=False, sort_keys=True, default=repr))
        found = self.heads.get(digest)
        if found is not None and found >> 32 == meta:
            return found & 0xFFFFFFFF, True
        self.heads[digest] = meta << 32 | self.count
        self.count += 1
        return self.count - 1, False


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


@dataclass
class _GroupFacts:
    """What the records of each group share once merged: the kinds they declare, and whether they nest too deep."""

    declared: list[tuple[tuple[str, str], ...]]  # by group; equal tuples are one object
    deep: dict[int, str]  # group -> what nests too deep: "meta" or "attrs"

    @classmethod
    def of(cls, entries: Iterable[Item | str], reader: RecordReader) -> _GroupFacts:
        grouping = _Grouping()
        declared: list[tuple[tuple[str, str], ...]] = []
        deep: dict[int, str] = {}
        shared: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
        for entry in entries:
            if not isinstance(entry, Item):
                continue
            try:
                record = reader.read(entry)
            except InputError:
                continue
            group, merged = grouping.assign(record)
            if not merged:
                declared.append(())
            if record.declared:
                kinds = dict(declared[group])
                for label, kind in record.declared.items():
                    kinds.setdefault(label, kind)
                items = tuple(kinds.items())
                declared[group] = shared.setdefault(items, items)
            if too_deep(record.meta) or too_deep(record.meta_lists):
                deep[group] = "meta"
            elif any(span.attrs and too_deep(span.attrs) for span in record.spans):
                deep.setdefault(group, "attrs")
        return cls(declared, deep)


class _FileImport:
    """One file's records as they come: checked, given their labels' kinds, and written.

    Problems are kept with what orders them as the whole-file reading listed them: by
    line, then reading problems before a reader's, then records nested too deep.
    Writing stops at the first problem (unless skip_invalid): the file will be refused,
    and its transaction rolled back, but the rest is still read to list every problem.
    """

    def __init__(
        self,
        store: Store,
        path: Path,
        fmt: str,
        labels: LabelMap,
        skip_invalid: bool,
        result: FileResult,
        write: bool,
        facts: _GroupFacts | None = None,
    ) -> None:
        self.store = store
        self.path = path
        self.fmt = fmt
        self.labels = labels
        self.skip_invalid = skip_invalid
        self.result = result
        self.known = store.label_map()
        self.problems: list[tuple[int, int, int, str]] = []
        self.unknown: dict[str, int] = {}
        self.good = 0
        self.store_error: str | None = None
        self.writer = _Writer(store, path, result) if write else None
        # Per-analyst formats read as they come: a document's records are merged as
        # merge_same_documents merges them when a file is read whole.
        self.facts = facts
        self.grouping = _Grouping() if facts is not None else None
        self.heads = array("q")  # by group: where its first record is in the file
        # Labels without a kind are listed in the order the merged records bring them.
        self.first_unknown: dict[str, tuple[int, int, int]] = {}

    def problem(self, message: str, phase: int) -> None:
        self.problems.append((_line_number(message), phase, len(self.problems), message))

    def writing(self) -> bool:
        return (
            self.writer is not None
            and self.store_error is None
            and (self.skip_invalid or not (self.problems or self.unknown))
        )

    def add(self, record: Record, index: int) -> None:
        """A record read from the file (`index`: its place among the file's entries)."""
        merged = False
        head = index
        if self.grouping is not None and self.facts is not None:
            group, merged = self.grouping.assign(record)
            if not merged:
                self.heads.append(index)
            head = self.heads[group]
            deep = self.facts.deep.get(group)
            if deep is not None:
                if not merged:  # said once, where the merged record starts
                    what = "meta is" if deep == "meta" else "a span's attrs are"
                    self.problem(f"{record.where}: {what} nested deeper than {MAX_DEPTH} levels", 2)
                return
            record.declared = dict(self.facts.declared[group])
        else:
            try:
                check_nesting(record)
            except InputError as error:
                self.problem(str(error), 2)
                return
        for place, label in resolve_record(record, self.fmt, self.labels, self.known, self.unknown):
            order = (head, index, place)
            if label not in self.first_unknown or order < self.first_unknown[label]:
                self.first_unknown[label] = order
        self.good += 1
        if self.writing():
            assert self.writer is not None
            try:
                self.writer.add(record, merged)
                self.result.defaulted += record.defaulted
            except InputError as error:
                # Said only if the file has no other problem (as when records were all
                # read before any was written); the rest is still read, not written.
                self.store_error = str(error)

    def finish(self, notes: list[str], set_aside: int) -> None:
        """Write what is left; raise _Refused if the file does not go in."""
        problems = [message for *_, message in sorted(self.problems)]
        for label in sorted(self.unknown, key=self.first_unknown.__getitem__):
            count = self.unknown[label]
            line = f"{self.path}: {self.labels.hint(label)}"
            problems.append(f"{line} ({counted(count, 'span')} left out)" if self.skip_invalid else line)
        if problems and not self.skip_invalid:
            raise _Refused(problems)
        if self.store_error is not None:
            raise _Refused([self.store_error])
        if not self.good:
            raise _Refused([*problems, f"{self.path}: no valid record to import"])
        if self.writer is not None:
            try:
                self.writer.flush()
            except InputError as error:
                raise _Refused([str(error)]) from None
            self.result.messages = [*notes, *self.writer.messages]
            self.result.skipped = problems
            self.result.set_aside = set_aside


class _Writer:
    """Writes a file's records in order, as adding each with Store.add_document would.

    Records that look new wait in `pending` and go in a few hundred at a time
    (Store.add_new_documents); one that is not new (already imported, a new version
    of an article, a key taken) is added on its own with add_document. A record with
    model suggestions, or one that joins an earlier record's document, is added on its own.
    """

    def __init__(self, store: Store, path: Path, result: FileResult) -> None:
        self.store = store
        self.path = path
        self.result = result
        self.pending: list[Record] = []
        self.messages: list[str] = []
        # How many documents to offer add_new_documents at once: fewer after it met one
        # that is not new (a file of documents already imported costs no more than before).
        self.window = _BATCH

    def add(self, record: Record, merged: bool) -> None:
        if merged or any(span.annotator.startswith(SUGGESTION_PREFIX) for span in record.spans):
            self.flush()
            self._one(record, merged)
            return
        self.pending.append(record)
        if len(self.pending) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        done = 0
        while done < len(pending):
            offered = pending[done : done + self.window]
            added = self.store.add_new_documents(self._row(record) for record in offered)
            for document in added:
                self.result.added += 1
                self.result.spans_added += document.spans_added
                self.result.spans_skipped += document.spans_skipped
            done += len(added)
            if len(added) < len(offered):
                self._one(pending[done], False)
                done += 1
                self.window = max(1, len(added))
            else:
                self.window = min(_BATCH, self.window * 2)

    def _row(self, record: Record) -> tuple[str, str, str, dict[str, Any], str, list[NewSpan], dict[str, str]]:
        meta = record.meta
        if record.meta_lists:
            meta = merge_lists(meta, record.meta_lists) or meta
        return (record.key, record.title, record.text, meta, str(self.path), record.spans, record.kinds)

    def _one(self, record: Record, merged: bool) -> None:
        """Add one record with add_document; `merged`: it joins the document of an earlier record of the file."""
        store, result = self.store, self.result
        analysts = [s for s in record.spans if not s.annotator.startswith(SUGGESTION_PREFIX)]
        suggestions = [s for s in record.spans if s.annotator.startswith(SUGGESTION_PREFIX)]
        try:
            added = store.add_document(
                record.key, record.title, record.text, record.meta, str(self.path), analysts, record.kinds
            )
            if suggestions:
                more = store.add_document(
                    record.key, record.title, record.text, record.meta, str(self.path), suggestions, record.kinds
                )
                result.suggestions += more.spans_added
                result.spans_added += more.spans_added
                result.spans_skipped += more.spans_skipped
        except InputError as error:
            raise InputError(f"{record.where}: {error}") from None
        if record.meta_lists:
            merged_meta = merge_lists(added.document.meta, record.meta_lists)
            if merged_meta is not None:
                store.update_meta(added.document.id, merged_meta)
        if added.updated:
            result.updated += 1
            counts = {status: sum(1 for p in added.placements if p.status == status) for status in ("stayed", "moved", "fuzzy", "flagged")}
            result.moved += counts["moved"] + counts["fuzzy"]
            result.stayed += counts["stayed"]
            result.flagged += counts["flagged"]
            self.messages.append(
                f"{record.where}: new version of {added.document.key!r}: {counted(counts['stayed'], 'span')} stayed, "
                f"{counts['moved'] + counts['fuzzy']} moved ({counts['fuzzy']} by fuzzy match), "
                f"{counts['flagged']} need review"
            )
        elif added.created:
            result.added += 1
        elif not merged:
            result.existing += 1
            self.messages.append(f"{record.where}: already imported as {added.document.key!r}")
        result.spans_added += added.spans_added
        result.spans_skipped += added.spans_skipped


def import_paths(
    store: Store,
    files: list[Path],
    annotator: str,
    clean: bool = True,
    encoding: str | None = None,
    progress: Callable[[Iterable[Path]], Iterator[Path]] | None = None,
    *,
    fmt: str | None = None,
    labels: LabelMap | None = None,
    skip_invalid: bool = False,
) -> list[FileResult]:
    iterator: Iterable[Path] = progress(files) if progress else files
    results: list[FileResult] = []
    for path in iterator:
        try:
            results.append(
                import_file(store, path, annotator, clean, encoding, fmt=fmt, labels=labels, skip_invalid=skip_invalid)
            )
        except sqlite3.OperationalError as error:
            if "full" not in str(error):
                raise
            # The file's transaction was rolled back whole; the files before it are in.
            # Trying the rest would only fail the same way.
            went_in = [r.path for r in results if not r.error]
            shown = ", ".join(display_safe(str(p), keep_newlines=False) for p in went_in[:5])
            more = f" and {len(went_in) - 5} more" if len(went_in) > 5 else ""
            before = f"; the {counted(len(went_in), 'file')} before it went in ({shown}{more})" if went_in else "; nothing went in"
            left = len(files) - len(results) - 1
            after = f"; {counted(left, 'file')} after it not tried" if left else ""
            stopped = FileResult(path)
            stopped.error = f"{display_safe(str(path), keep_newlines=False)}: not imported: {error}{before}{after}"
            stopped.errors = [stopped.error]
            results.append(stopped)
            break
    return results
