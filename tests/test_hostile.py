"""Hostile and broken input: a correct import with verified offsets, or one clear line.

Every file in tests/hostile/ is imported into a database that already holds an
article; a refused file must leave that database exactly as it was.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.store import Store

HOSTILE = Path(__file__).parent / "hostile"

REFUSED = {
    "binary.txt": r"binary\.txt:\d+: looks binary",
    "gzip-named.jsonl": r"gzip-named\.jsonl: is gzip-compressed data",
    "invalid-utf8.txt": r"invalid-utf8\.txt:3: not valid UTF-8",
    "latin1.txt": r"latin1\.txt:1: not valid UTF-8 .*--encoding cp1252",
    "cp1252.txt": r"cp1252\.txt:1: not valid UTF-8 .*--encoding cp1252",
    "empty.txt": r"empty\.txt: empty file",
    "blank-lines.txt": r"blank-lines\.txt: empty file",
    "nul-bytes.txt": r"nul-bytes\.txt:3: looks binary \(NUL byte",
    "lone-surrogate.jsonl": r"lone-surrogate\.jsonl:1: .*lone surrogate U\+D800",
    "truncated.jsonl": r"truncated\.jsonl:2: not valid JSON.*truncated",
    "not-object.jsonl": r"not-object\.jsonl:2: expected a JSON object",
    "span-out-of-range.jsonl": r"span-out-of-range\.jsonl:1: .*0-99",
    "span-reversed.jsonl": r"span-reversed\.jsonl:1: .*5-2",
    "escape-annotator.jsonl": r"escape-annotator\.jsonl:1: .*annotator.*control characters",
}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def snapshot(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        rows: list[tuple[object, ...]] = []
        for table in ("documents", "spans", "actions", "labels", "annotators", "progress"):
            rows.extend((table, *row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"))
        return rows
    finally:
        conn.close()



@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_file_is_refused_with_one_line_and_nothing_changes(name: str, seeded: Path) -> None:
    before = snapshot(seeded)
    result = run(seeded.parent, "import", str(HOSTILE / name), "--db", str(seeded))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, errors
    assert re.search(REFUSED[name], errors[0]), errors[0]
    assert snapshot(seeded) == before


def _only_document(db: Path, key: str):  # type: ignore[no-untyped-def]
    with Store.open(db, create=False) as store:
        [summary] = [d for d in store.list_documents() if d.key == key]
        return store.document(summary.id), store.spans(summary.id)


@pytest.mark.parametrize(
    ("name", "expected_start"),
    [
        ("bom.txt", "Officials Report Quiet Night\n\nNothing"),
        ("crlf.txt", "Officials Report Quiet Night\n\nNothing"),
        ("lone-cr.txt", "Officials Report Quiet Night\n\nNothing"),
        ("line-separators.txt", "Separators In The Text\n\nFirst\nSecond\nThird\nFourth\nFifth"),
    ],
)
def test_line_breaks_and_bom_are_canonical(name: str, expected_start: str, seeded: Path) -> None:
    result = run(seeded.parent, "import", str(HOSTILE / name), "--db", str(seeded))
    assert result.returncode == 0, result.stderr
    document, _ = _only_document(seeded, Path(name).stem)
    assert document.text.startswith(expected_start)
    assert "\r" not in document.text and "\ufeff" not in document.text
    assert not any(c in document.text for c in "\u2028\u2029\x85\x0b\x0c")


@pytest.mark.parametrize(("name", "encoding", "word"), [("latin1.txt", "latin-1", "café"), ("cp1252.txt", "cp1252", "“No”")])
def test_legacy_encodings_import_when_named(name: str, encoding: str, word: str, seeded: Path) -> None:
    result = run(seeded.parent, "import", str(HOSTILE / name), "--db", str(seeded), "--encoding", encoding)
    assert result.returncode == 0, result.stderr
    document, _ = _only_document(seeded, Path(name).stem)
    assert word in document.text


def test_escape_sequences_are_stored_as_text_and_offsets_hold(seeded: Path) -> None:
    result = run(seeded.parent, "import", str(HOSTILE / "escape-text.txt"), "--db", str(seeded))
    assert result.returncode == 0, result.stderr
    document, _ = _only_document(seeded, "escape-text")
    assert "\x1b[31m" in document.text  # stored as it came; the app shows placeholders


def test_markup_in_labels_and_names_is_kept_literally(seeded: Path) -> None:
    result = run(seeded.parent, "import", str(HOSTILE / "markup-label.jsonl"), "--db", str(seeded))
    assert result.returncode == 0, result.stderr
    document, spans = _only_document(seeded, "m1")
    [span] = spans
    assert (span.label, span.annotator) == ("[bold]PERSON[/bold]", "[red]mallory[/red]")
    assert document.text[span.start : span.end] == span.text == "Alice"


def test_a_50_mb_article_imports(tmp_path: Path) -> None:
    paragraph = "Officials in the capital said on Tuesday that 3,000 people had left — 漢字 and émigrés 👨‍👩‍👧.\n\n"
    body = "Huge Article Headline Here\n\n" + paragraph * (50_000_000 // len(paragraph.encode()) + 1)
    source = tmp_path / "huge.txt"
    source.write_text(body, encoding="utf-8")
    assert source.stat().st_size >= 50_000_000
    result = run(tmp_path, "import", str(source), "--db", str(tmp_path / "big.db"), "--keep-chrome")
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(tmp_path / "big.db")
    try:
        length, title = conn.execute("SELECT length(text), title FROM documents").fetchone()
    finally:
        conn.close()
    assert length == len(body)  # --keep-chrome stores the text as it came
    assert title == "Huge Article Headline Here"
