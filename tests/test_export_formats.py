"""`annotator export --format ...`: Prodigy, doccano, Label Studio, brat, CoNLL, spaCy; splits.

Every format is checked on real database files: overlapping and nested spans, emoji
before a span, CJK, combining marks, a document with no spans, a CRLF-origin text, a
span on a possessive's word ("Bishkek" of "Bishkek’s") and one that ends inside a word
("500" of "500kg"): the token formats cut their tokens there, so every span is written.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_export import run, tag

from annotator.exporters.split import parse_split, part_of
from annotator.model import KINDS
from annotator.store import Store
from annotator.tokens import tokenize_for_spans

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
NEWS = (
    "Kyrgyz Officials Foil Attacks\n\n"
    "In Bishkek’s centre, the National Security Committee seized 500kg of explosives.\n\n"
    "“Islamic State is a true enemy of Islam,” Almazbek Atambaev said. Dr. Smith agreed."
)
UNICODE = (
    f"{FAMILY} Families in 比什凯克 met Zhaparov\u0308 👍🏽 today; 🇰🇬 flag.\n"
    "Cafe\u0301 owners said 3,000 left."
)
CLAIM = "“Islamic State is a true enemy of Islam,” Almazbek Atambaev said."
CROSSING = "Kyrgyz Officials Foil Attacks\n\nIn Bishkek’s centre"


def build(cwd: Path) -> Path:
    """project.db: three analysts, nested and overlapping spans, Unicode, CRLF, no-span document."""
    path = cwd / "project.db"
    with Store.open(path) as store:
        news = store.add_document("news", "Kyrgyz Officials Foil Attacks", NEWS, meta={"source": "wire"}).document
        uni = store.add_document("unicode", "Families 👪", UNICODE).document
        store.add_document("empty", "No Spans Here", "Nobody tagged this one.")

        tag(store, news, CLAIM, "CLAIM", "alice")
        tag(store, news, "Almazbek Atambaev", "PERSON", "alice")  # nested in the claim
        tag(store, news, "Islamic State", "ORG", "alice")  # nested too
        tag(store, news, "National Security Committee", "ORG", "alice")
        tag(store, news, "National Security", "ORG", "alice")  # overlaps an ORG of the same analyst
        tag(store, news, "500kg of explosives", "QUANTITY", "alice")
        tag(store, news, "Bishkek", "PLACE", "alice")  # "Bishkek’s": the possessive is a token of its own
        tag(store, news, "500", "QUANTITY", "bob")  # ends inside the word "500kg"
        tag(store, news, "Islamic State is a true enemy of Islam", "CLAIM", "bob", note="line one\nline two")
        tag(store, news, "Islamic State", "ORG", "bob")
        tag(store, news, CROSSING, "CLAIM", "carol")  # crosses a paragraph break

        tag(store, uni, "比什凯克", "PLACE", "alice")  # CJK after a ZWJ emoji
        tag(store, uni, "Zhaparov\u0308", "PERSON", "alice")  # combining mark
        tag(store, uni, "👍🏽", "OTHER", "alice")  # emoji with a skin tone
        tag(store, uni, "🇰🇬", "PLACE", "alice")  # a flag
        tag(store, uni, "Cafe\u0301 owners", "ORG", "bob")
        tag(store, uni, "3,000", "QUANTITY", "bob")
    # A CRLF text with spans pointing into it, imported the ordinary way.
    crlf_text = "First line\r\nPutin met 3,000 students.\r\n"
    start = crlf_text.index("Putin")
    line = {"id": "crlf", "text": crlf_text, "spans": [{"start": start, "end": start + 5, "label": "PERSON", "annotator": "bob"}]}
    (cwd / "crlf.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = run(cwd, "import", "crlf.jsonl", "--db", "project.db")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


def texts(cwd: Path) -> dict[str, str]:
    with Store.open(cwd / "project.db", create=False) as store:
        return {d.key: store.document(d.id).text for d in store.list_documents()}


def export(cwd: Path, *args: str) -> str:
    result = run(cwd, "export", "--db", "project.db", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def native_spans(cwd: Path) -> set[tuple[str, int, int, str, str]]:
    export(cwd, "--out", "native.jsonl")
    return {
        (row["id"], s["start"], s["end"], s["label"], s["annotator"])
        for row in jsonl(cwd / "native.jsonl")
        for s in row["spans"]
    }


def cut_tokens(cwd: Path, key: str) -> list[tuple[int, int]]:
    """The document's tokens as the token formats write them: cut at every span's edges."""
    spans = [(start, end) for doc, start, end, _, _ in native_spans(cwd) if doc == key]
    return [(t.start, t.end) for t in tokenize_for_spans(texts(cwd)[key], spans)]


def no_span_skipped(stdout: str) -> bool:
    return re.search(r"\b[1-9][0-9]* spans? of white space only", stdout) is None


# -- the source text ---------------------------------------------------------------------


def test_crlf_origin_text_is_canonical_in_the_database(db: Path) -> None:
    text = texts(db.parent)["crlf"]
    assert text == "First line\nPutin met 3,000 students.\n"
    assert ("crlf", 11, 16, "PERSON", "bob") in native_spans(db.parent)


# -- Prodigy --------------------------------------------------------------------------------


def test_prodigy_tasks_tokens_and_inclusive_token_spans(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "prodigy", "--out", "p.jsonl", "--status", "all")
    tasks = jsonl(cwd / "p.jsonl")
    by_text = texts(cwd)
    # One task per document and analyst, in corpus order; with --status all a document
    # nobody worked on gives one.
    assert [(t["meta"]["id"], t.get("_annotator_id")) for t in tasks] == [
        ("news", "alice"), ("news", "bob"), ("news", "carol"), ("unicode", "alice"), ("unicode", "bob"),
        ("empty", None), ("crlf", "bob"),
    ]
    for task in tasks:
        text = by_text[task["meta"]["id"]]
        assert task["text"] == text and task["answer"] == "accept"
        words = [(t["start"], t["end"]) for t in task["tokens"] if not t["text"].isspace()]
        assert words == cut_tokens(cwd, task["meta"]["id"])
        for index, token in enumerate(task["tokens"]):
            assert token["id"] == index and text[token["start"] : token["end"]] == token["text"]
            following = task["tokens"][index + 1]["start"] if index + 1 < len(task["tokens"]) else len(text)
            assert following == token["end"] + token["ws"]  # ws: one space, not a token of its own
        # As a spaCy Doc: the tokens and their one trailing space rebuild the text, line breaks included.
        assert "".join(t["text"] + (" " if t["ws"] else "") for t in task["tokens"]) == text
        for span in task["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
            assert task["tokens"][span["token_start"]]["start"] == span["start"]
            assert task["tokens"][span["token_end"]]["end"] == span["end"]  # inclusive
        for key in ("_input_hash", "_task_hash"):
            assert isinstance(task[key], int) and -(2**31) <= task[key] < 2**31
    # The same text has the same input hash whoever annotated it; tasks differ by their spans.
    news = [t for t in tasks if t["meta"]["id"] == "news"]
    assert len({t["_input_hash"] for t in news}) == 1 and len({t["_task_hash"] for t in news}) == 3
    empty = next(t for t in tasks if t["meta"]["id"] == "empty")
    assert empty["spans"] == [] and "_annotator_id" not in empty
    # Every span is written, "Bishkek" of "Bishkek’s" and "500" of "500kg" too.
    written = {(t["meta"]["id"], s["start"], s["end"], s["label"], t["_annotator_id"]) for t in tasks if "_annotator_id" in t for s in t["spans"]}
    assert written == native_spans(cwd)
    assert no_span_skipped(stdout)
    words = [t["text"] for t in news[0]["tokens"]]
    assert words[:7] == ["Kyrgyz", "Officials", "Foil", "Attacks", "\n\n", "In", "Bishkek"]
    assert words[7:9] == ["’s", "centre"] and words[words.index("500") + 1] == "kg"
    assert [t["tokens"] for t in news[1:]] == [news[0]["tokens"]] * 2  # one document, the same tokens
    assert f"{len(written)} spans written" in stdout
    # Deterministic: the same database gives the same bytes.
    first = (cwd / "p.jsonl").read_bytes()
    export(cwd, "--format", "prodigy", "--out", "p.jsonl", "--status", "all")
    assert (cwd / "p.jsonl").read_bytes() == first


def test_prodigy_to_stdout_keeps_the_report_on_stderr(db: Path) -> None:
    result = run(db.parent, "export", "--db", "project.db", "--format", "prodigy", "--out", "-", "--annotator", "bob", "--status", "all")
    assert result.returncode == 0, result.stderr
    tasks = [json.loads(line) for line in result.stdout.splitlines()]
    assert {t.get("_annotator_id") for t in tasks} == {"bob"}  # the one analyst asked for, even with no spans
    assert [t["meta"]["id"] for t in tasks] == ["news", "unicode", "empty", "crlf"]
    assert "spans written" in result.stderr and "wrote" not in result.stdout


# -- doccano ----------------------------------------------------------------------------


def test_doccano_lines_slice_to_the_span_text(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "doccano", "--out", "d.jsonl", "--status", "all")
    lines = jsonl(cwd / "d.jsonl")
    assert set(lines[0]) == {"id", "text", "label", "meta"}
    written = set()
    for line in lines:
        assert line["text"] == texts(cwd)[line["id"]]
        for start, end, label in line["label"]:
            assert 0 <= start < end <= len(line["text"])
            written.add((line["id"], start, end, label, line["meta"].get("annotator")))
    assert written == native_spans(cwd)  # character offsets: nothing is off a boundary here
    uni = next(line for line in lines if line["id"] == "unicode" and line["meta"]["annotator"] == "alice")
    assert [uni["text"][s:e] for s, e, _ in uni["label"]] == ["比什凯克", "Zhaparov\u0308", "👍🏽", "🇰🇬"]
    assert next(line for line in lines if line["id"] == "empty")["label"] == []


# -- Label Studio -------------------------------------------------------------------------


def test_labelstudio_tasks_with_code_point_offsets(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "labelstudio", "--out", "ls.json", "--status", "all")
    tasks = json.loads((cwd / "ls.json").read_text(encoding="utf-8"))
    assert [t["data"]["key"] for t in tasks] == ["news", "unicode", "empty", "crlf"]
    assert [t["id"] for t in tasks] == [1, 2, 3, 4]
    written = set()
    for task in tasks:
        text = task["data"]["text"]
        assert text == texts(cwd)[task["data"]["key"]]
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                assert (result["from_name"], result["to_name"], result["type"]) == ("label", "text", "labels")
                value = result["value"]
                assert text[value["start"] : value["end"]] == value["text"]
                (label,) = value["labels"]
                written.add((task["data"]["key"], value["start"], value["end"], label, annotation["completed_by"]))
    assert written == native_spans(cwd)
    news = tasks[0]
    assert [a["completed_by"] for a in news["annotations"]] == ["alice", "bob", "carol"]
    assert news["meta"] == {"source": "wire"}
    noted = [r for a in news["annotations"] for r in a["result"] if "meta" in r]
    assert [r["meta"] for r in noted] == [{"text": ["line one\nline two"]}]
    assert tasks[2]["annotations"] == []
    # Code points, not UTF-16 units: after a ZWJ family emoji (5 code points, 8 units).
    uni = tasks[1]
    place = next(r["value"] for r in uni["annotations"][0]["result"] if r["value"]["text"] == "比什凯克")
    assert place["start"] == UNICODE.index("比什凯克") == 18
    assert len(UNICODE[: place["start"]].encode("utf-16-le")) // 2 == 21  # what a UTF-16 writer would say


# -- brat ---------------------------------------------------------------------------------


def read_ann(path: Path) -> tuple[list[tuple[str, str, list[tuple[int, int]], str]], dict[str, str], dict[str, str]]:
    spans, annotators, notes = [], {}, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            ident, middle, shown = line.split("\t")
            label, where = middle.split(" ", 1)
            pieces = [tuple(int(x) for x in piece.split()) for piece in where.split(";")]
            spans.append((ident, label, pieces, shown))
        elif line.startswith("A"):
            _, middle = line.split("\t")
            name, target, value = middle.split(" ")
            assert name == "Annotator"
            annotators[target] = unquote(value)
        elif line.startswith("#"):
            _, middle, note = line.split("\t")
            notes[middle.split(" ")[1]] = note
    return spans, annotators, notes


def test_brat_folder_of_txt_and_ann(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "brat", "--out", "brat", "--status", "all")
    folder = cwd / "brat"
    assert sorted(p.name for p in folder.iterdir()) == [
        "annotation.conf", "crlf.ann", "crlf.txt", "empty.ann", "empty.txt", "news.ann", "news.txt", "unicode.ann", "unicode.txt",
    ]
    assert "wrote 4 documents to brat" in stdout
    written = set()
    for ann in folder.glob("*.ann"):
        text = (folder / f"{ann.stem}.txt").read_bytes().decode("utf-8")
        assert text == texts(cwd)[ann.stem]
        spans, annotators, notes = read_ann(ann)
        for ident, label, pieces, shown in spans:
            assert " ".join(text[a:b] for a, b in pieces) == shown
            assert all("\n" not in text[a:b] for a, b in pieces)
            written.add((ann.stem, pieces[0][0], pieces[-1][1], label, annotators[ident]))
        if ann.stem == "news":
            crossing = next(pieces for _, label, pieces, _ in spans if len(pieces) > 1)
            start = NEWS.index(CROSSING)
            assert crossing == [(start, start + 29), (start + 31, start + len(CROSSING))]
            assert list(notes.values()) == ["line one\\nline two"]
    assert written == native_spans(cwd)
    conf = (folder / "annotation.conf").read_text(encoding="utf-8")
    assert "!claim\n\tCLAIM\n!entity\n\tPERSON\n\tORG\n\tPLACE\n\tOTHER\n!quantity\n\tQUANTITY\n" in conf
    assert "Annotator\tArg:<ENTITY>, Value:alice|bob|carol" in conf


def test_brat_replaces_its_own_folder_and_nothing_else(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "brat", "--out", "brat", "--annotator", "bob")
    export(cwd, "--format", "brat", "--out", "brat", "--annotator", "alice")
    _, annotators, _ = read_ann(cwd / "brat" / "news.ann")
    assert set(annotators.values()) == {"alice"}
    assert [p.name for p in cwd.iterdir() if p.name.startswith(".")] == []  # no temporary folders left
    (cwd / "mine").mkdir()
    (cwd / "mine" / "thesis.docx").write_text("precious", encoding="utf-8")
    result = run(cwd, "export", "--db", "project.db", "--format", "brat", "--out", "mine")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "--out mine: folder holds other things (thesis.docx)" in line
    assert (cwd / "mine" / "thesis.docx").read_text(encoding="utf-8") == "precious"
    refused = run(cwd, "export", "--db", "project.db", "--format", "brat", "--out", "-")
    assert refused.returncode != 0 and "writes a folder" in refused.stderr


# -- CoNLL --------------------------------------------------------------------------------


def conll_blocks(path: Path) -> list[tuple[list[str], list[list[list[str]]]]]:
    """(header fields, sentences of rows) per -DOCSTART- block."""
    blocks: list[tuple[list[str], list[list[list[str]]]]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            blocks.append((line.split("\t"), [[]]))
        elif line == "":
            if blocks and blocks[-1][1][-1]:
                blocks[-1][1].append([])
        else:
            blocks[-1][1][-1].append(line.split("\t"))
    return [(header, [s for s in sentences if s]) for header, sentences in blocks]


def bio_spans(rows: list[list[str]], column: int) -> list[tuple[int, int, str]]:
    found, current = [], None
    for index, row in enumerate(rows):
        tag = row[column]
        if tag.startswith("B-") or tag == "O" or (tag.startswith("I-") and (current is None or current[2] != tag[2:])):
            if current:
                found.append(current)
            current = (index, index, tag[2:]) if tag != "O" else None
        else:
            current = (current[0], index, current[2])
    if current:
        found.append(current)
    return found


def test_conll_columns_bio_and_the_report(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "conll", "--out", "out.conll", "--status", "all")
    blocks = conll_blocks(cwd / "out.conll")
    assert [h for h, _ in blocks] == [
        ["-DOCSTART-", "news", "alice"], ["-DOCSTART-", "news", "bob"], ["-DOCSTART-", "news", "carol"],
        ["-DOCSTART-", "unicode", "alice"], ["-DOCSTART-", "unicode", "bob"], ["-DOCSTART-", "empty", "-"],
        ["-DOCSTART-", "crlf", "bob"],
    ]
    by_text = texts(cwd)
    written = set()
    for (_, key, annotator), sentences in blocks:
        rows = [row for sentence in sentences for row in sentence]
        text = by_text[key]
        tokens = [text[start:end] for start, end in cut_tokens(cwd, key)]  # every block of a document alike
        starts, ends = [start for start, _ in cut_tokens(cwd, key)], [end for _, end in cut_tokens(cwd, key)]
        assert [row[0] for row in rows] == tokens
        assert all(len(row) == 1 + len(KINDS) for row in rows)
        for column, kind in enumerate(KINDS, start=1):
            for first, last, label in bio_spans(rows, column):
                written.add((key, starts[first], ends[last], label, annotator))
        # No sentence break inside a written span: every span's tags are in one sentence.
        for sentence in sentences:
            for column in range(1, 4):
                assert not sentence[0][column].startswith("I-")
    expected = native_spans(cwd) - {("news", NEWS.index("National Security"), NEWS.index("National Security") + 17, "ORG", "alice")}
    assert written == expected
    # Claim, entity and quantity tags sit side by side on the same tokens.
    alice = [row for s in blocks[0][1] for row in s]
    atambaev = next(row for row in alice if row[0] == "Almazbek")
    assert atambaev[1:] == ["I-CLAIM", "B-PERSON", "O"]
    # Sentences: after "Attacks" (paragraph), "explosives." and "said."; not after "Dr.".
    assert [s[-1][0] for s in blocks[0][1]] == ["Attacks", ".", ".", "."]
    assert [s[0][0] for s in blocks[0][1]] == ["Kyrgyz", "In", "“", "Dr"]
    # carol's claim crosses the paragraph break: that break is not a sentence end for her.
    assert [s[-1][0] for s in blocks[2][1]] == [".", ".", "."]
    assert no_span_skipped(stdout)
    assert "1 span dropped by overlap (a longer span of the same kind kept): news" in stdout
    assert "'National Security' (alice)" in stdout


# -- spaCy --------------------------------------------------------------------------------


def test_spacy_docbin_spans_and_ents(db: Path) -> None:
    pytest.importorskip("spacy")
    import spacy
    from spacy.tokens import DocBin

    cwd = db.parent
    stdout = export(cwd, "--format", "spacy", "--out", "train.spacy", "--status", "all")
    nlp = spacy.blank("xx")
    docs = list(DocBin().from_bytes((cwd / "train.spacy").read_bytes()).get_docs(nlp.vocab))
    assert [(d.user_data["id"], d.user_data["annotator"]) for d in docs] == [
        ("news", "alice"), ("news", "bob"), ("news", "carol"), ("unicode", "alice"), ("unicode", "bob"),
        ("empty", None), ("crlf", "bob"),
    ]
    by_text = texts(cwd)
    written = set()
    for doc in docs:
        assert doc.text == by_text[doc.user_data["id"]]
        non_space = [t for t in doc if not t.is_space]
        assert [(t.idx, t.idx + len(t.text)) for t in non_space] == cut_tokens(cwd, doc.user_data["id"])
        for span in doc.spans["sc"]:
            written.add((doc.user_data["id"], span.start_char, span.end_char, span.label_, doc.user_data["annotator"]))
        assert sum(len(doc.spans[kind]) for kind in KINDS) == len(doc.spans["sc"])
        ents = list(doc.ents)
        assert all(a.end <= b.start for a, b in pairwise(ents))
    assert written == native_spans(cwd)
    alice = docs[0]
    assert [e.text for e in alice.ents] == ["Bishkek", "National Security Committee", "Islamic State", "Almazbek Atambaev"]
    assert "National Security" in [s.text for s in alice.spans["entity"]]  # kept in the span groups
    assert [s.text for s in alice.spans["claim"]] == [CLAIM]
    assert docs[0].user_data["meta"] == {"source": "wire"}
    uni = docs[3]
    assert [e.text for e in uni.ents] == ["比什凯克", "Zhaparov\u0308", "👍🏽", "🇰🇬"]
    assert "1 entity span overlapping another entity: in doc.spans only, not doc.ents" in stdout
    assert no_span_skipped(stdout)


def test_spacy_missing_is_a_one_line_error(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy raises ImportError
    result = run(db.parent, "export", "--db", "project.db", "--format", "spacy")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line == "annotator: --format spacy needs spaCy, an optional extra: pip install 'annotator[spacy]'"
    assert not (db.parent / "exports").exists()


# -- offsets across formats ------------------------------------------------------------------


def test_default_targets_do_not_collide_with_native(db: Path) -> None:
    cwd = db.parent
    for fmt in ("native", "prodigy", "doccano", "labelstudio", "brat", "conll"):
        export(cwd, "--format", fmt)
    assert sorted(p.name for p in (cwd / "exports").iterdir()) == [
        "project.brat", "project.conll", "project.doccano.jsonl", "project.jsonl", "project.labelstudio.json", "project.prodigy.jsonl",
    ]
    # Native stays what it was: the same bytes as an export without --format.
    native = (cwd / "exports" / "project.jsonl").read_bytes()
    export(cwd)
    assert (cwd / "exports" / "project.jsonl").read_bytes() == native


def test_file_formats_refuse_a_folder_as_out(db: Path) -> None:
    (db.parent / "afolder").mkdir()
    for fmt in ("native", "prodigy"):
        result = run(db.parent, "export", "--db", "project.db", "--format", fmt, "--out", "afolder")
        assert result.returncode != 0
        (line,) = result.stderr.splitlines()
        assert "--out afolder: is a folder" in line


# -- splits -------------------------------------------------------------------------------


def add_documents(path: Path, count: int) -> None:
    with Store.open(path, create=False) as store:
        for number in range(count):
            doc = store.add_document(f"extra{number}", f"Extra {number}", f"Extra article number {number} about Osh.").document
            tag(store, doc, "Osh", "PLACE", "alice")


def parts_of(cwd: Path, stem: str, parts: list[str]) -> dict[str, list[str]]:
    return {part: [row["id"] for row in jsonl(cwd / f"{stem}.{part}.jsonl")] for part in parts}


def test_split_is_by_document_hash_and_stable_when_documents_are_added(db: Path) -> None:
    cwd = db.parent
    add_documents(db, 30)
    spec = "train=0.6,dev=0.2,test=0.2"
    stdout = export(cwd, "--format", "doccano", "--split", spec, "--out", "out/set.jsonl", "--status", "all")
    before = parts_of(cwd / "out", "set", ["train", "dev", "test"])
    hashes = {}
    with Store.open(db, create=False) as store:
        for summary in store.list_documents():
            document = store.document(summary.id)
            hashes[document.key] = document.sha256
    for part, keys in before.items():
        assert keys and all(part_of(hashes[key], parse_split(spec)) == part for key in keys)
    assert sorted(key for keys in before.values() for key in set(keys)) == sorted(hashes)
    assert "train: wrote" in stdout and "manifest: out/set.manifest.json" in stdout

    add_documents_more(db)
    export(cwd, "--format", "doccano", "--split", spec, "--out", "out/set.jsonl", "--status", "all")
    after = parts_of(cwd / "out", "set", ["train", "dev", "test"])
    for part, keys in before.items():
        assert [key for key in after[part] if key in set(keys) | set(hashes)] == keys  # nobody moved
    assert sum(len(set(keys)) for keys in after.values()) == len(hashes) + 10


def add_documents_more(path: Path) -> None:
    with Store.open(path, create=False) as store:
        for number in range(10):
            store.add_document(f"later{number}", f"Later {number}", f"A later article, number {number}.")


def test_manifest_counts_checksums_and_command(db: Path) -> None:
    cwd = db.parent
    add_documents(db, 12)
    export(cwd, "--format", "prodigy", "--split", "train=0.5,test=0.5", "--out", "sets/news.jsonl")
    manifest = json.loads((cwd / "sets" / "news.manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "prodigy"
    assert manifest["command"] == "annotator export --db project.db --format prodigy --split train=0.5,test=0.5 --out sets/news.jsonl"
    assert manifest["split"]["fractions"] == {"train": 0.5, "test": 0.5}
    assert manifest["tokenizer"] == "annotator/tokens.py"
    totals = {"documents": 0, "spans": 0}
    by_label: dict[str, int] = {}
    for part, figures in manifest["parts"].items():
        file = cwd / "sets" / figures["path"]
        assert figures["path"] == f"news.{part}.jsonl"
        assert figures["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
        assert figures["bytes"] == file.stat().st_size
        tasks = jsonl(file)
        assert figures["records"] == len(tasks)
        assert figures["documents"] == len({t["meta"]["id"] for t in tasks})
        assert figures["spans"] == sum(len(t["spans"]) for t in tasks)
        labels: dict[str, int] = {}
        for task in tasks:
            for span in task["spans"]:
                labels[span["label"]] = labels.get(span["label"], 0) + 1
        assert figures["by_label"] == dict(sorted(labels.items()))
        assert sum(figures["by_kind"].values()) == figures["spans"]
        assert sum(a["spans"] for a in figures["by_annotator"].values()) == figures["spans"]
        totals["documents"] += figures["documents"]
        totals["spans"] += figures["spans"]
        for label, count in labels.items():
            by_label[label] = by_label.get(label, 0) + count
    assert manifest["totals"]["documents"] == totals["documents"] == 3 + 12  # "empty": nobody worked on it
    assert manifest["filters"]["status"] == manifest["status"]["filter"] == "touched"
    assert manifest["status"]["left_out"] == manifest["totals"]["left_out"]
    assert manifest["totals"]["left_out"] == {"documents_nobody_worked_on": 1, "unfinished_by_annotator": {}}
    assert sum(f["left_out"]["documents_nobody_worked_on"] for f in manifest["parts"].values()) == 1
    assert manifest["totals"]["spans"] == totals["spans"]
    assert manifest["totals"]["by_label"] == dict(sorted(by_label.items()))
    # alice: her 7 news spans (all on tokens, "Bishkek" of "Bishkek’s" too), 4 Unicode ones, 12 extra.
    assert manifest["totals"]["by_annotator"]["alice"] == {"spans": 7 + 4 + 12, "documents": 2 + 12}
    assert manifest["totals"]["not_written"]["off_token_boundaries"] == 0


def test_native_split_keeps_native_bytes(db: Path) -> None:
    cwd = db.parent
    add_documents(db, 10)
    export(cwd, "--out", "all.jsonl")
    whole = (cwd / "all.jsonl").read_bytes().splitlines(keepends=True)
    export(cwd, "--split", "a=0.5,b=0.5", "--out", "all.jsonl")
    a = (cwd / "all.a.jsonl").read_bytes().splitlines(keepends=True)
    b = (cwd / "all.b.jsonl").read_bytes().splitlines(keepends=True)
    assert sorted(a + b) == sorted(whole) and a and b
    assert [line for line in whole if line in set(a)] == a  # corpus order kept within a part
    manifest = json.loads((cwd / "all.manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "native" and manifest["tokenizer"] is None
    assert manifest["totals"]["spans"] == sum(len(json.loads(line)["spans"]) for line in whole)


def test_brat_split_checksums_each_folder(db: Path) -> None:
    cwd = db.parent
    add_documents(db, 6)
    export(cwd, "--format", "brat", "--split", "train=0.5,test=0.5", "--out", "b.brat")
    manifest = json.loads((cwd / "b.manifest.json").read_text(encoding="utf-8"))
    for part, figures in manifest["parts"].items():
        folder = cwd / f"b.{part}.brat"
        listing = "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(folder.iterdir())
        )
        assert figures["sha256"] == hashlib.sha256(listing.encode()).hexdigest()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("train=0.8,dev=0.1", "the fractions add up to 0.9, not 1"),
        ("train=0.5,train=0.5", "part train is named twice"),
        ("train=1.5,dev=-0.5", "part dev must have a fraction above 0"),
        ("train=0.8,dev", "'dev' is not NAME=FRACTION"),
        ("train=abc,dev=1", "'abc' is not a number"),
        ("tr ain=1", "part name 'tr ain' may hold only letters"),
        ("train=0.5,,test=0.5", "an empty part"),
    ],
)
def test_split_spec_errors_are_one_line(db: Path, spec: str, message: str) -> None:
    result = run(db.parent, "export", "--db", "project.db", "--format", "conll", "--split", spec)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"annotator: --split {spec}: ") and message in line
    assert not (db.parent / "exports").exists()


def test_split_fractions_within_a_millionth_are_accepted() -> None:
    assert [name for name, _ in parse_split("train=0.7,dev=0.15,test=0.15")] == ["train", "dev", "test"]
    assert parse_split("a=0.3333333,b=0.3333333,c=0.3333334")
    assert part_of("0" * 64, parse_split("a=0.5,b=0.5")) == "a" and part_of("f" * 64, parse_split("a=0.5,b=0.5")) == "b"


def test_split_cannot_go_to_stdout(db: Path) -> None:
    result = run(db.parent, "export", "--db", "project.db", "--split", "a=0.5,b=0.5", "--out", "-")
    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert "--split writes one file per part and a manifest" in line


# -- round trips through the importers ----------------------------------------------------


def imported(cwd: Path, source: str, db_name: str) -> tuple[dict[str, str], list[dict]]:
    """Import an export into a new database; its documents (text -> key) and native spans."""
    result = run(cwd, "import", source, "--db", db_name)
    assert result.returncode == 0, result.stderr
    out = run(cwd, "export", "--db", db_name, "--out", f"{db_name}.jsonl")
    assert out.returncode == 0, out.stderr
    rows = jsonl(cwd / f"{db_name}.jsonl")
    return {row["text"]: row["id"] for row in rows}, [dict(s, doc_text=row["text"]) for row in rows for s in row["spans"]]


def original(cwd: Path) -> tuple[set[str], set[tuple[str, int, int, str, str]]]:
    by_key = texts(cwd)
    return set(by_key.values()), {(by_key[key], start, end, label, who) for key, start, end, label, who in native_spans(cwd)}


def test_round_trip_prodigy(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "prodigy", "--out", "rt.jsonl", "--status", "all")
    documents, spans = imported(cwd, "rt.jsonl", "back.db")
    want_texts, want_spans = original(cwd)
    assert set(documents) == want_texts
    got = {(s["doc_text"], s["start"], s["end"], s["label"], s["annotator"]) for s in spans}
    assert got == want_spans  # every span: tokens are cut where a span starts or ends inside one
    assert {s["kind"] for s in spans if s["label"] == "CLAIM"} == {"claim"}


def test_round_trip_doccano(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "doccano", "--out", "rt.jsonl", "--status", "all")
    documents, spans = imported(cwd, "rt.jsonl", "back.db")
    want_texts, want_spans = original(cwd)
    assert set(documents) == want_texts
    assert {documents[text] for text in want_texts} == {"news", "unicode", "empty", "crlf"}
    # doccano lines carry offsets and labels; the analyst rides in meta.annotator.
    got = {(s["doc_text"], s["start"], s["end"], s["label"]) for s in spans}
    assert got == {span[:4] for span in want_spans}


def test_round_trip_labelstudio(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "labelstudio", "--out", "rt.json", "--status", "all")
    documents, spans = imported(cwd, "rt.json", "back.db")
    want_texts, want_spans = original(cwd)
    assert set(documents) == want_texts
    got = {(s["doc_text"], s["start"], s["end"], s["label"], s["annotator"]) for s in spans}
    assert got == want_spans  # code points both ways: the emoji, CJK and combining-mark spans land
    assert [s["note"] for s in spans if s["note"]] in ([], ["line one\nline two"])


def test_round_trip_brat(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "brat", "--out", "rt.brat", "--status", "all")
    documents, spans = imported(cwd, "rt.brat", "back.db")
    want_texts, want_spans = original(cwd)
    assert set(documents) == want_texts
    # A span written in fragments (it crosses a paragraph break) comes back whole, or as
    # fragments that say which brat span they belong to.
    whole: dict[tuple[str, str], tuple[int, int, str, str]] = {}
    got = set()
    for s in spans:
        who = s["attrs"].get("Annotator", s["annotator"])
        if "fragments" in s["attrs"]:
            key = (s["doc_text"], s["attrs"]["brat_id"])
            start, end, _, _ = whole.get(key, (s["start"], s["end"], "", ""))
            whole[key] = (min(start, s["start"]), max(end, s["end"]), s["label"], who)
        else:
            got.add((s["doc_text"], s["start"], s["end"], s["label"], who))
    got |= {(text, start, end, label, who) for (text, _), (start, end, label, who) in whole.items()}
    assert {span[:4] for span in got} == {span[:4] for span in want_spans}
    # Each span names (as its analyst, or in its Annotator attribute) an analyst who made it.
    # Two analysts' identical spans come back as both only if the importer takes the
    # Annotator attribute as the analyst.
    assert got <= want_spans
    notes = {s["note"] for s in spans if s["note"]}
    assert notes <= {"line one\nline two", "line one\\nline two"} and notes


def test_stdout_of_a_real_process_is_the_file_bytes(db: Path) -> None:
    from test_export import run_process

    cwd = db.parent
    export(cwd, "--format", "conll", "--out", "file.conll")
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "export", "--db", "project.db", "--format", "conll", "--out", "-"],
        capture_output=True, cwd=cwd, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (cwd / "file.conll").read_bytes()
    assert b"spans written" in result.stderr
    refused = run_process(cwd, "export", "--db", "project.db", "--format", "spacy", "--out", "-")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
