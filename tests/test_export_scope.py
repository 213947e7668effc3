"""`annotator export --status`: training exports hold only what was annotated.

An article nobody opened is not an example with no entities, and gold is only what was
adjudicated (the review screen's D: a 'done' progress row for 'gold'). Every check runs
the real CLI on a real database file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from test_export import run, run_process, tag

from annotator.store import Store

TEXT = "Officers of the GKNB met Kadyr Malikov in Bishkek on {n} March; Osh was calm."
KEYS = ["opened", "negative", "untouched1", "adjudicated", "reviewing", "rejected", "alice_done", "untouched2", "carol_nothing"]


def build(cwd: Path) -> Path:
    """Each way an analyst can stand on an article, one article each."""
    path = cwd / "scope.db"
    with Store.open(path) as store:
        docs = {key: store.add_document(key, key.title(), TEXT.format(n=n)).document for n, key in enumerate(KEYS, start=1)}
        tag(store, docs["opened"], "Bishkek", "PLACE", "alice")  # in progress: two analysts
        tag(store, docs["opened"], "GKNB", "ORG", "bob")
        store.set_progress("bob", docs["negative"].id, "done")  # done, nothing in it: a true negative
        tag(store, docs["adjudicated"], "Kadyr Malikov", "PERSON", "alice")
        tag(store, docs["adjudicated"], "Kadyr Malikov", "PERSON", "gold")
        store.set_progress("gold", docs["adjudicated"].id, "done")  # what review's D records
        tag(store, docs["reviewing"], "Osh", "PLACE", "alice")
        tag(store, docs["reviewing"], "Osh", "PLACE", "gold")  # review not finished
        tag(store, docs["rejected"], "Osh", "PERSON", "alice")
        store.set_progress("gold", docs["rejected"].id, "done")  # adjudicated: every span rejected
        tag(store, docs["alice_done"], "Bishkek", "PLACE", "alice")
        store.set_progress("alice", docs["alice_done"].id, "done")
        store.set_progress("carol", docs["carol_nothing"].id, "done")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


def export(cwd: Path, *args: str) -> str:
    result = run(cwd, "export", "--db", "scope.db", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def prodigy_records(path: Path) -> list[tuple[str, str | None, int]]:
    return [(t["meta"]["id"], t.get("_annotator_id"), len(t["spans"])) for t in jsonl(path)]


TOUCHED = [
    ("opened", "alice", 1), ("opened", "bob", 1),
    ("negative", "bob", 0),
    ("adjudicated", "alice", 1), ("adjudicated", "gold", 1),
    ("reviewing", "alice", 1),
    ("rejected", "alice", 1), ("rejected", "gold", 0),
    ("alice_done", "alice", 1),
    ("carol_nothing", "carol", 0),
]


# -- per document and analyst ---------------------------------------------------------------


def test_prodigy_default_writes_only_worked_articles_for_the_analysts_who_worked(db: Path) -> None:
    cwd = db.parent
    # A real process: what an analyst runs.
    result = run_process(cwd, "export", "--db", "scope.db", "--format", "prodigy", "--out", "p.jsonl")
    assert result.returncode == 0, result.stderr
    assert prodigy_records(cwd / "p.jsonl") == TOUCHED
    assert "2 documents left out: nobody worked on them (use --status all to write them)" in result.stdout.splitlines()
    assert "gold spans on 1 document left out: not adjudicated" in result.stdout
    assert "wrote 7 documents (10 records) to p.jsonl" in result.stdout
    # Nothing is accepted that nobody looked at.
    assert not any(t["meta"]["id"].startswith("untouched") for t in jsonl(cwd / "p.jsonl"))


@pytest.mark.parametrize("fmt", ["doccano", "conll"])
def test_other_per_analyst_formats_follow_the_same_rule(db: Path, fmt: str) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", fmt, "--out", f"out.{fmt}")
    text = (cwd / f"out.{fmt}").read_text(encoding="utf-8")
    if fmt == "doccano":
        got = [(line["id"], line["meta"].get("annotator"), len(line["label"])) for line in jsonl(cwd / f"out.{fmt}")]
    else:
        got = []
        for block in text.split("-DOCSTART-")[1:]:
            header, *rows = block.strip("\n").split("\n")
            _, key, who = header.split("\t")
            tags = [row.split("\t")[1:] for row in rows if row]
            got.append((key, who, sum(tag.startswith("B-") for row in tags for tag in row)))
    assert got == TOUCHED
    assert "2 documents left out: nobody worked on them" in stdout


def test_spacy_follows_the_same_rule(db: Path) -> None:
    pytest.importorskip("spacy")
    import spacy
    from spacy.tokens import DocBin

    cwd = db.parent
    stdout = export(cwd, "--format", "spacy", "--out", "t.spacy")
    docs = list(DocBin().from_bytes((cwd / "t.spacy").read_bytes()).get_docs(spacy.blank("xx").vocab))
    assert [(d.user_data["id"], d.user_data["annotator"], len(d.spans["sc"])) for d in docs] == TOUCHED
    assert "2 documents left out: nobody worked on them" in stdout


def test_gold_is_only_what_was_adjudicated(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "prodigy", "--annotator", "gold", "--out", "gold.jsonl")
    # Adjudicated with spans, and adjudicated with every span rejected (a true negative).
    assert prodigy_records(cwd / "gold.jsonl") == [("adjudicated", "gold", 1), ("rejected", "gold", 0)]
    assert "6 documents left out: nobody worked on them" in stdout
    assert "gold spans on 1 document left out: not adjudicated (D in review marks an article adjudicated" in stdout
    # --status all writes the unfinished review too, and every article.
    export(cwd, "--format", "prodigy", "--annotator", "gold", "--status", "all", "--out", "all.jsonl")
    assert [key for key, _, _ in prodigy_records(cwd / "all.jsonl")] == KEYS


def test_status_done_writes_only_finished_work(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "prodigy", "--status", "done", "--out", "done.jsonl")
    assert prodigy_records(cwd / "done.jsonl") == [
        ("negative", "bob", 0), ("adjudicated", "gold", 1), ("rejected", "gold", 0),
        ("alice_done", "alice", 1), ("carol_nothing", "carol", 0),
    ]
    lines = stdout.splitlines()
    assert "2 documents left out: nobody worked on them (use --status all to write them)" in lines
    assert "5 document/analyst records left out: not marked done (alice 4, bob 1; use --status touched to write them)" in lines
    assert "gold spans on 1 document left out: not adjudicated (D in review marks an article adjudicated; --status all writes it)" in lines


def test_status_all_writes_every_article_as_before(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "prodigy", "--status", "all", "--out", "all.jsonl")
    records = prodigy_records(cwd / "all.jsonl")
    assert [key for key, _, _ in records if key.startswith("untouched")] == ["untouched1", "untouched2"]
    assert ("untouched1", None, 0) in records and ("reviewing", "gold", 1) in records
    assert "left out" not in stdout


def test_an_analyst_with_only_done_marks_can_be_exported(db: Path) -> None:
    cwd = db.parent
    export(cwd, "--format", "prodigy", "--annotator", "carol", "--out", "carol.jsonl")
    assert prodigy_records(cwd / "carol.jsonl") == [("carol_nothing", "carol", 0)]


def test_only_annotated_does_not_count_what_it_drops(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "prodigy", "--only-annotated", "--out", "o.jsonl")
    assert [r for r in prodigy_records(cwd / "o.jsonl") if r[2]] == [r for r in TOUCHED if r[2]]
    assert "nobody worked on" not in stdout


def test_stdout_keeps_the_left_out_line_on_stderr(db: Path) -> None:
    result = run(db.parent, "export", "--db", "scope.db", "--format", "doccano", "--out", "-")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(TOUCHED)
    assert "2 documents left out: nobody worked on them" in result.stderr and "left out" not in result.stdout


# -- per document ------------------------------------------------------------------------------


def test_labelstudio_and_brat_leave_out_articles_nobody_worked_on(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "labelstudio", "--out", "ls.json")
    tasks = json.loads((cwd / "ls.json").read_text(encoding="utf-8"))
    worked = [key for key in KEYS if not key.startswith("untouched")]
    assert [t["data"]["key"] for t in tasks] == worked
    reviewing = next(t for t in tasks if t["data"]["key"] == "reviewing")
    assert [a["completed_by"] for a in reviewing["annotations"]] == ["alice"]  # no half-reviewed gold
    assert "2 documents left out: nobody worked on them" in stdout

    export(cwd, "--format", "brat", "--out", "brat")
    assert sorted(p.stem for p in (cwd / "brat").glob("*.txt")) == sorted(worked)


def test_native_writes_everything_by_default_and_can_be_scoped(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--out", "all.jsonl")
    assert [row["id"] for row in jsonl(cwd / "all.jsonl")] == KEYS  # the backup holds everything
    assert stdout.strip() == "wrote 9 documents to all.jsonl"
    export(cwd, "--out", "explicit.jsonl", "--status", "all")
    assert (cwd / "explicit.jsonl").read_bytes() == (cwd / "all.jsonl").read_bytes()

    stdout = export(cwd, "--out", "touched.jsonl", "--status", "touched")
    rows = {row["id"]: row for row in jsonl(cwd / "touched.jsonl")}
    assert list(rows) == [key for key in KEYS if not key.startswith("untouched")]
    assert {s["annotator"] for s in rows["reviewing"]["spans"]} == {"alice"}
    assert rows["negative"]["spans"] == []
    assert "2 documents left out: nobody worked on them" in stdout
    # An untouched line keeps SQLite's bytes; a line rewritten without gold spans is the same JSON.
    whole = {json.loads(line)["id"]: line for line in (cwd / "all.jsonl").read_bytes().splitlines()}
    scoped = {json.loads(line)["id"]: line for line in (cwd / "touched.jsonl").read_bytes().splitlines()}
    assert scoped["opened"] == whole["opened"]
    expected = json.loads(whole["reviewing"])
    expected["spans"] = [s for s in expected["spans"] if s["annotator"] != "gold"]
    assert json.loads(scoped["reviewing"]) == expected


# -- the manifest ---------------------------------------------------------------------------------


def test_split_manifest_records_the_status_and_what_was_left_out(db: Path) -> None:
    cwd = db.parent
    stdout = export(cwd, "--format", "conll", "--split", "train=0.5,test=0.5", "--out", "sets/news.conll")
    manifest = json.loads((cwd / "sets" / "news.manifest.json").read_text(encoding="utf-8"))
    assert manifest["filters"]["status"] == "touched"
    assert manifest["status"]["filter"] == "touched" and "adjudicated" in manifest["status"]["rule"]
    left_out = {"documents_nobody_worked_on": 2, "unfinished_by_annotator": {"gold": 1}}
    assert manifest["status"]["left_out"] == manifest["totals"]["left_out"] == left_out
    parts = manifest["parts"].values()
    assert sum(p["left_out"]["documents_nobody_worked_on"] for p in parts) == 2
    assert sum(p["records"] for p in parts) == len(TOUCHED)
    for figures in parts:
        assert figures["sha256"] == hashlib.sha256((cwd / "sets" / figures["path"]).read_bytes()).hexdigest()
    assert "2 documents left out: nobody worked on them" in stdout
