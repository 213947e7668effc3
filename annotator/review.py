"""Comparing analysts' spans on one article and grouping them for adjudication (no UI here).

Spans are compared within a kind (a claim never disagrees with the entity inside it).
A *version* is a (start, end, label) held by one or more analysts. Two versions of one
kind *compete* when they overlap and no analyst holds both: an analyst who tagged an
ORG "University of Paris" and the PLACE "Paris" inside it meant both, so nested spans
everyone agrees on are two agreed groups, not a disagreement. Versions linked by
competing (directly or through others) form a *group*:

- agreed: one version, held by every analyst who worked on the article (two or more);
- partial: one version, held by only some of them;
- disagreement: two or more versions (another label, or other boundaries).

A group may have several gold spans: where one analyst tagged "State Committee for
National Security" and "GKNB" and another one span over both, the right gold can be the
first analyst's two spans. A gold span belongs to the group whose analysts' spans it was
accepted from (its `source_uids`), whatever it was retagged or resized to since; a gold
span without that record belongs to the group of its kind it overlaps most. Within its
group it *stands for* the version it was accepted from, or the version it equals.
A group is settled once it has a gold span, or every version in it was rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from annotator.cells import ELLIPSIS, cell_width, clip_cells, display_text, graphemes
from annotator.model import Span

GOLD = "gold"
SUGGESTION_PREFIX = "suggestion:"


def is_analyst(name: str) -> bool:
    """Whose spans are compared in review: not the gold set, not imported model suggestions."""
    return name != GOLD and not name.startswith(SUGGESTION_PREFIX)


KNOWLEDGE_FIELDS: tuple[str, ...] = ("entity", "source", "cue", "form", "stance", "disputes")
"""What a version records beyond its offsets and label: an entity link, a claim's attribution."""

PROVENANCE_KEYS = frozenset({"adjudicated_by", "sources", "source_uids", "needs_review"})
"""Keys a gold span sets for itself: never copied from an analyst's span."""


@dataclass(frozen=True)
class Version:
    start: int
    end: int
    label: str
    spans: tuple[Span, ...]
    knowledge: tuple[tuple[str, str], ...] = ()
    """(field, value) for each of KNOWLEDGE_FIELDS the analysts filled, comparable across analysts."""

    @property
    def facts(self) -> dict[str, str]:
        """The version's knowledge as a dict: field -> comparable value (an entity uid, or "text @start–end")."""
        return dict(self.knowledge)

    @property
    def annotators(self) -> list[str]:
        return sorted({s.annotator for s in self.spans})

    @property
    def text(self) -> str:
        return self.spans[0].text


@dataclass
class Group:
    kind: str
    start: int
    end: int
    versions: list[Version]
    status: str = ""  # agreed, partial, disagreement
    gold: list[Span] = field(default_factory=list)
    rejected: bool = False

    @property
    def settled(self) -> bool:
        return bool(self.gold) or self.rejected

    def version_of(self, gold: Span) -> int | None:
        """Index of the version a gold span stands for: the one it came from, else the one it equals."""
        sources = _sources(gold)
        for index, version in enumerate(self.versions):
            if sources & {s.uid for s in version.spans}:
                return index
        for index, version in enumerate(self.versions):
            if (version.start, version.end, version.label) == (gold.start, gold.end, gold.label):
                return index
        return None

    def gold_for(self, index: int) -> list[Span]:
        """The gold spans standing for version `index`: taking it out of gold removes these.

        A gold span equal to the version counts too, whichever version it came from, so a
        version is never put in gold twice; but not one accepted from a version with the
        same offsets and label and another attribution (that one is its own).
        """
        version = self.versions[index]
        uids = {s.uid for s in version.spans}
        key = (version.start, version.end, version.label)
        siblings = {
            s.uid
            for other in self.versions
            if other is not version and (other.start, other.end, other.label) == key
            for s in other.spans
        }
        return [
            gold
            for gold in self.gold
            if _sources(gold) & uids
            or ((gold.start, gold.end, gold.label) == key and not _sources(gold) & siblings)
        ]

    def same_place(self, index: int) -> list[Span]:
        """Gold spans on version `index`'s offsets and label from another version (another attribution).

        Only one gold span fits a place: putting this version in gold replaces them.
        """
        version = self.versions[index]
        own = {id(g) for g in self.gold_for(index)}
        return [
            gold
            for gold in self.gold
            if id(gold) not in own and (gold.start, gold.end, gold.label) == (version.start, version.end, version.label)
        ]

    def differing(self) -> set[str]:
        """The knowledge fields the group's versions do not all agree on (a missing value differs)."""
        if len(self.versions) < 2:
            return set()
        facts = [v.facts for v in self.versions]
        return {name for name in KNOWLEDGE_FIELDS if len({f.get(name) for f in facts}) > 1 and any(name in f for f in facts)}


def group_spans(
    spans: Iterable[Span],
    coders: list[str],
    kind_of: dict[str, str],
    rejected: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[Group]:
    """Groups in reading order for one article; gold spans attach to the groups they came from."""
    analyst_spans: list[Span] = []
    gold_spans: list[Span] = []
    for span in spans:
        (gold_spans if span.annotator == GOLD else analyst_spans).append(span)
    by_uid = {span.uid: span for span in analyst_spans}
    # Same offsets and label but another entity or attribution is another version: the
    # reviewer picks which goes into gold.
    by_key: dict[tuple[str, int, int, str, tuple[tuple[str, str], ...]], list[Span]] = {}
    for span in analyst_spans:
        kind = kind_of.get(span.label, "entity")
        by_key.setdefault((kind, span.start, span.end, span.label, knowledge_of(span, by_uid)), []).append(span)
    versions = sorted(
        ((key[0], Version(key[1], key[2], key[3], tuple(v), key[4])) for key, v in by_key.items()),
        key=lambda kv: (kv[1].start, -kv[1].end, kv[1].label, kv[1].knowledge),
    )
    # Union-find over competing versions, swept in start order per kind.
    parent = list(range(len(versions)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    holders = [frozenset(v.annotators) for _, v in versions]
    active: dict[str, list[int]] = {}
    for index, (kind, version) in enumerate(versions):
        still_open = [j for j in active.get(kind, []) if versions[j][1].end > version.start]
        for j in still_open:
            if not holders[j] & holders[index]:
                parent[root(index)] = root(j)
        still_open.append(index)
        active[kind] = still_open
    members: dict[int, list[int]] = {}
    for index in range(len(versions)):
        members.setdefault(root(index), []).append(index)
    groups: list[Group] = []
    for indexes in members.values():
        kind = versions[indexes[0]][0]
        group_versions = [versions[i][1] for i in indexes]
        groups.append(
            Group(kind, min(v.start for v in group_versions), max(v.end for v in group_versions), group_versions)
        )
    everyone = set(coders)
    for group in groups:
        if len(group.versions) > 1:
            group.status = "disagreement"
        elif len(everyone) >= 2 and set(group.versions[0].annotators) >= everyone:
            group.status = "agreed"
        else:
            group.status = "partial"
        uids = {s.uid for v in group.versions for s in v.spans}
        group.rejected = bool(uids) and uids <= rejected
    for gold in gold_spans:
        owner = _owner(gold, groups, kind_of)
        if owner is not None:
            owner.gold.append(gold)
    for group in groups:
        group.gold.sort(key=lambda s: (s.start, -s.end, s.label, s.uid))
    groups.sort(key=lambda g: (g.start, -g.end, g.kind))
    return groups


def _sources(gold: Span) -> set[str]:
    """The analysts' span uids a gold span was accepted from (none for imported gold)."""
    raw = gold.attrs.get("source_uids") if isinstance(gold.attrs, dict) else None
    return {uid for uid in raw if isinstance(uid, str)} if isinstance(raw, (list, tuple)) else set()


def _owner(gold: Span, groups: list[Group], kind_of: dict[str, str]) -> Group | None:
    """The group a gold span settles: the one it was accepted from, else the one it overlaps most.

    Every gold span accepted from a group stays with it, however many the group has and
    whatever they were edited to since: retagged to a label of another kind or resized
    off the analysts' spans, it must still show (and be removable) where it came from.
    """
    sources = _sources(gold)
    if sources:
        for group in groups:
            if sources & {s.uid for v in group.versions for s in v.spans}:
                return group
    kind = kind_of.get(gold.label, "entity")
    candidates = [g for g in groups if g.kind == kind]
    best: Group | None = None
    best_score: tuple[int, int] = (0, 0)
    for group in candidates:
        shared = min(gold.end, group.end) - max(gold.start, group.start)
        if shared <= 0:
            continue
        exact = any((v.start, v.end) == (gold.start, gold.end) for v in group.versions)
        score = (int(exact), shared)
        if score > best_score:
            best, best_score = group, score
    return best


def _at(text: str, start: int, end: int) -> str:
    return f"{text} @{start}–{end}"


def knowledge_of(span: Span, spans_by_uid: Mapping[str, Span]) -> tuple[tuple[str, str], ...]:
    """A span's entity link and attribution as comparable (field, value) pairs.

    Each analyst's source points at their own mention span, so a source mention is
    compared by its text and offsets ("GKNB @4–8"), not its uid; free text by its words.
    """
    attrs = span.attrs if isinstance(span.attrs, dict) else {}
    facts: list[tuple[str, str]] = []
    entity = attrs.get("entity")
    if isinstance(entity, str) and entity:
        facts.append(("entity", entity))
    source = attrs.get("source")
    if isinstance(source, dict):
        mention = spans_by_uid.get(source["span"]) if isinstance(source.get("span"), str) else None
        if mention is not None:
            facts.append(("source", _at(mention.text, mention.start, mention.end)))
        elif isinstance(source.get("text"), str) and source["text"].strip():
            facts.append(("source", f"“{' '.join(source['text'].split())}”"))
    cue = attrs.get("cue")
    if isinstance(cue, dict) and isinstance(cue.get("start"), int) and isinstance(cue.get("end"), int):
        facts.append(("cue", _at(str(cue.get("text", "")), cue["start"], cue["end"])))
    for name in ("form", "stance"):
        value = attrs.get(name)
        if isinstance(value, str) and value:
            facts.append((name, value))
    disputed = spans_by_uid.get(attrs["disputes"]) if isinstance(attrs.get("disputes"), str) else None
    if disputed is not None:
        facts.append(("disputes", _at(disputed.text, disputed.start, disputed.end)))
    return tuple(facts)


def gold_copies(gold: Iterable[Span], analyst_spans: Iterable[Span]) -> dict[str, str]:
    """Analyst span uid -> the uid of its gold copy (accepted from it, else on its offsets and label)."""
    gold = list(gold)
    copies: dict[str, str] = {}
    for span in gold:
        for uid in _sources(span):
            copies.setdefault(uid, span.uid)
    places = {(g.start, g.end, g.label): g.uid for g in gold}
    for span in analyst_spans:
        if span.uid not in copies and (span.start, span.end, span.label) in places:
            copies[span.uid] = places[(span.start, span.end, span.label)]
    return copies


def gold_attrs(
    version: Version,
    reviewer: str,
    spans_by_uid: Mapping[str, Span] | None = None,
    copies: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """What a gold span records: where it came from, and the version's entity link and attribution.

    A claim's source and disputed claim name analysts' spans; in gold they name the gold
    copies of those spans (`copies`). A source mention without a gold copy is kept as its
    text; a disputed claim without one is left out (gold must not point at an analyst's span).
    """
    spans_by_uid = spans_by_uid or {}
    copies = copies or {}
    kept: dict[str, object] = {
        key: value for key, value in version.spans[0].attrs.items() if key not in PROVENANCE_KEYS
    } if isinstance(version.spans[0].attrs, dict) else {}
    source = kept.get("source")
    if isinstance(source, dict) and isinstance(source.get("span"), str):
        uid = source["span"]
        if uid in copies:
            kept["source"] = {"span": copies[uid]}
        elif uid in spans_by_uid:
            kept["source"] = {"text": " ".join(spans_by_uid[uid].text.split())}
        else:
            kept.pop("source")
    disputes = kept.get("disputes")
    if isinstance(disputes, str):
        if disputes in copies:
            kept["disputes"] = copies[disputes]
        else:
            kept.pop("disputes")
    return {
        **kept,
        "adjudicated_by": reviewer,
        "sources": version.annotators,
        "source_uids": sorted(s.uid for s in version.spans),
    }


def holders(version: Version) -> str:
    """How many analysts hold a version, as "×2": a bare "2" read like the 2 key that accepts it."""
    return f"×{len(version.annotators)}"


def next_undecided(groups: Sequence[Group], after: int) -> int | None:
    """The first group after `after` still to decide (no gold, not rejected), wrapping round.

    Agreed, partial and disagreeing groups alike: each needs the reviewer's word. None
    when every group is settled.
    """
    count = len(groups)
    for step in range(1, count + 1):
        index = (after + step) % count
        if not groups[index].settled:
            return index
    return None


def _head(shown: str, cells: int) -> str:
    """The longest start of display text within `cells`, cut between graphemes."""
    used = 0
    for start, _end, width in graphemes(shown):
        if used + width > cells:
            return shown[:start]
        used += width
    return shown


def _tail(shown: str, cells: int) -> str:
    """The longest end of display text within `cells`, cut between graphemes."""
    used, begin = 0, len(shown)
    for start, _end, width in reversed(list(graphemes(shown))):
        if used + width > cells:
            break
        used += width
        begin = start
    return shown[begin:]


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b):
        if x != y:
            break
        size += 1
    return size


def _around(shown: str, at: int, cells: int) -> str:
    """A window of `cells` cells that shows where the text parts from another one at `at`."""
    context = min(at, 4)  # a few characters before the difference, so it reads as a place
    window = ELLIPSIS + shown[at - context :] if at - context > 0 else shown
    return clip_cells(window, cells)


_FEWEST_CELLS = 6
"""Below this, a head, an ellipsis and a tail say nothing: a plain cut is kept."""


def distinct_cuts(texts: Sequence[str], cells: Sequence[int]) -> list[str]:
    """Each text as display text within its cells, cut so that texts that differ read differently.

    A plain cut keeps the start, so "State Committee for National Security" and the same
    name with " (GKNB)" after it both read "State Committee for Nat…": a reviewer could not
    tell which number is which. Where plain cuts clash, a text keeps a little of its start
    and shows its end ("State Co…Security (GKNB)" against "State Co…tional Security"); if
    the ends are the same too, it shows the place where it parts from the others. Texts
    that still clash are the same text (the details show their offsets).
    """
    shown = [display_text(text) for text in texts]
    plain = [clip_cells(text, width) for text, width in zip(texts, cells)]
    cuts = list(plain)
    for index, (text, width) in enumerate(zip(shown, cells)):
        if width < _FEWEST_CELLS or cell_width(text) <= width:
            continue
        # What a plain cut lets the reader see; another text that begins the same way clashes,
        # even if its cut is a cell longer or shorter ("State Committ…", "State Committe…").
        seen = plain[index].removesuffix(ELLIPSIS)
        rivals = [other for other in shown if other != text and other.startswith(seen)]
        if not rivals:
            continue
        head_cells = max(2, width // 3)
        head = _head(text, head_cells).rstrip(" ")
        tail = _tail(text, width - cell_width(head) - cell_width(ELLIPSIS)).lstrip(" ")
        ends_apart = all(not other.endswith(tail) for other in rivals)
        if ends_apart:
            cuts[index] = head + ELLIPSIS + tail
        else:
            parts_at = max(_common_prefix(text, other) for other in rivals)
            cuts[index] = _around(text, parts_at, width)
    return cuts
