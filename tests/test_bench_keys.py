"""The gold fixture of the five samples and the keys-per-span benchmark that replays it.

The fixture is only a yardstick if every span sits on its text, and the benchmark only
measures the app if the keys it plans do, pressed in the real app, what it planned.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
for folder in (BENCH, DATA):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import bench_keys  # noqa: E402
import make_gold  # noqa: E402

from annotator.labels import DEFAULT_LABELS  # noqa: E402

FIRST = "000_8d4b3503afa0d274.txt"


def test_every_fixture_span_sits_on_its_text_in_the_corpus() -> None:
    gold = make_gold.load_jsonl(make_gold.JSONL, make_gold.CORPUS)
    assert sorted(gold) == sorted(p.name for p in make_gold.CORPUS.glob("*.txt"))
    for name, spans in gold.items():
        article = (make_gold.CORPUS / name).read_text(encoding="utf-8")
        assert spans, name
        for span in spans:
            assert article[span.start : span.end] == span.text, (name, span)
            assert span.label in make_gold.LABELS
            # Spans leave out the white space and the closing punctuation around them.
            assert span.text == span.text.strip() and span.text[-1] not in ",;:”\"", (name, span)
            assert not span.text.endswith(".") or re.fullmatch(r"(?:[A-Z]\.)+", span.text), (name, span)
        assert len({(s.start, s.end, s.label) for s in spans}) == len(spans), name
    total = sum(len(spans) for spans in gold.values())
    assert 300 <= total <= 460, total
    # The JSONL is what the reviewed listing gives.
    assert make_gold.build() == gold
    # The guide's examples are in it: a bound kept with its number, a rate, two names apart.
    texts = {(s.label, s.text) for spans in gold.values() for s in spans}
    assert ("QUANTITY", "at least 144 deaths") in texts
    assert ("QUANTITY", "$10,000 a month") in texts
    nato = [s for s in gold["004_88b129c3640cead4.txt"] if s.text in ("NATO", "CSTO")]
    article = (make_gold.CORPUS / "004_88b129c3640cead4.txt").read_text(encoding="utf-8")
    first_pair = article.index("NATO-CSTO")
    assert {(s.start, s.text) for s in nato} >= {(first_pair, "NATO"), (first_pair + 5, "CSTO")}


def test_a_listing_line_whose_text_is_not_in_the_article_is_one_clear_error(tmp_path: Path) -> None:
    listing = tmp_path / "gold.txt"
    listing.write_text(f"@ {FIRST}\nPLACE  Kyrgyzstan  #1\nORG  Ministry of Nowhere\n", encoding="utf-8")
    out = tmp_path / "gold.jsonl"
    done = subprocess.run(
        [sys.executable, str(DATA / "make_gold.py"), "--listing", str(listing), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"error: {listing}:3: text: 'Ministry of Nowhere' is not in the article"]
    assert not out.exists()


def test_a_listing_builds_offsets_from_occurrences(tmp_path: Path) -> None:
    listing = tmp_path / "gold.txt"
    listing.write_text(f"@ {FIRST}\nPLACE  Kyrgyzstan  #2\nCLAIM  it thwarted coup attempt\n", encoding="utf-8")
    out = tmp_path / "gold.jsonl"
    assert make_gold.main(["--listing", str(listing), "--out", str(out)]) == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    article = (make_gold.CORPUS / FIRST).read_text(encoding="utf-8")
    second = article.index("Kyrgyzstan", article.index("Kyrgyzstan") + 1)
    claim = article.index("it thwarted coup attempt", second)  # the first after the span before it
    assert claim > article.index("it thwarted coup attempt")
    assert record == {
        "document": FIRST,
        "spans": [
            {"start": second, "end": second + 10, "label": "PLACE", "text": "Kyrgyzstan"},
            {"start": claim, "end": claim + 24, "label": "CLAIM", "text": "it thwarted coup attempt"},
        ],
    }


KINDS = {label.name: label.kind for label in DEFAULT_LABELS}
START = bench_keys.State(0, None, None, True, None, None)
NEWS = (
    "GKNB said on Monday that the plot failed. Officials at GKNB agreed with the police.\n"
    "The GKNB left the city of Bishkek on Tuesday, and Bishkek was calm.\n"
)


def _gold_of(text: str, phrase: str, label: str) -> list[make_gold.GoldSpan]:
    return [make_gold.GoldSpan(m.start(), m.end(), label, phrase) for m in re.finditer(re.escape(phrase), text)]


def _keys(step: bench_keys.StepResult) -> list[str]:
    return [key for key, _, _, _ in step[0]]


def test_the_planned_keys_replayed_in_the_real_app_make_exactly_the_fixture_spans() -> None:
    gold = make_gold.load_jsonl(make_gold.JSONL, make_gold.CORPUS)
    # The headline, the caption, the byline and the first paragraph: a short article's worth.
    spans = [s for s in gold[FIRST] if s.end <= 420]
    assert len(spans) >= 12
    table: list[tuple[str, int, int]] = []
    results = bench_keys.measure({FIRST: spans}, workers=1, feature_table=table)
    figures = bench_keys.summary(results, table)
    assert figures["problems"] == []
    assert figures["spans"] == len(spans)
    (result,) = results
    bound = bench_keys.bound_keys() | {label.key for label in DEFAULT_LABELS}
    pressed = [move for plan in result.plan.plans for move in plan.keys]
    # Every key pressed outside the search bar and the hints is one the app binds.
    assert {move.key for move in pressed if not move.typed} <= bound
    assert figures["keys"] == len(pressed)
    # Each span was made once: by its own keys, or by `*` or `Y` on an earlier span's.
    assert all(bool(plan.keys) != bool(plan.made_by) for plan in result.plan.plans)
    # One row per feature set, the baseline first; every feature on is the plan replayed,
    # and it needs fewer keys than the baseline.
    assert [row[0] for row in table] == [title for title, _ in bench_keys.FEATURES]
    assert table[-1] == (bench_keys.FEATURES[-1][0], len(spans), len(pressed))
    assert table[-1][2] < table[0][2]
    assert figures["keys_per_span_by_feature_set"][0]["features"] == "baseline"  # type: ignore[index]
    # Suggestion quality is the app's offers against the fixture.
    from annotator.units import suggestion_quality

    quality = figures["suggestions"]
    assert isinstance(quality, dict)
    assert quality["offered"] == len(result.offered) > 0
    precision, recall = suggestion_quality(result.offered, [(s.start, s.end, s.label) for s in spans])
    assert quality["precision"] == round(precision, 3)
    assert quality["recall"] == round(recall, 3)


def test_a_key_that_does_not_do_what_the_plan_says_is_reported(tmp_path: Path) -> None:
    gold = make_gold.load_jsonl(make_gold.JSONL, make_gold.CORPUS)
    spans = [s for s in gold[FIRST] if s.end <= 120]  # the two headlines and the caption's name
    db = tmp_path / "replay.db"
    bench_keys.import_corpus(db, make_gold.CORPUS, [FIRST])
    texts, geometry, kinds = asyncio.run(bench_keys.probe(db))
    baseline = bench_keys.FEATURES[0][1]
    (document,) = bench_keys.plan_all({FIRST: spans}, texts, geometry, kinds, workers=1, features=baseline)
    # The second span's label key goes missing, as if the binding had changed.
    second = document.plans[1]
    second.keys = [move for move in second.keys if move.category != "label"]
    (result,) = asyncio.run(bench_keys.replay([document], {FIRST: spans}, db))
    assert result.problems[0].startswith(f"{FIRST}: after {second.span.label} ")
    assert f"{FIRST}: missing in the database: {second.span.label} {second.span.start}-{second.span.end}" in "\n".join(result.problems)


def test_a_planned_key_the_app_does_not_bind_is_reported_as_not_bound_yet(tmp_path: Path) -> None:
    gold = make_gold.load_jsonl(make_gold.JSONL, make_gold.CORPUS)
    spans = [s for s in gold[FIRST] if s.end <= 60]
    db = tmp_path / "replay.db"
    bench_keys.import_corpus(db, make_gold.CORPUS, [FIRST])
    texts, geometry, kinds = asyncio.run(bench_keys.probe(db))
    (document,) = bench_keys.plan_all({FIRST: spans}, texts, geometry, kinds, workers=1)
    first = document.plans[0]
    first.keys = [bench_keys.Move("f13", "selection", bench_keys._noop, "a key of tomorrow"), *first.keys]
    (result,) = asyncio.run(bench_keys.replay([document], {FIRST: spans}, db))
    assert result.problems[0] == (
        f"{FIRST}: key not bound yet: f13 (planned for {first.span.label} {first.span.text[:30]!r}); replay stopped here"
    )


def test_propagation_is_planned_only_when_every_mention_belongs_in_the_result() -> None:
    spans = _gold_of(NEWS, "GKNB", "ORG")
    steps = bench_keys.plan_order(NEWS, spans, 100, 30, START, KINDS, [], bench_keys.ALL_FEATURES)
    assert _keys(steps[0])[-1] == "asterisk"
    assert [step[2] for step in steps[1:]] == ["propagation (*)", "propagation (*)"]
    assert [_keys(step) for step in steps[1:]] == [[], []]
    # The third GKNB is not in the fixture: `*` would tag it, so each span gets its own keys.
    steps = bench_keys.plan_order(NEWS, spans[:2], 100, 30, START, KINDS, [], bench_keys.ALL_FEATURES)
    assert all("asterisk" not in _keys(step) for step in steps)
    assert all(_keys(step) and step[2] == "" for step in steps)
    # Without the propagation feature nothing is propagated either.
    without = bench_keys.FEATURES[-3][1]
    steps = bench_keys.plan_order(NEWS, spans, 100, 30, START, KINDS, [], without)
    assert all("asterisk" not in _keys(step) for step in steps)


def _offer(text: str, phrase: str, label: str, nth: int = 0) -> tuple[int, int, str, str, float]:
    start = [m.start() for m in re.finditer(re.escape(phrase), text)][nth]
    return (start, start + len(phrase), label, "gazetteer", 1.0)


def test_a_wrong_suggestion_costs_nothing_unless_accepting_all_would_take_it() -> None:
    text = "On Monday Bishkek and Osh met Naryn. Talas, Batken and Jalal-Abad came to Bishkek.\n"
    places = ["Bishkek", "Osh", "Naryn", "Talas", "Batken"]
    spans = sorted((s for p in places for s in _gold_of(text, p, "PLACE")), key=lambda s: s.start)
    offers = [_offer(text, p, "PLACE") for p in places] + [_offer(text, "Bishkek", "PLACE", 1)]
    wrong = _offer(text, "Monday", "PLACE")  # a date is no place
    planned = bench_keys.plan_order(text, spans, 100, 30, START, KINDS, [*offers, wrong], bench_keys.ALL_FEATURES)
    pressed = [key for step in planned for key in _keys(step)]
    # Six right suggestions of one label: `x` on the wrong one, then one `Y` takes them all.
    assert pressed.count("x") == 1 and pressed.count("Y") == 1
    assert sum(1 for step in planned if step[2] == "suggestion accepted (y Y)") == len(spans) - 1
    # One right suggestion: the wrong one is left alone and never accepted.
    planned = bench_keys.plan_order(text, spans[:1], 100, 30, START, KINDS, [offers[0], wrong], bench_keys.ALL_FEATURES)
    pressed = [key for step in planned for key in _keys(step)]
    assert "x" not in pressed and "Y" not in pressed


def test_a_search_costs_slash_the_letters_until_the_target_is_the_first_match_and_enter() -> None:
    from annotator.units import find_text

    ctx = bench_keys.Context(NEWS, bench_keys.ArticleLayout(bench_keys.TextBlocks(NEWS), 100), 30, kinds=KINDS)
    found = {state.cursor: keys for keys, state in bench_keys._search(ctx, START, lambda state: True)}
    bishkek = NEWS.index("Bishkek")
    # The fewest letters of "Bishkek" after which it is the first match from the cursor.
    letters = found[bishkek][1:-1]
    assert found[bishkek][0] == "slash" and found[bishkek][-1] == "enter"
    typed = "".join(" " if key == "space" else key for key in letters)
    assert find_text(NEWS, typed, -1) == bishkek
    assert all(find_text(NEWS, typed[:k], -1) != bishkek for k in range(1, len(typed)))
    second = NEWS.index("Bishkek", bishkek + 1)
    typed = "".join(" " if key == "space" else key for key in found[second][1:-1])
    assert typed.startswith("bishkek ") and find_text(NEWS, typed, -1) == second


def test_hints_cost_f_and_the_label_typed() -> None:
    from annotator.units import hint_labels

    ctx = bench_keys.Context(NEWS, bench_keys.ArticleLayout(bench_keys.TextBlocks(NEWS), 100), 30, kinds=KINDS)
    labels = hint_labels(NEWS, ctx.visible(START), 0, [])
    found = {state.cursor: keys for keys, state in bench_keys._hints(ctx, START, lambda state: True)}
    assert found == {offset: ("f", *label) for label, offset in labels.items() if offset != 0}


def test_each_feature_set_plans_only_its_own_keys() -> None:
    spans = sorted(_gold_of(NEWS, "GKNB", "ORG") + _gold_of(NEWS, "Bishkek", "PLACE"), key=lambda s: s.start)
    new_keys = {"semicolon", "comma", "g", "right_parenthesis", "slash", "f", "asterisk", "y", "Y", "x"}
    totals = []
    for title, features in bench_keys.FEATURES:
        steps = bench_keys.plan_order(NEWS, spans, 100, 30, START, KINDS, [], features)
        pressed = [(key, typed) for step in steps for key, _, _, typed in step[0]]
        used = {key for key, typed in pressed if not typed} & new_keys
        if title == "baseline":
            assert not used
        if "jump" not in features:
            assert not used & {"slash", "f"}
        if "propagate" not in features:
            assert "asterisk" not in used
        totals.append(len(pressed))
    assert totals[-1] < totals[0]
