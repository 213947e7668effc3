"""CoNLL-style token columns with BIO tags.

Two shapes are read:

- annotator's own (`annotator export --format conll`): tab-separated,

      -DOCSTART-<TAB><document id><TAB><analyst or ->
      <blank line>
      token<TAB>claim tag<TAB>entity tag<TAB>quantity tag

  one block per document and analyst, a blank line after each sentence. The column a
  tag is in gives its label's kind (when neither --map nor the database gives one).
  Blocks of one document (the same id and the same tokens) are one document holding
  every analyst's spans.
- plain CoNLL (CoNLL-2003 and the many `token TAG` files): whitespace- or tab-separated
  rows whose last column is the tag (`EU NNP B-NP B-ORG` or `EU B-ORG`), a blank line
  between sentences, `-DOCSTART-` lines between documents (keys `<file stem>-1`, `-2`,
  ...; a file without any is one document keyed by its stem). Spans are the analyst's
  given by --annotator.

Tags are `O` and `B-`/`I-LABEL`, read leniently so IOB1 (a span opens with `I-`, `B-`
only between two touching spans of one label) and BIOES/BILOU (`S-`/`U-` single, `E-`/
`L-` last) work too: `B`, `S`, `U` always open a span; `I`, `E`, `L` continue the open
span of the same label or open one. A span never runs over a sentence break.

CoNLL carries tokens, not the white space between them: the text is rebuilt with the
tokens joined by a single space and the sentences by a line break (where any analyst's
block of the document ends a sentence), and offsets point into that text. So a CoNLL
round trip gives back the same tokens, labels and analysts, not the original spacing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from annotator.cleaning import find_title
from annotator.errors import InputError, counted
from annotator.importers.reading import read_text
from annotator.importers.records import Parsed, Record, check_encodable
from annotator.labels import check_label
from annotator.model import KINDS, NewSpan
from annotator.settings import validate_annotator

COLUMNS = KINDS  # the tag columns of annotator's own export: claim, entity, quantity
DOCSTART = "-DOCSTART-"
_TAG = re.compile(r"^(?:O|[BIESLU]-\S.*)$")


@dataclass
class _Block:
    where: str
    key: str
    analyst: str | None
    tokens: list[str] = field(default_factory=list)
    # per token, its tag in each column
    tags: list[tuple[str, ...]] = field(default_factory=list)
    breaks: set[int] = field(default_factory=set)  # token indices after which a sentence ends
    lines: list[int] = field(default_factory=list)  # the file line of each token
    error: str | None = None


def _is_tag(value: str) -> bool:
    return bool(_TAG.match(value))


def _split(line: str) -> list[str]:
    return line.split("\t") if "\t" in line else line.split()


def _own_header(fields: list[str]) -> bool:
    return len(fields) == 3 and fields[0] == DOCSTART and fields[1] not in ("-X-", "") and not _is_tag(fields[1])


def parse_conll(path: Path, default_annotator: str, encoding: str | None = None) -> Parsed:
    raw = read_text(path, encoding).removeprefix("\ufeff")
    check_encodable(raw, str(path))
    lines = [line.rstrip("\r") for line in raw.split("\n")]
    rows = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not rows:
        raise InputError(f"{path}: empty file (no tokens)")
    own = _own_header(rows[0][1].split("\t")) or all(
        len(fields := line.split("\t")) == 4 and all(_is_tag(f) for f in fields[1:]) for _, line in rows
    )
    parsed = Parsed()
    blocks = _blocks(path, lines, own)
    for block in blocks:
        if block.error:
            parsed.invalid.append(block.error)
    good = [block for block in blocks if not block.error and block.tokens]
    if len(blocks) == 1 and good and not any(_split(line)[0] == DOCSTART for _, line in rows):
        good[0].key = path.stem  # no -DOCSTART- at all: the file is one document
    if not own:
        for block in good:
            try:
                parsed.records.append(_record([block], default_annotator, own=False))
            except InputError as error:
                parsed.invalid.append(str(error))
        return parsed
    groups: dict[tuple[str, tuple[str, ...]], list[_Block]] = {}
    for block in good:
        groups.setdefault((block.key, tuple(block.tokens)), []).append(block)
    for group in groups.values():
        try:
            parsed.records.append(_record(group, default_annotator, own=True))
        except InputError as error:
            parsed.invalid.append(str(error))
    return parsed


def _blocks(path: Path, lines: list[str], own: bool) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    count = 0
    for number, line in enumerate(lines, start=1):
        where = f"{path}:{number}"
        if not line.strip():
            if current is not None and current.tokens:
                current.breaks.add(len(current.tokens) - 1)
            continue
        fields = _split(line)
        header = fields[0] == DOCSTART and not (own and len(fields) == 4 and all(_is_tag(f) for f in fields[1:]))
        if header:
            count += 1
            if own:
                if not _own_header(line.split("\t")):
                    current = _Block(where, "", None, error=f"{where}: expected -DOCSTART-<TAB>document id<TAB>analyst")
                else:
                    _, key, analyst = line.split("\t")
                    current = _Block(where, key.strip(), None if analyst.strip() in ("", "-") else analyst.strip())
            else:
                current = _Block(where, f"{path.stem}-{count}", None)
            blocks.append(current)
            continue
        if current is None:
            count += 1
            current = _Block(where, f"{path.stem}-{count}", None)
            blocks.append(current)
        if current.error:
            continue
        try:
            tags = _row(fields, where, own)
        except InputError as error:
            current.error = str(error)
            continue
        current.tokens.append(fields[0])
        current.tags.append(tags)
        current.lines.append(number)
    return blocks


def _row(fields: list[str], where: str, own: bool) -> tuple[str, ...]:
    if own:
        if len(fields) != 1 + len(COLUMNS):
            raise InputError(
                f"{where}: expected token<TAB>claim tag<TAB>entity tag<TAB>quantity tag, got {counted(len(fields), 'column')}"
            )
        tags = tuple(fields[1:])
    else:
        if len(fields) < 2:
            raise InputError(f"{where}: expected a token and its tag (token TAG)")
        tags = (fields[-1],)
    if not fields[0]:
        raise InputError(f"{where}: empty token")
    for tag in tags:
        if not _is_tag(tag):
            raise InputError(f"{where}: {tag[:60]!r} is not a BIO tag (O, B-LABEL or I-LABEL)")
        if tag != "O":
            check_label(tag[2:], where)
    return tags


def _decode(column: list[str], breaks: set[int]) -> list[tuple[int, int, str]]:
    """(first token, last token inclusive, label) of the spans one tag column holds."""
    spans: list[tuple[int, int, str]] = []
    open_: tuple[int, str] | None = None

    def close(last: int) -> None:
        nonlocal open_
        if open_ is not None:
            spans.append((open_[0], last, open_[1]))
            open_ = None

    for index, tag in enumerate(column):
        if tag == "O":
            close(index - 1)
        else:
            prefix, label = tag[0], tag[2:]
            if prefix in "BSU" or open_ is None or open_[1] != label:
                close(index - 1)
                open_ = (index, label)
            if prefix in "SUEL":
                close(index)
        if index in breaks:
            close(index)
    close(len(column) - 1)
    return spans


def _record(blocks: list[_Block], default_annotator: str, own: bool) -> Record:
    first = blocks[0]
    breaks = set().union(*(block.breaks for block in blocks))
    starts: list[int] = []
    ends: list[int] = []
    parts: list[str] = []
    position = 0
    for index, token in enumerate(first.tokens):
        if index:
            separator = "\n" if index - 1 in breaks else " "
            parts.append(separator)
            position += 1
        starts.append(position)
        parts.append(token)
        position += len(token)
        ends.append(position)
    text = "".join(parts)
    check_encodable(text, first.where)
    spans: list[NewSpan] = []
    declared: dict[str, str] = {}
    defaulted = 0  # spans of blocks that name no analyst
    for block in blocks:
        annotator = default_annotator
        if block.analyst is not None:
            try:
                # "gold" may come back: `annotator export --format conll --annotator gold`.
                annotator = validate_annotator(block.analyst, allow_reserved=True)
            except InputError as error:
                raise InputError(f"{block.where}: analyst: {error}") from None
        for column in range(len(block.tags[0]) if block.tags else 0):
            for start, last, label in _decode([tags[column] for tags in block.tags], block.breaks):
                if own:
                    declared.setdefault(label, COLUMNS[column])
                spans.append(NewSpan(start=starts[start], end=ends[last], label=label, annotator=annotator))
                defaulted += block.analyst is None
    return Record(
        first.key, find_title(text, first.key), text, {}, spans, {}, first.where, declared=declared, defaulted=defaulted
    )
