"""`annotator import` of other tools' files: Prodigy, doccano, Label Studio, brat.

Every fixture is written here in the tool's own shape, into a temporary folder, and
imported into a real database file through the console script's entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import documents, run_cli, snapshot

from annotator.agreement import inputs_from_store
from annotator.importers import LabelMap, collect_files, import_file
from annotator.importers.detect import detect_records, sniff
from annotator.store import Store

NAME = "importer"
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # 5 code points, 8 UTF-16 units
TEXT = f"{FAMILY} Sadyr Japarov met Vladimir Putin in Kazan; the talks cost $5 million."


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name=NAME)


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def spans_of(db: Path, key: str | None = None) -> list:
    with Store.open(db, create=False) as store:
        found = []
        for summary in store.list_documents():
            if key is None or summary.key == key:
                found.extend(store.spans(summary.id))
        return found


def labels(db: Path) -> dict[str, str]:
    with Store.open(db, create=False) as store:
        return {label.name: label.kind for label in store.labels()}


def write_jsonl(path: Path, *objects: object, newline: str = "\n") -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + newline for o in objects), encoding="utf-8")
    return path


def at(source: str, target: str, label: str, **extra: Any) -> dict[str, Any]:
    start = source.index(target)
    return {"start": start, "end": start + len(target), "label": label, **extra}


def utf16(text: str, offset: int) -> int:
    """Where JavaScript (a UTF-16 string) counts code point `offset` of text."""
    return len(text[:offset].encode("utf-16-le")) // 2


def triples(spans: list) -> set[tuple[str, str, str]]:
    return {(s.text, s.label, s.annotator) for s in spans}


def check_slices(db: Path) -> None:
    """Every stored span covers exactly the text it says it does."""
    for doc in documents(db):
        for span in spans_of(db, doc.key):
            assert doc.text[span.start : span.end] == span.text


# -- Prodigy -----------------------------------------------------------------------------


def prodigy_file(path: Path) -> Path:
    second = "Officials in Bishkek rejected the report."
    return write_jsonl(
        path,
        {
            "text": TEXT,
            "spans": [
                at(TEXT, "Sadyr Japarov", "PERSON", token_start=1, token_end=2),
                at(TEXT, "Vladimir Putin", "PERSON", text="Vladimir Putin"),
                at(TEXT, "Putin", "PER"),  # overlapping, another label
                at(TEXT, "Kazan", "GPE", answer="reject"),  # the span's own answer
                at(TEXT, "$5 million", "MONEY", answer="accept"),
            ],
            "meta": {"source": "wire", "score": 0.5},
            "_input_hash": 1,
            "_task_hash": 2,
            "_annotator_id": "news-alice",
            "_session_id": "news-alice",
            "answer": "accept",
        },
        {"text": second, "spans": [at(second, "Bishkek", "GPE")], "_session_id": "news-bob", "answer": "reject"},
        {"text": "An ignored task with no spans at all.", "_session_id": "news-bob", "answer": "ignore"},
        {"text": "An accepted task without a spans key.", "answer": "accept"},
    )


def test_prodigy_accepted_spans_become_annotations_and_the_rest_is_kept_apart(tmp_path: Path) -> None:
    prodigy_file(tmp_path / "news.jsonl")
    result = run(tmp_path, "import", "news.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "4 documents added, 0 already present, 4 spans added, 2 records not accepted kept apart" in result.stdout

    first, rejected, ignored, empty = documents(tmp_path / "a.db")
    assert first.text == TEXT and first.meta["source"] == "wire"
    assert triples(spans_of(tmp_path / "a.db", first.key)) == {
        ("Sadyr Japarov", "PERSON", "news-alice"),
        ("Vladimir Putin", "PERSON", "news-alice"),
        ("Putin", "PER", "news-alice"),
        ("$5 million", "MONEY", "news-alice"),
    }
    kazan = TEXT.index("Kazan")
    assert first.meta["prodigy_rejected"] == [
        {
            "source": "news.jsonl:1",
            "answer": "accept",
            "annotator": "news-alice",
            "spans": [{"start": kazan, "end": kazan + 5, "label": "GPE", "text": "Kazan", "answer": "reject"}],
        }
    ]
    # Rejected and ignored tasks: reviewable documents, their spans never anyone's work.
    assert spans_of(tmp_path / "a.db", rejected.key) == []
    assert rejected.meta["prodigy_rejected"][0]["answer"] == "reject"
    assert rejected.meta["prodigy_rejected"][0]["spans"][0]["text"] == "Bishkek"
    assert ignored.meta["prodigy_rejected"] == [
        {"source": "news.jsonl:3", "answer": "ignore", "annotator": "news-bob", "spans": []}
    ]
    assert empty.meta == {} and spans_of(tmp_path / "a.db", empty.key) == []
    assert labels(tmp_path / "a.db")["MONEY"] == "quantity"
    assert labels(tmp_path / "a.db")["PER"] == "entity"
    assert "GPE" not in labels(tmp_path / "a.db")  # only in rejected spans
    with Store.open(tmp_path / "a.db", create=False) as store:
        assert "news-bob" not in store.annotators()
    check_slices(tmp_path / "a.db")

    # Again: nothing new, and the kept-apart records are not repeated.
    before = snapshot(tmp_path / "a.db")
    again = run(tmp_path, "import", "news.jsonl", "--db", "a.db")
    assert again.returncode == 0, again.stderr
    assert snapshot(tmp_path / "a.db") == before


def test_prodigy_rejection_of_a_text_already_stored_is_added_to_its_meta(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "alice.jsonl", {"text": TEXT, "spans": [at(TEXT, "Kazan", "GPE")], "answer": "accept", "_annotator_id": "alice"})
    write_jsonl(tmp_path / "bob.jsonl", {"text": TEXT, "spans": [at(TEXT, "Kazan", "GPE")], "answer": "reject", "_annotator_id": "bob"})
    assert run(tmp_path, "import", "alice.jsonl", "--db", "a.db").returncode == 0
    result = run(tmp_path, "import", "bob.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "0 documents added, 1 already present, 0 spans added, 1 record not accepted kept apart" in result.stdout
    (doc,) = documents(tmp_path / "a.db")
    assert [entry["annotator"] for entry in doc.meta["prodigy_rejected"]] == ["bob"]
    assert triples(spans_of(tmp_path / "a.db")) == {("Kazan", "GPE", "alice")}


def test_prodigy_record_without_an_answer_is_not_annotation(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "raw.jsonl", {"text": TEXT, "spans": [at(TEXT, "Kazan", "GPE")], "_input_hash": 5})
    result = run(tmp_path, "import", "raw.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert spans_of(tmp_path / "a.db") == []
    (doc,) = documents(tmp_path / "a.db")
    assert doc.meta["prodigy_rejected"][0]["answer"] is None


# -- doccano -----------------------------------------------------------------------------


def test_doccano_label_labels_and_entities_with_relations(tmp_path: Path) -> None:
    crlf = "Headline About Kazan\r\n\r\nVladimir Putin arrived in Kazan.\r\n"
    cjk = "北京市长会见了 Sadyr Japarov。"
    accents = "Cafe\u0301 owner Zoe\u0308 sued Acme."  # combining marks: two code points each
    write_jsonl(
        tmp_path / "doccano.jsonl",
        {"id": 11, "text": TEXT, "label": [[TEXT.index("Kazan"), TEXT.index("Kazan") + 5, "LOC"], [0, 5, "OTHER"]], "Comments": []},
        {"id": 12, "text": crlf, "labels": [list(at(crlf, "Vladimir Putin", "PERSON").values()), list(at(crlf, "Kazan", "GPE").values())]},
        {
            "id": 13,
            "text": cjk,
            "entities": [
                {"id": 101, "label": "GPE", "start_offset": 0, "end_offset": 3},
                {"id": 102, "label": "PERSON", "start_offset": cjk.index("Sadyr"), "end_offset": cjk.index("。")},
            ],
            "relations": [{"id": 7, "from_id": 102, "to_id": 101, "type": "mayor_of"}],
        },
        {"id": 14, "text": accents, "label": [[accents.index("Zoe"), accents.index("Zoe") + 4, "PERSON"]], "meta": {"k": 1}},
        {"id": 15, "text": "A document with no labels."},
    )
    result = run(tmp_path, "import", "doccano.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "5 documents added, 0 already present, 7 spans added" in result.stdout
    db = tmp_path / "a.db"
    assert [d.key for d in documents(db)] == ["11", "12", "13", "14", "15"]
    assert triples(spans_of(db, "11")) == {("Kazan", "LOC", NAME), (FAMILY, "OTHER", NAME)}
    assert {s.text for s in spans_of(db, "12")} == {"Vladimir Putin", "Kazan"}
    assert documents(db)[1].text == "Headline About Kazan\n\nVladimir Putin arrived in Kazan.\n"
    by_text = {s.text: s for s in spans_of(db, "13")}
    assert set(by_text) == {"北京市", "Sadyr Japarov"}
    assert by_text["Sadyr Japarov"].attrs == {"doccano_id": 102, "relations": [{"id": 7, "type": "mayor_of", "to": 101}]}
    assert by_text["北京市"].attrs == {"doccano_id": 101}
    assert [s.text for s in spans_of(db, "14")] == ["Zoe\u0308"]
    assert documents(db)[3].meta == {"k": 1}
    assert labels(db)["LOC"] == "entity"
    check_slices(db)


def test_doccano_numeric_label_ids_need_a_map_and_users_become_analysts(tmp_path: Path) -> None:
    text = "EU rejects German call to boycott British lamb."
    write_jsonl(
        tmp_path / "old.jsonl",
        {
            "id": 15,
            "text": text,
            "annotations": [
                {"label": 7, "start_offset": 0, "end_offset": 2, "user": 1},
                {"label": 6, "start_offset": 11, "end_offset": 17, "user": 2},
                {"label": 6, "start_offset": 34, "end_offset": 41, "user_name": "carol", "user": 3},
            ],
            "meta": {},
            "annotation_approver": None,
        },
    )
    failed = run(tmp_path, "import", "old.jsonl", "--db", "a.db")
    assert failed.returncode == 1
    assert errors(failed) == [
        "annotator: old.jsonl: label '7' has no kind; pass --map 7=entity|claim|quantity",
        "annotator: old.jsonl: label '6' has no kind; pass --map 6=entity|claim|quantity",
    ]
    assert snapshot(tmp_path / "a.db")["documents"] == []

    result = run(tmp_path, "import", "old.jsonl", "--db", "a.db", "--map", "7=ORG", "--map", "6=NATIONALITY:entity")
    assert result.returncode == 0, result.stderr
    assert triples(spans_of(tmp_path / "a.db")) == {
        ("EU", "ORG", "doccano-user-1"),
        ("German", "NATIONALITY", "doccano-user-2"),
        ("British", "NATIONALITY", "carol"),
    }
    assert labels(tmp_path / "a.db")["NATIONALITY"] == "entity"


# -- Label Studio ------------------------------------------------------------------------


def ls_region(text: str, target: str, label: str, ident: str, units: str = "code points", quote: bool = True, **extra: Any) -> dict[str, Any]:
    start = text.index(target)
    end = start + len(target)
    if units == "utf-16":
        start, end = utf16(text, start), utf16(text, end)
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if quote:
        value["text"] = target
    return {"id": ident, "from_name": "label", "to_name": "text", "type": "labels", "value": value, **extra}


def ls_tasks() -> list[dict[str, Any]]:
    return [
        {
            "id": 1,
            "data": {"text": TEXT, "source": "wire"},
            "meta": {"batch": 3},
            "annotations": [
                {
                    "id": 10,
                    "completed_by": 1,
                    "was_cancelled": False,
                    "created_at": "2024-01-02T03:04:05Z",
                    "result": [
                        ls_region(TEXT, "Sadyr Japarov", "PERSON", "r1"),
                        ls_region(TEXT, "Kazan", "GPE", "r2"),
                        {"from_id": "r1", "to_id": "r2", "type": "relation", "direction": "right", "labels": ["visits"]},
                        {"id": "c1", "type": "choices", "value": {"choices": ["politics"]}, "from_name": "topic", "to_name": "text"},
                    ],
                },
                {"id": 11, "completed_by": {"id": 2, "email": "bob@example.org"}, "result": [ls_region(TEXT, "Sadyr Japarov", "PERSON", "x1")]},
                {"id": 12, "completed_by": 3, "was_cancelled": True, "result": []},
            ],
            "predictions": [
                {"model_version": "ner-v2", "score": 0.71, "result": [ls_region(TEXT, "Vladimir Putin", "PERSON", "p1", score=0.93)]}
            ],
        },
        {"id": 2, "data": {"text": "A task nobody annotated yet."}, "annotations": [], "predictions": []},
    ]


def test_label_studio_export_annotations_and_predictions_as_suggestions(tmp_path: Path) -> None:
    (tmp_path / "export.json").write_text(json.dumps(ls_tasks(), indent=2, ensure_ascii=False), encoding="utf-8")
    result = run(tmp_path, "import", "export.json", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "2 documents added, 0 already present, 4 spans added (1 of them model suggestion)" in result.stdout
    assert "export.json: 1 cancelled annotation not imported" in result.stdout
    assert "export.json: 1 result of type 'choices' not imported" in result.stdout
    db = tmp_path / "a.db"
    first, second = documents(db)
    assert (first.key, second.key) == ("1", "2")
    assert first.meta == {"batch": 3, "data": {"source": "wire"}}
    spans = {(s.text, s.annotator): s for s in spans_of(db, "1")}
    assert set(spans) == {
        ("Sadyr Japarov", "ls-user-1"),
        ("Kazan", "ls-user-1"),
        ("Sadyr Japarov", "bob@example.org"),
        ("Vladimir Putin", "suggestion:ner-v2"),
    }
    assert spans[("Sadyr Japarov", "ls-user-1")].attrs == {"ls_id": "r1", "relations": [{"to": "r2", "labels": ["visits"], "direction": "right"}]}
    assert spans[("Sadyr Japarov", "ls-user-1")].created_at == "2024-01-02T03:04:05Z"
    assert spans[("Vladimir Putin", "suggestion:ner-v2")].attrs == {"suggestion": True, "score": 0.93}
    assert spans_of(db, "2") == []
    check_slices(db)

    # Agreement compares analysts; a model's suggestions are left out unless named.
    with Store.open(db, create=False) as store:
        _, chosen = inputs_from_store(store)
        assert chosen == ["bob@example.org", "ls-user-1"]
        _, named = inputs_from_store(store, ["ls-user-1", "suggestion:ner-v2"])
        assert named == ["ls-user-1", "suggestion:ner-v2"]


def test_label_studio_utf16_offsets_are_converted_and_code_points_kept(tmp_path: Path) -> None:
    """Older Label Studio counted JavaScript string indices; newer counts code points."""
    old = {
        "id": 1,
        "data": {"text": TEXT},
        "annotations": [
            {
                "completed_by": 1,
                "result": [
                    ls_region(TEXT, "Vladimir Putin", "PERSON", "a", units="utf-16"),
                    ls_region(TEXT, "Kazan", "GPE", "b", units="utf-16", quote=False),  # follows its annotation
                    ls_region(TEXT, FAMILY, "OTHER", "c", units="utf-16"),  # starts at 0 either way
                ],
            }
        ],
    }
    new_text = "新闻 🇰🇬 Bishkek e\u0301te\u0301 report"
    new = {
        "id": 2,
        "data": {"text": new_text},
        "annotations": [{"completed_by": 1, "result": [ls_region(new_text, "Bishkek", "GPE", "a"), ls_region(new_text, "report", "OTHER", "b", quote=False)]}],
    }
    (tmp_path / "one.json").write_text(json.dumps(old), encoding="utf-8")  # a single task object
    write_jsonl(tmp_path / "tasks.jsonl", new)  # tasks as JSON lines
    result = run(tmp_path, "import", "one.json", "tasks.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "one.json: offsets in 1 task were UTF-16 code units (older Label Studio); converted to code points" in result.stdout
    assert {s.text for s in spans_of(tmp_path / "a.db", "1")} == {"Vladimir Putin", "Kazan", FAMILY}
    assert {s.text for s in spans_of(tmp_path / "a.db", "2")} == {"Bishkek", "report"}
    putin = next(s for s in spans_of(tmp_path / "a.db", "1") if s.label == "PERSON")
    assert putin.start == TEXT.index("Vladimir")
    check_slices(tmp_path / "a.db")


def test_label_studio_errors_name_the_task_and_write_nothing(tmp_path: Path) -> None:
    tasks = ls_tasks()
    tasks[0]["annotations"][0]["result"][1]["value"]["text"] = "Moscow"  # matches neither reading
    tasks.append({"id": 3, "annotations": []})  # no data
    tasks.append({"id": 4, "data": {"text": "Short."}, "annotations": [{"result": [ls_region("Short.", "Short", "ORG", "z") | {"value": {"start": 3, "end": 99, "labels": ["ORG"]}}]}]})
    (tmp_path / "bad.json").write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    result = run(tmp_path, "import", "bad.json", "--db", "a.db")
    assert result.returncode == 1
    lines = errors(result)
    assert len(lines) == 3, lines
    assert ": task 1: annotations[0].result[1]: 'text' 'Moscow' does not match the text at" in lines[0]
    assert lines[0].startswith("annotator: bad.json:2: task 1")
    assert ": task 3: field 'data' must be an object" in lines[1]
    assert ": task 4: annotations[0].result[0]: offsets 3-99 are reversed, empty or outside the text (length 6)" in lines[2]
    assert snapshot(tmp_path / "a.db")["documents"] == []

    skipped = run(tmp_path, "import", "bad.json", "--db", "a.db", "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert [line.split(": skipped: ")[1] for line in errors(skipped)] == [line.split("annotator: ")[1] for line in lines]
    assert "1 document added, 0 already present, 0 spans added, 3 problems skipped" in skipped.stdout
    assert [d.key for d in documents(tmp_path / "a.db")] == ["2"]


# -- brat --------------------------------------------------------------------------------


def brat_pair(folder: Path, stem: str, text: str, ann: str, newline: str = "\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.txt").write_bytes(text.encode("utf-8"))
    (folder / f"{stem}.ann").write_text(ann.replace("\n", newline), encoding="utf-8", newline="")
    return folder / f"{stem}.txt"


def test_brat_crlf_discontinuous_attributes_notes_and_relations(tmp_path: Path) -> None:
    raw = f"Kazan Talks Headline Here\r\n\r\n{FAMILY} Sadyr Japarov met\r\nVladimir Putin in Kazan.\r\n"

    def off(target: str, last: bool = False) -> str:
        start = raw.rindex(target) if last else raw.index(target)  # brat counts the "\r" of each "\r\n"
        return f"{start} {start + len(target)}"

    ann = (
        f"T1\tPERSON {off('Sadyr Japarov')}\tSadyr Japarov\n"
        f"T2\tPERSON {off('Vladimir')};{off('Putin')}\tVladimir Putin\n"
        f"T3\tGPE {off('Kazan', last=True)}\tKazan\n"
        f"T4\tOTHER {off(FAMILY + ' Sadyr')}\t{FAMILY} Sadyr\n"  # overlaps T1, after the \r\n pairs
        "A1\tNegated T1\n"
        "A2\tConfidence T2 High\n"
        "#1\tAnnotatorNotes T2\tPresident of Russia\n"
        "R1\tLocated Arg1:T2 Arg2:T3\n"
        "N1\tReference T3 Wikidata:Q900\tKazan\n"
        "E1\tMeet:T1 Agent:T2\n"
    )
    brat_pair(tmp_path / "in", "talks", raw, ann, newline="\r\n")
    result = run(tmp_path, "import", "in", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "1 document added, 0 already present, 5 spans added" in result.stdout
    assert "1 event line not imported" in result.stdout
    (doc,) = documents(tmp_path / "a.db")
    assert doc.key == "talks" and doc.title == "Kazan Talks Headline Here"
    assert doc.text == raw.replace("\r\n", "\n")  # not trimmed: the offsets point into it
    check_slices(tmp_path / "a.db")
    spans = {(s.text, s.attrs.get("fragment")): s for s in spans_of(tmp_path / "a.db")}
    assert set(spans) == {("Sadyr Japarov", None), ("Vladimir", 1), ("Putin", 2), ("Kazan", None), (FAMILY + " Sadyr", None)}
    assert spans[("Sadyr Japarov", None)].attrs == {"brat_id": "T1", "Negated": True}
    vladimir, putin = spans[("Vladimir", 1)], spans[("Putin", 2)]
    assert vladimir.attrs == {
        "brat_id": "T2",
        "fragment": 1,
        "fragments": 2,
        "Confidence": "High",
        "relations": [{"id": "R1", "type": "Located", "to": "T3"}],
    }
    assert putin.attrs["brat_id"] == "T2" and putin.attrs["fragment"] == 2
    assert vladimir.note == putin.note == "President of Russia"
    assert spans[("Kazan", None)].attrs["normalizations"] == [{"id": "N1", "type": "Reference", "ref": "Wikidata:Q900", "text": "Kazan"}]
    assert labels(tmp_path / "a.db")["GPE"] == "entity"


def test_brat_offsets_counted_with_universal_newlines_are_accepted(tmp_path: Path) -> None:
    raw = "Headline Words For Test\r\n\r\nAlice met Bob.\r\n"
    lf = raw.replace("\r\n", "\n")
    start = lf.index("Bob")
    brat_pair(tmp_path, "lf", raw, f"T1\tPERSON {start} {start + 3}\tBob\n")
    result = run(tmp_path, "import", "lf.ann", "--db", "a.db")  # a .ann stands for its pair
    assert result.returncode == 0, result.stderr
    assert [s.text for s in spans_of(tmp_path / "a.db")] == ["Bob"]


def test_brat_errors_name_the_ann_line_and_skip_invalid_keeps_the_rest(tmp_path: Path) -> None:
    text = "Alice met Bob in Paris."
    ann = (
        "T1\tPERSON 0 5\tAlice\n"
        "T2\tPERSON 10 13\tRob\n"  # wrong text
        "\n"
        "T3\tGPE 17 99\tParis\n"  # out of range
        "A1\tNegated T2\n"  # about an invalid span
        "Q1\tsomething\n"
        "T4\tPLACE 17 22\tParis\n"
    )
    brat_pair(tmp_path, "doc", text, ann)
    result = run(tmp_path, "import", "doc.txt", "--db", "a.db")
    assert result.returncode == 1
    assert errors(result) == [
        "annotator: doc.ann:2: text 'Rob' does not match the text at 10 13 ('Bob')",
        "annotator: doc.ann:4: offsets 17-99 are reversed, empty or outside the text (length 23)",
        "annotator: doc.ann:5: refers to T2, which is invalid",
        "annotator: doc.ann:6: not a brat annotation line (it should start with T, A, M, R, E, N, # or *)",
    ]
    assert snapshot(tmp_path / "a.db")["documents"] == []

    skipped = run(tmp_path, "import", "doc.txt", "--db", "a.db", "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert len(errors(skipped)) == 4 and all(": skipped: doc.ann:" in line for line in errors(skipped))
    assert {s.text for s in spans_of(tmp_path / "a.db")} == {"Alice", "Paris"}


def test_brat_document_with_no_annotations_and_orphans(tmp_path: Path) -> None:
    brat_pair(tmp_path / "in", "empty", "Nothing Tagged In This Story\n\nJust text.\n", "")
    (tmp_path / "in" / "lonely.ann").write_text("T1\tPERSON 0 1\tX\n", encoding="utf-8")
    files, problems = collect_files([tmp_path / "in"])
    assert files == [tmp_path / "in" / "empty.txt"]
    assert problems == [f"{tmp_path / 'in' / 'lonely.ann'}: no lonely.txt beside it (brat needs the .txt and the .ann)"]
    result = run(tmp_path, "import", "in/empty.txt", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    (doc,) = documents(tmp_path / "a.db")
    assert doc.text == "Nothing Tagged In This Story\n\nJust text.\n" and spans_of(tmp_path / "a.db") == []


# -- kinds -------------------------------------------------------------------------------


def test_default_kinds_map_overrides_and_unknown_labels(tmp_path: Path) -> None:
    text = "Acme Corp said on Monday that 45% of 3,000 staff in Lyon will vote."
    spans = [
        at(text, "Acme Corp", "ORG"),
        at(text, "Monday", "DATE"),
        at(text, "45%", "PERCENT"),
        at(text, "3,000", "CARDINAL"),
        at(text, "Lyon", "GPE"),
        at(text, "45% of 3,000 staff in Lyon will vote", "CLAIM"),
        at(text, "staff", "ROLE"),
        at(text, "vote", "ACTION"),
    ]
    write_jsonl(tmp_path / "p.jsonl", {"text": text, "spans": spans, "answer": "accept"})
    failed = run(tmp_path, "import", "p.jsonl", "--db", "a.db")
    assert failed.returncode == 1
    assert errors(failed) == [
        "annotator: p.jsonl: label 'ROLE' has no kind; pass --map ROLE=entity|claim|quantity",
        "annotator: p.jsonl: label 'ACTION' has no kind; pass --map ACTION=entity|claim|quantity",
    ]
    assert snapshot(tmp_path / "a.db")["documents"] == []

    skipped = run(tmp_path, "import", "p.jsonl", "--db", "a.db", "--map", "ROLE=entity", "--map", "GPE=PLACE", "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert errors(skipped) == [
        "annotator: skipped: p.jsonl: label 'ACTION' has no kind; pass --map ACTION=entity|claim|quantity (1 span left out)"
    ]
    kinds = labels(tmp_path / "a.db")
    assert {name: kinds[name] for name in ("ORG", "DATE", "PERCENT", "CARDINAL", "PLACE", "CLAIM", "ROLE")} == {
        "ORG": "entity",
        "DATE": "quantity",
        "PERCENT": "quantity",
        "CARDINAL": "quantity",
        "PLACE": "entity",
        "CLAIM": "claim",
        "ROLE": "entity",
    }
    assert "GPE" not in kinds and "ACTION" not in kinds
    assert ("Lyon", "PLACE") in {(s.text, s.label) for s in spans_of(tmp_path / "a.db")}


def test_label_map_forms_and_bad_specs(tmp_path: Path) -> None:
    known = {}
    mapping = LabelMap.parse(["org=claim", "GPE=PLACE", "3=TOWN:entity", "X=Y"])
    assert mapping.resolve("ORG", known) == ("ORG", "claim")  # matched without regard to case
    assert mapping.resolve("GPE", known) == ("PLACE", "entity")
    assert mapping.resolve("3", known) == ("TOWN", "entity")
    assert mapping.resolve("X", known) is None
    assert "pass --map X=Y:entity|claim|quantity" in mapping.hint("X")
    assert mapping.resolve("Person", known) == ("Person", "entity")  # defaults
    assert mapping.resolve("Person", known, defaults=False) is None

    write_jsonl(tmp_path / "p.jsonl", {"text": "Hello there.", "answer": "accept"})
    for spec in ("ORG", "=entity", "ORG="):
        result = run(tmp_path, "import", "p.jsonl", "--db", "a.db", "--map", spec)
        assert result.returncode == 1
        assert errors(result) == [f"annotator: --map {spec}: expected NAME=KIND, NAME=LABEL or NAME=LABEL:KIND"]
    assert not (tmp_path / "a.db").exists()


def test_native_labels_are_untouched_unless_mapped(tmp_path: Path) -> None:
    text = "Officials paid $5 million."
    write_jsonl(tmp_path / "n.jsonl", {"text": text, "spans": [at(text, "$5 million", "MONEY", annotator="alice"), at(text, "Officials", "ROLE", annotator="alice")]})
    result = run(tmp_path, "import", "n.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert labels(tmp_path / "a.db")["MONEY"] == "entity"  # as annotator always read its own files
    assert labels(tmp_path / "a.db")["ROLE"] == "entity"

    write_jsonl(tmp_path / "m.jsonl", {"text": text + " Again.", "spans": [at(text, "$5 million", "AMOUNT", annotator="alice")]})
    mapped = run(tmp_path, "import", "m.jsonl", "--db", "a.db", "--map", "AMOUNT=QUANTITY")
    assert mapped.returncode == 0, mapped.stderr
    assert ("$5 million", "QUANTITY", "alice") in triples(spans_of(tmp_path / "a.db"))


# -- errors, --skip-invalid --------------------------------------------------------------


def test_every_bad_record_is_reported_with_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    text = "Sadyr Japarov spoke."
    write_jsonl(
        tmp_path / "p.jsonl",
        {"text": text, "spans": [at(text, "Sadyr Japarov", "PERSON")], "answer": "accept"},
        {"text": text + " Twice.", "spans": [{"start": 5, "end": 2, "label": "PERSON"}], "answer": "accept"},
        {"text": "Fine text.", "spans": [{"start": 0, "end": 4, "label": "ORG", "text": "Nope"}], "answer": "accept"},
        {"text": 42, "answer": "accept"},
        {"text": "Third good one.", "answer": "maybe"},
        {"text": "Good again.", "answer": "accept"},
    )
    with (tmp_path / "p.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"text": "cut off", "answer": \n')
    result = run(tmp_path, "import", "p.jsonl", "--db", "a.db")
    assert result.returncode == 1
    assert errors(result) == [
        "annotator: p.jsonl:2: spans[0]: offsets 5-2 are reversed, empty or outside the text (length 27)",
        "annotator: p.jsonl:3: spans[0]: 'text' 'Nope' does not match the text at 0-4 ('Fine')",
        "annotator: p.jsonl:4: field 'text' must be a string",
        "annotator: p.jsonl:5: field 'answer' must be accept, reject or ignore",
        "annotator: p.jsonl:7: not valid JSON: Expecting value at column 31 (the file looks truncated)",
    ]
    assert "0 documents added, 0 already present, 0 spans added; 1 file failed" in result.stdout
    assert snapshot(tmp_path / "a.db")["documents"] == []

    skipped = run(tmp_path, "import", "p.jsonl", "--db", "a.db", "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert errors(skipped) == [line.replace("annotator: ", "annotator: skipped: ", 1) for line in errors(result)]
    assert "2 documents added, 0 already present, 1 span added, 5 problems skipped" in skipped.stdout
    assert [d.text for d in documents(tmp_path / "a.db")] == [text, "Good again."]


def test_skip_invalid_with_nothing_good_still_fails(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d.jsonl", {"text": "Short.", "label": [[0, 50, "ORG"]]})
    result = run(tmp_path, "import", "d.jsonl", "--db", "a.db", "--skip-invalid")
    assert result.returncode == 1
    assert errors(result) == [
        "annotator: d.jsonl:1: label[0]: offsets 0-50 are reversed, empty or outside the text (length 6)",
        "annotator: d.jsonl: no valid record to import",
    ]


def test_native_files_report_every_bad_line_and_skip_invalid_works_for_them(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "n.jsonl",
        {"id": "a", "text": "Good one."},
        {"id": "b", "text": "Bad span.", "spans": [{"start": 0, "end": 99, "label": "ORG"}]},
        {"id": "c", "text": ""},
        {"id": "d", "text": "Also good.", "spans": [{"start": 0, "end": 4, "label": "ORG", "annotator": "x"}]},
    )
    result = run(tmp_path, "import", "n.jsonl", "--db", "a.db")
    assert result.returncode == 1
    assert [line.split(": ", 2)[1] for line in errors(result)] == ["n.jsonl:2", "n.jsonl:3"]
    skipped = run(tmp_path, "import", "n.jsonl", "--db", "a.db", "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert [d.key for d in documents(tmp_path / "a.db")] == ["a", "d"]


# -- detection and --format --------------------------------------------------------------


def test_formats_are_detected_from_content(tmp_path: Path) -> None:
    assert sniff({"text": "x", "answer": "accept"}) == "prodigy"
    assert sniff({"text": "x", "spans": [{"start": 0, "end": 1, "label": "A", "token_start": 0}]}) == "prodigy"
    assert sniff({"text": "x", "label": [[0, 1, "A"]]}) == "doccano"
    assert sniff({"text": "x", "labels": []}) == "doccano"
    assert sniff({"text": "x", "entities": [], "relations": []}) == "doccano"
    assert sniff({"text": "x", "annotations": [{"label": 1, "start_offset": 0, "end_offset": 1}]}) == "doccano"
    assert sniff({"data": {"text": "x"}}) == "labelstudio"
    assert sniff({"id": 1, "annotations": [{"result": []}]}) == "labelstudio"
    assert sniff({"text": "x", "spans": [{"start": 0, "end": 1, "label": "A", "annotator": "a"}]}) == "native"
    assert sniff({"text": "x", "id": 3}) is None
    # The first record that tells decides; plain records before it don't.
    assert detect_records([{"text": "x"}, {"text": "y", "answer": "accept"}]) == "prodigy"
    assert detect_records([{"text": "x"}, {"text": "y", "spans": []}]) == "native"

    text = "Kazan is calm."
    write_jsonl(tmp_path / "a.jsonl", {"text": text, "spans": [at(text, "Kazan", "GPE")], "answer": "accept"})
    write_jsonl(tmp_path / "b.jsonl", {"text": text + " B", "label": [[0, 5, "GPE"]]})
    (tmp_path / "c.json").write_text(json.dumps([{"data": {"text": text + " C"}, "annotations": [{"result": [ls_region(text, "Kazan", "GPE", "r")]}]}]), encoding="utf-8")
    brat_pair(tmp_path, "d", text + " D", "T1\tGPE 0 5\tKazan\n")
    results = []
    with Store.open(tmp_path / "a.db") as store:
        for name in ("a.jsonl", "b.jsonl", "c.json", "d.txt"):
            results.append(import_file(store, tmp_path / name, NAME))
    assert [(r.format, r.spans_added, r.error) for r in results] == [
        ("prodigy", 1, None),
        ("doccano", 1, None),
        ("labelstudio", 1, None),
        ("brat", 1, None),
    ]


def test_format_can_be_forced(tmp_path: Path) -> None:
    text = "Headline Of The Story Here\n\nKazan is calm."
    brat_pair(tmp_path, "story", text, "T1\tGPE 28 33\tKazan\n")
    plain = run(tmp_path, "import", "story.txt", "--db", "plain.db", "--format", "text")
    assert plain.returncode == 0, plain.stderr
    assert spans_of(tmp_path / "plain.db") == [] and len(documents(tmp_path / "plain.db")) == 1

    # Prodigy-looking lines read as annotator's own format: the spans are taken as they are.
    write_jsonl(tmp_path / "data.ndjson", {"text": "Kazan is calm.", "spans": [{"start": 0, "end": 5, "label": "GPE"}], "answer": "reject"})
    refused = run(tmp_path, "import", "data.ndjson", "--db", "n.db")
    assert refused.returncode == 1 and "unsupported file type .ndjson" in result_text(refused)
    native = run(tmp_path, "import", "data.ndjson", "--db", "n.db", "--format", "native")
    assert native.returncode == 0, native.stderr
    assert triples(spans_of(tmp_path / "n.db")) == {("Kazan", "GPE", NAME)}
    prodigy = run(tmp_path, "import", "data.ndjson", "--db", "p.db", "--format", "prodigy")
    assert prodigy.returncode == 0, prodigy.stderr
    assert spans_of(tmp_path / "p.db") == []

    wrong = run(tmp_path, "import", "data.ndjson", "--db", "w.db", "--format", "brat")
    assert wrong.returncode == 1
    assert errors(wrong) == ["annotator: data.ndjson: no data.ann beside it (brat needs the .txt and the .ann)"]


def result_text(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", '[{"data": {"text": "x"}},\n  {"data": \n', "bad.json:3: not valid JSON"),
        ("empty.json", "[]", "empty.json: empty file (an empty JSON array)"),
        ("num.json", "42", "num.json:1: expected a JSON object, got a number"),
        ("list.json", "[1]", "list.json:1: element 1: expected a JSON object, got a number"),
    ],
)
def test_broken_json_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = run(tmp_path, "import", name, "--db", "a.db")
    assert result.returncode == 1
    (line,) = errors(result)
    assert message in line


# -- what annotator's own exports carry, read back (see tests/test_round_trips.py) -------


def test_label_studio_data_key_title_and_region_notes(tmp_path: Path) -> None:
    text = "Kazan Talks Headline\n\nSadyr Japarov met Vladimir Putin."
    task = {
        "id": 1,  # Label Studio's own number: data.key is the document's
        "data": {"text": text, "title": "Kazan Talks", "key": "story-7", "source": "wire"},
        "meta": {"desk": "asia"},
        "annotations": [
            {"completed_by": "gold", "result": [ls_region(text, "Sadyr Japarov", "PERSON", "a", meta={"text": ["first", "second"]})]},
            {"completed_by": "alice", "result": [ls_region(text, "Sadyr Japarov", "PERSON", "b", meta={"text": []})]},
        ],
    }
    (tmp_path / "ls.json").write_text(json.dumps([task]), encoding="utf-8")
    result = run(tmp_path, "import", "ls.json", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    (doc,) = documents(tmp_path / "a.db")
    assert (doc.key, doc.title) == ("story-7", "Kazan Talks")
    assert doc.meta == {"desk": "asia", "data": {"source": "wire"}}  # title and key are not copied
    notes = {s.annotator: s.note for s in spans_of(tmp_path / "a.db")}
    assert notes == {"gold": "first\nsecond", "alice": ""}


def test_doccano_meta_annotator_keeps_two_analysts_apart(tmp_path: Path) -> None:
    text = "EU rejects German call to boycott British lamb."
    line = {"id": "eu", "text": text, "label": [[0, 2, "ORG"]]}
    write_jsonl(
        tmp_path / "d.jsonl",
        {**line, "meta": {"title": "EU Rejects Call", "annotator": "alice", "document_meta": {"source": "wire"}}},
        {**line, "meta": {"title": "EU Rejects Call", "annotator": "bob", "document_meta": {"source": "wire"}}},
        {"id": "plain", "text": "A doccano line of its own.", "label": [[2, 9, "ORG"]], "meta": {"batch": 2}},
    )
    result = run(tmp_path, "import", "d.jsonl", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "2 documents added, 0 already present, 3 spans added" in result.stdout
    eu, plain = documents(tmp_path / "a.db")
    assert (eu.key, eu.title, eu.meta) == ("eu", "EU Rejects Call", {"source": "wire"})
    assert triples(spans_of(tmp_path / "a.db", "eu")) == {("EU", "ORG", "alice"), ("EU", "ORG", "bob")}
    assert plain.meta == {"batch": 2}  # a real doccano meta stays the document's
    assert triples(spans_of(tmp_path / "a.db", "plain")) == {("doccano", "ORG", NAME)}


def test_brat_annotator_attribute_notes_and_spans_cut_at_line_breaks(tmp_path: Path) -> None:
    raw = "Kazan Talks Headline Here\r\n\r\nSadyr Japarov met\r\nVladimir Putin in Kazan.\r\n"

    def span(target: str) -> tuple[int, int]:
        start = raw.index(target)
        return start, start + len(target)

    (a, _), (_, b) = span("Sadyr"), span("met")
    (c, _), (_, d) = span("Vladimir"), span("Putin")
    ann = (
        f"T1\tCLAIM {a} {b};{c} {d}\tSadyr Japarov met Vladimir Putin\n"  # cut at the \r\n, as brat cuts it
        "A1\tAnnotator T1 Jane%20Doe\n"
        f"T2\tCLAIM {a} {b};{c} {d}\tSadyr Japarov met Vladimir Putin\n"
        "A2\tAnnotator T2 bob\n"
        "#1\tAnnotatorNotes T2\tfirst\\nsecond \\\\ third\n"
        f"T3\tPERSON {span('Sadyr')[0]} {span('Sadyr')[1]};{c} {d}\tSadyr Vladimir Putin\n"  # words between: stays cut
        "A3\tNegated T3\n"
    )
    brat_pair(tmp_path, "talks", raw, ann, newline="\r\n")
    result = run(tmp_path, "import", "talks.txt", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    check_slices(tmp_path / "a.db")
    found = {(s.text, s.annotator, s.attrs.get("fragment")): s for s in spans_of(tmp_path / "a.db")}
    joined = "Sadyr Japarov met\nVladimir Putin"
    assert set(found) == {(joined, "Jane Doe", None), (joined, "bob", None), ("Sadyr", NAME, 1), ("Vladimir Putin", NAME, 2)}
    assert found[(joined, "Jane Doe", None)].attrs == {"brat_id": "T1"}  # the analyst is not an attribute
    assert found[(joined, "bob", None)].note == "first\nsecond \\ third"
    assert found[("Sadyr", NAME, 1)].attrs == {"brat_id": "T3", "fragment": 1, "fragments": 2, "Negated": True}


# -- CoNLL ---------------------------------------------------------------------------------


def test_conll_plain_two_columns_iob1_and_bio(tmp_path: Path) -> None:
    (tmp_path / "ner.iob").write_text(
        "-DOCSTART- O\n\n"
        "EU I-ORG\nrejects O\nGerman I-MISC\ncall O\n.  O\n\n"
        "Peter B-PER\nBlackburn I-PER\nB-PER I-PER\n\n"  # a token that looks like a tag
        "-DOCSTART- O\n\n"
        "Kazan B-LOC\nMoscow B-LOC\nvisit O\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "import", "ner.iob", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    first, second = documents(tmp_path / "a.db")
    assert (first.key, second.key) == ("ner-1", "ner-2")
    assert first.text == "EU rejects German call .\nPeter Blackburn B-PER"
    assert triples(spans_of(tmp_path / "a.db", "ner-1")) == {
        ("EU", "ORG", NAME), ("German", "MISC", NAME), ("Peter Blackburn B-PER", "PER", NAME),
    }
    # B- opens a span even after one of the same label: two places, not one.
    assert triples(spans_of(tmp_path / "a.db", "ner-2")) == {("Kazan", "LOC", NAME), ("Moscow", "LOC", NAME)}
    check_slices(tmp_path / "a.db")


def test_conll_2003_columns_bioes_and_detection(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text(
        "-DOCSTART- -X- -X- O\n\n"
        "EU NNP B-NP S-ORG\nrejects VBZ B-VP O\nBritish JJ B-NP B-MISC\nlamb NN I-NP E-MISC\n. . O O\n",
        encoding="utf-8",
    )
    (tmp_path / "one.conll").write_text("Sadyr\tB-PERSON\nJaparov\tI-PERSON\nspoke\tO\n", encoding="utf-8")
    result = run(tmp_path, "import", "c.txt", "one.conll", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert [d.key for d in documents(tmp_path / "a.db")] == ["c-1", "one"]  # no -DOCSTART-: one document
    assert triples(spans_of(tmp_path / "a.db", "c-1")) == {("EU", "ORG", NAME), ("British lamb", "MISC", NAME)}
    assert triples(spans_of(tmp_path / "a.db", "one")) == {("Sadyr Japarov", "PERSON", NAME)}


def test_conll_own_columns_analysts_and_kinds_from_the_column(tmp_path: Path) -> None:
    block = "Officials\t{c}\t{e}\tO\nsaid\tI-CLAIM\tO\tO\nno\tI-CLAIM\tO\tO\n.\tO\tO\tO\n\n"
    (tmp_path / "team.conll").write_text(
        "-DOCSTART-\tstory\talice\n\n" + block.format(c="B-CLAIM", e="B-ROLE")
        + "-DOCSTART-\tstory\tgold\n\n" + block.format(c="B-CLAIM", e="O")
        + "-DOCSTART-\tother\t-\n\nNothing\tO\tO\tO\n\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "import", "team.conll", "--db", "a.db")
    assert result.returncode == 0, result.stderr
    assert "2 documents added, 0 already present, 3 spans added" in result.stdout
    story, other = documents(tmp_path / "a.db")
    assert (story.key, story.text, other.key) == ("story", "Officials said no .", "other")
    assert triples(spans_of(tmp_path / "a.db", "story")) == {
        ("Officials said no", "CLAIM", "alice"), ("Officials said no", "CLAIM", "gold"), ("Officials", "ROLE", "alice"),
    }
    assert labels(tmp_path / "a.db")["ROLE"] == "entity"  # the entity column says so


def test_conll_errors_name_the_line_and_skip_invalid_keeps_other_documents(tmp_path: Path) -> None:
    (tmp_path / "bad.bio").write_text(
        "-DOCSTART- O\n\nGood B-ORG\n\n-DOCSTART- O\n\nBad X-ORG\n\n-DOCSTART- O\n\nlonely\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "import", "bad.bio", "--db", "a.db")
    assert result.returncode == 1
    assert errors(result) == [
        "annotator: bad.bio:7: 'X-ORG' is not a BIO tag (O, B-LABEL or I-LABEL)",
        "annotator: bad.bio:11: expected a token and its tag (token TAG)",
    ]
    skipped = run(tmp_path, "import", "bad.bio", "--db", "a.db", "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert [d.key for d in documents(tmp_path / "a.db")] == ["bad-1"]


# -- spaCy ---------------------------------------------------------------------------------


def test_spacy_docbin_from_spacy_itself_ents_and_crlf(tmp_path: Path) -> None:
    pytest.importorskip("spacy")
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    text = f"Kazan Talks\r\n{FAMILY} Sadyr Japarov met Putin."
    doc = nlp(text)
    doc.ents = [doc.char_span(text.index("Sadyr"), text.index(" met"), label="PERSON"), doc.char_span(text.index("Putin"), text.index("Putin") + 5, label="PERSON")]
    plain = nlp("Nothing to see.")
    (tmp_path / "corpus.bin").write_bytes(DocBin(docs=[doc, plain]).to_bytes())
    from annotator.importers.detect import detect_by_name

    assert detect_by_name(tmp_path / "corpus.bin") == "spacy"  # by its content
    result = run(tmp_path, "import", "corpus.bin", "--db", "a.db", "--format", "spacy")
    assert result.returncode == 0, result.stderr
    first, second = documents(tmp_path / "a.db")
    assert (first.key, second.key) == ("corpus-1", "corpus-2")
    assert first.text == text.replace("\r\n", "\n")
    assert triples(spans_of(tmp_path / "a.db", "corpus-1")) == {("Sadyr Japarov", "PERSON", NAME), ("Putin", "PERSON", NAME)}
    check_slices(tmp_path / "a.db")


def test_spacy_missing_or_a_broken_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.spacy").write_bytes(b"x\x9c not really")
    broken = run(tmp_path, "import", "broken.spacy", "--db", "a.db")
    assert broken.returncode == 1
    (line,) = errors(broken)
    assert line.startswith("annotator: broken.spacy: ")
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy raises ImportError
    missing = run(tmp_path, "import", "broken.spacy", "--db", "a.db")
    assert missing.returncode == 1
    assert errors(missing) == [
        "annotator: broken.spacy: reading a .spacy file needs spaCy, an optional extra: pip install 'annotator[spacy]'"
    ]
