"""The schema's version, its migrations, and schema.sql as statements."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path


SCHEMA_VERSION = 4


# Statements that change existing tables, by the version they start from. New tables and
# indexes need no entry: schema.sql creates whatever is missing.
#   1 -> 2: documents keep their earlier texts (document_versions) when an article changes.
#   2 -> 3: full-text search (documents_fts, spans_fts and their triggers); the indexes of
#           an existing database are built from its rows (FILLED_AFTER below).
#   3 -> 4: the entity registry (entities, entity_aliases, entity_actions): new tables
#           only; entity links, claim attribution and quantity values live in the
#           existing spans.attrs JSON, so no existing row changes.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (),
    2: (),
    3: (),
}


# Run after schema.sql when upgrading from a version below the key.
FILLED_AFTER: dict[int, tuple[str, ...]] = {
    3: (
        "INSERT INTO documents_fts (documents_fts) VALUES ('rebuild')",
        "INSERT INTO spans_fts (spans_fts) VALUES ('rebuild')",
    ),
}


BUSY_TIMEOUT_SECONDS = 30.0


def schema_sql() -> str:
    """schema.sql: shipped inside the package, or read from the source checkout."""
    packaged = resources.files("annotator").joinpath("schema.sql")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "schema.sql").read_text(encoding="utf-8")


def split_sql(script: str) -> list[str]:
    """Statements of schema.sql, so they run inside our own transaction."""
    statements: list[str] = []
    buffer: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") and not buffer:
            continue
        buffer.append(line)
        candidate = "\n".join(buffer)
        if sqlite3.complete_statement(candidate):
            statements.append(candidate.strip())
            buffer = []
    return [s for s in statements if s.strip(" ;\n")]
