"""spaCy DocBin (.spacy) files: one document per Doc.

- the text is `doc.text` (canonicalised like every other format: a "\\r\\n" becomes "\\n"
  and the spans move with it);
- the spans are `doc.spans["sc"]` (a span categorizer's group, overlapping spans and
  all), or `doc.ents` when the Doc has no "sc" spans; offsets are the spans' character
  offsets (`start_char`, `end_char`);
- `doc.user_data`, as `annotator export --format spacy` writes it (a DocBin keeps user
  data): `id` is the document key (else `<file stem>-<n>`), `title` the title, `meta`
  the document's meta, `annotator` the analyst of the Doc's spans (else --annotator);
- the span groups `claim`, `entity` and `quantity` (also written by the export) give
  the kind of their labels, when neither --map nor the database gives one.

Docs of one document (the same id and text: the export writes one per analyst) are one
document holding every analyst's spans. spaCy is an optional extra: without it,
importing a .spacy file says `pip install 'annotator[spacy]'` in one line.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from annotator.cleaning import find_title
from annotator.errors import InputError
from annotator.importers.records import (
    Parsed,
    Record,
    document_key,
    document_text,
    to_canonical,
)
from annotator.labels import check_label
from annotator.model import KINDS, NewSpan
from annotator.settings import validate_annotator

INSTALL_HINT = "reading a .spacy file needs spaCy, an optional extra: pip install 'annotator[spacy]'"

# A DocBin is zlib-compressed, and spaCy inflates it whole in memory. zlib can inflate
# 1000 times (a 2 MB file to 2 GB), so the size is measured first, in bounded chunks,
# and a file that inflates past MAX_RATIO times its size (SMALL_BUDGET for small files:
# a few repeated short docs compress very well) or past MAX_INFLATED is refused.
# annotator's own export compresses 5-10 times; MAX_INFLATED holds about 15 million
# tokens as it writes them (32 bytes each), some 80 MB of text.
MAX_RATIO = 200
SMALL_BUDGET = 64 * 2**20
MAX_INFLATED = 512 * 2**20
_CHUNK = 2**16


def check_inflated_size(path: Path, data: bytes) -> int:
    """How far `data` inflates, measured without holding it; an InputError past the limits."""
    budget = min(MAX_INFLATED, max(SMALL_BUDGET, MAX_RATIO * len(data)))
    inflater = zlib.decompressobj()
    total = 0
    view = memoryview(data)
    try:
        for offset in range(0, len(data), _CHUNK):
            pending = bytes(view[offset : offset + _CHUNK])
            while pending:
                total += len(inflater.decompress(pending, 2**20))
                if total > budget:
                    break
                pending = inflater.unconsumed_tail
            if total > budget or inflater.eof:
                break
        total += len(inflater.flush()) if total <= budget else 0
    except zlib.error as error:
        raise InputError(f"{path}: not a spaCy DocBin (not zlib-compressed data: {error})") from None
    if total > budget and budget == MAX_INFLATED:
        raise InputError(f"{path}: refused: inflates to more than {MAX_INFLATED // 2**20} MB, the most a .spacy file may hold")
    if total > budget:
        raise InputError(
            f"{path}: refused: inflates to more than {budget // 2**20} MB, over {MAX_RATIO} times its size;"
            " a DocBin compresses far less (a compression bomb?)"
        )
    return total


def _docs(path: Path) -> list[Any]:
    try:
        import spacy  # noqa: F401  (first: a missing spaCy is said in one line)
        from spacy.tokens import DocBin
        from spacy.vocab import Vocab
    except ImportError:
        raise InputError(f"{path}: {INSTALL_HINT}") from None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    check_inflated_size(path, data)
    try:
        return list(DocBin().from_bytes(data).get_docs(Vocab()))
    except (
        ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError, AssertionError, zlib.error
    ) as error:  # one line, not a traceback
        raise InputError(f"{path}: not a spaCy DocBin ({type(error).__name__}: {str(error)[:200]})") from None
    except (MemoryError, RecursionError):
        raise InputError(f"{path}: not a spaCy DocBin annotator can read (too large or too deeply nested)") from None


def parse_docbin(path: Path, default_annotator: str) -> Parsed:
    parsed = Parsed()
    docs = _docs(path)
    if not docs:
        raise InputError(f"{path}: empty file (no documents in the DocBin)")
    for number, doc in enumerate(docs, start=1):
        try:
            parsed.records.append(_record(doc, f"{path}: doc {number}", f"{path.stem}-{number}", default_annotator))
        except InputError as error:
            parsed.invalid.append(str(error))
    return parsed


def _record(doc: Any, where: str, fallback: str, default_annotator: str) -> Record:
    data = doc.user_data if isinstance(doc.user_data, dict) else {}
    text, mapping = document_text(doc.text, where, "doc.text")
    key = document_key(data.get("id"), where, fallback)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        title = find_title(text, key)
    meta = data.get("meta")
    meta = dict(meta) if isinstance(meta, dict) else {}
    annotator = default_annotator
    named = data.get("annotator")
    if isinstance(named, str) and named.strip():
        try:
            # "gold" may come back: `annotator export --format spacy --annotator gold`.
            annotator = validate_annotator(named, allow_reserved=True)
        except InputError as error:
            raise InputError(f"{where}: user_data annotator: {error}") from None
    groups = doc.spans
    found = list(groups["sc"]) if "sc" in groups else []
    if not found:
        found = list(doc.ents)
    declared: dict[str, str] = {}
    for kind in KINDS:
        if kind in groups:
            for span in groups[kind]:
                declared.setdefault(span.label_, kind)
    spans: list[NewSpan] = []
    for index, span in enumerate(found):
        at = f"{where}: span {index}"
        if not span.label_:
            raise InputError(f"{at}: span {span.text!r} has no label")
        check_label(span.label_, at)
        start, end = span.start_char, span.end_char
        if not 0 <= start < end <= len(doc.text):
            raise InputError(f"{at}: offsets {start}-{end} are empty or outside the text")
        start, end = to_canonical(at, mapping, start, end)
        spans.append(NewSpan(start=start, end=end, label=span.label_, annotator=annotator))
    record = Record(key, title, text, meta, spans, {}, where, declared=declared)
    record.defaulted = 0 if isinstance(named, str) and named.strip() else len(spans)
    return record
