"""CoNLL-style BIO columns: one token per line, a tag column per kind.

    -DOCSTART-<TAB><document id><TAB><analyst or ->
    <blank line>
    token<TAB>claim tag<TAB>entity tag<TAB>quantity tag
    ...
    <blank line between sentences>

One block per document and analyst. Tokens come from annotator/tokens.py's
tokenize_for_spans(), cut where any span of the document being exported starts or ends
inside a token, so every span is on tokens, and every block of a document has the same
tokens (the importer joins them into one document by that). Tags are B-LABEL, I-LABEL or
O. Sentences end at a line break, or after . ! ? … (and closing quotes or brackets)
followed by white space, unless the dot ends a known abbreviation or a single letter (the
app's sentence rule, annotator/text.py). A sentence never ends inside a written span, so
a BIO run is never cut.

Within one kind a token carries one tag, so when spans of the same kind overlap the
longest is kept (ties: the earlier, then the label name) and the others are counted as
"dropped by overlap". CoNLL has no white space: a span is written on the tokens it
covers (white space at its edges goes with the rest of the white space), and a span of
nothing but white space covers no token, so it is not written and is counted (the
report's "of white space only" line).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import IO

from annotator.exporters.common import by_document
from annotator.exporters.report import Report
from annotator.exporters.records import ExportSpan, Record
from annotator.model import KINDS
from annotator.text import _is_abbreviation
from annotator.tokens import Token, tokenize_for_spans

COLUMNS = KINDS  # ("claim", "entity", "quantity")
_ENDERS = frozenset(".!?…")
_CLOSERS = frozenset("\"'”’)]»")


def _header_field(value: str) -> str:
    return " ".join(value.split()) or "-"


def _covered(starts: list[int], span: ExportSpan) -> tuple[int, int] | None:
    """(first, last) inclusive of the tokens inside the span; None when it holds only white space.

    The tokens are cut at the span's edges, so a token is inside it or outside it.
    """
    first = bisect_left(starts, span.start)
    last = bisect_left(starts, span.end) - 1
    return (first, last) if first <= last else None


def _tags(record: Record, items: list[Token], report: Report) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """Per token, its tag in each column; and the token ranges of the spans written."""
    tags = [["O"] * len(COLUMNS) for _ in items]
    starts = [token.start for token in items]
    placed: list[tuple[int, int]] = []
    aligned: dict[str, list[tuple[int, int, ExportSpan]]] = {kind: [] for kind in COLUMNS}
    for span in record.spans:
        where = _covered(starts, span)
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


def _sentence_ends(record: Record, items: list[Token], placed: list[tuple[int, int]]) -> set[int]:
    """Indices of tokens after which a sentence ends."""
    text = record.document.text
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
    for group, spans in by_document(records):
        items = tokenize_for_spans(group[0].document.text, spans)
        for record in group:
            _write_block(record, items, handle, report)


def _write_block(record: Record, items: list[Token], handle: IO[str], report: Report) -> None:
    tags, placed = _tags(record, items, report)
    ends = _sentence_ends(record, items, placed)
    handle.write(
        f"-DOCSTART-\t{_header_field(record.document.key)}\t{_header_field(record.annotator or '')}\n\n"
    )
    for index, token in enumerate(items):
        handle.write(token.text)
        handle.write("\t")
        handle.write("\t".join(tags[index]))
        handle.write("\n")
        if index in ends:
            handle.write("\n")
    if items:
        handle.write("\n")
