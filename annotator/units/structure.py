"""Sentences, claims, clauses, quotations, paragraphs and reported content.

Everything a claim tag wants is trimmed as a word selection is (text.trim_to_words):
closing punctuation and closing quote marks are left out, and an opening quote mark is
left out when its partner is.
"""

from __future__ import annotations

import re

from annotator.text import _in_word, sentence_at, trim, trim_to_words
from annotator.units.words import REPORTING_VERBS, WINDOW, line_window

_CONJUNCTIONS = (
    "and but or while although though because whereas which who where when so yet as after before since "
    "until unless if noting saying adding"
).split()
_CONJUNCTION_WORDS = "|".join(_CONJUNCTIONS)
_VERBS = "|".join(REPORTING_VERBS)
# Where a clause ends, as (end of the left clause, start of the right one).
_BOUNDARY = re.compile(
    rf"""
    (?P<cut>[;:]|\s[—–-]{{1,2}}\s|—|--)\s*
  | (?P<comma>,["”’']?)\s+(?=(?:{_CONJUNCTION_WORDS})\b|(?:[\w’'-]+\s+){{0,3}}?(?:{_VERBS}|according)\b)
  | \b[Aa]ccording[ \u00a0]+to[ \u00a0][^,.;:\n]{{1,80}}(?P<according>,)\s+
  | \b(?:{_VERBS})(?:[ \u00a0]+[\w.’'-]+){{0,4}}?[ \u00a0]+that(?P<that>\s+)
    """,
    re.VERBOSE,
)
# Where a word may start (checked with _in_word): anything but white space and common punctuation.
_WORDISH = re.compile(r"[^\s\"'“”‘’«»‹›„()\[\]{}.,;:!?…—–\-/\\*&]")
_QUOTE_PAIRS = {"“": "”", "«": "»", "‹": "›", "„": "“"}
_QUOTE_CHARS = re.compile("[\"“”«»‹›„‘’]")
# Words after which "that" opens reported content, besides the reporting verbs.
_THAT_WORDS = "say|agree|agreed|know|knows|knew|believe|believed|stressed|speculation|report|reports|shows|showed|admitted|revealed|found"
_REPORTED = re.compile(
    rf"\b(?:(?P<according>[Aa]ccording\s+to)|(?P<verb>{_VERBS}|{_THAT_WORDS}))\b",
)
_DAY_AFTER_VERB = re.compile(r"[ \u00a0]+on[ \u00a0]+[A-Z]\w+[ \u00a0]+")
# Verbs whose object is what was reported even without "that" ("said the plot failed");
# the others report only through "that" ("denied these claims" is not a claim).
_DIRECT = frozenset("said says say added stated claimed claims insisted argued believes".split())
_THAT_REACH = re.compile(r",?(?:[ \u00a0]+[\w’'.,-]+){0,8}?[ \u00a0]+that[ \u00a0]+")


def _sentence_bounds(text: str, offset: int) -> tuple[int, int] | None:
    """The sentence around offset, with its closing punctuation (text.sentence_at)."""
    return sentence_at(text, offset)


def sentence_span(text: str, offset: int) -> tuple[int, int] | None:
    """The sentence at offset, closing punctuation and closing quotes left out."""
    found = _sentence_bounds(text, offset)
    return None if found is None else trim_to_words(text, *found)


def _word_start(text: str, offset: int) -> int:
    """The start of the word holding offset, or of the next word when offset is between words."""
    if offset < len(text) and _in_word(text, offset):
        limit = max(0, offset - WINDOW)  # a "word" of 200,000 letters is cut, not walked
        while offset > limit and _in_word(text, offset - 1):
            offset -= 1
        return offset
    # next_word_start walks a character at a time; a regex jumps a run of blank lines.
    candidate = _WORDISH.search(text, offset)
    while candidate is not None and not _in_word(text, candidate.start()):
        candidate = _WORDISH.search(text, candidate.start() + 1)
    return len(text) if candidate is None else candidate.start()


def claim_from(text: str, offset: int) -> tuple[int, int] | None:
    """From the word at offset to the end of what is claimed, closing punctuation left out.

    That is the end of the sentence, or earlier where the claim visibly ends: the closing
    quote mark of a quotation the claim starts in ('“Islamic State is a true enemy of
    Islam,” he said'), the bracket closing one it starts in, an attribution after a
    comma (", the GKNB said"), a concessive clause (", though authorities denied"), ",
    leading to", ", and said", a dash or a semicolon. The whole sentence is one grow
    away. Between words, the claim starts at the next word; None on blank text or past
    the last word.
    """
    if not text:
        return None
    start = _word_start(text, min(max(offset, 0), len(text)))
    if start >= len(text):
        return None
    sentence = _sentence_bounds(text, start)
    if sentence is None:
        return None
    start = max(start, sentence[0])
    end = sentence[1]
    quoted = _enclosing_quotation(text, start)
    if quoted is not None and quoted[1] < end:
        end = quoted[1]
    bracket = _enclosing_bracket(text, start, end)
    if bracket is not None:
        end = bracket
    stop = _CLAIM_STOP.search(text, start, end)
    if stop is not None and stop.start() > start:
        end = stop.start()
    return trim_to_words(text, start, end)


# Where a claim stops before its sentence does (see claim_from).
_CLAIM_STOP = re.compile(
    rf"""
    ,["”’']?[ \u00a0]+(?:[\w’'.-]+[ \u00a0]+){{0,6}}?(?:{_VERBS}|read|wrote)\b
  | [,;][ \u00a0]+(?:though|although|whereas|leading[ \u00a0]+to)\b
  | ,[ \u00a0]+and[ \u00a0]+(?:[\w’'-]+[ \u00a0]+){{0,2}}?(?:{_VERBS}|report|reports)\b
  | [ \u00a0][–—-]{{1,2}}[ \u00a0] | — | ;
    """,
    re.VERBOSE,
)


def _enclosing_quotation(text: str, offset: int) -> tuple[int, int] | None:
    """(opening mark, closing mark) of the innermost quotation around offset on its line."""
    pairs = [(open_, close) for open_, close in _quote_pairs(text, offset) if open_ < offset <= close]
    return max(pairs) if pairs else None


def _enclosing_bracket(text: str, start: int, end: int) -> int | None:
    """Offset of the ")" closing a bracket opened before start in the same sentence, if any."""
    depth = 0
    for index in range(start, end):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return index
            depth -= 1
    return None


def _cuts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause boundaries inside text[start:end] as (left end, right start) pairs."""
    cuts: list[tuple[int, int]] = []
    for match in _BOUNDARY.finditer(text, start, end):
        if match.group("comma") is not None:
            cuts.append((match.start(), match.end()))
        elif match.group("according") is not None:
            cuts.append((match.start("according"), match.end()))
        elif match.group("that") is not None:
            cuts.append((match.start("that"), match.end()))
        else:
            cuts.append((match.start(), match.end()))
    return cuts


def clause_at(text: str, offset: int) -> tuple[int, int] | None:
    """The clause at offset: the stretch of its sentence between clause boundaries.

    Boundaries: ";", ":", dashes, a comma before a conjunction ("and", "which", "while"
    ...) or before a reporting verb a few words on (", the GKNB said"), the comma ending
    "According to X,", and the "that" after a reporting verb ("said that ..." starts a
    clause after "that").
    """
    sentence = _sentence_bounds(text, offset)
    if sentence is None:
        return None
    start, end = sentence
    offset = min(max(offset, start), end - 1)
    # A run-on "sentence" (a page with no full stops) is cut only near the offset.
    start, end = max(start, offset - WINDOW), min(end, offset + WINDOW)
    left, right = start, end
    for cut_left, cut_right in _cuts(text, start, end):
        if cut_right <= offset:
            left = cut_right
        elif cut_left > offset or (cut_left <= offset < cut_right and cut_left > left):
            if cut_left <= offset:  # offset on the boundary itself: the clause before it
                right = cut_left
                break
            right = cut_left
            break
    found = trim_to_words(text, left, right)
    return found if found is not None else trim_to_words(text, start, end)


def _quote_pairs(text: str, offset: int) -> list[tuple[int, int]]:
    """(opening mark, closing mark) of every quotation on the line around offset."""
    lo, hi = line_window(text, offset, reach=4000)
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    straight: int | None = None
    for match in _QUOTE_CHARS.finditer(text, lo, hi):
        index = match.start()
        char = match.group()
        if char == '"':
            if straight is None:
                straight = index
            else:
                pairs.append((straight, index))
                straight = None
            continue
        if char in "‘’":
            inside_word = 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum()
            if inside_word:
                continue
            if char == "‘" and (index == 0 or not text[index - 1].isalnum()):
                stack.append(("’", index))
                continue
        if stack and stack[-1][0] == char:
            pairs.append((stack.pop()[1], index))
            continue
        if char in _QUOTE_PAIRS:
            stack.append((_QUOTE_PAIRS[char], index))
        elif char == "”" and stack:
            # a closing mark without its own opener closes the innermost open quotation
            pairs.append((stack.pop()[1], index))
    return pairs


def quotation_at(text: str, offset: int) -> tuple[int, int] | None:
    """The text between the quote marks around offset (innermost), quote marks excluded.

    Quotations are paired within a line: curly “ ”, ‘ ’ (an apostrophe inside a word is
    not a quote mark), « », ‹ › and straight double quotes in order. The inside is
    trimmed as a word selection is, so a trailing comma inside the marks is left out.
    """
    if not text:
        return None
    pairs = _quote_pairs(text, offset)
    inside = [(open_, close) for open_, close in pairs if open_ <= offset <= close]
    if not inside:
        return None
    open_, close = max(inside)
    found = trim(text, open_ + 1, close)
    if found is None:
        return None
    return trim_to_words(text, *found) or found


def paragraph_at(text: str, offset: int) -> tuple[int, int] | None:
    """The line around offset (articles keep a paragraph on a line), trimmed as a claim is."""
    if not text:
        return None
    offset = min(max(offset, 0), len(text))
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return trim_to_words(text, start, len(text) if end == -1 else end)


def _quoted_sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """A claim for each sentence inside a quotation opening in text[lo:hi] (three words or more)."""
    found: list[tuple[int, int]] = []
    seen: set[int] = set()
    for mark in _QUOTE_CHARS.finditer(text, lo, hi):  # only lines holding a quote mark
        position = max(lo, text.rfind("\n", lo, mark.start()) + 1)
        if position in seen:
            continue
        seen.add(position)
        line_end = text.find("\n", position, hi)
        line_end = hi if line_end == -1 else line_end
        for open_, close in _quote_pairs(text, position):
            if not position <= open_ < line_end or close - open_ < 12:
                continue
            start = open_ + 1
            while start < close:
                start = _word_start(text, start)
                if start >= close:
                    break
                claim = claim_from(text, start)
                sentence = _sentence_bounds(text, start)
                if claim is not None and claim[1] - claim[0] >= 12 and text.count(" ", *claim) >= 2:
                    found.append(claim)
                if sentence is None or sentence[1] <= start:
                    break
                start = sentence[1]
    return found


def reported_in(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Reported content in text[lo:hi]: what follows a reporting verb, and quoted sentences.

    "said that X", "told IWPR that X", "announced on July 5 that X", "agreed that X",
    "speculation that X": X (as claim_from ends it); "according to the GKNB, X": X;
    "said X" and "say X" with X a plain word: X ("said on Friday X" skips the day). A
    verb followed by punctuation ('," he said.') reports nothing after it. Every
    sentence inside a quotation is reported content too.
    """
    found: list[tuple[int, int]] = _quoted_sentences(text, lo, hi)
    for match in _REPORTED.finditer(text, lo, hi):
        after = match.end()
        if match.group("according"):
            sentence = _sentence_bounds(text, match.start())
            if sentence is None:
                continue
            comma = text.find(",", after, min(sentence[1], after + 80))
            if comma == -1:
                continue
            claim = claim_from(text, comma + 1)
        else:
            that = _THAT_REACH.match(text, after)
            if that is not None and "\n" not in that.group() and not re.search(r"[.;:!?]\s", that.group()):
                claim = claim_from(text, that.end())
            elif match.group("verb") not in _DIRECT or after >= len(text) or text[after] not in " \u00a0":
                continue
            else:
                day = _DAY_AFTER_VERB.match(text, after)
                claim = claim_from(text, day.end() if day is not None else after + 1)
        if claim is None or claim[0] < after or " " not in text[claim[0] : claim[1]].replace("\u00a0", " "):
            continue
        sentence = _sentence_bounds(text, match.start())
        if sentence is None or claim[0] >= sentence[1]:
            continue
        found.append(claim)
    return sorted(set(found))
