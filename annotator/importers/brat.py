"""brat standoff: a `.txt` document with its `.ann` annotations beside it.

Offsets are code points into the `.txt` (brat is Python). A `.txt` with CRLF line
breaks is read as it is on disk, "\\r" counted, as brat does; when a span's text only
matches the file read with universal newlines (as tools that open it in Python 3 text
mode count), that reading is used for the span. Either way the span is moved to the
stored text, where every line break is one "\\n". The text is never cleaned of site
chrome: the offsets point into it as it is.

- `T1<TAB>LABEL 0 5<TAB>text`: a span; its brat id is kept in `attrs.brat_id`. A
  discontinuous span `T2<TAB>LABEL 0 5;10 15<TAB>text text` becomes one span per
  fragment, linked by `attrs` `{"brat_id": "T2", "fragment": 1, "fragments": 2}` (fragments
  count from 1). The text column is checked against the slices (joined by a space, as
  brat writes it; a tab or line break inside a slice may be written as a space).
- Fragments that are one span cut at line breaks (or tabs), as brat cuts a span that
  crosses lines and as `annotator export --format brat` writes one, are joined back into
  that span: when everything between consecutive fragments is white space holding a line
  break or tab, and cutting the joined span there gives exactly these fragments.
- `A1<TAB>Negated T1` and `A2<TAB>Confidence T1 High` (and the older `M` lines) become
  `attrs` of the span: `{"Negated": true}`, `{"Confidence": "High"}`. The `Annotator`
  attribute (`A3<TAB>Annotator T1 Jane%20Doe`, as annotator's brat export writes it) is
  the span's analyst, percent-decoded, not an attribute.
- `A4<TAB>Form T1 direct` and `A5<TAB>Stance T1 disputed` (annotator's brat export)
  become the claim's `attrs.form` and `attrs.stance`.
- `#2<TAB>AnnotatorNotes T1<TAB>annotator:entity {"uid": ...}` (and `annotator:quantity`,
  `annotator:cue`, `annotator:source`, `annotator:quantity_edited`, each followed by
  JSON) is span knowledge annotator's brat export writes: restored into attrs of that
  name (`entity` takes the uid), not into the note.
- `#1<TAB>AnnotatorNotes T1<TAB>note`: the span's note (several notes are joined by a
  line break); `\\n` in it is a line break and `\\\\` a backslash, as the export writes them.
- `R1<TAB>Origin Arg1:T1 Arg2:T2`: kept in the `attrs.relations` of the Arg1 span as
  `{"id": "R1", "type": "Origin", "to": "T2"}`, and counted in a note; but `Source`
  (claim -> who said it) and `Disputes` (claim -> the claim it disputes) become the
  claim's `attrs.source.span` / `attrs.disputes`, the uid of the Arg2 span
  (importers/knowledge.py).
- `N1<TAB>Reference T1 Wikipedia:534366<TAB>Barack Obama`: kept in
  `attrs.normalizations` of the span.
- Events (`E`) and equivalences (`*`) are not imported; the import says how many.

Each `.ann` line is checked on its own: an error names the `.ann` file and the line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from annotator.cleaning import find_title
from annotator.errors import InputError, counted
from annotator.exporters.brat import KEY_COMMENT, KNOWLEDGE_ATTRIBUTES, knowledge_note
from annotator.exporters.brat import fragments as brat_fragments
from annotator.importers.knowledge import link_relations, unknown_note
from annotator.importers.reading import read_text
from annotator.importers.records import (
    Parsed,
    Record,
    canonical_offsets,
    check_encodable,
    to_canonical,
)
from annotator.labels import check_label
from annotator.model import NewSpan
from annotator.settings import validate_annotator
from annotator.text import one_line

_ID = re.compile(r"^[TAMREN#*]\S*$")
_MAX_DIGITS = 18  # an offset past 10**18 points into no text (and int() stops at 4300 digits)
_UNIVERSAL_NEWLINES = re.compile("\r\n?")


class _Text:
    """The .txt as brat counts it, and as Python 3 text mode would (universal newlines)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.canonical, self.mapping = canonical_offsets(raw)
        self.universal: str | None = None
        self.universal_mapping: list[int] | None = None
        if "\r" in raw:
            self.universal = _UNIVERSAL_NEWLINES.sub("\n", raw)
            _, self.universal_mapping = canonical_offsets(self.universal)


def parse_brat(path: Path, default_annotator: str, encoding: str | None = None) -> Parsed:
    """One document from `path` (the .txt or the .ann) and its pair."""
    txt = path.with_suffix(".txt") if path.suffix.lower() == ".ann" else path
    ann = txt.with_suffix(".ann")
    if not txt.is_file():
        raise InputError(f"{path}: no {txt.name} beside it (brat needs the .txt and the .ann)")
    if not ann.is_file():
        raise InputError(f"{txt}: no {ann.name} beside it (brat needs the .txt and the .ann)")
    raw = read_text(txt, encoding)
    check_encodable(raw, str(txt))
    text = _Text(raw)
    if not text.canonical.strip():
        raise InputError(f"{txt}: empty file (no text to annotate)")
    annotations = read_text(ann, encoding)
    annotations = annotations.removeprefix("\ufeff")
    parsed = Parsed()
    spans, defaulted = _annotations(annotations, ann, text, default_annotator, parsed)
    spans, unknown = link_relations(spans, "brat_id", lambda relation: relation.get("type"))
    if unknown:
        parsed.notes.append(unknown_note(ann, unknown))
    key = _recorded_keys(txt.parent / "annotation.conf").get(txt.stem, txt.stem)
    record = Record(key, find_title(text.canonical, key), text.canonical, {"source_file": txt.name}, spans, {}, str(txt))
    record.defaulted = defaulted
    parsed.records.append(record)
    return parsed


def _recorded_keys(conf: Path) -> dict[str, str]:
    """File stem -> document key, from the comments annotator's brat export writes in
    annotation.conf for keys that are not their file's name (shortened or made safe)."""
    try:
        stat = conf.stat()
    except OSError:
        return {}
    return _read_keys(str(conf), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_keys(conf: str, mtime: int, size: int) -> dict[str, str]:
    """Cached per version of the file: a folder of many documents reads its conf once."""
    try:
        content = Path(conf).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}  # not ours to judge: brat reads it; the keys fall back to file names
    keys: dict[str, str] = {}
    for line in content.split("\n"):
        fields = line.rstrip("\r").split("\t")
        if len(fields) == 3 and fields[0] == KEY_COMMENT and fields[1] and fields[2]:
            keys[fields[1]] = unquote(fields[2])
    return keys


def _annotations(content: str, ann: Path, text: _Text, annotator: str, parsed: Parsed) -> tuple[list[NewSpan], int]:
    # brat id -> [(start, end, label)] fragments, canonical offsets
    bounds: dict[str, list[tuple[int, int, str]]] = {}
    attrs: dict[str, dict[str, Any]] = {}
    notes: dict[str, list[str]] = {}
    analysts: dict[str, str] = {}
    bad: set[str] = set()
    skipped: dict[str, int] = {}
    later: list[tuple[int, str, list[str]]] = []
    for number, line in enumerate(content.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{ann}:{number}"
        fields = line.split("\t")
        ident = fields[0].strip()
        if not _ID.match(ident):
            parsed.invalid.append(f"{where}: not a brat annotation line (it should start with T, A, M, R, E, N, # or *)")
            continue
        if ident.startswith("T"):
            if ident in bounds or ident in bad:
                parsed.invalid.append(f"{where}: {one_line(ident, 40)} is defined twice")
                continue
            try:
                bounds[ident] = _text_bound(fields, where, text)
                attrs[ident] = {"brat_id": ident}
            except InputError as error:
                parsed.invalid.append(str(error))
                bad.add(ident)
        elif ident[0] in "E*":
            kind = "event" if ident[0] == "E" else "equivalence"
            skipped[kind] = skipped.get(kind, 0) + 1
        else:
            later.append((number, ident, fields))

    for number, ident, fields in later:
        where = f"{ann}:{number}"
        try:
            _attach(ident, fields, where, bounds, bad, attrs, notes, analysts, parsed)
        except InputError as error:
            parsed.invalid.append(str(error))

    for kind, count in sorted(skipped.items()):
        parsed.notes.append(f"{ann}: {counted(count, kind + ' line')} not imported (only T, A, M, R, N and # lines are)")

    spans: list[NewSpan] = []
    defaulted = 0  # spans whose file names no analyst (no AnnotatorNotes line)
    for ident, fragments in bounds.items():
        note = "\n".join(notes.get(ident, []))
        who = analysts.get(ident, annotator)
        if len(fragments) > 1 and _cut_at_breaks(text.canonical, fragments):
            fragments = [(fragments[0][0], fragments[-1][1], fragments[0][2])]
        for index, (start, end, label) in enumerate(fragments, start=1):
            extra = dict(attrs[ident])
            if len(fragments) > 1:
                extra.update(fragment=index, fragments=len(fragments))
            spans.append(NewSpan(start=start, end=end, label=label, annotator=who, note=note, attrs=extra))
            defaulted += ident not in analysts
    return spans, defaulted


def _cut_at_breaks(text: str, fragments: list[tuple[int, int, str]]) -> bool:
    """Are these fragments one span cut where line breaks (or tabs) interrupt it?

    True when cutting the joined span as brat (and annotator's brat export) cuts one
    gives exactly these fragments: only white space holding a line break or a tab lies
    between them, all of it left out.
    """
    start, end = fragments[0][0], fragments[-1][1]
    if any(a >= b for (_, a, _), (b, _, _) in pairwise(fragments)):
        return False  # out of order or overlapping: deliberately discontinuous
    return brat_fragments(text, start, end) == [(a, b) for a, b, _ in fragments]


def unescape_note(note: str) -> str:
    """A note as annotator's brat export writes it: "\\n" a line break, "\\\\" a backslash."""
    return re.sub(r"\\([\\n])", lambda m: "\n" if m.group(1) == "n" else "\\", note)


_LOOSE = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _loose(value: str) -> str:
    """Tabs and line breaks as spaces: how a brat text column shows them."""
    return _LOOSE.sub(" ", value)


def _text_bound(fields: list[str], where: str, text: _Text) -> list[tuple[int, int, str]]:
    if len(fields) < 2:
        raise InputError(f"{where}: a T line needs a label and offsets: T1<TAB>LABEL START END<TAB>text")
    label, _, ranges = fields[1].strip().partition(" ")
    if not label or not ranges.strip():
        raise InputError(f"{where}: a T line needs a label and offsets: T1<TAB>LABEL START END<TAB>text")
    check_label(label, where)
    pairs: list[tuple[int, int]] = []
    for part in ranges.split(";"):
        numbers = part.split()
        # ASCII digits only: str.isdigit() also takes "²" and "٣", which int() refuses or reads.
        if len(numbers) != 2 or not all(n.isascii() and n.isdigit() for n in numbers):
            raise InputError(f"{where}: offsets {ranges.strip()[:80]!r} are not START END[;START END...]")
        if any(len(n) > _MAX_DIGITS for n in numbers):
            raise InputError(f"{where}: an offset has more than {_MAX_DIGITS} digits; no text is that long")
        pairs.append((int(numbers[0]), int(numbers[1])))
    quoted = "\t".join(fields[2:]) if len(fields) > 2 else None

    def fits(source: str) -> bool:
        if not all(0 <= s < e <= len(source) for s, e in pairs):
            return False
        if quoted is None:
            return True
        joined = " ".join(source[s:e] for s, e in pairs)
        return joined == quoted or _loose(joined) == _loose(quoted)

    if fits(text.raw):
        mapping = text.mapping
    elif text.universal is not None and fits(text.universal):
        mapping = text.universal_mapping
    else:
        for s, e in pairs:
            if not 0 <= s < e <= len(text.raw):
                raise InputError(
                    f"{where}: offsets {s}-{e} are reversed, empty or outside the text (length {len(text.raw)})"
                )
        found = " ".join(text.raw[s:e] for s, e in pairs)
        raise InputError(f"{where}: text {quoted!r} does not match the text at {ranges.strip()} ({found!r})")
    return [(*to_canonical(where, mapping, s, e), label) for s, e in pairs]


def _attach(
    ident: str,
    fields: list[str],
    where: str,
    bounds: dict[str, list[tuple[int, int, str]]],
    bad: set[str],
    attrs: dict[str, dict[str, Any]],
    notes: dict[str, list[str]],
    analysts: dict[str, str],
    parsed: Parsed,
) -> None:
    words = fields[1].split() if len(fields) > 1 else []

    def target(name: str) -> str | None:
        """The T this line is about; None (with a note) when it is not a text span."""
        if name in bounds:
            return name
        # Ids come from the file: shown as the app shows text, never raw on a terminal.
        if name in bad:
            raise InputError(f"{where}: refers to {one_line(name, 40)}, which is invalid")
        if name[:1] in ("E", "R", "A", "M", "N", "#", "*"):
            parsed.notes.append(f"{where}: {one_line(ident, 40)} is about {one_line(name, 40)}, not a text span; not imported")
            return None
        raise InputError(f"{where}: refers to {one_line(name, 40)}, which is not defined")

    kind = ident[0]
    if kind in "AM":
        if len(words) not in (2, 3):
            raise InputError(f"{where}: an attribute line is NAME TARGET [VALUE]")
        name = target(words[1])
        if name is not None and words[0] == "Annotator" and len(words) == 3:
            try:
                analysts[name] = validate_annotator(unquote(words[2]), allow_reserved=True)
            except InputError as error:
                raise InputError(f"{where}: Annotator {words[2]!r}: {error}") from None
        elif name is not None and words[0] in KNOWLEDGE_ATTRIBUTES and len(words) == 3:
            attrs[name][KNOWLEDGE_ATTRIBUTES[words[0]]] = words[2]
        elif name is not None:
            attrs[name][words[0]] = words[2] if len(words) == 3 else True
    elif kind == "#":
        if len(words) != 2:
            raise InputError(f"{where}: a note line is #1<TAB>AnnotatorNotes TARGET<TAB>note")
        name = target(words[1])
        if name is not None:
            note = unescape_note("\t".join(fields[2:]))
            known = knowledge_note(note)
            if known is not None:
                attrs[name][known[0]] = known[1]
            else:
                notes.setdefault(name, []).append(note)
    elif kind == "R":
        args = dict(word.split(":", 1) for word in words[1:] if ":" in word)
        if len(words) != 3 or len(args) != 2:
            raise InputError(f"{where}: a relation line is R1<TAB>TYPE Arg1:T1 Arg2:T2")
        first, second = list(args.values())
        source = target(first)
        if target(second) is not None and source is not None:
            attrs[source].setdefault("relations", []).append({"id": ident, "type": words[0], "to": second})
    elif kind == "N":
        if len(words) != 3:
            raise InputError(f"{where}: a normalization line is N1<TAB>Reference TARGET DB:ID<TAB>text")
        name = target(words[1])
        if name is not None:
            entry = {"id": ident, "type": words[0], "ref": words[2]}
            if len(fields) > 2:
                entry["text"] = "\t".join(fields[2:])
            attrs[name].setdefault("normalizations", []).append(entry)
