"""The `annotator` command as a user runs it: help, stats, and one-line errors."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cli_support import run_cli, run_cli_process

from annotator.store import SCHEMA_VERSION, Store

NAME = "cli-tester"


def run_process(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli_process(cwd, *args, name=NAME, env=env)


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME, env=env)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """A failed command: non-zero exit, no traceback, exactly one line on stderr."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("annotator: ")
    return lines[0]


def file_state(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


# -- help ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "example"),
    [
        ([], "annotator import corpus/"),
        (["import"], "annotator import corpus/ --db project.db"),
        (["export"], "annotator export --annotator alice"),
        (["stats"], "annotator stats --db project.db"),
        (["annotate"], "annotator annotate --db project.db --annotator alice"),
    ],
)
def test_help_of_each_command_shows_an_example(tmp_path: Path, command: list[str], example: str) -> None:
    result = run_process(tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert re.search(r"Examples?:", result.stdout)
    assert example in result.stdout
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []  # asking for help creates no database


def test_short_help_and_version(tmp_path: Path) -> None:
    assert run_process(tmp_path, "export", "-h").returncode == 0
    version = run_process(tmp_path, "--version")
    assert version.returncode == 0
    assert re.match(r"annotator, version \d+\.\d+", version.stdout)


def test_every_command_is_listed_in_the_main_help(tmp_path: Path) -> None:
    out = run(tmp_path, "--help").stdout
    for name in ("annotate", "import", "export", "stats"):
        assert re.search(rf"^\s+{name}\s", out, re.MULTILINE), name


# -- stats -----------------------------------------------------------------------------


@pytest.fixture
def stats_db(tmp_path: Path) -> Path:
    path = tmp_path / "stats.db"
    with Store.open(path) as store:
        a = store.add_document("a", "A", "Sadyr Japarov met Vladimir Putin in Kazan.").document
        b = store.add_document("b", "B", "Four militants were killed in Bishkek.").document
        store.add_document("c", "C", "Nobody has tagged this one.")
        store.add_span(a, 0, 13, "PERSON", "alice")
        store.add_span(a, 18, 32, "PERSON", "alice")
        store.add_span(a, 36, 41, "PLACE", "alice")
        store.add_span(a, 0, 13, "PERSON", "bob")
        store.add_span(b, 0, 4, "QUANTITY", "bob")
        store.add_span(b, 29, 36, "PLACE", "bob")
        store.add_span(b, 0, 37, "CLAIM", "bob")
        gone = store.add_span(b, 5, 14, "ORG", "carol")
        store.delete_span(b, gone.uid, "carol")
    return path


def test_stats_json_parses_and_counts_per_label_and_annotator(stats_db: Path) -> None:
    result = run(stats_db.parent, "stats", "--db", "stats.db", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["documents"] == 3
    assert figures["spans"] == 7
    assert figures["documents_with_spans"] == 2
    assert {row["label"]: (row["kind"], row["spans"]) for row in figures["by_label"]} == {
        "PERSON": ("entity", 3),
        "PLACE": ("entity", 2),
        "QUANTITY": ("quantity", 1),
        "CLAIM": ("claim", 1),
    }
    assert {row["kind"]: row["spans"] for row in figures["by_kind"]} == {"entity": 5, "quantity": 1, "claim": 1}
    by_annotator = {row["annotator"]: row for row in figures["by_annotator"]}
    assert set(by_annotator) == {"alice", "bob"}  # carol's only span was deleted
    assert (by_annotator["alice"]["spans"], by_annotator["alice"]["documents"]) == (3, 1)
    assert (by_annotator["bob"]["spans"], by_annotator["bob"]["documents"]) == (4, 2)
    assert by_annotator["bob"]["last_update"]


def test_stats_text_shows_the_same_figures(stats_db: Path) -> None:
    result = run(stats_db.parent, "stats", "--db", "stats.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"Documents: 3\s+with analysts' spans: 2 \(67%\)", out)
    assert re.search(r"^Analysts' spans: 7$", out, re.MULTILINE)
    assert re.search(r"^Gold spans:\s+0 in 0 documents", out, re.MULTILINE)
    # analysts' spans, then gold in a column of its own
    assert re.search(r"^\s+PERSON\s+entity\s+3\s+0$", out, re.MULTILINE)
    assert re.search(r"^\s+PLACE\s+entity\s+2\s+0$", out, re.MULTILINE)
    assert re.search(r"^\s+QUANTITY\s+quantity\s+1\s+0$", out, re.MULTILINE)
    assert re.search(r"^\s+CLAIM\s+claim\s+1\s+0$", out, re.MULTILINE)
    assert re.search(r"^\s+alice\s+3\s+1\s+0\s+0%", out, re.MULTILINE)  # spans, documents, done, done %
    assert re.search(r"^\s+bob\s+4\s+2\s+0\s+0%", out, re.MULTILINE)
    assert "carol" not in out


def test_stats_never_prints_terminal_controls(tmp_path: Path) -> None:
    with Store.open(tmp_path / "evil.db") as store:
        doc = store.add_document("a", "A", "Some text here.").document
        store.add_span(doc, 0, 4, "PLACE", "eve\x1b]0;pwned\x07")
    result = run_process(tmp_path, "stats", "--db", "evil.db")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_stats_on_an_empty_database(tmp_path: Path) -> None:
    Store.open(tmp_path / "empty.db").close()
    result = run(tmp_path, "stats", "--db", "empty.db")
    assert result.returncode == 0, result.stderr
    assert "Documents: 0" in result.stdout
    assert json.loads(run(tmp_path, "stats", "--db", "empty.db", "--json").stdout)["spans"] == 0


def test_default_database_comes_from_the_environment(stats_db: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(elsewhere, "stats", "--json", env={"ANNOTATOR_DB": str(stats_db)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["spans"] == 7
    assert list(elsewhere.iterdir()) == []


# -- errors: one line, no traceback, nothing changed -----------------------------------------


def test_stats_on_a_missing_database(tmp_path: Path) -> None:
    line = one_error_line(run(tmp_path, "stats", "--db", "nope.db"))
    assert "nope.db: no such database" in line
    assert not (tmp_path / "nope.db").exists()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("just some notes\n" * 10, encoding="utf-8")
    before = file_state(tmp_path / "notes.db")
    for args in (["stats"], ["export", "--out", "x.jsonl"]):
        line = one_error_line(run_process(tmp_path, *args, "--db", "notes.db"))
        assert "notes.db: not an annotator database" in line
    (tmp_path / "a.txt").write_text("Headline For The Test\n\nBody.\n", encoding="utf-8")
    line = one_error_line(run_process(tmp_path, "import", "a.txt", "--db", "notes.db"))
    assert "notes.db: not an annotator database" in line
    assert file_state(tmp_path / "notes.db") == before
    assert not (tmp_path / "x.jsonl").exists()


def test_another_programs_sqlite_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO customers VALUES (1, 'x')")
    conn.commit()
    conn.close()
    before = file_state(path)
    (tmp_path / "a.txt").write_text("Headline For The Test\n\nBody.\n", encoding="utf-8")
    line = one_error_line(run(tmp_path, "import", "a.txt", "--db", "other.db"))
    assert "other.db: is an SQLite file but not an annotator database" in line
    assert file_state(path) == before


def test_a_database_from_a_newer_annotator_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE documents (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = file_state(path)
    (tmp_path / "a.txt").write_text("Headline For The Test\n\nBody.\n", encoding="utf-8")
    for args in (["stats"], ["export", "--out", "-"], ["import", "a.txt"]):
        line = one_error_line(run(tmp_path, *args, "--db", "future.db"))
        assert "future.db: made by a newer annotator" in line
    assert file_state(path) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import"], "Missing argument 'PATHS...'"),
        (["export", "--kind", "topic"], "Invalid value for '--kind'"),
        (["stats", "--db", "."], "Invalid value for '--db'"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["export", "--no-such-flag"], "No such option '--no-such-flag'"),
    ],
)
def test_usage_errors_are_one_line_pointing_to_help(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_process(tmp_path, *args)
    line = one_error_line(result)
    assert result.returncode == 2
    assert message in line and "--help" in line


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("gold", "annotator name 'gold' is reserved"),
        ("   ", "annotator name is empty"),
        ("bad\x1bname", "control characters"),
        ("x" * 65, "longer than 64 characters"),
    ],
)
def test_bad_annotator_names_are_refused_before_anything_is_written(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "a.txt").write_text("Headline For The Test\n\nBody.\n", encoding="utf-8")
    line = one_error_line(run(tmp_path, "import", "a.txt", "--db", "a.db", "--annotator", name))
    assert message in line
    assert not (tmp_path / "a.db").exists()


def test_import_then_export_then_stats_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "story.txt").write_text(
        "Kyrgyz Officials Foil Attempted Terror Attacks\n\nFour militants were killed.\n", encoding="utf-8"
    )
    (tmp_path / "in" / "tags.jsonl").write_text(
        json.dumps(
            {
                "text": "Kyrgyz Officials Foil Attempted Terror Attacks\n\nFour militants were killed.",
                "spans": [{"start": 48, "end": 52, "label": "QUANTITY", "text": "Four", "annotator": "dana"}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    imported = run_process(tmp_path, "import", "in")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[-1] == "1 document added, 1 already present, 1 span added"
    assert (tmp_path / "annotator.db").exists()  # the default database, in the working folder
    figures = json.loads(run_process(tmp_path, "stats", "--json").stdout)
    assert (figures["documents"], figures["spans"]) == (1, 1)
    assert figures["by_annotator"][0]["annotator"] == "dana"
    exported = run_process(tmp_path, "export", "--out", "-")
    (row,) = [json.loads(line) for line in exported.stdout.splitlines()]
    assert row["id"] == "story" and row["spans"][0]["text"] == "Four"
