"""Suggestions and propagation across articles, without Textual.

The gazetteer is what the team tagged before; suggestions built from it are offers
held in memory, never spans until accepted. `suggestion_figures` measures them the way
an analyst meets them: on an article nobody's own tags have taught the gazetteer
(leave-one-article-out), against the spans each analyst finally kept.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.model import Document, Label, Span
from annotator.store import Store
from annotator.units import Gazetteer, Suggestion, mentions, suggest

QUALITY_ARTICLES = 200
"""At most this many articles are measured by `annotator stats`: each costs a gazetteer match."""


def article_suggestions(
    text: str,
    rows: Iterable[tuple[str, str, int]],
    tagged: Iterable[Any],
    labels: Sequence[Label],
    use_model: bool = False,
) -> list[Suggestion]:
    """Suggestions for one article from gazetteer rows (text, label, count); slow: run off the event loop."""
    return suggest(text, Gazetteer.from_rows(rows), tagged, labels, use_model=use_model)


def phrase_mentions(text: str, phrase: str, tagged: Iterable[Any]) -> list[tuple[int, int]]:
    """Every whole-word occurrence of phrase in text where no span has exactly that range.

    `mentions` wants a tagged range to start from; another article has none, so the
    phrase is put before the text on its own line and the offsets shifted back.
    """
    if not phrase.strip():
        return []
    shift = len(phrase) + 1
    moved = [(start + shift, end + shift) for start, end in (_range(item) for item in tagged)]
    found = mentions(phrase + "\n" + text, 0, len(phrase), moved)
    return [(start - shift, end - shift) for start, end in found if start >= shift]


def _range(item: Any) -> tuple[int, int]:
    if isinstance(item, tuple | list):
        return int(item[0]), int(item[1])
    return int(item.start), int(item.end)


@dataclass
class CorpusPropagation:
    """What "propagate to the corpus" added: spans per article, the open one's to draw."""

    added: int = 0
    articles: int = 0
    spans_here: list[Span] = field(default_factory=list)

    @property
    def message(self) -> str:
        return (
            f"propagated to the corpus: {self.added} span{'s' if self.added != 1 else ''}"
            f" in {self.articles} article{'s' if self.articles != 1 else ''}"
        )


def propagate_to_corpus(store: Store, phrase: str, label: str, annotator: str, here: int | None = None) -> CorpusPropagation:
    """Tag every whole-word mention of phrase with label in every article, one undo per article.

    Places where the analyst already has a span with exactly that range are skipped.
    Runs on the writer's thread (it writes); `here` is the open article, whose new spans
    come back to be drawn.
    """
    report = CorpusPropagation()
    for document_id in store.document_order():
        document: Document = store.document(document_id)
        if phrase not in document.text:
            continue
        found = phrase_mentions(document.text, phrase, store.spans(document_id, annotator))
        if not found:
            continue
        added = store.add_spans(document, [(start, end, label, uuid.uuid4().hex) for start, end in found], annotator)
        if added:
            report.added += len(added)
            report.articles += 1
            if document_id == here:
                report.spans_here.extend(added)
    return report


@dataclass(frozen=True)
class SuggestionFigures:
    """Precision and recall of suggestions, and what they were measured on."""

    precision: float
    recall: float
    offered: int
    right: int
    final: int
    articles: int
    analysts: int
    capped: bool
    cap: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "offered": self.offered,
            "right": self.right,
            "final_spans": self.final,
            "articles": self.articles,
            "analyst_articles": self.analysts,
            "capped": self.capped,
            "cap": self.cap,
        }


def suggestion_figures(
    articles: Iterable[tuple[int, str, dict[str, list[Span]]]],
    rows_by_document: Iterable[tuple[int, str, str, int]],
    labels: Sequence[Label],
    cap: int = QUALITY_ARTICLES,
    capped: bool = False,
) -> SuggestionFigures:
    """Leave-one-article-out precision and recall of suggestions.

    articles: (document_id, text, {analyst: final spans}); rows_by_document: the
    analysts' (document_id, text, label, count). For each article the gazetteer is
    built from every other article, suggestions are made as on an untagged article,
    and each analyst's final spans there are the answer. Counts are summed over
    (article, analyst) pairs: a suggestion is right when a final span has its start,
    end and label.
    """
    totals: Counter[tuple[str, str]] = Counter()
    per_document: dict[int, Counter[tuple[str, str]]] = {}
    for document_id, text, label, count in rows_by_document:
        totals[(text, label)] += count
        per_document.setdefault(document_id, Counter())[(text, label)] += count
    offered = right = final = measured = pairs = 0
    for document_id, text, by_analyst in articles:
        if measured >= cap:
            capped = True
            break
        if not by_analyst:
            continue
        measured += 1
        own = per_document.get(document_id, Counter())
        rows = [(t, l, n - own.get((t, l), 0)) for (t, l), n in totals.items() if n > own.get((t, l), 0)]
        offers = {(s.start, s.end, s.label) for s in article_suggestions(text, rows, (), labels)}
        for spans in by_analyst.values():
            kept = {(s.start, s.end, s.label) for s in spans}
            pairs += 1
            offered += len(offers)
            final += len(kept)
            right += len(offers & kept)
    return SuggestionFigures(
        precision=right / offered if offered else 1.0,
        recall=right / final if final else 1.0,
        offered=offered,
        right=right,
        final=final,
        articles=measured,
        analysts=pairs,
        capped=capped,
        cap=cap,
    )


def measure_suggestions(store: Store, cap: int = QUALITY_ARTICLES) -> SuggestionFigures:
    """suggestion_figures over the database's articles with analysts' spans (at most `cap`)."""
    ids = store.documents_with_analyst_spans(cap + 1)
    capped = len(ids) > cap
    ids = ids[:cap]

    def articles() -> Iterable[tuple[int, str, dict[str, list[Span]]]]:
        for document_id in ids:
            document = store.document(document_id)
            by_analyst = {
                name: spans
                for name, spans in store.spans_by_annotator(document_id).items()
                if name != "gold" and not name.startswith("suggestion:")
            }
            yield document_id, document.text, by_analyst

    return suggestion_figures(articles(), store.gazetteer_rows_by_document(), store.labels(), cap=cap, capped=capped)
