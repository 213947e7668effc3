"""Errors a user can act on: the CLI prints them as one line and exits non-zero."""

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
