"""`annotator export --format ...`: the formats, where they go, splits and the manifest.

Native without --split and with --status all never comes here: it keeps its streaming
fast path in the CLI.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from annotator.errors import InputError, counted
from annotator.exporters import brat, conll, doccano, labelstudio, prodigy, spacy_docbin
from annotator.exporters.atomic import _mode_for, atomic_binary_writer, atomic_writer
from annotator.exporters.knowledge import registry_path, write_registry
from annotator.exporters.native import ExportFilter, escape_separators, native_lines
from annotator.exporters.report import Report
from annotator.exporters.records import STATUS_RULES, LeftOut, Record, Scope
from annotator.exporters.source import records, scope_of
from annotator.exporters.split import (
    ASSIGNMENT,
    SplitSet,
    checksum,
    is_our_link,
    manifest_path,
    parse_split,
    part_of,
    part_path,
    why_empty,
)
from annotator.model import Document
from annotator.store import Store, now
from annotator.text import content_hash, one_line

Writer = Callable[[Iterable[Record], IO[str], Report], None]


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str  # of the default target, after the database's name
    per_annotator: bool  # one record per document and analyst (else per document)
    token_based: bool
    writer: Writer | None = None  # text formats: stream to a handle
    folder: bool = False
    # --status default: native is the backup and writes everything; every other format
    # is read as annotated data (for training, or another tool's review), where an
    # article nobody opened would read as one with nothing in it.
    status: str = "touched"

    @property
    def streams(self) -> bool:
        return self.writer is not None or self.name == "native"


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("native", ".jsonl", False, False, status="all"),
        Format("prodigy", ".prodigy.jsonl", True, True, prodigy.write),
        Format("doccano", ".doccano.jsonl", True, False, doccano.write),
        Format("labelstudio", ".labelstudio.json", False, False, labelstudio.write),
        Format("brat", ".brat", False, False, folder=True),
        Format("conll", ".conll", True, True, conll.write),
        Format("spacy", ".spacy", True, True),
    )
}
NAMES = tuple(FORMATS)
# An export writes over a file of the same name: said, so nobody loses a file unawares.
REPLACED = " (replaced the file that was there)"


@dataclass
class Outcome:
    """What the CLI prints: one line per file and per notable count."""

    lines: list[str] = field(default_factory=list)


def default_target(fmt: Format, database: Path, names: Iterable[str]) -> Path:
    suffix = "".join("-" + re.sub(r"[^\w.@+-]+", "_", name.strip()) for name in names)
    return Path("exports") / f"{database.stem}{suffix}{fmt.suffix}"


def same_file(target: Path, database: Path) -> bool:
    """Would writing target replace the database (or its -wal/-shm companions)?"""
    try:
        resolved = target.resolve()
        db = database.resolve()
    except OSError:
        return False
    return resolved in {db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")}


def run_export(
    store: Store,
    database: Path,
    fmt_name: str,
    out: Path | None,
    selection: ExportFilter,
    split: str | None = None,
    argv: list[str] | None = None,
) -> Outcome:
    """Write one export (or one per split part and a manifest); out None means stdout."""
    fmt = FORMATS[fmt_name]
    if fmt.name == "spacy":
        spacy_docbin.require_spacy()
    parts = parse_split(split) if split is not None else None
    # Native with --status all needs no one's work: its lines stay SQLite's own bytes.
    scope = None if fmt.name == "native" and selection.status == "all" else scope_of(store, selection)
    if out is None:
        if parts is not None:
            raise InputError("--split writes one file per part and a manifest; it cannot write to standard output (--out -)")
        if not fmt.streams:
            raise InputError(f"--format {fmt.name} writes {'a folder' if fmt.folder else 'a binary file'}; choose a --out path, not -")
        report = Report()
        _write_stdout(store, fmt, selection, report, scope)
        return Outcome([*report.lines(fmt.token_based, fmt.name), *report.left_out_lines()])
    targets = [out] if parts is None else [part_path(out, name) for name, _ in parts] + [manifest_path(out)]
    for target in targets:
        if same_file(target, database):
            raise InputError(f"--out {target}: that is the database itself; choose another file")
        if not fmt.folder and target.is_dir():
            raise InputError(f"--out {target}: is a folder; --format {fmt.name} writes a file")
    if parts is None:
        report = Report()
        replaced = out.exists() and not fmt.folder
        _write_target(store, fmt, out, selection, report, scope=scope)
        wrote = _wrote(report, out) + (REPLACED if replaced else "")
        registry = write_registry_beside(store, out)
        return Outcome([wrote, *registry, *report.lines(fmt.token_based, fmt.name), *report.left_out_lines()])
    if fmt.folder:
        for target in targets[:-1]:
            if not is_our_link(out, target):
                brat._check_target(target)  # the same refusals as without --split
    return _write_split(store, database, fmt, out, selection, split or "", parts, argv or sys.argv, scope)


def registry_line(count: int, path: Path) -> str:
    return f"entities: wrote {counted(count, 'entity', 'entities')} to {one_line(str(path))}"


def write_registry_beside(store: Store, target: Path) -> list[str]:
    """The entity registry beside an export (exporters/knowledge.py), and the line saying so.

    A database with no entity writes none, unless an earlier export left one there,
    which is brought up to date (emptied) rather than left to describe another state.
    """
    path = registry_path(target)
    entities = store.entities(include_merged=True)
    if not entities and not path.exists():
        return []
    return [registry_line(write_registry(entities, path), path)]


def _wrote(report: Report, target: Path, prefix: str = "") -> str:
    noun = counted(report.documents, "document")
    if report.records != report.documents:
        noun += f" ({counted(report.records, 'record')})"
    return f"{prefix}wrote {noun} to {one_line(str(target))}"  # a path may hold anything


def _records(
    store: Store, fmt: Format, selection: ExportFilter, report: Report,
    keep: Callable[[Document], bool] | None = None, scope: Scope | None = None,
) -> Iterable[Record]:
    return report.count(records(store, selection, fmt.per_annotator, keep, scope, report.left_out))


def _native_items(
    store: Store, selection: ExportFilter, scope: Scope | None, left_out_of: Callable[[dict[str, Any]], LeftOut],
) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Native lines (no newline) with their parsed rows, --status applied.

    A line keeps SQLite's bytes unless --status drops some of its spans; then it is
    written again from the row, compact like SQLite's (separators escaped the same way).
    """
    for line in native_lines(store, selection):
        row = json.loads(line)
        if scope is not None:
            chosen = scope.admit(row["id"], left_out_of(row))
            if chosen is None:
                continue
            kept = [span for span in row["spans"] if span["annotator"] in chosen]
            if selection.only_annotated and not kept:
                continue
            if len(kept) != len(row["spans"]):
                row["spans"] = kept
                line = escape_separators(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        yield line, row


def _count_native(report: Report, row: dict[str, Any]) -> None:
    report.documents += 1
    report.records += 1
    for span in row["spans"]:
        report.tally(row["id"], span["label"], span["kind"], span["annotator"])


def _write_native(store: Store, handle: IO[bytes], selection: ExportFilter, report: Report, scope: Scope | None) -> None:
    for line, row in _native_items(store, selection, scope, lambda row: report.left_out):
        handle.write(line)
        handle.write(b"\n")
        _count_native(report, row)


def _write_target(
    store: Store, fmt: Format, target: Path, selection: ExportFilter, report: Report,
    keep: Callable[[Document], bool] | None = None, scope: Scope | None = None,
) -> None:
    if fmt.name == "native":
        with atomic_binary_writer(target) as raw:
            _write_native(store, raw, selection, report, scope)
        return
    items = _records(store, fmt, selection, report, keep, scope)
    if fmt.name == "brat":
        names = {entity.uid: entity.name for entity in store.entities(include_merged=True)}
        brat.export(items, target, report, store.labels(), names)
    elif fmt.name == "spacy":
        spacy_docbin.export(items, target, report)
    else:
        assert fmt.writer is not None
        with atomic_writer(target) as handle:
            fmt.writer(items, handle, report)


def _write_stdout(store: Store, fmt: Format, selection: ExportFilter, report: Report, scope: Scope | None) -> None:
    sys.stdout.flush()
    raw = getattr(sys.stdout, "buffer", None)
    if fmt.name == "native":
        if raw is None:  # a text-only stream (a test's capture)
            buffer = io.BytesIO()
            _write_native(store, buffer, selection, report, scope)
            sys.stdout.write(buffer.getvalue().decode("utf-8"))
        else:
            _write_native(store, raw, selection, report, scope)
            raw.flush()
        return
    assert fmt.writer is not None
    items = _records(store, fmt, selection, report, scope=scope)
    if raw is None:  # a text-only stream (a test's capture): no encoding to choose
        fmt.writer(items, sys.stdout, report)
        return
    # UTF-8 and "\n" whatever the terminal's locale says, like the files.
    handle = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False)
    try:
        fmt.writer(items, handle, report)
        handle.flush()
    finally:
        handle.detach()


def _write_split(
    store: Store,
    database: Path,
    fmt: Format,
    out: Path,
    selection: ExportFilter,
    spec: str,
    parts: list[tuple[str, float]],
    argv: list[str],
    scope: Scope | None,
) -> Outcome:
    """Every part and the manifest into a new generation, then shown in one switch
    (exporters/split.py SplitSet): a kill at any moment leaves the old set or the new."""
    reports = {name: Report() for name, _ in parts}
    shown = {name: part_path(out, name) for name, _ in parts}
    manifest_target = manifest_path(out)
    registry_target = registry_path(out)
    with_registry = bool(store.entities(include_merged=True)) or registry_target.exists()
    names = [path.name for path in shown.values()] + ([registry_target.name] if with_registry else [])
    with SplitSet(out, names + [manifest_target.name]) as generation:
        paths = {name: generation.path(path.name) for name, path in shown.items()}
        if fmt.name == "native":
            with ExitStack() as stack:
                handles = {name: stack.enter_context(atomic_binary_writer(path)) for name, path in paths.items()}
                part_of_row = lambda row: part_of(content_hash(row["text"]), parts)  # noqa: E731
                for line, row in _native_items(store, selection, scope, lambda row: reports[part_of_row(row)].left_out):
                    name = part_of_row(row)
                    handles[name].write(line)
                    handles[name].write(b"\n")
                    _count_native(reports[name], row)
        else:
            for name, _ in parts:
                _write_target(
                    store, fmt, paths[name], selection, reports[name],
                    keep=lambda document, name=name: part_of(document.sha256, parts) == name,
                    scope=scope,
                )
        total = Report()
        for name, _ in parts:
            total.merge(reports[name])
        part_figures: dict[str, Any] = {}
        lines: list[str] = []
        for name, fraction in parts:
            if not fmt.folder:
                _keep_mode(paths[name], shown[name])
            digest, size = checksum(paths[name])
            part_figures[name] = {"path": shown[name].name, "sha256": digest, "bytes": size, **reports[name].figures()}
            if fmt.folder:
                part_figures[name]["checksum_of"] = "sha256sum-style listing of the folder's files (sorted by path)"
            wrote = _wrote(reports[name], shown[name], prefix=f"{name}: ")
            if not reports[name].documents:
                wrote += f" ({why_empty(fraction, total.documents)})"
            lines.append(wrote)
        registry_figures: dict[str, Any] | None = None
        if with_registry:
            written_registry = generation.path(registry_target.name)
            count = write_registry(store.entities(include_merged=True), written_registry)
            _keep_mode(written_registry, registry_target)
            digest, size = checksum(written_registry)
            registry_figures = {"path": registry_target.name, "sha256": digest, "bytes": size, "entities": count}
            lines.append(registry_line(count, registry_target))
        manifest = {
            "format": fmt.name,
            "command": shlex.join(["annotator", *argv[1:]]),
            "argv": list(argv),
            "created_at": now(),
            "database": str(database),
            "generation": generation.folder.name,
            "filters": {
                "annotators": selection.annotators,
                "labels": selection.labels,
                "kinds": selection.kinds,
                "only_annotated": selection.only_annotated,
                "status": selection.status,
            },
            "status": {"filter": selection.status, "rule": STATUS_RULES[selection.status], "left_out": total.figures()["left_out"]},
            "split": {"spec": spec, "fractions": dict(parts), "assignment": ASSIGNMENT},
            "tokenizer": "annotator/tokens.py" if fmt.token_based else None,
            "offsets": "Unicode code points, end exclusive",
            "parts": part_figures,
            "totals": total.figures(),
            "entities": registry_figures,
        }
        written = generation.path(manifest_target.name)
        with atomic_writer(written) as handle:
            handle.write(json.dumps(manifest, indent=2, ensure_ascii=False))
            handle.write("\n")
        _keep_mode(written, manifest_target)
        generation.commit()
    lines.append(f"manifest: {one_line(str(manifest_target))}")
    lines.extend(total.lines(fmt.token_based, fmt.name))
    lines.extend(total.left_out_lines())
    return Outcome(lines)


def _keep_mode(written: Path, shown: Path) -> None:
    """A mode the user gave the file they see is kept by the next set, as for one file."""
    if shown.exists():
        os.chmod(written, _mode_for(shown))
