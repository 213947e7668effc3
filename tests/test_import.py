"""`annotator import`: plain text and JSONL files and folders into a real database file."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest
from cli_support import documents, run_cli, run_cli_process, snapshot

from annotator.importers import collect_files, import_file
from annotator.store import Store

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"

NAME = "importer"


def run_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli_process(cwd, *args, name=NAME)


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME, env=env)


def spans_of(db: Path, key: str) -> list:
    with Store.open(db, create=False) as store:
        doc = next(store.document(s.id) for s in store.list_documents() if s.key == key)
        return store.spans(doc.id)


def write_jsonl(path: Path, *objects: object, newline: str = "\n") -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + newline for o in objects), encoding="utf-8")
    return path


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout


# -- plain text and folders ---------------------------------------------------------------


def article(title: str, body: str) -> str:
    return f"{title}\n\n{body}\n"


def test_folder_is_walked_in_stable_sorted_order(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    # Created out of order on purpose: the order on disk must not matter.
    for name in ["c.md", "sub/b2.txt", "a.txt", "B.txt", "sub/a1.txt", ".hidden/z.txt", ".dot.txt"]:
        (folder / name).write_text(article(f"Headline Number For {name}", f"Body of {name}."), encoding="utf-8")
    (folder / "notes.csv").write_text("a,b\n", encoding="utf-8")

    result = run(tmp_path, "import", "in", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "5 documents added" in result.stdout
    docs = documents(tmp_path / "a.db")
    assert [d.key for d in docs] == ["B", "a", "c", "a1", "b2"]
    assert [d.position for d in docs] == [0, 1, 2, 3, 4]
    assert all("hidden" not in d.key and d.key != ".dot" for d in docs)

    # The same folder imported elsewhere gives the same order.
    files, problems = collect_files([folder])
    assert problems == []
    assert [p.relative_to(folder).as_posix() for p in files] == ["B.txt", "a.txt", "c.md", "sub/a1.txt", "sub/b2.txt"]


def test_same_content_twice_adds_no_second_document_and_says_so(tmp_path: Path) -> None:
    text = article("Kyrgyz Officials Foil Attempted Terror Attacks", "Four militants were killed.")
    (tmp_path / "one.txt").write_text(text, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(text.replace("\n", "\r\n"), encoding="utf-8")  # same text, CRLF

    first = run(tmp_path, "import", "one.txt", "--db", "a.db")
    assert first.returncode == 0, first.stderr
    before = snapshot(tmp_path / "a.db")

    again = run(tmp_path, "import", "one.txt", "copy.txt", "--db", "a.db")
    assert again.returncode == 0, again.stderr
    assert "0 documents added, 2 already present" in again.stdout
    assert "one.txt: already imported as 'one'" in again.stdout
    assert "copy.txt: already imported as 'one'" in again.stdout
    assert snapshot(tmp_path / "a.db") == before


def test_same_key_different_text_gets_a_new_key(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "story.txt").write_text(article("First Story Headline Here", "One."), encoding="utf-8")
    (tmp_path / "y" / "story.txt").write_text(article("Second Story Headline Here", "Two."), encoding="utf-8")
    assert run(tmp_path, "import", "x", "y", "--db", "a.db").returncode == 0
    assert [d.key for d in documents(tmp_path / "a.db")] == ["story", "story-2"]


def test_plain_text_is_stored_canonical(tmp_path: Path) -> None:
    raw = "\ufeffBOM Headline For This Story\r\n\r\nLine one\rLine two\u2028Line three\r\n"
    (tmp_path / "bom.txt").write_bytes(raw.encode("utf-8"))
    assert run(tmp_path, "import", "bom.txt", "--db", "a.db").returncode == 0
    (doc,) = documents(tmp_path / "a.db")
    assert doc.text == "BOM Headline For This Story\n\nLine one\nLine two\nLine three"
    assert doc.title == "BOM Headline For This Story"


def test_latin1_text_needs_and_accepts_encoding(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 Owners Protest New Tax\n\nIt rose 5 \x80.\n".encode("latin-1"))
    failed = run_process(tmp_path, "import", "latin.txt", "--db", "a.db")
    assert_clean_failure(failed)
    (line,) = stderr_lines(failed)
    assert "latin.txt:1: not valid UTF-8" in line and "--encoding" in line
    assert snapshot(tmp_path / "a.db")["documents"] == []

    ok = run_process(tmp_path, "import", "latin.txt", "--db", "a.db", "--encoding", "cp1252")
    assert ok.returncode == 0, ok.stderr
    (doc,) = documents(tmp_path / "a.db")
    assert doc.title == "Café Owners Protest New Tax"
    assert "5 €." in doc.text


def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """What Windows Notepad saves as "Unicode": not binary, though full of NUL bytes."""
    text = "Windows Unicode Headline Here\r\n\r\nIt cost €5 and 😀.\r\n"
    (tmp_path / "notepad.txt").write_bytes(text.encode("utf-16"))
    (tmp_path / "notepad.jsonl").write_bytes((json.dumps({"text": "Big-endian ✓"}) + "\n").encode("utf-16-be").join([b"\xfe\xff", b""]))
    result = run(tmp_path, "import", "notepad.txt", "notepad.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    first, second = documents(tmp_path / "a.db")
    assert first.text == "Windows Unicode Headline Here\n\nIt cost €5 and 😀."
    assert second.text == "Big-endian ✓"


def test_missing_path_and_unsupported_type_are_reported_and_create_nothing(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    result = run(tmp_path, "import", "nothing-here", "data.csv", "--db", "a.db")
    assert_clean_failure(result)
    lines = stderr_lines(result)
    assert len(lines) == 2
    assert "nothing-here: no such file or folder" in lines[0]
    assert "data.csv: unsupported file type .csv" in lines[1]
    assert not (tmp_path / "a.db").exists()


# -- JSONL ---------------------------------------------------------------------------------


def test_jsonl_without_spans(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "plain.jsonl",
        {"text": "Officials Report Quiet Night\n\nNothing happened.", "id": "q1", "meta": {"src": "wire"}},
        {"text": "Second text without an id.", "title": "Given Title"},
    )
    result = run(tmp_path, "import", "plain.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "2 documents added, 0 already present, 0 spans added" in result.stdout
    first, second = documents(tmp_path / "a.db")
    assert (first.key, first.title, first.meta) == ("q1", "Officials Report Quiet Night", {"src": "wire"})
    assert (second.key, second.title) == ("plain-2", "Given Title")  # file stem and line number


def test_jsonl_with_spans_keeps_annotators_labels_and_kinds(tmp_path: Path) -> None:
    text = "Sadyr Japarov met Vladimir Putin in Kazan."
    write_jsonl(
        tmp_path / "spans.jsonl",
        {
            "id": "meet",
            "text": text,
            "spans": [
                {"start": 0, "end": 13, "label": "PERSON", "annotator": "alice", "note": "president"},
                {"start": 18, "end": 32, "label": "PERSON"},
                {"start": 36, "end": 41, "label": "CITY", "kind": "entity", "text": "Kazan"},
                {"start": 0, "end": 41, "label": "MEETING", "kind": "claim", "attrs": {"certainty": 0.9}},
            ],
        },
    )
    result = run(tmp_path, "import", "spans.jsonl", "--db", "a.db", "--annotator", "bob")
    assert result.returncode == 0, result.stderr
    assert "1 document added, 0 already present, 4 spans added" in result.stdout
    spans = spans_of(tmp_path / "a.db", "meet")
    by_label = {s.label: s for s in spans if s.annotator == "bob"}
    assert by_label["PERSON"].text == "Vladimir Putin"
    assert by_label["MEETING"].attrs == {"certainty": 0.9}
    assert {(s.start, s.end, s.label, s.annotator, s.note) for s in spans} == {
        (0, 13, "PERSON", "alice", "president"),
        (18, 32, "PERSON", "bob", ""),
        (36, 41, "CITY", "bob", ""),
        (0, 41, "MEETING", "bob", ""),
    }
    with Store.open(tmp_path / "a.db", create=False) as store:
        labels = store.label_map()
    assert labels["CITY"].kind == "entity"
    assert labels["MEETING"].kind == "claim"


def test_native_spans_are_added_to_an_existing_document_once(tmp_path: Path) -> None:
    text = "Kyrgyz Officials Foil Attempted Terror Attacks\n\nFour militants were killed in Bishkek."
    (tmp_path / "story.txt").write_text(text + "\n", encoding="utf-8")
    assert run(tmp_path, "import", "story.txt", "--db", "a.db").returncode == 0

    bishkek = text.index("Bishkek")
    write_jsonl(
        tmp_path / "tags.jsonl",
        {
            "id": "other-id",
            "title": "Another title",
            "text": text,
            "spans": [
                {"start": bishkek, "end": bishkek + 7, "label": "PLACE", "annotator": "alice", "uid": "u-place"},
                {"start": text.index("Four"), "end": text.index("Four") + 4, "label": "QUANTITY", "annotator": "alice"},
            ],
        },
    )
    first = run(tmp_path, "import", "tags.jsonl", "--db", "a.db")
    assert first.returncode == 0, first.stderr
    assert "0 documents added, 1 already present, 2 spans added" in first.stdout
    assert "tags.jsonl:1: already imported as 'story'" in first.stdout
    (doc,) = documents(tmp_path / "a.db")
    assert (doc.key, doc.title) == ("story", "Kyrgyz Officials Foil Attempted Terror Attacks")
    spans = spans_of(tmp_path / "a.db", "story")
    assert sorted(s.text for s in spans) == ["Bishkek", "Four"]
    assert any(s.uid == "u-place" for s in spans)
    before = snapshot(tmp_path / "a.db")

    again = run(tmp_path, "import", "tags.jsonl", "--db", "a.db")
    assert again.returncode == 0, again.stderr
    assert "0 spans added, 2 already present" in again.stdout
    assert snapshot(tmp_path / "a.db") == before


def test_crlf_jsonl_offsets_are_mapped_to_the_same_characters(tmp_path: Path) -> None:
    text = "\ufeffHeadline Here\r\n\r\nSadyr Japarov said\r\nBishkek is calm.\rEnd\u2028line"
    targets = ["Headline", "Sadyr Japarov", "Bishkek", "said\r\nBishkek", "End", "line"]
    spans = []
    for target in targets:
        start = text.index(target)
        spans.append({"start": start, "end": start + len(target), "label": "OTHER", "text": target})
    # The file itself uses CRLF line endings too.
    write_jsonl(tmp_path / "crlf.jsonl", {"id": "crlf", "text": text, "spans": spans}, newline="\r\n")
    result = run(tmp_path, "import", "crlf.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    (doc,) = documents(tmp_path / "a.db")
    assert doc.text == "Headline Here\n\nSadyr Japarov said\nBishkek is calm.\nEnd\nline"
    stored = spans_of(tmp_path / "a.db", "crlf")
    assert len(stored) == len(targets)
    for span in stored:
        assert doc.text[span.start : span.end] == span.text
    assert sorted(s.text for s in stored) == sorted(t.replace("\r\n", "\n") for t in targets)


def test_emoji_and_cjk_offsets_are_code_points(tmp_path: Path) -> None:
    text = f"{FAMILY} 家庭 news: 我们的记者 met Sadyr Japarov 👍🏽 in Bishkek."
    targets = ["我们的记者", "Sadyr Japarov", "Bishkek", FAMILY]
    spans = [
        {"start": text.index(t), "end": text.index(t) + len(t), "label": "OTHER", "text": t} for t in targets
    ]
    write_jsonl(tmp_path / "emoji.jsonl", {"id": "emoji", "text": text, "spans": spans})
    result = run(tmp_path, "import", "emoji.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    (doc,) = documents(tmp_path / "a.db")
    assert doc.text == text
    stored = {s.text: s for s in spans_of(tmp_path / "a.db", "emoji")}
    assert set(stored) == set(targets)
    assert stored["Sadyr Japarov"].start == text.index("Sadyr")  # code points, not UTF-16 units or bytes
    for target, span in stored.items():
        assert doc.text[span.start : span.end] == target


def test_utf16_offsets_from_other_tools_are_refused(tmp_path: Path) -> None:
    text = f"{FAMILY} Bishkek"
    utf16_start = len(FAMILY.encode("utf-16-le")) // 2 + 1  # where JavaScript would say it starts
    write_jsonl(
        tmp_path / "js.jsonl",
        {"text": text, "spans": [{"start": utf16_start, "end": utf16_start + 7, "label": "PLACE", "text": "Bishkek"}]},
    )
    result = run(tmp_path, "import", "js.jsonl", "--db", "a.db")
    assert_clean_failure(result)
    (line,) = stderr_lines(result)
    assert "js.jsonl:1: spans[0]" in line
    assert snapshot(tmp_path / "a.db")["documents"] == []


# -- bad files ---------------------------------------------------------------------------

GOOD_LINE = {"id": "good-in-bad-file", "text": "This line is fine but its file is not."}


def bad_files(folder: Path) -> dict[str, str]:
    """name -> what the one error line for that file must contain."""
    folder.mkdir()
    ok = json.dumps(GOOD_LINE)
    span_doc = "hello world"
    cases = {
        "01_invalid.jsonl": (f'{ok}\n{{"text": "unclosed\n', ":2: not valid JSON"),
        "02_array.jsonl": (f"{ok}\n[1, 2]\n", ":2: expected a JSON object, got an array"),
        "03_string.jsonl": (f'{ok}\n"just text"\n', ":2: expected a JSON object, got a string"),
        "04_range.jsonl": (
            json.dumps({"text": span_doc, "spans": [{"start": 6, "end": 99, "label": "ORG"}]}) + "\n",
            ":1: spans[0]: offsets 6-99",
        ),
        "05_reversed.jsonl": (
            f"{ok}\n" + json.dumps({"text": span_doc, "spans": [{"start": 6, "end": 2, "label": "ORG"}]}) + "\n",
            ":2: spans[0]: offsets 6-2 are reversed",
        ),
        "06_mismatch.jsonl": (
            json.dumps({"text": span_doc, "spans": [{"start": 0, "end": 5, "label": "ORG", "text": "world"}]}) + "\n",
            ":1: spans[0]: 'text' 'world' does not match",
        ),
        "07_no_text.jsonl": (f'{ok}\n{{"title": "no text"}}\n', ":2: field 'text' must be a string"),
        "08_bad_label.jsonl": (
            json.dumps({"text": span_doc, "spans": [{"start": 0, "end": 5, "label": ""}]}) + "\n",
            ":1: spans[0]: field 'label'",
        ),
        "09_float.jsonl": (
            json.dumps({"text": span_doc, "spans": [{"start": 0.0, "end": 5, "label": "ORG"}]}) + "\n",
            ":1: spans[0]: field 'start' must be an integer",
        ),
        "10_bad_kind.jsonl": (
            json.dumps({"text": span_doc, "spans": [{"start": 0, "end": 5, "label": "X", "kind": "topic"}]}) + "\n",
            ":1: spans[0]: field 'kind'",
        ),
        "11_surrogate.jsonl": (f'{ok}\n{{"text": "bad \\ud800 here"}}\n', ":2: text holds a lone surrogate"),
        "12_control_annotator.jsonl": (
            json.dumps({"text": span_doc, "spans": [{"start": 0, "end": 5, "label": "ORG", "annotator": "a\u001bb"}]})
            + "\n",
            ":1: spans[0]: field 'annotator'",
        ),
        "11b_surrogate_title.jsonl": (f'{ok}\n{{"text": "fine", "title": "x \\udc00"}}\n', ":2: title holds a lone surrogate"),
        "11c_surrogate_note.jsonl": (
            '{"text": "hello world", "spans": [{"start": 0, "end": 5, "label": "ORG", "note": "\\ud800"}]}\n',
            ":1: spans[0].note holds a lone surrogate",
        ),
        "11d_surrogate_meta.jsonl": ('{"text": "fine", "meta": {"k": ["\\ud800"]}}\n', ":1: meta.k[0] holds a lone surrogate"),
        "13_empty.jsonl": ("", ": empty file"),
        "14_blank.jsonl": ("\n  \n\n", ": empty file"),
        "15_empty.txt": ("\n \n", ": empty file"),
    }
    expected: dict[str, str] = {}
    for name, (content, message) in cases.items():
        (folder / name).write_text(content, encoding="utf-8")
        expected[name] = message
    (folder / "20_utf8.jsonl").write_bytes(f"{ok}\n".encode() + b'{"text": "caf\xe9"}\n')
    expected["20_utf8.jsonl"] = ":2: not valid UTF-8"
    (folder / "21_utf8.txt").write_bytes(b"Headline Of This Article\n\nline two\ncaf\xe9\n")
    expected["21_utf8.txt"] = ":4: not valid UTF-8"
    (folder / "22_nul.jsonl").write_bytes(f"{ok}\n".encode() + b'{"text": "a\x00b"}\n')
    expected["22_nul.jsonl"] = ":2: looks binary (NUL byte"
    (folder / "23_gzip.jsonl").write_bytes(gzip.compress(f"{ok}\n".encode()))
    expected["23_gzip.jsonl"] = ": is gzip-compressed data"
    (folder / "24_zip.txt").write_bytes(b"PK\x03\x04rest")
    expected["24_zip.txt"] = ": is a zip archive"
    return expected


def test_bad_files_are_reported_and_the_good_ones_still_go_in(tmp_path: Path) -> None:
    expected = bad_files(tmp_path / "in")
    write_jsonl(tmp_path / "in" / "00_good.jsonl", {"id": "good", "text": "A good document."})
    (tmp_path / "in" / "99_good.txt").write_text(article("Good Article Headline Here", "Body."), encoding="utf-8")

    result = run_process(tmp_path, "import", "in", "--db", "a.db")
    assert_clean_failure(result)
    lines = stderr_lines(result)
    assert len(lines) == len(expected), result.stderr  # one line per bad file
    for name, message in expected.items():
        matching = [line for line in lines if f"{name}:" in line]
        assert len(matching) == 1, (name, lines)
        line = matching[0]
        assert line.startswith("annotator: ")
        assert str(Path("in") / name) + message in line, (name, line)
    assert f"2 documents added, 0 already present, 0 spans added; {len(expected)} files failed" in result.stdout

    # Only the good files went in: nothing of any bad file, not even its good first line.
    assert [d.key for d in documents(tmp_path / "a.db")] == ["good", "99_good"]
    snap = snapshot(tmp_path / "a.db")
    assert snap["spans"] == [] and snap["actions"] == []
    assert {row[0] for row in snap["labels"]} == {"CLAIM", "PERSON", "ORG", "PLACE", "OTHER", "QUANTITY"}
    assert snap["annotators"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "fine"}\n{"text": \n', "bad.jsonl:2: not valid JSON"),
        ('{"text": "fine"}\n42\n', "bad.jsonl:2: expected a JSON object, got a number"),
        (
            '{"text": "hello", "spans": [{"start": 0, "end": 9, "label": "ORG"}]}\n',
            "bad.jsonl:1: spans[0]: offsets 0-9",
        ),
    ],
)
def test_a_bad_file_leaves_the_database_unchanged(tmp_path: Path, content: str, message: str) -> None:
    write_jsonl(
        tmp_path / "first.jsonl",
        {"id": "a", "text": "Alice met Bob.", "spans": [{"start": 0, "end": 5, "label": "PERSON", "annotator": "x"}]},
    )
    assert run(tmp_path, "import", "first.jsonl", "--db", "a.db").returncode == 0
    before = snapshot(tmp_path / "a.db")
    (tmp_path / "bad.jsonl").write_text(content, encoding="utf-8")

    result = run(tmp_path, "import", "bad.jsonl", "--db", "a.db")
    assert_clean_failure(result)
    (line,) = stderr_lines(result)
    assert message in line
    assert snapshot(tmp_path / "a.db") == before


def test_bad_span_in_a_later_record_rolls_back_the_whole_file(tmp_path: Path) -> None:
    """A file goes in whole or not at all: the good first record and its new label too."""
    with Store.open(tmp_path / "a.db") as store:
        path = write_jsonl(
            tmp_path / "two.jsonl",
            {"id": "one", "text": "First document.", "spans": [{"start": 0, "end": 5, "label": "NEWLABEL", "kind": "claim"}]},
            # Valid on its face, but the span is only the "\r" of a CRLF: nothing once stored.
            {"id": "two", "text": "Second\r\ndocument.", "spans": [{"start": 6, "end": 7, "label": "ORG"}]},
        )
        result = import_file(store, path, "someone")
        assert result.error is not None and "two.jsonl:2: spans[0]" in result.error
        assert "line break" in result.error and "outside" not in result.error
        assert (result.added, result.spans_added) == (0, 0)
        assert store.document_count() == 0
        assert "NEWLABEL" not in store.label_map()
