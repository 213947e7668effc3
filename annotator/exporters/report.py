"""What an export wrote and what it could not: counted, never silent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.errors import counted, noun_for
from annotator.exporters.records import GOLD, ExportSpan, LeftOut, Record
from annotator.text import one_line

EXAMPLES = 3  # problem spans quoted in the report, per problem


@dataclass
class Report:
    documents: int = 0
    records: int = 0
    spans: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_annotator: Counter[str] = field(default_factory=Counter)
    annotator_documents: dict[str, set[Hashable]] = field(default_factory=dict)
    off_boundaries: int = 0
    dropped_by_overlap: int = 0
    outside_ents: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)
    left_out: LeftOut = field(default_factory=LeftOut)
    _last_document: int | None = None

    def count(self, items: Iterable[Record]) -> Iterator[Record]:
        """Pass records through, counting documents and records."""
        for record in items:
            self.records += 1
            if record.document.id != self._last_document:
                self.documents += 1
                self._last_document = record.document.id
            yield record

    def wrote(self, record: Record, span: ExportSpan) -> None:
        self.tally(record.document.id, span.label, span.kind, span.annotator)

    def tally(self, document: Hashable, label: str, kind: str, annotator: str) -> None:
        """One span written."""
        self.spans += 1
        self.by_label[label] += 1
        self.by_kind[kind] += 1
        self.by_annotator[annotator] += 1
        self.annotator_documents.setdefault(annotator, set()).add(document)

    def off_boundary(self, record: Record, span: ExportSpan) -> None:
        self.off_boundaries += 1
        self._example("off", record, span)

    def overlapped(self, record: Record, span: ExportSpan) -> None:
        self.dropped_by_overlap += 1
        self._example("overlap", record, span)

    def not_in_ents(self, record: Record, span: ExportSpan) -> None:
        self.outside_ents += 1
        self._example("ents", record, span)

    def _example(self, problem: str, record: Record, span: ExportSpan) -> None:
        shown = self.examples.setdefault(problem, [])
        if len(shown) < EXAMPLES:
            shown.append(
                f"{one_line(record.document.key, 40)} {span.start}-{span.end} {one_line(span.label, 30)} "
                f"{one_line(repr(span.text), 40)} ({one_line(span.annotator, 20)})"
            )

    def merge(self, other: Report) -> None:
        self.documents += other.documents
        self.records += other.records
        self.spans += other.spans
        self.by_label.update(other.by_label)
        self.by_kind.update(other.by_kind)
        self.by_annotator.update(other.by_annotator)
        for name, ids in other.annotator_documents.items():
            self.annotator_documents.setdefault(name, set()).update(ids)
        self.off_boundaries += other.off_boundaries
        self.dropped_by_overlap += other.dropped_by_overlap
        self.outside_ents += other.outside_ents
        for problem, shown in other.examples.items():
            mine = self.examples.setdefault(problem, [])
            mine.extend(shown[: EXAMPLES - len(mine)])
        self.left_out.merge(other.left_out)

    def figures(self) -> dict[str, Any]:
        """The counts a manifest records."""
        return {
            "documents": self.documents,
            "records": self.records,
            "spans": self.spans,
            "by_label": dict(sorted(self.by_label.items())),
            "by_kind": dict(sorted(self.by_kind.items())),
            "by_annotator": {
                name: {"spans": self.by_annotator[name], "documents": len(self.annotator_documents.get(name, ()))}
                for name in sorted(self.by_annotator)
            },
            "not_written": {
                "off_token_boundaries": self.off_boundaries,
                "dropped_by_overlap": self.dropped_by_overlap,
            },
            "outside_doc_ents": self.outside_ents,
            "left_out": {
                "documents_nobody_worked_on": self.left_out.documents,
                "unfinished_by_annotator": dict(sorted(self.left_out.unfinished.items())),
            },
        }

    def left_out_lines(self) -> list[str]:
        """Why documents (or one analyst's work on them) are not in the export, one line each."""
        out: list[str] = []
        if self.left_out.documents:
            n = self.left_out.documents
            them = noun_for(n, "it", "them")
            out.append(f"{counted(n, 'document')} left out: nobody worked on {them} (use --status all to write {them})")
        analysts = {name: n for name, n in self.left_out.unfinished.items() if name != GOLD}
        if analysts:
            n = sum(analysts.values())
            who = ", ".join(f"{one_line(name, 20)} {count}" for name, count in sorted(analysts.items()))
            out.append(
                f"{counted(n, 'document/analyst record')} left out: not marked done"
                f" ({who}; use --status touched to write {noun_for(n, 'it', 'them')})"
            )
        if gold := self.left_out.unfinished.get(GOLD, 0):
            out.append(
                f"gold spans on {counted(gold, 'document')} left out: not adjudicated"
                f" (D in review marks an article adjudicated; --status all writes {noun_for(gold, 'it', 'them')})"
            )
        return out

    def lines(self, token_based: bool, fmt: str) -> list[str]:
        """One line per notable count, for the terminal."""
        out = [f"{counted(self.spans, 'span')} written"]
        if token_based and self.off_boundaries:
            # Every span is on tokens (tokens are cut at span edges); only a span of white
            # space alone has no token in CoNLL, which writes no white space.
            out.append(self._line(self.off_boundaries, "span", "of white space only (CoNLL has no white-space tokens), skipped", "off"))
        if self.dropped_by_overlap or fmt == "conll":
            out.append(self._line(self.dropped_by_overlap, "span", "dropped by overlap (a longer span of the same kind kept)", "overlap"))
        if self.outside_ents or fmt == "spacy":
            out.append(self._line(self.outside_ents, "entity span", "overlapping another entity: in doc.spans only, not doc.ents", "ents"))
        return out

    def _line(self, count: int, noun: str, what: str, problem: str) -> str:
        line = f"{counted(count, noun)} {what}"
        shown = self.examples.get(problem)
        if count and shown:
            line += ": " + "; ".join(shown) + ("; ..." if count > len(shown) else "")
        return line
