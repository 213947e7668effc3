"""Names: the maximal capitalised phrase at an offset ("State Committee for National Security").

Rules, in the order they apply:
- A name is a run of capitalised words (or ALL-CAPS acronyms) on one line, separated by
  plain spaces. Any other punctuation between words (comma, bracket, quote) ends it.
- Lowercase connectors may sit inside a name, never at its edges: "of", "for", "the",
  "de", "van", "bin" ... ("State Committee for National Security"), at most two in a row
  ("Institute of the Americas"). "and" joins only a name that already holds "of" or
  "for" ("Institute for War and Peace Reporting"), so "Iraq and Syria" stays two names;
  "&" always joins ("Procter & Gamble").
- A hyphen joins capitalised parts ("Islamic State-Khorasan Province") and an Arabic
  article to what follows ("Eid al-Fitr", "Al-Azaim Foundation"), but two acronyms
  joined by a hyphen are two names ("NATO-CSTO" gives "NATO" or "CSTO"), and a
  lowercase part is left out ("Russian-language" gives "Russian").
- A possessive ends a name and is left out ("Kyrgyzstan's" gives "Kyrgyzstan").
- The first word of a sentence is a name only if it is not a common sentence starter
  ("The", "In", "Officials") and its lowercase form does not occur nearby ("Police
  said" when "police" appears in the article); pronouns and "Says"/"Said" are never in a
  name, so title-case headlines split at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from annotator.units.words import (
    NAME_WORD,
    CALENDAR_WORDS,
    NEVER_IN_NAME,
    SENTENCE_STARTERS,
    abbreviation_end,
    is_sentence_start,
    line_window,
)

CONNECTORS = frozenset("of for and the de du des da di del della van von der den la le bin ibn al el ul ut y".split())
_ARTICLE_PREFIXES = frozenset("al el ul ut ad ar as ash at az bin ibn abu".split())
_JOINS_WITH_AND = frozenset({"of", "for"})
_PLAIN_REACH = 3000  # how far to look for a lowercase use of a sentence's first word

_APOSTROPHE = re.compile("['’]")
_NAME, _CONNECTOR, _PREFIX, _OTHER = range(4)


@dataclass(frozen=True, slots=True)
class _Part:
    start: int
    end: int
    word: str
    link: str  # how it joins the part before: " " (spaces), "-" (hyphen) or "x" (anything else)
    possessive: bool


def _parts(text: str, lo: int, hi: int) -> list[_Part]:
    """The words of text[lo:hi], split at hyphens, with how each joins the one before."""
    parts: list[_Part] = []
    previous_end = -1
    for match in NAME_WORD.finditer(text, lo, hi):
        start, end = match.start(), match.end()
        word = match.group()
        possessive = len(word) > 2 and word[-2] in "'’" and word[-1] in "sS"
        if possessive:
            end -= 2
            word = word[:-2]
        if "." in word[-1:] or (end < len(text) and text[end] == "."):
            end = abbreviation_end(text, start, end)
            word = text[start:end]
        if previous_end < 0:
            link = "x"
        else:
            gap = text[previous_end:start]
            link = " " if gap and gap.strip(" \u00a0") == "" else ("&" if gap.strip(" \u00a0") == "&" else "x")
        pieces = word.split("-") if "-" in word else [word]
        offset = start
        for index, piece in enumerate(pieces):
            piece_end = offset + len(piece)
            parts.append(
                _Part(
                    offset,
                    piece_end,
                    piece,
                    link if index == 0 else "-",
                    possessive and index == len(pieces) - 1,
                )
            )
            offset = piece_end + 1
        previous_end = max(match.end(), end)  # past an abbreviation's full stop
    return parts


def _is_acronym(word: str) -> bool:
    letters = [char for char in word if char.isalpha()]
    return len(letters) >= 2 and all(char.isupper() for char in letters)


class _Classifier:
    """Sorts words into name words, connectors and the rest (caching the plain-word test)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._plain: dict[tuple[str, int], bool] = {}

    def is_plain_first_word(self, word: str, start: int) -> bool:
        """A sentence's first word that is an ordinary word capitalised by position."""
        lower = word.lower()
        if lower in SENTENCE_STARTERS:
            return True
        if _is_acronym(word) or not word[1:].islower():
            return False
        if lower.endswith(("ing", "ly", "ed")):  # "Explaining why ...", "Previously, ..."
            return True
        key = (lower, start // _PLAIN_REACH)
        found = self._plain.get(key)
        if found is None:
            lo = max(0, start - _PLAIN_REACH)
            pattern = re.compile(r"(?<![^\W_])" + re.escape(lower) + r"(?![^\W_])")
            found = pattern.search(self.text, lo, start + _PLAIN_REACH) is not None
            self._plain[key] = found
        return found

    def kind(self, parts: list[_Part], index: int) -> int:
        part = parts[index]
        word = part.word
        first = word[:1]
        following = parts[index + 1] if index + 1 < len(parts) else None
        if word.lower() in _ARTICLE_PREFIXES and following is not None and following.link == "-":
            return _PREFIX if following.word[:1].isupper() else _OTHER
        if first.isupper():
            base = _APOSTROPHE.split(word, 1)[0]  # "We’re" is "We"
            if base in NEVER_IN_NAME or word.rstrip(".") in CALENDAR_WORDS:
                return _OTHER
            if part.link != "-" and is_sentence_start(self.text, part.start) and self.is_plain_first_word(word, part.start):
                return _OTHER
            return _NAME
        if word in CONNECTORS:
            return _CONNECTOR
        return _OTHER


def _runs(text: str, parts: list[_Part]) -> list[tuple[int, int]]:
    """Every name among parts, as (first part, last part) index pairs."""
    classifier = _Classifier(text)
    kinds = [classifier.kind(parts, index) for index in range(len(parts))]
    runs: list[tuple[int, int]] = []
    n = len(parts)
    i = 0
    while i < n:
        starts_name = kinds[i] == _NAME or (kinds[i] == _PREFIX and i + 1 < n and kinds[i + 1] == _NAME)
        if not starts_name:
            i += 1
            continue
        last = i
        connectors_seen: set[str] = set()
        while last + 1 < n and not parts[last].possessive:
            following = last + 1
            link = parts[following].link
            if link == "x":
                break
            if link == "-":
                if kinds[following] == _NAME and (
                    kinds[last] == _PREFIX or not (_is_acronym(parts[last].word) and _is_acronym(parts[following].word))
                ):
                    last = following
                    continue
                break
            if link == "&" and kinds[following] == _NAME:
                last = following
                continue
            if kinds[following] == _NAME and link == " ":
                last = following
                continue
            # Connectors inside: up to two, then a name word (an article prefix counts).
            probe = following
            words: list[str] = []
            while probe < n and kinds[probe] == _CONNECTOR and parts[probe].link == " " and len(words) < 2:
                words.append(parts[probe].word)
                probe += 1
            if probe < n and kinds[probe] == _PREFIX and parts[probe].link == " ":
                joined = probe + 1 < n and kinds[probe + 1] == _NAME
                target = probe + 1
            else:
                joined = bool(words) and probe < n and kinds[probe] == _NAME and parts[probe].link == " "
                target = probe
            if joined and "and" in words and not (connectors_seen & _JOINS_WITH_AND):
                joined = False
            if not joined:
                break
            connectors_seen.update(words)
            last = target
        runs.append((i, last))
        i = last + 1
    return runs


_TITLES = frozenset(
    """President Minister Chancellor Senator Governor Mayor General Colonel Commander Chairman Chairwoman
    Director Secretary Ambassador King Queen Prince Princess Pope Sheikh Judge Speaker Spokesman
    Spokeswoman Deputy Sen. Rep. Gov. Gen. Col. Lt. Sgt. Mr. Mrs. Ms. Dr. Prof.""".split()
)
# A line of at most this many characters with this share of its words of four or more
# letters capitalised is a headline or caption ("Kyrgyzstan Says It Foiled Two Islamic
# State Attacks"); a byline ("Timur Toktonaliev is IWPR’s Kyrgyzstan editor.") is not.
_TITLE_LINE_SHARE = 0.85
_TITLE_LINE_LENGTH = 160


def _after_title(parts: list[_Part], first: int, last: int) -> int | None:
    """Where the person starts in a run like "Russian President Vladimir Putin", or None.

    The run is cut after its last title word when two or more capitalised words, and no
    connector, follow it: "Prime Minister Akylbek Zhaparov" gives "Akylbek Zhaparov";
    "President Putin" and "General Assembly" stay whole.
    """
    for index in range(last - 1, first - 1, -1):
        if parts[index].word in _TITLES:
            following = parts[index + 1 : last + 1]
            if len(following) >= 2 and all(part.word[:1].isupper() and part.link == " " for part in following):
                return index + 1
            return None
    return None


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end == -1 else end


def _is_title_line(text: str, start: int, end: int) -> bool:
    """A headline or caption in title case: most of its longer words capitalised."""
    if end - start > _TITLE_LINE_LENGTH:
        return False
    longer = [word for word in NAME_WORD.findall(text, start, end) if len(word) >= 4]
    if len(longer) < 3:
        return False
    return sum(word[:1].isupper() for word in longer) >= _TITLE_LINE_SHARE * len(longer)


def _named_elsewhere(text: str, phrase: str, line: tuple[int, int], cache: dict[tuple[int, int], bool]) -> bool:
    """Whether phrase occurs on another line that is not itself in title case."""
    position = text.find(phrase)
    while position != -1:
        after = position + len(phrase)
        bounded = (position == 0 or not text[position - 1].isalnum()) and (after == len(text) or not text[after].isalnum())
        if bounded and not line[0] <= position < line[1]:
            other = _line_bounds(text, position)
            if other not in cache:
                cache[other] = _is_title_line(text, *other)
            if not cache[other]:
                return True
        position = text.find(phrase, position + 1)
    return False


def _headline_names(text: str, parts: list[_Part], first: int, last: int, line: tuple[int, int], cache: dict[tuple[int, int], bool]) -> list[tuple[int, int]]:
    """The names inside a run of a title-case line: its longest pieces named in the body.

    In "Kyrgyzstan Says It Foiled Two Islamic State Attacks" every word is capitalised;
    "Islamic State" is a name because the article's body uses it, "Foiled Two" is not.
    """
    found: list[tuple[int, int]] = []
    index = first
    while index <= last:
        for stop in range(last, index - 1, -1):
            start, end = parts[index].start, parts[stop].end
            if _named_elsewhere(text, text[start:end], line, cache):
                found.append((start, end))
                index = stop + 1
                break
        else:
            index += 1
    return found


def names_in(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Every name in text[lo:hi] (lo and hi at word boundaries), in reading order."""
    parts = _parts(text, lo, hi)
    found: list[tuple[int, int]] = []
    title_lines: dict[tuple[int, int], bool] = {}
    for first, last in _runs(text, parts):
        line = _line_bounds(text, parts[first].start)
        if line not in title_lines:
            title_lines[line] = _is_title_line(text, *line)
        if title_lines[line]:
            found.extend(_headline_names(text, parts, first, last, line, title_lines))
            continue
        person = _after_title(parts, first, last)
        if person is not None:
            found.append((parts[first].start, parts[person - 1].end))
            found.append((parts[person].start, parts[last].end))
        else:
            found.append((parts[first].start, parts[last].end))
    return found


def name_at(text: str, offset: int) -> tuple[int, int] | None:
    """The name containing offset (or ending just before it); None when the word there is not one.

    A connector inside a name gives the whole name ("for" in "State Committee for
    National Security").
    """
    if not text:
        return None
    lo, hi = line_window(text, offset)
    found = names_in(text, lo, hi)
    for start, end in found:
        if start <= offset < end:
            return start, end
    for start, end in found:
        # just after the name, or on its possessive ("Kyrgyzstan's" with the cursor on "s")
        if end == offset or (end < offset <= end + 1 and text[end] in "'’"):
            return start, end
    return None
