"""Round trips: `annotator export --format X`, then `annotator import` into a new database.

For each of the seven formats the documents (keys, texts; titles and meta where the
format carries them) and the spans (start, end, label, analyst, text; notes where the
format carries them) come back as they were. What a format cannot carry is left out of
the comparison only where docs/exporting.md says it is lost, and that loss is asserted:

- prodigy, conll, spacy: every span is written (a token is cut where a span starts or
  ends inside it; tests/test_token_boundaries.py has the hard cases);
- conll: within one kind, of overlapping spans only the longest is written; the text is
  rebuilt from the tokens (a space between tokens, a line break between sentences), so
  tokens, labels and analysts come back, not the spacing, titles or meta;
- doccano, conll, spacy: no notes; doccano, labelstudio, brat: no kinds (--map gives
  them); brat: no title or meta.

The source database is real SQLite, built once: overlapping and nested spans, two
analysts tagging the same span (and "gold"), an emoji (ZWJ sequence) before a span, a
flag, CJK and combining marks, a span crossing a tab and one crossing a line break, a
multi-line note with a backslash, texts imported from a CRLF JSONL file and a CRLF .txt
file, and a document with no spans.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_export import run, tag

from annotator.labels import DEFAULT_LABELS
from annotator.model import Label
from annotator.store import Store
from annotator.tokens import tokenize

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # 5 code points, one token
NEWS = (
    "Kyrgyz Officials Foil Attacks\n\n"
    "“Islamic State is a true enemy of Islam,” Almazbek Atambaev said in Bishkek’s centre.\n"
    "The committee seized 500kg of explosives."
)
UNICODE = (
    f"{FAMILY} Families in 比什凯克 met Zhaparov\u0308 👍🏽 today; 🇰🇬 flag.\n"
    "Cafe\u0301\towners said 3,000 left."
)
CRLF_JSONL = "Putin Visits Kazan Today\r\n\r\nVladimir Putin met 3,000 students\r\nin Kazan.\r\n"
CRLF_TXT = "Wire Story From Kazan\r\n\r\nOfficials in Kazan said nothing.\r\n"
EMPTY = "Nobody tagged this one."

CLAIM = "“Islamic State is a true enemy of Islam,” Almazbek Atambaev said"
CROSSING = "Atambaev said in Bishkek’s centre.\nThe committee seized 500kg"  # crosses a line break
NOTE = "first line\nsecond line with a \\ backslash"
FORMATS = ("native", "prodigy", "doccano", "labelstudio", "brat", "conll", "spacy")
TARGET = {
    "native": "rt.jsonl", "prodigy": "rt.prodigy.jsonl", "doccano": "rt.doccano.jsonl",
    "labelstudio": "rt.labelstudio.json", "brat": "rt.brat", "conll": "rt.conll", "spacy": "rt.spacy",
}
NOTES = {"native", "prodigy", "labelstudio", "brat"}
KINDS_CARRIED = {"native", "prodigy", "conll", "spacy"}  # the others need --map ROLE=entity
TITLES_AND_META = {"native", "prodigy", "doccano", "labelstudio", "spacy"}


def at(text: str, target: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(target, start + 1)
    return start, start + len(target)


def build(cwd: Path) -> Path:
    path = cwd / "project.db"
    with Store.open(path) as store:
        store.set_labels([*DEFAULT_LABELS, Label("ROLE", "entity", "r", "#ffffff", "A role")])
        news = store.add_document("news", "Kyrgyz Officials Foil Attacks", NEWS, meta={"source": "wire", "n": [1, 2]}).document
        uni = store.add_document("unicode", "Families 👪", UNICODE, meta={"lang": "mixed"}).document
        store.add_document("empty", "No Spans Here", EMPTY)

        tag(store, news, CLAIM, "CLAIM", "alice")
        tag(store, news, "Almazbek Atambaev", "PERSON", "alice")  # nested in the claim (another kind)
        tag(store, news, "Islamic State", "ORG", "alice", note="nested")
        tag(store, news, "Islamic State", "ORG", "bob")  # the same span, another analyst
        tag(store, news, "500kg of explosives", "QUANTITY", "alice")
        tag(store, news, "500kg", "QUANTITY", "alice")  # nested in a QUANTITY: conll keeps the longer
        tag(store, news, "Bishkek", "PLACE", "alice")  # of "Bishkek’s": the possessive is a token of its own
        tag(store, news, CROSSING, "CLAIM", "bob", note=NOTE)  # overlaps alice's claim; crosses a line break
        tag(store, news, "committee", "ROLE", "bob")  # a label outside the defaults

        tag(store, uni, "比什凯克", "PLACE", "alice")  # CJK after a ZWJ emoji
        tag(store, uni, "比什凯克", "PLACE", "gold")  # the adjudicated set comes back too
        tag(store, uni, "Zhaparov\u0308", "PERSON", "alice")  # a combining mark
        tag(store, uni, FAMILY, "OTHER", "bob")  # the emoji itself
        tag(store, uni, "🇰🇬", "PLACE", "bob")  # a flag
        tag(store, uni, "Cafe\u0301\towners", "ORG", "bob")  # crosses a tab
        tag(store, uni, "3,000", "QUANTITY", "bob")

    # Texts that arrive with CRLF line breaks, imported the ordinary ways.
    spans = []
    for target, label, who, note in (
        ("Vladimir Putin", "PERSON", "alice", ""),
        ("3,000 students", "QUANTITY", "bob", ""),
        ("Vladimir Putin met 3,000 students\r\nin Kazan", "CLAIM", "alice", "said at the\nmeeting"),
    ):
        start, end = at(CRLF_JSONL, target)
        spans.append({"start": start, "end": end, "label": label, "annotator": who, "note": note})
    line = {"id": "crlf", "text": CRLF_JSONL, "meta": {"via": "jsonl"}, "spans": spans}
    (cwd / "crlf.jsonl").write_bytes((json.dumps(line, ensure_ascii=False) + "\r\n").encode("utf-8"))
    (cwd / "wire.txt").write_bytes(CRLF_TXT.encode("utf-8"))
    result = run(cwd, "import", "crlf.jsonl", "wire.txt", "--db", "project.db")
    assert result.returncode == 0, result.stderr
    with Store.open(path, create=False) as store:
        wire = next(store.document(d.id) for d in store.list_documents() if d.key == "wire")
        assert "\r" not in wire.text
        tag(store, wire, "Officials in Kazan", "ORG", "alice")
        tag(store, wire, "Kazan", "PLACE", "bob", nth=1)  # nested in alice's ORG
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("source"))


# -- reading a database back -----------------------------------------------------------------


def documents(db: Path) -> dict[str, Any]:
    with Store.open(db, create=False) as store:
        return {d.key: store.document(d.id) for d in store.list_documents()}


def spans(db: Path) -> list[tuple[str, Any]]:
    with Store.open(db, create=False) as store:
        return [(d.key, s) for d in store.list_documents() for s in store.spans(d.id)]


def kinds(db: Path) -> dict[str, str]:
    with Store.open(db, create=False) as store:
        return {label.name: label.kind for label in store.labels()}


def full(db: Path, notes: bool = True) -> set[tuple[str, int, int, str, str, str, str]]:
    return {(key, s.start, s.end, s.label, s.annotator, s.text, s.note if notes else "") for key, s in spans(db)}


def token_spans(db: Path) -> set[tuple[str, int, int, str, str]]:
    """(key, first token, last token inclusive, label, analyst): what CoNLL can compare."""
    texts = {key: doc.text for key, doc in documents(db).items()}
    found = set()
    for key, s in spans(db):
        tokens = tokenize(texts[key])
        starts = {t.start: i for i, t in enumerate(tokens)}
        ends = {t.end: i for i, t in enumerate(tokens)}
        if s.start in starts and s.end in ends:
            found.add((key, starts[s.start], ends[s.end], s.label, s.annotator))
    return found


def round_trip(source: Path, tmp_path: Path, fmt: str, *extra: str) -> Path:
    """Export the source database as fmt into tmp_path, import that into a new database.

    --status all: a round trip carries every document, the one nobody tagged too."""
    target = tmp_path / TARGET[fmt]
    out = run(source.parent, "export", "--db", str(source), "--format", fmt, "--out", str(target), "--status", "all")
    assert out.returncode == 0, out.stderr
    back = tmp_path / "back.db"
    mapping = () if fmt in KINDS_CARRIED else ("--map", "ROLE=entity")
    result = run(tmp_path, "import", target.name, "--db", "back.db", *mapping, *extra)
    assert result.returncode == 0, result.stderr
    assert "already imported" not in result.stdout  # a document's per-analyst records are one document
    return back


# -- the fixture itself ------------------------------------------------------------------------


def test_the_source_database_holds_what_the_round_trips_need(source: Path) -> None:
    docs = documents(source)
    assert list(docs) == ["news", "unicode", "empty", "crlf", "wire"]
    assert docs["crlf"].text == CRLF_JSONL.replace("\r\n", "\n")
    assert docs["wire"].text.startswith("Wire Story From Kazan\n") and "\r" not in docs["wire"].text
    got = full(source)
    assert ("news", *at(NEWS, "Islamic State"), "ORG", "alice", "Islamic State", "nested") in got
    assert ("news", *at(NEWS, "Islamic State"), "ORG", "bob", "Islamic State", "") in got
    assert ("crlf", *at(docs["crlf"].text, "Vladimir Putin met 3,000 students\nin Kazan"), "CLAIM", "alice",
            "Vladimir Putin met 3,000 students\nin Kazan", "said at the\nmeeting") in got
    assert {s[0] for s in got} == {"news", "unicode", "crlf", "wire"}  # "empty" has none
    assert ("news", *at(NEWS, "Bishkek"), "PLACE", "alice", "Bishkek", "") in got


# -- each format -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "conll"])
def test_documents_and_spans_come_back(source: Path, tmp_path: Path, fmt: str) -> None:
    back = round_trip(source, tmp_path, fmt)
    before, after = documents(source), documents(back)
    if fmt == "brat":  # a folder of files: read back in file name order
        assert sorted(after) == sorted(before)
    else:
        assert list(after) == list(before)  # keys, in corpus order
    assert {k: d.text for k, d in after.items()} == {k: d.text for k, d in before.items()}
    if fmt in TITLES_AND_META:
        assert {k: (d.title, d.meta) for k, d in after.items()} == {k: (d.title, d.meta) for k, d in before.items()}
    elif fmt == "brat":  # the .txt is the text; the title is found in it again
        assert {k: d.meta for k, d in after.items()} == {k: {"source_file": f"{k}.txt"} for k in before}
        assert after["news"].title == "Kyrgyz Officials Foil Attacks"

    want = full(source, notes=fmt in NOTES)
    assert full(back, notes=fmt in NOTES) == want  # the token formats too: no span is off their tokens
    # Two analysts' identical spans stay two; "gold" stays gold.
    analysts = {(key, s.start, s.end, s.label): set() for key, s in spans(back)}
    for key, s in spans(back):
        analysts[(key, s.start, s.end, s.label)].add(s.annotator)
    assert analysts[("news", *at(NEWS, "Islamic State"), "ORG")] == {"alice", "bob"}
    assert analysts[("unicode", *at(UNICODE, "比什凯克"), "PLACE")] == {"alice", "gold"}

    used = {s.label for _, s in spans(back)}
    assert {name: kinds(back)[name] for name in used} == {name: kinds(source)[name] for name in used}
    if fmt == "native":  # a backup: the spans' identities and attributes too
        def identities(db: Path) -> set[tuple[str, str, str, str]]:
            return {(s.uid, s.created_at, s.updated_at, json.dumps(s.attrs, sort_keys=True)) for _, s in spans(db)}

        assert identities(back) == identities(source)


def test_conll_gives_back_tokens_labels_and_analysts(source: Path, tmp_path: Path) -> None:
    back = round_trip(source, tmp_path, "conll")
    before, after = documents(source), documents(back)
    assert list(after) == list(before)
    for key, doc in before.items():
        # The spacing is not carried: tokens joined by a space, sentences by a line break.
        assert [t.text for t in tokenize(after[key].text)] == [t.text for t in tokenize(doc.text)]
        assert after[key].text.replace("\n", " ").split(" ") == [t.text for t in tokenize(doc.text)]
    assert after["news"].text.startswith("Kyrgyz Officials Foil Attacks\n“ Islamic State is")

    want = token_spans(source)
    # The documented loss: within one kind the shorter of two overlapping spans (alice's
    # "500kg" inside her "500kg of explosives"; alice's CLAIM and bob's crossing CLAIM are
    # different analysts' records, so both stay).
    assert len(want) == len(full(source))
    words = [t.text for t in tokenize(NEWS)]
    five = words.index("500kg")
    shorter = ("news", five, five, "QUANTITY", "alice")
    assert shorter in want and ("news", five, five + 2, "QUANTITY", "alice") in want
    assert token_spans(back) == want - {shorter}
    assert {s.note for _, s in spans(back)} == {""}
    used = {s.label for _, s in spans(back)}
    assert {name: kinds(back)[name] for name in used} == {name: kinds(source)[name] for name in used}
    # The rebuilt text's spans slice to the same tokens as the originals.
    claim = next(s for key, s in spans(back) if key == "news" and s.annotator == "bob" and s.label == "CLAIM")
    assert [t.text for t in tokenize(claim.text)] == [t.text for t in tokenize(CROSSING)]


def test_kinds_not_carried_need_a_map(source: Path, tmp_path: Path) -> None:
    """doccano, Label Studio and brat carry labels without kinds: a label outside the defaults needs --map."""
    for fmt in ("doccano", "labelstudio", "brat"):
        target = tmp_path / TARGET[fmt]
        assert run(source.parent, "export", "--db", str(source), "--format", fmt, "--out", str(target)).returncode == 0
        result = run(tmp_path, "import", target.name, "--db", f"{fmt}.db")
        assert result.returncode == 1
        assert "label 'ROLE' has no kind; pass --map ROLE=entity|claim|quantity" in result.stderr


def test_a_second_import_of_the_same_export_adds_nothing(source: Path, tmp_path: Path) -> None:
    for fmt in FORMATS:
        folder = tmp_path / fmt
        folder.mkdir()
        back = round_trip(source, folder, fmt)
        before = full(back)
        mapping = () if fmt in KINDS_CARRIED else ("--map", "ROLE=entity")
        again = run(folder, "import", TARGET[fmt], "--db", "back.db", *mapping)
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines()[-1].startswith("0 documents added, 5 already present, 0 spans added"), (fmt, again.stdout)
        assert full(back) == before
