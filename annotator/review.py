"""Comparing analysts' spans on one article and grouping them for adjudication (no UI here).

Spans are compared within a kind (a claim never disagrees with the entity inside it).
A *version* is a (start, end, label) held by one or more analysts. Versions of one kind
that overlap form a *group*:

- agreed: one version, held by every analyst who worked on the article;
- partial: one version, held by only some of them;
- disagreement: two or more versions (another label, or other boundaries).

A group is settled once a gold span covers one of its versions, or every version in it
was rejected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from annotator.model import Span

GOLD = "gold"


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


def group_spans(
    spans: Iterable[Span],
    coders: list[str],
    kind_of: dict[str, str],
    rejected: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[Group]:
    """Groups in reading order for one article; gold spans attach to the groups they cover."""
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
    groups: list[Group] = []
    open_by_kind: dict[str, Group] = {}
    for kind, version in versions:
        current = open_by_kind.get(kind)
        if current is not None and version.start < current.end:
            current.versions.append(version)
            current.end = max(current.end, version.end)
        else:
            current = Group(kind, version.start, version.end, [version])
            open_by_kind[kind] = current
            groups.append(current)
    everyone = set(coders)
    for group in groups:
        if len(group.versions) > 1:
            group.status = "disagreement"
        elif everyone and set(group.versions[0].annotators) >= everyone:
            group.status = "agreed"
        else:
            group.status = "partial"
        group.gold = [
            g
            for g in gold_spans
            if kind_of.get(g.label, "entity") == group.kind and g.start < group.end and g.end > group.start
        ]
        uids = {s.uid for v in group.versions for s in v.spans}
        group.rejected = bool(uids) and uids <= rejected
    groups.sort(key=lambda g: (g.start, -g.end, g.kind))
    return groups


def gold_attrs(version: Version, reviewer: str) -> dict[str, object]:
    """What a gold span records of where it came from."""
    return {
        "adjudicated_by": reviewer,
        "sources": version.annotators,
        "source_uids": sorted(s.uid for s in version.spans),
    }
