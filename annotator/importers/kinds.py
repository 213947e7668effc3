"""Labels from other tools mapped to annotator's kinds (claim, entity, quantity).

A label already in the database keeps its kind. Otherwise `--map NAME=...` decides,
then the defaults below (spaCy/OntoNotes and CoNLL names, matched without regard to
case); a label none of these covers has no kind and is reported.

`--map` takes three forms:

- `NAME=KIND`: keep the label, of that kind (`--map ORG=entity`);
- `NAME=LABEL`: rename it to a label the database has or the defaults know
  (`--map GPE=PLACE`, or `--map 3=PERSON` for a doccano label id);
- `NAME=LABEL:KIND`: rename it and give the new label's kind.

A label holding "=" is named by splitting the value at another "=" (`--map A=B=entity`
maps the label `A=B` when the file has no label `A`).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from annotator.errors import InputError
from annotator.labels import label_problem, shown_label
from annotator.model import KINDS, Label
from annotator.text import one_line

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


def _target(value: str) -> Target:
    if value in KINDS:
        return Target(None, value)
    label, colon, kind = value.rpartition(":")
    if colon and kind in KINDS and label:
        return Target(label, kind)
    return Target(value, None)


def _checked(spec: str, name: str, what: str) -> None:
    """--map names only labels a file could bring in and a label the database can hold."""
    problem = label_problem(name)
    if problem is not None:
        raise InputError(f"--map {one_line(spec, 60)}: {what} {shown_label(name)} {problem}")


@dataclass
class LabelMap:
    entries: dict[str, Target] = field(default_factory=dict)
    # Other readings of a spec holding several "=": (name, target) split at a later "=".
    alternates: dict[str, Target] = field(default_factory=dict)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> LabelMap:
        entries: dict[str, Target] = {}
        alternates: dict[str, Target] = {}
        for spec in specs:
            name, sep, value = spec.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name or not value:
                raise InputError(f"--map {one_line(spec, 60)}: expected NAME=KIND, NAME=LABEL or NAME=LABEL:KIND")
            target = _target(value)
            _checked(spec, name, "name")
            if target.label is not None:
                _checked(spec, target.label, "label")
            if name in entries and entries[name] != target:
                raise InputError(f"--map {one_line(spec, 60)}: {one_line(name, 40)} is mapped twice")
            entries[name] = target
            head = name
            while "=" in value:
                more, _, value = value.partition("=")
                head, value = f"{head}={more}".strip(), value.strip()
                if value and label_problem(head) is None:
                    alternates.setdefault(head, _target(value))
        return cls(entries, alternates)

    def lookup(self, name: str) -> Target | None:
        found = self.entries.get(name)
        if found is None:
            folded = name.casefold()
            found = next((t for n, t in self.entries.items() if n.casefold() == folded), None)
        if found is None:
            found = self.alternates.get(name)
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
        """The line that reports a label with no kind, with a --map argument to copy.

        The argument is quoted for a POSIX shell when the label needs it ('MY ROLE');
        a label no one can type (impossible for labels from files, which must be
        printable) is said to be so instead.
        """
        target = self.lookup(name)
        if target is not None and target.label:
            head = f"label {shown_label(name)} is mapped to {shown_label(target.label)}, which has no kind"
            return f"{head}; {_map_argument(name, target.label + ':')}"
        return f"label {shown_label(name)} has no kind; {_map_argument(name, '')}"


def _map_argument(name: str, prefix: str) -> str:
    """"pass --map NAME=entity|claim|quantity", quoted so that it can be pasted into a shell."""
    if label_problem(name) is not None or (prefix and label_problem(prefix[:-1]) is not None):
        return "its name holds characters that cannot be typed, so --map cannot name it; rename it in the file"
    plain = f"{name}={prefix}entity"
    quoted = shlex.quote(plain)
    if quoted == plain:
        return f"pass --map {name}={prefix}entity|claim|quantity"
    return f"pass --map {quoted} (or claim or quantity for entity; quoted for the shell)"
