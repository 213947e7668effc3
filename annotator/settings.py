"""Where the database lives, who is annotating, and where the bundled corpus is."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from annotator.errors import InputError
from annotator.text import describe_char

DB_ENV = "ANNOTATOR_DB"
NAME_ENV = "ANNOTATOR_NAME"
DEFAULT_DB = Path("annotator.db")
RESERVED_NAMES = frozenset({"gold"})


def default_db_path() -> Path:
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def validate_annotator(name: str, allow_reserved: bool = False) -> str:
    """Names are shown in the UI and exports: printable, short, not a reserved name."""
    name = name.strip()
    if not name:
        raise InputError("annotator name is empty; pass --annotator NAME")
    if len(name) > 64:
        raise InputError("annotator name is longer than 64 characters")
    if not name.isprintable():
        # Tabs, line breaks, separators and escape sequences break exports and terminals.
        char = next(c for c in name if not c.isprintable())
        raise InputError(f"annotator name contains control characters or other invisible ones: {describe_char(char)}")
    if not allow_reserved and name.lower() in RESERVED_NAMES:
        raise InputError(f"annotator name {name!r} is reserved for the adjudicated set")
    return name


def resolve_annotator(flag: str | None) -> str:
    """The --annotator flag, else $ANNOTATOR_NAME, else the OS user."""
    if flag:
        return validate_annotator(flag)
    if os.environ.get(NAME_ENV):
        return validate_annotator(os.environ[NAME_ENV])
    try:
        return validate_annotator(getpass.getuser())
    except (OSError, KeyError):
        return "analyst"


def bundled_corpus() -> Path | None:
    """The sample articles: inside the installed package, or corpus/ in a source checkout."""
    from importlib import resources  # only when the bundled corpus is needed: keeps start-up short

    packaged = resources.files("annotator").joinpath("corpus")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "corpus"
    return checkout if checkout.is_dir() else None
