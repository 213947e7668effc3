"""`annotator export --format ...`: the formats, where they go, splits and the manifest.

Native without --split never comes here: it keeps its streaming fast path in the CLI.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import sys
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from annotator.errors import InputError
from annotator.exporters import brat, conll, doccano, labelstudio, prodigy, spacy_docbin
from annotator.exporters.atomic import atomic_binary_writer, atomic_writer
from annotator.exporters.native import ExportFilter, write_native
from annotator.exporters.report import Report
from annotator.exporters.source import Record, records
from annotator.exporters.split import (
    ASSIGNMENT,
    checksum,
    manifest_path,
    parse_split,
    part_of,
    part_path,
)
from annotator.model import Document
from annotator.store import Store, now
from annotator.text import content_hash

Writer = Callable[[Iterable[Record], IO[str], Report], None]


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str  # of the default target, after the database's name
    per_annotator: bool  # one record per document and analyst (else per document)
    token_based: bool
    writer: Writer | None = None  # text formats: stream to a handle
    folder: bool = False

    @property
    def streams(self) -> bool:
        return self.writer is not None or self.name == "native"


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("native", ".jsonl", False, False),
        Format("prodigy", ".prodigy.jsonl", True, True, prodigy.write),
        Format("doccano", ".doccano.jsonl", True, False, doccano.write),
        Format("labelstudio", ".labelstudio.json", False, False, labelstudio.write),
        Format("brat", ".brat", False, False, folder=True),
        Format("conll", ".conll", True, True, conll.write),
        Format("spacy", ".spacy", True, True),
    )
}
NAMES = tuple(FORMATS)


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
    if out is None:
        if parts is not None:
            raise InputError("--split writes one file per part and a manifest; it cannot write to standard output (--out -)")
        if not fmt.streams:
            raise InputError(f"--format {fmt.name} writes {'a folder' if fmt.folder else 'a binary file'}; choose a --out path, not -")
        report = Report()
        _write_stdout(store, fmt, selection, report)
        return Outcome([*report.lines(fmt.token_based, fmt.name)])
    targets = [out] if parts is None else [part_path(out, name) for name, _ in parts] + [manifest_path(out)]
    for target in targets:
        if same_file(target, database):
            raise InputError(f"--out {target}: that is the database itself; choose another file")
        if not fmt.folder and target.is_dir():
            raise InputError(f"--out {target}: is a folder; --format {fmt.name} writes a file")
    if parts is None:
        report = Report()
        _write_target(store, fmt, out, selection, report)
        return Outcome([_wrote(report, out), *report.lines(fmt.token_based, fmt.name)])
    return _write_split(store, database, fmt, out, selection, split or "", parts, argv or sys.argv)


def _wrote(report: Report, target: Path, prefix: str = "") -> str:
    noun = f"{report.documents} document{'s' if report.documents != 1 else ''}"
    if report.records != report.documents:
        noun += f" ({report.records} record{'s' if report.records != 1 else ''})"
    return f"{prefix}wrote {noun} to {target}"


def _records(store: Store, fmt: Format, selection: ExportFilter, report: Report, keep: Callable[[Document], bool] | None = None) -> Iterable[Record]:
    return report.count(records(store, selection, fmt.per_annotator, keep))


def _write_target(
    store: Store, fmt: Format, target: Path, selection: ExportFilter, report: Report,
    keep: Callable[[Document], bool] | None = None,
) -> None:
    items = _records(store, fmt, selection, report, keep)
    if fmt.name == "brat":
        brat.export(items, target, report, store.labels())
    elif fmt.name == "spacy":
        spacy_docbin.export(items, target, report)
    else:
        assert fmt.writer is not None
        with atomic_writer(target) as handle:
            fmt.writer(items, handle, report)


def _write_stdout(store: Store, fmt: Format, selection: ExportFilter, report: Report) -> None:
    assert fmt.writer is not None
    sys.stdout.flush()
    items = _records(store, fmt, selection, report)
    raw = getattr(sys.stdout, "buffer", None)
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


class _NativeRouter(io.RawIOBase):
    """Takes write_native's lines and sends each to its part's file, counting as it goes.

    The bytes are native's own (SQLite's lines, line separators escaped): only the
    routing needs the text, to hash it.
    """

    def __init__(self, handles: dict[str, IO[bytes]], parts: list[tuple[str, float]], reports: dict[str, Report]) -> None:
        super().__init__()
        self.handles = handles
        self.parts = parts
        self.reports = reports
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        while (newline := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[: newline + 1])
            del self.buffer[: newline + 1]
            self._route(line)
        return len(data)

    def _route(self, line: bytes) -> None:
        row = json.loads(line)
        name = part_of(content_hash(row["text"]), self.parts)
        self.handles[name].write(line)
        report = self.reports[name]
        report.documents += 1
        report.records += 1
        for span in row["spans"]:
            report.tally(row["id"], span["label"], span["kind"], span["annotator"])


def _write_split(
    store: Store,
    database: Path,
    fmt: Format,
    out: Path,
    selection: ExportFilter,
    spec: str,
    parts: list[tuple[str, float]],
    argv: list[str],
) -> Outcome:
    reports = {name: Report() for name, _ in parts}
    paths = {name: part_path(out, name) for name, _ in parts}
    if fmt.name == "native":
        with ExitStack() as stack:
            handles = {name: stack.enter_context(atomic_binary_writer(path)) for name, path in paths.items()}
            router = _NativeRouter(handles, parts, reports)
            write_native(store, router, selection)
            if router.buffer:
                raise RuntimeError("native export ended inside a line")
    else:
        for name, _ in parts:
            _write_target(
                store, fmt, paths[name], selection, reports[name],
                keep=lambda document, name=name: part_of(document.sha256, parts) == name,
            )
    total = Report()
    part_figures: dict[str, Any] = {}
    lines: list[str] = []
    for name, _ in parts:
        total.merge(reports[name])
        digest, size = checksum(paths[name])
        part_figures[name] = {"path": paths[name].name, "sha256": digest, "bytes": size, **reports[name].figures()}
        if fmt.folder:
            part_figures[name]["checksum_of"] = "sha256sum-style listing of the folder's files (sorted by path)"
        lines.append(_wrote(reports[name], paths[name], prefix=f"{name}: "))
    manifest = {
        "format": fmt.name,
        "command": shlex.join(["annotator", *argv[1:]]),
        "argv": list(argv),
        "created_at": now(),
        "database": str(database),
        "filters": {
            "annotators": selection.annotators,
            "labels": selection.labels,
            "kinds": selection.kinds,
            "only_annotated": selection.only_annotated,
        },
        "split": {"spec": spec, "fractions": dict(parts), "assignment": ASSIGNMENT},
        "tokenizer": "annotator/tokens.py" if fmt.token_based else None,
        "offsets": "Unicode code points, end exclusive",
        "parts": part_figures,
        "totals": total.figures(),
    }
    target = manifest_path(out)
    with atomic_writer(target) as handle:
        handle.write(json.dumps(manifest, indent=2, ensure_ascii=False))
        handle.write("\n")
    lines.append(f"manifest: {target}")
    lines.extend(total.lines(fmt.token_based, fmt.name))
    return Outcome(lines)
