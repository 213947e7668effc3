"""spaCy DocBin (.spacy): one Doc per document and analyst, for `spacy train`.

The Doc's tokens are annotator/tokens.py's doc_tokens() (not spaCy's tokenizer), so token
offsets are the same in every format: words cut where a span of the document starts or
ends inside one, and the white space between them kept exactly (a single space as the
token's trailing space, anything else as a white-space token), so doc.text is the
document's text. doc.spans["sc"] holds every span (overlapping and nested ones too),
doc.spans["claim"], ["entity"] and ["quantity"] the spans of each kind, and doc.ents the
entity-kind spans that do not overlap (longest kept; the others are counted and stay in
doc.spans). Spans are placed with char_span(alignment_mode="strict"), which the tokens
make always succeed. doc.user_data holds the document id, title, meta and the analyst.
The vocabulary is spacy.blank("xx"): nothing is downloaded.

spaCy is an optional extra: pip install 'annotator[spacy]'.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator.errors import InputError
from annotator.exporters.atomic import atomic_binary_writer
from annotator.exporters.common import by_document
from annotator.exporters.report import Report
from annotator.exporters.records import Record
from annotator.model import KINDS
from annotator.tokens import doc_tokens

INSTALL_HINT = "--format spacy needs spaCy, an optional extra: pip install 'annotator[spacy]'"


def require_spacy() -> Any:
    try:
        import spacy
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return spacy


def words_and_spaces(text: str, spans: Iterable[tuple[int, int]] = ()) -> tuple[list[str], list[bool]]:
    """The Doc's words and trailing spaces: doc_tokens(), cut at the spans' edges."""
    tokens = doc_tokens(text, spans)
    return [token.text for token in tokens], [token.ws for token in tokens]


def make_doc(nlp: Any, record: Record, report: Report, spans: Iterable[tuple[int, int]] = ()) -> Any:
    """One Doc; spans: the offsets the tokens are cut at (the document's spans being exported)."""
    from spacy.tokens import Doc

    text = record.document.text
    words, spaces = words_and_spaces(text, [*spans, *((item.start, item.end) for item in record.spans)])
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    assert doc.text == text, "tokens must rebuild the text exactly"
    all_spans = []
    by_kind: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    entities = []
    for item in record.spans:
        placed = doc.char_span(item.start, item.end, label=item.label, alignment_mode="strict")
        if placed is None or placed.text != item.text:
            raise AssertionError(f"span {item.start}-{item.end} is not on the tokens cut for it")
        all_spans.append(placed)
        by_kind.setdefault(item.kind, []).append(placed)
        if item.kind == "entity":
            entities.append((placed, item))
        report.wrote(record, item)
    doc.spans["sc"] = all_spans
    for kind, kind_spans in by_kind.items():
        doc.spans[kind] = kind_spans
    chosen: list[Any] = []
    for placed, item in sorted(entities, key=lambda e: (-(e[1].end - e[1].start), e[1].start, e[1].label)):
        if any(placed.start < other.end and other.start < placed.end for other in chosen):
            report.not_in_ents(record, item)
            continue
        chosen.append(placed)
    doc.set_ents(sorted(chosen, key=lambda s: s.start), default="outside")
    document = record.document
    doc.user_data["id"] = document.key
    doc.user_data["title"] = document.title
    doc.user_data["meta"] = document.meta
    doc.user_data["annotator"] = record.annotator
    return doc


def export(records: Iterable[Record], target: Path, report: Report) -> None:
    spacy = require_spacy()
    from spacy.tokens import DocBin

    nlp = spacy.blank("xx")
    # Only what is set: the words, their spaces and the entities (spans are kept apart).
    # The default attributes would also store empty tags, lemmas and parses, and triple
    # the memory DocBin.to_bytes() needs.
    docbin = DocBin(attrs=["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for group, spans in by_document(records):
        for record in group:
            docbin.add(make_doc(nlp, record, report, spans))
    with atomic_binary_writer(target) as handle:
        handle.write(docbin.to_bytes())
