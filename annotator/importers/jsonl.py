"""JSONL: one {"text", "id"?, "title"?, "meta"?, "spans"?} object per line.

This reads both simple text-only lines and annotator's own export format, so an
export is also a backup and a hand-over between machines.

It also reads the JSON objects of every JSON format (stream_items): JSON lines one line
at a time, and a JSON array one element at a time from a buffer of a few blocks, so a
file of any size is imported without being held in memory. A format's RecordReader
turns each object into a record.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from annotator.cleaning import find_title
from annotator.errors import InputError, json_problem
from annotator.importers.reading import decoded_chunks, read_text, text_lines
from annotator.importers.records import (
    MAX_DEPTH,
    MAX_INTEGER,
    Parsed,
    Record,
    bounded,
    canonical_offsets,
    check_encodable,
    json_type,
)
from annotator.labels import check_label
from annotator.model import KINDS, NewSpan
from annotator.settings import validate_annotator

# A \uD800-\uDFFF escape: legal JSON, but unpaired it gives a string SQLite cannot store.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _check_surrogates(value: Any, where: str, field: str = "") -> None:
    """Refuse a lone surrogate in any field (title, meta, a note...), naming the field.

    Walked without recursion: the value may nest as deep as the JSON parser allowed.
    """
    stack: list[tuple[Any, str]] = [(value, field)]
    while stack:
        value, field = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise InputError(
                    f"{where}: {field or 'a key'} holds a lone surrogate U+{ord(value[error.start]):04X}"
                    f" at offset {error.start}"
                ) from None
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack.append((item, f"{field}.{key}" if field else key))
                stack.append((key, f"a key in {field}" if field else "a key"))
        elif isinstance(value, list):
            stack.extend((item, f"{field}[{index}]") for index, item in reversed(list(enumerate(value))))


_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _too_deep_at(raw: str, limit: int = MAX_DEPTH) -> int:
    """Where raw's JSON first nests deeper than limit (0 if it does not): for the message's line."""
    depth = 0
    for match in _STRUCTURE.finditer(raw):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token in "]}":
            depth -= 1
    return 0


def _beyond_json(raw: str, error: RecursionError | ValueError) -> tuple[str, int]:
    """What Python's JSON parser gave up on, in words, and the offset it is at.

    Not a JSONDecodeError but a limit of Python itself: nesting that exhausts the
    recursion limit, or an integer with more digits than int() converts.
    """
    if isinstance(error, RecursionError):
        return f"nested deeper than {MAX_DEPTH} levels", _too_deep_at(raw)
    limit = sys.get_int_max_str_digits()
    found = re.search(r"\d{%d,}" % (limit + 1), raw) if limit else None
    if found is None:
        return f"{error}".split(";")[0], 0
    return f"a number with {len(found.group())} digits (at most {limit} are read)", found.start()


def json_value(raw: str, path: Path, line: int = 1) -> Any:
    """json.loads, with Python's own limits (nesting, digits) one InputError naming the line."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        what, offset = _beyond_json(raw, error)
        line += raw.count("\n", 0, offset)
        raise InputError(f"{path}:{line}: not valid JSON: {what}") from None


@dataclass
class Item:
    """One JSON object of an input file: a JSONL line, or an element of a JSON array."""

    data: dict[str, Any]
    line: int  # where it starts in the file (1-based)
    index: int  # its position among the file's records (1-based)
    in_array: bool = False
    where: str = ""

    def locate(self, path: Path, unit: str = "record") -> None:
        """Set `where`: path:line for JSONL, path:line: task N in a JSON array."""
        self.where = f"{path}:{self.line}: {unit} {self.index}" if self.in_array else f"{path}:{self.line}"


def read_items(path: Path, raw: str) -> tuple[list[Item], list[str]]:
    """The JSON objects of a file (JSONL, a JSON array, or one JSON object) and the bad ones.

    A line or element that is not a JSON object is listed in the second list with its
    line number; a JSON document that does not parse at all is an error for the file.
    This reads the text whole: stream_items is the same a record at a time.
    """
    raw = raw.removeprefix("\ufeff")
    head = raw.lstrip()
    whole: Any = None
    parsed_whole = False
    if head.startswith("[") or (path.suffix.lower() == ".json" and head.startswith("{")):
        try:
            whole = json_value(raw, path)
            parsed_whole = True
        except json.JSONDecodeError as error:
            if path.suffix.lower() == ".json" and not error.msg.startswith("Extra data"):
                raise InputError(
                    f"{path}:{error.lineno}: not valid JSON: {json_problem(error.msg, error.colno)}"
                ) from None
        except InputError:
            if path.suffix.lower() == ".json":
                raise
            # JSON lines whose first line is an array: each line says what is wrong with it.
    if parsed_whole and isinstance(whole, list):
        return _array_items(path, raw, whole)
    if parsed_whole and isinstance(whole, dict):
        if _SURROGATE_ESCAPE.search(raw):
            try:
                _check_surrogates(whole, str(path))
            except InputError as error:
                return [], [str(error)]
        return [Item(whole, 1 + raw.count("\n", 0, raw.index("{")), 1, in_array=True)], []
    if parsed_whole:
        raise InputError(f"{path}: expected a JSON array or object, got {json_type(whole)}")
    return split_entries(_line_stream(path, raw.split("\n")))


def split_entries(entries: Iterable[Item | str]) -> tuple[list[Item], list[str]]:
    """Records that parsed, and the one-line problems of those that did not."""
    items: list[Item] = []
    invalid: list[str] = []
    for entry in entries:
        if isinstance(entry, Item):
            items.append(entry)
        else:
            invalid.append(entry)
    return items, invalid


def stream_items(path: Path, encoding: str | None = None) -> Iterator[Item | str]:
    """read_items(path, read_text(path, encoding)), one entry at a time, without holding the file.

    Each entry is a JSON object of the file (an Item), or the line saying why a line or
    an element is not one. JSON lines are read line by line. A JSON array (or a .json
    file holding one object) is read an element at a time; it is first read through
    once to check that it is one well-formed array, because a file that is not (a
    syntax error at the very end, or JSON lines whose first line is an array) is
    refused whole or read as lines instead, as read_items decides. Such a file, and a
    file read_text refuses, is read whole to say exactly that.
    """
    lines = text_lines(path, encoding)
    before: list[str] = []  # the blank lines before the first content, and that line
    for line in lines:
        if not before:
            line = line.removeprefix("\ufeff")
        before.append(line)
        if line and not line.isspace():
            break
    head = before[-1].lstrip() if before else ""
    if not (head.startswith("[") or (path.suffix.lower() == ".json" and head.startswith("{"))):
        yield from _line_stream(path, chain(before, lines))
        return
    lines.close()
    try:
        if head.startswith("["):
            for _ in _Scanner(path, encoding).array():  # the check: nothing is kept
                pass
        else:
            scanner = _Scanner(path, encoding)
            value, line, escaped = scanner.value()
            if scanner.at_end():
                problem = _surrogate_problem(value, str(path)) if escaped else None
                yield problem if problem is not None else Item(value, line, 1, in_array=True)
                return
    except _Irregular:
        items, invalid = read_items(path, read_text(path, encoding))
        yield from invalid
        yield from items
        return
    if head.startswith("["):
        try:
            yield from _Scanner(path, encoding).array()
        except _Irregular:
            raise InputError(f"{path}: changed while it was being read; import it again") from None
        return
    # a .json file of JSON lines
    lines = text_lines(path, encoding)
    first = next(lines, "").removeprefix("\ufeff")
    yield from _line_stream(path, chain([first], lines))


def _line_stream(path: Path, lines: Iterable[str]) -> Iterator[Item | str]:
    """The entries of JSON lines; the first line's byte-order mark is already gone."""
    seen = 0
    # A line that is not JSON: whether "the file looks truncated" depends on what follows.
    pending: tuple[str, json.JSONDecodeError] | None = None
    for number, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        if pending is not None:
            yield _not_json(*pending, last=False)
            pending = None
        seen += 1
        where = f"{path}:{number}"
        try:
            data = json_value(line, path, number)
        except json.JSONDecodeError as error:
            pending = (where, error)
            continue
        except InputError as error:
            yield str(error)
            continue
        if not isinstance(data, dict):
            yield f"{where}: expected a JSON object, got {json_type(data)}"
            continue
        if "\\" in line and _SURROGATE_ESCAPE.search(line):
            try:
                _check_surrogates(data, where)
            except InputError as error:
                yield str(error)
                continue
        yield Item(data, number, seen)
    if pending is not None:
        yield _not_json(*pending, last=True)
    if not seen:
        raise InputError(f"{path}: empty file (no JSON lines)")


def _not_json(where: str, error: json.JSONDecodeError, last: bool) -> str:
    hint = " (the file looks truncated)" if last else ""
    return f"{where}: not valid JSON: {json_problem(error.msg, error.colno)}{hint}"


class _Irregular(Exception):
    """The JSON document is not one plain array (or object): read_items reads it whole and says so."""


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
# A value this much longer than a block is read whole by read_items instead.
_LONGEST_VALUE = 64 << 20


class _Scanner:
    """The values of a JSON document's top-level array, decoded from a buffer of a few blocks.

    Anything but a well-formed array of values (or a single value for value()) raises
    _Irregular; a value cut by the end of the buffer is decoded again with more text.
    """

    def __init__(self, path: Path, encoding: str | None) -> None:
        self.path = path
        self.chunks = decoded_chunks(path, encoding)
        self.text = ""
        self.pos = 0
        self.line = 1  # of self.pos
        self.eof = False
        self.decoder = json.JSONDecoder()
        first = self._fill() and self.text.startswith("\ufeff")
        if first:
            self.pos = 1

    def _fill(self) -> bool:
        """Add the next block to the buffer (dropping what was read); False at the end of the file."""
        if self.eof:
            return False
        chunk = next(self.chunks, None)
        if chunk is None:
            self.eof = True
            return False
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True

    def _peek(self) -> str:
        """The next character after JSON white space; "" at the end of the file."""
        while True:
            end = _JSON_SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            self.line += self.text.count("\n", self.pos, end)
            self.pos = end
            if end < len(self.text):
                return self.text[end]
            if not self._fill():
                return ""

    def value(self) -> tuple[Any, int, bool]:
        """The next value, the line it starts on, and whether its text holds a surrogate escape."""
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                if len(self.text) - self.pos > _LONGEST_VALUE or not self._fill():
                    raise _Irregular from None
                continue
            except (RecursionError, ValueError):
                raise _Irregular from None
            # A number may go on in the next block ("1" of "1.5e3"): decide with more text.
            if len(self.text) - end <= 2 and not self.eof and self._fill():
                continue
            break
        line = self.line
        escaped = "\\" in self.text[self.pos : end] and _SURROGATE_ESCAPE.search(self.text, self.pos, end) is not None
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end
        return value, line, escaped

    def at_end(self) -> bool:
        return self._peek() == ""

    def _take(self, char: str) -> None:
        if self._peek() != char:
            raise _Irregular
        self.pos += 1

    def array(self) -> Iterator[Item | str]:
        """The entries of the array, as read_items gives them."""
        self._take("[")
        if self._peek() == "]":
            raise _Irregular  # empty: read_items says so
        index = 0
        while True:
            value, line, escaped = self.value()
            index += 1
            where = f"{self.path}:{line}"
            if not isinstance(value, dict):
                yield f"{where}: element {index}: expected a JSON object, got {json_type(value)}"
            else:
                problem = _surrogate_problem(value, where) if escaped else None
                yield problem if problem is not None else Item(value, line, index, in_array=True)
            following = self._peek()
            if following == ",":
                self.pos += 1
                if self._peek() == "]":
                    raise _Irregular  # a trailing comma
                continue
            if following == "]":
                self.pos += 1
                break
            raise _Irregular
        if not self.at_end():
            raise _Irregular


def _surrogate_problem(value: Any, where: str) -> str | None:
    try:
        _check_surrogates(value, where)
    except InputError as error:
        return str(error)
    return None


def _array_items(path: Path, raw: str, values: list[Any]) -> tuple[list[Item], list[str]]:
    """Elements of a JSON array with the line each starts on (for messages)."""
    if not values:
        raise InputError(f"{path}: empty file (an empty JSON array)")
    decoder = json.JSONDecoder()
    items: list[Item] = []
    invalid: list[str] = []
    position = raw.index("[") + 1
    line, counted = 1, 0
    check = bool(_SURROGATE_ESCAPE.search(raw))
    for index, value in enumerate(values, start=1):
        while raw[position] in " \t\r\n,":
            position += 1
        line += raw.count("\n", counted, position)
        counted = position
        _, position = decoder.raw_decode(raw, position)
        line_at = line
        where = f"{path}:{line_at}"
        if not isinstance(value, dict):
            invalid.append(f"{where}: element {index}: expected a JSON object, got {json_type(value)}")
            continue
        if check:
            try:
                _check_surrogates(value, where)
            except InputError as error:
                invalid.append(str(error))
                continue
        items.append(Item(value, line_at, index, in_array=True))
    return items, invalid


class RecordReader:
    """A format's reader: turns the file's JSON objects into records, one at a time.

    read() raises InputError for a bad record (naming where it is); notes() are the lines
    worth saying once the whole file is read; set_aside counts records kept apart.
    """

    def __init__(self, path: Path, default_annotator: str) -> None:
        self.path = path
        self.default_annotator = default_annotator
        self.set_aside = 0

    def read(self, item: Item) -> Record:
        raise NotImplementedError

    def notes(self) -> list[str]:
        return []

    def parse(self, items: Iterable[Item]) -> Parsed:
        """Every record of a list of objects (the whole-file way of reading)."""
        parsed = Parsed()
        for item in items:
            try:
                parsed.records.append(self.read(item))
            except InputError as error:
                parsed.invalid.append(str(error))
        parsed.notes = self.notes()
        parsed.set_aside = self.set_aside
        return parsed


class NativeReader(RecordReader):
    """annotator's own format: {"text", "id"?, "title"?, "meta"?, "spans"?} per record."""

    def read(self, item: Item) -> Record:
        if not item.where:
            item.locate(self.path)
        number = item.index if item.in_array else item.line
        return _record(item.data, item.where, self.path, number, self.default_annotator)


def parse_native(items: list[Item], path: Path, default_annotator: str) -> Parsed:
    """annotator's own format: {"text", "id"?, "title"?, "meta"?, "spans"?} per record."""
    return NativeReader(path, default_annotator).parse(items)


def read_jsonl(path: Path, default_annotator: str, encoding: str | None = None) -> list[Record]:
    """Every record of a native JSONL file; the first problem is raised."""
    items, invalid = split_entries(stream_items(path, encoding))
    parsed = parse_native(items, path, default_annotator)
    problems = sorted(invalid + parsed.invalid, key=_line_of)
    if problems:
        raise InputError(problems[0])
    return parsed.records


def _line_of(message: str) -> int:
    match = re.match(r".*?:(\d+)(?::|$)", message)
    return int(match.group(1)) if match else 0


def _record(data: dict[str, Any], where: str, path: Path, number: int, default_annotator: str) -> Record:
    text = data.get("text")
    if not isinstance(text, str):
        raise InputError(f"{where}: field 'text' must be a string")
    check_encodable(text, where)
    canonical, mapping = canonical_offsets(text)
    if not canonical.strip():
        raise InputError(f"{where}: field 'text' is empty")
    key = data["id"] if "id" in data else f"{path.stem}-{number}"
    if not isinstance(key, (str, int)) or isinstance(key, bool) or str(key) == "":
        raise InputError(f"{where}: field 'id' must be a non-empty string or number")
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise InputError(f"{where}: field 'title' must be a string")
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(f"{where}: field 'meta' must be an object")
    spans_data = data.get("spans", [])
    if not isinstance(spans_data, list):
        raise InputError(f"{where}: field 'spans' must be a list")
    kinds: dict[str, str] = {}
    spans = [_span(item, where, index, text, mapping, kinds, default_annotator) for index, item in enumerate(spans_data)]
    record = Record(str(key), title or find_title(canonical, str(key)), canonical, meta, spans, kinds, where)
    if spans:
        record.defaulted = sum(1 for item in spans_data if not item.get("annotator"))
    return record


# Labels and analyst names already found good: a large file names the same few on
# every line, and checking them again is a good part of reading it.
_GOOD_LABELS: set[str] = set()
_GOOD_NAMES: dict[str, str] = {}
_REMEMBERED = 10_000


def _span(
    item: Any,
    record: str,
    index: int,
    original: str,
    mapping: list[int] | None,
    kinds: dict[str, str],
    default_annotator: str,
) -> NewSpan:
    """One span of a record; `record` and `index` say where it is (record: spans[index])."""
    if not isinstance(item, dict):
        raise InputError(f"{record}: spans[{index}]: expected a JSON object, got {json_type(item)}")
    start, end, label = item.get("start"), item.get("end"), item.get("label")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"{record}: spans[{index}]: field '{name}' must be an integer")
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            bounded(value, f"{record}: spans[{index}]", name)
    assert isinstance(start, int) and isinstance(end, int)
    if not isinstance(label, str) or label not in _GOOD_LABELS:
        if not isinstance(label, str) or not label.strip():
            raise InputError(f"{record}: spans[{index}]: field 'label' must be a non-empty string")
        check_label(label, f"{record}: spans[{index}]", "field 'label'")
        if len(_GOOD_LABELS) < _REMEMBERED:
            _GOOD_LABELS.add(label)
    if not 0 <= start < end <= len(original):
        raise InputError(
            f"{record}: spans[{index}]: offsets {start}-{end} are reversed, empty or outside the text (length {len(original)})"
        )
    quoted = item.get("text")
    if quoted is not None and quoted != original[start:end]:
        raise InputError(
            f"{record}: spans[{index}]: 'text' {quoted!r} does not match the text at {start}-{end} ({original[start:end]!r})"
        )
    kind = item.get("kind")
    if kind is not None:
        if kind not in KINDS:
            raise InputError(f"{record}: spans[{index}]: field 'kind' must be one of {', '.join(KINDS)}")
        kinds[label] = kind
    annotator = item.get("annotator") or default_annotator
    note = item.get("note") or ""
    attrs = item.get("attrs") or {}
    if not isinstance(annotator, str) or not isinstance(note, str) or not isinstance(attrs, dict):
        raise InputError(f"{record}: spans[{index}]: 'annotator' and 'note' must be strings, 'attrs' an object")
    name = _GOOD_NAMES.get(annotator)
    if name is None:
        try:
            # Names are shown in the app and in exports: the same rules as --annotator
            # (the adjudicated "gold" set may be imported).
            name = validate_annotator(annotator, allow_reserved=True)
        except InputError as error:
            raise InputError(f"{record}: spans[{index}]: field 'annotator': {error}") from None
        if len(_GOOD_NAMES) < _REMEMBERED:
            _GOOD_NAMES[annotator] = name
    if mapping is not None:
        start, end = mapping[start], mapping[end]
        if start >= end:
            raise InputError(
                f"{record}: spans[{index}]: offsets {item['start']}-{item['end']} cover only the \\r of a \\r\\n line break,"
                " which is stored as one \\n; nothing would be left to tag"
            )
    uid = item.get("uid")
    created = item.get("created_at")
    updated = item.get("updated_at")
    return NewSpan(
        start=start,
        end=end,
        label=label,
        annotator=name,
        note=note,
        attrs=attrs,
        uid=uid if isinstance(uid, str) and uid else None,
        created_at=created if isinstance(created, str) else None,
        updated_at=updated if isinstance(updated, str) else None,
    )
