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


def test_the_planned_keys_replayed_in_the_real_app_make_exactly_the_fixture_spans() -> None:
    gold = make_gold.load_jsonl(make_gold.JSONL, make_gold.CORPUS)
    # The headline, the caption, the byline and the first paragraph: a short article's worth.
    spans = [s for s in gold[FIRST] if s.end <= 420]
    assert len(spans) >= 12
    results = bench_keys.measure({FIRST: spans}, workers=1)
    figures = bench_keys.summary(results)
    assert figures["problems"] == []
    assert figures["spans"] == len(spans)
    (result,) = results
    bound = {move.key for move in bench_keys.moves()[0]}
    keys = [move.key for plan in result.plan.plans for move in plan.keys]
    assert set(keys) <= bound
    # Each span costs its label key and at least one key to select it.
    assert figures["keys_by_category"]["label"] == len(spans)  # type: ignore[index]
    assert len(keys) >= 2 * len(spans)
    assert figures["keys"] == len(keys)


def test_a_key_that_does_not_do_what_the_plan_says_is_reported(tmp_path: Path) -> None:
    gold = make_gold.load_jsonl(make_gold.JSONL, make_gold.CORPUS)
    spans = [s for s in gold[FIRST] if s.end <= 120]  # the two headlines and the caption's name
    db = tmp_path / "replay.db"
    bench_keys.import_corpus(db, make_gold.CORPUS, [FIRST])
    texts, geometry, kinds = asyncio.run(bench_keys.probe(db))
    (document,) = bench_keys.plan_all({FIRST: spans}, texts, geometry, kinds, workers=1)
    # The second span's label key goes missing, as if the binding had changed.
    second = document.plans[1]
    second.keys = [move for move in second.keys if move.category != "label"]
    (result,) = asyncio.run(bench_keys.replay([document], {FIRST: spans}, db))
    assert result.problems[0].startswith(f"{FIRST}: after {second.span.label} ")
    assert f"{FIRST}: missing in the database: {second.span.label} {second.span.start}-{second.span.end}" in "\n".join(result.problems)
