"""The small messages a newcomer meets on the command line, read as they are printed.

Each test runs the real `annotator` command (annotator.cli.main, as the console script
does) on real files and real SQLite databases in a temporary folder.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cli_support import run_cli

from annotator.errors import counted, json_problem
from annotator.text import content_hash

NAME = "cli-tester"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME, env=env)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stdout + result.stderr
    return [line for line in result.stderr.splitlines() if line.strip()]


def span_analysts(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("SELECT label, annotator FROM spans").fetchall())
    finally:
        conn.close()


def jsonl(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


# -- 1. JSON errors ----------------------------------------------------------------------


def test_a_broken_jsonl_line_names_file_line_and_column_once(tmp_path: Path) -> None:
    line3 = '{"text": "Rates rose.", "title": "Unfinished'
    column = line3.index('"Unfinished') + 1  # the string's opening quote, counted from 1
    source = tmp_path / "file.jsonl"
    source.write_text('{"text": "One."}\n{"text": "Two."}\n' + line3 + '\n{"text": "Four."}\n', encoding="utf-8")
    result = run(tmp_path, "import", "file.jsonl", "--db", "a.db")
    assert result.returncode == 1
    assert error_lines(result) == [
        f"annotator: file.jsonl:3: not valid JSON: Unterminated string starting at column {column}"
    ]
    assert "at at" not in result.stderr


def test_a_json_array_error_names_the_line_and_column_in_the_file(tmp_path: Path) -> None:
    # The string on line 3 runs into a raw line break at its end: JSON forbids that.
    (tmp_path / "a.json").write_text('[\n {"text": "a"},\n {"text": "b}\n]\n', encoding="utf-8")
    result = run(tmp_path, "import", "a.json", "--db", "a.db")
    assert result.returncode == 1
    assert error_lines(result) == ["annotator: a.json:3: not valid JSON: Invalid control character at column 14"]


def test_a_truncated_last_line_still_says_the_file_looks_truncated(tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text('{"text": "a"}\n{"text": "abc', encoding="utf-8")
    result = run(tmp_path, "import", "t.jsonl", "--db", "a.db")
    assert error_lines(result) == [
        "annotator: t.jsonl:2: not valid JSON: Unterminated string starting at column 10 (the file looks truncated)"
    ]


def test_json_problem_joins_every_kind_of_parser_message_once() -> None:
    cases = {
        '{"a": "b': "Unterminated string starting at column 7",
        '{"a" 1}': "Expecting ':' delimiter at column 6",
        '{"a": 1} x': "Extra data at column 10",
        "": "Expecting value at column 1",
    }
    for raw, expected in cases.items():
        with pytest.raises(json.JSONDecodeError) as caught:
            json.loads(raw)
        assert json_problem(caught.value.msg, caught.value.colno) == expected


# -- 2. counts agree with their nouns ----------------------------------------------------


def test_counted_agrees_with_its_noun() -> None:
    assert counted(1, "progress mark") == "1 progress mark"
    assert counted(0, "progress mark") == "0 progress marks"
    assert counted(1, "history entry", "history entries") == "1 history entry"
    assert counted(3, "history entry", "history entries") == "3 history entries"


def test_a_new_version_with_one_span_that_stayed_says_one_span(tmp_path: Path) -> None:
    first = "Prices Rose Sharply Today\n\nMinister Alice Smith said prices rose 5%."
    jsonl(tmp_path / "v1.jsonl", {"id": "story", "text": first, "spans": [
        {"start": 0, "end": 6, "label": "QUANTITY", "annotator": "ann"},
    ]})
    assert run(tmp_path, "import", "v1.jsonl", "--db", "a.db").returncode == 0
    jsonl(tmp_path / "v2.jsonl", {"id": "story", "text": first.replace("5%", "6%")})
    result = run(tmp_path, "import", "v2.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "new version of 'story': 1 span stayed, 0 moved" in result.stdout
    assert "1 changed article updated: 1 span stayed, 0 moved" in result.stdout
    assert "1 spans" not in result.stdout


def test_agreement_counts_one_unit_as_one_unit(tmp_path: Path) -> None:
    text = "Alice met Bob in Paris."
    jsonl(tmp_path / "two.jsonl", {"id": "d1", "text": text, "spans": [
        {"start": 0, "end": 5, "label": "PERSON", "annotator": "ann"},
        {"start": 0, "end": 5, "label": "PERSON", "annotator": "bob"},
        {"start": 10, "end": 13, "label": "PERSON", "annotator": "ann"},
    ]})
    assert run(tmp_path, "import", "two.jsonl", "--db", "a.db").returncode == 0
    result = run(tmp_path, "agreement", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    # One unit (the token "Bob") is disagreed on.
    assert re.search(r"^\s+1 unit\s+alpha", result.stdout, re.MULTILINE), result.stdout
    assert "1 units" not in result.stdout


# -- 3. an empty split part says why -----------------------------------------------------


def test_an_empty_split_part_says_the_documents_are_too_few(tmp_path: Path) -> None:
    assert run(tmp_path, "import", str(CORPUS), "--db", "a.db").returncode == 0
    result = run(tmp_path, "export", "--db", "a.db", "--split", "train=0.8,dev=0.1,test=0.1", "--out", "out/x.jsonl")
    assert result.returncode == 0, result.stderr
    parts = {line.split(":")[0]: line for line in result.stdout.splitlines() if " wrote " in line}
    empty = [line for line in parts.values() if " wrote 0 documents " in line]
    assert empty, result.stdout  # the five sample articles leave a 10% part empty
    for line in empty:
        assert line.endswith("(5 documents are too few for a 10% part)"), line
    for line in parts.values():
        if line not in empty:
            assert "(" not in line.split(" to ")[-1], line


def test_an_empty_split_part_with_enough_documents_says_the_hashes_fell_elsewhere(tmp_path: Path) -> None:
    # Ten texts whose hashes all land past 0.3: part `a` (30%) expects three, gets none.
    texts: list[str] = []
    number = 0
    while len(texts) < 10:
        text = f"Article number {number} about the harvest."
        number += 1
        if int(content_hash(text)[:8], 16) / 2**32 >= 0.3:
            texts.append(text)
    jsonl(tmp_path / "many.jsonl", *({"id": f"d{i}", "text": text} for i, text in enumerate(texts)))
    assert run(tmp_path, "import", "many.jsonl", "--db", "a.db").returncode == 0
    result = run(tmp_path, "export", "--db", "a.db", "--split", "a=0.3,b=0.7", "--out", "x.jsonl")
    assert result.returncode == 0, result.stderr
    assert "a: wrote 0 documents to x.a.jsonl (none of the 10 documents fell in its 30%:" in result.stdout
    assert "b: wrote 10 documents to x.b.jsonl\n" in result.stdout


def test_split_parts_with_nothing_to_export_say_so(tmp_path: Path) -> None:
    assert run(tmp_path, "import", str(CORPUS), "--db", "a.db").returncode == 0
    # CoNLL writes the articles someone worked on; nobody has yet.
    result = run(tmp_path, "export", "--db", "a.db", "--format", "conll", "--split", "train=0.5,test=0.5", "--out", "x.conll")
    assert result.returncode == 0, result.stderr
    assert "train: wrote 0 documents to x.train.conll (no document to export)" in result.stdout
    assert "test: wrote 0 documents to x.test.conll (no document to export)" in result.stdout
    assert "5 documents left out: nobody worked on them" in result.stdout


# -- 4. a folder's unsupported files are counted, the rest imported ----------------------


def test_a_folder_import_says_which_files_it_skipped_and_imports_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.txt").write_text("Harvest Begins Early This Year\n\nFarmers said so.\n", encoding="utf-8")
    (folder / "two.md").write_text("Rain Returns To The Valley\n\nIt rained.\n", encoding="utf-8")
    for name in ("report.pdf", "scan.PDF", "notes.docx", "README"):
        (folder / name).write_bytes(b"%PDF-1.4 not an article")
    (folder / ".hidden.pdf").write_bytes(b"hidden files stay unmentioned")
    result = run(tmp_path, "import", "in", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert error_lines(result) == [
        "annotator: in: skipped 4 files: 2 .pdf, 1 .docx, 1 with no suffix; "
        "annotator reads .txt, .md, .jsonl, .json, .ann, .conll, .bio, .iob or .spacy files"
    ]
    assert "2 documents added" in result.stdout


def test_a_folder_of_only_unsupported_files_fails_saying_what_it_holds(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.pdf").write_bytes(b"%PDF")
    result = run(tmp_path, "import", "in", "--db", "a.db")
    assert result.returncode == 1
    [line] = error_lines(result)
    assert line.endswith("files in this folder (it holds 1 file: 1 .pdf)")
    assert not (tmp_path / "a.db").exists()


# -- 5. spans with no analyst: whom they were credited to --------------------------------


def _mixed(tmp_path: Path) -> None:
    jsonl(tmp_path / "s.jsonl", {"text": "Alice met Bob in Paris.", "spans": [
        {"start": 0, "end": 5, "label": "PERSON"},
        {"start": 17, "end": 22, "label": "PLACE"},
        {"start": 10, "end": 13, "label": "PERSON", "annotator": "carol"},
    ]})


def test_spans_without_an_analyst_are_credited_out_loud(tmp_path: Path) -> None:
    _mixed(tmp_path)
    result = run(tmp_path, "import", "s.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if "no analyst" in line]
    assert said == [f"2 spans with no analyst credited to '{NAME}' (pass --annotator to choose)"]
    assert span_analysts(tmp_path / "a.db") == [("PERSON", "carol"), ("PERSON", NAME), ("PLACE", NAME)]
    # Chosen with --annotator: nothing to announce. A file naming every analyst: neither.
    chosen = run(tmp_path, "import", "s.jsonl", "--db", "b.db", "--annotator", "dana")
    assert chosen.returncode == 0 and "no analyst" not in chosen.stdout
    assert span_analysts(tmp_path / "b.db") == [("PERSON", "carol"), ("PERSON", "dana"), ("PLACE", "dana")]
    jsonl(tmp_path / "named.jsonl", {"text": "Carol met Dana.", "spans": [
        {"start": 0, "end": 5, "label": "PERSON", "annotator": "carol"},
    ]})
    named = run(tmp_path, "import", "named.jsonl", "--db", "a.db")
    assert named.returncode == 0 and "no analyst" not in named.stdout


# -- 6. what --annotator means, command by command ---------------------------------------


@pytest.mark.parametrize(
    ("command", "meaning"),
    [
        (["annotate"], "Your name: the analyst the spans you tag are saved under"),
        (["import"], "The analyst credited with imported spans that the file credits to no one"),
        (["export"], "Only this analyst's spans (repeatable; default: every analyst's). Not your name"),
        ([], "Your name in the app (default: $ANNOTATOR_NAME, else your OS user). Before a command it means"),
    ],
)
def test_each_help_says_what_annotator_means_there(tmp_path: Path, command: list[str], meaning: str) -> None:
    result = run(tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())  # the help as read, whatever the wrapping
    assert words.count("--annotator NAME") == 1
    assert words.split("--annotator NAME")[1].lstrip().startswith(meaning)


@pytest.mark.parametrize("command", ["stats", "search"])
def test_annotator_after_a_command_without_one_gives_the_reason(tmp_path: Path, command: str) -> None:
    assert run(tmp_path, "import", str(CORPUS), "--db", "a.db").returncode == 0
    args = [command, "x"] if command == "search" else [command]
    for given in ([*args, "--annotator", "alice", "--db", "a.db"], ["--annotator", "alice", *args, "--db", "a.db"]):
        result = run(tmp_path, *given)
        assert result.returncode == 2
        [line] = error_lines(result)
        assert line.startswith(f"annotator: --annotator does not apply to '{command}' (")


# -- other first-hour messages -----------------------------------------------------------


def test_an_unknown_format_reads_as_one_sentence(tmp_path: Path) -> None:
    result = run(tmp_path, "export", "--format", "csv")
    [line] = error_lines(result)
    assert re.search(r"'spacy' \(see '[^']*annotator export --help'\)$", line), line


def test_an_export_over_an_existing_file_says_it_replaced_it(tmp_path: Path) -> None:
    assert run(tmp_path, "import", str(CORPUS), "--db", "a.db").returncode == 0
    (tmp_path / "out.jsonl").write_text("someone's notes\n", encoding="utf-8")
    first = run(tmp_path, "export", "--db", "a.db", "--out", "out.jsonl")
    assert first.stdout.strip() == "wrote 5 documents to out.jsonl (replaced the file that was there)"
    fresh = run(tmp_path, "export", "--db", "a.db", "--format", "doccano", "--status", "all", "--out", "new.jsonl")
    assert fresh.stdout.splitlines()[0] == "wrote 5 documents to new.jsonl"
    again = run(tmp_path, "export", "--db", "a.db", "--format", "doccano", "--status", "all", "--out", "new.jsonl")
    assert again.stdout.splitlines()[0] == "wrote 5 documents to new.jsonl (replaced the file that was there)"
