"""brat standoff: a folder with <document>.txt and <document>.ann per document.

- <name>.txt is the document's text exactly (UTF-8, "\\n" line breaks); offsets in the
  .ann are Unicode code points into it, end exclusive (brat reads text with Python).
- Each span is a text-bound annotation `T<n><TAB><LABEL> <start> <end><TAB><text>`; a span
  that crosses line breaks (or tabs) is written as brat writes one, in fragments split
  there, the white space around the break left out (`T1<TAB>CLAIM 10 52;54 80<TAB>first
  paragraph second paragraph`); the first fragment starts and the last ends where the
  span does. The text after the second tab (fragments joined by a space) is for reading
  only: a tab or line break left in it becomes a space.
- The analyst is an attribute: `A<n><TAB>Annotator T<n> <name>`, the name percent-encoded
  (urllib.parse.quote with safe="") because brat values cannot hold spaces.
- A note is `#<n><TAB>AnnotatorNotes T<n><TAB><note>`, with "\\" written "\\\\" and a line
  break written "\\n".
- Claim knowledge (docs/exporting.md): a claim's source mention and the claim it
  disputes are relations, `R1<TAB>Source Arg1:T3 Arg2:T7` and `R2<TAB>Disputes Arg1:T3
  Arg2:T5`; its form and stance attributes, `A9<TAB>Form T3 direct` and `A10<TAB>Stance
  T3 reported`; an entity link, a free-text source, a cue, a quantity value are
  AnnotatorNotes lines `#2<TAB>AnnotatorNotes T1<TAB>annotator:entity {"name": "GKNB",
  "uid": "..."}` (the attrs key, a space, JSON), which the brat importer reads back.
- annotation.conf declares the labels grouped by kind (`!claim`, `!entity`, `!quantity`
  are the kinds, not usable as labels), the Source and Disputes relations, and the
  Annotator, Form and Stance attributes, so brat opens the
  folder as it is. Label names have their white space turned into "_".
- File names come from document keys, made safe (characters other than letters, digits
  and `. @ + -` become "_") and at most MAX_STEM_BYTES bytes of UTF-8 (a longer key is
  cut and given a hash of the whole key, so two keys sharing a long beginning stay two
  files): a file system refuses names over 255 bytes, and one such key would fail the
  whole export. A key that is not its file's name is recorded in annotation.conf as a
  comment, `# key<TAB><file name><TAB><key, percent-encoded>`, which brat ignores and
  `annotator import` reads back, so the key round-trips.

The folder is built beside the target and renamed into place: an interrupted export
leaves the old folder (or none). An existing target is replaced only if it holds
nothing but .txt, .ann and .conf files (a previous brat export).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from annotator.errors import InputError
from annotator.exporters.knowledge import carried, relations
from annotator.exporters.report import Report
from annotator.exporters.records import Record
from annotator.model import KINDS, Label

OWN_SUFFIXES = frozenset({".txt", ".ann", ".conf"})
# File systems allow 255 bytes per name: room for ".txt"/".ann", a "-2" and margin.
MAX_STEM_BYTES = 200
KEY_COMMENT = "# key"  # annotation.conf lines: "# key<TAB>stem<TAB>quoted key"
# Claim attributes as brat attributes: brat name -> attrs key, and the values brat may show.
KNOWLEDGE_ATTRIBUTES = {"Form": "form", "Stance": "stance"}
KNOWLEDGE_VALUES = {
    "Form": ("direct", "indirect", "paraphrase"),
    "Stance": ("asserted", "reported", "disputed", "denied"),
}
# Relation types: attrs key -> brat relation type.
RELATION_TYPES = {"source": "Source", "disputes": "Disputes"}
# Knowledge with no brat form of its own goes in an AnnotatorNotes line: this prefix,
# the attrs key, a space and JSON ("annotator:quantity {...}").
NOTE_PREFIX = "annotator:"
NOTE_KEYS = ("entity", "source", "cue", "quantity", "quantity_edited")


def knowledge_note(note: str) -> tuple[str, object] | None:
    """(attrs key, value) of a note the export wrote for span knowledge, else None (a note)."""
    if not note.startswith(NOTE_PREFIX):
        return None
    key, _, rest = note[len(NOTE_PREFIX):].partition(" ")
    if key not in NOTE_KEYS:
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if key == "entity":
        value = value.get("uid") if isinstance(value, dict) else value
        if not isinstance(value, str) or not value:
            return None
    return key, value


def label_type(label: str) -> str:
    return re.sub(r"\s+", "_", label.strip()) or "_"


def file_stem(key: str, taken: set[str]) -> str:
    """A file name for a document key: safe, unique in the folder, at most MAX_STEM_BYTES bytes."""
    stem = re.sub(r"[^\w.@+-]+", "_", key.strip()).lstrip(".") or "document"
    if len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        head = stem.encode("utf-8")[: MAX_STEM_BYTES - len(digest) - 1].decode("utf-8", "ignore")
        stem = f"{head}-{digest}"
    candidate, n = stem, 2
    while candidate.lower() in taken:
        candidate, n = f"{stem}-{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def escape_note(note: str) -> str:
    return note.replace("\\", "\\\\").replace("\n", "\\n")


_BREAK = re.compile(r"[^\S\n\t]*[\n\t]\s*")


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut where white space holding a line break or a tab interrupts it.

    brat cannot draw a span across a line break (or a tab), and splits one there itself;
    the white space around the break is left out of the fragments. The span's own first
    and last characters always stay (white space at its edges is not cut), so the first
    fragment starts and the last ends where the span does.
    """
    pieces: list[tuple[int, int]] = []
    position = start
    for match in _BREAK.finditer(text, start, end):
        if match.start() == start or match.end() == end:
            continue
        pieces.append((position, match.start()))
        position = match.end()
    if end > position:
        pieces.append((position, end))
    return pieces or [(start, end)]


def annotation_lines(record: Record, report: Report, names: dict[str, str] | None = None) -> list[str]:
    """The .ann lines of one document; names (entity uid -> name) makes entity notes readable."""
    text = record.document.text
    lines: list[str] = []
    note_number = 0
    attribute_number = len(record.spans)
    numbers = {span.span.uid: number for number, span in enumerate(record.spans, start=1)}
    for number, span in enumerate(record.spans, start=1):
        pieces = fragments(text, span.start, span.end)
        where = ";".join(f"{a} {b}" for a, b in pieces)
        shown = re.sub(r"[\t\n]", " ", " ".join(text[a:b] for a, b in pieces))
        lines.append(f"T{number}\t{label_type(span.label)} {where}\t{shown}")
        lines.append(f"A{number}\tAnnotator T{number} {quote(span.annotator, safe='')}")
        if span.span.note:
            note_number += 1
            lines.append(f"#{note_number}\tAnnotatorNotes T{number}\t{escape_note(span.span.note)}")
        knowledge = carried(span.span.attrs or {})
        for name, key in KNOWLEDGE_ATTRIBUTES.items():
            value = knowledge.get(key)
            if isinstance(value, str) and value and not any(c.isspace() for c in value):
                attribute_number += 1
                lines.append(f"A{attribute_number}\t{name} T{number} {value}")
        for key in NOTE_KEYS:
            if key not in knowledge:
                continue
            value = knowledge[key]
            if key == "entity" and isinstance(value, str):
                value = {"uid": value, "name": (names or {}).get(value)} if names and value in names else {"uid": value}
            note_number += 1
            shown = json.dumps(value, ensure_ascii=False, sort_keys=True)
            lines.append(f"#{note_number}\tAnnotatorNotes T{number}\t{escape_note(NOTE_PREFIX + key + ' ' + shown)}")
        report.wrote(record, span)
    for index, relation in enumerate(relations(record.spans), start=1):
        head, tail = numbers[relation.head.span.uid], numbers[relation.tail.span.uid]
        lines.append(f"R{index}\t{RELATION_TYPES[relation.type]} Arg1:T{head} Arg2:T{tail}")
    return lines


def annotation_conf(
    labels: list[Label], used: dict[str, str], annotators: set[str], keys: dict[str, str] | None = None
) -> str:
    """brat's configuration: entity types grouped by kind, and the Annotator attribute.

    keys (file stem -> document key, for keys that are not their file's name) are
    written as comments, which brat skips and the brat importer reads.
    """
    by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
    seen: set[str] = set()
    for label in labels:
        name = label_type(label.name)
        if name not in seen:
            seen.add(name)
            by_kind.setdefault(label.kind, []).append(name)
    for name, kind in sorted(used.items()):
        if name not in seen:
            seen.add(name)
            by_kind.setdefault(kind, []).append(name)
    lines = ["[entities]"]
    for kind, names in by_kind.items():
        lines.append(f"!{kind}")
        lines.extend(f"\t{name}" for name in names)
    lines += ["", "[relations]"]
    claims = "|".join(by_kind.get("claim", [])) or "<ENTITY>"
    entities = "|".join(by_kind.get("entity", [])) or "<ENTITY>"
    lines.append(f"Source\tArg1:{claims}, Arg2:{entities}")
    lines.append(f"Disputes\tArg1:{claims}, Arg2:{claims}")
    lines += ["", "[events]", "", "[attributes]"]
    values = "|".join(quote(name, safe="") for name in sorted(annotators))
    lines.append("Annotator\tArg:<ENTITY>" + (f", Value:{values}" if values else ""))
    for name, allowed in KNOWLEDGE_VALUES.items():
        lines.append(f"{name}\tArg:{claims}, Value:{'|'.join(allowed)}")
    if keys:
        lines += ["", "# Document keys that are not their file's name (read back by annotator import):"]
        lines.extend(f"{KEY_COMMENT}\t{stem}\t{quote(key, safe='')}" for stem, key in sorted(keys.items()))
    return "\n".join(lines) + "\n"


def _check_target(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise InputError(f"--out {target}: exists and is not a folder; brat writes a folder")
    if target.is_dir():
        strangers = [p.name for p in target.iterdir() if not (p.is_file() and p.suffix.lower() in OWN_SUFFIXES)]
        if strangers:
            raise InputError(
                f"--out {target}: folder holds other things ({strangers[0]}); brat replaces only a previous brat export"
            )


def export(
    records: Iterable[Record], target: Path, report: Report, labels: list[Label], names: dict[str, str] | None = None
) -> None:
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        os.chmod(building, 0o777 & ~_umask())
        taken: set[str] = {"annotation"}
        used: dict[str, str] = {}
        annotators: set[str] = set()
        keys: dict[str, str] = {}
        for record in records:
            stem = file_stem(record.document.key, taken)
            if stem != record.document.key:
                keys[stem] = record.document.key
            _write(building / f"{stem}.txt", record.document.text)
            _write(building / f"{stem}.ann", "".join(line + "\n" for line in annotation_lines(record, report, names)))
            for span in record.spans:
                used.setdefault(label_type(span.label), span.kind)
                annotators.add(span.annotator)
        _write(building / "annotation.conf", annotation_conf(labels, used, annotators, keys))
        _swap_into_place(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _write(path: Path, content: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _swap_into_place(building: Path, target: Path) -> None:
    if not target.exists():
        os.replace(building, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.rmdir(old)
    os.replace(target, old)
    try:
        os.replace(building, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
