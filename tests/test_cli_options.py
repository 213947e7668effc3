"""Shared options mean the same before and after the command, or are refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import run_cli

from annotator.store import Store

NAME = "options-tester"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """team.db with the sample corpus and one span by alice."""
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        from annotator.importers import collect_files, import_paths

        files, _ = collect_files([CORPUS])
        import_paths(store, files, annotator="import")
        document = store.document(store.list_documents()[0].id)
        store.add_span(document, 0, 5, "ORG", "alice")
    return db


def test_db_before_the_command_is_the_database_used(tmp_path: Path, team: Path) -> None:
    before = run(tmp_path, "--db", "team.db", "stats", "--json")
    after = run(tmp_path, "stats", "--json", "--db", "team.db")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert json.loads(before.stdout)["spans"] == 1
    assert not (tmp_path / "annotator.db").exists()


def test_import_with_db_before_the_command_goes_into_that_file(tmp_path: Path) -> None:
    article = tmp_path / "one.txt"
    article.write_text("A headline here\n\nSome text.\n", encoding="utf-8")
    result = run(tmp_path, "--db", "team.db", "import", "one.txt")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "annotator.db").exists()
    with Store.open(tmp_path / "team.db", create=False) as store:
        assert store.document_count() == 1


def test_annotator_before_the_command_is_your_name(tmp_path: Path) -> None:
    """The name is honoured: 'gold' is refused as a name whether it stands before or after.

    A labels file that does not parse makes sure the app never opens, whatever happens.
    """
    (tmp_path / "labels.json").write_text("not json", encoding="utf-8")
    for args in (("--annotator", "gold", "annotate"), ("annotate", "--annotator", "gold")):
        line = one_error_line(run(tmp_path, "--db", "team.db", *args, "--labels", "labels.json"))
        assert "reserved" in line
    assert not (tmp_path / "annotator.db").exists()


def test_annotate_with_db_before_the_command_opens_that_file(tmp_path: Path) -> None:
    """A labels file that does not parse stops the app after the database is opened."""
    labels = tmp_path / "labels.json"
    labels.write_text("not json", encoding="utf-8")
    result = run(tmp_path, "--db", "team.db", "--annotator", "zed", "annotate", "--labels", "labels.json")
    assert result.returncode != 0
    assert (tmp_path / "team.db").exists()
    assert not (tmp_path / "annotator.db").exists()


def test_export_annotator_before_the_command_filters_the_same(tmp_path: Path, team: Path) -> None:
    before = run(tmp_path, "--db", "team.db", "--annotator", "alice", "export", "--out", "before.jsonl")
    after = run(tmp_path, "--db", "team.db", "export", "--annotator", "alice", "--out", "after.jsonl")
    assert before.returncode == 0, before.stderr
    written = (tmp_path / "before.jsonl").read_text(encoding="utf-8")
    assert written == (tmp_path / "after.jsonl").read_text(encoding="utf-8")
    assert '"alice"' in written
    missing = run(tmp_path, "--db", "team.db", "--annotator", "nobody", "export", "--out", "none.jsonl")
    assert "nobody" in one_error_line(missing)


@pytest.mark.parametrize("command", ["stats", "agreement", "merge", "backup"])
def test_annotator_before_a_command_without_one_is_refused(tmp_path: Path, team: Path, command: str) -> None:
    extra = {"merge": ["team.db"], "backup": ["copy.db"]}.get(command, [])
    line = one_error_line(run(tmp_path, "--db", "team.db", "--annotator", "alice", command, *extra))
    assert f"--annotator does not apply to '{command}'" in line
    assert not (tmp_path / "copy.db").exists()


def test_two_different_databases_are_refused(tmp_path: Path, team: Path) -> None:
    line = one_error_line(run(tmp_path, "--db", "team.db", "stats", "--db", "other.db"))
    assert "--db is given twice" in line
    assert not (tmp_path / "other.db").exists()


@pytest.mark.parametrize("command", [["stats"], ["export"], ["agreement"], ["backup", "copy.db"], ["merge", "team.db"]])
def test_a_mistyped_database_is_not_created(tmp_path: Path, team: Path, command: list[str]) -> None:
    line = one_error_line(run(tmp_path, "--db", "tema.db", *command))
    assert "tema.db: no such database" in line
    assert not (tmp_path / "tema.db").exists()
    assert not (tmp_path / "copy.db").exists()
