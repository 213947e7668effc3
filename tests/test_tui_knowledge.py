"""Linking, attribution and quantity values in the running app, on a sample article.

Each key is pressed in the real app under Pilot; the database is checked after the
action and again after `u`.
"""

from __future__ import annotations

from pathlib import Path

from annotator.linking import rank_candidates
from annotator.session.knowledge import quantity_of
from annotator.store import Store
from test_tui_support import ANNOTATOR, annotate_screen, move_cursor_to, running, spans_in_db, status_text, view_of

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
# The opening of the first sample article: long enough for names, a claim and figures.
TEXT = sorted(CORPUS.glob("*.txt"))[0].read_text(encoding="utf-8")[:1300]
CLAIM = "it has thwarted a coup attempt"
ORG_NAME = "State Committee for National Security"
LONG = "Kyrgyzstan's State Committee for National Security"


def make_db(tmp_path: Path) -> Path:
    db = tmp_path / "team.db"
    with Store.open(db) as store:
        store.add_document("sample", "Kyrgyzstan says it thwarted coup attempt", TEXT)
    return db


def add(db: Path, phrase: str, label: str, occurrence: int = 0) -> str:
    with Store.open(db) as store:
        document = store.list_documents()[0]
        doc = store.document(document.id)
        start = -1
        for _ in range(occurrence + 1):
            start = TEXT.index(phrase, start + 1)
        return store.add_span(doc, start, start + len(phrase), label, ANNOTATOR).uid


def attrs_of(db: Path, uid: str) -> dict:  # type: ignore[type-arg]
    span = next(s for s in spans_in_db(db) if s.uid == uid)
    return span.attrs


async def pick(pilot, app, phrase: str, occurrence: int = 0) -> None:  # type: ignore[no-untyped-def]
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(phrase, start + 1)
    await move_cursor_to(pilot, app, start)
    await pilot.press("enter")
    assert view_of(app).active_span is not None and view_of(app).active_span.text == phrase  # type: ignore[union-attr]


async def settled(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    from conftest import settle_writes

    await settle_writes(app)
    await pilot.pause()


def details(app) -> str:  # type: ignore[no-untyped-def]
    return str(annotate_screen(app).query_one("#span-details").render())


async def test_L_then_n_makes_an_entity_and_u_takes_both_back(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    uid = add(db, "GKNB", "ORG")
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pick(pilot, app, "GKNB")
            await pilot.press("L")
            await settled(pilot, app)
            await pilot.press("n")
            await settled(pilot, app)
            entity_uid = attrs_of(db, uid)["entity"]
            entity = store.entity(entity_uid)
            assert entity is not None and (entity.name, entity.label) == ("GKNB", "ORG")
            assert "Entity: GKNB" in details(app)
            assert any("→ GKNB" in row for row in annotate_screen(app).panel.span_list.row_texts())
            await pilot.press("u")
            await settled(pilot, app)
            assert "entity" not in attrs_of(db, uid)
            assert store.entity(entity_uid) is None
            assert "undo: link to GKNB removed" in status_text(app)


async def test_L_lists_candidates_and_1_links_with_the_new_spelling_as_alias(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    uid = add(db, LONG, "ORG")
    with Store.open(db) as store:
        known = store.create_entity(ORG_NAME, "ORG", "bob")
        store.create_entity("Shanghai Cooperation Organization", "ORG", "bob")
        async with running(store) as (app, pilot):
            await pick(pilot, app, LONG)
            await pilot.press("L")
            await settled(pilot, app)
            listed = str(app.screen.query_one("#link-candidates").render())
            assert ORG_NAME in listed
            await pilot.press("1")
            await settled(pilot, app)
            assert attrs_of(db, uid)["entity"] == known.uid
            assert LONG in store.entity(known.uid).aliases  # type: ignore[union-attr]
            await pilot.press("u")
            await settled(pilot, app)
            assert "entity" not in attrs_of(db, uid)
            assert LONG not in store.entity(known.uid).aliases  # type: ignore[union-attr]


async def test_equals_links_to_the_top_candidate_or_makes_one(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    org = add(db, ORG_NAME, "ORG", 1)
    person = add(db, "Akylbek Zhaparov", "PERSON")
    with Store.open(db) as store:
        known = store.create_entity(ORG_NAME, "ORG", "bob")
        async with running(store) as (app, pilot):
            await pick(pilot, app, ORG_NAME, 1)
            await pilot.press("equals_sign")
            await settled(pilot, app)
            assert attrs_of(db, org)["entity"] == known.uid
            await pick(pilot, app, "Akylbek Zhaparov")
            await pilot.press("equals_sign")
            await settled(pilot, app)
            made = store.entity(attrs_of(db, person)["entity"])
            assert made is not None and (made.name, made.label) == ("Akylbek Zhaparov", "PERSON")


async def test_A_attributes_the_claim_and_u_removes_it(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    add(db, "State Committee for National Security (GKNB)", "ORG")
    claim = add(db, CLAIM, "CLAIM")
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pick(pilot, app, CLAIM)
            await pilot.press("A")
            await settled(pilot, app)
            attrs = attrs_of(db, claim)
            assert attrs["cue"]["text"] == "announced" and "source" in attrs and "stance" in attrs
            assert "Source:" in details(app) and "announced" in details(app)
            await pilot.press("B")
            await settled(pilot, app)
            grouped = str(annotate_screen(app).query_one("#by-source").render())
            assert "State Committee for National Security" in grouped and CLAIM in grouped
            await pilot.press("u")
            await settled(pilot, app)
            assert not {"cue", "source", "form", "stance"} & attrs_of(db, claim).keys()
            assert "undo: attribution of CLAIM" in status_text(app)


async def test_ctrl_a_sets_form_stance_and_a_typed_source(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    claim = add(db, CLAIM, "CLAIM")
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await pick(pilot, app, CLAIM)
            await move_cursor_to(pilot, app, TEXT.index("announced"))
            await pilot.press("w")  # the cue: selected while the claim stays picked
            await pilot.press("ctrl+a")
            await settled(pilot, app)
            await pilot.press("c", "f", "t", "t", "ctrl+t")
            for key in "a GKNB spokesman":
                await pilot.press("space" if key == " " else key)
            await pilot.press("enter", "ctrl+s")
            await settled(pilot, app)
            attrs = attrs_of(db, claim)
            assert attrs["form"] == "direct" and attrs["stance"] == "reported"
            assert attrs["source"] == {"text": "a GKNB spokesman"}
            start = TEXT.index("announced")
            assert attrs["cue"] == {"start": start, "end": start + len("announced"), "text": "announced"}
            await pilot.press("u")
            await settled(pilot, app)
            assert "form" not in attrs_of(db, claim)


async def test_q_fills_the_value_and_hash_edits_it(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            start = TEXT.index("144 deaths")
            await move_cursor_to(pilot, app, start)
            await pilot.press("q")
            await settled(pilot, app)
            span = next(s for s in spans_in_db(db) if s.label == "QUANTITY")
            assert span.text == "at least 144 deaths"
            assert attrs_of(db, span.uid)["quantity"]["value"] == 144 and attrs_of(db, span.uid)["quantity"]["bound"] == ">="
            await move_cursor_to(pilot, app, span.start)
            await pilot.press("enter")
            assert "Value:" in details(app) and "144" in details(app)
            await pilot.press("number_sign")
            await settled(pilot, app)
            field = app.screen.query_one("#quantity-value")
            field.value = "150"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settled(pilot, app)
            attrs = attrs_of(db, span.uid)
            assert attrs["quantity"]["value"] == 150 and attrs["quantity_edited"] is True
            await pilot.press("u")
            await settled(pilot, app)
            stored = next(s for s in spans_in_db(db) if s.uid == span.uid)
            assert quantity_of(stored).value == 144  # type: ignore[union-attr]
            assert "undo: value of QUANTITY" in status_text(app)


async def test_Q_lists_quantities_by_what_they_count_and_enter_opens_one(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    with Store.open(db) as store:
        other = store.add_document("other", "Other", "Officials said 12 deaths were recorded.").document
        with Store.open(db) as writer_store:
            span = writer_store.add_span(other, 15, 24, "QUANTITY", ANNOTATOR, attrs={"quantity": {"text": "12 deaths", "kind": "count", "value": 12.0, "counts": "deaths"}})
        add(db, "144 deaths", "QUANTITY")
        add(db, "July 5", "QUANTITY")
        async with running(store) as (app, pilot):
            await pilot.press("Q")
            await settled(pilot, app)
            listing = app.screen.query_one("#quantity-list")
            rows = [str(listing.get_option_at_index(n).prompt) for n in range(listing.option_count)]  # type: ignore[attr-defined]
            deaths = rows.index(next(r for r in rows if r.startswith("deaths")))
            assert "144 deaths" in rows[deaths + 1] + rows[deaths + 2] and "12 deaths" in rows[deaths + 1] + rows[deaths + 2]
            listing.highlighted = next(n for n, r in enumerate(rows) if "12 deaths" in r)  # type: ignore[attr-defined]
            await pilot.press("enter")
            await settled(pilot, app)
            screen = annotate_screen(app)
            assert screen.document is not None and screen.document.id == other.id
            assert view_of(app).cursor == span.start


async def test_E_lists_entities_renames_and_opens_a_mention(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    uid = add(db, "GKNB", "ORG")
    with Store.open(db) as store:
        entity = store.create_entity("GKNB", "ORG", ANNOTATOR)
        store.link_mention(uid, entity.uid, ANNOTATOR)
        async with running(store) as (app, pilot):
            await pilot.press("E")
            await settled(pilot, app)
            assert "GKNB" in str(app.screen.query_one("#entity-details").render())
            await pilot.press("r")
            await settled(pilot, app)
            app.screen.query_one("#prompt-0").value = ORG_NAME  # type: ignore[attr-defined]
            await pilot.press("enter")
            await settled(pilot, app)
            renamed = store.entity(entity.uid)
            assert renamed is not None and renamed.name == ORG_NAME and "GKNB" in renamed.aliases
            await pilot.press("enter")  # into the mentions
            await pilot.press("enter")  # open the first
            await settled(pilot, app)
            assert view_of(app).cursor == TEXT.index("GKNB")


async def test_E_merges_one_entity_into_another(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    first = add(db, "GKNB", "ORG")
    with Store.open(db) as store:
        a = store.create_entity("GKNB", "ORG", ANNOTATOR)
        b = store.create_entity(ORG_NAME, "ORG", ANNOTATOR)
        store.link_mention(first, a.uid, ANNOTATOR)
        async with running(store) as (app, pilot):
            await pilot.press("E")
            await settled(pilot, app)
            assert "GKNB" in str(app.screen.query_one("#entity-details").render())
            await pilot.press("m")
            await settled(pilot, app)
            await pilot.press("enter")  # the only other ORG
            await settled(pilot, app)
            assert store.entity(a.uid).merged_into == b.uid  # type: ignore[union-attr]
            assert attrs_of(db, first)["entity"] == b.uid


async def test_E_splits_marked_mentions_into_a_new_entity(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    first = add(db, ORG_NAME, "ORG", 0)
    second = add(db, ORG_NAME, "ORG", 1)
    with Store.open(db) as store:
        entity = store.create_entity(ORG_NAME, "ORG", ANNOTATOR)
        store.link_mention(first, entity.uid, ANNOTATOR)
        store.link_mention(second, entity.uid, ANNOTATOR)
        async with running(store) as (app, pilot):
            await pilot.press("E")
            await settled(pilot, app)
            await pilot.press("enter")  # into the mentions
            await pilot.press("down", "space", "s")
            await settled(pilot, app)
            app.screen.query_one("#prompt-0").value = "GKNB"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await settled(pilot, app)
            moved = store.entity(attrs_of(db, second)["entity"])
            assert moved is not None and moved.name == "GKNB" and moved.uid != entity.uid
            assert attrs_of(db, first)["entity"] == entity.uid
            await pilot.press("escape", "escape")
            await settled(pilot, app)
            await pilot.press("u")  # one undo takes the split back
            await settled(pilot, app)
            assert attrs_of(db, second)["entity"] == entity.uid


def test_the_new_keys_are_in_help_and_the_palette() -> None:
    from annotator.labels import APP_KEYS
    from annotator.tui.commands import ActionCommands
    from annotator.tui.screens.help import KEYS

    keys = {key for _, group in KEYS for key, _ in group}
    assert {"L", "=", "E", "A", "ctrl+a", "#", "Q", "B"} <= keys
    actions = {action for _, action, _ in ActionCommands.ACTIONS}
    assert {"link_panel", "link_best", "entities", "attribute", "edit_attribution", "edit_quantity", "quantities"} <= actions
    assert {"L", "E", "Q", "B", "=", "#"} <= APP_KEYS


def test_the_ranking_index_is_built_again_only_when_the_registry_changes(tmp_path: Path) -> None:
    from annotator.tui.screens.link_panel import registry_index

    path = tmp_path / "reg.db"
    with Store.open(path) as store:
        store.create_entity("GKNB", "ORG", ANNOTATOR)
        first = registry_index(path)
        assert registry_index(path) is first
        store.create_entity("Shanghai Cooperation Organization", "ORG", ANNOTATOR)
        second = registry_index(path)
        assert second is not first
        assert [c.name for c in rank_candidates("Shanghai Cooperation Organisation", "ORG", second)][0] == "Shanghai Cooperation Organization"
