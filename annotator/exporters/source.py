"""What every non-native exporter reads: documents with their spans, filtered like native.

Native export streams lines SQLite builds; the other formats need Python objects (tokens,
token indices, per-analyst grouping), so they read one document at a time through the
Store's ordinary methods, with the same --annotator/--label/--kind/--only-annotated
filters and the same span order (start, end, label, annotator) as native, and --status
(Scope): whose work on which article is written at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from annotator.exporters.native import ExportFilter
from annotator.model import Document, Span
from annotator.review import GOLD  # gold's "done" is the review screen's adjudicated mark (D)
from annotator.store import Store


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


STATUS_RULES = {
    "done": "an analyst's work on an article is written once they marked it done (gold: adjudicated)",
    "touched": "an analyst's work on an article is written once they marked it done or have a span on it "
    "(any label or kind); gold only once the article is adjudicated",
    "all": "every article is written, with every selected analyst's spans",
}


@dataclass
class LeftOut:
    """What --status kept out of an export, counted so the report can say so."""

    documents: int = 0  # no selected analyst worked on them
    unfinished: Counter[str] = field(default_factory=Counter)  # analyst -> articles whose work was not finished

    def merge(self, other: LeftOut) -> None:
        self.documents += other.documents
        self.unfinished.update(other.unfinished)


@dataclass(frozen=True)
class Scope:
    """Whose work on which article an export holds (--status), from Store.work_by_document.

    An article nobody opened is not an example with no entities: written as one, it
    teaches a model that its text mentions nothing. So an analyst's record is written
    only when they worked on the article; a 'done' mark with no spans is a true
    negative and is written.
    """

    status: str
    work: dict[str, dict[str, tuple[int, bool]]]
    annotators: frozenset[str] | None = None  # --annotator; None: everyone

    @classmethod
    def of(cls, store: Store, selection: ExportFilter) -> Scope:
        return cls(
            selection.status,
            store.work_by_document(),
            frozenset(selection.annotators) if selection.annotators else None,
        )

    def qualifies(self, annotator: str, spans: int, done: bool) -> bool:
        if self.status == "all" or done:
            return True
        return self.status == "touched" and spans > 0 and annotator != GOLD

    def sort(self, key: str) -> tuple[list[str], list[str]]:
        """(analysts whose work is written, analysts whose unfinished work is left out)."""
        writers: list[str] = []
        unfinished: list[str] = []
        for name, (spans, done) in sorted(self.work.get(key, {}).items()):
            if self.annotators is not None and name not in self.annotators:
                continue
            if not spans and not done:
                continue
            (writers if self.qualifies(name, spans, done) else unfinished).append(name)
        return writers, unfinished

    def admit(self, key: str, left_out: LeftOut) -> set[str] | None:
        """The analysts whose spans of this document are written; None leaves it out, counted."""
        writers, unfinished = self.sort(key)
        left_out.unfinished.update(unfinished)
        if not writers and self.status != "all":
            if not unfinished:
                left_out.documents += 1
            return None
        return set(writers)


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
