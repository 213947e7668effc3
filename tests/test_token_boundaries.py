"""Spans whose edges fall inside a word survive every token format.

Word snapping selects "Kyrgyzstan's", the analyst fixes it to "Kyrgyzstan": the Prodigy,
CoNLL and spaCy exports must still write that span. The tokenizer splits possessives and
clitics as spaCy's English tokenizer does, and the token formats cut a token wherever a
span of the document starts or ends inside it, so no span is skipped and none is moved.

The round trips go through the real CLI (`annotator export --format X`, then `annotator
import`) on a real SQLite database holding possessives (’s and 's), clitics (don't,
they're), a hyphenated pair with a span on one half (NATO-CSTO), emoji, CJK without
spaces, "3" of "3,000", spans ending inside words, and spans with white space at their
edges. What remains lost is what a format cannot hold (CoNLL: white space).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_export import run, tag

from annotator.agreement import token_values
from annotator.labels import DEFAULT_LABELS
from annotator.model import Label, Span
from annotator.store import Store
from annotator.tokens import DocToken, Token, doc_tokens, tokenize, tokenize_for_spans

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
HEADLINES = (
    "Uber’s Bishkek bet and Silicon Valley’s rivals\n\n"
    "Kyrgyzstan's leaders don't say they're leaving NATO-CSTO talks; 3,000 troops wait.\n"
    f"Kyrgyzstani\tfarmers 👍🏽 the deal {FAMILY} today."
)
CJK = "吉尔吉斯斯坦总统扎帕罗夫访问比什凯克。"  # no spaces: one token before the spans cut it
SPACING = "Osh  mayor\n\nresigned \t today ."
CLAIM = "Kyrgyzstan's leaders don't say they're"

# (document, target, label, analyst, nth occurrence)
SPANS = [
    ("headlines", "Uber", "ORG", "alice", 0),  # of "Uber’s"
    ("headlines", "Uber’s", "ORG", "bob", 0),  # what word snapping selects
    ("headlines", "Silicon Valley", "PLACE", "alice", 0),  # of "Valley’s"
    ("headlines", "Kyrgyzstan", "PLACE", "alice", 0),  # of "Kyrgyzstan's"
    ("headlines", "Kyrgyzstan's", "PLACE", "bob", 0),
    ("headlines", CLAIM, "CLAIM", "alice", 0),  # ends on a clitic
    ("headlines", "they", "PERSON", "bob", 0),  # of "they're"
    ("headlines", "don", "OTHER", "carol", 0),  # ends inside "do|n't"
    ("headlines", "NATO", "ORG", "alice", 0),  # of "NATO-CSTO"
    ("headlines", "CSTO", "ORG", "bob", 0),
    ("headlines", "3", "QUANTITY", "alice", 0),  # of "3,000"
    ("headlines", "3,000 troops", "QUANTITY", "bob", 0),
    ("headlines", "Kyrgyz", "PLACE", "carol", 1),  # ends inside "Kyrgyzstani"
    ("headlines", "👍🏽", "OTHER", "alice", 0),
    ("headlines", "👍", "OTHER", "carol", 0),  # without its skin tone
    ("headlines", FAMILY, "OTHER", "bob", 0),
    ("cjk", "吉尔吉斯斯坦", "PLACE", "alice", 0),
    ("cjk", "扎帕罗夫", "PERSON", "alice", 0),
    ("cjk", "比什凯克", "PLACE", "bob", 0),
    ("cjk", "总统扎帕罗夫", "PERSON", "bob", 0),
]
# White space at a span's edge: exact in Prodigy and spaCy; CoNLL has no white space.
SPACED = [
    ("spacing", "Osh ", "PLACE", "alice", 0),  # ends on the first of two spaces
    ("spacing", " mayor", "PERSON", "bob", 0),  # starts on the second
    ("spacing", "resigned \t today", "CLAIM", "alice", 0),
    ("spacing", "\n\n", "OTHER", "carol", 0),  # nothing but white space
]


def build(cwd: Path) -> Path:
    path = cwd / "boundaries.db"
    with Store.open(path) as store:
        store.set_labels([*DEFAULT_LABELS, Label("ROLE", "entity", "r", "#ffffff", "A role")])
        docs = {
            "headlines": store.add_document("headlines", "Uber’s Bishkek bet", HEADLINES).document,
            "cjk": store.add_document("cjk", "吉尔吉斯斯坦总统", CJK).document,
            "spacing": store.add_document("spacing", "Osh mayor", SPACING).document,
        }
        for key, target, label, analyst, nth in [*SPANS, *SPACED]:
            tag(store, docs[key], target, label, analyst, nth=nth)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("boundaries"))


def stored(db: Path) -> dict[str, tuple[str, list[Span]]]:
    with Store.open(db, create=False) as store:
        return {d.key: (store.document(d.id).text, store.spans(d.id)) for d in store.list_documents()}


def full(db: Path) -> set[tuple[str, int, int, str, str, str]]:
    return {(key, s.start, s.end, s.label, s.annotator, s.text) for key, (_, found) in stored(db).items() for s in found}


def export(source: Path, tmp_path: Path, fmt: str, name: str) -> tuple[Path, str]:
    target = tmp_path / name
    result = run(source.parent, "export", "--db", str(source), "--format", fmt, "--out", str(target))
    assert result.returncode == 0, result.stderr
    return target, result.stdout


def import_back(tmp_path: Path, target: Path) -> Path:
    result = run(tmp_path, "import", target.name, "--db", "back.db")
    assert result.returncode == 0, result.stderr
    assert "already imported" not in result.stdout  # one document, however many analysts
    return tmp_path / "back.db"


def nothing_skipped(stdout: str) -> bool:
    return re.search(r"\b[1-9][0-9]* spans? of white space only", stdout) is None


# -- the tokenizer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("Kyrgyzstan's", ["Kyrgyzstan", "'s"]),
        ("Uber’s Silicon Valley’s", ["Uber", "’s", "Silicon", "Valley", "’s"]),
        ("don't DON’T won't", ["do", "n't", "DO", "N’T", "wo", "n't"]),
        ("they're we'll I've he'd I'm", ["they", "'re", "we", "'ll", "I", "'ve", "he", "'d", "I", "'m"]),
        ("shouldn't've", ["should", "n't", "'ve"]),
        # Kept whole: no clitic at the end, or nothing before it.
        ("O'Neill rock'n'roll y'all n't", ["O'Neill", "rock'n'roll", "y'all", "n't"]),
        # A clitic standing alone (as a CoNLL file's rebuilt text has it) is one token.
        ("Bishkek ’s do n't", ["Bishkek", "’s", "do", "n't"]),
        ("the 'safe' zone", ["the", "'", "safe", "'", "zone"]),
        ("NATO-CSTO 3,000", ["NATO-CSTO", "3,000"]),
    ],
)
def test_clitics_and_possessives_are_tokens_of_their_own(text: str, words: list[str]) -> None:
    found = tokenize(text)
    assert [t.text for t in found] == words
    assert all(text[t.start : t.end] == t.text for t in found)


def test_tokens_are_cut_where_a_span_starts_or_ends_inside_one() -> None:
    text = "Kyrgyzstani NATO-CSTO 3,000 吉尔吉斯斯坦总统扎帕罗夫"
    spans = [
        (0, 6),  # "Kyrgyz"
        (12, 16),  # "NATO"
        (22, 23),  # "3"
        (text.index("扎帕罗夫"), len(text)),
    ]
    assert [t.text for t in tokenize(text)] == ["Kyrgyzstani", "NATO-CSTO", "3,000", "吉尔吉斯斯坦总统扎帕罗夫"]
    assert [t.text for t in tokenize_for_spans(text, spans)] == [
        "Kyrgyz", "stani", "NATO", "-CSTO", "3", ",000", "吉尔吉斯斯坦总统", "扎帕罗夫",
    ]
    # A span on token boundaries already cuts nothing; offsets always slice the text.
    assert tokenize_for_spans(text, [(0, 11)]) == tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in tokenize_for_spans(text, spans))


def rebuilt(tokens: list[DocToken]) -> str:
    return "".join(t.text + (" " if t.ws else "") for t in tokens)


def test_doc_tokens_put_every_possible_span_on_tokens_and_rebuild_the_text() -> None:
    """Every (start, end) of a text with double spaces, a tab, line breaks and emoji."""
    text = f" Osh’s  mayor\n\nsaid \t{FAMILY}👍🏽 3,000 \n"
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            tokens = doc_tokens(text, [(start, end)])
            assert rebuilt(tokens) == text
            assert start in {t.start for t in tokens} and end in {t.end for t in tokens}, (start, end)
            assert all(t.end == (tokens[i + 1].start if i + 1 < len(tokens) else len(text)) - t.ws for i, t in enumerate(tokens))
            assert all(text[t.start : t.end] == t.text and t.text for t in tokens)
            assert not any(t.ws and t.is_space for t in tokens)


def test_doc_tokens_lay_out_white_space_as_spacy_does() -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    for text in (
        "Uber’s  plan\n\nfor Kyrgyzstan's people: don't \t go, they're told.\n",
        " Lead space \n x",
        "Silicon Valley’s rivals won't  care\r\n",
    ):
        assert [(t.text, t.ws) for t in doc_tokens(text, [])] == [(t.text, bool(t.whitespace_)) for t in nlp(text)]


def test_agreement_units_are_the_text_s_tokens_not_the_spans() -> None:
    """Units are tokenize()'s, the same for every analyst; the possessive is a unit of its own,
    so "Kyrgyzstan" against "Kyrgyzstan's" is a disagreement on "'s" only."""
    text = "Kyrgyzstan's leaders"
    kind_of = {"PLACE": "entity"}
    alice = token_values(text, [Span("a", 1, 0, 10, "PLACE", "alice", text[:10])], kind_of, 1)
    bob = token_values(text, [Span("b", 1, 0, 12, "PLACE", "bob", text[:12])], kind_of, 1)
    assert alice.keys() == bob.keys()
    assert [alice[(1, i, "entity")] for i in range(3)] == ["PLACE", "O", "O"]
    assert [bob[(1, i, "entity")] for i in range(3)] == ["PLACE", "PLACE", "O"]


# -- round trips through the CLI -----------------------------------------------------------------


def test_the_fixture_has_spans_plain_tokens_cannot_hold(source: Path) -> None:
    """Without the cuts, these spans would have no token to start or end on."""
    off = set()
    for key, (text, found) in stored(source).items():
        tokens = tokenize(text)
        for s in found:
            if s.start not in {t.start for t in tokens} or s.end not in {t.end for t in tokens}:
                off.add(s.text)
    assert {"NATO", "CSTO", "3", "Kyrgyz", "don", "👍", "扎帕罗夫", "吉尔吉斯斯坦", "总统扎帕罗夫", "Osh ", " mayor", "\n\n"} <= off
    # ...and these only because the possessive and the clitics are split off.
    assert {"Uber", "Silicon Valley", "Kyrgyzstan", "they", CLAIM} <= {s.text for _, found in stored(source).values() for s in found} - off


@pytest.mark.parametrize("fmt, name", [("prodigy", "b.prodigy.jsonl"), ("spacy", "b.spacy")])
def test_prodigy_and_spacy_round_trips_keep_every_span(source: Path, tmp_path: Path, fmt: str, name: str) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    target, stdout = export(source, tmp_path, fmt, name)
    total = len(SPANS) + len(SPACED)
    assert f"{total} spans written" in stdout and nothing_skipped(stdout)
    back = import_back(tmp_path, target)
    assert {k: text for k, (text, _) in stored(back).items()} == {k: text for k, (text, _) in stored(source).items()}
    assert full(back) == full(source)  # offsets, labels, analysts: nothing moved, nothing lost


def test_prodigy_tokens_rebuild_the_text_and_are_shared_by_a_document_s_tasks(source: Path, tmp_path: Path) -> None:
    target, _ = export(source, tmp_path, "prodigy", "t.prodigy.jsonl")
    tasks = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    by_key: dict[str, list[dict]] = {}
    for task in tasks:
        by_key.setdefault(task["meta"]["id"], []).append(task)
        tokens = task["tokens"]
        # Line breaks are tokens, not a `ws` flag that would read back as a space.
        assert "".join(t["text"] + (" " if t["ws"] else "") for t in tokens) == task["text"]
        for span in task["spans"]:
            assert tokens[span["token_start"]]["start"] == span["start"]
            assert tokens[span["token_end"]]["end"] == span["end"]
    for key, group in by_key.items():
        assert all(task["tokens"] == group[0]["tokens"] for task in group), key
    headline = [t["text"] for t in by_key["headlines"][0]["tokens"]]
    assert headline[:3] == ["Uber", "’s", "Bishkek"] and "\n\n" in headline and "\t" in headline
    assert ["NATO", "-", "CSTO"] == headline[headline.index("NATO") : headline.index("NATO") + 3]
    assert ["they", "'re"] == headline[headline.index("they") : headline.index("they") + 2]
    spacing = [(t["text"], t["ws"]) for t in by_key["spacing"][0]["tokens"]]
    assert spacing == [
        ("Osh", False), (" ", False), (" ", False), ("mayor", False), ("\n\n", False),
        ("resigned", True), ("\t ", False), ("today", True), (".", False),
    ]


def word_spans(text: str, tokens: list[Token] | list[tuple[int, int]], found: list[Span]) -> set[tuple[int, int, str, str]]:
    """(first token, last token inclusive, label, analyst) of each span holding a token."""
    offsets = [(t.start, t.end) if isinstance(t, Token) else t for t in tokens]
    out = set()
    for s in found:
        inside = [i for i, (start, end) in enumerate(offsets) if s.start <= start and end <= s.end]
        if inside:
            out.add((inside[0], inside[-1], s.label, s.annotator))
    return out


def test_conll_round_trip_keeps_every_span_on_its_tokens(source: Path, tmp_path: Path) -> None:
    target, stdout = export(source, tmp_path, "conll", "b.conll")
    before = stored(source)
    back = stored(import_back(tmp_path, target))
    assert list(back) == list(before)
    blocks = target.read_text(encoding="utf-8").split("-DOCSTART-")[1:]
    for key, (text, found) in before.items():
        tokens = tokenize_for_spans(text, [(s.start, s.end) for s in found])
        # Every analyst's block of the document has the same rows: the cut tokens.
        rows = [
            [line.split("\t")[0] for line in block.split("\n")[1:] if line]
            for block in blocks if block.split("\t")[1] == key
        ]
        assert rows and all(r == [t.text for t in tokens] for r in rows)
        # The text comes back rebuilt (tokens joined by white space), the spans on the same tokens.
        again, found_again = back[key]
        words = [m.span() for m in re.finditer(r"\S+", again)]
        assert [again[a:b] for a, b in words] == [t.text for t in tokens]
        expected = word_spans(text, tokens, found)
        assert word_spans(again, words, found_again) == expected
    # The one span CoNLL cannot hold is white space only; it is counted, not silently lost.
    assert len(full(tmp_path / "back.db")) == len(SPANS) + len(SPACED) - 1
    assert f"{len(SPANS) + len(SPACED) - 1} spans written" in stdout
    assert "'\\n\\n' (carol)" in stdout
    assert "0 spans dropped by overlap" in stdout  # no two spans of one kind and analyst overlap here


def test_prodigy_data_from_spacy_tokens_exports_every_accepted_span(tmp_path: Path) -> None:
    """Prodigy's own tasks (spaCy's English tokens), imported, export every accepted span
    again, on the same tokens: "Uber’s" and "Silicon Valley’s" no longer cost a span."""
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    headlines = [
        ("Uber’s drivers strike in Silicon Valley’s heat", ["Uber", "Silicon Valley"]),
        ("Kyrgyzstan's president says they're ready, Reddit doesn't care", ["Kyrgyzstan", "Reddit"]),
        ("Bishkek\n\nNATO's summit won't move", ["Bishkek", "NATO"]),
    ]
    lines = []
    for number, (text, names) in enumerate(headlines):
        doc = nlp(text)
        tokens = [
            {"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
            for t in doc
        ]
        spans = []
        for name in names:
            start = text.index(name)
            placed = doc.char_span(start, start + len(name), alignment_mode="strict")
            assert placed is not None  # on spaCy's tokens, as Prodigy made it
            spans.append({"start": start, "end": start + len(name), "token_start": placed.start,
                          "token_end": placed.end - 1, "label": "ORG"})
        lines.append({"text": text, "tokens": tokens, "spans": spans, "_input_hash": number, "_task_hash": number,
                      "_annotator_id": "news-alice", "answer": "accept"})
    (tmp_path / "db-out.jsonl").write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    result = run(tmp_path, "import", "db-out.jsonl", "--db", "p.db")
    assert result.returncode == 0, result.stderr
    out = run(tmp_path, "export", "--db", "p.db", "--format", "prodigy", "--out", "again.jsonl")
    assert out.returncode == 0, out.stderr
    assert "6 spans written" in out.stdout and nothing_skipped(out.stdout)
    again = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text(encoding="utf-8").splitlines()]
    for original, task in zip(lines, again, strict=True):
        assert task["tokens"] == original["tokens"]  # the same tokens Prodigy (spaCy) made
        assert [(s["start"], s["end"], s["token_start"], s["token_end"]) for s in task["spans"]] == [
            (s["start"], s["end"], s["token_start"], s["token_end"]) for s in original["spans"]
        ]
