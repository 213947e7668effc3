"""Normalised quantities: what a QUANTITY span says, as numbers an analyst can compare.

A span's text ("at least 144 deaths", "500 kg (1,100 lb)", "$10,000 a month") becomes a
frozen `Quantity`: a value or a range, a bound, a unit or a currency, what it counts, a
rate, and flags for approximate, estimated and vague figures. Articles disagree about
figures; putting them side by side needs numbers, not strings.

No Textual and no storage here: screens draw `Quantity.display()`, the store keeps
`Quantity.to_json()`, and tests call `parse_quantity` directly. Parsing never raises: text
that holds no figure gives a Quantity whose `value` is None and whose `problem` says why.

Readings a reader may need to know:
- "$" is USD unless written "C$", "A$", "HK$", "NZ$", "S$", "NT$", "MX$" or "R$".
- "¥" is used for both the yen and the yuan. It is read as JPY, with a note, unless the text
  says "yuan", "RMB" or "renminbi", or writes "CN¥"; "JP¥" is always JPY.
- "som" is the Kyrgyz som (KGS); "Uzbek som" and "sum" are UZS.
- "tons" are read as metric tonnes (with a note); "short tons" and "long tons" are not.
- "m" after a number is million ("$5m"), never metre; "pounds" without "£" or "sterling"
  is a weight.
- Dozens, hundreds, thousands ... and "several" are vague lower bounds: "hundreds" is >= 200.
- A date's value is in `iso` (ISO 8601, as precise as the text: "2019", "2019-03",
  "2019-03-03", "--03-22" without a year, "2020/2021" for a span of years, "199" for the
  1990s); `value` stays None for dates.
- Ordinals ("79th", "second") are positions, not quantities; they come back with a problem.

pint converts physical units. It takes a fifth of a second to import and more to build a
registry, so it is imported on the first physical unit parsed, and one registry is kept.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import threading
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Final, Literal

from annotator.errors import InputError

if TYPE_CHECKING:
    from pint import UnitRegistry

Kind = Literal[
    "count", "measure", "money", "percent", "fraction", "duration", "age", "date", "range", "unknown"
]
Bound = Literal[">=", ">", "<=", "<"]
KINDS: Final[tuple[str, ...]] = (
    "count", "measure", "money", "percent", "fraction", "duration", "age", "date", "range", "unknown",
)
BOUNDS: Final[tuple[str, ...]] = (">=", ">", "<=", "<")
JSON_VERSION: Final = 1
# A span longer than this is a sentence, not a figure; parsing it would guess.
MAX_TEXT: Final = 300


@dataclass(frozen=True)
class Quantity:
    """One figure read from a span, normalised so figures from different articles compare."""

    text: str = ""
    """The span text as given."""
    kind: Kind = "unknown"
    value: float | None = None
    """The figure (None for a range, a date, or text without one)."""
    low: float | None = None
    high: float | None = None
    bound: Bound | None = None
    """">=" at least, ">" more than, "<=" up to, "<" fewer than / nearly."""
    approximate: bool = False
    estimate: bool = False
    vague: bool = False
    """A word such as "hundreds" or "several": `value` is only a lower bound."""
    unit: str | None = None
    """A pint unit name ("kilogram", "oil_barrel", "kilometer ** 2"), "percent",
    "percentage_point", "basis_point", or a time unit for durations ("year")."""
    si_value: float | None = None
    si_unit: str | None = None
    si_low: float | None = None
    si_high: float | None = None
    """A range of physical units in `si_unit`."""
    currency: str | None = None
    """ISO 4217 code."""
    counts: str | None = None
    """What is counted or measured, as written ("units of ammunition")."""
    per: str | None = None
    """The rate's period or base: "day", "month", "year", "person"."""
    iso: str | None = None
    """A date in ISO 8601 form, as precise as the text allows."""
    alternative: Quantity | None = None
    """A conversion the text gives in parentheses: "(1,100 lb)"."""
    notes: tuple[str, ...] = ()
    """How an ambiguous reading was decided (the "¥" sign, "tons")."""
    problem: str | None = None
    """Why no figure could be read; None when one was."""

    def to_json(self) -> str:
        """Compact JSON for the store and exports; only fields that differ from the default."""
        return json.dumps(self._to_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Quantity:
        """The Quantity `to_json` wrote; InputError naming the field when the JSON is not one."""
        try:
            data = json.loads(text)
        except (ValueError, TypeError, RecursionError) as exc:
            raise InputError(f"quantity JSON: not JSON ({exc})") from None
        try:
            return cls._from_dict(data, "quantity JSON")
        except RecursionError:
            raise InputError("quantity JSON: alternatives nested too deeply") from None

    def _to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"v": JSON_VERSION}
        for spec in fields(self):
            current = getattr(self, spec.name)
            if current == spec.default:
                continue
            if isinstance(current, Quantity):
                current = current._to_dict()
            elif isinstance(current, tuple):
                current = list(current)
            out[spec.name] = current
        return out

    @classmethod
    def _from_dict(cls, data: Any, where: str) -> Quantity:
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected an object, found {type(data).__name__}")
        if type(data.get("v")) is not int or data["v"] != JSON_VERSION:
            raise InputError(f"{where}: field 'v' is {data.get('v')!r}; this version reads {JSON_VERSION}")
        known = {spec.name: spec for spec in fields(cls)}
        values: dict[str, Any] = {}
        for name, raw in data.items():
            if name == "v":
                continue
            if name not in known:
                raise InputError(f"{where}: unknown field {name!r}")
            values[name] = _checked_field(name, raw, where)
        return cls(**values)

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None

    def display(self) -> str:
        """A short line for lists: "≥144 deaths", "500 kg ≈ 1,102 lb", "USD 10,000/month".

        Control characters from a stored span become visible placeholders, so the line can
        go to a terminal as it is.
        """
        return _printable(self._display())

    def _display(self) -> str:
        if self.problem is not None:
            return f"? {_shorten(self.text.strip(), 40)}"
        sign = _sign(self.bound, self.approximate)
        if self.kind == "date":
            if self.iso is not None and len(self.iso) == 3:
                return f"{sign}{self.iso}0s"  # ISO writes the 1990s as "199"
            return sign + (self.iso or self.text.strip())
        if self.kind == "fraction":
            number = _format_number(None if self.value is None else self.value * 100) + "%"
        elif self.is_range:
            number = f"{_format_number(self.low)}–{_format_number(self.high)}"
        else:
            number = _format_number(self.value)
        unit = self.unit
        if self.currency is not None:
            text = f"{self.currency} {number}"
        elif unit in _PERCENT_SYMBOLS:
            text = number + _PERCENT_SYMBOLS[unit]
        elif unit is not None and unit in _UNIT_SYMBOLS:
            text = f"{number} {_UNIT_SYMBOLS[unit]}"
        elif self.kind == "age":
            text = f"{number} years old"
        elif self.kind == "duration" and unit is not None:
            plural = "" if self.value == 1 and not self.is_range else "s"
            text = f"{number} {unit}{plural}"
        else:
            text = number
        if self.counts:
            joiner = " " if self.kind in ("count", "range") and self.currency is None and unit is None else " of "
            if self.kind in ("duration", "age"):
                text += f" ({self.counts})"
            else:
                text += joiner + self.counts
        if self.per:
            text += f"/{self.per}"
        conversion = self._conversion()
        if conversion:
            text += f" ≈ {conversion}"
        elif self.alternative is not None and self.alternative.problem is None:
            text += f" ({self.alternative.display()})"
        if self.vague:
            text += " (vague)"
        if self.estimate:
            text += " (est.)"
        return sign + text

    def _conversion(self) -> str | None:
        """The figure in the alternative's unit, or in the metric counterpart; plain arithmetic,
        so drawing a list never loads pint."""
        if self.si_value is None or self.value in (None, 0):
            return None
        alt = self.alternative
        if alt is not None and alt.si_unit == self.si_unit and alt.si_value and alt.value and alt.unit:
            if alt.unit in _OFFSET_UNITS or self.unit in _OFFSET_UNITS:
                return None
            factor = alt.si_value / alt.value
            return f"{_format_rounded(self.si_value / factor)} {_UNIT_SYMBOLS.get(alt.unit, alt.unit)}"
        counterpart = _COUNTERPARTS.get(self.unit or "")
        if counterpart is None:
            return None
        name, factor = counterpart
        if name == "degree_Celsius":
            return f"{_format_rounded(self.si_value)} °C"
        return f"{_format_rounded(self.si_value / factor)} {_UNIT_SYMBOLS[name]}"


def _checked_field(name: str, raw: Any, where: str) -> Any:
    """One stored field, type-checked, so a damaged row is named rather than half-read."""
    if name in ("value", "low", "high", "si_value", "si_low", "si_high"):
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise InputError(f"{where}: field {name!r} must be a number, found {raw!r}")
        return float(raw)
    if name in ("approximate", "estimate", "vague"):
        if not isinstance(raw, bool):
            raise InputError(f"{where}: field {name!r} must be true or false, found {raw!r}")
        return raw
    if name == "kind":
        if raw not in KINDS:
            raise InputError(f"{where}: field 'kind' is {raw!r}, not one of {', '.join(KINDS)}")
        return raw
    if name == "bound":
        if raw is not None and raw not in BOUNDS:
            raise InputError(f"{where}: field 'bound' is {raw!r}, not one of {' '.join(BOUNDS)}")
        return raw
    if name == "notes":
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise InputError(f"{where}: field 'notes' must be a list of strings")
        return tuple(raw)
    if name == "alternative":
        return None if raw is None else Quantity._from_dict(raw, f"{where} alternative")
    if raw is not None and not isinstance(raw, str):
        raise InputError(f"{where}: field {name!r} must be text, found {raw!r}")
    if name == "text" and raw is None:
        raise InputError(f"{where}: field 'text' must be text, found null")
    return raw


# -- formatting --------------------------------------------------------------------------

_BOUND_SIGNS: Final = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_APPROXIMATE_BOUND_SIGNS: Final = {">=": "≳", ">": "≳", "<=": "≲", "<": "≲"}


def _sign(bound: Bound | None, approximate: bool) -> str:
    if bound is None:
        return "~" if approximate else ""
    return (_APPROXIMATE_BOUND_SIGNS if approximate else _BOUND_SIGNS)[bound]


def _trim_decimals(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _format_number(value: float | None) -> str:
    """A figure as news writes it: "255,238", "1.5 million", "0.33"."""
    if value is None:
        return "?"
    size = abs(value)
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if size >= scale:
            scaled = value / scale
            if abs(scaled - round(scaled, 2)) < 1e-9 * max(1.0, abs(scaled)):
                return f"{_trim_decimals(f'{round(scaled, 2):.2f}')} {word}"
            break
    if value == int(value) and size < 1e15:
        return f"{int(value):,}"
    if size < 1:
        return f"{value:.3g}"
    return _trim_decimals(f"{value:,.2f}")


def _format_rounded(value: float) -> str:
    """A converted figure to about four significant digits: 1102.31 -> "1,102"."""
    size = abs(value)
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if size >= scale:
            return f"{value / scale:.3g} {word}"
    if size >= 100:
        return f"{round(value):,}"
    if size >= 10:
        return _trim_decimals(f"{value:.1f}")
    return _trim_decimals(f"{value:.2f}")


def _printable(text: str) -> str:
    """C0 controls as their Control Pictures (U+2400 + code), DEL and C1 controls as U+FFFD."""
    return "".join(
        chr(0x2400 + ord(char)) if ord(char) < 0x20 else "\ufffd" if 0x7F <= ord(char) < 0xA0 else char
        for char in text
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- vocabulary --------------------------------------------------------------------------

_SMALL: Final = {
    "zero": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS: Final = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}
_SCALES: Final = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "lakh": 1e5, "crore": 1e7,
}
# Written straight after digits ("3bn", "$5m", "10k"); "bn", "mln" and "tn" also after a space.
_SCALE_SUFFIXES: Final = {
    "k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "mil": 1e6, "b": 1e9, "bn": 1e9, "bln": 1e9,
    "tn": 1e12, "trn": 1e12,
}
_SPACED_SUFFIXES: Final = frozenset({"mn", "mln", "bn", "bln", "tn", "trn"})
_DENOMINATORS: Final = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5,
    "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8,
    "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10,
}
_ORDINAL_WORDS: Final = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth "
    "fiftieth sixtieth seventieth eightieth ninetieth hundredth thousandth millionth".split()
)
# "hundreds" is at least two hundred; "tens of thousands" at least twenty thousand.
_VAGUE_PLURALS: Final = {
    "tens": 10.0, "dozens": 12.0, "scores": 20.0, "hundreds": 100.0, "thousands": 1e3,
    "millions": 1e6, "billions": 1e9,
}
_NO_FIGURE: Final = (
    ("a", "large", "number", "of"), ("a", "number", "of"), ("large", "quantities", "of"),
    ("a", "large", "quantity", "of"), ("a", "significant", "amount", "of"), ("a", "substantial", "sum", "of"),
    ("a", "handful", "of"), ("many",), ("numerous",), ("countless",), ("some",), ("few",),
)

_PREFIXES: Final[tuple[tuple[tuple[str, ...], Bound | None, bool, bool], ...]] = (
    # (words, bound, approximate, estimate); longest first where they share a start.
    (("no", "fewer", "than"), ">=", False, False),
    (("no", "less", "than"), ">=", False, False),
    (("no", "more", "than"), "<=", False, False),
    (("not", "more", "than"), "<=", False, False),
    (("a", "minimum", "of"), ">=", False, False),
    (("a", "maximum", "of"), "<=", False, False),
    (("at", "least"), ">=", False, False),
    (("as", "few", "as"), ">=", False, False),
    (("as", "little", "as"), ">=", False, False),
    (("at", "most"), "<=", False, False),
    (("up", "to"), "<=", False, False),
    (("as", "many", "as"), "<=", False, False),
    (("as", "much", "as"), "<=", False, False),
    (("as", "high", "as"), "<=", False, False),
    (("slightly", "more", "than"), ">", True, False),
    (("just", "over"), ">", True, False),
    (("just", "above"), ">", True, False),
    (("more", "than"), ">", False, False),
    (("greater", "than"), ">", False, False),
    (("in", "excess", "of"), ">", False, False),
    (("upwards", "of"), ">", False, False),
    (("over",), ">", False, False),
    (("above",), ">", False, False),
    (("exceeding",), ">", False, False),
    (("just", "under"), "<", True, False),
    (("just", "below"), "<", True, False),
    (("just", "shy", "of"), "<", True, False),
    (("slightly", "less", "than"), "<", True, False),
    (("close", "to"), "<", True, False),
    (("nearly",), "<", True, False),
    (("almost",), "<", True, False),
    (("less", "than"), "<", False, False),
    (("fewer", "than"), "<", False, False),
    (("under",), "<", False, False),
    (("below",), "<", False, False),
    (("an", "estimated"), None, False, True),
    (("estimated",), None, False, True),
    (("approximately",), None, True, False),
    (("approx",), None, True, False),
    (("about",), None, True, False),
    (("around",), None, True, False),
    (("roughly",), None, True, False),
    (("some",), None, True, False),
    (("circa",), None, True, False),
    (("ca",), None, True, False),
    (("an", "approximate"), None, True, False),
    (("in", "the", "region", "of"), None, True, False),
    (("of", "the", "order", "of"), None, True, False),
    (("on", "the", "order", "of"), None, True, False),
)
_SUFFIX_BOUNDS: Final[tuple[tuple[tuple[str, ...], Bound | None, bool], ...]] = (
    (("or", "more"), ">=", False),
    (("or", "above"), ">=", False),
    (("and", "above"), ">=", False),
    (("or", "fewer"), "<=", False),
    (("or", "less"), "<=", False),
    (("or", "so"), None, True),
    (("odd",), None, True),
    (("plus",), ">=", False),
)
_SYMBOL_BOUNDS: Final[dict[str, Bound]] = {"≥": ">=", ">": ">", "≤": "<=", "<": "<"}
# The same tables in the shape `_Cursor.longest` reads.
_PREFIX_TABLE: Final = tuple((words, (bound, approx, est)) for words, bound, approx, est in _PREFIXES)
_SUFFIX_TABLE: Final = tuple((words, (bound, approx)) for words, bound, approx in _SUFFIX_BOUNDS)
_NO_FIGURE_TABLE: Final = tuple((words, True) for words in _NO_FIGURE)

# Currency signs written before the figure.
_CURRENCY_SIGNS: Final = {
    "$": "USD", "US$": "USD", "USD$": "USD", "C$": "CAD", "CA$": "CAD", "CDN$": "CAD", "A$": "AUD",
    "AU$": "AUD", "AUD$": "AUD", "HK$": "HKD", "NZ$": "NZD", "S$": "SGD", "SG$": "SGD", "NT$": "TWD",
    "MX$": "MXN", "R$": "BRL", "€": "EUR", "£": "GBP", "¥": "JPY", "JP¥": "JPY", "CN¥": "CNY",
    "RMB¥": "CNY", "₽": "RUB", "₸": "KZT", "₴": "UAH", "₹": "INR", "₩": "KRW", "₺": "TRY", "₪": "ILS",
    "₦": "NGN", "₾": "GEL", "₼": "AZN", "⃀": "KGS",
}
_ISO_CURRENCIES: Final = frozenset(
    "USD EUR GBP JPY CNY RUB KGS KZT UZS TJS TMT AFN AZN GEL AMD UAH BYN TRY INR PKR IRR CHF CAD AUD "
    "HKD NZD SGD TWD MXN BRL KRW ILS NGN ZAR SAR AED QAR EGP".split()
)
# Currency names written after the figure, longest first where they share words.
_CURRENCY_WORDS: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("us", "dollars"), "USD"), (("u.s.", "dollars"), "USD"), (("american", "dollars"), "USD"),
    (("canadian", "dollars"), "CAD"), (("australian", "dollars"), "AUD"),
    (("hong", "kong", "dollars"), "HKD"), (("new", "zealand", "dollars"), "NZD"),
    (("singapore", "dollars"), "SGD"), (("taiwan", "dollars"), "TWD"),
    (("dollars",), "USD"), (("dollar",), "USD"),
    (("euros",), "EUR"), (("euro",), "EUR"),
    (("pounds", "sterling"), "GBP"), (("british", "pounds"), "GBP"), (("sterling",), "GBP"),
    (("yen",), "JPY"), (("yuan",), "CNY"), (("renminbi",), "CNY"), (("rmb",), "CNY"),
    (("uzbek", "som"), "UZS"), (("uzbek", "soms"), "UZS"), (("uzbek", "sum"), "UZS"), (("sum",), "UZS"),
    (("kyrgyz", "som"), "KGS"), (("kyrgyz", "soms"), "KGS"), (("som",), "KGS"), (("soms",), "KGS"),
    (("kazakh", "tenge"), "KZT"), (("tenge",), "KZT"),
    (("russian", "rubles"), "RUB"), (("russian", "roubles"), "RUB"),
    (("rubles",), "RUB"), (("roubles",), "RUB"), (("ruble",), "RUB"), (("rouble",), "RUB"),
    (("somoni",), "TJS"), (("manat",), "AZN"), (("lari",), "GEL"), (("dram",), "AMD"),
    (("hryvnias",), "UAH"), (("hryvnia",), "UAH"), (("hryvnas",), "UAH"),
    (("afghanis",), "AFN"), (("lira",), "TRY"), (("rupees",), "INR"), (("swiss", "francs"), "CHF"),
)
_YUAN_WORDS: Final = frozenset({"yuan", "rmb", "renminbi"})
_YEN_NOTE: Final = "'¥' is written for both yen and yuan; read as JPY"

_PERCENT_WORDS: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("%",), "percent"), (("percentage", "points"), "percentage_point"),
    (("percentage", "point"), "percentage_point"), (("per", "cent"), "percent"),
    (("percent",), "percent"), (("pct",), "percent"), (("pc",), "percent"),
    (("basis", "points"), "basis_point"), (("basis", "point"), "basis_point"), (("bps",), "basis_point"),
    (("pp",), "percentage_point"), (("ppts",), "percentage_point"),
)
_PERCENT_SYMBOLS: Final = {"percent": "%", "percentage_point": " pp", "basis_point": " bp"}

# Physical units: surface words -> pint unit. Matching is on lowercased tokens.
_UNIT_WORDS: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("kg",), "kilogram"), (("kgs",), "kilogram"), (("kilograms",), "kilogram"), (("kilogram",), "kilogram"),
    (("kilogrammes",), "kilogram"), (("kilos",), "kilogram"), (("kilo",), "kilogram"),
    (("g",), "gram"), (("grams",), "gram"), (("gram",), "gram"), (("grammes",), "gram"),
    (("mg",), "milligram"), (("milligrams",), "milligram"),
    (("lb",), "pound"), (("lbs",), "pound"), (("pounds",), "pound"), (("pound",), "pound"),
    (("oz",), "ounce"), (("ounces",), "ounce"), (("ounce",), "ounce"),
    (("metric", "tonnes"), "metric_ton"), (("metric", "tons"), "metric_ton"), (("metric", "ton"), "metric_ton"),
    (("tonnes",), "metric_ton"), (("tonne",), "metric_ton"), (("t",), "metric_ton"),
    (("short", "tons"), "ton"), (("short", "ton"), "ton"), (("long", "tons"), "long_ton"),
    (("tons",), "metric_ton"), (("ton",), "metric_ton"),
    (("square", "kilometres"), "kilometer ** 2"), (("square", "kilometers"), "kilometer ** 2"),
    (("square", "kilometre"), "kilometer ** 2"), (("square", "kilometer"), "kilometer ** 2"),
    (("sq", "km"), "kilometer ** 2"), (("km²",), "kilometer ** 2"), (("km2",), "kilometer ** 2"),
    (("square", "miles"), "mile ** 2"), (("square", "mile"), "mile ** 2"), (("sq", "mi"), "mile ** 2"),
    (("square", "metres"), "meter ** 2"), (("square", "meters"), "meter ** 2"), (("sq", "m"), "meter ** 2"),
    (("m²",), "meter ** 2"), (("m2",), "meter ** 2"),
    (("hectares",), "hectare"), (("hectare",), "hectare"), (("ha",), "hectare"),
    (("acres",), "acre"), (("acre",), "acre"),
    (("km", "/", "h"), "kilometer / hour"), (("kph",), "kilometer / hour"), (("km/h",), "kilometer / hour"),
    (("kilometres", "per", "hour"), "kilometer / hour"), (("kilometers", "per", "hour"), "kilometer / hour"),
    (("mph",), "mile / hour"), (("miles", "per", "hour"), "mile / hour"),
    (("knots",), "knot"),
    (("km",), "kilometer"), (("kms",), "kilometer"), (("kilometres",), "kilometer"),
    (("kilometers",), "kilometer"), (("kilometre",), "kilometer"), (("kilometer",), "kilometer"),
    (("metres",), "meter"), (("meters",), "meter"), (("metre",), "meter"), (("meter",), "meter"),
    (("cm",), "centimeter"), (("centimetres",), "centimeter"), (("centimeters",), "centimeter"),
    (("mm",), "millimeter"), (("millimetres",), "millimeter"), (("millimeters",), "millimeter"),
    (("nautical", "miles"), "nautical_mile"), (("nautical", "mile"), "nautical_mile"),
    (("miles",), "mile"), (("mile",), "mile"), (("mi",), "mile"),
    (("feet",), "foot"), (("foot",), "foot"), (("ft",), "foot"),
    (("inches",), "inch"), (("inch",), "inch"),
    (("yards",), "yard"), (("yard",), "yard"),
    (("cubic", "metres"), "meter ** 3"), (("cubic", "meters"), "meter ** 3"), (("m³",), "meter ** 3"),
    (("m3",), "meter ** 3"),
    (("litres",), "liter"), (("liters",), "liter"), (("litre",), "liter"), (("liter",), "liter"),
    (("l",), "liter"), (("ml",), "milliliter"), (("millilitres",), "milliliter"),
    (("gallons",), "gallon"), (("gallon",), "gallon"),
    (("barrels",), "oil_barrel"), (("barrel",), "oil_barrel"), (("bbl",), "oil_barrel"),
    (("°", "c"), "degree_Celsius"), (("℃",), "degree_Celsius"), (("degrees", "celsius"), "degree_Celsius"),
    (("degrees", "centigrade"), "degree_Celsius"), (("c",), "degree_Celsius"),
    (("°", "f"), "degree_Fahrenheit"), (("℉",), "degree_Fahrenheit"),
    (("degrees", "fahrenheit"), "degree_Fahrenheit"), (("f",), "degree_Fahrenheit"),
    (("kwh",), "kilowatt_hour"), (("mwh",), "megawatt_hour"), (("gwh",), "gigawatt_hour"),
    (("twh",), "terawatt_hour"), (("kw",), "kilowatt"), (("mw",), "megawatt"), (("gw",), "gigawatt"),
    (("megawatts",), "megawatt"), (("gigawatts",), "gigawatt"), (("kilowatts",), "kilowatt"),
)
# Bare one-letter units are too ambiguous after a space ("5 t" is rare, "5 c" never):
# they count only written against the figure ("500t", "30C", "40F").
_ATTACHED_ONLY: Final = frozenset({"t", "g", "l", "c", "f"})
# Units whose names say a rate: "barrels per day" as "bpd".
_RATE_UNITS: Final = {"bpd": ("oil_barrel", "day"), "b/d": ("oil_barrel", "day")}
# "bcm": billion cubic metres, the usual figure for gas.
_SCALED_UNITS: Final = {"bcm": ("meter ** 3", 1e9)}

# unit -> (SI unit, metric counterpart for display or None)
_SI_TARGETS: Final = {
    "kilogram": "kilogram", "gram": "kilogram", "milligram": "kilogram", "pound": "kilogram",
    "ounce": "kilogram", "metric_ton": "kilogram", "ton": "kilogram", "long_ton": "kilogram",
    "kilometer ** 2": "meter ** 2", "mile ** 2": "meter ** 2", "meter ** 2": "meter ** 2",
    "hectare": "meter ** 2", "acre": "meter ** 2",
    "kilometer / hour": "meter / second", "mile / hour": "meter / second", "knot": "meter / second",
    "kilometer": "meter", "meter": "meter", "centimeter": "meter", "millimeter": "meter",
    "nautical_mile": "meter", "mile": "meter", "foot": "meter", "inch": "meter", "yard": "meter",
    "meter ** 3": "meter ** 3", "liter": "meter ** 3", "milliliter": "meter ** 3", "gallon": "meter ** 3",
    "oil_barrel": "meter ** 3",
    "degree_Celsius": "degree_Celsius", "degree_Fahrenheit": "degree_Celsius",
    "kilowatt_hour": "joule", "megawatt_hour": "joule", "gigawatt_hour": "joule", "terawatt_hour": "joule",
    "kilowatt": "watt", "megawatt": "watt", "gigawatt": "watt",
}
_OFFSET_UNITS: Final = frozenset({"degree_Celsius", "degree_Fahrenheit"})
# Non-metric units shown with their metric counterpart: (unit, how many SI units one is).
_COUNTERPARTS: Final = {
    "pound": ("kilogram", 1.0), "ounce": ("gram", 1e-3), "ton": ("metric_ton", 1e3),
    "long_ton": ("metric_ton", 1e3), "mile": ("kilometer", 1e3), "nautical_mile": ("kilometer", 1e3),
    "foot": ("meter", 1.0), "yard": ("meter", 1.0), "inch": ("centimeter", 1e-2),
    "mile ** 2": ("kilometer ** 2", 1e6), "acre": ("hectare", 1e4), "gallon": ("liter", 1e-3),
    "mile / hour": ("kilometer / hour", 1 / 3.6),
    "knot": ("kilometer / hour", 1 / 3.6), "degree_Fahrenheit": ("degree_Celsius", 1.0),
}
_UNIT_SYMBOLS: Final = {
    "kilogram": "kg", "gram": "g", "milligram": "mg", "pound": "lb", "ounce": "oz", "metric_ton": "t",
    "ton": "short tons", "long_ton": "long tons", "kilometer ** 2": "km²", "mile ** 2": "sq mi",
    "meter ** 2": "m²", "hectare": "ha", "acre": "acres", "kilometer / hour": "km/h", "mile / hour": "mph",
    "knot": "knots", "kilometer": "km", "meter": "m", "centimeter": "cm", "millimeter": "mm",
    "nautical_mile": "nmi", "mile": "mi", "foot": "ft", "inch": "in", "yard": "yd", "meter ** 3": "m³",
    "liter": "L", "milliliter": "mL", "gallon": "gal", "oil_barrel": "bbl", "degree_Celsius": "°C",
    "degree_Fahrenheit": "°F", "kilowatt_hour": "kWh", "megawatt_hour": "MWh", "gigawatt_hour": "GWh",
    "terawatt_hour": "TWh", "kilowatt": "kW", "megawatt": "MW", "gigawatt": "GW", "joule": "J", "watt": "W",
    "meter / second": "m/s",
}
_TIME_UNITS: Final = {
    "second": "second", "seconds": "second", "secs": "second", "minute": "minute", "minutes": "minute",
    "mins": "minute", "hour": "hour", "hours": "hour", "hrs": "hour", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "fortnight": "fortnight", "month": "month", "months": "month",
    "year": "year", "years": "year", "yrs": "year", "decade": "decade", "decades": "decade",
    "century": "century", "centuries": "century",
}
_PER_ADVERBS: Final = {
    "daily": "day", "weekly": "week", "monthly": "month", "annually": "year", "yearly": "year",
    "hourly": "hour", "quarterly": "quarter", "apiece": "person",
}
_PER_NOUNS: Final = {
    **{word: unit for word, unit in _TIME_UNITS.items()},
    "annum": "year", "quarter": "quarter", "capita": "person", "head": "person", "person": "person",
    "yr": "year", "mo": "month", "wk": "week", "h": "hour", "hr": "hour", "d": "day",
}
_PER_INTRODUCERS: Final = frozenset({"a", "an", "per", "each", "every", "/"})

# Words that end a counted noun phrase: verbs, relatives, prepositions, conjunctions.
_PHRASE_STOPS: Final = frozenset(
    "and or but nor in on at from to for with by during after before since until into onto about "
    "against among between through across over under within without near per each every a an "
    "who whom whose which that where when while as than if because according including such "
    "were was are is be been being have has had will would could can may might should must do did "
    "does said say says told reported were also not only all both this these those there here "
    "then now including plus versus via".split()
) | frozenset(_PER_ADVERBS)
_DETERMINERS: Final = frozenset("the our their its his her my your these those them".split())
# "X of Y" where X only packages Y: the key is Y ("units of ammunition" -> ammunition).
_CONTAINERS: Final = frozenset(
    "unit units set sets round rounds piece pieces item items box boxes case cases crate crates "
    "bag bags pack packs packet packets carton cartons bottle bottles kind kinds type types sort "
    "sorts head batch batches lot lots load loads cartridge cartridges can cans sack sacks roll rolls "
    "pair pairs".split()
)
_UNINFLECTED: Final = frozenset(
    "police people staff personnel ammunition equipment cattle livestock aircraft sheep fish deer "
    "series species news money cash literature evidence footage clothing gear".split()
)
_KEY_SYNONYMS: Final = {
    "persons": "people", "person": "people", "dead": "deaths", "killed": "deaths", "death": "deaths",
    "fatalities": "deaths", "fatality": "deaths", "injured": "injuries", "wounded": "injuries",
    "injury": "injuries", "man": "men", "woman": "women", "child": "children", "armor": "armour",
}

_MONTHS: Final = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
# "may" and "march" are also ordinary words; as months they are capitalised.
_CASE_SENSITIVE_MONTHS: Final = frozenset({"may", "march", "mar", "jan", "dec"})
_WEEKDAYS: Final = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun".split()
)
_DATE_PREFIXES: Final[dict[str, tuple[Bound | None, bool]]] = {
    "on": (None, False), "in": (None, False), "at": (None, False), "the": (None, False),
    "of": (None, False), "during": (None, False), "from": (None, False),
    "since": (">=", False), "after": (">", False), "before": ("<", False), "until": ("<=", False),
    "till": ("<=", False), "by": ("<=", False), "early": (None, True), "mid": (None, True),
    "late": (None, True), "around": (None, True), "about": (None, True), "circa": (None, True),
}


# -- tokens ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<cur>(?:US|USD|CA|CDN|AUD|AU|HK|NZ|SG|NT|MX|C|A|S|R)\$|(?:CN|JP|RMB)¥|[$€£¥₽₸₴₹₩₺₪₦₾₼⃀])"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)"
    r"|(?P<sym>[^\w\s])"
)
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_DASHES: Final = frozenset({"-", "–", "—", "‒", "−"})
_VULGAR: Final = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "cur", "num", "word", "sym"
    raw: str
    low: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(match.lastgroup or "sym", match.group(), match.group().lower(), match.start(), match.end())
        for match in _TOKEN.finditer(text)
    ]


class _Cursor:
    """Tokens and a position, with look-ahead by phrase so the grammar below reads as English."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    def at(self, offset: int = 0) -> _Token | None:
        index = self.i + offset
        return self.tokens[index] if 0 <= index < len(self.tokens) else None

    def low(self, offset: int = 0) -> str:
        token = self.at(offset)
        return token.low if token is not None else ""

    def attached(self, offset: int = 0) -> bool:
        """True when the token at `offset` touches the one before it ("500kg", "3bn")."""
        token, before = self.at(offset), self.at(offset - 1)
        return token is not None and before is not None and before.end == token.start

    def phrase(self, words: tuple[str, ...], offset: int = 0) -> bool:
        return all(self.low(offset + n) == word for n, word in enumerate(words))

    def longest(self, table: tuple[tuple[tuple[str, ...], Any], ...], offset: int = 0) -> tuple[int, Any] | None:
        best: tuple[int, Any] | None = None
        for words, meaning in table:
            if (best is None or len(words) > best[0]) and self.phrase(words, offset):
                best = (len(words), meaning)
        return best

    @property
    def done(self) -> bool:
        return self.i >= len(self.tokens)


# -- numbers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Number:
    value: float
    end: int
    scale: float = 1.0
    vague: bool = False
    approximate: bool = False
    bound: Bound | None = None
    fraction: bool = False
    ordinal: str | None = None


def _read_number(cur: _Cursor, start: int) -> _Number | None:
    """The number phrase starting at token `start`, in digits or words, or None."""
    token = cur.tokens[start] if start < len(cur.tokens) else None
    if token is None:
        return None
    if token.kind == "num":
        return _read_digits(cur, start)
    if token.raw in _VULGAR:
        return _after_cardinal(cur, _Number(_VULGAR[token.raw], start + 1))
    if token.kind == "word":
        return _read_words(cur, start)
    return None


def _low_at(cur: _Cursor, index: int) -> str:
    return cur.tokens[index].low if 0 <= index < len(cur.tokens) else ""


def _touches(cur: _Cursor, index: int) -> bool:
    return 0 < index < len(cur.tokens) and cur.tokens[index - 1].end == cur.tokens[index].start


def _read_digits(cur: _Cursor, start: int) -> _Number | None:
    token = cur.tokens[start]
    value = float(token.raw.replace(",", ""))
    j = start + 1
    nxt = _low_at(cur, j)
    if nxt in ("st", "nd", "rd", "th") and _touches(cur, j):
        return _Number(value, j + 1, ordinal=token.raw + cur.tokens[j].raw)
    if j < len(cur.tokens) and cur.tokens[j].raw in _VULGAR and _touches(cur, j):
        value += _VULGAR[cur.tokens[j].raw]
        j += 1
        nxt = _low_at(cur, j)
    scale = 1.0
    if nxt in _SCALES:
        scale = _SCALES[nxt]
        j += 1
    elif nxt == "dozen":
        scale = 12.0
        j += 1
    elif nxt in _SCALE_SUFFIXES and (_touches(cur, j) or nxt in _SPACED_SUFFIXES):
        scale = _SCALE_SUFFIXES[nxt]
        j += 1
    if scale == 1e2 and _low_at(cur, j) in _SCALES and _SCALES[_low_at(cur, j)] > 1e2:
        scale *= _SCALES[_low_at(cur, j)]  # "3 hundred thousand"
        j += 1
    return _after_cardinal(cur, _Number(value * scale, j, scale=scale))


def _read_words(cur: _Cursor, start: int) -> _Number | None:
    j = start
    word = _low_at(cur, j)
    # Vague plurals: "hundreds", "tens of thousands", "dozens of".
    if word in _VAGUE_PLURALS:
        base = _VAGUE_PLURALS[word]
        j += 1
        if _low_at(cur, j) == "of" and _low_at(cur, j + 1) in _VAGUE_PLURALS and _VAGUE_PLURALS[_low_at(cur, j + 1)] >= 1e3:
            base *= _VAGUE_PLURALS[_low_at(cur, j + 1)]
            j += 2
        if word == "tens" and base < 1e3:
            return None
        if _low_at(cur, j) == "of":
            j += 1
        return _Number(2 * base, j, scale=base, vague=True, bound=">=")
    for words, at_least in ((("several",), 3.0), (("a", "few"), 2.0)):
        if all(_low_at(cur, j + n) == w for n, w in enumerate(words)):
            k = j + len(words)
            scale = _SCALES.get(_low_at(cur, k), 12.0 if _low_at(cur, k) == "dozen" else 1.0)
            if scale != 1.0:
                k += 1
            if _low_at(cur, k) == "of":
                k += 1
            return _Number(at_least * scale, k, scale=scale, vague=True, bound=">=")
    if _low_at(cur, j) == "a" and _low_at(cur, j + 1) == "couple":
        k = j + 2 + (_low_at(cur, j + 2) == "of")
        return _Number(2.0, k, approximate=True)
    # "half", "half a million", "half of".
    if word == "half":
        k = j + 1
        if _low_at(cur, k) in ("a", "an") and (_low_at(cur, k + 1) in _SCALES or _low_at(cur, k + 1) == "dozen"):
            scale = _SCALES.get(_low_at(cur, k + 1), 12.0)
            return _after_cardinal(cur, _Number(0.5 * scale, k + 2, scale=scale))
        return _after_fraction(cur, 0.5, k)
    total = 0.0
    current = 0.0
    seen = False
    scaled_by = 1.0
    if word in ("a", "an"):
        following = _low_at(cur, j + 1)
        if following in _SCALES or following == "dozen":
            current, seen = 1.0, True
            j += 1
        elif following in _DENOMINATORS and following not in ("half", "halves"):
            return _after_fraction(cur, 1 / _DENOMINATORS[following], j + 2)
        elif following == "half":
            return _after_fraction(cur, 0.5, j + 2)
        else:
            return None
    while j < len(cur.tokens):
        word = _low_at(cur, j)
        if word in _SMALL:
            current += _SMALL[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred" and seen:
            current = (current or 1.0) * 100
        elif word == "dozen" and seen:
            current = (current or 1.0) * 12
            scaled_by = 12.0
        elif word in _SCALES and seen:
            total += (current or 1.0) * _SCALES[word]
            scaled_by = _SCALES[word]
            current = 0.0
        elif word in _DASHES and seen and _low_at(cur, j + 1) in _SMALL and _touches(cur, j) and _touches(cur, j + 1):
            j += 1
            continue
        elif word == "and" and seen and (total or current >= 100) and (
            _low_at(cur, j + 1) in _SMALL or _low_at(cur, j + 1) in _TENS
        ):
            j += 1
            continue
        elif word == "and" and seen and _low_at(cur, j + 1) == "a" and _low_at(cur, j + 2) == "half":
            current += 0.5
            j += 3
            continue
        else:
            break
        seen = True
        j += 1
    if not seen:
        if word in _ORDINAL_WORDS:
            return _Number(0.0, j + 1, ordinal=cur.tokens[j].raw)
        return None
    value = total + current
    # "one third", "two-thirds", "three quarters"
    k = j + 1 if _low_at(cur, j) in _DASHES and _touches(cur, j) else j
    if _low_at(cur, k) in _DENOMINATORS and value and value < _DENOMINATORS[_low_at(cur, k)]:
        denominator = _DENOMINATORS[_low_at(cur, k)]
        if value > 1 or _low_at(cur, k + 1) in ("of", "") or not _low_at(cur, k + 1).isalpha():
            return _after_fraction(cur, value / denominator, k + 1)
    return _after_cardinal(cur, _Number(value, j, scale=scaled_by))


def _after_fraction(cur: _Cursor, value: float, j: int) -> _Number:
    if _low_at(cur, j) == "of":
        j += 1
    return _Number(value, j, fraction=True)


def _after_cardinal(cur: _Cursor, number: _Number) -> _Number:
    """'one in five' is a fraction; everything else stays as read."""
    j = number.end
    if _low_at(cur, j) == "in":
        k = j + 1 + (_low_at(cur, j + 1) == "every")
        other = _read_number(cur, k) if k < len(cur.tokens) else None
        # "one in five" and "1 in 10", not "4 in 2 raids" or "12 in 2019"
        if (
            other is not None and not other.fraction and other.ordinal is None
            and number.value < other.value <= 1000
        ):
            return _Number(number.value / other.value, other.end, fraction=True)
    return number


# -- dates -------------------------------------------------------------------------------


def _month_of(token: _Token) -> int | None:
    if token.kind != "word" or token.low not in _MONTHS:
        return None
    if token.low in _CASE_SENSITIVE_MONTHS and not token.raw[0].isupper():
        return None
    return _MONTHS[token.low]


def _read_date(text: str, tokens: list[_Token]) -> Quantity | None:
    """A date when the whole span is one: "March 3, 2019", "2019", "July 16-17", "the 1990s"."""
    i = 0
    bound: Bound | None = None
    approximate = False
    while i < len(tokens) and (tokens[i].low in _DATE_PREFIXES or (tokens[i].raw in _DASHES and i)):
        if tokens[i].raw in _DASHES:
            i += 1
            continue
        word_bound, word_approx = _DATE_PREFIXES[tokens[i].low]
        bound = word_bound or bound
        approximate = approximate or word_approx
        i += 1
    rest = tokens[i:]
    while rest and rest[-1].raw in (".", ",", ";", ":"):
        rest = rest[:-1]
    if not rest:
        return None
    notes: list[str] = []
    if rest[0].low in _WEEKDAYS and rest[0].raw[0].isupper():
        rest = rest[1:]
        if rest and rest[0].raw == ",":
            rest = rest[1:]
        if not rest:
            return Quantity(text=text, kind="date", bound=bound, approximate=approximate,
                            notes=("a weekday without a date",))
    codes: list[str] = []
    items: list[Any] = []
    n = 0
    while n < len(rest):
        token = rest[n]
        month = _month_of(token)
        if month is not None:
            codes.append("M")
            items.append(month)
            if n + 1 < len(rest) and rest[n + 1].raw == "." and len(token.raw) <= 4:
                n += 1
        elif token.kind == "num" and "," not in token.raw and "." not in token.raw:
            nxt = rest[n + 1] if n + 1 < len(rest) else None
            attached = nxt is not None and nxt.start == token.end
            if attached and nxt is not None and nxt.low in ("st", "nd", "rd", "th") and len(token.raw) <= 2:
                codes.append("D")
                items.append(int(token.raw))
                n += 1
            elif attached and nxt is not None and nxt.low in ("s", "'s") and len(token.raw) == 4:
                codes.append("S")
                items.append(token.raw)
                n += 1
            elif len(token.raw) == 4 and 1000 <= int(token.raw) <= 2100:
                codes.append("Y")
                items.append(int(token.raw))
            elif len(token.raw) <= 2:
                codes.append("D")
                items.append(token.raw)
            else:
                return None
        elif token.raw in _DASHES or token.low == "to":
            codes.append("-")
            items.append(None)
        elif token.raw in (",", "/"):
            codes.append(token.raw)
            items.append(None)
        elif token.low == "of":
            codes.append("o")
            items.append(None)
        else:
            # Trailing words are allowed after a month and day ("March 22 in Moscow"), never
            # after a bare year ("2019 people" counts people).
            if "M" in codes and "D" in codes and not any(t.kind == "num" for t in rest[n:]):
                break
            return None
        n += 1
    shape = "".join(codes)
    return _date_from_shape(text, shape, items, bound, approximate, notes)


def _day(item: Any) -> int:
    return int(item)


def _iso_day(year: int | None, month: int, day: int) -> str | None:
    """ISO text for a day, or None when the calendar has no such day."""
    try:
        _dt.date(year if year is not None else 2000, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year is not None else f"--{month:02d}-{day:02d}"


def _date_from_shape(
    text: str, shape: str, items: list[Any], bound: Bound | None, approximate: bool, notes: list[str]
) -> Quantity | None:
    def dated(iso: str | None, extra: str | None = None, loose: bool = approximate) -> Quantity:
        more = tuple(notes) + ((extra,) if extra else ())
        return Quantity(text=text, kind="date", iso=iso, bound=bound, approximate=loose, notes=more)

    def bad_day() -> Quantity:
        return Quantity(text=text, kind="unknown", problem=f"no such day in the calendar: {text.strip()!r}")

    if shape == "Y":
        return dated(f"{items[0]:04d}")
    if shape == "S":
        return dated(items[0][:3], "a decade", loose=approximate)
    if shape in ("Y-D", "Y/D", "Y-Y"):
        first = items[0]
        second_raw = str(items[2])
        second = int(second_raw)
        if shape == "Y-D" and len(second_raw) == 2 and second <= first % 100 and 1 <= second <= 12:
            return dated(f"{first:04d}-{second:02d}")  # ISO "2019-03"
        full = second if shape == "Y-Y" else first // 100 * 100 + second
        if full <= first:
            return None
        return dated(f"{first:04d}/{full:04d}")
    if shape == "Y-D-D":
        iso = _iso_day(items[0], int(items[2]), int(items[4]))
        return dated(iso) if iso else bad_day()
    if shape in ("M", "M,Y", "MY"):
        month = items[0]
        return dated(f"{items[-1]:04d}-{month:02d}" if shape != "M" else f"--{month:02d}")
    match = re.fullmatch(r"M(D)(,?Y)?", shape) or re.fullmatch(r"(D)o?M(,?Y)?", shape)
    if match:
        month = items[shape.index("M")]
        day = _day(items[shape.index("D")])
        year = items[-1] if shape.endswith("Y") else None
        iso = _iso_day(year, month, day)
        return dated(iso) if iso else bad_day()
    match = re.fullmatch(r"MD-D(,?Y)?", shape) or re.fullmatch(r"D-DM(,?Y)?", shape)
    if match:
        month = items[shape.index("M")]
        days = [_day(item) for code, item in zip(shape, items) if code == "D"]
        year = items[-1] if shape.endswith("Y") else None
        first, last = _iso_day(year, month, days[0]), _iso_day(year, month, days[1])
        if first is None or last is None:
            return bad_day()
        return dated(f"{first}/{last}") if days[1] > days[0] else None
    if shape in ("D/D/Y", "D-D-Y") and len(str(items[0])) <= 2:
        a, b, year = int(items[0]), int(items[2]), items[4]
        if a > 12 and b <= 12:
            return dated(_iso_day(year, b, a)) if _iso_day(year, b, a) else bad_day()
        if b > 12 and a <= 12:
            return dated(_iso_day(year, a, b)) if _iso_day(year, a, b) else bad_day()
        if a == b and a <= 12:
            return dated(_iso_day(year, a, b))
        return dated(None, "day and month order unknown (day/month or month/day)")
    return None


# -- pint --------------------------------------------------------------------------------

_REGISTRY: UnitRegistry[Any] | None = None
_REGISTRY_LOCK = threading.Lock()


def unit_registry() -> UnitRegistry[Any]:
    """The one pint registry, built on first use; building it takes a noticeable fraction of
    a second, and registries do not mix quantities with each other."""
    global _REGISTRY
    with _REGISTRY_LOCK:
        if _REGISTRY is None:
            import pint  # noqa: PLC0415 - lazily: importing this module must stay fast

            _REGISTRY = pint.UnitRegistry()
        return _REGISTRY


def _to_si(value: float, unit: str) -> tuple[float, str] | None:
    target = _SI_TARGETS.get(unit)
    if target is None:
        return None
    registry = unit_registry()
    # pint caches parsed units inside the registry; workers may parse at the same time.
    with _REGISTRY_LOCK:
        converted = registry.Quantity(value, unit).to(target).magnitude
    # 12 digits drop float noise ("0.010000000000000002") that would show in exports.
    return float(f"{float(converted):.12g}"), target


# -- the parser --------------------------------------------------------------------------


@dataclass
class _Reading:
    """What has been read so far; becomes a Quantity at the end."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    bound: Bound | None = None
    approximate: bool = False
    estimate: bool = False
    vague: bool = False
    fraction: bool = False
    negative: bool = False
    between: bool = False
    unit: str | None = None
    currency: str | None = None
    counts: str | None = None
    per: str | None = None
    age: bool = False
    alternative: Quantity | None = None
    notes: list[str] | None = None

    def note(self, text: str) -> None:
        if self.notes is None:
            self.notes = []
        if text not in self.notes:
            self.notes.append(text)


def parse_quantity(text: str) -> Quantity:
    """Read one quantity span. Never raises: unreadable text comes back with a `problem`."""
    if not isinstance(text, str):
        return Quantity(text=repr(text), problem=f"expected text, found {type(text).__name__}")
    try:
        return _parse(text, nested=False)
    except Exception as exc:  # noqa: BLE001 - a list of spans must draw even if one span defeats the rules
        return Quantity(text=text, problem=f"could not read {_shorten(text.strip(), 40)!r} ({type(exc).__name__}: {exc})")


# "1,5" or "1,0000": a decimal comma or a typo; reading either as thousands would be a guess.
_LOOSE_COMMA = re.compile(r"(?<![\d,])\d{1,3}(?:,\d{3})*,(?:\d{1,2}|\d{4,})(?![\d])")


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0


def _problem(text: str, why: str) -> Quantity:
    return Quantity(text=text, problem=why)


def _parse(text: str, nested: bool) -> Quantity:
    clean = _SPACES.sub(" ", text).strip()
    if not clean:
        return _problem(text, "empty: no figure to read")
    if len(clean) > MAX_TEXT:
        return _problem(text, f"{len(clean)} characters is a passage, not one figure (at most {MAX_TEXT})")
    control = next((char for char in clean if _is_control(char)), None)
    if control is not None:
        return _problem(text, f"holds the control character U+{ord(control):04X}; a figure is printable text")
    comma = _LOOSE_COMMA.search(clean)
    if comma is not None:
        return _problem(text, f"{comma.group()!r}: a comma in a number separates groups of three digits")
    tokens = _tokens(clean)
    date = _read_date(text, tokens)
    if date is not None:
        return date
    cur = _Cursor(clean, tokens)
    reading = _Reading()
    number = _read_prefix(cur, reading)
    if number is None:
        return _problem(text, _no_number_reason(cur, clean))
    if number.ordinal is not None:
        return _problem(text, f"{number.ordinal!r} is an ordinal, a position rather than a quantity")
    if not math.isfinite(number.value):
        return _problem(text, f"the figure in {_shorten(clean, 40)!r} is too large to hold")
    cur.i = number.end
    reading.value = -number.value if reading.negative else number.value
    reading.vague = number.vague
    reading.fraction = number.fraction
    reading.approximate = reading.approximate or number.approximate
    reading.bound = reading.bound or number.bound
    _read_after_number(cur, reading, number)
    if not nested:
        _read_tail(cur, reading, clean)
    return _finish(text, cur, reading)


def _no_number_reason(cur: _Cursor, clean: str) -> str:
    cur.i = 0
    while not cur.done:
        found = cur.longest(_NO_FIGURE_TABLE)
        if found is not None:
            said = " ".join(t.raw for t in cur.tokens[cur.i : cur.i + found[0]])
            return f"{said!r} is not a figure"
        cur.i += 1
    return f"no number in {_shorten(clean, 40)!r}"


def _read_prefix(cur: _Cursor, reading: _Reading) -> _Number | None:
    """Bounds, hedges, signs and currency before the figure; returns the figure itself.

    Words that say none of these are passed over, so a loosely cut span ("seized 50
    weapons") still reads. An ordinal is returned only when no cardinal follows it ("the
    first 50 weapons" reads 50).
    """
    ordinal: _Number | None = None
    while not cur.done:
        token = cur.tokens[cur.i]
        number = _read_number(cur, cur.i)
        if number is not None and number.ordinal is None:
            return number
        if number is not None:
            ordinal = ordinal or number
            cur.i = number.end
            continue
        found = cur.longest(_PREFIX_TABLE)
        if found is not None:
            size, (bound, approximate, estimate) = found
            reading.bound = bound or reading.bound
            reading.approximate = reading.approximate or approximate
            reading.estimate = reading.estimate or estimate
            cur.i += size
            continue
        following = cur.at(1)
        if token.kind == "cur":
            reading.currency = _CURRENCY_SIGNS[token.raw]
            if token.raw == "¥":
                reading.note(_YEN_NOTE)
        elif token.raw in ("~", "≈", "∼"):
            reading.approximate = True
        elif token.raw in _SYMBOL_BOUNDS:
            reading.bound = _SYMBOL_BOUNDS[token.raw]
        elif token.raw in _DASHES and following is not None and cur.attached(1) and following.kind in ("num", "cur"):
            reading.negative = True
        elif token.low == "minus":
            reading.negative = True
        elif token.kind == "word" and token.raw in _ISO_CURRENCIES:
            reading.currency = token.raw
        elif token.low == "rmb":
            reading.currency = "CNY"
        elif token.low in ("rs", "inr"):
            reading.currency = "INR"
        elif token.low == "between":
            reading.between = True
        elif token.low in ("estimates", "estimate", "est"):
            reading.estimate = True
        cur.i += 1
    return ordinal


def _read_range_end(cur: _Cursor, reading: _Reading, first: _Number) -> bool:
    """'40-50', '40 to 50', 'between 40 and 50', 'two or three', '$40m-$50m'."""
    connector = cur.low()
    if not (
        connector in _DASHES
        or connector == "to"
        or (connector == "and" and reading.between)
        or (connector == "or" and not first.vague)
    ):
        return False
    j = cur.i + 1
    if j < len(cur.tokens) and cur.tokens[j].kind == "cur":
        j += 1
    second = _read_number(cur, j)
    if second is None or second.ordinal is not None or second.fraction or second.vague:
        return False
    low, high = first.value, second.value
    if first.scale == 1.0 and second.scale != 1.0 and low * second.scale <= high:
        low *= second.scale  # "40-50 million": the scale belongs to both
    if reading.negative:
        low = -low
    if high < low:
        return False
    reading.low, reading.high, reading.value = low, high, None
    cur.i = second.end
    return True


def _read_unit(cur: _Cursor, reading: _Reading) -> bool:
    """A percent sign, a currency name or a physical unit right after the figure."""
    found = cur.longest(_PERCENT_WORDS)
    if found is not None:
        reading.unit = found[1]
        cur.i += found[0]
        return True
    found = cur.longest(_CURRENCY_WORDS)
    if found is not None:
        reading.currency = found[1]
        cur.i += found[0]
        if reading.notes and found[1] == "CNY":
            reading.notes = [n for n in reading.notes if n != _YEN_NOTE] or None
        return True
    token = cur.at()
    if token is not None and token.kind == "word" and token.raw in _ISO_CURRENCIES:
        reading.currency = token.raw
        cur.i += 1
        return True
    if cur.low() in _RATE_UNITS or (cur.low() == "b" and cur.low(1) == "/" and cur.low(2) == "d"):
        unit, per = _RATE_UNITS.get(cur.low(), _RATE_UNITS["b/d"])
        reading.unit, reading.per = unit, per
        cur.i += 1 if cur.low() in _RATE_UNITS else 3
        return True
    if cur.low() in _SCALED_UNITS:
        unit, factor = _SCALED_UNITS[cur.low()]
        reading.unit = unit
        if reading.value is not None:
            reading.value *= factor
        if reading.low is not None and reading.high is not None:
            reading.low, reading.high = reading.low * factor, reading.high * factor
        cur.i += 1
        return True
    found = cur.longest(_UNIT_WORDS)
    if found is not None:
        size, unit = found
        first = cur.low()
        if size == 1 and first in _ATTACHED_ONLY and not cur.attached():
            return False
        if size == 1 and first in ("c", "f") and cur.low(1).isalpha():
            return False
        reading.unit = unit
        if first in ("tons", "ton"):
            reading.note("'tons' read as metric tonnes")
        cur.i += size
        return True
    if cur.low() in _TIME_UNITS:
        reading.unit = _TIME_UNITS[cur.low()]
        cur.i += 1
        return True
    return False


def _read_after_number(cur: _Cursor, reading: _Reading, number: _Number) -> None:
    """Unit or currency name, a range's second figure, the adjectival form ("seven-year"),
    and hedges written after the figure ("40-odd", "50 or more")."""
    if _read_range_end(cur, reading, number):
        _read_unit(cur, reading)
    else:
        unit_read = _read_unit(cur, reading)
        if unit_read and _read_range_end(cur, reading, number):
            saved_unit, saved_currency = reading.unit, reading.currency
            if not _read_unit(cur, reading):
                reading.unit, reading.currency = saved_unit, saved_currency
        elif (
            not unit_read
            and cur.low() in _DASHES
            and cur.attached()
            and cur.attached(1)
            and (cur.low(1) in _TIME_UNITS or cur.longest(_UNIT_WORDS, offset=1) is not None)
        ):
            # "54-year-old", "seven-year sentence", "22-kilometre road"
            cur.i += 1
            _read_unit(cur, reading)
            if reading.unit == "year" and cur.low() in _DASHES and cur.low(1) == "old":
                reading.age = True
                cur.i += 2
    _read_suffix_bounds(cur, reading)


def _read_suffix_bounds(cur: _Cursor, reading: _Reading) -> None:
    while not cur.done:
        if cur.low() in _DASHES and cur.low(1) in ("odd", "plus"):
            cur.i += 1
        if cur.low() == "+" and cur.attached():
            reading.bound = ">="
            cur.i += 1
            continue
        found = cur.longest(_SUFFIX_TABLE)
        if found is None:
            return
        size, (bound, approximate) = found
        reading.bound = bound or reading.bound
        reading.approximate = reading.approximate or approximate
        cur.i += size


def _read_alternative(cur: _Cursor, reading: _Reading) -> bool:
    """'500 kg (1,100 lb)': the figure in parentheses is kept as the alternative."""
    if cur.low() not in ("(", "["):
        return False
    closing = ")" if cur.low() == "(" else "]"
    depth_end = next((k for k in range(cur.i + 1, len(cur.tokens)) if cur.tokens[k].raw == closing), None)
    if depth_end is None:
        return False
    inner_start = cur.tokens[cur.i].end
    inner_end = cur.tokens[depth_end].start
    inner_text = cur.text[inner_start:inner_end]
    inner = _parse(inner_text, nested=True)
    cur.i = depth_end + 1
    if inner.problem is None and inner.kind != "date" and reading.alternative is None:
        reading.alternative = inner
    return True


def _read_per(cur: _Cursor, reading: _Reading) -> bool:
    """'a month', 'per year', 'annually', '/day'."""
    word = cur.low()
    if word in _PER_ADVERBS:
        reading.per = _PER_ADVERBS[word]
        cur.i += 1
        return True
    if word in _PER_INTRODUCERS and cur.low(1) in _PER_NOUNS:
        noun = cur.low(1)
        # "a year" is a rate only as a singular: "five years" is a duration.
        if noun in _TIME_UNITS and noun != _TIME_UNITS[noun] and noun not in ("hrs", "yrs"):
            return False
        reading.per = _PER_NOUNS[noun]
        cur.i += 2
        return True
    return False


def _read_counts(cur: _Cursor, reading: _Reading, clean: str) -> None:
    """The counted noun phrase: '144 deaths', '255,238 units of ammunition', '500 kg of saltpeter'."""
    measured = reading.unit is not None or reading.currency is not None
    start = cur.i
    partitive = False
    if cur.low() == "of":
        cur.i += 1
        partitive = True
    elif measured and reading.unit not in _TIME_UNITS.values():
        # "500 kg" and "7%" name what they measure only with "of": "7% of GDP";
        # in "a 7% rise" the rise is not what the seven percent are of.
        return
    while cur.low() in _DETERMINERS:
        cur.i += 1
    words: list[_Token] = []
    j = cur.i
    while j < len(cur.tokens) and len(words) < 8:
        token = cur.tokens[j]
        if token.kind != "word":
            if token.raw in _DASHES and words and _touches(cur, j) and j + 1 < len(cur.tokens) and _touches(cur, j + 1):
                j += 1
                continue
            if token.raw in ("'", "’") and words:
                j += 1
                continue
            break
        low = token.low
        if low == "of" and words and words[-1].low in _CONTAINERS:
            j += 1
            while _low_at(cur, j) in _DETERMINERS:
                j += 1
            words.append(token)
            continue
        if low in _PHRASE_STOPS or low == "of":
            break
        if words and (low.endswith("ed") or low.endswith("ing")) and len(low) > 4:
            break
        words.append(token)
        j += 1
    words = [w for w in words if w.low != "of"]
    if not words:
        cur.i = j if partitive else start  # "of whom": the "of" is read, nothing is counted
        return
    # The phrase as written, from its first word to its last (with any "of" between).
    reading.counts = clean[words[0].start : words[-1].end]
    cur.i = j


def _read_tail(cur: _Cursor, reading: _Reading, clean: str) -> None:
    """Everything after the figure and its unit: conversion, rate, counted noun, hedges."""
    for _ in range(4):
        progressed = (
            _read_alternative(cur, reading)
            or _read_per(cur, reading)
            or (reading.counts is None and _read_counts_once(cur, reading, clean))
        )
        if not progressed:
            break
        _read_suffix_bounds(cur, reading)
    rest = cur.tokens[cur.i :]
    if any(t.low in ("estimated", "estimates", "estimate", "est") for t in rest):
        reading.estimate = True
    # "one" is left out: it is as often a pronoun ("one of them") as a figure.
    if any(t.kind == "num" or (t.low in _SMALL and t.low != "one") or t.low in _TENS for t in rest):
        reading.note("only the first figure is read; the text holds more")


def _read_counts_once(cur: _Cursor, reading: _Reading, clean: str) -> bool:
    before = cur.i
    _read_counts(cur, reading, clean)
    return cur.i != before


def _finish(text: str, cur: _Cursor, reading: _Reading) -> Quantity:
    if reading.notes and _YEN_NOTE in reading.notes and any(t.low in _YUAN_WORDS for t in cur.tokens):
        reading.currency = "CNY"
        reading.notes = [n for n in reading.notes if n != _YEN_NOTE] or None
    is_range = reading.low is not None and reading.high is not None
    unit = reading.unit
    kind: Kind
    if is_range:
        kind = "range"
    elif reading.currency is not None:
        kind = "money"
    elif unit in _PERCENT_SYMBOLS:
        kind = "percent"
    elif reading.age:
        kind = "age"
    elif unit in _TIME_UNITS.values():
        kind = "duration"
    elif unit is not None:
        kind = "measure"
    elif reading.fraction:
        kind = "fraction"
    else:
        kind = "count"
    si_value: float | None = None
    si_unit: str | None = None
    notes = list(reading.notes or ())
    if unit in _SI_TARGETS and reading.value is not None:
        try:
            converted = _to_si(reading.value, unit)
        except ImportError:
            converted = None
            notes.append("pint is not installed: no SI conversion")
        if converted is not None:
            si_value, si_unit = converted
    si_low: float | None = None
    si_high: float | None = None
    if unit in _SI_TARGETS and reading.low is not None and reading.high is not None:
        try:
            low, high = _to_si(reading.low, unit), _to_si(reading.high, unit)
        except ImportError:
            low = high = None
            notes.append("pint is not installed: no SI conversion")
        if low is not None and high is not None:
            si_low, si_high, si_unit = low[0], high[0], low[1]
    return Quantity(
        text=text,
        kind=kind,
        value=reading.value,
        low=reading.low,
        high=reading.high,
        bound=reading.bound,
        approximate=reading.approximate,
        estimate=reading.estimate,
        vague=reading.vague,
        unit=unit,
        si_value=si_value,
        si_unit=si_unit,
        si_low=si_low,
        si_high=si_high,
        currency=reading.currency,
        counts=reading.counts,
        per=reading.per,
        alternative=reading.alternative,
        notes=tuple(notes),
    )


def counted_key(quantity: Quantity) -> str:
    """What a figure counts, as one word figures from different articles can be grouped by:
    "255,238 units of ammunition" -> "ammunition", "at least 144 deaths" -> "deaths".

    The key is the head noun, lowercased, in the plural ("one death" and "144 deaths" meet at
    "deaths"); packaging words give way to what they hold ("sets of uniforms" -> "uniforms"),
    a few synonyms meet ("killed", "dead", "fatalities" -> "deaths"). "" when nothing is counted.
    """
    if not quantity.counts:
        return ""
    words = re.findall(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", quantity.counts.lower())
    if "of" in words:
        at = words.index("of")
        before = words[at - 1] if at else ""
        words = words[at + 1 :] if (before in _CONTAINERS or not before) else words[:at]
    words = [w for w in words if w not in _DETERMINERS]
    if not words:
        return ""
    head = re.sub(r"['’]s?$", "", words[-1])
    if head in _KEY_SYNONYMS:
        return _KEY_SYNONYMS[head]
    if quantity.value == 1 and quantity.kind == "count" and not head.endswith("s") and head not in _UNINFLECTED:
        return _plural(head)
    return head


def _plural(noun: str) -> str:
    if noun.endswith("y") and len(noun) > 2 and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"
