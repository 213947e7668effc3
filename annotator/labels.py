"""The label set: a default fit for news analysis, replaceable by a project's labels file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from annotator.errors import InputError
from annotator.model import KINDS, Label
from annotator.text import describe_char

DEFAULT_LABELS: tuple[Label, ...] = (
    Label("CLAIM", "claim", "c", "#c678dd", "A checkable assertion someone makes: who says what is or will be so."),
    Label("PERSON", "entity", "p", "#61afef", "A named person, e.g. Kadyr Malikov; not titles alone."),
    Label("ORG", "entity", "o", "#e5c07b", "A named organisation, agency, company, party or group, e.g. GKNB."),
    Label("PLACE", "entity", "l", "#98c379", "A named country, city, region, facility or other location."),
    Label("OTHER", "entity", "m", "#56b6c2", "Another named thing: an event, law, weapon, product or publication."),
    Label("QUANTITY", "quantity", "q", "#e06c75", "A number with what it counts or measures: dates, money, people, percentages."),
)

# Keys the app itself uses (see the help screen); a labels file may not take them.
APP_KEYS = frozenset("w s t u U n b e a v r x A B D E L Q S j k y Y f g / ; , ) * = #".split()) | frozenset("0123456789")
# Matched whole (fullmatch): "$" would let a final "\n" in.
_COLOR = re.compile(r"#[0-9a-fA-F]{6}|[a-z]+")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,39}")


def label_problem(name: str) -> str | None:
    """Why a label name cannot be stored, or None when it can.

    A label has to survive every export format and every terminal: CoNLL separates
    columns with tabs and rows with line breaks, brat turns white space into "_", and a
    control character would reach the terminal of whoever lists the labels. So a label
    is printable text, as an analyst name is, with plain spaces allowed only inside
    (--map strips them, and CoNLL tags cannot start with one).
    """
    if not name.strip():
        return "is empty"
    for char in name:
        if char != " " and not char.isprintable():
            return f"holds {describe_char(char)}; a label is printable text"
    if name != name.strip(" "):
        return "starts or ends with a space"
    return None


def shown_label(name: str, limit: int = 40) -> str:
    """A label quoted for a message: repr escapes every character a terminal would act on."""
    return repr(name if len(name) <= limit else name[: limit - 1] + "…")


def check_label(name: str, where: str, field: str = "label") -> str:
    """The label, or one line naming where it came from and what is wrong with it."""
    problem = label_problem(name)
    if problem is not None:
        raise InputError(f"{where}: {field} {shown_label(name)} {problem}")
    return name


def load_labels(path: Path) -> list[Label]:
    """Read a labels file: a JSON list of {name, kind, key, color, description}."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot read labels file: {error}") from None
    except RecursionError:
        raise InputError(f"{path}: cannot read labels file: JSON nested too deeply") from None
    except ValueError as error:  # a number past Python's digit limit for int()
        raise InputError(f"{path}: cannot read labels file: {error}".split(";")[0]) from None
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{path}: a labels file is a non-empty JSON list of label objects")
    labels: list[Label] = []
    seen_names: set[str] = set()
    seen_keys: set[str] = set()
    for number, item in enumerate(raw, start=1):
        where = f"{path}: label {number}"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected an object")
        name = item.get("name")
        kind = item.get("kind")
        key = item.get("key")
        color = item.get("color", "#abb2bf")
        description = item.get("description", "")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InputError(f"{where}: 'name' must be a word of letters, digits, _ or - (got {name!r})")
        if kind not in KINDS:
            raise InputError(f"{where}: 'kind' must be one of {', '.join(KINDS)} (got {kind!r})")
        if not isinstance(key, str) or len(key) != 1 or not (key.isascii() and key.isalpha()):
            raise InputError(f"{where}: 'key' must be one letter (got {key!r})")
        if key in APP_KEYS:
            raise InputError(f"{where}: key {key!r} is used by the app; choose another")
        if not isinstance(color, str) or not _COLOR.fullmatch(color):
            raise InputError(f"{where}: 'color' must look like #rrggbb (got {color!r})")
        if not isinstance(description, str):
            raise InputError(f"{where}: 'description' must be text")
        if name in seen_names:
            raise InputError(f"{where}: label {name} appears twice")
        if key in seen_keys:
            raise InputError(f"{where}: key {key!r} is given to two labels")
        seen_names.add(name)
        seen_keys.add(key)
        labels.append(Label(name, kind, key, color, description))
    return labels
