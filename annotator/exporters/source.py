"""What every non-native exporter reads: documents with their spans, filtered like native.

Native export streams lines SQLite builds; the other formats need Python objects (tokens,
token indices, per-analyst grouping), so they read one document at a time through the
Store's ordinary methods, with the same --annotator/--label/--kind/--only-annotated
filters and the same span order (start, end, label, annotator) as native.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from annotator.exporters.native import ExportFilter
from annotator.model import Document, Span
from annotator.store import Store
from annotator.tokens import Token, tokenize


@dataclass(frozen=True)
class ExportSpan:
    """A stored span with its label's kind (spans of an unknown label count as entities, as in native)."""

    span: Span
    kind: str

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end

    @property
    def label(self) -> str:
        return self.span.label

    @property
    def annotator(self) -> str:
        return self.span.annotator

    @property
    def text(self) -> str:
        return self.span.text


@dataclass(frozen=True)
class Record:
    """One unit a format writes: a document with one analyst's spans (annotator set), or
    with every selected analyst's spans (annotator None, per-document formats)."""

    document: Document
    annotator: str | None
    spans: tuple[ExportSpan, ...]


def document_spans(
    store: Store,
    selection: ExportFilter,
    keep: Callable[[Document], bool] | None = None,
) -> Iterator[tuple[Document, list[ExportSpan]]]:
    """Each document in corpus order with its spans after the filters (reading order)."""
    kinds = {label.name: label.kind for label in store.labels()}
    annotators = set(selection.annotators) if selection.annotators else None
    labels = set(selection.labels) if selection.labels else None
    wanted_kinds = set(selection.kinds) if selection.kinds else None
    for summary in store.list_documents():
        document = store.document(summary.id)
        if keep is not None and not keep(document):
            continue
        spans = [
            ExportSpan(span, kinds.get(span.label, "entity"))
            for span in store.spans(document.id)
            if (annotators is None or span.annotator in annotators)
            and (labels is None or span.label in labels)
            and (wanted_kinds is None or kinds.get(span.label, "entity") in wanted_kinds)
        ]
        if selection.only_annotated and not spans:
            continue
        spans.sort(key=lambda s: (s.start, s.end, s.label, s.annotator))
        yield document, spans


def records(
    store: Store,
    selection: ExportFilter,
    per_annotator: bool,
    keep: Callable[[Document], bool] | None = None,
) -> Iterator[Record]:
    """The records a format writes.

    per_annotator: one record per document and analyst who has spans in it (analysts
    in name order); a document with no span after the filters gives one record with no
    spans, whose annotator is the one --annotator given, if exactly one was, else None.
    Otherwise one record per document holding every selected analyst's spans.
    """
    sole = selection.annotators[0] if selection.annotators and len(selection.annotators) == 1 else None
    for document, spans in document_spans(store, selection, keep):
        if not per_annotator:
            yield Record(document, None, tuple(spans))
            continue
        if not spans:
            yield Record(document, sole, ())
            continue
        grouped: dict[str, list[ExportSpan]] = {}
        for span in spans:
            grouped.setdefault(span.annotator, []).append(span)
        for name in sorted(grouped):
            yield Record(document, name, tuple(grouped[name]))


# -- tokens --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """A document's tokens (annotator/tokens.py) with lookups from offsets to token indices."""

    items: tuple[Token, ...]
    by_start: dict[int, int]
    by_end: dict[int, int]

    def align(self, start: int, end: int) -> tuple[int, int] | None:
        """(first token, last token) inclusive when [start, end) sits on token boundaries."""
        first = self.by_start.get(start)
        last = self.by_end.get(end)
        if first is None or last is None or last < first:
            return None
        return first, last


@lru_cache(maxsize=8)
def tokens_of(text: str) -> Tokens:
    """Tokenised once per document even when several analysts' records share it."""
    items = tuple(tokenize(text))
    return Tokens(
        items,
        {token.start: index for index, token in enumerate(items)},
        {token.end: index for index, token in enumerate(items)},
    )
