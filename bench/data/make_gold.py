"""Build samples_gold.jsonl from the readable listing samples_gold.txt, checking every span.

The listing is what a reviewer reads and edits: one span a line, its label, its text as
it stands in the article, and which occurrence of that text it is. Offsets are worked
out here, so nobody counts characters by hand, and every span's text is checked against
the article at the offsets written to the JSONL.

    python bench/data/make_gold.py            # listing -> samples_gold.jsonl
    python bench/data/make_gold.py --check    # the JSONL is what the listing gives, and matches the corpus
    python bench/data/make_gold.py --pin      # write the occurrence number onto every listing line

Listing format (UTF-8):

    @ 000_8d4b3503afa0d274.txt              an article of corpus/, by file name
    PLACE  Kyrgyzstan  #3                   label, text, occurrence (the 3rd whole-word "Kyrgyzstan")
    CLAIM  it thwarted coup attempt         no "#N": the first unused occurrence at or after
                                            the previous line's span (handy while annotating;
                                            --pin then writes the numbers in)
    # a comment

An occurrence counts whole-word matches only (no letter or digit just before or after), so
"IS" never matches inside "ISIS". A space in the listing also matches a no-break space
(U+00A0, U+202F), which some articles use; the JSONL keeps the article's character. Label, text and occurrence are separated by two or more
spaces; the text is taken as written, so it keeps its own single spaces.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LISTING = HERE / "samples_gold.txt"
JSONL = HERE / "samples_gold.jsonl"
CORPUS = HERE / "corpus"
LABELS = ("CLAIM", "PERSON", "ORG", "PLACE", "OTHER", "QUANTITY")

_LINE = re.compile(r"^(?P<label>[A-Z]+)\s{2,}(?P<text>.+?)(?:\s{2,}#(?P<occurrence>\d+))?\s*$")


class GoldError(Exception):
    """A problem in the listing or the JSONL: one line naming file, line and field."""


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    label: str
    text: str

    def as_json(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text}


@dataclass
class _Entry:
    """One listing line as read, before its offsets are known."""

    number: int  # line number in the listing, for messages
    label: str
    text: str
    occurrence: int | None


def _whole_word_at(article: str, start: int, end: int) -> bool:
    before = article[start - 1] if start > 0 else " "
    after = article[end] if end < len(article) else " "
    return not before.isalnum() and not after.isalnum()


_SPACES = "[ \u00a0\u202f]"  # no-break spaces look like spaces: the listing writes them as spaces


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(_SPACES.join(re.escape(part) for part in text.split(" ")))


def occurrences(article: str, text: str) -> list[int]:
    """Start offsets of every whole-word occurrence of text, overlapping ones included.

    A space in text also matches a no-break space, so the spans keep the article's own
    characters while the listing stays plain to read and type.
    """
    pattern = _pattern(text)
    found: list[int] = []
    match = pattern.search(article)
    while match is not None:
        if _whole_word_at(article, match.start(), match.end()):
            found.append(match.start())
        match = pattern.search(article, match.start() + 1)
    return found


def read_listing(path: Path) -> dict[str, list[_Entry]]:
    """Document file name -> its listing lines, in the order written."""
    documents: dict[str, list[_Entry]] = {}
    current: list[_Entry] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("@"):
            name = line[1:].strip()
            if not name:
                raise GoldError(f"{path}:{number}: document: a file name must follow '@'")
            if name in documents:
                raise GoldError(f"{path}:{number}: document: {name} is listed twice")
            current = documents[name] = []
            continue
        match = _LINE.match(line)
        if match is None:
            raise GoldError(f"{path}:{number}: line: expected 'LABEL  text  [#N]', got {line[:60]!r}")
        if current is None:
            raise GoldError(f"{path}:{number}: document: a span comes before any '@ file' line")
        label = match["label"]
        if label not in LABELS:
            raise GoldError(f"{path}:{number}: label: {label!r} is not one of {', '.join(LABELS)}")
        occurrence = int(match["occurrence"]) if match["occurrence"] else None
        if occurrence is not None and occurrence < 1:
            raise GoldError(f"{path}:{number}: occurrence: counts from 1")
        current.append(_Entry(number, label, match["text"], occurrence))
    return documents


def resolve(path: Path, article: str, entries: list[_Entry]) -> list[tuple[_Entry, GoldSpan, int]]:
    """Each entry's span and its occurrence number; an unknown text or occurrence is an error."""
    resolved: list[tuple[_Entry, GoldSpan, int]] = []
    used: set[tuple[int, int, str]] = set()
    taken: set[tuple[int, int]] = set()
    previous = 0
    for entry in entries:
        starts = occurrences(article, entry.text)
        if not starts:
            raise GoldError(f"{path}:{entry.number}: text: {entry.text[:60]!r} is not in the article")
        if entry.occurrence is not None:
            if entry.occurrence > len(starts):
                raise GoldError(
                    f"{path}:{entry.number}: occurrence: #{entry.occurrence} asked, the article has {len(starts)} of {entry.text[:40]!r}"
                )
            start = starts[entry.occurrence - 1]
        else:
            later = [s for s in starts if s >= previous and (s, s + len(entry.text)) not in taken]
            if not later:
                raise GoldError(f"{path}:{entry.number}: text: no unused {entry.text[:60]!r} after the previous span")
            start = later[0]
        end = start + len(entry.text)  # a no-break space is one character, as a space is
        span = GoldSpan(start, end, entry.label, article[start:end])
        key = (span.start, span.end, span.label)
        if key in used:
            raise GoldError(f"{path}:{entry.number}: span: {entry.label} {entry.text[:40]!r} at {span.start} is listed twice")
        used.add(key)
        taken.add((span.start, span.end))
        resolved.append((entry, span, starts.index(start) + 1))
        previous = start
    return resolved


def nesting_warnings(spans: list[GoldSpan]) -> list[str]:
    """Entities inside other entities: usually a sequential match that landed in the wrong name."""
    warnings: list[str] = []
    entities = [s for s in spans if s.label not in ("CLAIM", "QUANTITY")]
    for inner in entities:
        for outer in entities:
            if outer is not inner and outer.start <= inner.start and inner.end <= outer.end:
                warnings.append(f"{inner.label} {inner.text!r} at {inner.start} lies inside {outer.label} {outer.text!r}")
    return warnings


def sort_key(span: GoldSpan) -> tuple[int, int, str]:
    return (span.start, -span.end, span.label)


def build(listing: Path = LISTING, corpus: Path = CORPUS) -> dict[str, list[GoldSpan]]:
    """Document file name -> its gold spans in reading order (start, longest first)."""
    gold: dict[str, list[GoldSpan]] = {}
    for name, entries in read_listing(listing).items():
        article_path = corpus / name
        if not article_path.is_file():
            raise GoldError(f"{listing}: document: {name} is not in {corpus}")
        article = article_path.read_text(encoding="utf-8")
        spans = [span for _, span, _ in resolve(listing, article, entries)]
        gold[name] = sorted(spans, key=sort_key)
    return gold


def pin(listing: Path = LISTING, corpus: Path = CORPUS) -> int:
    """Rewrite the listing with the occurrence number on every span line; returns lines changed."""
    documents = read_listing(listing)
    numbered: dict[int, str] = {}
    for name, entries in documents.items():
        article = (corpus / name).read_text(encoding="utf-8")
        for entry, span, occurrence in resolve(listing, article, entries):
            numbered[entry.number] = f"{entry.label:<9} {entry.text}  #{occurrence}"  # as typed: plain spaces
    lines = listing.read_text(encoding="utf-8").splitlines()
    changed = 0
    for number, line in numbered.items():
        if lines[number - 1] != line:
            lines[number - 1] = line
            changed += 1
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def write_jsonl(gold: dict[str, list[GoldSpan]], path: Path = JSONL) -> None:
    with path.open("w", encoding="utf-8") as out:
        for name in sorted(gold):
            record = {"document": name, "spans": [span.as_json() for span in gold[name]]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def load_jsonl(path: Path = JSONL, corpus: Path = CORPUS) -> dict[str, list[GoldSpan]]:
    """The fixture, every span checked against its article: the text at [start, end) is `text`."""
    gold: dict[str, list[GoldSpan]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise GoldError(f"{path}:{number}: line: not JSON ({error.msg})") from None
        name = record.get("document") if isinstance(record, dict) else None
        if not isinstance(name, str) or not (corpus / name).is_file():
            raise GoldError(f"{path}:{number}: document: {name!r} is not an article of {corpus}")
        article = (corpus / name).read_text(encoding="utf-8")
        spans: list[GoldSpan] = []
        for index, item in enumerate(record.get("spans", [])):
            where = f"{path}:{number}: spans[{index}]"
            try:
                span = GoldSpan(int(item["start"]), int(item["end"]), str(item["label"]), str(item["text"]))
            except (KeyError, TypeError, ValueError):
                raise GoldError(f"{where}: span: needs start, end, label and text") from None
            if span.label not in LABELS:
                raise GoldError(f"{where}: label: {span.label!r} is not one of {', '.join(LABELS)}")
            if not 0 <= span.start < span.end <= len(article):
                raise GoldError(f"{where}: start/end: {span.start}..{span.end} is outside the article")
            if article[span.start : span.end] != span.text:
                raise GoldError(
                    f"{where}: text: {span.text[:40]!r} but the article has {article[span.start:span.end][:40]!r} there"
                )
            spans.append(span)
        gold[name] = spans
    return gold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the JSONL against the listing and the corpus; write nothing")
    parser.add_argument("--pin", action="store_true", help="write the occurrence number onto every listing line")
    parser.add_argument("--listing", type=Path, default=LISTING, help="the listing (default: samples_gold.txt here)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the articles (default: corpus/ here)")
    parser.add_argument("--out", type=Path, default=JSONL, help="the JSONL (default: samples_gold.jsonl here)")
    args = parser.parse_args(argv)
    listing, corpus, out = args.listing, args.corpus, args.out
    try:
        if args.pin:
            print(f"{pin(listing, corpus)} listing lines numbered")
        gold = build(listing, corpus)
        for name, spans in gold.items():
            for warning in nesting_warnings(spans):
                print(f"warning: {name}: {warning}", file=sys.stderr)
        total = sum(len(spans) for spans in gold.values())
        if args.check:
            written = load_jsonl(out, corpus)
            if written != gold:
                raise GoldError(f"{out}: spans: differ from {listing.name}; run make_gold.py to rebuild")
            print(f"{out.name}: {len(written)} documents, {total} spans, every text matches its article")
            return 0
        write_jsonl(gold, out)
        load_jsonl(out, corpus)  # what was written reads back and matches the articles
        print(f"{out.name}: {len(gold)} documents, {total} spans")
    except GoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
