"""Normalised quantities (annotator/quantities.py): real phrases from news text, read into
numbers an analyst can compare across articles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from annotator.errors import InputError
from annotator.quantities import Quantity, counted_key, parse_quantity, unit_registry

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

# Fields every row is checked on; a field a row does not name must keep its default, so a
# stray bound or flag fails as surely as a wrong value.
CHECKED = (
    "kind", "value", "low", "high", "bound", "approximate", "estimate", "vague",
    "unit", "currency", "counts", "per", "iso",
)
DEFAULTS: dict[str, Any] = {"approximate": False, "estimate": False, "vague": False}

# (phrase, expected fields). The first block is taken word for word from the sample corpus.
FROM_CORPUS: list[tuple[str, dict[str, Any]]] = [
    ("255,238 units of ammunition", dict(kind="count", value=255238, counts="units of ammunition")),
    ("at least 144 deaths", dict(kind="count", value=144, bound=">=", counts="deaths")),
    ("500 kg (1,100 lb)", dict(kind="measure", value=500, unit="kilogram")),
    ("$10,000 a month", dict(kind="money", value=10000, currency="USD", per="month")),
    ("50 weapons", dict(kind="count", value=50, counts="weapons")),
    ("200 sets of law enforcement uniforms", dict(kind="count", value=200, counts="sets of law enforcement uniforms")),
    ("two drones", dict(kind="count", value=2, counts="drones")),
    ("Five suspects", dict(kind="count", value=5, counts="suspects")),
    ("more than 350 Kyrgyz citizens", dict(kind="count", value=350, bound=">", counts="Kyrgyz citizens")),
    ("over 3,000 students", dict(kind="count", value=3000, bound=">", counts="students")),
    ("some 200 Kyrgyz nationals", dict(kind="count", value=200, approximate=True, counts="Kyrgyz nationals")),
    ("at least 350 Kyrgyz nationals", dict(kind="count", value=350, bound=">=", counts="Kyrgyz nationals")),
    ("seven Kalashnikov assault rifles", dict(kind="count", value=7, counts="Kalashnikov assault rifles")),
    ("22 kilometres", dict(kind="measure", value=22, unit="kilometer")),
    ("500kg of explosive material", dict(kind="measure", value=500, unit="kilogram", counts="explosive material")),
    ("hundreds of our fellow-citizens", dict(kind="count", value=200, bound=">=", vague=True, counts="fellow-citizens")),
    ("a seven-year sentence", dict(kind="duration", value=7, unit="year", counts="sentence")),
    ("five years", dict(kind="duration", value=5, unit="year")),
    ("a 54-year-old woman", dict(kind="age", value=54, unit="year", counts="woman")),
    ("$2", dict(kind="money", value=2, currency="USD")),
    ("July 7, 2024", dict(kind="date", iso="2024-07-07")),
    ("July 5", dict(kind="date", iso="--07-05")),
    ("In 2022", dict(kind="date", iso="2022")),
    ("2020-21", dict(kind="date", iso="2020/2021")),
    ("July 16-17", dict(kind="date", iso="--07-16/--07-17")),
    ("In mid-June", dict(kind="date", iso="--06", approximate=True)),
    ("since 2005", dict(kind="date", iso="2005", bound=">=")),
]
FROM_NEWS: list[tuple[str, dict[str, Any]]] = [
    ("March 3, 2019", dict(kind="date", iso="2019-03-03")),
    ("3 March 2019", dict(kind="date", iso="2019-03-03")),
    ("2019", dict(kind="date", iso="2019")),
    ("the 1990s", dict(kind="date", iso="199")),
    ("an estimated 5,000 people", dict(kind="count", value=5000, estimate=True, counts="people")),
    ("about 1,000 people, according to estimates",
     dict(kind="count", value=1000, approximate=True, estimate=True, counts="people")),
    ("nearly 1.5 million barrels a day",
     dict(kind="measure", value=1.5e6, bound="<", approximate=True, unit="oil_barrel", per="day")),
    ("almost 90%", dict(kind="percent", value=90, bound="<", approximate=True, unit="percent")),
    ("about 40 percent", dict(kind="percent", value=40, approximate=True, unit="percent")),
    ("around 2,000 troops", dict(kind="count", value=2000, approximate=True, counts="troops")),
    ("roughly 3 million", dict(kind="count", value=3e6, approximate=True)),
    ("between 40 and 50 people", dict(kind="range", low=40, high=50, counts="people")),
    ("40-50 km", dict(kind="range", low=40, high=50, unit="kilometer")),
    ("10-15%", dict(kind="range", low=10, high=15, unit="percent")),
    ("$40m-$50m", dict(kind="range", low=40e6, high=50e6, currency="USD")),
    ("up to 300 troops", dict(kind="count", value=300, bound="<=", counts="troops")),
    ("as many as 1,000 migrants", dict(kind="count", value=1000, bound="<=", counts="migrants")),
    ("fewer than 100 people", dict(kind="count", value=100, bound="<", counts="people")),
    ("more than $2bn", dict(kind="money", value=2e9, bound=">", currency="USD")),
    ("€1.2 billion", dict(kind="money", value=1.2e9, currency="EUR")),
    ("£350 million a week", dict(kind="money", value=3.5e8, currency="GBP", per="week")),
    ("C$5 million", dict(kind="money", value=5e6, currency="CAD")),
    ("A$1.2m", dict(kind="money", value=1.2e6, currency="AUD")),
    ("HK$10 billion", dict(kind="money", value=1e10, currency="HKD")),
    ("45 million som", dict(kind="money", value=45e6, currency="KGS")),
    ("1.5 million tenge", dict(kind="money", value=1.5e6, currency="KZT")),
    ("3bn roubles", dict(kind="money", value=3e9, currency="RUB")),
    ("20 million rubles", dict(kind="money", value=2e7, currency="RUB")),
    ("100 million yuan", dict(kind="money", value=1e8, currency="CNY")),
    ("¥500 billion", dict(kind="money", value=5e11, currency="JPY")),
    ("$1.5 million per year", dict(kind="money", value=1.5e6, currency="USD", per="year")),
    ("$300,000 annually", dict(kind="money", value=3e5, currency="USD", per="year")),
    ("$20 a day", dict(kind="money", value=20, currency="USD", per="day")),
    ("seven", dict(kind="count", value=7)),
    ("two dozen soldiers", dict(kind="count", value=24, counts="soldiers")),
    ("a million people", dict(kind="count", value=1e6, counts="people")),
    ("one hundred and fifty", dict(kind="count", value=150)),
    ("half a million", dict(kind="count", value=5e5)),
    ("half of the population", dict(kind="fraction", value=0.5, counts="population")),
    ("a third of voters", dict(kind="fraction", value=1 / 3, counts="voters")),
    ("two-thirds of voters", dict(kind="fraction", value=2 / 3, counts="voters")),
    ("one in five adults", dict(kind="fraction", value=0.2, counts="adults")),
    ("tens of thousands of protesters", dict(kind="count", value=20000, bound=">=", vague=True, counts="protesters")),
    ("3.2%", dict(kind="percent", value=3.2, unit="percent")),
    ("7 percent of GDP", dict(kind="percent", value=7, unit="percent", counts="GDP")),
    ("4.5 percentage points", dict(kind="percent", value=4.5, unit="percentage_point")),
    ("10 tonnes of cocaine", dict(kind="measure", value=10, unit="metric_ton", counts="cocaine")),
    ("50,000 litres of fuel", dict(kind="measure", value=50000, unit="liter", counts="fuel")),
    ("200 miles", dict(kind="measure", value=200, unit="mile")),
    ("1,100 lb", dict(kind="measure", value=1100, unit="pound")),
    ("-5°C", dict(kind="measure", value=-5, unit="degree_Celsius")),
    ("144 killed", dict(kind="count", value=144, counts="killed")),
    ("40-odd", dict(kind="count", value=40, approximate=True)),
    ("50 or more", dict(kind="count", value=50, bound=">=")),
    ("the first 50 weapons", dict(kind="count", value=50, counts="weapons")),
    ("2019 people", dict(kind="count", value=2019, counts="people")),
]
TABLE = FROM_CORPUS + FROM_NEWS


def check(quantity: Quantity, expected: dict[str, Any]) -> None:
    for name in CHECKED:
        want = expected.get(name, DEFAULTS.get(name))
        got = getattr(quantity, name)
        if isinstance(want, (int, float)) and not isinstance(want, bool):
            assert got == pytest.approx(want), f"{name}: {got!r} != {want!r}"
        else:
            assert got == want, f"{name}: {got!r} != {want!r}"
    assert quantity.problem is None


def test_the_table_is_large_and_the_corpus_rows_are_real_text() -> None:
    """The corpus rows are quoted from the articles analysts tag, not paraphrased."""
    assert len(TABLE) >= 40
    corpus = " ".join(path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt")))
    missing = [phrase for phrase, _ in FROM_CORPUS if phrase not in corpus]
    assert missing == []


@pytest.mark.parametrize(("phrase", "expected"), TABLE, ids=[phrase for phrase, _ in TABLE])
def test_phrase_reads_as_expected(phrase: str, expected: dict[str, Any]) -> None:
    quantity = parse_quantity(phrase)
    check(quantity, expected)
    assert quantity.text == phrase


@pytest.mark.parametrize(("phrase", "expected"), TABLE, ids=[phrase for phrase, _ in TABLE])
def test_json_round_trip(phrase: str, expected: dict[str, Any]) -> None:
    quantity = parse_quantity(phrase)
    stored = quantity.to_json()
    assert json.loads(stored)["v"] == 1
    assert Quantity.from_json(stored) == quantity


def test_parenthesised_conversion_is_kept_as_the_alternative() -> None:
    quantity = parse_quantity("500 kg (1,100 lb)")
    assert quantity.value == 500 and quantity.unit == "kilogram"
    assert quantity.alternative is not None
    assert (quantity.alternative.value, quantity.alternative.unit) == (1100, "pound")
    assert Quantity.from_json(quantity.to_json()).alternative == quantity.alternative
    # What the material was still reads after the conversion.
    assert parse_quantity("500 kg (1,100 lb) of saltpeter").counts == "saltpeter"
    money = parse_quantity("45 million som ($530,000)")
    assert money.currency == "KGS" and money.alternative is not None
    assert (money.alternative.currency, money.alternative.value) == ("USD", 530000)


def test_physical_units_convert_to_si() -> None:
    pounds = parse_quantity("1,100 lb")
    assert pounds.si_unit == "kilogram"
    assert pounds.si_value == pytest.approx(498.951607)
    assert parse_quantity("22 kilometres").si_value == pytest.approx(22000)
    assert parse_quantity("22 kilometres").si_unit == "meter"
    assert parse_quantity("10 tonnes of cocaine").si_value == pytest.approx(10000)
    assert parse_quantity("50,000 litres of fuel").si_value == pytest.approx(50)
    assert parse_quantity("86F").si_value == pytest.approx(30)
    miles = parse_quantity("between 10 and 20 miles")
    assert miles.si_unit == "meter"
    assert [miles.si_low, miles.si_high] == pytest.approx([16093.44, 32186.88])
    assert unit_registry() is unit_registry()


@pytest.mark.parametrize(
    ("phrase", "shown"),
    [
        ("at least 144 deaths", "≥144 deaths"),
        ("500 kg (1,100 lb)", "500 kg ≈ 1,102 lb"),
        ("1,100 lb", "1,100 lb ≈ 499 kg"),
        ("$10,000 a month", "USD 10,000/month"),
        ("some 200 Kyrgyz nationals", "~200 Kyrgyz nationals"),
        ("almost 90%", "≲90%"),
        ("more than $2bn", ">USD 2 billion"),
        ("between 40 and 50 people", "40–50 people"),
        ("an estimated 5,000 people", "5,000 people (est.)"),
        ("hundreds of our fellow-citizens", "≥200 fellow-citizens (vague)"),
        ("July 7, 2024", "2024-07-07"),
        ("the 1990s", "1990s"),
        ("200 miles", "200 mi ≈ 322 km"),
    ],
)
def test_display_is_a_short_human_line(phrase: str, shown: str) -> None:
    assert parse_quantity(phrase).display() == shown


@pytest.mark.parametrize(
    ("phrase", "key"),
    [
        ("50 weapons", "weapons"),
        ("one weapon", "weapons"),
        ("at least 144 deaths", "deaths"),
        ("one death", "deaths"),
        ("144 killed", "deaths"),
        ("255,238 units of ammunition", "ammunition"),
        ("200 sets of law enforcement uniforms", "uniforms"),
        ("more than 350 Kyrgyz citizens", "citizens"),
        ("two of the suspects", "suspects"),
        ("500kg of explosive material", "material"),
        ("one body", "bodies"),
        ("$10,000 a month", ""),
    ],
)
def test_counted_key_puts_figures_for_the_same_thing_together(phrase: str, key: str) -> None:
    assert counted_key(parse_quantity(phrase)) == key


def test_counted_key_matches_across_articles() -> None:
    """Figures for one thing from different articles meet under one key."""
    deaths = ["at least 144 deaths", "Four deaths", "one death", "144 killed", "some 140 dead"]
    assert {counted_key(parse_quantity(phrase)) for phrase in deaths} == {"deaths"}


def test_ambiguous_readings_are_noted() -> None:
    yen = parse_quantity("¥500 billion")
    assert yen.currency == "JPY" and any("yuan" in note for note in yen.notes)
    assert parse_quantity("¥2 billion yuan").currency == "CNY"
    assert parse_quantity("¥2 billion yuan").notes == ()
    assert parse_quantity("CN¥2 billion").currency == "CNY"
    tons = parse_quantity("30 tons of wheat")
    assert tons.unit == "metric_ton" and tons.notes
    assert parse_quantity("1 million Uzbek som").currency == "UZS"
    several = parse_quantity("Four deaths and 29 injuries")
    assert several.value == 4 and several.notes


def test_ordinals_are_not_quantities() -> None:
    for phrase in ("the 79th anniversary", "first", "the second attack"):
        quantity = parse_quantity(phrase)
        assert quantity.value is None
        assert quantity.problem is not None and "ordinal" in quantity.problem
    assert parse_quantity("March 3rd, 2019").iso == "2019-03-03"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "hello",
        "many weapons",
        "a number of suspects",
        "$",
        "...",
        "--",
        "1,5",
        "February 30, 2019",
        "\x1b]0;pwned\x07",
        "[bold]red[/bold]",
        "x" * 5000,
        "9" * 299 + " trillion",
    ],
)
def test_garbage_gives_a_problem_and_never_raises(garbage: str) -> None:
    quantity = parse_quantity(garbage)
    assert quantity.value is None
    assert isinstance(quantity.problem, str) and quantity.problem
    assert quantity.kind == "unknown"
    assert Quantity.from_json(quantity.to_json()) == quantity
    shown = quantity.display()
    assert shown.isprintable()


def test_non_text_input_gives_a_problem() -> None:
    quantity = parse_quantity(None)  # type: ignore[arg-type]
    assert quantity.value is None and quantity.problem


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected an object"),
        ('{"v": 2, "text": "x"}', "'v'"),
        ('{"v": 1, "value": "ten"}', "'value'"),
        ('{"v": 1, "bound": "=="}', "'bound'"),
        ('{"v": 1, "kind": "weight"}', "'kind'"),
        ('{"v": 1, "colour": "red"}', "'colour'"),
        ('{"v": 1, "approximate": "yes"}', "'approximate'"),
        ('{"v": 1, "alternative": {"v": 1, "value": true}}', "alternative"),
        ("[" * 100000, "not JSON"),
    ],
)
def test_from_json_names_what_is_wrong(stored: str, named: str) -> None:
    with pytest.raises(InputError) as caught:
        Quantity.from_json(stored)
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_importing_the_module_does_not_load_pint() -> None:
    """The app imports quantities at start-up; pint is loaded by the first physical unit."""
    script = (
        "import sys\n"
        "import annotator.quantities as q\n"
        "assert 'pint' not in sys.modules, 'pint at import'\n"
        "q.parse_quantity('at least 144 deaths'); q.parse_quantity('$10,000 a month')\n"
        "assert 'pint' not in sys.modules, 'pint without a physical unit'\n"
        "q.parse_quantity('500 kg')\n"
        "assert 'pint' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
