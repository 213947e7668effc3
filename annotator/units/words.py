"""Word tokens and word lists the unit finders share.

Every finder here works on a window of the text around the offset it is asked about
(a line, or a few thousand characters), never on the whole article, so a key costs the
same at the end of a 200,000-character article as at its start.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from annotator.text import _ABBREVIATIONS, _abbreviation_before

# A word: letters and digits, with an apostrophe, full stop, comma or hyphen inside
# it ("don't", "U.S", "3,000", "well-known"); a currency sign may lead ("$10,000").
WORD = re.compile(r"[$€£¥]?[^\W_](?:\w|['’.,\-](?=[^\W_]))*")
# A word for names: like WORD without commas (a comma between names is a boundary).
NAME_WORD = re.compile(r"[^\W_](?:\w|['’.&\-](?=[^\W_]))*")

WINDOW = 1500  # how far a finder looks either side of the offset inside a long line

SENTENCE_STARTERS = frozenset(
    """
    the a an in on at by for from with to of and but or nor so yet as if when while after
    before since until though although because this that these those it its he she they we
    i you his her their our my your there here what which who whom whose where why how yes
    no not all some many several most more much few other others another each every both
    either neither such one two three four five six seven eight nine ten first last earlier
    later meanwhile however also additionally moreover furthermore still then now today
    yesterday instead unlike like given following according despite during amid among apart
    officials authorities police experts critics analysts residents sources reports news
    read sign subscribers dear once thank please do does did is are was were be has have had
    """.split()
)

# Capitalised words that are never part of a name, wherever they stand (headlines).
NEVER_IN_NAME = frozenset(
    """I It He She We They You Is Are Was Were Be Has Have Had Says Said Will Would A An His Her Its
    Their Our My Your This That These Those There Here But And Or""".split()
)
# Dates are quantities, not names (see quantities.py), so months and weekdays never
# start or join a name ("IntelliNews July 7" gives "IntelliNews").
CALENDAR_WORDS = frozenset(
    """January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()
)

REPORTING_VERBS = (
    "said",
    "says",
    "told",
    "announced",
    "claimed",
    "claims",
    "reported",
    "stated",
    "added",
    "alleged",
    "insisted",
    "warned",
    "argued",
    "noted",
    "explained",
    "confirmed",
    "denied",
    "acknowledged",
    "believes",
    "suggested",
    "continued",
)

_OPENERS = "\"'“‘«‹([{"


def span_range(item: Any) -> tuple[int, int]:
    """(start, end) of a tagged span given as a pair or as anything with .start and .end."""
    if isinstance(item, tuple | list):
        return int(item[0]), int(item[1])
    return int(item.start), int(item.end)


def ranges(tagged: Iterable[Any]) -> list[tuple[int, int]]:
    """Tagged spans as sorted (start, end) pairs."""
    return sorted(span_range(item) for item in tagged)


def line_window(text: str, offset: int, reach: int = WINDOW) -> tuple[int, int]:
    """The line around offset, cut to `reach` characters either side at white space.

    Units never cross a line break, so the line is all a finder needs; the cut keeps a
    single 200,000-character line cheap.
    """
    offset = min(max(offset, 0), len(text))
    start = text.rfind("\n", max(0, offset - reach), offset) + 1
    if start == 0 and offset - reach > 0:
        start = offset - reach
        space = text.find(" ", start, offset)
        start = space + 1 if space != -1 else start
    end = text.find("\n", offset, offset + reach)
    if end == -1:
        end = min(len(text), offset + reach)
        if end < len(text):
            space = text.rfind(" ", offset, end)
            end = space if space != -1 else end
    return start, end


def is_sentence_start(text: str, start: int) -> bool:
    """Whether the word at start opens a sentence, a line or a quotation after one."""
    i = start
    while i > 0 and (text[i - 1] in " \t\r\u00a0" or text[i - 1] in _OPENERS):
        i -= 1
    if i == 0 or text[i - 1] == "\n":
        return True
    char = text[i - 1]
    if char in "!?…:":
        return True
    if char == ".":
        begin = i - 1
        while begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] == "."):
            begin -= 1
        word = text[begin : i - 1].lower()
        return not (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()))
    return False


def abbreviation_end(text: str, start: int, end: int) -> int:
    """end, or end + 1 when a full stop there belongs to the word ("U.S.", "Inc.")."""
    if end < len(text) and text[end] == "." and _abbreviation_before(text, start, end):
        return end + 1
    return end


def is_plural(word: str) -> bool:
    """A plural noun by its ending: "deaths", "rifles", "gunmen", "police"."""
    lower = word.lower()
    if lower in {"people", "police", "children", "personnel", "staff", "troops", "data", "feet", "cattle", "men", "women"}:
        return True
    if lower.endswith("men") and len(lower) > 3:
        return True
    return len(lower) > 3 and lower.endswith("s") and not lower.endswith(("ss", "us", "is", "'s", "’s"))


def covered(candidate: tuple[int, int], tagged: Sequence[tuple[int, int]]) -> bool:
    """Whether a tagged span already stands for this candidate.

    A tag overlapping the candidate and not much longer than it (at most twice its
    length plus ten characters) is the candidate tagged, perhaps with an edge moved; a
    claim around a name is not a tag of the name, so the name is still worth a visit.
    """
    start, end = candidate
    limit = 2 * (end - start) + 10
    # tagged is sorted; a tag short enough to count starts at most `limit` before start.
    for index in range(bisect_left(tagged, (start - limit, -1)), len(tagged)):
        tag_start, tag_end = tagged[index]
        if tag_start >= end:
            break
        if tag_end > start and tag_end - tag_start <= limit:
            return True
    return False
