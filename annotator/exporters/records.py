"""What exports are made of: plain records, filters and the --status scope.

No database here: the format writers depend on these alone, and the store-reading
side (source.py, native.py) fills them in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from annotator.model import Document, Span
from annotator.review import GOLD  # gold's "done" is the review screen's adjudicated mark (D)

__all__ = ["GOLD", "STATUS_RULES", "ExportFilter", "ExportSpan", "LeftOut", "Record", "Scope"]


@dataclass(frozen=True)
class ExportFilter:
    """What an export holds. status: whose work on an article is written (see
    records.Scope): 'all' writes every article, as a backup must."""

    annotators: list[str] | None = None
    labels: list[str] | None = None
    kinds: list[str] | None = None
    only_annotated: bool = False
    status: str = "all"


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
