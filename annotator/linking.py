"""Ranking canonical entities for a mention, so one key can link it to the right one.

Rules (the app, the CLI and review all rank through here):

- Names and aliases are compared after *folding*: case, diacritics, typographic
  apostrophes, possessives and punctuation are dropped, and the usual romanisation
  variants of Central Asian names are made equal ("zh"/"dzh"/"dj" -> "j", "kh" -> "k",
  "gh" -> "g", "y" -> "i", a "y" between vowels dropped, doubled letters single), so
  "Zhanbolat" meets "Janbolat", "Kazakstan" "Kazakhstan" and "Kirghiz" "Kyrgyz".
- The score of an entity is the best score of its name and aliases under rapidfuzz's
  WRatio on the folded strings (0..100), with a small boost when the entity's label is
  the mention's label (the rest scaled down so the total stays 0..100); ties go to the entity with the shorter matching string.
- An acronym mention ("SCNS") also matches the initials of a name, function words left
  out ("State Committee for National Security"), and a full-name mention matches an
  entity known only by its acronym. The same letters in another order ("SNCS", a typo
  in the sample corpus) still match, a little lower.
- Preparing the folded strings is the slow part, so an :class:`EntityIndex` is built
  once for a registry and queried many times; ``rank_candidates`` accepts either.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

# Words left out of initials: "State Committee for National Security" is SCNS.
_FUNCTION_WORDS = frozenset("of for the and on in at to de du la le van von bin al el".split())
_LABEL_BOOST = 6.0
_ACRONYM_SCORE = 96.0
_SHUFFLED_ACRONYM_SCORE = 86.0
_SCORE_CUTOFF = 55.0
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_POSSESSIVE = re.compile(r"'s\b|s'(?=\s|$)")
_NOT_WORD = re.compile(r"[^\w]+")
_VOWELS = "aeiou"
# Romanisation variants, applied in this order to a lowercase ASCII word.
_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"dzh|dj|zh"), "j"),
    (re.compile(r"kh"), "k"),
    (re.compile(r"gh"), "g"),
    (re.compile(rf"(?<=[{_VOWELS}])y(?=[{_VOWELS}])"), ""),
    (re.compile(r"y"), "i"),
    (re.compile(r"(\w)\1+"), r"\1"),
)


@dataclass(frozen=True)
class EntityRow:
    """What ranking needs of a registry entity (the store's rows map onto it)."""

    uid: str
    name: str
    label: str
    aliases: tuple[str, ...] = ()


class NamedEntity(Protocol):
    """Anything with a registry entity's uid, name, label and aliases (the store's rows too)."""

    @property
    def uid(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Candidate:
    """One proposed entity for a mention; ``matched_on`` is the name or alias that scored."""

    uid: str
    name: str
    label: str
    score: float
    matched_on: str


def _ascii_lower(text: str) -> str:
    """Lowercase without diacritics: "Žanbolat" and "Zhanbolat" differ only by romanisation then."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(text: str) -> list[str]:
    """The words of a name with possessives and punctuation gone ("Kyrgyzstan's" -> "kyrgyzstan")."""
    lowered = _POSSESSIVE.sub("", _ascii_lower(text))
    return [w for w in _NOT_WORD.split(lowered) if w]


def _fold_word(word: str) -> str:
    for pattern, replacement in _VARIANTS:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The form names are compared in: equal for spelling variants of one name."""
    return " ".join(_fold_word(w) for w in _words(text))


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    """First letters of a name's content words ("" for a one-word name: no acronym there)."""
    words = [w for w in _words(text) if w not in _FUNCTION_WORDS]
    if len(words) < 2:
        return ""
    return "".join(w[0] for w in words)


def _acronym_of(mention: str) -> str:
    """The letters of a mention that reads as an acronym ("GKNB", "S.C.N.S."), else ""."""
    letters = mention.replace(".", "").strip()
    if 2 <= len(letters) <= 8 and letters.isalpha() and letters.isupper():
        return _ascii_lower(letters)
    return ""


def spelling(text: str) -> str:
    """A spelling as an alias is kept: white space collapsed, typographic apostrophes plain."""
    return " ".join(unicodedata.normalize("NFC", text.translate(_APOSTROPHES)).split())


def is_new_spelling(mention_text: str, entity: NamedEntity) -> bool:
    """Whether linking this mention should add it as an alias of the entity.

    Case alone is not a new spelling (a headline's "KYRGYZSTAN"), but any other
    difference is, romanisation variants included: "Zhanbolat Amirov" linked to
    "Janbolat Amirov" is worth keeping, so the next search by that spelling finds it.
    """
    wanted = spelling(mention_text).casefold()
    if not wanted:
        return False
    known = (entity.name, *entity.aliases)
    return all(spelling(name).casefold() != wanted for name in known)


class EntityIndex:
    """A registry prepared for ranking: folded names and aliases, and an initials table."""

    def __init__(self, entities: Sequence[NamedEntity]) -> None:
        self.entities: tuple[NamedEntity, ...] = tuple(entities)
        self._choices: list[str] = []
        self._owners: list[int] = []
        self._originals: list[str] = []
        self._by_initials: dict[str, list[int]] = defaultdict(list)
        self._by_letters: dict[str, list[int]] = defaultdict(list)
        self._by_acronym: dict[str, list[int]] = defaultdict(list)
        for number, entity in enumerate(self.entities):
            seen: set[str] = set()
            for name in (entity.name, *entity.aliases):
                folded = fold(name)
                if not folded or folded in seen:
                    continue
                seen.add(folded)
                choice = len(self._choices)
                self._choices.append(folded)
                self._owners.append(number)
                self._originals.append(name)
                letters = initials(name)
                if letters:
                    self._by_initials[letters].append(choice)
                    self._by_letters["".join(sorted(letters))].append(choice)
                acronym = _acronym_of(name)
                if acronym:
                    self._by_acronym[acronym].append(choice)

    def rank(self, mention_text: str, label: str | None = None, limit: int = 5) -> list[Candidate]:
        """The best ``limit`` entities for a mention, best first (an entity appears once)."""
        query = fold(mention_text)
        if not query or limit <= 0 or not self._choices:
            return []
        scores: dict[int, float] = {}
        # A wide net: several choices may belong to one entity, and the label boost can
        # lift one from further down.
        for _, score, choice in process.extract(
            query, self._choices, scorer=fuzz.WRatio, limit=max(limit * 8, 40), score_cutoff=_SCORE_CUTOFF
        ):
            scores[choice] = max(scores.get(choice, 0.0), float(score))
        acronym = _acronym_of(mention_text)
        if acronym:
            for choice in self._by_initials.get(acronym, ()):
                scores[choice] = max(scores.get(choice, 0.0), _ACRONYM_SCORE)
            for choice in self._by_letters.get("".join(sorted(acronym)), ()):
                scores[choice] = max(scores.get(choice, 0.0), _SHUFFLED_ACRONYM_SCORE)
        letters = initials(mention_text)
        if letters:
            for choice in self._by_acronym.get(letters, ()):
                scores[choice] = max(scores.get(choice, 0.0), _ACRONYM_SCORE)
        # Equal folded scores (Sadyr Japarov and Akylbek Zhaparov both fold to "japarov")
        # are ordered by how close the spelling itself is, then by the shorter name.
        plain = " ".join(_words(mention_text))
        best: dict[int, tuple[float, float, int, int]] = {}
        for choice, score in scores.items():
            number = self._owners[choice]
            entity = self.entities[number]
            if label is not None:  # the boost stays inside 0..100, so 100 still means "this one"
                score = score * (100.0 - _LABEL_BOOST) / 100.0 + (_LABEL_BOOST if entity.label == label else 0.0)
            total = score
            closeness = fuzz.partial_ratio(plain, " ".join(_words(self._originals[choice])))
            key = (total, closeness, -len(self._choices[choice]), -choice)
            if number not in best or key > best[number]:
                best[number] = key
        ranked = sorted(best.items(), key=lambda item: (item[1], -item[0]), reverse=True)
        return [
            Candidate(
                uid=self.entities[number].uid,
                name=self.entities[number].name,
                label=self.entities[number].label,
                score=round(total, 1),
                matched_on=self._originals[-choice],
            )
            for number, (total, _, _, choice) in ranked[:limit]
        ]


def rank_candidates(
    mention_text: str,
    label: str | None,
    entities: Sequence[NamedEntity] | EntityIndex,
    limit: int = 5,
) -> list[Candidate]:
    """Candidates for linking a mention, best first; pass an EntityIndex to rank many mentions."""
    index = entities if isinstance(entities, EntityIndex) else EntityIndex(entities)
    return index.rank(mention_text, label, limit)
