"""`annotator export`: the labelled JSONL users hand on, and its round trip through import."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_cli, run_cli_process

from annotator.exporters.atomic import atomic_writer
from annotator.labels import DEFAULT_LABELS
from annotator.model import Label
from annotator.store import Store

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
KEYS = {"id", "title", "text", "meta", "spans"}
SPAN_KEYS = {"start", "end", "label", "kind", "text", "annotator", "note", "attrs", "uid", "created_at", "updated_at"}

ARTICLE = (
    "Kyrgyz Officials Foil Attempted Terror Attacks\n\n"
    "In the Kyrgyz capital of Bishkek, the National Security Committee foiled an attempted strike "
    "by militants. Authorities seized 500kg of explosive material and $10,000 in cash.\n\n"
    "“Islamic State is a true enemy of Islam,” Almazbek Atambaev said."
)
EMOJI_TEXT = (
    f"{FAMILY} Families in 比什凯克 (Bishkek) said 👍🏽: “we are calm”.\n"
    "Zhaparov\u0308 met Putin; 3,000 students left.\nTab\there and a \x1b[31m escape."
)

NAME = "exporter"


def run_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli_process(cwd, *args, name=NAME)


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME, env=env)


def tag(store: Store, doc, target: str, label: str, annotator: str, note: str = "", nth: int = 0):
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(target, start + 1)
    return store.add_span(doc, start, start + len(target), label, annotator, note)


def build_database(path: Path) -> None:
    """Several analysts, notes, overlapping and nested spans, emoji text, edits and undo."""
    with Store.open(path) as store:
        store.set_labels([*DEFAULT_LABELS, Label("RUMOR", "claim", "r", "#ffffff", "Unverified")])
        news = store.add_document(
            "news", "Kyrgyz Officials Foil Attempted Terror Attacks", ARTICLE,
            meta={"source": "wire", "tags": ["kg", "isis"], "nested": {"ü": 1}},
        ).document
        emoji = store.add_document("emoji", "Families 👪\u2028in Bishkek", EMOJI_TEXT, meta={}).document
        store.add_document("empty", "No Spans Here", "An article nobody has tagged yet.")

        sentence = "“Islamic State is a true enemy of Islam,” Almazbek Atambaev said."
        tag(store, news, "Bishkek", "PLACE", "alice")
        tag(store, news, "Bishkek", "PLACE", "bob")  # same span, another analyst
        tag(store, news, "Bishkek", "ORG", "bob")  # same span, another label
        tag(store, news, "Kyrgyz capital of Bishkek", "PLACE", "carol", note="nested: \"capital\" ✓")
        tag(store, news, "National Security Committee", "ORG", "alice", note="GKNB\nsecond line")
        tag(store, news, "500kg of explosive material", "QUANTITY", "alice")
        tag(store, news, "$10,000", "QUANTITY", "bob")
        tag(store, news, sentence, "CLAIM", "alice")
        tag(store, news, "Almazbek Atambaev", "PERSON", "alice")  # nested in the claim
        tag(store, news, "Islamic State is a true enemy", "RUMOR", "bob")  # overlaps the claim
        tag(store, news, "Islamic State", "ORG", "bob")
        changed = tag(store, news, "militants", "OTHER", "carol")
        store.update_span(news, changed.uid, "carol", label="ORG", note="changed")
        gone = tag(store, news, "Authorities", "ORG", "carol")
        store.delete_span(news, gone.uid, "carol")
        undone = tag(store, news, "cash", "OTHER", "carol")
        store.undo(news, "carol")
        assert store.span(undone.uid) is None

        tag(store, emoji, FAMILY, "OTHER", "alice", note="emoji 👪")
        tag(store, emoji, "比什凯克", "PLACE", "alice")
        tag(store, emoji, "比什凯克 (Bishkek)", "PLACE", "bob")
        tag(store, emoji, "👍🏽", "OTHER", "bob")
        tag(store, emoji, "Zhaparov\u0308", "PERSON", "bob")
        tag(store, emoji, "3,000 students", "QUANTITY", "alice")
        tag(store, emoji, "left.\nTab\there", "OTHER", "carol", note="line\u2028separator\x85and\u2029more")
        tag(store, emoji, "\x1b[31m", "OTHER", "carol", note="escape kept verbatim")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    build_database(folder / "project.db")
    return folder


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built database, in a fresh working folder."""
    target = tmp_path / "project.db"
    with Store.open(built / "project.db", create=False) as store:
        store.conn.execute(f"VACUUM INTO '{target}'")
    return target


def export_lines(cwd: Path, *args: str) -> list[dict]:
    out = cwd / "out.jsonl"
    result = run(cwd, "export", "--out", str(out), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_every_line_is_a_document_with_consistent_spans(db: Path) -> None:
    cwd = db.parent
    result = run(cwd, "export", "--db", "project.db", "--out", "all.jsonl")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wrote 3 documents to all.jsonl"
    raw = (cwd / "all.jsonl").read_bytes()
    assert raw.endswith(b"\n") and b"\r" not in raw
    # One document per line for any line splitter: U+2028, U+2029 and NEL are escaped.
    assert len(raw.decode("utf-8").splitlines()) == 3
    lines = raw.decode("utf-8").split("\n")[:-1]
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    assert [row["id"] for row in rows] == ["news", "emoji", "empty"]
    for row in rows:
        assert set(row) == KEYS
        assert isinstance(row["meta"], dict) and isinstance(row["spans"], list)
        for span in row["spans"]:
            assert set(span) == SPAN_KEYS
            assert row["text"][span["start"] : span["end"]] == span["text"]
    news, emoji, empty = rows
    assert news["meta"] == {"source": "wire", "tags": ["kg", "isis"], "nested": {"ü": 1}}
    assert emoji["text"] == EMOJI_TEXT
    assert emoji["title"] == "Families 👪\u2028in Bishkek"
    assert empty["spans"] == []
    # Deleted and undone spans are not exported; the edited one is, as edited.
    texts = {(s["text"], s["label"], s["annotator"]) for s in news["spans"]}
    assert ("Authorities", "ORG", "carol") not in texts
    assert ("cash", "OTHER", "carol") not in texts
    assert ("militants", "ORG", "carol") in texts
    assert len(news["spans"]) == 12 and len(emoji["spans"]) == 8
    kinds = {s["label"]: s["kind"] for s in news["spans"]}
    assert kinds["RUMOR"] == "claim" and kinds["QUANTITY"] == "quantity" and kinds["PLACE"] == "entity"
    notes = {s["text"]: s["note"] for s in news["spans"] if s["note"]}
    assert notes["National Security Committee"] == "GKNB\nsecond line"


def test_spans_are_in_reading_order(db: Path) -> None:
    for row in export_lines(db.parent, "--db", "project.db"):
        keys = [(s["start"], s["end"], s["label"], s["annotator"]) for s in row["spans"]]
        assert keys == sorted(keys)


def test_annotator_narrows_to_that_analysts_spans(db: Path) -> None:
    rows = export_lines(db.parent, "--db", "project.db", "--annotator", "bob")
    assert [row["id"] for row in rows] == ["news", "emoji", "empty"]  # documents stay, spans narrow
    assert all(s["annotator"] == "bob" for row in rows for s in row["spans"])
    assert [len(row["spans"]) for row in rows] == [5, 3, 0]
    both = export_lines(db.parent, "--db", "project.db", "--annotator", "bob", "--annotator", "carol")
    assert {s["annotator"] for row in both for s in row["spans"]} == {"bob", "carol"}
    only = export_lines(db.parent, "--db", "project.db", "--annotator", "carol", "--only-annotated")
    assert [row["id"] for row in only] == ["news", "emoji"]


def test_label_and_kind_filters(db: Path) -> None:
    places = export_lines(db.parent, "--db", "project.db", "--label", "PLACE")
    assert {s["label"] for row in places for s in row["spans"]} == {"PLACE"}
    assert sum(len(row["spans"]) for row in places) == 5
    claims = export_lines(db.parent, "--db", "project.db", "--kind", "claim")
    assert {s["label"] for row in claims for s in row["spans"]} == {"CLAIM", "RUMOR"}
    mixed = export_lines(
        db.parent, "--db", "project.db", "--kind", "quantity", "--label", "PERSON", "--annotator", "alice"
    )
    # Filters of different sorts combine with AND: alice's PERSON spans that are quantities: none.
    assert sum(len(row["spans"]) for row in mixed) == 0
    quantities = export_lines(db.parent, "--db", "project.db", "--kind", "quantity", "--only-annotated")
    assert [row["id"] for row in quantities] == ["news", "emoji"]
    assert {s["text"] for row in quantities for s in row["spans"]} == {
        "500kg of explosive material",
        "$10,000",
        "3,000 students",
    }


def test_default_output_path_is_under_exports(db: Path) -> None:
    cwd = db.parent
    result = run(cwd, "export", "--db", "project.db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote 3 documents to {Path('exports') / 'project.jsonl'}"
    assert len((cwd / "exports" / "project.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    named = run(cwd, "export", "--db", "project.db", "--annotator", "alice")
    assert named.returncode == 0, named.stderr
    assert (cwd / "exports" / "project-alice.jsonl").exists()
    # No temporary file is left behind.
    assert sorted(p.name for p in (cwd / "exports").iterdir()) == ["project-alice.jsonl", "project.jsonl"]


def test_default_database_and_output_from_the_working_folder(db: Path) -> None:
    cwd = db.parent
    db.rename(cwd / "annotator.db")
    result = run(cwd, "export")
    assert result.returncode == 0, result.stderr
    assert (cwd / "exports" / "annotator.jsonl").exists()


def test_annotator_name_cannot_escape_the_exports_folder(db: Path) -> None:
    cwd = db.parent
    with Store.open(db, create=False) as store:
        doc = store.document(store.list_documents()[0].id)
        store.add_span(doc, 0, 6, "PLACE", "x/../../y")
    result = run(cwd, "export", "--db", "project.db", "--annotator", "x/../../y")
    assert result.returncode == 0, result.stderr
    (written,) = list((cwd / "exports").iterdir())
    assert written.suffix == ".jsonl" and "/" not in written.name
    rows = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    assert [s["annotator"] for row in rows for s in row["spans"]] == ["x/../../y"]


def test_out_dash_writes_to_stdout_only(db: Path) -> None:
    cwd = db.parent
    to_file = run(cwd, "export", "--db", "project.db", "--out", "file.jsonl")
    assert to_file.returncode == 0
    to_stdout = subprocess.run(
        [sys.executable, "-m", "annotator", "export", "--db", "project.db", "--out", "-"],
        capture_output=True,
        cwd=cwd,
        timeout=60,
    )
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert to_stdout.stdout == (cwd / "file.jsonl").read_bytes()  # the same bytes, nothing else
    assert to_stdout.stderr == b""
    assert not (cwd / "exports").exists()


def test_failed_export_keeps_the_previous_file(db: Path) -> None:
    cwd = db.parent
    assert run_process(cwd, "export", "--db", "project.db").returncode == 0
    target = cwd / "exports" / "project.jsonl"
    before = target.read_bytes()

    result = run_process(cwd, "export", "--db", "project.db", "--label", "NOPE")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    (line,) = [l for l in result.stderr.splitlines() if l.strip()]
    assert "--label NOPE: no such label" in line and "PLACE" in line
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["project.jsonl"]


def test_export_to_an_impossible_place_is_one_line(db: Path) -> None:
    cwd = db.parent
    (cwd / "afile").write_text("x", encoding="utf-8")
    result = run_process(cwd, "export", "--db", "project.db", "--out", "afile/sub/out.jsonl")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    (line,) = [l for l in result.stderr.splitlines() if l.strip()]
    assert line.startswith("annotator: ") and "afile" in line
    assert (cwd / "afile").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("out", ["project.db", "./project.db-wal"])
def test_export_over_the_database_itself_is_refused(db: Path, out: str) -> None:
    cwd = db.parent
    before = json.loads(run(cwd, "stats", "--db", "project.db", "--json").stdout)
    result = run(cwd, "export", "--db", "project.db", "--out", out)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = [l for l in result.stderr.splitlines() if l.strip()]
    assert f"--out {Path(out)}: that is the database itself" in line
    after = run(cwd, "stats", "--db", "project.db", "--json")
    assert after.returncode == 0 and json.loads(after.stdout) == before


def test_export_of_a_missing_database_does_not_create_it(tmp_path: Path) -> None:
    result = run(tmp_path, "export", "--db", "missing.db")
    assert result.returncode != 0
    (line,) = [l for l in result.stderr.splitlines() if l.strip()]
    assert "missing.db: no such database" in line
    assert not (tmp_path / "missing.db").exists()
    assert not (tmp_path / "exports").exists()


def test_atomic_writer_interrupted_leaves_old_file_and_no_part(tmp_path: Path) -> None:
    target = tmp_path / "exports" / "data.jsonl"
    with atomic_writer(target) as handle:
        handle.write("old\n")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as handle:
            handle.write("half a new fi")
            raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in target.parent.iterdir()] == ["data.jsonl"]


def test_export_file_is_readable_like_any_file_the_user_writes(db: Path) -> None:
    """mkstemp makes private files; an export handed to colleagues must follow the umask."""
    cwd = db.parent
    old = os.umask(0o022)
    try:
        result = run_process(cwd, "export", "--db", "project.db", "--out", "shared.jsonl")
    finally:
        os.umask(old)
    assert result.returncode == 0
    assert stat.S_IMODE((cwd / "shared.jsonl").stat().st_mode) == 0o644
    os.chmod(cwd / "shared.jsonl", 0o640)  # a mode the user chose is kept on re-export
    assert run_process(cwd, "export", "--db", "project.db", "--out", "shared.jsonl").returncode == 0
    assert stat.S_IMODE((cwd / "shared.jsonl").stat().st_mode) == 0o640


# -- round trip ------------------------------------------------------------------------


def test_round_trip_export_import_export_is_byte_identical(db: Path) -> None:
    cwd = db.parent
    assert run_process(cwd, "export", "--db", "project.db", "--out", "first.jsonl").returncode == 0
    imported = run_process(cwd, "import", "first.jsonl", "--db", "copy.db")
    assert imported.returncode == 0, imported.stderr
    assert "3 documents added, 0 already present, 20 spans added" in imported.stdout
    assert run_process(cwd, "export", "--db", "copy.db", "--out", "second.jsonl").returncode == 0
    assert (cwd / "second.jsonl").read_bytes() == (cwd / "first.jsonl").read_bytes()

    # The custom label kept its kind; analysts are known in the copy.
    with Store.open(cwd / "copy.db", create=False) as store:
        assert store.label_map()["RUMOR"].kind == "claim"
        assert store.annotators() == ["alice", "bob", "carol"]

    # Importing the export again (a restore over itself) changes nothing.
    again = run_process(cwd, "import", "first.jsonl", "--db", "copy.db")
    assert again.returncode == 0
    assert "0 documents added, 3 already present, 0 spans added, 20 already present" in again.stdout
    assert run_process(cwd, "export", "--db", "copy.db", "--out", "third.jsonl").returncode == 0
    assert (cwd / "third.jsonl").read_bytes() == (cwd / "first.jsonl").read_bytes()


def test_round_trip_of_imported_plain_text_articles(tmp_path: Path) -> None:
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    assert run(tmp_path, "import", str(corpus), "--db", "a.db").returncode == 0
    with Store.open(tmp_path / "a.db", create=False) as store:
        for summary in store.list_documents():
            doc = store.document(summary.id)
            tag(store, doc, "Kyrgyz", "PLACE", "alice")
            tag(store, doc, "Kyrgyz", "OTHER", "bob", note="adjective?")
    assert run(tmp_path, "export", "--db", "a.db", "--out", "one.jsonl").returncode == 0
    assert run(tmp_path, "import", "one.jsonl", "--db", "b.db").returncode == 0
    assert run(tmp_path, "export", "--db", "b.db", "--out", "two.jsonl").returncode == 0
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    first = json.loads((tmp_path / "one.jsonl").read_text(encoding="utf-8").splitlines()[2])
    assert first["meta"]["source_file"] == "002_bce0f365ecfb25cd.txt"
    assert first["title"] == "Kyrgyzstan Says It Foiled Two Islamic State Attacks"
