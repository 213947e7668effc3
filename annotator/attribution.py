"""Proposing who a claim is attributed to, with which words, in which form and stance.

The analyst confirms or corrects the proposal; it only saves keystrokes, so it follows
plain rules a reader can predict (English news prose; other languages get no cue):

- **Cue**: the reporting words nearest the claim in its paragraph ("said", "told",
  "according to", "reportedly", "denied" ...), outside the claim and outside other
  quotations ("reportedly"/"allegedly" count inside the claim too). A cue in the
  claim's own sentence wins over one in a neighbouring sentence; a claim that is not a
  quotation looks no further than the next sentence either way, and "according to",
  "reportedly" and "allegedly" only qualify their own sentence.
- **Source**: the noun phrase next to the cue: before it ("the GKNB said"), after it
  when nothing stands before ('," said Rakhat Sulaimanov'), after "according to" and
  after a passive "by". A relative clause is skipped back over ("the security
  service in Kazakstan, which says"). When the phrase is a PERSON or ORG span, or ends
  with one ("Kyrgyzstan's State Committee for National Security (GKNB)"), or is one
  followed by a channel word ("the GKNB statement"), the source is that span; otherwise
  the phrase itself is free text ("A GKNB representative who asked not to be named").
  A pronoun ("he said", "it denied") is resolved to the nearest earlier PERSON/ORG span
  or earlier cue's source that fits it, or left empty.
- **Form**: direct when the claim sits inside quotation marks; indirect when a speech
  cue shares its sentence (reported speech, with or without "that"); paraphrase
  otherwise ("according to", a cue in another sentence, no cue).
- **Stance**: denied for deny/reject, disputed for dispute, reported for "according
  to", "reportedly" and "allegedly", asserted otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from annotator.model import Span

Form = Literal["direct", "indirect", "paraphrase"]
Stance = Literal["asserted", "reported", "disputed", "denied"]
FORMS: tuple[Form, ...] = ("direct", "indirect", "paraphrase")
STANCES: tuple[Stance, ...] = ("asserted", "reported", "disputed", "denied")
SOURCE_LABELS: tuple[str, ...] = ("PERSON", "ORG")

_CUE = re.compile(
    r"\b(?:"
    r"according\s+to|reportedly|allegedly"
    r"|say|says|said|tell|tells|told|announce[sd]?|claim(?:s|ed)|den(?:y|ies|ied)|stated"
    r"|add(?:s|ed)|noted|reported|insist(?:s|ed)|warn(?:s|ed)|argue[sd]?|allege[sd]"
    r"|reject(?:s|ed)|dispute[sd]|stress(?:es|ed)|acknowledged|confirm(?:s|ed)|explained"
    r"|(?<=statement\s)read|(?<=post\s)read"
    r")\b",
    re.IGNORECASE,
)
_ADVERB_CUES = frozenset({"reportedly", "allegedly"})
_TELL = frozenset({"tell", "tells", "told"})
_DENY = re.compile(r"den(?:y|ies|ied)|reject", re.IGNORECASE)
_DISPUTE = re.compile(r"dispute", re.IGNORECASE)
_OPENING = "“‘«\""
_CLOSING = "”’»\""
_QUOTE_CHARS = set(_OPENING + _CLOSING)
# Where a noun phrase before a cue begins: after these marks or words.
_STOP_MARKS = set(",;:()—–") | _QUOTE_CHARS | {"\n"}
_STOP_WORDS = frozenset(
    "that by and but while as when after before if because although though since where "
    "which who whom whose what so than then or".split()
)
# Where a noun phrase after a cue ends.
_END_WORDS = _STOP_WORDS | frozenset(
    "there is was were are has have had will would could can may might it its on at "
    "to from said says told".split()
)
# Auxiliaries and adverbs between a subject and its cue ("Kyrgyzstan's Interior Ministry has said").
_AUXILIARIES = frozenset(
    "has have had was were is are be been did does do also repeatedly later earlier then "
    "previously already publicly officially once again not never would will".split()
)
_RELATIVE = frozenset({"which", "who"})
_PRONOUNS: dict[str, tuple[str, ...]] = {
    "he": ("PERSON",), "she": ("PERSON",), "i": ("PERSON",),
    "it": ("ORG",), "they": ("ORG", "PERSON"), "we": ("ORG", "PERSON"),
}
_CHANNEL_WORDS = frozenset(
    "statement statements report reports figures data website post press service release "
    "spokesperson's announcement account accounts channel telegram says".split()
)
_DETERMINERS = frozenset("the a an".split())
_WORD = re.compile(r"[\w'’.\-]+")
_SENTENCE_END = re.compile(r"[.!?…][”’\")]*\s+(?=[“‘\"(]?[A-Z0-9])")
_SEARCH_BACK = 1500
_PARAGRAPH_REACH = 3000


@dataclass(frozen=True)
class Cue:
    """The reporting words, as document offsets (the model's attrs["cue"])."""

    start: int
    end: int
    text: str

    def to_attr(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Source:
    """Who the claim comes from: an entity mention span (``span`` is its uid) or free text."""

    start: int
    end: int
    text: str
    span: str | None = None

    def to_attr(self) -> dict[str, Any]:
        return {"span": self.span} if self.span else {"text": self.text}


@dataclass(frozen=True)
class Proposal:
    """An attribution for the analyst to confirm; ``to_attrs`` gives the model's attrs keys."""

    cue: Cue | None
    source: Source | None
    form: Form
    stance: Stance

    def to_attrs(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {"form": self.form, "stance": self.stance}
        if self.cue is not None:
            attrs["cue"] = self.cue.to_attr()
        if self.source is not None:
            attrs["source"] = self.source.to_attr()
        return attrs


# -- the paragraph around a claim ------------------------------------------------------


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The lines holding the claim: news paragraphs are lines, and attribution stays inside one."""
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    # A text without line breaks is not one paragraph: look a bounded way either side.
    return max(lo, start - _PARAGRAPH_REACH), min(hi, end + _PARAGRAPH_REACH)


def _sentence_breaks(text: str, lo: int, hi: int) -> list[int]:
    """Offsets where a new sentence starts inside [lo, hi)."""
    return [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)]


def _quotations(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Quoted stretches (inside the marks) in [lo, hi): curly pairs, straight quotes toggling."""
    found: list[tuple[int, int]] = []
    opened: int | None = None
    for index in range(lo, hi):
        char = text[index]
        if char == '"':
            if opened is None:
                opened = index + 1
            else:
                found.append((opened, index))
                opened = None
        elif char in "“«":
            opened = index + 1
        elif char in "”»" and opened is not None:
            found.append((opened, index))
            opened = None
    if opened is not None:  # a quotation running past the paragraph (multi-paragraph quotes)
        found.append((opened, hi))
    return found


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    """The claim without surrounding quote marks, spaces and punctuation."""
    edge = set(" \t,.;:") | _QUOTE_CHARS
    while start < end and text[start] in edge:
        start += 1
    while end > start and text[end - 1] in edge:
        end -= 1
    return start, end


def _inside(region: tuple[int, int], quotes: list[tuple[int, int]]) -> tuple[int, int] | None:
    for q in quotes:
        if q[0] <= region[0] and region[1] <= q[1]:
            return q
    return None


# -- noun phrases next to a cue --------------------------------------------------------


def _words_between(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    return [(m.start() + lo, m.end() + lo) for m in _WORD.finditer(text[lo:hi])]


def _is_apostrophe(text: str, index: int) -> bool:
    """A ’ between letters ("IWPR’s") is an apostrophe, not a closing quotation mark."""
    return (
        text[index] in "’'"
        and 0 < index < len(text) - 1
        and text[index - 1].isalnum()
        and text[index + 1].isalpha()
    )


def _in_span(offset: int, spans: Sequence[Span]) -> bool:
    return any(s.start <= offset < s.end for s in spans)


def _phrase_before(text: str, lo: int, position: int, spans: Sequence[Span]) -> tuple[int, int]:
    """The noun phrase ending at ``position`` (exclusive), back to a stop mark or word.

    Marks and words inside an entity span do not stop it ("Institute for War and Peace
    Reporting"); a parenthesis just before the cue is kept ("... Security (GKNB)").
    """
    end = position
    while end > lo and text[end - 1].isspace():
        end -= 1
    # Auxiliaries and adverbs between subject and verb are not part of the phrase.
    while True:
        words = _words_between(text, max(lo, end - 40), end)
        if words and text[words[-1][0]:words[-1][1]].lower() in _AUXILIARIES and words[-1][1] == end:
            end = words[-1][0]
            while end > lo and text[end - 1].isspace():
                end -= 1
        else:
            break
    index = end
    if index > lo and text[index - 1] == ")":
        opening = text.rfind("(", lo, index)
        if opening >= 0:
            index = opening
    while index > lo:
        char = text[index - 1]
        if char in _STOP_MARKS and not _in_span(index - 1, spans) and not _is_apostrophe(text, index - 1):
            break
        if char in ".!?" and index < end and text[index].isspace() and not _in_span(index - 1, spans):
            # A sentence ends here unless the dot closes an initial ("U.S.", "J. Smith").
            if not (index >= 2 and text[index - 2].isupper() and (index < 3 or not text[index - 3].isalpha())):
                break
        if char.isspace():
            word_end = index - 1
            window = max(lo, word_end - 40)
            match = re.search(r"[\w’']+$", text[window:word_end])
            if match:
                word = match.group(0).lower()
                if word in _STOP_WORDS and not _in_span(window + match.start(), spans):
                    # "who asked not to be named" belongs to the phrase when a phrase stands before it.
                    # ("militants who it said": "it" is the subject, and stops there.)
                    if word in _RELATIVE and text[window + match.end():end].strip().lower() not in _PRONOUNS:
                        before = text[max(lo, window + match.start() - 40):window + match.start()].rstrip()
                        if before and before[-1] not in _STOP_MARKS and before[-1] not in ".!?":
                            index = window + match.start()
                            continue
                    break
        index -= 1
    start = index
    while start < end and (text[start].isspace() or text[start] in _STOP_MARKS):
        start += 1
    return start, end


def _phrase_after(text: str, position: int, hi: int, spans: Sequence[Span]) -> tuple[int, int]:
    """The noun phrase starting at ``position``, up to a stop mark, a verb-like or function word."""
    start = position
    while start < hi and text[start].isspace():
        start += 1
    end = start
    for word_start, word_end in _words_between(text, start, hi):
        if any(text[i] in _STOP_MARKS and not _in_span(i, spans) and not _is_apostrophe(text, i) for i in range(end, word_start)):
            break
        word = text[word_start:word_end].rstrip(".").lower()
        if word in _END_WORDS and end > start and not _in_span(word_start, spans):
            break
        end = word_end
        if text[word_end - 1] == "." and not _in_span(word_end - 1, spans) and len(word) > 3:
            end = word_end - 1
            break
    return start, end


def _span_for(text: str, start: int, end: int, spans: Sequence[Span], labels: Sequence[str]) -> Span | None:
    """The entity mention a phrase names, if it names one (see the module's rules)."""
    inside = [s for s in spans if s.label in labels and start <= s.start and s.end <= end]
    if not inside:
        return None
    core_end = end
    if text[end - 1] == ")":
        opening = text.rfind("(", start, end)
        if opening > start:
            core_end = len(text[:opening].rstrip())
    def names_it(span: Span) -> bool:
        """Only determiners, possessives and capitalised words before it ("Kyrgyzstan's State ...")."""
        lead = re.findall(r"[\w’'.\-]+", text[start:span.start])
        return all(w.lower() in _DETERMINERS or w.endswith(("'s", "’s")) or w[:1].isupper() for w in lead)

    ending = [s for s in inside if s.end == core_end and names_it(s)]
    if ending:
        return max(ending, key=lambda s: s.end - s.start)
    if core_end != end:
        bracketed = [s for s in inside if s.start >= core_end]
        if bracketed:
            return bracketed[0]
    for span in inside:
        rest = text[span.end:end]
        rest_words = [w.lower() for w in re.findall(r"[\w’']+", rest)]
        rest_words = [w for w in rest_words if w not in ("'s", "’s", "s") and not w.isdigit()]
        lead = [w.lower() for w in re.findall(r"[\w’']+", text[start:span.start])]
        if all(w in _DETERMINERS for w in lead) and rest_words and all(w in _CHANNEL_WORDS for w in rest_words):
            return span
    return None


# -- proposing -------------------------------------------------------------------------


def _cues(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _CUE.finditer(text, lo, hi)]


def _source_for_cue(
    text: str, cue: tuple[int, int], lo: int, hi: int, spans: Sequence[Span], labels: Sequence[str], depth: int
) -> Source | None:
    """The source standing next to a cue; pronouns are resolved ``depth`` steps back."""
    word = re.sub(r"\s+", " ", text[cue[0]:cue[1]].lower())
    if word in _ADVERB_CUES:
        return None
    if word == "according to":
        phrase = _phrase_after(text, cue[1], hi, spans)
    else:
        after = text[cue[1]:hi]
        passive = re.match(r"\s+by\s", after)
        if passive:
            phrase = _phrase_after(text, cue[1] + passive.end(), hi, spans)
        else:
            phrase = _phrase_before(text, lo, cue[0], spans)
            lead = text[phrase[0]:phrase[1]].split()
            if lead and lead[0].lower() in _RELATIVE and len(lead) == 1:
                # "..., which says": the phrase before the comma is the subject.
                comma = text.rfind(",", lo, phrase[0])
                phrase = _phrase_before(text, lo, comma, spans) if comma >= lo else (phrase[0], phrase[0])
            elif phrase[0] == phrase[1]:
                gap_start = phrase[0]
                before = text[lo:gap_start].rstrip()
                if before.endswith(",") and not before.endswith(tuple(_QUOTE_CHARS)):
                    # "X, which is responsible for ..., said": skip the relative clause.
                    clause_comma = before.rfind(",", 0, len(before) - 1)
                    clause = text[lo + clause_comma + 1:lo + len(before) - 1].split() if clause_comma >= 0 else []
                    if clause and clause[0].lower() in _RELATIVE:
                        phrase = _phrase_before(text, lo, lo + clause_comma, spans)
                if phrase[0] == phrase[1] and word not in _TELL:
                    phrase = _phrase_after(text, cue[1], hi, spans)
    start, end = phrase
    if start >= end:
        return None
    phrase_text = text[start:end]
    pronoun = phrase_text.lower()
    if pronoun in _PRONOUNS:
        return _resolve(text, start, _PRONOUNS[pronoun], spans, labels, depth) if depth > 0 else None
    span = _span_for(text, start, end, spans, labels)
    if span is not None:
        return Source(span.start, span.end, text[span.start:span.end], span.uid)
    return Source(start, end, phrase_text)


def _resolve(
    text: str, position: int, wanted: tuple[str, ...], spans: Sequence[Span], labels: Sequence[str], depth: int
) -> Source | None:
    """The nearest earlier mention or cue source a pronoun can stand for."""
    floor = max(0, position - _SEARCH_BACK)
    best: Source | None = None
    for span in spans:
        if span.label in wanted and span.label in labels and floor <= span.start and span.end <= position:
            if best is None or span.end > best.end:
                best = Source(span.start, span.end, text[span.start:span.end], span.uid)
    for cue in reversed(_cues(text, floor, position)):
        if best is not None and cue[1] <= best.end:
            break
        lo, hi = _paragraph(text, cue[0], cue[1])
        found = _source_for_cue(text, cue, lo, hi, spans, labels, depth - 1)
        if found is None or found.end > position:
            continue
        if found.span is not None and not any(s.uid == found.span and s.label in wanted for s in spans):
            continue
        if best is None or found.end > best.end:
            best = found
        break
    return best


def _stance(cue_text: str | None) -> Stance:
    if cue_text is None:
        return "asserted"
    lowered = cue_text.lower()
    if _DENY.match(lowered):
        return "denied"
    if _DISPUTE.match(lowered):
        return "disputed"
    if lowered.startswith("according") or lowered in _ADVERB_CUES:
        return "reported"
    return "asserted"


def propose(
    text: str,
    claim_start: int,
    claim_end: int,
    spans_in_document: Sequence[Span],
    source_labels: Sequence[str] = SOURCE_LABELS,
) -> Proposal:
    """The attribution the rules above give a claim span in its document's text."""
    if not 0 <= claim_start < claim_end <= len(text):
        raise ValueError(f"claim offsets {claim_start}..{claim_end} are outside the text (length {len(text)})")
    lo, hi = _paragraph(text, claim_start, claim_end)
    # Only mentions near the claim can be its source (or a pronoun's antecedent a few cues back).
    reach = lo - 4 * (_SEARCH_BACK + _PARAGRAPH_REACH)
    spans_in_document = [s for s in spans_in_document if s.end > reach and s.start < hi]
    core = _core(text, claim_start, claim_end)
    quotes = _quotations(text, lo, hi)
    quote = _inside(core, quotes)
    breaks = _sentence_breaks(text, lo, hi)

    def sentences_between(a: int, b: int) -> int:
        return sum(1 for x in breaks if a < x <= b)

    best: tuple[int, int, tuple[int, int]] | None = None
    for cue in _cues(text, lo, hi):
        word = text[cue[0]:cue[1]].lower()
        if cue[0] < claim_end and claim_start < cue[1]:
            if word not in _ADVERB_CUES:
                continue
            gap, crossed = 0, 0
        elif cue[1] <= claim_start:
            gap, crossed = claim_start - cue[1], sentences_between(cue[1], claim_start)
        else:
            gap, crossed = cue[0] - claim_end, sentences_between(claim_end, cue[0])
            if re.search(r"\b(?:and|but)\b", text[max(claim_end, quote[1] if quote else 0):cue[0]]) and crossed == 0:
                continue  # "..., and said they were": that cue introduces what follows
        if _inside(cue, quotes) is not None and _inside(cue, quotes) != quote:
            continue  # reported speech inside someone else's quotation
        if quote is None and crossed > 1:
            continue
        if crossed and (word in _ADVERB_CUES or word.startswith("according")):
            continue  # "reportedly" and "according to" qualify their own sentence only
        key = (crossed, gap, cue)
        if best is None or key < best:
            best = key
    if best is None:
        return Proposal(None, None, "direct" if quote is not None else "paraphrase", "asserted")
    crossed, _, (cue_start, cue_end) = best
    cue_text = text[cue_start:cue_end]
    source = _source_for_cue(text, (cue_start, cue_end), lo, hi, spans_in_document, source_labels, depth=3)
    lowered = cue_text.lower()
    if quote is not None:
        form: Form = "direct"
    elif crossed == 0 and not lowered.startswith("according") and lowered not in _ADVERB_CUES:
        form = "indirect"
    else:
        form = "paraphrase"
    return Proposal(Cue(cue_start, cue_end, cue_text), source, form, _stance(cue_text))
