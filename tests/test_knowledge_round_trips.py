"""Entities, claim attribution and quantity values through every export format and back.

A real database holds an entity registry (a merged entity included), linked mentions,
claims attributed to a mention and to free text, a claim that disputes another, and
quantity values. Each format is exported with `annotator export`, imported with
`annotator import` into a new database, and what the format carries must come back
exactly (docs/exporting.md says what each one carries):

- native, prodigy, labelstudio, doccano, brat: every entity link, source (span or
  text), cue, form, stance, disputed claim and quantity value;
- conll, spacy: none of it;
- every format: the entity registry beside the export, read back with it.

Hand-written doccano, Label Studio and brat files show that relations made in those
tools become claim sources and disputed claims, and that other relation types are kept
and said.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_export import run

from annotator.importers import import_file
from annotator.quantities import parse_quantity
from annotator.store import Store

TEXT = (
    "Security Raid in Bishkek\n\n"
    "The GKNB said on Friday that officers seized 40 rifles in Bishkek. "
    "A lawyer for the men denied that any rifles were found."
)
SECOND = "Officials of the State Committee for National Security declined to comment."
FORMATS = ("native", "prodigy", "doccano", "labelstudio", "brat", "conll", "spacy")
TARGET = {
    "native": "k.jsonl", "prodigy": "k.prodigy.jsonl", "doccano": "k.doccano.jsonl",
    "labelstudio": "k.labelstudio.json", "brat": "k.brat", "conll": "k.conll", "spacy": "k.spacy",
}
# What each format brings back of span knowledge.
LINKS = {"native", "prodigy", "doccano", "labelstudio", "brat"}  # sources that are spans, disputed claims
ATTRS = LINKS  # entity, free-text source, cue, form, stance, quantity
MAPS = {"doccano": ["--map", "CLAIM=claim", "--map", "QUANTITY=quantity"],
        "labelstudio": ["--map", "CLAIM=claim", "--map", "QUANTITY=quantity"],
        "brat": ["--map", "CLAIM=claim", "--map", "QUANTITY=quantity"]}


def where(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def build(path: Path) -> dict[str, str]:
    """The source database; returns the uids the tests name."""
    with Store.open(path) as store:
        first = store.add_document("raid", "Security Raid in Bishkek", TEXT).document
        second = store.add_document("comment", "No comment", SECOND).document
        gknb = store.create_entity("GKNB", "ORG", "alice", external_id="Q4380617", aliases=["SCNS"], note="security service")
        committee = store.create_entity("State Committee for National Security", "ORG", "alice")
        bishkek = store.create_entity("Bishkek", "PLACE", "bob")

        mention = store.add_span(first, *where(TEXT, "GKNB"), "ORG", "alice")
        store.link_mention(mention.uid, gknb.uid, "alice")
        place = store.add_span(first, *where(TEXT, "Bishkek."), "PLACE", "alice")
        store.link_mention(place.uid, bishkek.uid, "alice")
        long_name = store.add_span(second, *where(SECOND, "State Committee for National Security"), "ORG", "alice")
        store.link_mention(long_name.uid, committee.uid, "alice")
        store.merge_entities(committee.uid, gknb.uid, "alice")  # the mention now names gknb

        claim = store.add_span(first, *where(TEXT, "officers seized 40 rifles in Bishkek"), "CLAIM", "alice")
        cue = where(TEXT, "said")
        store.set_span_attrs(claim.uid, {
            "source": {"span": mention.uid}, "cue": {"start": cue[0], "end": cue[1]}, "form": "indirect", "stance": "reported",
        }, "alice")
        denial = store.add_span(first, *where(TEXT, "any rifles were found"), "CLAIM", "alice")
        cue = where(TEXT, "denied")
        store.set_span_attrs(denial.uid, {
            "source": {"text": "A lawyer for the men"}, "cue": {"start": cue[0], "end": cue[1]},
            "form": "indirect", "stance": "denied", "disputes": claim.uid,
        }, "alice")
        rifles = store.add_span(first, *where(TEXT, "40 rifles"), "QUANTITY", "alice")
        value = json.loads(parse_quantity("40 rifles").to_json())
        store.set_span_attrs(rifles.uid, {"quantity": value}, "alice")
        # bob's own link to the same entity, on a span of his
        his = store.add_span(first, *where(TEXT, "GKNB"), "ORG", "bob")
        store.link_mention(his.uid, gknb.uid, "bob")
        store.set_progress("alice", first.id, "done")
        return {"gknb": gknb.uid, "committee": committee.uid, "bishkek": bishkek.uid}


def knowledge(path: Path) -> dict[tuple[str, int, int, str, str], dict[str, Any]]:
    """Every span's knowledge, with other spans named by where they are (uids differ across databases)."""
    with Store.open(path) as store:
        spans = {}
        for summary in store.list_documents():
            document = store.document(summary.id)
            for span in store.spans(document.id):
                spans[span.uid] = (document.key, span)
        found: dict[tuple[str, int, int, str, str], dict[str, Any]] = {}
        for key, span in spans.values():
            attrs: dict[str, Any] = {}
            for name in ("entity", "cue", "form", "stance", "quantity", "quantity_edited"):
                if name in span.attrs:
                    attrs[name] = span.attrs[name]
            source = span.attrs.get("source")
            if isinstance(source, dict) and "span" in source:
                other = spans[source["span"]][1]
                attrs["source"] = ("span", other.start, other.end, other.label)
            elif source is not None:
                attrs["source"] = source
            if "disputes" in span.attrs:
                other = spans[span.attrs["disputes"]][1]
                attrs["disputes"] = (other.start, other.end, other.label)
            found[(key, span.start, span.end, span.label, span.annotator)] = attrs
        return found


def registry(path: Path) -> list[dict[str, Any]]:
    with Store.open(path) as store:
        return sorted((entity.to_json() for entity in store.entities(include_merged=True)), key=lambda e: e["uid"])


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("knowledge")
    db = folder / "project.db"
    return db, build(db)


def expected(fmt: str, original: dict[tuple[str, int, int, str, str], dict[str, Any]]) -> dict[tuple[str, int, int, str, str], dict[str, Any]]:
    """What the format carries of the source's knowledge (docs/exporting.md)."""
    if fmt in LINKS:
        return original
    kept: dict[tuple[str, int, int, str, str], dict[str, Any]] = {}
    for place, attrs in original.items():
        if fmt not in ATTRS:
            kept[place] = {}
            continue
        kept[place] = {k: v for k, v in attrs.items() if k != "disputes" and not (k == "source" and isinstance(v, tuple))}
    return kept


@pytest.mark.parametrize("fmt", FORMATS)
def test_knowledge_survives_export_and_import(fmt: str, source: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    db, uids = source
    out = tmp_path / TARGET[fmt]
    result = run(tmp_path, "export", "--db", str(db), "--format", fmt, "--out", str(out))
    assert result.returncode == 0, result.stderr
    entities_file = out.with_name(f"{out.stem}.entities.jsonl")  # k.jsonl -> k.entities.jsonl, k.brat -> k.entities.jsonl
    written = [json.loads(line) for line in entities_file.read_text(encoding="utf-8").splitlines()]
    assert {entry["uid"] for entry in written} == set(uids.values())
    merged = next(entry for entry in written if entry["uid"] == uids["committee"])
    assert merged["merged_into"] == uids["gknb"]
    if fmt != "native":  # the native fast path prints only its own line
        assert f"entities: wrote 3 entities to {entities_file}" in result.stdout

    fresh = tmp_path / "fresh.db"
    imported = run(tmp_path, "import", str(out), "--db", str(fresh), *MAPS.get(fmt, []))
    assert imported.returncode == 0, imported.stderr

    assert registry(fresh) == registry(db)  # entities created with their uids, merged one included
    original = knowledge(db)
    back = knowledge(fresh)
    if fmt == "conll":  # CoNLL rebuilds the text from its tokens: compare by span text instead
        assert all(attrs == {} for attrs in back.values())
        return
    assert back == expected(fmt, original)


def test_an_import_matches_entities_the_database_already_has(source: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    db, uids = source
    out = tmp_path / "k.jsonl"
    assert run(tmp_path, "export", "--db", str(db), "--out", str(out)).returncode == 0
    fresh = tmp_path / "fresh.db"
    with Store.open(fresh) as store:
        store.create_entity("Bishkek", "PLACE", "carol", uid=uids["bishkek"])
    result = run(tmp_path, "import", str(out), "--db", str(fresh))
    assert result.returncode == 0, result.stderr
    assert "2 entities added to the registry, 1 already known" in result.stdout
    with Store.open(fresh) as store:
        assert store.entity(uids["bishkek"]).created_by == "carol"  # type: ignore[union-attr]  # the database's own wins
        assert store.resolve(uids["committee"]).uid == uids["gknb"]  # type: ignore[union-attr]


def test_a_bad_registry_line_refuses_the_file_naming_line_and_field(source: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    db, _ = source
    out = tmp_path / "k.jsonl"
    assert run(tmp_path, "export", "--db", str(db), "--out", str(out)).returncode == 0
    registry_file = tmp_path / "k.entities.jsonl"
    lines = registry_file.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[1])
    broken["name"] = 7
    lines[1] = json.dumps(broken)
    registry_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    result = run(tmp_path, "import", str(out), "--db", str(fresh))
    assert result.returncode != 0
    assert f"{registry_file}:2: field 'name' must be a non-empty string" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    with Store.open(fresh) as store:
        assert store.list_documents() == [] and store.entities(include_merged=True) == []


# -- relations from other tools' files ----------------------------------------------------

NEWS = "Police said the bridge was closed. The mayor denied the bridge was closed."
CLAIM_1 = where(NEWS, "the bridge was closed")
POLICE = where(NEWS, "Police")
MAYOR = where(NEWS, "The mayor")
CLAIM_2 = (NEWS.rindex("the bridge was closed"), NEWS.rindex("the bridge was closed") + len("the bridge was closed"))


def claims_of(db: Path) -> dict[tuple[int, int, str], dict[str, Any]]:
    return {(key[1], key[2], key[3]): attrs for key, attrs in knowledge(db).items()}


def check_relations(db: Path, kept: dict[str, Any] | None = None) -> None:
    spans = claims_of(db)
    assert spans[(*CLAIM_1, "CLAIM")]["source"] == ("span", *POLICE, "ORG")
    assert spans[(*CLAIM_2, "CLAIM")]["source"] == ("span", *MAYOR, "PERSON")
    assert spans[(*CLAIM_2, "CLAIM")]["disputes"] == (*CLAIM_1, "CLAIM")
    with Store.open(db) as store:
        document = store.document(store.list_documents()[0].id)
        by_place = {(s.start, s.end, s.label): s for s in store.spans(document.id)}
    if kept is not None:
        assert by_place[(*POLICE, "ORG")].attrs["relations"] == [kept]


def test_doccano_relations_become_sources_and_disputes(tmp_path: Path) -> None:
    path = tmp_path / "relations.jsonl"
    line = {
        "id": "bridge", "text": NEWS,
        "entities": [
            {"id": 11, "label": "ORG", "start_offset": POLICE[0], "end_offset": POLICE[1]},
            {"id": 12, "label": "CLAIM", "start_offset": CLAIM_1[0], "end_offset": CLAIM_1[1]},
            {"id": 13, "label": "PERSON", "start_offset": MAYOR[0], "end_offset": MAYOR[1]},
            {"id": 14, "label": "CLAIM", "start_offset": CLAIM_2[0], "end_offset": CLAIM_2[1]},
        ],
        "relations": [
            {"id": 1, "from_id": 12, "to_id": 11, "type": "source"},
            {"id": 2, "from_id": 14, "to_id": 13, "type": "Source"},
            {"id": 3, "from_id": 14, "to_id": 12, "type": "disputes"},
            {"id": 4, "from_id": 11, "to_id": 13, "type": "rival_of"},
        ],
    }
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    db = tmp_path / "d.db"
    with Store.open(db) as store:
        result = import_file(store, path, "alice")
    assert result.error is None, result.error
    assert f"{path}: 1 relation of other types than source/disputes kept in the spans' attrs.relations" in result.messages
    check_relations(db, {"id": 4, "type": "rival_of", "to": 13})


def test_label_studio_relations_become_sources_and_disputes(tmp_path: Path) -> None:
    def region(ident: str, span: tuple[int, int], label: str) -> dict[str, Any]:
        return {"id": ident, "from_name": "label", "to_name": "text", "type": "labels",
                "value": {"start": span[0], "end": span[1], "text": NEWS[span[0]:span[1]], "labels": [label]}}

    def relation(head: str, tail: str, label: str) -> dict[str, Any]:
        return {"type": "relation", "from_id": head, "to_id": tail, "direction": "right", "labels": [label]}

    task = {"id": 1, "data": {"text": NEWS}, "annotations": [{"completed_by": "alice", "result": [
        region("p", POLICE, "ORG"), region("c1", CLAIM_1, "CLAIM"), region("m", MAYOR, "PERSON"), region("c2", CLAIM_2, "CLAIM"),
        relation("c1", "p", "source"), relation("c2", "m", "source"), relation("c2", "c1", "disputes"),
        relation("p", "m", "rival_of"),
    ]}]}
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    db = tmp_path / "ls.db"
    with Store.open(db) as store:
        result = import_file(store, path, "alice", labels=None)
    assert result.error is None, result.error
    assert any("1 relation of other types" in message for message in result.messages)
    check_relations(db, {"to": "m", "labels": ["rival_of"], "direction": "right"})


def test_brat_relations_and_attributes_become_claim_knowledge(tmp_path: Path) -> None:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "bridge.txt").write_text(NEWS, encoding="utf-8")
    spans = [("T1", "ORG", POLICE), ("T2", "CLAIM", CLAIM_1), ("T3", "PERSON", MAYOR), ("T4", "CLAIM", CLAIM_2)]
    lines = [f"{ident}\t{label} {a} {b}\t{NEWS[a:b]}" for ident, label, (a, b) in spans]
    lines += [
        "R1\tSource Arg1:T2 Arg2:T1", "R2\tSource Arg1:T4 Arg2:T3", "R3\tDisputes Arg1:T4 Arg2:T2", "R4\tRival Arg1:T1 Arg2:T3",
        "A1\tForm T4 indirect", "A2\tStance T4 denied",
        "#1\tAnnotatorNotes T2\tchecked with the ministry",
        '#2\tAnnotatorNotes T1\tannotator:entity {"uid": "police-kg"}',
    ]
    (folder / "bridge.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "brat.db"
    with Store.open(db) as store:
        result = import_file(store, folder / "bridge.txt", "alice")
        assert result.error is None, result.error
        document = store.document(store.list_documents()[0].id)
        by_place = {(s.start, s.end, s.label): s for s in store.spans(document.id)}
    assert any("1 relation of other types" in message for message in result.messages)
    check_relations(db, {"id": "R4", "type": "Rival", "to": "T3"})
    denial = by_place[(*CLAIM_2, "CLAIM")]
    assert (denial.attrs["form"], denial.attrs["stance"]) == ("indirect", "denied")
    assert by_place[(*POLICE, "ORG")].attrs["entity"] == "police-kg"
    assert by_place[(*CLAIM_1, "CLAIM")].note == "checked with the ministry"  # a plain note stays a note


# -- what the files hold, as the other tools read them --------------------------------------


def test_the_files_hold_relations_as_each_tool_writes_them(source: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    db, uids = source
    for fmt in ("labelstudio", "doccano", "brat"):
        assert run(tmp_path, "export", "--db", str(db), "--format", fmt, "--out", str(tmp_path / TARGET[fmt])).returncode == 0
    with Store.open(db) as store:
        raid = store.document(store.list_documents()[0].id)
        spans = {(s.text, s.label, s.annotator): s for s in store.spans(raid.id)}
    claim = spans[("officers seized 40 rifles in Bishkek", "CLAIM", "alice")]
    denial = spans[("any rifles were found", "CLAIM", "alice")]
    mention = spans[("GKNB", "ORG", "alice")]

    tasks = json.loads((tmp_path / TARGET["labelstudio"]).read_text(encoding="utf-8"))
    alice = next(a for a in tasks[0]["annotations"] if a["completed_by"] == "alice")["result"]
    assert {"type": "relation", "from_id": claim.uid, "to_id": mention.uid, "direction": "right", "labels": ["source"]} in alice
    assert {"type": "relation", "from_id": denial.uid, "to_id": claim.uid, "direction": "right", "labels": ["disputes"]} in alice
    region = next(r for r in alice if r.get("id") == denial.uid)
    assert region["meta"]["stance"] == "denied" and region["meta"]["source"] == {"text": "A lawyer for the men"}

    line = json.loads((tmp_path / TARGET["doccano"]).read_text(encoding="utf-8").splitlines()[0])
    ids = {(e["start_offset"], e["end_offset"], e["label"]): e["id"] for e in line["entities"]}
    assert {"id": 1, "from_id": ids[(claim.start, claim.end, "CLAIM")], "to_id": ids[(mention.start, mention.end, "ORG")],
            "type": "source"} in line["relations"]
    assert next(e for e in line["entities"] if e["label"] == "ORG" and e["start_offset"] == mention.start)["attrs"] == {"entity": uids["gknb"]}

    ann = (tmp_path / "k.brat" / "raid.ann").read_text(encoding="utf-8").splitlines()
    numbers: dict[str, str] = {}
    for entry in ann:  # alice's GKNB comes before bob's (spans by start, end, label, analyst)
        if entry.startswith("T"):
            numbers.setdefault(entry.split("\t")[2], entry.split("\t")[0])
    assert f"R1\tSource Arg1:{numbers[claim.text]} Arg2:{numbers['GKNB']}" in ann
    assert f"R2\tDisputes Arg1:{numbers[denial.text]} Arg2:{numbers[claim.text]}" in ann
    assert any(line.endswith(f"\tForm {numbers[claim.text]} indirect") for line in ann)
    assert any(line.endswith(f"\tStance {numbers[denial.text]} denied") for line in ann)
    gknb_notes = [line for line in ann if line.startswith("#") and f"AnnotatorNotes {numbers['GKNB']}\t" in line]
    assert any(f'annotator:entity {{"name": "GKNB", "uid": "{uids["gknb"]}"}}' in line for line in gknb_notes)
    conf = (tmp_path / "k.brat" / "annotation.conf").read_text(encoding="utf-8")
    assert "Source\tArg1:CLAIM, Arg2:PERSON|ORG|PLACE|OTHER" in conf
    assert "Stance\tArg:CLAIM, Value:asserted|reported|disputed|denied" in conf


def test_a_split_export_lists_the_registry_in_its_manifest(source: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    db, uids = source
    out = tmp_path / "data" / "k.jsonl"
    result = run(tmp_path, "export", "--db", str(db), "--out", str(out), "--split", "train=0.5,test=0.5")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "data" / "k.manifest.json").read_text(encoding="utf-8"))
    registry_file = tmp_path / "data" / "k.entities.jsonl"
    assert manifest["entities"]["path"] == "k.entities.jsonl" and manifest["entities"]["entities"] == 3
    assert len(registry_file.read_text(encoding="utf-8").splitlines()) == 3
    fresh = tmp_path / "fresh.db"
    for part in ("train", "test"):  # each part reads the set's registry (k.train.jsonl -> k.entities.jsonl)
        path = tmp_path / "data" / f"k.{part}.jsonl"
        if path.stat().st_size:  # two articles may both fall in one part
            assert run(tmp_path, "import", str(path), "--db", str(fresh)).returncode == 0
    assert registry(fresh) == registry(db)
    assert knowledge(fresh) == knowledge(db)
