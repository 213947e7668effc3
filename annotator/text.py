"""Canonical text, display-safe text and the word/sentence boundaries selections snap to.

Offsets everywhere in annotator are Python code points into the *canonical* text, end
exclusive. Canonicalisation happens once, at import, before any offset exists.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_right

BOM = "\ufeff"

# Everything str.splitlines() treats as a line break becomes "\n", so that a line in
# the stored text is a line on screen and offsets never depend on the break style.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def canonicalize(text: str) -> str:
    """Return the text offsets will point into: no BOM, every line break a "\\n"."""
    if text.startswith(BOM):
        text = text[1:]
    return _LINE_BREAKS.sub("\n", text)


def content_hash(text: str) -> str:
    """sha256 of the canonical text; identifies a document across databases."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _placeholder(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟, the Control Pictures block
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def _build_display_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in list(range(0x00, 0x20)) + [0x7F] + list(range(0x80, 0xA0)):
        if code == 0x0A:
            continue
        table[code] = _placeholder(chr(code))
    table[0x09] = " "  # a tab shows as one blank cell so one character stays one cell
    # Bidirectional overrides and isolates reorder what the terminal draws.
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C):
        table[code] = "\ufffd"
    table[0x2028] = "\u21b5"
    table[0x2029] = "\u21b5"
    return table


_DISPLAY_TABLE = _build_display_table()
_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in _DISPLAY_TABLE) + "]")


def display_safe(text: str, keep_newlines: bool = True) -> str:
    """Map control characters to visible placeholders, one character for one.

    ESC, OSC and CSI sequences in an article must never reach the terminal, and the
    result has the same length as the input so stored offsets stay valid on screen.
    """
    if not _UNSAFE.search(text) and (keep_newlines or "\n" not in text):
        return text
    out = text.translate(_DISPLAY_TABLE)
    if not keep_newlines:
        out = out.replace("\n", "\u21b5")
    return out


def one_line(text: str, limit: int = 0) -> str:
    """Text for a single-line cell (lists, notifications): safe, newlines shown as ↵."""
    text = display_safe(text, keep_newlines=False)
    if limit and len(text) > limit:
        text = text[: max(1, limit - 1)] + "…"
    return text


# What json.dumps(..., ensure_ascii=False) leaves raw that a terminal may act on: DEL,
# the C1 controls (0x9b is CSI, 0x9d OSC) and the characters display_safe hides.
_JSON_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in _DISPLAY_TABLE if c >= 0x7F) + "]")


def json_for_terminal(dumped: str) -> str:
    """JSON text for the terminal: what json.dumps left raw becomes a \\uXXXX escape.

    json.dumps escapes C0 controls but not DEL, the C1 controls or bidirectional
    overrides; those only occur inside strings, where \\uXXXX means the same character,
    so the JSON still parses to the same values.
    """
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", dumped)


_CHARACTER_NAMES = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    "\x1b": "an escape character",
    "\x07": "a bell character",
    "\x00": "a NUL character",
}


def describe_char(char: str) -> str:
    """A character a name may not hold, in words a user can act on ("a tab (U+0009)")."""
    code = f"U+{ord(char):04X}"
    if char in _CHARACTER_NAMES:
        return f"{_CHARACTER_NAMES[char]} ({code})"
    category = unicodedata.category(char)
    if category == "Cc":
        return f"a control character ({code})"
    if category in ("Zl", "Zp"):
        return f"a line or paragraph separator ({code})"
    if category == "Zs":
        return f"white space other than a plain space ({code})"
    if category == "Cf":
        return f"an invisible formatting character ({code})"
    if category == "Cs":
        return f"a lone surrogate ({code})"
    return f"a character that cannot be shown ({code})"


class LineIndex:
    """Maps offsets to (line, column) and back without a list of every line start.

    Only the number of line breaks in each fixed chunk of the text is kept (str.count
    runs at C speed: about 20 ms for 100 MB); a chunk's line starts are listed when a
    question needs them, and only a few chunks' lists are kept. A 100 MB article with
    millions of lines costs kilobytes here, not a list of millions of ints.
    """

    CHUNK = 1 << 16
    _KEEP = 64  # chunks whose line starts stay listed

    def __init__(self, text: str) -> None:
        self.text = text
        self.length = len(text)
        chunk = self.CHUNK
        before = [0]  # line breaks before each chunk (and in all, last)
        total = 0
        for start in range(0, len(text), chunk):
            total += text.count("\n", start, start + chunk)
            before.append(total)
        self._before = before
        self.line_count = total + 1
        self._breaks: dict[int, list[int]] = {}

    @property
    def starts(self) -> list[int]:
        """Every line start: linear in the number of lines (for small texts and tests)."""
        starts = [0]
        for chunk in range(len(self._before) - 1):
            starts.extend(position + 1 for position in self._chunk_breaks(chunk))
        return starts

    def _chunk_breaks(self, chunk: int) -> list[int]:
        """Offsets of the line breaks inside one chunk."""
        found = self._breaks.get(chunk)
        if found is None:
            start = chunk * self.CHUNK
            end = min(start + self.CHUNK, self.length)
            found = []
            find = self.text.find
            position = find("\n", start, end)
            while position != -1:
                found.append(position)
                position = find("\n", position + 1, end)
            if len(self._breaks) >= self._KEEP:
                del self._breaks[next(iter(self._breaks))]
            self._breaks[chunk] = found
        return found

    def line_of(self, offset: int) -> int:
        """The line holding offset: the line breaks before it."""
        offset = min(max(offset, 0), self.length)
        chunk = offset // self.CHUNK
        return self._before[chunk] + self.text.count("\n", chunk * self.CHUNK, offset)

    def line_start(self, line: int) -> int:
        if line <= 0:
            return 0
        line = min(line, self.line_count - 1)
        # The chunk holding the line break that ends line - 1.
        chunk = bisect_right(self._before, line - 1) - 1
        return self._chunk_breaks(chunk)[line - 1 - self._before[chunk]] + 1

    def location(self, offset: int) -> tuple[int, int]:
        line = self.line_of(offset)
        return line, offset - self.line_start(line)

    def offset(self, line: int, column: int) -> int:
        return self.line_start(line) + column

    def line_end(self, line: int) -> int:
        """Offset of the "\\n" ending this line (or the end of the text)."""
        if line + 1 < self.line_count:
            return self.line_start(line + 1) - 1
        return self.length


def is_word_char(char: str) -> bool:
    """Letters, digits, marks and connectors belong to words ("U.S." is split, "3,000" is kept)."""
    if char.isalnum() or char == "_":
        return True
    category = unicodedata.category(char)
    return category[0] == "M" or category in ("Pc", "So", "Sk")  # marks, emoji parts


_JOINERS = frozenset("'’-.,%$€£¥\u200d")


def _in_word(text: str, index: int) -> bool:
    """A joiner inside a word (don't, 3,000, 4.5, well-known) keeps the word whole."""
    char = text[index]
    if is_word_char(char):
        return True
    # A currency sign before a digit and a per cent sign after one belong to the
    # amount: "$10,000" and "45%" are one word each, as a QUANTITY tag wants them.
    if char in "$€£¥" and index + 1 < len(text) and text[index + 1].isdigit():
        return True
    if char == "%" and index > 0 and text[index - 1].isdigit():
        return True
    if char in _JOINERS and 0 < index < len(text) - 1:
        return is_word_char(text[index - 1]) and is_word_char(text[index + 1])
    return False


def _raw_word(text: str, offset: int) -> tuple[int, int] | None:
    """The run of word characters around offset, joiners and all ("Kyrgyzstan's", "U.S")."""
    if not text:
        return None
    offset = min(max(offset, 0), len(text) - 1)
    if not _in_word(text, offset):
        if offset > 0 and _in_word(text, offset - 1):
            offset -= 1
        else:
            return None
    start = offset
    while start > 0 and _in_word(text, start - 1):
        start -= 1
    end = offset + 1
    while end < len(text) and _in_word(text, end):
        end += 1
    return start, end


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The word containing offset (or just after it); None on blank text.

    What a tag wants of a word: a possessive is left out ("Kyrgyzstan's" gives
    "Kyrgyzstan"), the full stop of an abbreviation is kept ("U.S.", "Inc.").
    """
    found = _raw_word(text, offset)
    if found is None:
        return None
    start, end = found
    if _possessive_end(text, start, end):
        end -= 2
    if end < len(text) and text[end] == "." and _abbreviation_before(text, start, end):
        end += 1
    return start, end


def next_word_start(text: str, offset: int) -> int:
    """Offset of the start of the next word (ctrl+right)."""
    n = len(text)
    i = offset
    while i < n and _in_word(text, i):
        i += 1
    while i < n and not _in_word(text, i):
        i += 1
    return i


def previous_word_start(text: str, offset: int) -> int:
    """Offset of the start of this or the previous word (ctrl+left)."""
    i = offset
    while i > 0 and not _in_word(text, i - 1):
        i -= 1
    while i > 0 and _in_word(text, i - 1):
        i -= 1
    return i


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)|\n\s*\n|\n")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc inc ltd co corp gen col lt sgt rep sen gov u.s u.k e.g i.e no jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def sentence_at(text: str, offset: int) -> tuple[int, int] | None:
    """The sentence around offset: bounded by ., ! or ? before a space, or a line break.

    Sentence ends are looked for from a little before offset, not from the top of the
    article, so `s` costs the same at the end of a 100 MB article as at its start
    (see _scan_origin for why the answer is the same).
    """
    if not text or text.isspace():
        return None
    offset = min(max(offset, 0), len(text) - 1)
    reach = _SENTENCE_REACH
    while True:
        found = _sentence_from(text, _scan_origin(text, offset - reach), offset)
        if found is not None:
            return trim(text, *found)
        reach *= 8


_SENTENCE_REACH = 2048  # how far before the cursor the search for a sentence starts
_ORIGIN_SPAN = 256
_RESUME = re.compile(r"\s(?=\S)")


def _scan_origin(text: str, before: int) -> int:
    """The last position at or before `before` where a scan for sentence ends may start.

    Just after white space and on a character that is not, no match of _SENTENCE_END
    can straddle the position (none holds white space followed by anything else), so
    finditer from there finds exactly the matches finditer from 0 finds after it.
    """
    high = before
    span = _ORIGIN_SPAN
    while high > 0:
        low = max(0, high - span)
        found = -1
        for match in _RESUME.finditer(text, low, min(len(text), high + 1)):
            found = match.end()
        if found != -1:
            return found
        high = low
        span *= 2
    return 0


def _sentence_from(text: str, origin: int, offset: int) -> tuple[int, int] | None:
    """The sentence around offset scanning from origin; None if origin is too late to tell.

    At the start of the text or of a line (origin follows a line break) the sentence
    starts at origin unless a sentence end follows; after a plain space it is known only
    once a sentence end between origin and offset is found.
    """
    start: int | None = origin if origin == 0 or text[origin - 1] == "\n" else None
    end = len(text)
    for match in _SENTENCE_END.finditer(text, origin):
        stop = match.end()
        if match.group().startswith(".") and _is_abbreviation(text, match.start()):
            continue
        if stop <= offset:
            start = stop
        else:
            if start is None:
                return None
            end = stop if match.group()[0] != "\n" else match.start()
            break
    if start is None:
        return None
    return start, end


def _is_abbreviation(text: str, dot: int) -> bool:
    begin = dot
    while begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:dot].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop leading and trailing white space; None if nothing is left.

    All that character precision removes: there the analyst decides every character.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    return start, end


# Brackets and quote marks that come in pairs. A pair is only dropped whole, so a
# selection never ends up with half of one ("Security (GKNB" from "Security (GKNB)").
_CLOSER_OF = {"(": ")", "[": "]", "{": "}", "“": "”", "‘": "’", "«": "»", "‹": "›"}
_OPENER_OF = {close: open_ for open_, close in _CLOSER_OF.items()}
_SAME_QUOTES = frozenset("\"'")
_APOSTROPHES = frozenset("'’")
# Full stops that belong to the word before them when a selection ends there.
# "no" is left out: "said no." ends a sentence far more often than it abbreviates "number".
_NAME_ABBREVIATIONS = (_ABBREVIATIONS - {"no"}) | frozenset("plc llc bros mt ft ave".split())
_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
_DECADE = re.compile(r"['’]\d\ds\b")
_AFTER_NUMBER = frozenset("%‰‱′″")


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _is_apostrophe(text: str, index: int) -> bool:
    """An apostrophe inside a word (don’t, O'Brien), not a quote mark."""
    return (
        text[index] in _APOSTROPHES
        and 0 < index < len(text) - 1
        and is_word_char(text[index - 1])
        and is_word_char(text[index + 1])
    )


def _possessive_end(text: str, start: int, end: int) -> bool:
    """Whether [start, end) ends with a possessive 's / ’s after a word character."""
    return (
        end - start >= 3
        and text[end - 1] in "sS"
        and text[end - 2] in _APOSTROPHES
        and is_word_char(text[end - 3])
        and (end == len(text) or not is_word_char(text[end]))
    )


def _abbreviation_before(text: str, start: int, dot: int) -> bool:
    """Whether text[dot] is the full stop of an abbreviation ending there ("U.S.", "Inc.")."""
    begin = dot
    while begin > start and (text[begin - 1].isalpha() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:dot]
    return bool(word) and (word.lower() in _NAME_ABBREVIATIONS or bool(_DOTTED.match(word)))


def _partner(text: str, start: int, end: int, index: int) -> int | None:
    """The index in [start, end) of the bracket or quote pairing with text[index].

    index is start (an opener, searched forwards) or end - 1 (a closer, backwards).
    """
    char = text[index]
    forward = index == start
    if char in _SAME_QUOTES:
        positions = range(index + 1, end) if forward else range(index - 1, start - 1, -1)
        return next((i for i in positions if text[i] == char and not _is_apostrophe(text, i)), None)
    if forward and char in _CLOSER_OF:
        opener, closer = char, _CLOSER_OF[char]
        positions = range(index + 1, end)
    elif not forward and char in _OPENER_OF:
        opener, closer = _OPENER_OF[char], char
        positions = range(index - 1, start - 1, -1)
    else:
        return None
    nested, ours = (opener, closer) if forward else (closer, opener)
    depth = 0
    for i in positions:
        if text[i] == nested and not _is_apostrophe(text, i):
            depth += 1
        elif text[i] == ours and not _is_apostrophe(text, i):
            if depth == 0:
                return i
            depth -= 1
    return None


def _keeps_first(text: str, start: int, end: int) -> bool:
    """Leading punctuation that belongs to what follows: #tag, @handle, -5, ’90s."""
    char = text[start]
    following = text[start + 1] if start + 1 < end else ""
    if char in "#@" and following and is_word_char(following):
        return True
    if char in "-‐‑" and following.isdigit():
        return True
    return char in _APOSTROPHES and bool(_DECADE.match(text, start, end))


def _keeps_last(text: str, start: int, end: int) -> bool:
    """Trailing punctuation that belongs to what precedes it: 45%, 5′, U.S., Inc."""
    char = text[end - 1]
    previous = text[end - 2] if end - 2 >= start else ""
    if char in _AFTER_NUMBER and previous.isdigit():
        return True
    return char == "." and _abbreviation_before(text, start, end - 1)


def trim_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop white space, punctuation and a possessive from both ends; None if nothing is left.

    A tag wants the name or the amount, not the comma, full stop, bracket, dash or quote
    mark around it, nor the 's after it. What belongs to the thing is kept: currency
    signs (never punctuation), "%", the full stop of "U.S." and "Inc.", and brackets and
    quotes whose partner is inside the selection ("Security (GKNB)").
    """
    while start < end:
        first, last = text[start], text[end - 1]
        if first.isspace():
            start += 1
            continue
        if last.isspace():
            end -= 1
            continue
        if _possessive_end(text, start, end):
            end -= 2
            continue
        drop_first = _is_punctuation(first) and not _keeps_first(text, start, end)
        if drop_first:
            partner = _partner(text, start, end, start)
            if partner == end - 1:  # "(GKNB)", “Kyrgyz Spring”: the pair goes together
                start, end = start + 1, end - 1
                continue
            drop_first = partner is None
        if drop_first:
            start += 1
            continue
        if _is_punctuation(last) and not _keeps_last(text, start, end) and _partner(text, start, end, end - 1) is None:
            end -= 1
            continue
        break
    if start >= end:
        return None
    return start, end


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Grow a selection to whole words, then end it on words (see trim_to_words)."""
    trimmed = trim(text, start, end)
    if trimmed is None:
        return None
    start, end = trimmed
    first = word_at(text, start) if _in_word(text, start) else None
    if first is not None:
        start = first[0]
    last = word_at(text, end - 1) if _in_word(text, end - 1) else None
    if last is not None and last[1] > start:
        end = last[1]
    return trim_to_words(text, start, end)


def resize_range(text: str, start: int, end: int, edge: str, direction: int, words: bool) -> tuple[int, int]:
    """Move one edge of [start, end) by a word (or a character): direction -1 is left, 1 right."""
    if edge == "start":
        if words:
            start = previous_word_start(text, start) if direction < 0 else next_word_start(text, start)
        else:
            start += direction
    elif direction > 0:
        if words:
            following = next_word_start(text, end)
            found = word_at(text, following)
            end = found[1] if found and found[0] >= end else following
        else:
            end += 1
    elif words:
        previous = previous_word_start(text, end - 1)
        found = word_at(text, max(previous - 1, 0))
        end = found[1] if found and found[1] <= previous else previous
    else:
        end -= 1
    return max(0, start), min(len(text), end)


def _joins_previous(text: str, index: int) -> bool:
    """Whether text[index] is drawn together with the character before it."""
    char = text[index]
    code = ord(char)
    if char in "\u200d\ufe0e\ufe0f" or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True
    if unicodedata.category(char).startswith("M"):
        return True
    if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators pair up into flags
        run = 0
        while index - run - 1 >= 0 and 0x1F1E6 <= ord(text[index - run - 1]) <= 0x1F1FF:
            run += 1
        return run % 2 == 1
    return index > 0 and text[index - 1] == "\u200d"


def next_grapheme(text: str, offset: int) -> int:
    """Offset after the visible character at offset (an emoji sequence or e + accent is one)."""
    i = min(offset + 1, len(text))
    while i < len(text) and _joins_previous(text, i):
        i += 1
    return i


def previous_grapheme(text: str, offset: int) -> int:
    """Offset of the visible character before offset."""
    i = max(offset - 1, 0)
    while i > 0 and _joins_previous(text, i):
        i -= 1
    return i
