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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from annotator.cells import ELLIPSIS, cell_width, clip_cells, display_text, graphemes
from annotator.model import Span

GOLD = "gold"
SUGGESTION_PREFIX = "suggestion:"


def is_analyst(name: str) -> bool:
    """Whose spans are compared in review: not the gold set, not imported model suggestions."""
    return name != GOLD and not name.startswith(SUGGESTION_PREFIX)


@dataclass(frozen=True)
class Version:
    start: int
    end: int
    label: str
    spans: tuple[Span, ...]

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
        version is never put in gold twice.
        """
        version = self.versions[index]
        uids = {s.uid for s in version.spans}
        return [
            gold
            for gold in self.gold
            if _sources(gold) & uids or (gold.start, gold.end, gold.label) == (version.start, version.end, version.label)
        ]


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
    by_key: dict[tuple[str, int, int, str], list[Span]] = {}
    for span in analyst_spans:
        kind = kind_of.get(span.label, "entity")
        by_key.setdefault((kind, span.start, span.end, span.label), []).append(span)
    versions = sorted(
        ((key[0], Version(key[1], key[2], key[3], tuple(v))) for key, v in by_key.items()),
        key=lambda kv: (kv[1].start, -kv[1].end, kv[1].label),
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


def gold_attrs(version: Version, reviewer: str) -> dict[str, object]:
    """What a gold span records of where it came from."""
    return {
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
