"""Importing large files: a record at a time, in one transaction, with the same result as one record at a time.

The importer reads JSON files as they come and writes new documents a few hundred at
a time (Store.add_new_documents); these check that it gives what adding each record
with Store.add_document gives, refuses a file whole however late its bad record comes,
and does not hold the file in memory.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_cli, snapshot

from annotator.importers import import_file
from annotator.model import NewSpan
from annotator.store import Store

NAME = "importer"
WORDS = "the minister said that police in the capital had detained protesters after talks on water prices".split()
PLACES = ("Bishkek", "Osh", "Naryn", "Talas", "Karakol", "São Paulo", "東京都")
ANALYSTS = ("alice", "bob", "gold")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME)


def records(count: int, seed: int = 5, words: int = 12) -> list[dict]:
    """Short articles (some emoji, CJK and CRLF) with 0-3 spans each, some spans with uids and notes."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        place = rng.choice(PLACES)
        head = f"Report {number} from {place}"
        body = " ".join(rng.choice(WORDS) for _ in range(words))
        text = f"{head}\n\n{body} 👍🏽 {place}."
        if number % 7 == 0:
            text = text.replace("\n", "\r\n")
        record: dict = {"id": f"r{number:05d}", "text": text, "meta": {"n": number}}
        if number % 5:
            record["title"] = head
        offset = text.index(place)
        spans = []
        if number % 4 != 3:
            spans.append({"start": offset, "end": offset + len(place), "label": "PLACE", "text": place,
                          "annotator": ANALYSTS[number % 3]})
        if number % 3 == 0:
            spans.append({"start": 0, "end": 6, "label": "CLAIM", "kind": "claim", "note": f"note {number}"})
        if number % 11 == 0:
            spans.append({"start": 0, "end": 6, "label": "SOURCE", "kind": "entity", "uid": f"uid-{number}",
                          "attrs": {"k": [number, {"x": "é"}]}})
        record["spans"] = spans
        made.append(record)
    return made


def write_jsonl(path: Path, rows: list[dict], tail: str = "") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.write(tail)
    return path


def contents(db: Path) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    """What an import decides, without the ids, uids and clock times it makes up."""
    conn = sqlite3.connect(db)
    try:
        return {
            "documents": conn.execute(
                "SELECT key, title, text, sha256, meta, source, position FROM documents ORDER BY position"
            ).fetchall(),
            "spans": conn.execute(
                'SELECT d.key, s.start, s."end", s.label, s.annotator, s.text, s.note, s.attrs,'
                " CASE WHEN s.uid LIKE 'uid-%' THEN s.uid END FROM spans s JOIN documents d ON d.id = s.document_id"
                ' ORDER BY d.position, s.start, s."end", s.label, s.annotator'
            ).fetchall(),
            "labels": conn.execute("SELECT name, kind, position FROM labels ORDER BY position").fetchall(),
            "annotators": conn.execute("SELECT name FROM annotators ORDER BY name").fetchall(),
            "actions": conn.execute(
                "SELECT a.annotator, d.key, a.op, json_extract(a.after, '$.start'), json_extract(a.after, '$.end'),"
                " json_extract(a.after, '$.label'), json_extract(a.after, '$.text'), a.before IS NULL"
                " FROM actions a JOIN documents d ON d.id = a.document_id ORDER BY 2, 4, 5, 6, 1"
            ).fetchall(),
        }
    finally:
        conn.close()


def test_a_large_file_goes_in_whole_and_as_adding_each_record_would(tmp_path: Path) -> None:
    rows = records(20_000)
    source = write_jsonl(tmp_path / "large.jsonl", rows)

    result = run(tmp_path, "import", str(source), "--db", "bulk.db")
    assert result.returncode == 0, result.stderr
    spans = sum(len(r["spans"]) for r in rows)
    assert f"20000 documents added, 0 already present, {spans} spans added" in result.stdout

    # The same records, one add_document each (the importer's own checks applied by hand:
    # CRLF becomes "\n" with the offsets moved, a missing title is the headline).
    with Store.open(tmp_path / "one-by-one.db") as store, store.transaction():
        for row in rows:
            text = row["text"].replace("\r\n", "\n")
            moved = row["text"][: row["spans"][0]["start"]].count("\r") if row["spans"] else 0
            new_spans = [
                NewSpan(
                    span["start"] - (moved if span["label"] == "PLACE" else 0),
                    span["end"] - (moved if span["label"] == "PLACE" else 0),
                    span["label"], span.get("annotator", NAME), span.get("note", ""), span.get("attrs", {}),
                    span.get("uid"),
                )
                for span in row["spans"]
            ]
            kinds = {span["label"]: span["kind"] for span in row["spans"] if "kind" in span}
            store.add_document(row["id"], row.get("title") or text.split("\n")[0], text, row["meta"],
                               str(source), new_spans, kinds)
    assert contents(tmp_path / "bulk.db") == contents(tmp_path / "one-by-one.db")

    # Every uid is unique, and each span has the action that made it.
    conn = sqlite3.connect(tmp_path / "bulk.db")
    try:
        uids = [row[0] for row in conn.execute("SELECT uid FROM spans")]
        assert len(set(uids)) == len(uids) == spans
        assert conn.execute(
            "SELECT COUNT(*) FROM spans s JOIN actions a ON a.span_uid = s.uid AND json_extract(a.after, '$.uid') = s.uid"
        ).fetchone()[0] == spans
        # The full-text index was kept in step by the many-row inserts.
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents_fts'").fetchone():
            assert conn.execute("SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH 'Karakol'").fetchone()[0] > 0
    finally:
        conn.close()

    again = run(tmp_path, "import", str(source), "--db", "bulk.db")
    assert again.returncode == 0
    assert "0 documents added, 20000 already present, 0 spans added" in again.stdout
    assert f"{spans} already present" in again.stdout
    assert f"{source}:1: already imported as 'r00000'" in again.stdout


def test_a_bad_record_at_the_end_of_a_large_file_refuses_all_of_it(tmp_path: Path, seeded: Path) -> None:
    rows = records(8_000)
    source = write_jsonl(tmp_path / "late.jsonl", rows, '{"id": "last", "text": "x", "spans": [{"start": 0, "end": 9, "label": "PLACE"}]}\n')
    before = snapshot(seeded)

    result = run(tmp_path, "import", str(source), "--db", str(seeded))

    assert result.returncode == 1
    assert snapshot(seeded) == before
    assert f"{source}:8001: spans[0]: offsets 0-9 are reversed, empty or outside the text (length 1)" in result.stderr
    assert "0 documents added" in result.stdout and "1 file failed" in result.stdout


def test_a_truncated_last_line_and_an_unknown_label_are_named_and_nothing_is_written(tmp_path: Path, seeded: Path) -> None:
    rows = records(3_000)
    rows[1500]["spans"] = [{"start": 0, "end": 6, "label": "MYSTERY"}]
    prodigy = [dict(row, answer="accept") for row in rows]  # a foreign format: labels need a kind
    source = write_jsonl(tmp_path / "cut.jsonl", prodigy, '{"text": "cut off')
    before = snapshot(seeded)

    result = run(tmp_path, "import", str(source), "--db", str(seeded))

    assert result.returncode == 1
    assert snapshot(seeded) == before
    errors = [line for line in result.stderr.splitlines() if line.startswith("annotator: ")]
    assert errors[0].startswith(f"annotator: {source}:3001: not valid JSON: Unterminated string")
    assert errors[0].endswith("(the file looks truncated)")
    assert errors[1:] == [f"annotator: {source}: label 'MYSTERY' has no kind; pass --map MYSTERY=entity|claim|quantity"]

    mapped = run(tmp_path, "import", str(source), "--db", str(seeded), "--map", "MYSTERY=claim", "--skip-invalid")
    assert mapped.returncode == 0, mapped.stderr
    assert "3000 documents added" in mapped.stdout and "1 problem skipped" in mapped.stdout


def test_skip_invalid_keeps_the_good_records_of_a_large_file(tmp_path: Path) -> None:
    rows = records(6_000)
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    lines[10] = '{"text": 5}'
    lines[3000] = "[1, 2]"
    lines[5999] = '{"id": "r05999", "text": "short", "spans": [{"start": 0, "end": 50, "label": "PLACE"}]}'
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run(tmp_path, "import", str(source), "--db", "mixed.db", "--skip-invalid")

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"annotator: skipped: {source}:11: field 'text' must be a string",
        f"annotator: skipped: {source}:3001: expected a JSON object, got an array",
        f"annotator: skipped: {source}:6000: spans[0]: offsets 0-50 are reversed, empty or outside the text (length 5)",
    ]
    assert "5997 documents added" in result.stdout and "3 problems skipped" in result.stdout
    with Store.open(tmp_path / "mixed.db", create=False) as store:
        assert store.document_count() == 5997


def test_new_versions_and_taken_keys_among_new_documents_are_handled_in_order(tmp_path: Path) -> None:
    """Documents that are not new (changed article, same text, key taken) break the batches where they are."""
    first = [{"id": "story", "title": "Water prices", "text": "Officials in Osh said water prices rose.\nMore.",
              "spans": [{"start": 13, "end": 16, "label": "PLACE"}]},
             {"id": "same", "text": "Unchanged article text here."}]
    write_jsonl(tmp_path / "first.jsonl", first)
    assert run(tmp_path, "import", "first.jsonl", "--db", "v.db").returncode == 0
    rows = records(1_500)
    rows.insert(700, {"id": "story", "title": "Water prices", "text": "Yesterday officials in Osh said water prices rose.\nMore."})
    rows.insert(300, {"id": "same", "text": "Unchanged article text here."})
    rows.insert(1000, {"id": "same", "title": "A different story", "text": "Something else entirely, not the same story."})
    write_jsonl(tmp_path / "second.jsonl", rows)

    result = run(tmp_path, "import", "second.jsonl", "--db", "v.db")

    assert result.returncode == 0, result.stderr
    assert "second.jsonl:301: already imported as 'same'" in result.stdout
    assert "second.jsonl:702: new version of 'story': 0 spans stayed, 1 moved (0 by fuzzy match), 0 need review" in result.stdout
    assert "1501 documents added, 1 already present" in result.stdout
    with Store.open(tmp_path / "v.db", create=False) as store:
        listed = store.list_documents()
        assert [d.key for d in listed[:2]] == ["story", "same"]
        assert [d.key for d in listed[2:5]] == ["r00000", "r00001", "r00002"]
        assert "same-2" in {d.key for d in listed}
        assert [d.position for d in listed] == list(range(len(listed)))
        story = next(store.document(d.id) for d in listed if d.key == "story")
        assert story.text.startswith("Yesterday")
        assert [(s.start, s.text) for s in store.spans(story.id)] == [(23, "Osh")]


def test_a_json_array_is_read_an_element_at_a_time_with_the_same_result(tmp_path: Path) -> None:
    rows = records(3_000)
    write_jsonl(tmp_path / "lines.jsonl", rows)
    (tmp_path / "array.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")

    assert run(tmp_path, "import", "lines.jsonl", "--db", "lines.db").returncode == 0
    assert run(tmp_path, "import", "array.json", "--db", "array.db").returncode == 0

    from_lines, from_array = contents(tmp_path / "lines.db"), contents(tmp_path / "array.db")
    for table in from_lines:
        if table == "documents":  # the source file differs
            assert [row[:5] + row[6:] for row in from_lines[table]] == [row[:5] + row[6:] for row in from_array[table]]
        else:
            assert from_lines[table] == from_array[table]


def test_inside_a_callers_transaction_a_refused_file_writes_nothing(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", records(600))
    bad = write_jsonl(tmp_path / "bad.jsonl", records(600, seed=9), '{"text": ""}\n')
    with Store.open(tmp_path / "t.db") as store:
        with store.transaction():
            store.add_document("mine", "Mine", "Written by the caller.")
            refused = import_file(store, bad, NAME)
            accepted = import_file(store, good, NAME)
        assert refused.error == f"{bad}:601: field 'text' is empty"
        assert accepted.error is None and accepted.added == 600
        assert store.document_count() == 601


def _peak_rss_kib(tmp_path: Path, source: Path) -> int:
    """Peak resident memory of a child process running `annotator import` on source (its VmHWM)."""
    code = (
        "import sys\n"
        "from annotator.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')), file=sys.stderr)\n"
    )
    env = {**os.environ, "ANNOTATOR_NAME": NAME}
    db = tmp_path / f"{source.stem}.db"
    done = subprocess.run(
        [sys.executable, "-c", code, "import", str(source), "--db", str(db)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stderr.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small = write_jsonl(tmp_path / "small.jsonl", records(1_500, words=300))
    large = write_jsonl(tmp_path / "large.jsonl", records(6_000, words=300))
    grown = large.stat().st_size - small.stat().st_size
    assert grown > 8_000_000

    small_peak, large_peak = _peak_rss_kib(tmp_path, small), _peak_rss_kib(tmp_path, large)

    # Holding the file (as text, parsed objects and records) costs several times its
    # size; streaming costs nothing per document. Half the growth of the file is room
    # for noise, far below what holding it would take.
    assert (large_peak - small_peak) * 1024 < grown / 2, (small_peak, large_peak, grown)
