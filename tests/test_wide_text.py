"""Wide text in lists and bars: cut and padded by terminal cells, between graphemes.

CJK is two cells a character, a ZWJ family is seven code points in two cells, a flag is
two code points, Devanagari and combining accents put several code points in one cell.
Every list row must stay one terminal row and every column (and the border after it)
must stay where it is, whatever the script. Cells are measured as Rich and Textual
measure them when they draw (rich.cells.cell_len), per segment as the compositor does.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.strip import Strip
from textual.widgets import OptionList, Static

from annotator.cells import clip_cells, display_text, fit, fit_pieces, graphemes, share_cells, wrap_cells
from annotator.model import Label
from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.articles import ArticleListScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.review import ReviewScreen
from annotator.tui.screens.stats import StatsScreen
from annotator.tui.widgets.bars import StatusBar
from annotator.tui.widgets.key_bar import KeyBar
from test_tui_support import screen_strips

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦: 7 code points, 2 cells
CODER = "\U0001f469\u200d\U0001f4bb"  # 👩‍💻
THUMBS = "\U0001f44d\U0001f3fd"  # 👍🏽 with a skin tone
RAINBOW = "\U0001f3f3\ufe0f\u200d\U0001f308"  # 🏳️‍🌈
FLAGS = "\U0001f1fa\U0001f1f8\U0001f1ef\U0001f1f5\U0001f1e9\U0001f1ea\U0001f1f0\U0001f1ec"  # 🇺🇸🇯🇵🇩🇪🇰🇬
HINDI = "नमस्ते दुनिया: क्षमा माँगी, प्रधानमंत्री ने कहा"
CAFE = "Cafe\u0301 de\u0301ja\u0300 vu"  # decomposed accents
ARABIC = "مرحبا بالعالم: الحكومة تعلن عن خطة اقتصادية جديدة"
CJK = "日本政府は新しい経済政策を発表し、東京の株式市場は大きく反応した"

SAMPLES = [
    CJK,
    f"{FAMILY} Family day: {CODER} coders, {THUMBS} and {RAINBOW} parades",
    f"{FLAGS} leaders meet",
    HINDI,
    CAFE,
    ARABIC,
    "plain ASCII headline",
    "a\x1b[31mred\x07\nnext\u202eline\t!",
]

# (key, title): one article per script, long enough to be cut at 80 and 120 columns.
ARTICLES = [
    ("cjk", CJK),
    ("family", f"{FAMILY} Family day: {CODER} coders, {THUMBS} and {RAINBOW} parades across the city " * 2),
    ("flags", f"{FLAGS}\U0001f1eb\U0001f1f7\U0001f1ee\U0001f1f3 leaders meet at the summit " * 3),
    ("hindi", f"{HINDI} " * 3),
    ("arabic", f"{ARABIC} " * 2),
    ("cafe", f"{CAFE}, " * 12),
    ("long", "A very long English headline that goes on and on " * 6),
    ("short", "Short"),
]


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Independent of annotator.cells: nothing at `index` that is drawn with what precedes."""
    if index in (0, len(text)):
        return True
    before, char = text[index - 1], text[index]
    if before == "\u200d" or char == "\u200d" or unicodedata.category(char)[0] == "M":
        return False
    if char in "\ufe0f\ufe0e" or "\U0001f3fb" <= char <= "\U0001f3ff":
        return False
    if before == "\u094d" and unicodedata.category(char) == "Lo":
        return False
    if "\U0001f1e6" <= char <= "\U0001f1ff":
        run = 0
        while index - run - 1 >= 0 and "\U0001f1e6" <= text[index - run - 1] <= "\U0001f1ff":
            run += 1
        return run % 2 == 0
    return True


# -- the helpers -------------------------------------------------------------------------


@pytest.mark.parametrize("text", SAMPLES)
def test_fit_is_exactly_the_width_and_clip_never_more(text: str) -> None:
    shown = display_text(text)
    for width in range(0, cell_len(shown) + 4):
        assert cell_len(fit(text, width)) == width, (text, width)
        for align in ("right", "center"):
            assert cell_len(fit(text, width, align=align)) == width
        clipped = clip_cells(text, width)
        assert cell_len(clipped) <= width
        if cell_len(shown) <= width:
            assert clipped == shown  # what fits is left alone
        elif width:
            assert clipped.endswith("…")


@pytest.mark.parametrize("text", SAMPLES)
def test_clip_cuts_only_between_graphemes(text: str) -> None:
    shown = display_text(text)
    for width in range(1, cell_len(shown)):
        kept = clip_cells(text, width).removesuffix("…")
        assert shown.startswith(kept.rstrip(" ")), (text, width)
        assert is_grapheme_boundary(shown, len(kept)), (text, width, kept)


def test_no_emoji_sequence_flag_accent_or_conjunct_is_split() -> None:
    family = f"ab {FAMILY} cd"
    for width in range(1, 9):
        kept = clip_cells(family, width)
        assert FAMILY in kept or not set(FAMILY) & set(kept), kept
    for width in range(1, 10):
        kept = clip_cells(FLAGS, width).removesuffix("…")
        assert len(kept) % 2 == 0, kept  # regional indicators go in pairs
    for width in range(1, 12):
        kept = clip_cells(CAFE, width).removesuffix("…")
        assert CAFE.startswith(kept) and CAFE[len(kept)] not in "\u0300\u0301", kept  # no accent left behind
    for width in range(1, 6):
        assert clip_cells("क्षमा", width).removesuffix("…") in ("", "क्ष", "क्षमा")  # never क् alone


def test_grapheme_cells_add_up_to_what_textual_measures() -> None:
    for text in SAMPLES:
        shown = display_text(text)
        spans = list(graphemes(shown))
        assert sum(cells for _, _, cells in spans) == cell_len(shown), text
        assert [start for start, _, _ in spans] == sorted({start for start, _, _ in spans})
        assert spans[-1][1] == len(shown)
    assert [cells for _, _, cells in graphemes(FAMILY + FLAGS[:4] + "日")] == [2, 2, 2, 2]
    assert [end - start for start, end, _ in graphemes(CAFE)][:4] == [1, 1, 1, 2]


def test_control_characters_become_placeholders_one_row() -> None:
    cut = clip_cells("a\x1b[31mred\x07\nnext\u202e\x00", 40)
    assert cut == "a\u241b[31mred\u2407\u21b5next\ufffd\u2400"
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in cut)
    assert cell_len(fit("\x1b\x1b\x1b\x1b", 3)) == 3 and fit("\x1b\x1b\x1b\x1b", 3) == "\u241b\u241b…"
    # A joiner with nothing before it would make Rich measure the emoji after it as 0 cells.
    assert clip_cells(f"\u200d{CODER} x", 10) == f"{CODER} x"
    assert cell_len(fit(f"\u200d{CODER} x", 10)) == 10


def test_fit_pieces_cuts_the_flexible_piece_first_and_pads_to_the_width() -> None:
    pieces: list[str | tuple[str, str]] = [(" 1 / 3 ", "reverse"), "  ", (CJK, "bold"), ("  done ✓", "dim")]
    row = fit_pieces(pieces, 40, flex=2)
    assert sum(cell_len(p if isinstance(p, str) else p[0]) for p in row) == 40
    assert row[0] == (" 1 / 3 ", "reverse") and row[-1] == ("  done ✓", "dim")  # the hint stays in view
    title = row[2]
    assert isinstance(title, tuple) and title[1] == "bold" and title[0].rstrip().endswith("…")
    # Without a flexible piece the row is cut at the end, the ellipsis in the style it cuts.
    cut = fit_pieces(pieces, 20)
    assert sum(cell_len(p if isinstance(p, str) else p[0]) for p in cut) == 20
    assert cut[-1] == " " or cut[-1][1] == "bold"
    assert fit_pieces(["abc"], 5) == ["abc", "  "] and fit_pieces(["abc"], 5, pad=False) == ["abc"]
    assert fit_pieces([("x\ny", "s")], 5) == [("x↵y", "s"), "  "]


def test_wrap_and_share() -> None:
    rows = wrap_cells(f"{CJK} and some words {FAMILY} after", 12)
    assert all(cell_len(row) <= 12 for row in rows)
    assert "".join(rows).replace(" ", "") == display_text(f"{CJK} and some words {FAMILY} after").replace(" ", "")
    assert wrap_cells("", 5) == [""]
    assert share_cells([5, 30, 40], 50) == [5, 22, 23]
    assert share_cells([5, 30, 40], 100) == [5, 30, 40]
    assert share_cells([10, 10], -3) == [0, 0]


# -- the running app ----------------------------------------------------------------------


def rows_with_columns(strips: list[Strip]) -> list[tuple[str, list[int]]]:
    """Each screen row's text and the column of each character, summed per segment."""
    rows = []
    for strip in strips:
        text: list[str] = []
        columns: list[int] = []
        x = 0
        for segment in strip:
            for index, char in enumerate(segment.text):
                text.append(char)
                columns.append(x + cell_len(segment.text[:index]))
            x += segment.cell_length
        rows.append(("".join(text), columns))
    return rows


def column_of(row: tuple[str, list[int]], needle: str, last: bool = False) -> int:
    text, columns = row
    index = text.rfind(needle) if last else text.find(needle)
    assert index != -1, f"{needle!r} not in {text!r}"
    return columns[index]


def build(tmp_path: Path) -> Path:
    db = tmp_path / "wide.db"
    with Store.open(db) as store:
        for key, title in ARTICLES:
            document = store.add_document(key, title, f"{title}\n\nBody of {key}.").document
            if key in ("cjk", "family"):
                store.add_span(document, 0, 4, "ORG", "alice")
    return db


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_article_list_rows_are_one_row_each_and_columns_do_not_move(tmp_path: Path, size: tuple[int, int]) -> None:
    db = build(tmp_path)
    with Store.open(db) as store:
        app = make_app(store, "alice")
        async with app.run_test(size=size) as pilot:
            await pilot.press("a")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ArticleListScreen)
            option_list = screen.query_one("#articles-list", OptionList)
            assert option_list.option_count == len(ARTICLES)
            # Not one option wraps: the list is exactly as many rows as there are articles.
            assert option_list.virtual_size.height == len(ARTICLES)

            dialog = screen.query_one("#articles-dialog").region
            listed = option_list.content_region
            rows = rows_with_columns(screen_strips(app))
            # The dialog's right border is in one column on every row it spans.
            corners = {dialog.y: "╮", dialog.bottom - 1: "╯"}
            borders = {column_of(rows[y], corners.get(y, "│"), last=True) for y in range(dialog.y, dialog.bottom)}
            assert borders == {dialog.right - 1}

            total = len(ARTICLES)
            drawn = {}
            for y in range(listed.y, listed.bottom):
                text, _ = rows[y]
                for number in range(1, total + 1):
                    if f" {number}/{total} " in text:
                        drawn[number] = y
            visible = min(total, listed.height)
            assert sorted(drawn) == list(range(1, visible + 1))
            assert [drawn[n] for n in sorted(drawn)] == list(range(listed.y, listed.y + visible))  # one row each

            title_columns = set()
            state_columns = set()
            key_columns = set()
            for number, y in drawn.items():
                key, title = ARTICLES[number - 1]
                row = rows[y]
                text, columns = row
                # The list's own right edge (its tall border) is in one column too.
                assert column_of(row, "▎", last=True) == option_list.region.right - 1
                state = "1 span" if key in ("cjk", "family") else "not started"
                state_at = column_of(row, f"  {state}") + 2
                state_columns.add(state_at)
                title_start = column_of(row, "○ " if state == "not started" else "● ") + 2
                key_index = text.find(f"  {key}  ")
                if key_index != -1:
                    key_columns.add(columns[key_index] + 2)
                title_end = columns[key_index] if key_index != -1 else state_at - 2
                title_columns.add((title_start, title_end))
                cell = "".join(c for c, x in zip(text, columns) if title_start <= x < title_end)
                shown = display_text(title)
                if cell_len(shown) > title_end - title_start:
                    # Cut within its column, with an ellipsis, between graphemes.
                    assert cell.rstrip(" ").endswith("…"), cell
                    kept = cell.rstrip(" ")[:-1]
                    assert shown.startswith(kept) and is_grapheme_boundary(shown, len(kept)), cell
                else:
                    assert cell.rstrip(" ") == shown
            # The title, key and progress columns are in the same cells on every row.
            assert len(title_columns) == 1, title_columns
            assert len(state_columns) == 1, state_columns
            assert len(key_columns) <= 1, key_columns
            if size[0] >= 120:
                assert len(key_columns) == 1  # room for the key column
                assert all("chars" in rows[y][0] for y in drawn.values())


async def test_control_characters_in_a_title_stay_on_one_row(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Store.open(db) as store:
        store.add_document("esc", "Breaking\x1b[31m news\nsecond line\u202e", "Body.")
        app = make_app(store, "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("a")
            option_list = app.screen.query_one("#articles-list", OptionList)
            assert option_list.virtual_size.height == 1
            text = "\n".join(row for row, _ in rows_with_columns(screen_strips(app)))
            assert "Breaking\u241b[31m news\u21b5second line\ufffd" in text
            assert "\x1b" not in text


async def test_header_and_status_bar_cut_the_title_and_message_not_the_rest(tmp_path: Path) -> None:
    db = build(tmp_path)
    with Store.open(db) as store:
        app = make_app(store, "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            rows = rows_with_columns(screen_strips(app))
            header = rows[0][0]
            assert header.rstrip().endswith("1 span by you")  # the hint stays in view
            assert "…" in header and display_text(app.screen.document.title)[:10] in header  # type: ignore[attr-defined]
            status = app.screen.query_one("#status", StatusBar)
            status.saved = f"saved 12:00:00: {CJK} {FAMILY} " * 3
            await pilot.pause()
            last_rows = rows_with_columns(screen_strips(app))
            status_row = last_rows[status.region.y][0]
            assert "select: words" in status_row and "…" in status_row
            assert f"saved 12:00:00: {CJK[:2]}" in status_row


async def test_review_list_and_panel_keep_one_row_per_version_and_the_divider_still(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    text = f"{CJK} {FAMILY} {HINDI} {FLAGS} end."
    with Store.open(db) as store:
        document = store.add_document("wide", CJK, text).document
        store.add_span(document, 0, len(CJK), "ORG", "山田太郎")
        store.add_span(document, 0, 10, "PERSON", "जयश्री")
        store.add_span(document, 0, len(CJK), "PLACE", f"{FAMILY}fam")
        hindi = text.index(HINDI)
        store.add_span(document, hindi, hindi + len(HINDI), "OTHER", "alice")
        for size in ((80, 24), (120, 40)):
            app = make_app(store, "rita")
            async with app.run_test(size=size) as pilot:
                await pilot.press("r")
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, ReviewScreen)
                groups = screen.query_one("#group-list", OptionList)
                # Two groups, four versions: one row each, none wrapped by the wide characters.
                assert groups.option_count == 2
                assert groups.virtual_size.height == 4
                rows = rows_with_columns(screen_strips(app))
                article = screen.query_one("#review-article").region
                # The divider between article and panel is in one column on every row.
                assert {column_of(rows[y], "▕") for y in range(article.y, article.bottom)} == {article.right - 1}
                first = rows[groups.region.y][0]
                assert "…" in first and "×1" in first  # cut to fit, the count still shown
                details = screen.query_one("#group-details", Static)
                for y in range(details.region.y, details.region.bottom):
                    assert column_of(rows[y], "▕") == article.right - 1
                assert "山田太郎" in str(details.render())


async def test_stats_tables_stay_in_their_columns(tmp_path: Path) -> None:
    db = tmp_path / "stats.db"
    with Store.open(db) as store:
        document = store.add_document("wide", CJK, f"{CJK} and more text here.").document
        for name in ("山田太郎さん", f"{FAMILY}{FAMILY}{FAMILY}{FAMILY}{FAMILY}{FAMILY}", "जयश्री"):
            store.add_span(document, 0, 4, "ORG", name)
        store.add_span(document, 0, 6, "PERSON", "山田太郎さん")
        # A word only one analyst tags: the article has units labelled differently.
        store.add_span(document, len(CJK) + 1, len(CJK) + 4, "OTHER", "जयश्री")
        app = make_app(store, "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("S")
            await pilot.pause()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, StatsScreen)
            body = screen.query_one("#stats-body", Static)
            lines = str(body.render()).split("\n")
            table = [line for line in lines if "█" in line or " units  " in line or "0.00" in line]
            assert table and all(cell_len(line) <= body.content_size.width for line in table), lines
            start = lines.index("Pairwise span F1 (exact match)")
            grid = lines[start + 1 : start + 5]
            assert [cell_len(line) for line in grid] == [11 * 4] * 4  # names cut to their 11 cells
            disagreements = [line for line in lines if " units  " in line]
            assert disagreements and all(line.endswith("…") and CJK[:4] in line for line in disagreements)


async def test_help_label_guide_keeps_its_columns_for_a_wide_label(tmp_path: Path) -> None:
    db = tmp_path / "help.db"
    with Store.open(db) as store:
        store.add_document("one", "One", "Some text.")
        store.set_labels([Label("人物名前とても長いラベル", "entity", "p", "#61afef", f"{CJK} {CJK}")])
        app = make_app(store, "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("question_mark")
            await pilot.press("end")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, HelpScreen)
            dialog = screen.query_one("#help-dialog").region
            assert dialog.right <= 80  # the dialog fits the terminal
            rows = rows_with_columns(screen_strips(app))
            label_row = next(y for y, (text, _) in enumerate(rows) if "人物" in text)
            assert "…" in rows[label_row][0]  # the name is cut to its column
            description = column_of(rows[label_row], CJK[:2])
            # The description wraps under itself, not under the key.
            text, columns = rows[label_row + 1]
            first = next(x for c, x in zip(text, columns) if dialog.x < x < dialog.right - 1 and c.strip() and c not in "│▕▏▎")
            assert first == description
            assert {column_of(rows[y], "│", last=True) for y in range(dialog.y + 1, dialog.bottom - 1)} == {dialog.right - 1}


async def test_key_bar_draws_only_whole_keys_and_clicks_only_what_is_drawn(tmp_path: Path) -> None:
    db = tmp_path / "keys.db"
    with Store.open(db) as store:
        store.add_document("one", "One", "Some text.")
        store.set_labels(
            [
                Label("人物名前とても長いラベルです", "entity", "p", "#61afef", "A person."),
                Label(f"ORG{'X' * 30}", "entity", "o", "#e5c07b", "An organisation."),
                Label("PLACE", "entity", "l", "#98c379", "A place."),
            ]
        )
        app = make_app(store, "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            bar = app.screen.query_one(KeyBar)
            footer = rows_with_columns(screen_strips(app))[bar.region.y][0]
            assert cell_len(footer) == 80
            assert bar._hits and bar._hits[-1][1] <= 80
            assert "人物名前" in footer
            for start, end, _, _ in bar._hits:
                assert 0 <= start < end <= 80
            # A click past the last drawn key runs nothing: keys left out are not clickable.
            before = app.screen
            await pilot.click(KeyBar, offset=(79, 0))
            await pilot.pause()
            assert app.screen is before


async def test_palette_entries_are_one_row_each(tmp_path: Path) -> None:
    db = build(tmp_path)
    with Store.open(db) as store:
        app: AnnotatorApp = make_app(store, "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+p", *"Open")
            await app.workers.wait_for_complete()
            await pilot.pause()
            from textual.command import CommandList

            commands = app.screen.query_one(CommandList)
            assert commands.option_count >= len(ARTICLES)
            # Each entry is its prompt row, then its help row (the key): nothing wraps.
            texts = [row.strip() for row, _ in rows_with_columns(screen_strips(app))]
            opened = [y for y, row in enumerate(texts) if row.startswith("Open: ")]
            assert len(opened) >= 4
            keys = {key for key, _ in ARTICLES}
            assert all(texts[y + 1] in keys for y in opened if y + 1 < len(texts) and texts[y + 1]), [texts[y : y + 2] for y in opened]
            assert sum(texts[y].endswith("…") for y in opened) >= 3
