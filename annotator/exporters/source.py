"""What every non-native exporter reads: documents with their spans, filtered like native.

Native export streams lines SQLite builds; the other formats need Python objects (tokens,
token indices, per-analyst grouping), so they read one document at a time through the
Store's ordinary methods, with the same --annotator/--label/--kind/--only-annotated
filters and the same span order (start, end, label, annotator) as native, and --status
(Scope): whose work on which article is written at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from annotator.exporters.records import GOLD, STATUS_RULES, ExportFilter, ExportSpan, LeftOut, Record, Scope
from annotator.model import Document
from annotator.store import Store

__all__ = ["GOLD", "STATUS_RULES", "ExportSpan", "LeftOut", "Record", "Scope", "document_spans", "records", "scope_of"]


def scope_of(store: Store, selection: ExportFilter) -> Scope:
    """The --status scope of an export, from the store's per-document work counts."""
    return Scope(
        selection.status,
        store.work_by_document(),
        frozenset(selection.annotators) if selection.annotators else None,
    )


def document_spans(
    store: Store,
    selection: ExportFilter,
    keep: Callable[[Document], bool] | None = None,
    scope: Scope | None = None,
    left_out: LeftOut | None = None,
) -> Iterator[tuple[Document, list[ExportSpan], list[str] | None]]:
    """Each document in corpus order with its spans after the filters (reading order)
    and, with a scope, the analysts whose work is written (spans of others dropped).

    --only-annotated is applied before the scope (a document it drops is not counted as
    left out) and again after it.
    """
    kinds = {label.name: label.kind for label in store.labels()}
    annotators = set(selection.annotators) if selection.annotators else None
    labels = set(selection.labels) if selection.labels else None
    wanted_kinds = set(selection.kinds) if selection.kinds else None
    left_out = left_out if left_out is not None else LeftOut()
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
        writers: list[str] | None = None
        if scope is not None:
            chosen = scope.admit(document.key, left_out)
            if chosen is None:
                continue
            writers = sorted(chosen)
            spans = [span for span in spans if span.annotator in chosen]
            if selection.only_annotated and not spans:
                continue
        spans.sort(key=lambda s: (s.start, s.end, s.label, s.annotator))
        yield document, spans, writers


def records(
    store: Store,
    selection: ExportFilter,
    per_annotator: bool,
    keep: Callable[[Document], bool] | None = None,
    scope: Scope | None = None,
    left_out: LeftOut | None = None,
) -> Iterator[Record]:
    """The records a format writes.

    per_annotator: one record per document and analyst whose work is written (analysts
    in name order; with a scope an analyst who marked the article done without a span
    gets a record with no spans, a true negative). A document written with no such
    analyst (--status all, or no scope) gives one record with no spans, whose annotator
    is the one --annotator given, if exactly one was, else None.
    Otherwise one record per document holding every written analyst's spans.
    """
    sole = selection.annotators[0] if selection.annotators and len(selection.annotators) == 1 else None
    for document, spans, writers in document_spans(store, selection, keep, scope, left_out):
        if not per_annotator:
            yield Record(document, None, tuple(spans))
            continue
        grouped: dict[str, list[ExportSpan]] = {name: [] for name in writers or ()}
        for span in spans:
            grouped.setdefault(span.annotator, []).append(span)
        if not grouped:
            yield Record(document, sole, ())
            continue
        for name in sorted(grouped):
            yield Record(document, name, tuple(grouped[name]))
