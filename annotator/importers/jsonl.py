"""JSONL: one {"text", "id"?, "title"?, "meta"?, "spans"?} object per line.

This reads both simple text-only lines and annotator's own export format, so an
export is also a backup and a hand-over between machines.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.cleaning import find_title
from annotator.errors import InputError
from annotator.importers.reading import read_text
from annotator.importers.records import (
    MAX_DEPTH,
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
                    f"{path}:{error.lineno}: not valid JSON: {error.msg} at column {error.colno}"
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
    return _line_items(path, raw)


def _line_items(path: Path, raw: str) -> tuple[list[Item], list[str]]:
    items: list[Item] = []
    invalid: list[str] = []
    lines = raw.split("\n")
    seen = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        seen += 1
        where = f"{path}:{number}"
        try:
            data = json_value(line, path, number)
        except json.JSONDecodeError as error:
            last = number == len(lines) or all(not rest.strip() for rest in lines[number:])
            hint = " (the file looks truncated)" if last else ""
            invalid.append(f"{where}: not valid JSON: {error.msg} at column {error.colno}{hint}")
            continue
        except InputError as error:
            invalid.append(str(error))
            continue
        if not isinstance(data, dict):
            invalid.append(f"{where}: expected a JSON object, got {json_type(data)}")
            continue
        if _SURROGATE_ESCAPE.search(line):
            try:
                _check_surrogates(data, where)
            except InputError as error:
                invalid.append(str(error))
                continue
        items.append(Item(data, number, seen))
    if not seen:
        raise InputError(f"{path}: empty file (no JSON lines)")
    return items, invalid


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


def parse_native(items: list[Item], path: Path, default_annotator: str) -> Parsed:
    """annotator's own format: {"text", "id"?, "title"?, "meta"?, "spans"?} per record."""
    parsed = Parsed()
    for item in items:
        if not item.where:
            item.locate(path)
        try:
            parsed.records.append(_record(item.data, item.where, path, item.index if item.in_array else item.line, default_annotator))
        except InputError as error:
            parsed.invalid.append(str(error))
    return parsed


def read_jsonl(path: Path, default_annotator: str, encoding: str | None = None) -> list[Record]:
    """Every record of a native JSONL file; the first problem is raised."""
    items, invalid = read_items(path, read_text(path, encoding))
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
    key = data.get("id", f"{path.stem}-{number}")
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
    spans: list[NewSpan] = []
    kinds: dict[str, str] = {}
    for index, item in enumerate(spans_data):
        spans.append(_span(item, f"{where}: spans[{index}]", text, mapping, kinds, default_annotator))
    return Record(str(key), title or find_title(canonical, str(key)), canonical, meta, spans, kinds, where)


def _span(
    item: Any,
    where: str,
    original: str,
    mapping: list[int] | None,
    kinds: dict[str, str],
    default_annotator: str,
) -> NewSpan:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a JSON object, got {json_type(item)}")
    start, end, label = item.get("start"), item.get("end"), item.get("label")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"{where}: field '{name}' must be an integer")
        bounded(value, where, name)
    assert isinstance(start, int) and isinstance(end, int)
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"{where}: field 'label' must be a non-empty string")
    check_label(label, where, "field 'label'")
    if not 0 <= start < end <= len(original):
        raise InputError(f"{where}: offsets {start}-{end} are reversed, empty or outside the text (length {len(original)})")
    quoted = item.get("text")
    if quoted is not None and quoted != original[start:end]:
        raise InputError(f"{where}: 'text' {quoted!r} does not match the text at {start}-{end} ({original[start:end]!r})")
    kind = item.get("kind")
    if kind is not None:
        if kind not in KINDS:
            raise InputError(f"{where}: field 'kind' must be one of {', '.join(KINDS)}")
        kinds[label] = kind
    annotator = item.get("annotator") or default_annotator
    note = item.get("note") or ""
    attrs = item.get("attrs") or {}
    if not isinstance(annotator, str) or not isinstance(note, str) or not isinstance(attrs, dict):
        raise InputError(f"{where}: 'annotator' and 'note' must be strings, 'attrs' an object")
    try:
        # Names are shown in the app and in exports: the same rules as --annotator
        # (the adjudicated "gold" set may be imported).
        annotator = validate_annotator(annotator, allow_reserved=True)
    except InputError as error:
        raise InputError(f"{where}: field 'annotator': {error}") from None
    if mapping is not None:
        start, end = mapping[start], mapping[end]
        if start >= end:
            raise InputError(
                f"{where}: offsets {item['start']}-{item['end']} cover only the \\r of a \\r\\n line break,"
                " which is stored as one \\n; nothing would be left to tag"
            )
    uid = item.get("uid")
    created = item.get("created_at")
    updated = item.get("updated_at")
    return NewSpan(
        start=start,
        end=end,
        label=label,
        annotator=annotator,
        note=note,
        attrs=attrs,
        uid=uid if isinstance(uid, str) and uid else None,
        created_at=created if isinstance(created, str) else None,
        updated_at=updated if isinstance(updated, str) else None,
    )
