"""CoNLL-style BIO columns: one token per line, a tag column per kind.

    -DOCSTART-<TAB><document id><TAB><analyst or ->
    <blank line>
    token<TAB>claim tag<TAB>entity tag<TAB>quantity tag
    ...
    <blank line between sentences>

One block per document and analyst. Tokens come from annotator/tokens.py. Tags are
B-LABEL, I-LABEL or O. Sentences end at a line break, or after . ! ? … (and closing
quotes or brackets) followed by white space, unless the dot ends a known abbreviation or
a single letter (the app's sentence rule, annotator/text.py). A sentence never ends
inside a written span, so a BIO run is never cut.

Within one kind a token carries one tag, so when spans of the same kind overlap the
longest is kept (ties: the earlier, then the label name) and the others are counted as
"dropped by overlap". Spans not on token boundaries are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from annotator.exporters.report import Report
from annotator.exporters.source import ExportSpan, Record, tokens_of
from annotator.model import KINDS
from annotator.text import _is_abbreviation

COLUMNS = KINDS  # ("claim", "entity", "quantity")
_ENDERS = frozenset(".!?…")
_CLOSERS = frozenset("\"'”’)]»")


def _header_field(value: str) -> str:
    return " ".join(value.split()) or "-"


def _tags(record: Record, report: Report) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """Per token, its tag in each column; and the token ranges of the spans written."""
    tokens = tokens_of(record.document.text)
    tags = [["O"] * len(COLUMNS) for _ in tokens.items]
    placed: list[tuple[int, int]] = []
    aligned: dict[str, list[tuple[int, int, ExportSpan]]] = {kind: [] for kind in COLUMNS}
    for span in record.spans:
        where = tokens.align(span.start, span.end)
        if where is None:
            report.off_boundary(record, span)
            continue
        aligned.setdefault(span.kind, []).append((where[0], where[1], span))
    for column, kind in enumerate(COLUMNS):
        taken: list[tuple[int, int]] = []
        for first, last, span in sorted(aligned[kind], key=lambda a: (-(a[2].end - a[2].start), a[2].start, a[2].label)):
            if any(first <= b and a <= last for a, b in taken):
                report.overlapped(record, span)
                continue
            taken.append((first, last))
            placed.append((first, last))
            tags[first][column] = f"B-{span.label}"
            for index in range(first + 1, last + 1):
                tags[index][column] = f"I-{span.label}"
            report.wrote(record, span)
    return tags, placed


def _sentence_ends(record: Record, placed: list[tuple[int, int]]) -> set[int]:
    """Indices of tokens after which a sentence ends."""
    text = record.document.text
    items = tokens_of(text).items
    inside = set()
    for first, last in placed:
        inside.update(range(first, last))  # no break between first..last
    ends: set[int] = set()
    for index in range(len(items) - 1):
        if index in inside:
            continue
        gap = text[items[index].end : items[index + 1].start]
        if not gap:
            continue
        if "\n" in gap:
            ends.add(index)
            continue
        back = index
        while back > 0 and items[back].text in _CLOSERS and items[back - 1].end == items[back].start:
            back -= 1
        if items[back].text not in _ENDERS:
            continue
        if items[back].text == "." and _is_abbreviation(text, items[back].start):
            continue  # "Dr. Smith", "U.S. troops", "J. Doe": the app's sentence rule
        ends.add(index)
    return ends


def write(records: Iterable[Record], handle: IO[str], report: Report) -> None:
    for record in records:
        tags, placed = _tags(record, report)
        ends = _sentence_ends(record, placed)
        handle.write(
            f"-DOCSTART-\t{_header_field(record.document.key)}\t{_header_field(record.annotator or '')}\n\n"
        )
        items = tokens_of(record.document.text).items
        for index, token in enumerate(items):
            handle.write(token.text)
            handle.write("\t")
            handle.write("\t".join(tags[index]))
            handle.write("\n")
            if index in ends:
                handle.write("\n")
        if items:
            handle.write("\n")
