"""Mistakes a newcomer makes get a clear answer instead of silent, empty results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.errors import InputError
from annotator.labels import load_labels
from annotator.model import Span
from annotator.review import group_spans
from annotator.store import Store
from test_tui_support import SENTENCES, running, status_text


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "annotator", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_export_refuses_an_analyst_with_no_spans_and_suggests_the_spelling(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        document = store.add_document("d", "T", SENTENCES).document
        store.add_span(document, 0, 5, "PERSON", "root")
    result = run(tmp_path, "export", "--db", "a.db", "--annotator", "Root", "--out", "x.jsonl")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["annotator: --annotator Root: no spans by this analyst; did you mean 'root'?"]
    assert not (tmp_path / "x.jsonl").exists()
    ok = run(tmp_path, "export", "--db", "a.db", "--annotator", "root", "--out", "x.jsonl")
    assert ok.returncode == 0, ok.stderr
    assert json.loads((tmp_path / "x.jsonl").read_text())["spans"][0]["annotator"] == "root"


def test_backup_does_not_overwrite_without_force(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db"):
        pass
    assert run(tmp_path, "backup", "b.db", "--db", "a.db").returncode == 0
    again = run(tmp_path, "backup", "b.db", "--db", "a.db")
    assert again.returncode != 0 and "already exists; pass --force" in again.stderr
    assert run(tmp_path, "backup", "b.db", "--db", "a.db", "--force").returncode == 0
    missing = run(tmp_path, "backup", "no/such/dir/b.db", "--db", "a.db")
    assert missing.returncode != 0 and "no such folder" in missing.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("key", ["1", "j", "k", "?"])
def test_label_keys_the_review_screen_uses_are_refused(tmp_path: Path, key: str) -> None:
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"name": "EVENT", "kind": "entity", "key": key, "color": "#ffffff"}]))
    with pytest.raises(InputError, match="key"):
        load_labels(labels)


def test_one_analyst_alone_is_partial_not_agreed() -> None:
    span = Span(uid="a", document_id=1, start=0, end=5, label="PERSON", annotator="alice", text="Alice")
    [group] = group_spans([span], ["alice"], {"PERSON": "entity"})
    assert group.status == "partial"


async def test_status_line_follows_a_retag_under_the_cursor(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("d", "T", SENTENCES)
        async with running(store) as (app, pilot):
            await pilot.press("w", "p")
            await pilot.press("left")  # back onto the word, inside the span
            await pilot.pause()
            assert "in PERSON" in status_text(app)
            await pilot.press("enter", "o")
            await pilot.pause()
            assert "in ORG" in status_text(app) and "in PERSON" not in status_text(app)
