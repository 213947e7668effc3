"""Finding an article's headline and cutting the site chrome scraped around it.

Scraped news pages open with banners ("×", "Enjoying ad-free content?") and close with
newsletter, donation and subscription prompts. Plain-text imports drop that chrome
before any offset exists, so it never distracts an analyst or reaches training data.
The rules are deliberately conservative: a leading block is only dropped when it
carries a chrome marker, and a trailing block only from a marker line in the second
half of the article. `annotator import --keep-chrome` turns cleaning off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEAD_MARKERS = re.compile(
    r"^[×✕✖xX]$|ad-free|advertis|support us|your support|donat|subscribe|newsletter|cookie"
    r"|sign (up|in)|log ?in\b|we need your help|skip to (main )?content|menu$",
    re.IGNORECASE,
)

_TAIL_MARKERS = re.compile(
    r"^(dismiss|read more|facebook comments|comments|share( this)?( article)?|related( articles| stories)?"
    r"|more from .*|most read|recommended|advertisement|tags:.*|follow us.*|uncommon knowledge"
    r"|about the (writer|author)|sign up for .*|subscribe( now| today| to .*)?|a message from .*"
    r"|dear readers,?|support (us|our journalism).*|do you have a story.*|to read how .* click here\.?"
    r"|newsweek cover|©.*|copyright ©?.*|all rights reserved.*)$",
    re.IGNORECASE,
)

_TERMINAL_PUNCTUATION = tuple(".!?:;,")


@dataclass(frozen=True)
class CleanedArticle:
    text: str
    title: str
    head_removed: int
    tail_removed: int


_MARKDOWN_HEADING = re.compile(r"^#{1,6}[ \t]+")


def headline_text(line: str) -> str:
    """The line as a title: trimmed, without a Markdown heading's leading #s."""
    return _MARKDOWN_HEADING.sub("", line.strip()).strip()


def reads_as_headline(line: str) -> bool:
    """Three to thirty words, starts with a capital or digit, no closing punctuation, no chrome."""
    line = headline_text(line)
    words = line.split()
    if not 3 <= len(words) <= 30 or len(line) > 250:
        return False
    if line.endswith(_TERMINAL_PUNCTUATION) or _HEAD_MARKERS.search(line) or _TAIL_MARKERS.match(line):
        return False
    first = line[0]
    return (first.isupper() or first.isdigit() or first in "\"'“‘") and any(c.isalpha() for c in line)


def find_title(text: str, fallback: str = "") -> str:
    """The first line that reads as a headline, else the first non-blank line, shortened."""
    for line in text.split("\n")[:60]:
        if reads_as_headline(line):
            return headline_text(line)
    for line in text.split("\n"):
        if headline_text(line):
            stripped = headline_text(line)
            return stripped if len(stripped) <= 120 else stripped[:119].rstrip() + "…"
    return fallback


def clean_article(text: str) -> CleanedArticle:
    """Drop leading and trailing site chrome; text must already be canonical."""
    lines = text.split("\n")
    head = _headline_index(lines)
    if head is not None and head > 0 and any(_HEAD_MARKERS.search(l.strip()) for l in lines[:head] if l.strip()):
        start_line = head
    else:
        start_line = 0
    end_line = _tail_cut(lines, start_line)
    kept = "\n".join(lines[start_line:end_line]).strip("\n")
    kept = "\n".join(line.rstrip() for line in kept.split("\n")) if kept else kept
    head_chars = len("\n".join(lines[:start_line]))
    tail_chars = len("\n".join(lines[end_line:]))
    return CleanedArticle(kept, find_title(kept), head_chars, tail_chars)


def _headline_index(lines: list[str]) -> int | None:
    for index, line in enumerate(lines[:40]):
        if reads_as_headline(line):
            return index
    return None


def _tail_cut(lines: list[str], start_line: int) -> int:
    """Index of the first line of trailing chrome (len(lines) when there is none)."""
    total = sum(len(line) + 1 for line in lines)
    position = 0
    cut = len(lines)
    for index, line in enumerate(lines):
        if index > start_line + 2 and position > total / 2 and _TAIL_MARKERS.match(line.strip()):
            cut = index
            break
        position += len(line) + 1
    if cut == len(lines):
        return cut
    # Short label-like lines just above the marker ("News" above "Dismiss") go with it.
    while cut > start_line + 1:
        previous = lines[cut - 1].strip()
        if previous and (len(previous.split()) > 3 or previous.endswith(_TERMINAL_PUNCTUATION)):
            break
        cut -= 1
    return cut
