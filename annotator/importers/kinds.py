"""Labels from other tools mapped to annotator's kinds (claim, entity, quantity).

A label already in the database keeps its kind. Otherwise `--map NAME=...` decides,
then the defaults below (spaCy/OntoNotes and CoNLL names, matched without regard to
case); a label none of these covers has no kind and is reported.

`--map` takes three forms:

- `NAME=KIND`: keep the label, of that kind (`--map ORG=entity`);
- `NAME=LABEL`: rename it to a label the database has or the defaults know
  (`--map GPE=PLACE`, or `--map 3=PERSON` for a doccano label id);
- `NAME=LABEL:KIND`: rename it and give the new label's kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from annotator.errors import InputError
from annotator.model import KINDS, Label

DEFAULT_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "PERSON", "PER", "PERS", "ORG", "ORGANIZATION", "ORGANISATION", "GPE", "LOC", "LOCATION",
            "PLACE", "FAC", "FACILITY", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE",
            "MISC", "OTHER", "ENTITY",
        ),
        "entity",
    ),
    **dict.fromkeys(
        ("MONEY", "QUANTITY", "CARDINAL", "PERCENT", "DATE", "TIME", "ORDINAL", "NUMBER", "AMOUNT"),
        "quantity",
    ),
    "CLAIM": "claim",
}


@dataclass(frozen=True)
class Target:
    label: str | None  # None: keep the name
    kind: str | None  # None: the kind of the label it is renamed to


@dataclass
class LabelMap:
    entries: dict[str, Target] = field(default_factory=dict)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> LabelMap:
        entries: dict[str, Target] = {}
        for spec in specs:
            name, sep, value = spec.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name or not value:
                raise InputError(f"--map {spec}: expected NAME=KIND, NAME=LABEL or NAME=LABEL:KIND")
            if value in KINDS:
                target = Target(None, value)
            else:
                label, colon, kind = value.rpartition(":")
                if colon and kind in KINDS and label:
                    target = Target(label, kind)
                else:
                    target = Target(value, None)
            if name in entries and entries[name] != target:
                raise InputError(f"--map {spec}: {name} is mapped twice")
            entries[name] = target
        return cls(entries)

    def lookup(self, name: str) -> Target | None:
        found = self.entries.get(name)
        if found is None:
            folded = name.casefold()
            found = next((t for n, t in self.entries.items() if n.casefold() == folded), None)
        return found

    def resolve(self, name: str, known: Mapping[str, Label], defaults: bool = True) -> tuple[str, str] | None:
        """(label, kind) for a label met in a file, or None when nothing gives it a kind.

        With defaults off (annotator's own format), only --map entries apply and a
        label they don't name is returned as None for the caller to keep as it was.
        """
        target = self.lookup(name)
        if target is not None:
            label = target.label or name
            if label in known:
                return label, known[label].kind
            kind = target.kind or DEFAULT_KINDS.get(label.upper())
            return (label, kind) if kind else None
        if not defaults:
            return None
        if name in known:
            return name, known[name].kind
        kind = DEFAULT_KINDS.get(name.upper())
        return (name, kind) if kind else None

    def hint(self, name: str) -> str:
        """The line that reports a label with no kind."""
        target = self.lookup(name)
        if target is not None and target.label:
            return f"label {name!r} is mapped to {target.label!r}, which has no kind; pass --map {name}={target.label}:entity|claim|quantity"
        return f"label {name!r} has no kind; pass --map {name}=entity|claim|quantity"
