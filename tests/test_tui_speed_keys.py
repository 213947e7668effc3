"""The article view's keys for getting to the next thing to tag, on the bundled articles.

`/` jump to text, `f` jump labels, `;` / `,` candidates and suggestions, `g` smart
selection and grow, `)` claim from the cursor, `s` a sentence without its closing
punctuation, and suggestions drawn as ghost spans. Each test imports the real corpus
into a real SQLite file and drives the running app with keys.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from annotator.importers import collect_files, import_paths
from annotator.model import NewSpan
from annotator.store import Store
from annotator.tui.app import AnnotatorApp
from annotator.units import Suggestion
from annotator.units.words import WORD
from conftest import CORPUS
from test_tui_support import (
    running,
    screen_text,
    span_list_texts,
    spans_in_db,
    style_of_char,
    view_of,
)

COUP = "000_8d4b3503afa0d274"  # "Kyrgyzstan says it thwarted coup attempt"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The five sample articles, imported as `annotator import corpus/` does."""
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:
        files, problems = collect_files([CORPUS])
        assert problems == []
        results = import_paths(store, files, annotator="import")
        assert [r.error for r in results] == [None] * 5
    return path


async def settled(app: AnnotatorApp, pilot: Pilot[None]) -> None:
    """Background work (suggestions for an untagged article) done and drawn."""
    await app.workers.wait_for_complete()
    await pilot.pause()


def selected_text(app: AnnotatorApp) -> str | None:
    view = view_of(app)
    selection = view.selection
    return None if selection is None else view.text[selection[0] : selection[1]]


async def put_cursor(app: AnnotatorApp, pilot: Pilot[None], needle: str, occurrence: int = 0) -> int:
    """Set-up, not the key under test: the cursor on the start of `needle`, nothing selected."""
    view = view_of(app)
    offset = -1
    for _ in range(occurrence + 1):
        offset = view.text.index(needle, offset + 1)
    view.anchor = None
    view.move_to(offset)
    await pilot.pause()
    return offset


def article_rows(app: AnnotatorApp) -> list[str]:
    """The article's rows as drawn on screen (the left-hand column)."""
    view = view_of(app)
    region = view.region
    lines = screen_text(app).split("\n")[region.y : region.bottom]
    return [line[region.x : region.right] for line in lines]


# -- / ---------------------------------------------------------------------------


async def test_slash_jumps_as_you_type_enter_stays_escape_returns_empty_repeats(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            text = view.text
            lower = text.lower()
            assert view.cursor == 0
            await pilot.press("slash")
            assert view.search_query == ""
            assert "/" in article_rows(app)[-1]  # the bar takes the article's bottom row
            query = ""
            for letter in "iskp":  # "p" and "q" are label keys: typed here they only search
                query += letter
                await pilot.press(letter)
                assert view.cursor == lower.find(query), query
            first = lower.find("iskp")
            assert text[first : first + 4] == "ISKP"
            assert "/iskp" in article_rows(app)[-1]
            await pilot.press("down")
            second = lower.find("iskp", first + 1)
            assert view.cursor == second
            await pilot.press("up")
            assert view.cursor == first
            await pilot.press("enter")
            assert view.search_query is None and view.cursor == first
            assert all("/iskp" not in row for row in article_rows(app))

            # Escape puts the cursor back where the search began.
            await pilot.press("slash", *"zhaparov")
            assert text[view.cursor : view.cursor + 8] == "Zhaparov"
            await pilot.press("escape")
            assert view.cursor == first and view.search_query is None

            # "/" then enter with nothing typed: the previous query's next match.
            await pilot.press("slash", "enter")
            assert view.cursor == second
            await pilot.press("slash", "enter")
            assert view.cursor == lower.find("iskp", second + 1)
    assert spans_in_db(db) == []  # the letters typed into the bar tagged nothing


async def test_slash_with_no_match_stays_at_the_start_and_says_so(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            start = await put_cursor(app, pilot, "Akylbek")
            await pilot.press("slash", *"xyzzy")
            assert view.cursor == start
            assert "no match" in article_rows(app)[-1]
            await pilot.press(*["backspace"] * 5, *"iskp")
            assert "no match" not in article_rows(app)[-1]
            assert view.cursor == view.text.lower().find("iskp", start)


# -- f ---------------------------------------------------------------------------


def word_starts(text: str, start: int, end: int) -> set[int]:
    """Where each word in text[start:end] begins (a word as the hint labels count it)."""
    return {m.start() for m in WORD.finditer(text, start, end) if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")}


async def test_f_labels_every_visible_word_and_typing_a_label_jumps_there(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            view = view_of(app)
            text = view.text
            await pilot.press("f")
            hints = view.hints
            start, end = view.visible_range()
            assert start == 0 and end > 1000  # the screenful, not the whole article
            assert set(hints.values()) == word_starts(text, start, end)
            assert all(re.fullmatch("[a-z]{1,2}", label) for label in hints)
            assert not any(a != b and b.startswith(a) for a in hints for b in hints)  # never ambiguous

            # The label is drawn over the start of its word.
            target = text.index("Zhaparov")
            label = next(label for label, offset in hints.items() if offset == target)
            shown = label + "Zhaparov"[len(label) :]
            assert any(shown in row for row in article_rows(app)), (label, article_rows(app))

            await pilot.press(*label)
            assert view.cursor == target and view.selection is None
            assert view.hints == {}
            assert any("Zhaparov" in row for row in article_rows(app))  # labels gone

            # Escape leaves hint mode and the cursor where it was.
            await pilot.press("f")
            assert view.hints
            await pilot.press("escape")
            assert view.hints == {} and view.cursor == target
    assert spans_in_db(db) == []  # label letters typed as hints tagged nothing


# -- ; and , -----------------------------------------------------------------------


async def test_semicolon_selects_the_next_untagged_candidate_and_a_label_key_tags_it(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await settled(app, pilot)
            view = view_of(app)
            view.set_suggestions([])  # candidates only here
            seen = []
            for _ in range(5):
                await pilot.press("semicolon")
                selection = view.selection
                assert selection is not None and view.cursor == selection[0]
                seen.append(selected_text(app))
            assert seen == [
                "it thwarted coup attempt",
                "Kyrgyzstan",
                "it thwarted coup attempt",
                "State Committee for National Security",
                "IntelliNews",
            ]
            await pilot.press("o")  # ORG on "IntelliNews"
            await pilot.press("ctrl+home")
            seen = []
            for _ in range(5):
                await pilot.press("semicolon")
                seen.append(selected_text(app))
            assert "IntelliNews" not in seen and seen[-1] == "July 7, 2024"
        ids = {d.key: d.id for d in store.list_documents()}
    assert [(s.text, s.label) for s in spans_in_db(db, ids[COUP])] == [("IntelliNews", "ORG")]


async def test_semicolon_stops_on_suggestions_merged_with_candidates(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await settled(app, pilot)
            view = view_of(app)
            text = view.text
            gknb = text.index("GKNB")
            bne = text.index("bne")  # no candidate: only the suggestion stops here
            offers = [Suggestion(gknb, gknb + 4, "ORG", "gazetteer", 0.9), Suggestion(bne, bne + 3, "ORG", "gazetteer", 0.8)]
            view.set_suggestions(offers)
            await put_cursor(app, pilot, "By bne")
            await pilot.press("semicolon")
            assert selected_text(app) == "bne" and view.suggestion_at() == offers[1]
            await pilot.press("semicolon")
            assert selected_text(app) == "IntelliNews" and view.suggestion_at() is None
            await put_cursor(app, pilot, "State Committee", 1)
            await pilot.press("semicolon")
            assert view.cursor == gknb and selected_text(app) == "GKNB"
            assert view.suggestion_at() == offers[0]


async def test_comma_selects_the_previous_candidate(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await settled(app, pilot)
            view = view_of(app)
            view.set_suggestions([])
            await put_cursor(app, pilot, "By bne")
            await pilot.press("comma")
            assert selected_text(app) == "State Committee for National Security"
            assert view.cursor == view.text.index("State Committee")
            await pilot.press("comma")
            assert selected_text(app) == "it thwarted coup attempt"
            assert view.cursor == view.text.index("it thwarted", 20)


# -- g, ) and s ------------------------------------------------------------------------


async def test_g_selects_the_quantity_name_or_word_and_again_grows_it(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await put_cursor(app, pilot, "238 units")  # inside "255,238"
            await pilot.press("g")
            assert selected_text(app) == "255,238 units of ammunition"
            await put_cursor(app, pilot, "Zhaparov")
            await pilot.press("g")
            assert selected_text(app) == "Akylbek Zhaparov"
            await pilot.press("g")
            assert selected_text(app) == (
                "Akylbek Zhaparov called for stronger action against terrorists and extremists during his "
                "address at the Shanghai Cooperation Organization (SCO) summit the previous day"
            )
            await pilot.press("g")
            assert selected_text(app).startswith("Earlier in the week Kyrgyzstan’s Prime Minister")  # type: ignore[union-attr]
            await pilot.press("c")
        ids = {d.key: d.id for d in store.list_documents()}
    [claim] = spans_in_db(db, ids[COUP])
    assert claim.label == "CLAIM" and claim.text.endswith("the previous day")


async def test_right_parenthesis_selects_the_claim_from_the_cursor(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await put_cursor(app, pilot, "raids on")
            await pilot.press("right_parenthesis")
            assert selected_text(app) == (
                "raids on the suspects' homes and vehicles uncovered a cache of weapons as well as law "
                "enforcement uniforms, drones and extremist literature"
            )
            await put_cursor(app, pilot, "These arrests")
            await pilot.press("right_parenthesis")
            # The concessive clause after the comma is not part of the claim.
            assert selected_text(app) == (
                "These arrests coincided with a similar incident in Kazakhstan, where a female cell "
                "reportedly planning an attack on a Western target was apprehended"
            )


async def test_s_selects_the_sentence_without_its_closing_punctuation(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await put_cursor(app, pilot, "planning a violent")
            await pilot.press("s")
            # The full stop is left out; the quotation opened inside keeps its closing mark.
            assert selected_text(app) == "The report described a “destructive group planning a violent seizure of power”"
            await put_cursor(app, pilot, "placed in")
            await pilot.press("s")
            assert selected_text(app) == (
                "Five suspects have been placed in pre-trial detention, and further investigative and "
                "operational measures are ongoing to identify other people involved"
            )


# -- ghost spans ------------------------------------------------------------------------


async def test_suggestions_are_drawn_as_ghosts_not_spans(db: Path) -> None:
    with Store.open(db) as store:
        async with running(store) as (app, pilot):
            await settled(app, pilot)
            view = view_of(app)
            text = view.text
            # A real span on "Kyrgyzstan" in the first line, a suggestion on "coup" beside it.
            await pilot.press("w", "l")
            await settled(app, pilot)
            coup = text.index("coup")
            offer = Suggestion(coup, coup + 4, "ORG", "gazetteer", 0.9)
            view.set_suggestions([offer])
            base = view.rich_style
            ghost = style_of_char(app, coup)
            real = style_of_char(app, 0)
            plain = style_of_char(app, coup - 2)
            assert ghost.italic and ghost.underline and ghost.dim  # type: ignore[attr-defined]
            assert ghost.bgcolor == base.bgcolor  # no tint: it is not a span
            assert ghost.color != plain.color  # type: ignore[attr-defined]
            assert real.bgcolor != base.bgcolor and not real.italic  # type: ignore[attr-defined]

            assert [s.text for s in view.spans] == ["Kyrgyzstan"]
            assert view.spans_at(coup) == []
            assert not any("coup" in row for row in span_list_texts(app))
            assert view.suggestions == [offer]

            view.remove_suggestions([offer])
            await pilot.pause()
            assert style_of_char(app, coup) == plain
        ids = {d.key: d.id for d in store.list_documents()}
    assert [s.text for s in spans_in_db(db, ids[COUP])] == ["Kyrgyzstan"]


# -- a long article ----------------------------------------------------------------------


async def test_the_keys_look_near_the_cursor_on_a_long_tagged_article(tmp_path: Path) -> None:
    """200,000 characters with 5,000 spans: each key wraps only the blocks near the cursor."""
    paragraphs = [path.read_text(encoding="utf-8").strip() for path in sorted(CORPUS.glob("*.txt"))]
    text = ""
    while len(text) < 200_000:
        text += "\n\n".join(paragraphs) + "\n\n"
    text = text[:200_000]
    names = [m.span() for m in re.finditer(r"\b[A-Z][a-z]+\b", text)][:5000]
    assert len(names) == 5000
    path = tmp_path / "long.db"
    with Store.open(path) as store:
        spans = [NewSpan(start, end, "ORG", "alice") for start, end in names]
        store.add_document("long", "Long", text, spans=spans)
        async with running(store) as (app, pilot):
            await settled(app, pilot)
            view = view_of(app)
            assert len(view.spans) == 5000
            view.move_to(150_000)
            await pilot.pause()
            before = sum(view._layout.exact)  # type: ignore[union-attr]
            await pilot.press("semicolon")
            selection = view.selection
            assert selection is not None and 150_000 < selection[0] < 160_000
            assert not any(s.start <= selection[0] < s.end for s in view.spans_at(selection[0]))
            await pilot.press("g", "comma", "right_parenthesis", "f")
            labels = view.hints
            start, end = view.visible_range()
            assert labels and all(start <= offset < end for offset in labels.values())
            assert end - start < 10_000
            await pilot.press("escape", "slash", *"kyrgyz", "enter")
            assert view.text[view.cursor : view.cursor + 6].lower() == "kyrgyz" and view.cursor > 150_000
            # Only the blocks around the cursor were wrapped, never the article.
            assert sum(view._layout.exact) - before <= 4  # type: ignore[union-attr]
            assert sum(view._layout.exact) < len(view._layout) // 4  # type: ignore[union-attr]
