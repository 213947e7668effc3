"""Quantities: a number with its bound, unit or counted noun, and dates.

What one quantity holds, left to right:
- a bound directly before the number: "at least", "nearly", "more than", "about", "up to",
  "over", "some", "as many as" ...;
- the number: digits with groups and decimals ("255,238", "4.5"), ranges ("2020-21"),
  a per cent ("45%", "45 per cent"), money ("$10,000", "€45 million"), number words
  ("seven", "two dozen", "a million", "twenty-five"), or a date: "March 3", "July 7,
  2024", "5 July 2024", "March 2024", a month or weekday alone ("January", "Friday"),
  with "early", "mid", "late" or "every" before it ("mid-June", "every Friday"), "the
  beginning of July"; a year ("2019"); an ordinal with its noun ("79th anniversary");
- a unit ("500 kg", "22 kilometres") with a conversion in brackets ("500 kg (1,100 lb)"),
  or what is counted: "more", "other" or "additional" and up to three words on the same
  line with no punctuation or function word ("of", "were", "the" ...) between them,
  ending at the first plural ("255,238 units", "seven Kalashnikov assault rifles", "six
  gunmen", "two more suspects"). A singular noun is taken only after a hyphenated
  number ("a seven-year sentence"); an age ("54-year-old") takes none. A measure noun
  ("units", "sets", "tonnes", "hundreds") or a unit followed by "of" takes the same
  words after "of", past one possessive ("units of ammunition", "sets of law
  enforcement uniforms", "hundreds of our fellow-citizens"). A year takes a counted noun
  only when it is plural ("1900 soldiers", not "2024 report"); dates and per cents take
  none; money and counts take a rate ("$10,000 a month").
A bare "one" is never a quantity ("one of", "one in the square" are far more common in
news than a count of one), nor is "Two" in a name ("World War Two").
"""

from __future__ import annotations

import re

from annotator.units.words import is_plural, is_sentence_start, line_window

_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion trillion dozen dozens hundreds thousands millions billions half"
).split()
_SCALES = "hundred|thousand|million|billion|trillion|bn|mn"
_NW = "(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?"
)
_FULL_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]|20)\d\d"
_END = r"(?![\w])(?!\.\w)(?!,\d)"
_ATTACHED_UNITS = "kg|km|cm|mm|lbs?|mph|kph|bn|mn|m|k|g|t|ft|mi|MW|GW|kW"
_SUFFIX = (
    r"(?:-(?:year|month|week|day|hour|minute|mile|kilometre|kilometer|km|metre|meter|ton|tonne|man|member|"
    r"storey|story|point|seat|page|percent)s?(?:-old)?)"
)

_CORE = re.compile(
    rf"""
    (?P<date>
        (?<![\w])(?:{_MONTHS})\s(?:{_DAY}(?:\s?[-–]\s?{_DAY}|\sand\s{_DAY})?(?:,?\s{_YEAR})?|{_YEAR}){_END}
      | (?<![\w.,]){_DAY}\s(?:{_MONTHS})(?:,?\s{_YEAR})?{_END}
      | (?<![\w-])(?:(?i:early|mid|late)[\s-]|(?i:every)\s|the\s(?:beginning|start|middle|end)\sof\s)?
        (?:{_FULL_MONTHS}|{_WEEKDAYS})(?![\w-])
    )
  | (?P<ordinal>
        (?<![\w.,])\d+(?:st|nd|rd|th)(?=[ \u00a0][a-z])
    )
  | (?P<money>
        (?<![\w.,])(?:US|A|C|HK|NZ)?[$€£¥]\s?(?:{_NUM})(?:\s?(?:{_SCALES})\b|(?:m|bn|k)\b)?
    )
  | (?P<number>
        (?<![\w.,$€£¥])(?:{_NUM})(?:\s?[-–]\s?(?:{_NUM}))?
        (?:%|\s?per\s?cent\b|\s?percent\b|\s(?:{_SCALES})\b|(?:{_ATTACHED_UNITS})\b|{_SUFFIX})?{_END}
    )
  | (?P<words>
        (?<![\w-])(?i:(?:a\s+(?=(?:dozen|hundred|thousand|million|billion|few)\b))?
        {_NW}(?:(?:-|\s+|\s+and\s+)(?:{_NW}))*(?:\s?per\s?cent\b|\s?percent\b|{_SUFFIX})?)(?![\w-])
    )
    """,
    re.VERBOSE,
)
_YEAR_ONLY = re.compile(rf"{_YEAR}")
_BOUND = re.compile(
    r"(?i:(?:at\s+least|at\s+most|nearly|almost|more\s+than|less\s+than|fewer\s+than|just\s+over|just\s+under|"
    r"over|under|about|around|approximately|roughly|some|up\s+to|as\s+many\s+as|as\s+much\s+as|as\s+few\s+as|"
    r"close\s+to|upwards\s+of|an\s+estimated|only|almost|exactly)\s+)$"
)
_BOUND_REACH = 24
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_GAP = re.compile(r"[ \u00a0]+")
_CONVERSION = re.compile(r"\s?\(\s?(?:about\s|some\s|approx\.\s|~)?[$€£¥]?\d[\d,.]*\s?[^\W\d_]{0,12}(?:\s[^\W\d_]{1,12})?\s?\)")
_STOP = frozenset(
    """a an the of in on at by for from with to into onto over under about against between among during after
    before since until through per and or but nor as than that which who whom whose where when while if
    this these those its their his her our my your it they he she we i you them
    is are was were be been being have has had will would could should may might can do does did
    more less most least each every other another such no not also only just some any all both either
    said says told a.m p.m am pm ago earlier later last next this our""".split()
)
_UNITS = frozenset(
    """kg kilogram kilograms km kilometre kilometres kilometer kilometers mile miles metre metres meter meters
    m cm mm g gram grams tonne tonnes ton tons lb lbs pound pounds ft feet foot inch inches hectare hectares
    acre acres litre litres liter liters gallon gallons barrel barrels mph kph
    year years month months week weeks day days hour hours minute minutes second seconds
    dollar dollars euro euros rouble roubles ruble rubles som soms tenge yuan""".split()
)
_MEASURES = frozenset(
    """units unit sets set rounds pieces piece tonnes tons kilograms kg litres barrels cases boxes bags crates
    dozens hundreds thousands millions billions packs rolls cartons bottles""".split()
)


def _noun_words(text: str, position: int, limit: int) -> list[tuple[int, int, str]]:
    """Up to `limit` words from position, separated by plain spaces, stopping at a function word."""
    words: list[tuple[int, int, str]] = []
    while len(words) < limit:
        gap = _GAP.match(text, position)
        if gap is None:
            break
        match = _WORD.match(text, gap.end())
        if match is None:
            break
        word = match.group()
        if word.lower() in _STOP or word.lower() in _NUMBER_WORDS:
            break
        words.append((match.start(), match.end(), word))
        position = match.end()
    return words


def _counted(words: list[tuple[int, int, str]], plural_only: bool, singular: bool) -> int | None:
    """How many of words make the counted noun (see the module's rules), or None."""
    for index, (_, _, word) in enumerate(words):
        if is_plural(word):
            return index + 1
    if plural_only or not singular or not words:
        return None
    count = 0
    for _, _, word in words:
        if not word.islower() or word.endswith(("ed", "ing", "ly")) or word[-2:] in ("'s", "’s"):
            break
        count += 1
    return count or None


_OF = re.compile(r"[ \u00a0]+of(?=[ \u00a0])(?:[ \u00a0]+(?:our|their|its|his|her|the|these|those)(?=[ \u00a0]))?")
_RATE = re.compile(r"[ \u00a0]+(?:a|an|per|each)[ \u00a0]+(?:year|month|week|day|hour|head|person|capita)\b")
_MORE = re.compile(r"[ \u00a0]+(?:more|other|additional|further|extra)(?=[ \u00a0])")


def _extend(text: str, start: int, end: int, kind: str, core: str) -> tuple[int, int] | None:
    """The core number [start, end) grown by its bound, unit or counted noun and conversion."""
    bound = _BOUND.search(text, max(0, start - _BOUND_REACH), start)
    if bound is not None:
        start = bound.start()
    if kind == "date" or core.endswith("%") or core.lower().endswith("cent") or core.endswith("-old"):
        return start, end
    if kind == "money":
        rate = _RATE.match(text, end)
        return start, rate.end() if rate is not None else end
    if kind == "ordinal":
        noun = _noun_words(text, end, 1)
        return (start, noun[0][1]) if noun and noun[0][2].islower() else None
    year = kind == "number" and _YEAR_ONLY.fullmatch(core) is not None
    more = _MORE.match(text, end) if not year else None
    words = _noun_words(text, more.end() if more is not None else end, 3)
    last_word = core.split()[-1].lower() if core.split() else ""
    if words and words[0][2].lower() in _UNITS and not year and more is None:
        end = words[0][1]
        unit = words[0][2].lower()
    else:
        count = _counted(words, plural_only=year, singular="-" in core)
        if count is None:
            if core.lower() == "one":
                return None
            if kind == "words" and core[:1].isupper() and bound is None and not is_sentence_start(text, start):
                return None  # a number word capitalised inside a sentence is a name's ("World War Two")
            unit = last_word
        else:
            end = words[count - 1][1]
            unit = words[count - 1][2].lower()
    conversion = _CONVERSION.match(text, end)
    if conversion is not None:
        end = conversion.end()
    attached_unit = kind == "number" and core[-1:].isalpha()  # "500kg"
    if unit in _MEASURES or unit in _UNITS or last_word in _MEASURES or attached_unit:
        of = _OF.match(text, end)
        if of is not None:
            after = _noun_words(text, of.end(), 3)
            if after:
                count = next((i + 1 for i, (_, _, word) in enumerate(after) if is_plural(word)), len(after))
                end = after[count - 1][1]
    rate = _RATE.match(text, end)
    return start, rate.end() if rate is not None else end


def quantities_in(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Every quantity whose number lies in text[lo:hi], in reading order, none overlapping."""
    found: list[tuple[int, int]] = []
    for match in _CORE.finditer(text, lo, hi):
        kind = match.lastgroup or "number"
        extended = _extend(text, match.start(), match.end(), kind, match.group())
        if extended is None:
            continue
        if found and extended[0] < found[-1][1]:
            continue  # a counted noun that is itself a number word ("hundreds" after "two")
        found.append(extended)
    return found


def quantity_at(text: str, offset: int) -> tuple[int, int] | None:
    """The quantity containing offset (or ending just before it), None if there is none."""
    if not text:
        return None
    lo, hi = line_window(text, offset)
    found = quantities_in(text, lo, hi)
    for start, end in found:
        if start <= offset < end:
            return start, end
    for start, end in found:
        if end == offset:
            return start, end
    return None
