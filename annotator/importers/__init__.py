"""Turning files into documents and spans; one module per input format.

The format of a file is detected from its content (see annotator.importers.detect) or
forced with --format. Every reader gives a Parsed: the good records, and one line for
each bad record (with its line or task number). Labels from other tools are given a kind
(annotator.importers.kinds). A file with any bad record or label without a kind is not
written at all, unless skip_invalid is set: then its good records go in and the bad
ones are listed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from annotator.errors import AnnotatorError, InputError
from annotator.text import display_safe, one_line
from annotator.importers.brat import parse_brat
from annotator.importers.conll import parse_conll
from annotator.importers.detect import (
    CONLL_SUFFIXES,
    FORMATS,
    SPACY_SUFFIXES,
    detect_by_name,
    detect_records,
)
from annotator.importers.doccano import parse_doccano
from annotator.importers.jsonl import Item, parse_native, read_items, read_jsonl
from annotator.importers.kinds import LabelMap
from annotator.importers.labelstudio import SUGGESTION_PREFIX, parse_labelstudio
from annotator.importers.plaintext import read_plaintext
from annotator.importers.prodigy import parse_prodigy
from annotator.importers.reading import read_text
from annotator.importers.records import (
    Parsed,
    Record,
    check_nesting,
    merge_lists,
    merge_same_documents,
)
from annotator.importers.spacy_docbin import parse_docbin
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
JSON_SUFFIXES = frozenset({".json"})
BRAT_SUFFIXES = frozenset({".ann"})
SUPPORTED = TEXT_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES | BRAT_SUFFIXES | CONLL_SUFFIXES | SPACY_SUFFIXES
_TYPES = ".txt, .md, .jsonl, .json, .ann, .conll, .bio, .iob or .spacy"
# Formats written one record per document and analyst: read back, a document's records are one.
_PER_ANALYST = frozenset({"prodigy", "doccano", "conll", "spacy"})

_PARSERS: dict[str, Callable[[list[Item], Path, str], Parsed]] = {
    "native": parse_native,
    "prodigy": parse_prodigy,
    "doccano": parse_doccano,
    "labelstudio": parse_labelstudio,
}


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
    messages: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # bad records left out (--skip-invalid)
    errors: list[str] = field(default_factory=list)
    error: str | None = None  # the errors, one per line; None when the file went in


def _inside(path: Path, base: Path) -> bool:
    try:
        return path.resolve().is_relative_to(base)
    except (OSError, RuntimeError):  # a link loop
        return False


def _walk(root: Path, follow_links: bool = False) -> tuple[list[Path], list[str]]:
    """The files in a folder (hidden entries left out), and a line for each link leaving it.

    A symbolic link that points outside the folder is not followed: a folder someone
    else prepared could otherwise read any file of the person importing it (a.txt ->
    ../../home/you/notes.txt) into a shared database. Naming the link on the command
    line imports it (follow_links takes every linked file, for a caller that asked for
    it explicitly). Links that stay inside are fine, but a file reached both as itself
    and through a link (or through two links) is listed once, by its own name if it has one.
    """
    base = root.resolve()
    skipped: list[str] = []
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
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED:
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
    return walked, skipped


def collect_files(
    paths: Iterable[Path], any_suffix: bool = False, follow_links: bool = False
) -> tuple[list[Path], list[str]]:
    """Files to import in a stable order; folders are walked, hidden entries skipped.

    A brat document is listed once, by its .txt (a .ann named on the command line stands
    for its .txt). With any_suffix (a forced --format) named files of any type are taken.
    Links in a folder that lead outside it are skipped and reported (see _walk).
    """
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            walked, skipped = _walk(path, follow_links)
            problems.extend(skipped)
            found = sorted(p for p in walked if p.suffix.lower() in SUPPORTED - BRAT_SUFFIXES)
            orphans = sorted(
                p for p in walked if p.suffix.lower() in BRAT_SUFFIXES and not p.with_suffix(".txt").is_file()
            )
            for orphan in orphans:
                problems.append(f"{orphan}: no {orphan.with_suffix('.txt').name} beside it (brat needs the .txt and the .ann)")
            if not found and not orphans and not skipped:
                problems.append(f"{path}: no {_TYPES} files in this folder")
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
    return list(dict.fromkeys(files)), problems


def read_any(
    path: Path, annotator: str, clean: bool = True, encoding: str | None = None, fmt: str | None = None
) -> tuple[str, Parsed]:
    """The format of a file (detected unless given) and what its reader made of it."""
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
    items, invalid = read_items(path, read_text(path, encoding))
    if fmt is None:
        fmt = detect_records(item.data for item in items)
    for item in items:
        item.locate(path, "task" if fmt == "labelstudio" else "record")
    parsed = _PARSERS[fmt](items, path, annotator)
    parsed.invalid = sorted(invalid + parsed.invalid, key=_line_number)
    if fmt in _PER_ANALYST:
        parsed.records = merge_same_documents(parsed.records)
    if not items and not invalid:
        raise InputError(f"{path}: empty file (no records)")
    return fmt, parsed


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

    Returns those labels with how many spans each had. annotator's own format keeps its
    labels unless --map names them (a label it brings without a kind is an entity, as
    always); other formats go through --map, the database, the kind the file itself
    gives the label (Record.declared), then the defaults of annotator.importers.kinds.
    """
    unknown: dict[str, int] = {}
    if fmt == "text":
        return unknown
    foreign = fmt != "native"
    for record in parsed.records:
        kept = []
        for span in record.spans:
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
                continue
            label, kind = resolved
            if label != span.label:
                span = replace(span, label=label)
            record.kinds[label] = kind
            kept.append(span)
        record.spans = kept
    return unknown


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
    try:
        fmt, parsed = read_any(path, annotator, clean, encoding, fmt)
        result.format = fmt
        _refuse_deep(parsed)
        label_map = labels or LabelMap()
        unknown = resolve_labels(parsed, fmt, label_map, store.label_map())
        problems = list(parsed.invalid)
        for label, count in unknown.items():
            line = f"{path}: {label_map.hint(label)}"
            problems.append(f"{line} ({count} span{'s' if count != 1 else ''} left out)" if skip_invalid else line)
        if problems and not skip_invalid:
            result.errors = problems
        elif not parsed.records:
            result.errors = [*problems, f"{path}: no valid record to import"]
        else:
            result.skipped = problems
            result.messages.extend(parsed.notes)
            _write(store, path, parsed, result)
    except AnnotatorError as error:
        result.errors = [str(error)]
    except RecursionError:
        # Nesting deeper than the checks above foresaw: still one line, not a traceback.
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
        result.suggestions = result.set_aside = 0
        result.skipped = []
        result.messages = []
    return result


def _refuse_deep(parsed: Parsed) -> None:
    """Records whose meta or attrs nest too deep to store become bad records (check_nesting)."""
    kept: list[Record] = []
    for record in parsed.records:
        try:
            check_nesting(record)
        except InputError as error:
            parsed.invalid.append(str(error))
            continue
        kept.append(record)
    if len(kept) != len(parsed.records):
        parsed.invalid.sort(key=_line_number)
    parsed.records = kept


def _write(store: Store, path: Path, parsed: Parsed, result: FileResult) -> None:
    with store.transaction():
        for record in parsed.records:
            analysts = [s for s in record.spans if not s.annotator.startswith(SUGGESTION_PREFIX)]
            suggestions = [s for s in record.spans if s.annotator.startswith(SUGGESTION_PREFIX)]
            try:
                added = store.add_document(
                    record.key, record.title, record.text, record.meta, str(path), analysts, record.kinds
                )
                if suggestions:
                    more = store.add_document(
                        record.key, record.title, record.text, record.meta, str(path), suggestions, record.kinds
                    )
                    result.suggestions += more.spans_added
                    result.spans_added += more.spans_added
                    result.spans_skipped += more.spans_skipped
            except InputError as error:
                raise InputError(f"{record.where}: {error}") from None
            if record.meta_lists:
                merged = merge_lists(added.document.meta, record.meta_lists)
                if merged is not None:
                    store.update_meta(added.document.id, merged)
            if added.updated:
                result.updated += 1
                counts = {status: sum(1 for p in added.placements if p.status == status) for status in ("stayed", "moved", "fuzzy", "flagged")}
                result.moved += counts["moved"] + counts["fuzzy"]
                result.stayed += counts["stayed"]
                result.flagged += counts["flagged"]
                result.messages.append(
                    f"{record.where}: new version of {added.document.key!r}: {counts['stayed']} spans stayed, "
                    f"{counts['moved'] + counts['fuzzy']} moved ({counts['fuzzy']} by fuzzy match), "
                    f"{counts['flagged']} need review"
                )
            elif added.created:
                result.added += 1
            else:
                result.existing += 1
                result.messages.append(f"{record.where}: already imported as {added.document.key!r}")
            result.spans_added += added.spans_added
            result.spans_skipped += added.spans_skipped
        result.set_aside = parsed.set_aside


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
            before = f"; the {len(went_in)} file{'s' if len(went_in) != 1 else ''} before it went in ({shown}{more})" if went_in else "; nothing went in"
            left = len(files) - len(results) - 1
            after = f"; {left} file{'s' if left != 1 else ''} after it not tried" if left else ""
            stopped = FileResult(path)
            stopped.error = f"{display_safe(str(path), keep_newlines=False)}: not imported: {error}{before}{after}"
            stopped.errors = [stopped.error]
            results.append(stopped)
            break
    return results
