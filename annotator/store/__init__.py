"""The only code that speaks SQL. Applies schema.sql and commits every action at once.

Each change is one short `BEGIN IMMEDIATE` transaction in WAL mode with
synchronous=FULL, so a change the caller was told about survives a crash, and several
analysts' processes can write to one file: a writer waits for the lock (busy timeout)
rather than failing. One module a job: schema, rows, files, the connection (base),
documents, spans, history, merge, reports, entities; `Store` (core) puts them together.
"""

from annotator.store.core import Store
from annotator.store.documents import AddedDocument
from annotator.store.entities import FORMS, STANCES, Entity, EntityRow, Mention, QuantityRow
from annotator.store.files import damaged_message, is_damage
from annotator.store.history import ActionResult
from annotator.store.merge import MergeConflict, MergeReport
from annotator.store.reports import SearchHit, fts_query, locate
from annotator.store.rows import now
from annotator.store.schema import BUSY_TIMEOUT_SECONDS, MIGRATIONS, SCHEMA_VERSION, schema_sql

__all__ = [
    "ActionResult", "AddedDocument", "BUSY_TIMEOUT_SECONDS", "Entity", "EntityRow", "FORMS", "Mention", "QuantityRow",
    "STANCES", "MIGRATIONS", "MergeConflict", "MergeReport",
    "SCHEMA_VERSION", "SearchHit", "Store", "damaged_message", "fts_query", "is_damage", "locate", "now",
    "schema_sql",
]
