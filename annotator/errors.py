"""Errors a user can act on (the CLI prints them as one line and exits non-zero), and the
small wording rules every message the command line prints follows."""

from __future__ import annotations


class AnnotatorError(Exception):
    """Base of errors shown to the user without a traceback."""


class InputError(AnnotatorError):
    """A file, line or field the user gave is wrong."""


class SchemaError(AnnotatorError):
    """The database was made by another version of annotator."""


class ConflictError(AnnotatorError):
    """An action would break a rule, e.g. the same label twice on the same span."""


class StaleDocumentError(ConflictError):
    """The article changed in the database since it was put on screen: nothing was written."""


class DamagedDatabaseError(AnnotatorError):
    """The database file is truncated or has a corrupted page: restore it from a backup."""


# -- the wording of what the command line tells the user -------------------------------


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 document', '2 documents', '0 history entries': every count printed agrees with its noun.

    One rule in one place, so a report never reads "1 progress marks".
    """
    return f"{number} {noun_for(number, noun, plural)}"


def noun_for(number: int, noun: str, plural: str | None = None) -> str:
    """The noun alone, agreeing with number: for wordings like "(2 of them model suggestions)"."""
    if number == 1:
        return noun
    return plural if plural is not None else noun + "s"


def json_problem(message: str, column: int) -> str:
    """Python's JSON error text with its column, reading as a sentence.

    Some of json's messages end in "at" ("Unterminated string starting at", "Invalid
    control character at") because json appends the place itself; adding " at column"
    to those would say "at at".
    """
    message = message.rstrip(": ")
    joint = " column" if message.endswith(" at") else " at column"
    return f"{message}{joint} {column}"
