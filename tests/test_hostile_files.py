"""Hostile files that used to crash, exhaust memory or reach outside: one clear line each.

Every refusal is checked the same way: a non-zero exit, no traceback, one line that
names the file (and the line or record where there is one) and the cause, and a
database that already held work left exactly as it was.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest
from cli_support import documents, run_cli, snapshot

from annotator.store import Store

NAME = "hostile-tester"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME)


def refused(result: subprocess.CompletedProcess[str], pattern: str) -> str:
    """A refused import: non-zero exit, no traceback, the one line on stderr matches pattern."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]



def import_refused(seeded: Path, path: Path, pattern: str, *extra: str) -> str:
    before = snapshot(seeded)
    line = refused(run(seeded.parent, "import", str(path), "--db", str(seeded), *extra), pattern)
    assert snapshot(seeded) == before
    return line


# -- JSON beyond Python's limits -----------------------------------------------------------


def test_json_lines_nested_1000_deep_is_one_line_naming_the_line(seeded: Path) -> None:
    source = seeded.parent / "deep.jsonl"
    source.write_text('{"text": "Fine first line."}\n' + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    import_refused(seeded, source, r"^annotator: .*deep\.jsonl:2: not valid JSON: nested deeper than 100 levels$")


def test_json_array_nested_1000_deep_names_the_line_where_it_gets_too_deep(seeded: Path) -> None:
    source = seeded.parent / "deep.json"
    source.write_text('[\n{"text": "Fine."},\n{"text": "Deep.",\n "meta": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}\n]\n", encoding="utf-8")
    import_refused(seeded, source, r"deep\.json:4: not valid JSON: nested deeper than 100 levels$")


@pytest.mark.parametrize("fmt", ["native", "prodigy", "labelstudio"])
def test_meta_nested_deeper_than_the_limit_is_a_bad_record(seeded: Path, fmt: str) -> None:
    # 150 levels parse in Python but are more than any real meta: refused before SQLite's JSON sees them.
    deep: object = 1
    for _ in range(150):
        deep = {"a": deep}
    record = {
        "native": {"text": "A fine text.", "meta": deep},
        "prodigy": {"text": "A fine text.", "answer": "accept", "meta": deep},
        "labelstudio": {"data": {"text": "A fine text."}, "meta": deep},
    }[fmt]
    source = seeded.parent / f"deep-{fmt}.jsonl"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    import_refused(seeded, source, rf"deep-{fmt}\.jsonl:1.*: meta is nested deeper than 100 levels$")


def test_span_attrs_nested_too_deep_are_a_bad_record(seeded: Path) -> None:
    attrs: object = 1
    for _ in range(900):
        attrs = [attrs]
    source = seeded.parent / "attrs.jsonl"
    span = {"start": 0, "end": 4, "label": "ORG", "attrs": {"x": attrs}}
    source.write_text(json.dumps({"text": "GKNB said so.", "spans": [span]}) + "\n", encoding="utf-8")
    import_refused(seeded, source, r"attrs\.jsonl:1: a span's attrs are nested deeper than 100 levels$")


def test_an_offset_of_5000_digits_is_one_line_naming_the_line(seeded: Path) -> None:
    source = seeded.parent / "digits.jsonl"
    source.write_text(
        '{"text": "Alice met Bob."}\n{"text": "Alice met Bob again.", "spans": [{"start": ' + "7" * 5000 + ', "end": 5, "label": "PERSON"}]}\n',
        encoding="utf-8",
    )
    import_refused(seeded, source, r"digits\.jsonl:2: not valid JSON: a number with 5000 digits \(at most \d+ are read\)$")


def test_an_offset_of_5000_digits_in_a_json_array_names_its_line(seeded: Path) -> None:
    source = seeded.parent / "digits.json"
    source.write_text('[\n{"text": "One."},\n{"text": "Two.", "id": ' + "9" * 5000 + "}\n]\n", encoding="utf-8")
    import_refused(seeded, source, r"digits\.json:3: not valid JSON: a number with 5000 digits")


def test_an_offset_of_4000_digits_is_named_by_its_size_not_quoted(seeded: Path) -> None:
    source = seeded.parent / "long.jsonl"
    source.write_text(json.dumps({"text": "Alice met Bob.", "answer": "accept", "spans": [{"start": int("7" * 4000), "end": 5, "label": "PERSON"}]}) + "\n", encoding="utf-8")
    line = import_refused(seeded, source, r"long\.jsonl:1: spans\[0\]: field 'start' is too large to be an offset \(4000 digits\)$")
    assert len(line) < 200


@pytest.mark.parametrize("offset", ["7" * 5000, "²", "١٢"])
def test_brat_offsets_that_are_not_plain_numbers_are_one_line(seeded: Path, offset: str) -> None:
    folder = seeded.parent / "brat"
    folder.mkdir()
    (folder / "doc.txt").write_text("Alice met Bob.", encoding="utf-8")
    (folder / "doc.ann").write_text(f"T1\tPERSON 0 5\tAlice\nT2\tPERSON {offset} 13\tBob\n", encoding="utf-8")
    line = import_refused(seeded, folder / "doc.ann", r"doc\.ann:2: (an offset has more than 18 digits|offsets .* are not START END)")
    assert len(line) < 200


def test_a_labels_file_nested_1000_deep_is_one_line(tmp_path: Path) -> None:
    labels = tmp_path / "labels.json"
    labels.write_text("[" * 1000 + "]" * 1000, encoding="utf-8")
    result = run(tmp_path, "annotate", "--db", str(tmp_path / "x.db"), "--labels", str(labels))
    refused(result, r"labels\.json: cannot read labels file: JSON nested too deeply$")


# -- a zlib bomb named .spacy -----------------------------------------------------------------


def zlib_bomb(path: Path, megabytes: int) -> None:
    """About `megabytes` MB of zeros in about megabytes KB: the same full-flush block repeated.

    Built in a few milliseconds, so the test commits no large file and spends no time
    compressing; the stream has no end, which no reader gets to before the limits.
    """
    compressor = zlib.compressobj(9)
    zeros = bytes(1 << 20)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    path.write_bytes(first + block * (megabytes - 1))


BOUNDED_IMPORT = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GB of address space
    sys.argv = ["annotator", "import", sys.argv[1], "--db", sys.argv[2]]
    from annotator.cli import main
    main()
    """
)


def test_a_2_mb_zlib_bomb_is_refused_quickly_within_1_gb(seeded: Path) -> None:
    pytest.importorskip("spacy")
    bomb = seeded.parent / "bomb.spacy"
    zlib_bomb(bomb, 2000)  # 2 MB that inflate to 2 GB
    assert bomb.stat().st_size < 3_000_000
    before = snapshot(seeded)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", BOUNDED_IMPORT, str(bomb), str(seeded)],
        capture_output=True, text=True, cwd=seeded.parent, env=env, timeout=120,
    )
    assert time.monotonic() - started < 60
    refused(result, r"bomb\.spacy: refused: inflates to more than \d+ MB, over 200 times its size")
    assert snapshot(seeded) == before


def test_the_inflated_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.errors import InputError
    from annotator.importers import spacy_docbin
    from annotator.importers.spacy_docbin import MAX_INFLATED, SMALL_BUDGET, check_inflated_size

    small = tmp_path / "small.spacy"
    small.write_bytes(zlib.compress(bytes(SMALL_BUDGET)))  # 64 MB of zeros: a small file may inflate far
    assert check_inflated_size(small, small.read_bytes()) == SMALL_BUDGET
    big = tmp_path / "big.spacy"
    zlib_bomb(big, MAX_INFLATED // 2**20 + 8)
    with pytest.raises(InputError, match=r"big\.spacy: refused: inflates to more than \d+ MB, over 200 times its size"):
        check_inflated_size(big, big.read_bytes())
    monkeypatch.setattr(spacy_docbin, "MAX_RATIO", 10_000)  # the absolute limit holds whatever the ratio
    with pytest.raises(InputError, match=r"big\.spacy: refused: inflates to more than 512 MB, the most a \.spacy file may hold"):
        check_inflated_size(big, big.read_bytes())
    with pytest.raises(InputError, match=r"junk\.spacy: not a spaCy DocBin \(not zlib-compressed data"):
        check_inflated_size(tmp_path / "junk.spacy", b"\x78\x9c not zlib at all")


# -- symbolic links in an imported folder --------------------------------------------------------


def article(title: str) -> str:
    return f"{title}\n\nOfficials said on Tuesday that the meeting would go ahead.\n"


def test_a_link_leaving_the_folder_is_skipped_and_reported(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(article("Private Notes Never Shared"), encoding="utf-8")
    (tmp_path / "outside" / "more").mkdir()
    (tmp_path / "outside" / "more" / "other.txt").write_text(article("Other Private Notes Here"), encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "real.txt").write_text(article("Officials Meet In Bishkek"), encoding="utf-8")
    (corpus / "a.txt").symlink_to("../outside/secret.txt")
    (corpus / "linked").symlink_to("../outside/more", target_is_directory=True)
    (corpus / "absolute.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    db = tmp_path / "team.db"
    result = run(tmp_path, "import", "corpus", "--db", str(db))
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert sorted(result.stderr.splitlines()) == [
        "annotator: skipped: corpus/a.txt links outside the folder (--follow-links imports it)",
        "annotator: skipped: corpus/absolute.txt links outside the folder (--follow-links imports it)",
        "annotator: skipped: corpus/linked links outside the folder (--follow-links imports it)",
    ]
    assert [d.key for d in documents(db)] == ["real"]
    assert not any("Private" in d.text for d in documents(db))
    # Named on the command line, the link is the user's explicit choice.
    result = run(tmp_path, "import", "corpus/a.txt", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert {d.key for d in documents(db)} == {"real", "a"}


def test_following_links_outside_is_only_on_request(tmp_path: Path) -> None:
    from annotator.importers import collect_files

    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(article("Private Notes Never Shared"), encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").symlink_to("../outside/secret.txt")
    assert collect_files([corpus]) == ([], [f"skipped: {corpus / 'a.txt'} links outside the folder (--follow-links imports it)"])
    assert collect_files([corpus], follow_links=True) == ([corpus / "a.txt"], [])
    result = run_cli(tmp_path, "import", "corpus", "--follow-links", "--db", "team.db", name="alice")
    assert result.returncode == 0, result.stderr
    with Store.open(tmp_path / "team.db", create=False) as store:
        assert [d.key for d in store.list_documents()] == ["a"]


def test_a_brat_ann_leading_outside_leaves_its_document_out(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "doc.ann").write_text("T1\tPERSON 0 5\tAlice\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "doc.txt").write_text("Alice met Bob.", encoding="utf-8")
    (corpus / "doc.ann").symlink_to("../outside/doc.ann")
    db = tmp_path / "team.db"
    result = run(tmp_path, "import", "corpus", "--db", str(db))
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "annotator: skipped: corpus/doc.ann links outside the folder (--follow-links imports it)"
    ]
    assert not db.exists() or documents(db) == []


def test_links_inside_the_folder_import_each_file_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "real.txt").write_text(article("Officials Meet In Bishkek"), encoding="utf-8")
    (corpus / "b.txt").symlink_to("real.txt")
    (corpus / "sub" / "c.txt").symlink_to("../real.txt")
    (corpus / "sub" / "only-link.txt").symlink_to("../other/kept.txt")
    (corpus / "other").mkdir()
    (corpus / "other" / "kept.txt").write_text(article("Second Article Stays In"), encoding="utf-8")
    (corpus / "again").symlink_to("sub", target_is_directory=True)
    db = tmp_path / "team.db"
    result = run(tmp_path, "import", "corpus", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sorted(d.key for d in documents(db)) == ["kept", "real"]
    assert "2 documents added, 0 already present" in result.stdout


# -- label and analyst names no format can hold ----------------------------------------------------------

BAD_LABELS = {
    "tab": ("MY\tROLE", r"a tab \(U\+0009\)"),
    "newline": ("MY\nROLE", r"a line break \(U\+000A\)"),
    "line separator": ("MY\u2028ROLE", r"a line or paragraph separator \(U\+2028\)"),
    "escape": ("\x1b]0;pwned\x07ROLE", r"an escape character \(U\+001B\)"),
    "C1 CSI": ("ROLE\x9b2J", r"a control character \(U\+009B\)"),
    "no-break space": ("MY\u00a0ROLE", r"white space other than a plain space \(U\+00A0\)"),
    "bidi override": ("ROLE\u202e", r"an invisible formatting character \(U\+202E\)"),
    "trailing space": ("ROLE ", r"starts or ends with a space"),
}


def label_files(folder: Path, label: str) -> dict[str, Path]:
    """One file per format holding a span with this label, on line 1 (brat: the .ann's line 1)."""
    text = "Alice met Bob."
    files = {
        "native": ("n.jsonl", json.dumps({"text": text, "spans": [{"start": 0, "end": 5, "label": label, "kind": "entity"}]})),
        "prodigy": ("p.jsonl", json.dumps({"text": text, "answer": "accept", "spans": [{"start": 0, "end": 5, "label": label}]})),
        "doccano": ("d.jsonl", json.dumps({"text": text, "label": [[0, 5, label]]})),
        "doccano-entities": ("e.jsonl", json.dumps({"text": text, "entities": [{"id": 1, "start_offset": 0, "end_offset": 5, "label_name": label}]})),
        "labelstudio": ("ls.json", json.dumps([{"data": {"text": text}, "annotations": [{"result": [{"value": {"start": 0, "end": 5, "labels": [label]}}]}]}])),
    }
    out: dict[str, Path] = {}
    for fmt, (name, content) in files.items():
        (folder / name).write_text(content + "\n", encoding="utf-8")
        out[fmt] = folder / name
    if "\n" not in label and "\u2028" not in label and "\t" not in label and not label.endswith(" ") and " " not in label and "\u00a0" not in label:
        (folder / "b.txt").write_text(text, encoding="utf-8")
        (folder / "b.ann").write_text(f"T1\t{label} 0 5\tAlice\n", encoding="utf-8")
        out["brat"] = folder / "b.ann"
    if "\n" not in label and "\t" not in label:  # U+2028 stays inside a CoNLL row: the reader splits at "\n"
        rows = "\n".join(f"{tok}\t{tag}\tO\tO" for tok, tag in (("Alice", f"B-{label}"), ("met", "O"), ("Bob", "O"), (".", "O")))
        (folder / "c.conll").write_text(f"-DOCSTART-\tdoc\talice\n\n{rows}\n", encoding="utf-8")
        out["conll"] = folder / "c.conll"
    return out


@pytest.mark.parametrize("case", sorted(BAD_LABELS))
def test_a_label_no_format_can_hold_is_refused_by_every_importer(seeded: Path, case: str) -> None:
    label, cause = BAD_LABELS[case]
    for fmt, path in label_files(seeded.parent, label).items():
        line = import_refused(seeded, path, rf"{re.escape(path.name)}:\d+:.*label.* {cause}")
        assert "\x1b" not in line and "\x9b" not in line and "\t" not in line, (fmt, line)


def test_brat_labels_with_control_characters_are_refused(seeded: Path) -> None:
    folder = seeded.parent
    (folder / "b.txt").write_text("Alice met Bob.", encoding="utf-8")
    for label, cause in (("ROLE\x1b[2J", "an escape character"), ("ROLE\x0bX", r"a control character \(U\+000B\)"), ("ROLE\u2028X", "a line or paragraph separator")):
        (folder / "b.ann").write_text(f"T1\t{label} 0 5\tAlice\n", encoding="utf-8")
        import_refused(seeded, folder / "b.ann", rf"b\.ann:1: label .* {cause}")


def test_conll_tags_with_control_characters_are_refused(seeded: Path) -> None:
    source = seeded.parent / "plain.conll"
    source.write_text("Alice B-PER\x1b]0;x\x07\nmet O\n", encoding="utf-8")
    import_refused(seeded, source, r"plain\.conll:1: label 'PER\\x1b\]0;x\\x07' holds an escape character")


def test_spacy_labels_with_control_characters_are_refused(seeded: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin, Span

    nlp = spacy.blank("en")
    doc = nlp("Alice met Bob.")
    doc.spans["sc"] = [Span(doc, 0, 1, label="PER\tSON")]
    bin_ = DocBin(store_user_data=True)
    bin_.add(doc)
    source = seeded.parent / "labels.spacy"
    source.write_bytes(bin_.to_bytes())
    import_refused(seeded, source, r"labels\.spacy: doc 1: span 0: label 'PER\\tSON' holds a tab")


@pytest.mark.parametrize("spec", ["X=MY\tROLE", "MY\nROLE=entity", "X=ROLE\x1b[2J:entity", "X=A\u2028B"])
def test_map_values_no_format_can_hold_are_refused(seeded: Path, spec: str) -> None:
    source = seeded.parent / "p.jsonl"
    source.write_text(json.dumps({"text": "Alice met Bob.", "answer": "accept", "spans": [{"start": 0, "end": 5, "label": "X"}]}) + "\n", encoding="utf-8")
    line = import_refused(seeded, source, r"^annotator: --map .*: (name|label) '.*' holds ", "--map", spec)
    assert "\x1b" not in line and "\t" not in line


@pytest.mark.parametrize("name", ["PERSON\n", "PER\tSON", "PER\u2028", "PER\x1b"])
def test_a_labels_file_with_such_a_name_is_refused(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_app(*args: object) -> None:
        raise SystemExit("annotator: the labels were accepted and the app would open")

    monkeypatch.setattr("annotator.tui.app.make_app", no_app)
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"name": name, "kind": "entity", "key": "g"}]), encoding="utf-8")
    db = tmp_path / "x.db"
    result = run(tmp_path, "annotate", "--db", str(db), "--labels", str(labels))
    line = refused(result, r"labels\.json: label 1: 'name' must be a word of letters, digits, _ or -")
    assert "\n" not in line and "\x1b" not in line


def test_a_labels_file_color_with_a_final_line_break_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_app(*args: object) -> None:
        raise SystemExit("annotator: the labels were accepted and the app would open")

    monkeypatch.setattr("annotator.tui.app.make_app", no_app)
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"name": "ROLE", "kind": "entity", "key": "h", "color": "#abcdef\n"}]), encoding="utf-8")
    result = run(tmp_path, "annotate", "--db", str(tmp_path / "x.db"), "--labels", str(labels))
    refused(result, r"labels\.json: label 1: 'color' must look like #rrggbb \(got '#abcdef\\n'\)$")


ANALYSTS = {
    "tab": "ali\tce",
    "newline inside": "ali\nce",
    "line separator": "ali\u2028ce",
    "escape": "\x1b]0;pwned\x07eve",
    "C1": "eve\x9b2J",
    "no-break space": "ali\u00a0ce",
}


def analyst_files(folder: Path, name: str) -> dict[str, Path]:
    text = "Alice met Bob."
    files = {
        "native": ("n.jsonl", json.dumps({"text": text, "spans": [{"start": 0, "end": 5, "label": "PERSON", "annotator": name}]})),
        "prodigy": ("p.jsonl", json.dumps({"text": text, "answer": "accept", "_annotator_id": name, "spans": []})),
        "doccano": ("d.jsonl", json.dumps({"text": text, "label": [[0, 5, "PERSON"]], "meta": {"annotator": name}})),
        "doccano-old": ("o.jsonl", json.dumps({"text": text, "annotations": [{"label": 1, "start_offset": 0, "end_offset": 5, "user": 1, "user_name": name}]})),
        "labelstudio": ("ls.json", json.dumps([{"data": {"text": text}, "annotations": [{"completed_by": name, "result": []}]}])),
    }
    out: dict[str, Path] = {}
    for fmt, (file_name, content) in files.items():
        (folder / file_name).write_text(content + "\n", encoding="utf-8")
        out[fmt] = folder / file_name
    from urllib.parse import quote

    (folder / "b.txt").write_text(text, encoding="utf-8")
    (folder / "b.ann").write_text(f"T1\tPERSON 0 5\tAlice\nA1\tAnnotator T1 {quote(name, safe='')}\n", encoding="utf-8")
    out["brat"] = folder / "b.ann"
    if "\n" not in name and "\u2028" not in name and "\t" not in name:
        (folder / "c.conll").write_text(f"-DOCSTART-\tdoc\t{name}\n\nAlice\tO\tB-PERSON\tO\nmet\tO\tO\tO\n", encoding="utf-8")
        out["conll"] = folder / "c.conll"
    return out


@pytest.mark.parametrize("case", sorted(ANALYSTS))
def test_analyst_names_from_files_follow_the_rules_of_annotator(seeded: Path, case: str) -> None:
    for fmt, path in analyst_files(seeded.parent, ANALYSTS[case]).items():
        line = import_refused(seeded, path, rf"{re.escape(path.name)}:\d+.*annotator name contains control characters", "--map", "1=PERSON")
        assert "\x1b" not in line and "\x9b" not in line, (fmt, line)


def test_a_label_with_a_space_round_trips_through_conll_and_its_hint_is_quoted(tmp_path: Path) -> None:
    source = Path("p.jsonl")
    (tmp_path / source).write_text(
        json.dumps({"id": "d1", "text": "Alice met Bob in Paris.", "answer": "accept", "_annotator_id": "alice",
                    "spans": [{"start": 0, "end": 5, "label": "MY ROLE"}, {"start": 10, "end": 13, "label": "A=B"}]}) + "\n",
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    result = run(tmp_path, "import", str(source), "--db", str(db))
    assert result.returncode != 0
    assert sorted(result.stderr.splitlines()) == [
        "annotator: p.jsonl: label 'A=B' has no kind; pass --map A=B=entity|claim|quantity",
        "annotator: p.jsonl: label 'MY ROLE' has no kind; pass --map 'MY ROLE=entity' (or claim or quantity for entity; quoted for the shell)",
    ]
    # The hints are what a user pastes: exactly those arguments work.
    result = run(tmp_path, "import", str(source), "--db", str(db), "--map", "MY ROLE=entity", "--map", "A=B=quantity")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out.conll"
    assert run(tmp_path, "export", "--db", str(db), "--format", "conll", "--out", str(out)).returncode == 0
    back = tmp_path / "back.db"
    result = run(tmp_path, "import", str(out), "--db", str(back))
    assert result.returncode == 0, result.stderr
    [document] = documents(back)
    with Store.open(back, create=False) as store:
        got = sorted((s.label, document.text[s.start : s.end], s.annotator) for s in store.spans(document.id))
        kinds = {label.name: label.kind for label in store.labels()}
    assert got == [("A=B", "Bob", "alice"), ("MY ROLE", "Alice", "alice")]
    assert (kinds["MY ROLE"], kinds["A=B"]) == ("entity", "quantity")


# -- long document ids as brat file names -----------------------------------------------------------


def test_brat_export_of_ids_too_long_for_a_file_name_round_trips(tmp_path: Path) -> None:
    keys = ["я" * 180, "a" * 300, "a" * 299 + "b", "x/y:z", "plain"]
    source = tmp_path / "long.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": key, "text": f"Article number {n} mentions Bishkek.", "spans": [
                {"start": 26, "end": 33, "label": "PLACE", "annotator": "alice", "text": "Bishkek"}]}) + "\n"
            for n, key in enumerate(keys)
        ),
        encoding="utf-8",
    )
    db = tmp_path / "team.db"
    assert run(tmp_path, "import", str(source), "--db", str(db)).returncode == 0
    result = run(tmp_path, "export", "--db", str(db), "--format", "brat", "--out", "brat")
    assert result.returncode == 0, result.stderr
    assert "wrote 5 documents to brat" in result.stdout
    names = sorted(p.name for p in (tmp_path / "brat").iterdir())
    assert len(names) == 2 * len(keys) + 1  # unique names: two long keys sharing 299 characters stay two files
    assert all(len(name.encode("utf-8")) <= 204 for name in names)
    back = tmp_path / "back.db"
    result = run(tmp_path, "import", "brat", "--db", str(back))
    assert result.returncode == 0, result.stderr
    assert sorted(d.key for d in documents(back)) == sorted(keys)
    with Store.open(back, create=False) as store:
        for document in documents(back):
            [span] = store.spans(document.id)
            assert (document.text[span.start : span.end], span.annotator) == ("Bishkek", "alice")
