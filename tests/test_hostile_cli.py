"""No escape sequence from a file or a database reaches the terminal through the command line.

Labels, analyst names, brat ids, document keys, titles and file names holding OSC
(`ESC ] 0;pwned BEL` retitles the terminal), CSI (`ESC [ 2J` clears it), their 8-bit C1
forms and bidirectional overrides go through every command: import of each format,
export of each format, stats, agreement, merge and backup. Whatever the command says
on standard output or standard error shows them with the app's placeholders
(annotator.text.display_safe); the data an export writes is not the terminal's business.
"""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest
from cli_support import run_cli, run_cli_process, snapshot

from annotator.importers.kinds import LabelMap
from annotator.store import Store

OSC = "\x1b]0;pwned\x07"  # sets the terminal's title
CSI = "\x1b[2J"  # clears the screen
C1 = "\x9b2J\x9d0;x\x9c\x90q\x9c"  # the same in 8-bit controls: CSI, OSC, ST, DCS
BIDI = "\u202e"  # right-to-left override: reorders what the terminal draws
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

NAME = "hostile-cli"
TEXT = "Officials in Bishkek said 3,000 people met Almazbek Atambaev on Tuesday.\n\nA second paragraph."
SECOND = "Another article about Osh and Jalal-Abad, written on Monday."


def leaks(output: str) -> list[str]:
    """Characters in output a terminal acts on: controls (but the line break), DEL, C1, bidi."""
    found = {c for c in output if (unicodedata.category(c) == "Cc" and c != "\n") or c in BIDI_CONTROLS}
    return sorted(f"U+{ord(c):04X}" for c in found)


def check(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert leaks(output) == [], output
    return result


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return check(run_cli(cwd, *args, name=NAME))


def at(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def hostile_db(folder: Path, name: str = f"team{OSC}.db") -> Path:
    """A database holding hostile labels, analysts, keys and titles, as an older version
    (or a merge from one) may have stored them: importers refuse such labels now."""
    path = folder / name
    org, per, claim, quantity = f"ORG{OSC}", f"PER{C1}", f"CLAIM{CSI}", f"Q{BIDI}"
    alice, bob, carol = f"alice{OSC}", f"bob{C1}", f"carol{CSI}{BIDI}"
    with Store.open(path) as store:
        for label, kind in ((org, "entity"), (per, "entity"), (claim, "claim"), (quantity, "quantity")):
            # Straight into the table, as an older version could store it: no entry takes it now.
            store.conn.execute(
                "INSERT INTO labels (name, kind, key, color, description, position) VALUES (?, ?, '', '#abb2bf', '', 99)",
                (label, kind),
            )
        first = store.add_document(f"doc{OSC}1", f"Title {CSI} one", TEXT).document
        second = store.add_document(f"doc{C1}2", f"Second {OSC} title", SECOND).document
        store.add_span(first, *at(TEXT, "Officials in Bishkek"), org, alice)
        store.add_span(first, *at(TEXT, "Bishkek"), org, alice)  # same kind, overlapping: conll drops one
        store.add_span(first, *at(TEXT, "Almazbek Atambaev"), per, alice)
        store.add_span(first, *at(TEXT, "Bishkek said 3,000 people met Almazbek Atambaev"), claim, alice)
        store.add_span(first, *at(TEXT, "3,000"), quantity, alice)
        store.add_span(first, *at(TEXT, "\n\n"), quantity, alice)  # white space only: off CoNLL's tokens
        store.add_span(first, *at(TEXT, "Bishkek"), org, bob)
        store.add_span(first, *at(TEXT, "Atambaev"), per, bob)
        store.add_span(second, *at(SECOND, "Osh"), org, bob)
        store.set_progress(alice, second.id, "done")
        store.set_progress(carol, second.id, "in_progress")
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return hostile_db(tmp_path)


# -- commands on a database holding hostile values ----------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["stats", "--json"],
        ["agreement"],
        ["agreement", "--json"],
        ["agreement", "--annotators", f"alice{OSC},nobody{CSI}"],
        ["agreement", "--label", f"nothing{CSI}"],
        ["export", "--label", f"nothing{CSI}"],  # the error lists the known (hostile) labels
        ["export", "--annotator", "nobody"],  # ... and the analysts
        ["export", "--annotator", f"Alice{OSC}"],  # "did you mean" quotes a stored name
    ],
)
def test_reports_and_errors_show_stored_values_safely(hostile: Path, args: list[str]) -> None:
    result = run(hostile.parent, *args, "--db", hostile.name)
    assert result.stdout or result.stderr


def test_stats_json_still_parses_to_the_stored_values(hostile: Path) -> None:
    result = run(hostile.parent, "stats", "--json", "--db", hostile.name)
    figures = json.loads(result.stdout)
    assert {row["label"] for row in figures["by_label"]} >= {f"ORG{OSC}", f"PER{C1}", f"Q{BIDI}"}
    assert "\\u009b" in result.stdout and "\\u202e" in result.stdout


FORMATS = {
    "native": ".jsonl", "prodigy": ".prodigy.jsonl", "doccano": ".doccano.jsonl",
    "labelstudio": ".labelstudio.json", "brat": ".brat", "conll": ".conll", "spacy": ".spacy",
}


@pytest.mark.parametrize("status", ["default", "done"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_of_each_format_reports_safely(hostile: Path, fmt: str, status: str) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    out = f"out{OSC}{FORMATS[fmt]}"
    chosen = [] if status == "default" else ["--status", status]
    result = run(hostile.parent, "export", "--db", hostile.name, "--format", fmt, "--out", out, *chosen)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    assert (hostile.parent / out).exists()
    if fmt == "conll" and status == "default":  # the examples of dropped spans quote a hostile label, key and analyst
        assert "dropped by overlap" in result.stdout and "ORG␛]0;pwned␇" in result.stdout
    if status == "done":  # the left-out lines name the analysts
        assert "left out" in result.stdout


def test_export_to_the_default_target_named_after_a_hostile_database(hostile: Path) -> None:
    for fmt in ("native", "conll"):
        result = run(hostile.parent, "export", "--db", hostile.name, "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "exports/team␛]0;pwned␇" in result.stdout


def test_a_split_export_reports_safely(hostile: Path) -> None:
    result = run(hostile.parent, "export", "--db", hostile.name, "--format", "conll", "--split", "train=0.5,test=0.5",
                 "--out", f"parts{CSI}/news.conll", "--status", "all")
    assert result.returncode == 0, result.stderr
    assert "manifest:" in result.stdout


def test_export_data_to_standard_output_leaves_the_report_safe(hostile: Path) -> None:
    result = run_cli(hostile.parent, "export", "--db", hostile.name, "--format", "conll", "--out", "-", "--status", "all", name=NAME)
    assert result.returncode == 0, result.stderr
    assert leaks(result.stderr) == []  # the report; the data on stdout is the user's to pipe


def test_backup_and_merge_name_hostile_files_safely(hostile: Path) -> None:
    cwd = hostile.parent
    result = run(cwd, "backup", f"copy{OSC}.db", "--db", hostile.name)
    assert result.returncode == 0 and "backed up" in result.stdout
    result = run(cwd, "backup", f"copy{OSC}.db", "--db", hostile.name)  # exists: one line naming it
    assert result.returncode != 0 and "already exists" in result.stderr
    result = run(cwd, "backup", f"nowhere{CSI}/copy.db", "--db", hostile.name)
    assert result.returncode != 0 and "no such folder" in result.stderr
    Store.open(cwd / f"fresh{C1}.db").close()
    # Labels no import would take are not merged in either: one safe line, nothing changed.
    result = run(cwd, "merge", hostile.name, "--db", f"fresh{C1}.db")
    assert result.returncode != 0
    assert result.stderr.startswith("annotator: team␛]0;pwned␇.db: label ") and "nothing merged" in result.stderr
    result = run(cwd, "merge", f"missing{OSC}.db", "--db", f"fresh{C1}.db")
    assert result.returncode != 0 and "no such database" in result.stderr


def test_a_hostile_database_file_name_in_errors(tmp_path: Path) -> None:
    for args in (["stats"], ["export"], ["agreement"], ["backup", "b.db"]):
        result = run(tmp_path, *args, "--db", f"missing{OSC}.db")
        assert result.returncode != 0 and "missing␛]0;pwned␇.db" in result.stderr
    bad = tmp_path / f"broken{CSI}.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    result = run(tmp_path, "stats", "--db", bad.name)
    assert result.returncode != 0


# -- import: every format, with hostile labels, names, ids and file names ------------------------


def hostile_files(folder: Path) -> dict[str, Path]:
    """A refused file of each format, each named with an OSC, each failing on a hostile value."""
    text = "Alice met Bob in Paris."
    label = f"ROLE{OSC}"
    evil = f"x{OSC}"
    files: dict[str, tuple[str, str]] = {
        "native-label": (f"native{OSC}.jsonl", json.dumps({"id": evil, "text": text, "spans": [{"start": 0, "end": 5, "label": label}]})),
        "native-analyst": (f"native-name{CSI}.jsonl", json.dumps({"text": text, "spans": [{"start": 0, "end": 5, "label": "PERSON", "annotator": f"eve{C1}"}]})),
        "native-quoted": (f"quoted{C1}.jsonl", json.dumps({"text": text, "spans": [{"start": 0, "end": 5, "label": "PERSON", "text": f"Al{OSC}"}]})),
        "prodigy-label": (f"prodigy{OSC}.jsonl", json.dumps({"text": text, "answer": "accept", "spans": [{"start": 0, "end": 5, "label": label}]})),
        "prodigy-unknown": (f"unknown{OSC}.jsonl", json.dumps({"text": text, "answer": "accept", "spans": [{"start": 0, "end": 5, "label": "ROLE"}]})),
        "prodigy-analyst": (f"prodigy-name{C1}.jsonl", json.dumps({"text": text, "answer": "accept", "_annotator_id": f"eve{OSC}"})),
        "prodigy-answer": ("answer.jsonl", json.dumps({"text": text, "answer": f"yes{OSC}"})),
        "doccano-label": (f"doccano{CSI}.jsonl", json.dumps({"text": text, "label": [[0, 5, label]]})),
        "doccano-relation": ("relation.jsonl", json.dumps({"text": text, "entities": [{"id": 1, "start_offset": 0, "end_offset": 5, "label": "PERSON"}], "relations": [{"from_id": 1, "to_id": evil}]})),
        "labelstudio-label": (f"ls{OSC}.json", json.dumps([{"data": {"text": text}, "annotations": [{"result": [{"value": {"start": 0, "end": 5, "labels": [label]}}]}]}])),
        "labelstudio-region": ("region.json", json.dumps([{"data": {"text": text}, "annotations": [{"result": [{"type": "relation", "from_id": evil, "to_id": evil}]}]}])),
        "json-type": (f"type{OSC}.jsonl", json.dumps({"text": 5})),
        "json-broken": (f"broken{OSC}.jsonl", '{"text": "x' + OSC),
    }
    out = {}
    for case, (name, content) in files.items():
        (folder / name).write_text(content + "\n", encoding="utf-8")
        out[case] = folder / name
    (folder / f"brat{OSC}.txt").write_text(text, encoding="utf-8")
    (folder / f"brat{OSC}.ann").write_text(f"T1\tPERSON 0 5\tAlice\nA1\tNegated T9{OSC}\nR1\tOrigin Arg1:T1 Arg2:{evil}\n", encoding="utf-8")
    out["brat-refers"] = folder / f"brat{OSC}.ann"
    (folder / "label.txt").write_text(text, encoding="utf-8")
    (folder / "label.ann").write_text(f"T1\tPERSON{CSI} 0 5\tAlice\nT1{OSC}\tPERSON 0 5\tAlice\n", encoding="utf-8")
    out["brat-label"] = folder / "label.ann"
    (folder / "name.txt").write_text(text, encoding="utf-8")
    (folder / "name.ann").write_text(f"T1\tPERSON 0 5\tAlice\nA1\tAnnotator T1 {OSC}eve\n", encoding="utf-8")
    out["brat-analyst"] = folder / "name.ann"
    (folder / f"tags{C1}.conll").write_text(f"Alice B-PER{OSC}\nmet O\n", encoding="utf-8")
    out["conll-label"] = folder / f"tags{C1}.conll"
    (folder / "own.conll").write_text(f"-DOCSTART-\tdoc\t{OSC}eve\n\nAlice\tO\tB-PERSON\tO\n", encoding="utf-8")
    out["conll-analyst"] = folder / "own.conll"
    (folder / "bad-tag.conll").write_text(f"Alice X-{OSC}\n", encoding="utf-8")
    out["conll-tag"] = folder / "bad-tag.conll"
    return out


CASES = [
    "native-label", "native-analyst", "native-quoted", "prodigy-label", "prodigy-unknown", "prodigy-analyst",
    "prodigy-answer", "doccano-label", "doccano-relation", "labelstudio-label", "labelstudio-region", "json-type",
    "json-broken", "brat-refers", "brat-label", "brat-analyst", "conll-label", "conll-analyst", "conll-tag",
]



@pytest.mark.parametrize("case", CASES)
def test_importing_a_hostile_file_is_refused_safely(seeded: Path, case: str) -> None:
    path = hostile_files(seeded.parent)[case]
    before = snapshot(seeded)
    result = run(seeded.parent, "import", path.name, "--db", seeded.name)
    assert result.returncode != 0
    assert snapshot(seeded) == before
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors and all(line.startswith("annotator: ") for line in errors)


def test_the_refusal_names_the_file_and_the_cause_in_placeholders(seeded: Path) -> None:
    files = hostile_files(seeded.parent)
    result = run(seeded.parent, "import", files["prodigy-label"].name, "--db", seeded.name)
    assert result.stderr.splitlines() == [
        "annotator: prodigy␛]0;pwned␇.jsonl:1: spans[0]: field 'label' 'ROLE\\x1b]0;pwned\\x07' holds an escape "
        "character (U+001B); a label is printable text"
    ]
    result = run(seeded.parent, "import", files["prodigy-unknown"].name, "--db", seeded.name)
    assert result.stderr.splitlines() == [
        "annotator: unknown␛]0;pwned␇.jsonl: label 'ROLE' has no kind; pass --map ROLE=entity|claim|quantity"
    ]
    result = run(seeded.parent, "import", files["brat-refers"].name, "--db", seeded.name)
    assert "refers to T9␛]0;pwned␇, which is not defined" in result.stderr


def test_a_label_no_one_can_type_is_said_to_be_so() -> None:
    mapping = LabelMap()
    assert mapping.hint("ROLE\x1b[2J").endswith("its name holds characters that cannot be typed, so --map cannot name it; rename it in the file")
    assert "\x1b" not in mapping.hint("ROLE\x1b[2J")
    assert mapping.hint("O'BRIEN ROLE") == (
        "label \"O'BRIEN ROLE\" has no kind; pass --map 'O'\"'\"'BRIEN ROLE=entity' (or claim or quantity for entity; quoted for the shell)"
    )


def test_accepted_files_with_hostile_keys_titles_and_names_report_safely(seeded: Path) -> None:
    cwd = seeded.parent
    text = "Alice met Bob in Paris."
    name = f"good{OSC}.jsonl"
    (cwd / name).write_text(json.dumps({"id": f"k{OSC}", "title": f"T{CSI}", "text": text, "spans": []}) + "\n", encoding="utf-8")
    assert run(cwd, "import", name, "--db", seeded.name).returncode == 0
    result = run(cwd, "import", name, "--db", seeded.name)  # "already imported as 'k...'"
    assert result.returncode == 0 and "already imported" in result.stdout
    changed = json.dumps({"id": f"k{OSC}", "title": f"T{CSI}", "text": text.replace("Paris", "Lyon"), "spans": []})
    (cwd / name).write_text(changed + "\n", encoding="utf-8")
    result = run(cwd, "import", name, "--db", seeded.name)  # "new version of 'k...'"
    assert result.returncode == 0
    text_name = f"article{OSC}.txt"
    (cwd / text_name).write_text(f"Officials Meet In Bishkek Today\n\n{CSI}Body text here.\n", encoding="utf-8")
    assert run(cwd, "import", text_name, "--db", seeded.name).returncode == 0
    result = run(cwd, "import", text_name, "--db", seeded.name)
    assert "article␛]0;pwned␇.txt: already imported" in result.stdout
    # brat: a note about an event names its hostile id
    (cwd / "ev.txt").write_text(text, encoding="utf-8")
    (cwd / "ev.ann").write_text(f"T1\tPERSON 0 5\tAlice\nE1{OSC}\tMeet:T1\nA1\tNegated E1{OSC}\n", encoding="utf-8")
    result = run(cwd, "import", "ev.ann", "--db", seeded.name)
    assert result.returncode == 0, result.stderr
    assert "is about E1␛]0;pwned␇, not a text span" in result.stdout


def test_a_hostile_label_in_a_spacy_file_is_refused_safely(seeded: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin, Span

    doc = spacy.blank("en")("Alice met Bob.")
    doc.spans["sc"] = [Span(doc, 0, 1, label=f"PER{OSC}")]
    doc.user_data["id"] = f"key{CSI}"
    doc.user_data["annotator"] = "alice"
    docbin = DocBin(store_user_data=True)
    docbin.add(doc)
    name = f"docs{OSC}.spacy"
    (seeded.parent / name).write_bytes(docbin.to_bytes())
    before = snapshot(seeded)
    result = run(seeded.parent, "import", name, "--db", seeded.name)
    assert result.returncode != 0 and snapshot(seeded) == before
    (seeded.parent / f"junk{OSC}.spacy").write_bytes(b"\x78\x9c" + OSC.encode())
    result = run(seeded.parent, "import", f"junk{OSC}.spacy", "--db", seeded.name)
    assert result.returncode != 0


def test_hostile_paths_and_options_on_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / f"folder{OSC}"
    folder.mkdir()
    (folder / f"orphan{CSI}.ann").write_text("T1\tPERSON 0 5\tAlice\n", encoding="utf-8")
    (folder / f"notes{C1}.docx").write_text("x", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("Secret Headline Text Here\n\nSecret.\n", encoding="utf-8")
    (folder / f"link{OSC}.txt").symlink_to(tmp_path / "outside.txt")
    for args in (
        ["import", folder.name],
        ["import", f"missing{OSC}.txt"],
        ["import", str(folder / f"notes{C1}.docx")],
        ["import", "x.jsonl", "--map", f"A{OSC}=entity"],
        ["import", "x.jsonl", "--map", f"A{CSI}"],
        ["import", "x.jsonl", "--format", f"bogus{OSC}"],
        ["import", "x.jsonl", "--annotator", f"eve{OSC}"],
        ["annotate", "--labels", f"missing{OSC}.json"],
        ["export", "--format", "conll", "--split", f"a{OSC}=1"],
    ):
        result = run(tmp_path, *args, "--db", "t.db")
        assert result.returncode != 0, args


def test_a_labels_file_with_hostile_values_is_refused_safely(tmp_path: Path) -> None:
    for item in (
        {"name": f"X{OSC}", "kind": "entity", "key": "g"},
        {"name": "X", "kind": f"entity{CSI}", "key": "g"},
        {"name": "X", "kind": "entity", "key": f"{C1}"},
        {"name": "X", "kind": "entity", "key": "g", "color": f"#{OSC}"},
    ):
        labels = tmp_path / f"labels{OSC}.json"
        labels.write_text(json.dumps([item]), encoding="utf-8")
        result = run(tmp_path, "annotate", "--db", "x.db", "--labels", labels.name)
        assert result.returncode != 0


# -- the same through a real child process --------------------------------------------------------


def test_a_child_process_import_and_export_print_nothing_raw(seeded: Path, hostile: Path) -> None:
    cwd = seeded.parent
    files = hostile_files(cwd)
    for case in ("prodigy-label", "brat-refers", "conll-label"):
        result = check(run_cli_process(cwd, "import", files[case].name, "--db", seeded.name, name=NAME))
        assert result.returncode != 0 and result.stderr.startswith("annotator: ")
    result = check(run_cli_process(cwd, "export", "--db", hostile.name, "--format", "conll", "--out", f"x{OSC}.conll", name=NAME))
    assert result.returncode == 0 and "dropped by overlap" in result.stdout
    result = check(run_cli_process(cwd, "stats", "--db", hostile.name, name=NAME))
    assert "ORG␛]0;pwned␇" in result.stdout


def test_brat_analyst_names_are_percent_decoded_before_they_are_checked(seeded: Path) -> None:
    cwd = seeded.parent
    (cwd / "pct.txt").write_text("Alice met Bob.", encoding="utf-8")
    (cwd / "pct.ann").write_text(f"T1\tPERSON 0 5\tAlice\nA1\tAnnotator T1 {quote(OSC + 'eve', safe='')}\n", encoding="utf-8")
    result = run(cwd, "import", "pct.ann", "--db", seeded.name)
    assert result.returncode != 0 and "control characters" in result.stderr
