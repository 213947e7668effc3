"""Synthetic benchmark data: one very long article with dense spans, and a big export corpus.

Everything is generated from a fixed seed, so two runs build the same data.

- `make_article()` writes news-like paragraphs (one line per paragraph, soft-wrapped by
  the app) with names, organisations, places, amounts and dates, some emoji (including a
  skin-tone modifier and a ZWJ sequence) and some Chinese and Japanese sentences, and
  returns the spans an analyst would make: CLAIM over whole sentences, with PERSON, ORG,
  PLACE, OTHER and QUANTITY spans nested inside; plus overlapping claims across sentence
  and paragraph boundaries, OTHER spans containing two entities, and the same range
  tagged with two labels.
- `build_article_db()` stores it through the public `Store.add_document(..., spans=...)`.
- `build_export_db()` fills the tables made by `Store.open` with bulk SQL (not timed).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

WORDS = (
    "the of and to in a is that for on was with as by at from it be has have are were said "
    "will not this but after over about more than government people year years new also which "
    "officials would could week month report state public former first last two three local "
    "security minister president region country city border police court law economic budget "
    "plan price prices market workers energy water school hospital election vote parliament "
    "opposition agreement talks meeting statement according data figures rose fell increase "
    "decline investment company companies project construction mining gold coal gas oil power "
    "grid road railway airport farmers harvest wheat cotton drought flood winter summer spring "
    "protest protesters rally arrests charges investigation corruption case trial judge lawyer "
    "journalists media newspaper television online social network users post posts video "
    "residents villages district capital province central northern southern eastern western "
    "international foreign domestic national regional official unofficial estimated reported "
    "announced confirmed denied rejected approved signed proposed delayed expected planned "
    "earlier later recently currently already still again however while because although "
    "despite during before since until among between within without against under"
).split()

PERSONS = (
    "Kadyr Malikov", "Aigerim Sydykova", "Maria Fernández", "Zhang Wei", "Olga Petrova",
    "John O'Neill", "Ahmed El-Sayed", "Nurlan Abdyldaev", "Françoise Dubois", "Tanaka Hiroshi",
    "Bakyt Toktogulov", "Elena Ivanova", "Rustam Karimov", "Gulnara Asanova", "Dmitri Sokolov",
)
ORGS = (
    "GKNB", "the Ministry of Finance", "the European Commission", "Reuters", "the National Bank",
    "Kumtor Gold Company", "the World Bank", "UNICEF", "the Social Democratic Party",
    "the State Customs Service", "Kloop", "the Central Election Commission", "Gazprom",
)
PLACES = (
    "Bishkek", "Osh", "Brussels", "São Paulo", "Jalal-Abad", "Issyk-Kul", "Almaty", "Tashkent",
    "Geneva", "Moscow", "Naryn", "Batken", "Karakol", "Talas", "Chüy",
)
OTHERS = (
    "the Tax Code", "Operation Dawn", "the Silk Road Forum", "the 2021 Constitution",
    "the Law on Mass Media", "Nooruz", "the Kambarata-1 dam", "Telegram", "the Bishkek Declaration",
)
EMOJI = ("🔥", "📈", "👍🏽", "🙏", "😡", "👨‍👩‍👧", "✅", "⚠️", "🇰🇬")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

# Chinese and Japanese sentences: (pieces) where a piece is (text, label or None).
CJK_SENTENCES = (
    (("据", None), ("新华社", "ORG"), ("报道，", None), ("北京市政府", "ORG"), ("宣布投资", None),
     ("4500万元", "QUANTITY"), ("用于改善", None), ("上海", "PLACE"), ("的交通设施。", None)),
    (("王芳", "PERSON"), ("表示，", None), ("中国人民银行", "ORG"), ("将在", None), ("3月", "QUANTITY"),
     ("公布新的数据。", None)),
    (("東京都", "PLACE"), ("の", None), ("田中博", "PERSON"), ("氏は", None), ("3月15日", "QUANTITY"),
     ("に新しい規則を発表した。", None)),
    (("外務省", "ORG"), ("によると、", None), ("約1200人", "QUANTITY"), ("が", None), ("大阪", "PLACE"),
     ("で抗議した。", None)),
)

CLAIM_VERBS = ("said", "claimed", "told reporters", "announced", "insisted", "warned", "estimated", "denied")
ACTIONS = ("spent", "lost", "received", "transferred", "seized", "allocated", "borrowed", "paid out", "recorded")


@dataclass(frozen=True)
class GenSpan:
    start: int
    end: int
    label: str


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.spans: list[GenSpan] = []

    def add(self, text: str, label: str | None = None) -> tuple[int, int]:
        start = self.pos
        self.parts.append(text)
        self.pos += len(text)
        if label:
            self.spans.append(GenSpan(start, self.pos, label))
        return start, self.pos

    def text(self) -> str:
        return "".join(self.parts)


def _quantity(rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 0:
        return f"{rng.randrange(2, 90_000):,} people"
    if kind == 1:
        return f"${rng.randrange(1_000, 9_000_000):,}"
    if kind == 2:
        return f"{rng.randrange(1, 99)}%"
    if kind == 3:
        return f"{rng.randrange(1, 900) / 10:.1f} million soms"
    if kind == 4:
        return f"{rng.randrange(1, 29)} {rng.choice(MONTHS)} {rng.randrange(2015, 2026)}"
    if kind == 5:
        return f"{rng.randrange(2, 500)} tonnes"
    return f"{rng.randrange(2, 40)} years"


def _filler(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(low, high)))


def _sentence(b: _Builder, rng: random.Random) -> GenSpan | None:
    """Append one sentence; return its CLAIM span if it is a claim."""
    start = b.pos
    kind = rng.random()
    if kind < 0.30:  # attributed claim with entities and a quantity
        b.add(rng.choice(PERSONS), "PERSON")
        b.add(f" {rng.choice(CLAIM_VERBS)} that ")
        b.add(rng.choice(ORGS), "ORG")
        b.add(f" had {rng.choice(ACTIONS)} ")
        b.add(_quantity(rng), "QUANTITY")
        b.add(" in ")
        b.add(rng.choice(PLACES), "PLACE")
        b.add(f" {_filler(rng, 2, 9)}.")
        claim = True
    elif kind < 0.45:  # quote, then attribution
        b.add(f"\u201c{_filler(rng, 5, 14).capitalize()} ")
        b.add(rng.choice(OTHERS), "OTHER")
        b.add(f" {_filler(rng, 2, 6)},\u201d ")
        b.add(rng.choice(PERSONS), "PERSON")
        b.add(" told ")
        b.add(rng.choice(ORGS), "ORG")
        b.add(" on ")
        b.add(_quantity(rng), "QUANTITY")
        b.add(".")
        claim = True
    elif kind < 0.52:  # social media post with emoji
        b.add(rng.choice(PERSONS), "PERSON")
        b.add(" wrote on ")
        b.add("Telegram", "OTHER")
        b.add(f": \u201c{_filler(rng, 4, 10).capitalize()} ")
        b.add(_quantity(rng), "QUANTITY")
        b.add(f" {rng.choice(EMOJI)}{rng.choice(EMOJI)} {_filler(rng, 1, 4)} {rng.choice(EMOJI)}\u201d")
        claim = True
    elif kind < 0.57:  # Chinese or Japanese
        for text, label in rng.choice(CJK_SENTENCES):
            b.add(text, label)
        claim = rng.random() < 0.6
    else:  # background sentence, sometimes with a place or an organisation
        b.add(_filler(rng, 6, 16).capitalize())
        if rng.random() < 0.5:
            b.add(" in ")
            b.add(rng.choice(PLACES), "PLACE")
        if rng.random() < 0.3:
            b.add(" according to ")
            b.add(rng.choice(ORGS), "ORG")
        b.add(f" {_filler(rng, 3, 12)}.")
        claim = False
    return GenSpan(start, b.pos, "CLAIM") if claim else None


def make_article(length: int = 200_000, span_count: int = 5_000, seed: int = 20261122) -> tuple[str, list[GenSpan]]:
    """An article of exactly `length` characters and exactly `span_count` spans."""
    rng = random.Random(seed)
    b = _Builder()
    claims: list[GenSpan] = []
    b.add("Long read: money, power and water along the Silk Road\n\n")
    while b.pos < length:
        paragraph_claims: list[GenSpan] = []
        for index in range(rng.randrange(3, 8)):
            if index:
                b.add(" ")
            claim = _sentence(b, rng)
            if claim is not None:
                paragraph_claims.append(claim)
        b.add("\n\n")
        claims.extend(paragraph_claims)
    text = b.text()[:length]
    base = [s for s in b.spans if s.end <= length] + [c for c in claims if c.end <= length]

    extra: list[GenSpan] = []
    # Claims that overlap two neighbouring claims (half of one sentence and half of the next),
    # some of them across a paragraph break, i.e. spanning several lines.
    for first, second in zip(claims, claims[1:]):
        if second.end > length or rng.random() > 0.25:
            continue
        start = text.find(" ", (first.start + first.end) // 2) + 1
        end = text.rfind(" ", second.start, (second.start + second.end) // 2)
        if 0 < start < end:
            extra.append(GenSpan(start, end, "CLAIM"))
    # OTHER spans that contain two entities of one sentence (nesting inside nesting).
    entities = sorted((s for s in base if s.label != "CLAIM"), key=lambda s: s.start)
    for a, c in zip(entities, entities[1:]):
        if c.start - a.end < 40 and "\n" not in text[a.start : c.end] and rng.random() < 0.2:
            extra.append(GenSpan(a.start, c.end, "OTHER"))
    # The same range with a second label (an ambiguous name: PERSON and ORG).
    for s in entities:
        if s.label == "PERSON" and rng.random() < 0.05:
            extra.append(GenSpan(s.start, s.end, "ORG"))

    unique = {(s.start, s.end, s.label): s for s in base + extra}
    pool = sorted(unique.values(), key=lambda s: (s.start, -s.end, s.label))
    if len(pool) < span_count:
        raise ValueError(f"only {len(pool)} candidate spans for {span_count}; make the article longer")
    chosen = rng.sample(pool, span_count)
    chosen.sort(key=lambda s: (s.start, -s.end, s.label))
    return text, chosen


def article_stats(text: str, spans: list[GenSpan]) -> dict[str, int]:
    """Counts that show the article is the kind asked for."""
    by_start = sorted(spans, key=lambda s: (s.start, -s.end))
    nested = overlapping = 0
    open_spans: list[GenSpan] = []
    for s in by_start:
        open_spans = [o for o in open_spans if o.end > s.start]
        if any(o.end >= s.end for o in open_spans):
            nested += 1
        elif open_spans:
            overlapping += 1
        open_spans.append(s)
    return {
        "chars": len(text),
        "lines": text.count("\n") + 1,
        "spans": len(spans),
        "nested": nested,
        "partial_overlaps": overlapping,
        "multi_line": sum(1 for s in spans if "\n" in text[s.start : s.end]),
        "emoji": sum(text.count(e) for e in EMOJI),
        "cjk_chars": sum(1 for ch in text if "\u3040" <= ch <= "\u9fff"),
        **{f"label_{label}": sum(1 for s in spans if s.label == label)
           for label in ("CLAIM", "PERSON", "ORG", "PLACE", "OTHER", "QUANTITY")},
    }


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def build_article_db(path: Path, annotator: str, length: int = 200_000, span_count: int = 5_000) -> dict[str, object]:
    """A fresh database: a short warm-up article first, then the long one with its spans.

    Returns ids and counts. The spans are stored under `annotator` so the app shows them.
    """
    from annotator.model import NewSpan
    from annotator.store import Store

    remove_db(path)
    text, spans = make_article(length, span_count)
    started = time.perf_counter()
    with Store.open(path) as store:
        small = store.add_document(
            "warm-up", "A short article", "Kadyr Malikov said the GKNB had arrested 12 people in Bishkek.\n"
        )
        big = store.add_document(
            "long-read",
            "Long read: money, power and water along the Silk Road",
            text,
            meta={"generated": "bench/data.py"},
            spans=[NewSpan(s.start, s.end, s.label, annotator) for s in spans],
        )
    return {
        "small_id": small.document.id,
        "big_id": big.document.id,
        "spans_added": big.spans_added,
        "build_seconds": time.perf_counter() - started,
        "stats": article_stats(text, spans),
        "text": text,
    }


# -- the export corpus ----------------------------------------------------------------

ANNOTATORS = ("alice", "bob", "carol")
LABELS = ("CLAIM", "PERSON", "ORG", "PLACE", "OTHER", "QUANTITY")


def _short_document(rng: random.Random, target: int) -> tuple[str, list[GenSpan]]:
    b = _Builder()
    while b.pos < target:
        if b.pos:
            b.add(" ")
        claim = _sentence(b, rng)
        if claim is not None:
            b.spans.append(claim)
    return b.text(), b.spans


def build_export_db(path: Path, docs: int, spans: int, seed: int = 7, text_chars: int = 300) -> dict[str, float]:
    """Fill a new database with `docs` documents (~text_chars each) and exactly `spans` spans.

    The schema and labels come from Store.open; rows go in with executemany in large
    transactions. This is set-up, not a measurement.
    """
    from annotator.store import Store

    tmp = path.with_name(path.name + ".building")
    remove_db(tmp)
    Store.open(tmp).close()
    rng = random.Random(seed)
    started = time.perf_counter()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    base, remainder = divmod(spans, docs)
    doc_rows: list[tuple[object, ...]] = []
    span_rows: list[tuple[object, ...]] = []
    made = 0

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO documents (id, key, title, text, sha256, meta, source, position, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            doc_rows,
        )
        conn.executemany(
            'INSERT INTO spans (document_id, uid, start, "end", label, annotator, text, note, attrs, created_at, updated_at)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            span_rows,
        )
        conn.execute("COMMIT")
        doc_rows.clear()
        span_rows.clear()

    for doc_id in range(1, docs + 1):
        text, candidates = _short_document(rng, text_chars)
        text = f"Article {doc_id}: {text}"  # unique text, unique sha256
        shift = len(f"Article {doc_id}: ")
        stamp = f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00.000Z"
        doc_rows.append(
            (
                doc_id,
                f"doc-{doc_id:07d}",
                text[:60],
                text,
                hashlib.sha256(text.encode("utf-8")).hexdigest(),
                json.dumps({"source_file": f"doc-{doc_id:07d}.txt", "lang": "en"}),
                "bench/data.py",
                doc_id - 1,
                stamp,
            )
        )
        want = base + (1 if doc_id <= remainder else 0)
        seen: set[tuple[int, int, str, str]] = set()
        picked: list[tuple[int, int, str, str]] = []
        pool = [(s.start + shift, s.end + shift, s.label) for s in candidates]
        rng.shuffle(pool)
        attempts = 0
        while len(picked) < want:
            if pool:
                start, end, label = pool.pop()
            else:  # more spans wanted than the text has entities: random ranges
                start = rng.randrange(0, len(text) - 1)
                end = min(len(text), start + rng.randrange(1, 30))
                label = rng.choice(LABELS)
            who = ANNOTATORS[(doc_id + len(picked) + attempts) % len(ANNOTATORS)]
            key = (start, end, label, who)
            attempts += 1
            if key in seen:
                continue
            seen.add(key)
            picked.append(key)
        for start, end, label, who in picked:
            span_rows.append(
                (doc_id, f"{rng.getrandbits(128):032x}", start, end, label, who, text[start:end], "", "{}", stamp, stamp)
            )
        made += len(picked)
        if len(span_rows) >= 200_000:
            flush()
    flush()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    remove_db(path)
    os.replace(tmp, path)
    return {"docs": docs, "spans": made, "seconds": time.perf_counter() - started, "bytes": path.stat().st_size}
