"""The command line on entities, quantities and claim attribution, run for real on database files.

What a team relies on: `annotator agreement` reports how claims are attributed beside
span agreement, with figures a person can work out by hand; `annotator entities` lists
the registry with mention counts and `entities show` every mention across the corpus;
`annotator quantities` puts figures for the same thing side by side; a merge says what
it brought of the registry; bad input is one line naming what is wrong.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import run_cli

from annotator.model import Document
from annotator.quantities import parse_quantity
from annotator.store import Store

FIRST = "The ministry said 12 soldiers died. Police claimed the GKNB denied it. Residents counted 40 deaths."
SECOND = "Medics said at least 144 deaths followed. The GKNB and the G.K.N.B. office were closed."


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args, name="rita")


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def at(document: Document, words: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = document.text.index(words, start + 1)
    return start, start + len(words)


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """alice and bob attribute the same claims differently; entities and quantities tagged."""
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        first = store.add_document("first", "First", FIRST).document
        second = store.add_document("second", "Second", SECOND).document

        def claim(analyst: str, words: str, **attrs: object) -> None:
            span = store.add_span(first, *at(first, words), "CLAIM", analyst)
            if attrs:
                store.set_span_attrs(span.uid, dict(attrs), analyst)

        said = dict(zip(("start", "end"), at(first, "said")))
        # Claim 1: both name the ministry (as free text, spelt differently) and the cue; forms differ.
        claim("alice", "12 soldiers died", source={"text": "the ministry"}, cue=said, form="indirect", stance="asserted")
        claim("bob", "12 soldiers died", source={"text": "The Ministry,"}, cue=said, form="direct", stance="asserted")
        # Claim 2: no source or cue from either; stances differ.
        claim("alice", "the GKNB denied it", form="indirect", stance="denied")
        claim("bob", "the GKNB denied it", form="indirect", stance="reported")
        claim("alice", "40 deaths")  # only alice's claim
        claim("bob", "Police claimed")  # only bob's claim

        gknb = store.create_entity("GKNB", "ORG", "alice", external_id="Q4380617", aliases=["State Committee"])
        variant = store.create_entity("G.K.N.B.", "ORG", "bob")
        store.create_entity("Sadyr Japarov", "PERSON", "alice")
        for analyst in ("alice", "bob"):
            mention = store.add_span(first, *at(first, "GKNB"), "ORG", analyst)
            store.link_mention(mention.uid, gknb.uid, analyst)
        in_second = store.add_span(second, *at(second, "GKNB"), "ORG", "alice")
        store.link_mention(in_second.uid, gknb.uid, "alice")
        dotted = store.add_span(second, *at(second, "G.K.N.B."), "ORG", "bob")
        store.link_mention(dotted.uid, variant.uid, "bob")
        store.merge_entities(variant.uid, gknb.uid, "bob")

        for document, words in ((first, "12 soldiers"), (first, "40 deaths"), (second, "at least 144 deaths")):
            store.add_span(document, *at(document, words), "QUANTITY", "alice")
        edited = next(s for s in store.spans(first.id, "alice") if s.text == "40 deaths" and s.label == "QUANTITY")
        # Edited by hand to another figure: the listing shows the stored value, not a new reading.
        value = json.loads(parse_quantity("41 deaths").to_json())
        store.set_span_attrs(edited.uid, {"quantity": value, "quantity_edited": True}, "alice")
    return db


def test_agreement_reports_attribution_figures_worked_out_by_hand(team: Path) -> None:
    result = run(team.parent, "agreement", "--db", str(team), "--annotators", "alice,bob", "--json")
    assert result.returncode == 0, result.stderr
    [pair] = json.loads(result.stdout)["attribution"]
    assert (pair["a"], pair["b"]) == ("alice", "bob")
    # Two claims on the same spans; one claim each that the other did not tag.
    assert (pair["matched_claims"], pair["only_a"], pair["only_b"]) == (2, 1, 1)
    fields = pair["fields"]
    # Source and cue: only claim 1 has them; "the ministry" and "The Ministry," are the same words.
    assert fields["source"] == {"compared": 1, "agreed": 1, "percent": 100.0}
    assert fields["cue"] == {"compared": 1, "agreed": 1, "percent": 100.0}
    # Form: (indirect, direct), (indirect, indirect): observed 1/2; expected (2x1)/4 = 1/2; kappa 0.
    assert fields["form"] == {"compared": 2, "agreed": 1, "percent": 50.0, "kappa": 0.0}
    # Stance: (asserted, asserted), (denied, reported): observed 1/2; expected 1/4; kappa (1/2-1/4)/(3/4) = 1/3.
    assert fields["stance"] == {"compared": 2, "agreed": 1, "percent": 50.0, "kappa": 0.333}

    text = run(team.parent, "agreement", "--db", str(team))
    assert text.returncode == 0, text.stderr
    [row] = [line for line in text.stdout.splitlines() if line.strip().startswith("alice ~ bob") and "100%" in line]
    assert row.split()[3:6] == ["2", "1", "1"]
    assert " 50% 1/2 " in row and "0.000" in row and "0.333" in row


def test_entities_lists_the_registry_with_mention_counts(team: Path) -> None:
    result = run(team.parent, "entities", "--db", str(team))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    # The mention of the merged spelling counts for the entity it was merged into.
    assert rows["GKNB"].split()[1:4] == ["ORG", "4", "Q4380617"]
    assert "G.K.N.B." in rows["GKNB"] and "State Committee" in rows["GKNB"]
    assert rows["Sadyr"].split()[2:4] == ["PERSON", "0"]
    assert result.stdout.splitlines()[-1] == "2 entities"

    people = run(team.parent, "entities", "--db", str(team), "--label", "PERSON", "--json")
    assert [json.loads(line)["name"] for line in people.stdout.splitlines()] == ["Sadyr Japarov"]
    found = run(team.parent, "entities", "--db", str(team), "--query", "state comm", "--json")
    [record] = [json.loads(line) for line in found.stdout.splitlines()]
    assert (record["name"], record["mentions"], record["external_id"]) == ("GKNB", 4, "Q4380617")


def test_entities_show_lists_every_mention_across_the_corpus(team: Path) -> None:
    result = run(team.parent, "entities", "show", "state committee", "--db", str(team), "--json")
    assert result.returncode == 0, result.stderr
    mentions = [json.loads(line) for line in result.stdout.splitlines()]
    first_at = FIRST.index("GKNB")
    assert [(m["id"], m["start"], m["text"], m["annotator"]) for m in mentions] == [
        ("first", first_at, "GKNB", "alice"),
        ("first", first_at, "GKNB", "bob"),
        ("second", SECOND.index("GKNB"), "GKNB", "alice"),
        ("second", SECOND.index("G.K.N.B."), "G.K.N.B.", "bob"),
    ]
    uid = mentions[0]["entity"]
    text = run(team.parent, "--db", str(team), "entities", "show", uid)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"GKNB (ORG)  Q4380617  uid {uid}")
    assert text.stdout.splitlines()[-1] == "4 mentions"


def test_quantities_sit_side_by_side_by_what_they_count(team: Path) -> None:
    result = run(team.parent, "quantities", "--db", str(team))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "deaths: 2 figures"
    assert "41 deaths (edited)" in lines[1] and "40 deaths" in lines[1]
    assert "144 deaths" in lines[2] and "second" in lines[2]
    assert lines[3] == "soldiers: 1 figure"

    deaths = run(team.parent, "quantities", "--db", str(team), "--counts", "Deaths", "--json")
    records = [json.loads(line) for line in deaths.stdout.splitlines()]
    assert [(r["id"], r["text"], r["edited"]) for r in records] == [
        ("first", "40 deaths", True),
        ("second", "at least 144 deaths", False),
    ]
    assert records[0]["quantity"]["value"] == 41


def test_bad_input_is_one_line(team: Path) -> None:
    cwd = team.parent
    line = one_error_line(run(cwd, "entities", "--db", str(team), "--label", "CLAIM"))
    assert line.startswith("annotator: --label CLAIM: not an entity label (known: ")
    line = one_error_line(run(cwd, "entities", "show", "Nobody", "--db", str(team)))
    assert line == "annotator: entities show: no entity named 'Nobody' (see 'annotator entities --query')"
    line = one_error_line(run(cwd, "quantities", "--db", str(team), "--counts", "rifles"))
    assert line == "annotator: --counts rifles: no quantity counts that (known: deaths, soldiers)"
    line = one_error_line(run(cwd, "--annotator", "alice", "entities", "--db", str(team)))
    assert "does not apply to 'entities'" in line


def test_merge_reports_what_it_brought_of_the_registry(tmp_path: Path) -> None:
    team, laptop = tmp_path / "team.db", tmp_path / "laptop.db"
    with Store.open(team) as store:
        store.add_document("first", "First", FIRST)
    with Store.open(laptop) as store:
        document = store.add_document("first", "First", FIRST).document
        gknb = store.create_entity("GKNB", "ORG", "bob")
        mention = store.add_span(document, *at(document, "GKNB"), "ORG", "bob")
        store.link_mention(mention.uid, gknb.uid, "bob")
    result = run(tmp_path, "merge", str(laptop), "--db", str(team))
    assert result.returncode == 0, result.stderr
    assert "  entities: 1 added, 0 changed; 1 entity history entry" in result.stdout.splitlines()


def test_the_native_export_says_where_the_entity_registry_went(team: Path) -> None:
    out = team.parent / "out" / "team.jsonl"
    result = run(team.parent, "export", "--db", str(team), "--out", str(out))
    assert result.returncode == 0, result.stderr
    registry = out.with_name("team.entities.jsonl")
    lines = registry.read_text(encoding="utf-8").splitlines()
    assert lines and all(json.loads(line)["uid"] for line in lines)
    noun = "entity" if len(lines) == 1 else "entities"
    assert f"entities: wrote {len(lines)} {noun} to {registry}" in result.stdout
