"""The only module that speaks SQL. Applies schema.sql and commits every action at once.

Each change is one short `BEGIN IMMEDIATE` transaction in WAL mode with
synchronous=FULL, so a change the caller was told about survives a crash, and several
analysts' processes can write to one file: a writer waits for the lock (busy timeout)
rather than failing.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from annotator.errors import ConflictError, DamagedDatabaseError, InputError, SchemaError, StaleDocumentError
from annotator.labels import DEFAULT_LABELS
from annotator.model import Document, DocumentSummary, Label, NewSpan, Span
from annotator.reanchor import Placement
from annotator.text import content_hash

SCHEMA_VERSION = 3

# Statements that change existing tables, by the version they start from. New tables and
# indexes need no entry: schema.sql creates whatever is missing.
#   1 -> 2: documents keep their earlier texts (document_versions) when an article changes.
#   2 -> 3: full-text search (documents_fts, spans_fts and their triggers); the indexes of
#           an existing database are built from its rows (FILLED_AFTER below).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (),
    2: (),
}
# Run after schema.sql when upgrading from a version below the key.
FILLED_AFTER: dict[int, tuple[str, ...]] = {
    3: (
        "INSERT INTO documents_fts (documents_fts) VALUES ('rebuild')",
        "INSERT INTO spans_fts (spans_fts) VALUES ('rebuild')",
    ),
}
BUSY_TIMEOUT_SECONDS = 30.0
_SPAN_COLUMNS = 'id, uid, document_id, start, "end", label, annotator, text, note, attrs, created_at, updated_at'


def _write_blocked(path: Path) -> str | None:
    """Why this user cannot write the database (SQLite also writes -wal/-shm beside it), or None."""
    folder = path.parent if str(path.parent) else Path(".")
    if not os.access(path, os.W_OK):
        return "no write permission on the file" if not _read_only_mount(path) else "on a read-only file system"
    if not os.access(folder, os.W_OK):
        side = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
        if not all(p.exists() and os.access(p, os.W_OK) for p in side):
            return "no write permission on its folder" if not _read_only_mount(folder) else "on a read-only file system"
    return None


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes: through SQLite's read-only mode, else as immutable.

    A WAL database read without its -shm needs to create one; where even that is
    impossible (a read-only folder) nobody else can be writing it either, so reading it
    as immutable is safe.
    """
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        return sqlite3.connect(
            f"{uri}?immutable=1", uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )


def _copy_mode(source: Path) -> int:
    """A copy is no more readable than its source, nor than the user's umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    return (source.stat().st_mode & 0o777) & (0o666 & ~umask)


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """A damaged file, as opposed to a locked, full or read-only one."""
    text = str(error)
    return any(sign in text for sign in ("malformed", "corrupt", "Could not decode"))


def damaged_message(path: Path | str, error: sqlite3.DatabaseError) -> str:
    """One line for a damaged file: what happened and the two ways back."""
    from annotator.text import one_line

    shown = one_line(str(path))
    return (
        f"{shown}: database is damaged ({one_line(str(error), 100)}); restore it from a backup (`annotator backup` makes one), "
        f"or salvage what is readable: sqlite3 {shown} .recover | sqlite3 recovered.db"
    )


def schema_sql() -> str:
    """schema.sql: shipped inside the package, or read from the source checkout."""
    packaged = resources.files("annotator").joinpath("schema.sql")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "schema.sql").read_text(encoding="utf-8")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _span_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Span:
    id_, uid, document_id, start, end, label, annotator, text, note, attrs, created, updated = row
    return Span(
        uid=uid,
        document_id=document_id,
        start=start,
        end=end,
        label=label,
        annotator=annotator,
        text=text,
        note=note,
        attrs=json.loads(attrs) if attrs and attrs != "{}" else {},
        created_at=created,
        updated_at=updated,
        id=id_,
    )


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) without making an encoder per call
_SORTED_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_JSON_STRING = json.encoder.encode_basestring  # a str as _JSON writes it


def _span_json(span: Span) -> str:
    """The span as the action log keeps it: json.dumps of its fields, ensure_ascii=False."""
    return _span_json_of(span.uid, span.start, span.end, span.label, span.annotator, span.text, span.note,
                         span.attrs, span.created_at, span.updated_at)


def _span_json_of(
    uid: str, start: int, end: int, label: str, annotator: str, text: str, note: str, attrs: dict[str, Any],
    created_at: str, updated_at: str,
) -> str:
    if (
        type(start) is int and type(end) is int and type(uid) is str and type(label) is str
        and type(annotator) is str and type(text) is str and type(note) is str
        and type(created_at) is str and type(updated_at) is str
    ):
        # The same text json.dumps writes, put together without encoding a dict: an
        # import writes one for every span.
        s = _JSON_STRING
        encoded = _JSON.encode(attrs) if attrs else "{}"
        return (
            f'{{"uid": {s(uid)}, "start": {start}, "end": {end}, "label": {s(label)}, "annotator": {s(annotator)}, '
            f'"text": {s(text)}, "note": {s(note)}, "attrs": {encoded}, "created_at": {s(created_at)}, '
            f'"updated_at": {s(updated_at)}}}'
        )
    return _JSON.encode(
        {
            "uid": uid,
            "start": start,
            "end": end,
            "label": label,
            "annotator": annotator,
            "text": text,
            "note": note,
            "attrs": attrs,
            "created_at": created_at,
            "updated_at": updated_at,
        },
    )


# Uids made by add_new_documents: UUIDv7 (RFC 9562) whose random part starts with a
# counter, so the uids of a large import follow each other and go to the end of the
# uid indexes, where random ones would be written all over them (several times slower).
_UID_RANDOM = int.from_bytes(os.urandom(6), "big") >> 6  # 42 bits, one draw per process
_UID_COUNTER = itertools.count()


def _ordered_uids(count: int) -> list[str]:
    head = ((time.time_ns() // 1_000_000) & (2**48 - 1)) << 80 | 0x7 << 76 | 0b10 << 62 | _UID_RANDOM
    uids = []
    for _ in range(count):
        n = next(_UID_COUNTER) & 0xFFFFFFFF
        uids.append(f"{head | (n >> 20) << 64 | (n & 0xFFFFF) << 42:032x}")
    return uids


@dataclass(frozen=True)
class ActionResult:
    """What an undo or redo did, so the UI can put the cursor where the change was."""

    description: str
    span: Span | None
    removed_uid: str | None = None
    changed: list[ActionResult] | None = None  # every span change of a batch, in order


@dataclass(frozen=True)
class AddedDocument:
    document: Document
    created: bool
    spans_added: int
    spans_skipped: int
    updated: bool = False  # an existing article (same key) got a new version of its text
    placements: tuple[Placement, ...] = ()


MERGE_SCRATCH_PREFIX = "annotator-merge-"


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def _snapshot(source: Path, copy: Path, attempts: int = 5) -> None:
    """A consistent private copy of a database another process may be writing.

    With no -wal beside it, nobody has it open for writing: the file is copied and the
    copy kept only if neither the file nor its -wal changed meanwhile, so the other
    analyst's folder gets no side files. Otherwise SQLite's backup API reads one
    consistent snapshot through a read-only connection (the writer's -wal and -shm are
    already there).
    """
    wal = source.with_name(source.name + "-wal")
    for _ in range(attempts):
        before = (_file_state(source), _file_state(wal))
        if before[1] is not None:
            break
        shutil.copyfile(source, copy)
        if (_file_state(source), _file_state(wal)) == before:
            return
        copy.unlink(missing_ok=True)
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        target = sqlite3.connect(copy)
        try:
            reader.backup(target)
        finally:
            target.close()
    finally:
        reader.close()


def _sweep_stale_scratch() -> None:
    """Remove private merge copies left by a merge that was killed (its process is gone)."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{MERGE_SCRATCH_PREFIX}*"):
        pid_text = folder.name[len(MERGE_SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or not folder.is_dir():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive, another user's


@dataclass(frozen=True)
class SearchHit:
    """One match of a full-text search: an article, or a span in one.

    snippet marks the matched words with \x02 and \x03 (never in article text after
    import), so a screen can style them and a terminal can show them plainly.
    """

    document_id: int
    key: str
    title: str
    kind: str  # "article" or "span"
    snippet: str
    offset: int | None = None  # where to open the article (spans; articles: see locate)
    span_uid: str | None = None
    label: str | None = None
    annotator: str | None = None


SEARCH_CANDIDATES = 300  # matches ranked per query (see Store.search)


def fts_query(query: str) -> str | None:
    """A safe FTS5 query: each word quoted (operators lose their meaning) and matched as a prefix."""
    words = re.findall(r"\w+", query)
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def locate(text: str, query: str) -> int:
    """Where an article's first match of query's first word begins (0 if not found)."""
    words = re.findall(r"\w+", query)
    if not words:
        return 0
    found = re.search(r"\b" + re.escape(words[0]), text, re.IGNORECASE)
    return found.start() if found else 0


@dataclass(frozen=True)
class MergeConflict:
    """A span both databases changed since they last agreed; the later change was kept."""

    uid: str
    document_key: str
    label: str
    text: str
    annotator: str
    kept: str  # "ours" or "theirs"
    ours: str
    theirs: str


@dataclass
class MergeReport:
    documents: int = 0
    spans_added: int = 0
    spans_changed: int = 0
    spans_deleted: int = 0
    spans_duplicate: int = 0  # the other file's new span is already here under another uid
    actions: int = 0
    progress: int = 0
    conflicts: list[MergeConflict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # span uids whose text did not match


def _same_span(a: Span | None, b: Span | None) -> bool:
    """Same state as far as an analyst can tell (ids and update stamps aside)."""
    if a is None or b is None:
        return a is b
    keys = ("uid", "document_id", "start", "end", "label", "annotator", "text", "note", "attrs")
    return all(getattr(a, key) == getattr(b, key) for key in keys)


def _describe(span: Span | None) -> str:
    if span is None:
        return "deleted"
    note = f", note {span.note!r}" if span.note else ""
    return f"{span.label} {span.start}-{span.end} {span.text!r}{note}"


class Store:
    """A handle on one annotator database file."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.conn = connection
        self.path = path
        self._labels: list[Label] | None = None
        self._depth = 0
        self._batch: str | None = None
        self._db: sqlite_utils.Database | None = None
        self.read_only = False
        self.read_only_reason: str | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils' view of the same connection, made on first use (it is slow to import)."""
        import sqlite_utils

        if self._db is None:
            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, create: bool = True, read_only: bool = False) -> Store:
        """Open (and if need be create or migrate) the database at path.

        read_only is for commands that only read (stats, export, agreement, backup):
        they then work on a file or folder this user may not write, which a writing
        command refuses with one line saying so.
        """
        path = Path(path)
        existed = path.exists() and path.stat().st_size > 0
        if not existed and not create:
            raise InputError(
                f"{path}: no such database (run `annotator` to create one with the sample articles, "
                "or `annotator import PATH --db FILE`)"
            )
        if path.exists() and path.is_dir():
            raise InputError(f"{path}: is a folder, not a database file")
        if not existed:
            path.parent.mkdir(parents=True, exist_ok=True)
        blocked = _write_blocked(path) if existed else None
        if blocked and not read_only:
            raise InputError(f"{path}: is read-only ({blocked}); this command writes to it. Reading commands work")
        try:
            if blocked:
                conn = _connect_read_only(path)
            else:
                conn = sqlite3.connect(
                    path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
                )
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            if is_damage(error):
                raise DamagedDatabaseError(damaged_message(path, error)) from None
            if isinstance(error, sqlite3.OperationalError):
                # Full disk, no permission, locked: the file may be fine.
                raise InputError(f"{path}: cannot open the database ({error})") from None
            raise InputError(f"{path}: not an annotator database ({error})") from None
        if version > SCHEMA_VERSION:
            conn.close()
            raise SchemaError(
                f"{path}: made by a newer annotator (schema version {version}, this one reads "
                f"up to {SCHEMA_VERSION}); upgrade annotator to open it"
            )
        if existed and version == 0:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "documents" not in tables:
                conn.close()
                raise InputError(f"{path}: is an SQLite file but not an annotator database")
        try:
            return cls._set_up(conn, path, version, blocked)
        except sqlite3.Error:
            conn.close()
            if not existed:
                # A database that could not even be created (a full disk) leaves no
                # empty file behind to be mistaken for one later.
                for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                    leftover.unlink(missing_ok=True)
            raise

    @classmethod
    def _set_up(cls, conn: sqlite3.Connection, path: Path, version: int, blocked: str | None) -> Store:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        if blocked:
            if version < SCHEMA_VERSION:
                conn.close()
                raise InputError(
                    f"{path}: is read-only ({blocked}) and made by an older annotator: "
                    "open it once with write access to upgrade it"
                )
            store = cls(conn, path)
            store.read_only = True
            store.read_only_reason = blocked
            return store
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        store = cls(conn, path)
        if version < SCHEMA_VERSION:
            store._migrate(version)
        return store

    def _migrate(self, version: int) -> None:
        """Create a new database, or bring an older one up to SCHEMA_VERSION in one transaction.

        schema.sql only creates what is missing, so after the steps that change existing
        tables (MIGRATIONS) it is applied again to add new tables and indexes. An older
        database is copied aside first (<name>.v<N>.bak).
        """
        if version > 0:
            self._copy_aside(version)
        with self.transaction():
            for step in range(version, SCHEMA_VERSION) if version > 0 else ():
                for statement in MIGRATIONS.get(step, ()):
                    self.conn.execute(statement)
            for statement in _split_sql(schema_sql()):
                self.conn.execute(statement)
            for target, statements in FILLED_AFTER.items():
                if 0 < version < target:
                    for statement in statements:
                        self.conn.execute(statement)
            if version == 0 and not self.conn.execute("SELECT 1 FROM labels LIMIT 1").fetchone():
                self._write_labels(DEFAULT_LABELS)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _copy_aside(self, version: int) -> None:
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        if backup.exists():
            return
        target = sqlite3.connect(backup)
        try:
            self.conn.backup(target)
        finally:
            target.close()

    @staticmethod
    def write_blocked(path: Path) -> str | None:
        """Why this user cannot write the database at path, or None when they can."""
        return _write_blocked(Path(path))

    def close(self) -> None:
        self.conn.close()

    def second_connection(self) -> sqlite3.Connection:
        """Another connection to the same file, read-only when this store is."""
        if self.read_only:
            return _connect_read_only(self.path)
        return sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed unit: BEGIN IMMEDIATE takes the write lock up front.

        Nested calls join the outer transaction, so an import can put a whole file's
        documents in one unit while each method stays safe to call on its own.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            # SQLite may already have rolled back (a full disk does): a second ROLLBACK
            # would raise "no transaction is active" and hide the real error.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._labels = None
            raise
        else:
            self._depth = 0
            self.conn.execute("COMMIT")

    # -- labels --------------------------------------------------------------------

    def labels(self) -> list[Label]:
        if self._labels is None:
            rows = self.conn.execute(
                "SELECT name, kind, key, color, description FROM labels ORDER BY position, name"
            ).fetchall()
            self._labels = [Label(*row) for row in rows]
        return list(self._labels)

    def label_map(self) -> dict[str, Label]:
        return {label.name: label for label in self.labels()}

    def set_labels(self, labels: Iterable[Label]) -> None:
        """Replace the label set (labels still used by spans are kept, after the new ones)."""
        with self.transaction():
            used = {row[0] for row in self.conn.execute("SELECT DISTINCT label FROM spans")}
            old = self.label_map()
            new = list(labels)
            names = {label.name for label in new}
            keep = [old[name] for name in sorted(used - names) if name in old]
            self.conn.execute("DELETE FROM labels")
            self._write_labels([*new, *keep])
        self._labels = None

    def _write_labels(self, labels: Iterable[Label]) -> None:
        start = self.conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM labels").fetchone()[0]
        self.conn.executemany(
            "INSERT INTO labels (name, kind, key, color, description, position) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (label.name, label.kind, label.key, label.color, label.description, start + index)
                for index, label in enumerate(labels)
            ],
        )

    # -- documents -----------------------------------------------------------------

    def document_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def list_documents(self, annotator: str | None = None) -> list[DocumentSummary]:
        """Every document in corpus order with its length and span count (for one analyst, or all)."""
        where, params = ("AND s.annotator = ?", [annotator]) if annotator else ("", [])
        rows = self.conn.execute(
            f"""
            SELECT d.id, d.key, d.title, d.position, length(d.text),
                   (SELECT COUNT(*) FROM spans s WHERE s.document_id = d.id {where})
            FROM documents d ORDER BY d.position, d.id
            """,
            params,
        ).fetchall()
        return [DocumentSummary(*row) for row in rows]

    def last_document(self, annotator: str) -> int | None:
        """The article this analyst last changed, to reopen where they left off."""
        row = self.conn.execute(
            """
            SELECT document_id FROM (
                SELECT document_id, at AS at FROM actions WHERE annotator = ? AND op != 'import'
                UNION ALL
                SELECT document_id, updated_at AS at FROM progress WHERE annotator = ?
            ) ORDER BY at DESC LIMIT 1
            """,
            (annotator, annotator),
        ).fetchone()
        return row[0] if row else None

    def document(self, document_id: int) -> Document:
        row = self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, position FROM documents WHERE id = ?",
            (document_id,),
        ).fetchone()
        if row is None:
            raise InputError(f"no document with id {document_id}")
        return _document_from_row(row)

    def document_by_hash(self, sha256: str) -> Document | None:
        row = self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, position FROM documents WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        return _document_from_row(row) if row else None

    def _unique_key(self, key: str) -> str:
        candidate, n = key, 2
        while self.conn.execute("SELECT 1 FROM documents WHERE key = ?", (candidate,)).fetchone():
            candidate, n = f"{key}-{n}", n + 1
        return candidate

    def add_document(
        self,
        key: str,
        title: str,
        text: str,
        meta: dict[str, Any] | None = None,
        source: str | None = None,
        spans: Iterable[NewSpan] = (),
        kinds: dict[str, str] | None = None,
    ) -> AddedDocument:
        """Add a document (unless its content is already here) and its spans, in one transaction."""
        sha = content_hash(text)
        placements: list[Placement] = []
        updated = False
        with self.transaction():
            existing = self.document_by_hash(sha)
            previous = self._same_article(key, title, text) if existing is None else None
            if previous is not None:
                document, placements = self._new_version(previous, title, text, meta, source)
                existing, updated = document, True
            elif existing is None:
                position = self.conn.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM documents"
                ).fetchone()[0]
                cursor = self.conn.execute(
                    "INSERT INTO documents (key, title, text, sha256, meta, source, position, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        self._unique_key(key),
                        title,
                        text,
                        sha,
                        json.dumps(meta or {}, ensure_ascii=False, sort_keys=True),
                        source,
                        position,
                        now(),
                    ),
                )
                document = self.document(cursor.lastrowid or 0)
            else:
                document = existing
            added, skipped = self._import_spans(document, spans, kinds or {})
        self._labels = None
        return AddedDocument(document, existing is None, added, skipped, updated, tuple(placements))

    def add_new_documents(
        self,
        documents: Iterable[tuple[str, str, str, dict[str, Any] | None, str | None, Iterable[NewSpan], dict[str, str]]],
    ) -> list[AddedDocument]:
        """Add the leading documents that are new, with one statement per table (a large import's fast path).

        Each document is add_document's (key, title, text, meta, source, spans, kinds).
        It stops at the first that is not plainly new (its content, key or a span uid
        already stored or earlier in the list, a span outside its text) and returns
        what it added, in order: the caller adds that document with add_document, which
        knows what to do with it, and passes on the rest. The rows are those
        add_document would write.
        """
        docs = [(key, title, text, content_hash(text), meta or {}, source, list(spans), kinds)
                for key, title, text, meta, source, spans, kinds in documents]
        if not docs:
            return []

        def stored(table: str, column: str, values: list[str]) -> set[str]:
            found: set[str] = set()
            for at in range(0, len(values), 500):
                chunk = values[at : at + 500]
                marks = ", ".join("?" * len(chunk))
                found.update(row[0] for row in self.conn.execute(
                    f'SELECT {column} FROM {table} WHERE {column} IN ({marks})', chunk))
            return found

        with self.transaction():
            keys = stored("documents", "key", [d[0] for d in docs])
            hashes = stored("documents", "sha256", [d[3] for d in docs])
            uids = stored("spans", "uid", [s.uid for d in docs for s in d[6] if s.uid])
            count = 0
            for key, _, text, sha, _, _, spans, _ in docs:
                given = [s.uid for s in spans if s.uid]
                if key in keys or sha in hashes or not uids.isdisjoint(given):
                    break
                if not all(0 <= s.start < s.end <= len(text) for s in spans):
                    break
                keys.add(key)
                hashes.add(sha)
                uids.update(given)
                count += 1
            if not count:
                return []
            first_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM documents").fetchone()[0]
            position = self.conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM documents").fetchone()[0]
            stamp = now()
            known = set(self.label_map())
            labels: list[Label] = []
            names: dict[str, None] = {}
            # Flat parameter lists, a row after the other (see insert below).
            doc_values: list[Any] = []
            span_values: list[Any] = []
            action_values: list[Any] = []
            added: list[AddedDocument] = []
            uids_made = iter(_ordered_uids(2 * sum(len(d[6]) for d in docs[:count])))
            for offset, (key, title, text, sha, meta, source, spans, kinds) in enumerate(docs[:count]):
                document = Document(first_id + offset, key, title, text, sha, meta, position + offset)
                doc_values += (document.id, key, title, text, sha, _SORTED_JSON.encode(meta), source, document.position, stamp)
                seen: set[tuple[str, int, int, str]] = set()
                seen_uids: set[str] = set()
                for new in spans:
                    label, annotator, start, end = new.label, new.annotator, new.start, new.end
                    if label not in known:
                        known.add(label)
                        labels.append(Label(label, kinds.get(label, "entity"), "", "#abb2bf", "Imported label"))  # type: ignore[arg-type]
                    place = (annotator, start, end, label)
                    if place in seen or new.uid in seen_uids:
                        continue
                    seen.add(place)
                    uid = new.uid or next(uids_made)
                    seen_uids.add(uid)
                    created = new.created_at or stamp
                    updated = new.updated_at or created
                    covered = text[start:end]
                    span_values += (uid, document.id, start, end, label, annotator, covered, new.note,
                                    _SORTED_JSON.encode(new.attrs) if new.attrs else "{}", created, updated)
                    after = _span_json_of(uid, start, end, label, annotator, covered, new.note, new.attrs, created, updated)
                    action_values += (next(uids_made), annotator, document.id, stamp, "import", uid, None, after, None, self._batch)
                    names[annotator] = None
                added.append(AddedDocument(document, True, len(seen), len(spans) - len(seen)))

            def insert(head: str, width: int, values: list[Any]) -> None:
                # Many rows per statement: the full-text index's triggers then write once per
                # statement; executemany would have them write once per row, several times slower.
                # Statements of 256, 128, ... 1 rows only, so that few are compiled and cached.
                limit = self.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
                one = "(" + ", ".join("?" * width) + ")"
                rows, at = len(values) // width, 0
                while at < rows:
                    per = 256
                    while per > 1 and (per > limit or at + per > rows):
                        per //= 2
                    self.conn.execute(head + ", ".join([one] * per), values[at * width : (at + per) * width])
                    at += per

            insert("INSERT INTO documents (id, key, title, text, sha256, meta, source, position, created_at) VALUES ",
                   9, doc_values)
            if labels:
                self._write_labels(labels)
                self._labels = None
            insert('INSERT INTO spans (uid, document_id, start, "end", label, annotator, text, note, attrs, created_at,'
                   " updated_at) VALUES ", 11, span_values)
            self.conn.executemany(
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [(name, stamp) for name in names]
            )
            insert("INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch) VALUES ",
                   10, action_values)
        return added

    def _same_article(self, key: str, title: str, text: str) -> Document | None:
        """The stored article this text is a new version of: same key, and recognisably the same story.

        Two unrelated files that merely share a name (x/story.txt, y/story.txt) are not
        versions of each other: the title must match or most lines must.
        """
        row = self.conn.execute("SELECT id FROM documents WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        old = self.document(row[0])
        if old.title.strip() == title.strip():
            return old
        from difflib import SequenceMatcher

        similarity = SequenceMatcher(None, old.text.split("\n"), text.split("\n"), autojunk=False).ratio()
        return old if similarity >= 0.5 else None

    def _new_version(
        self, old: Document, title: str, text: str, meta: dict[str, Any] | None, source: str | None
    ) -> tuple[Document, list[Placement]]:
        """Store a changed article's new text, keep the old one, and re-anchor every span."""
        from annotator.reanchor import reanchor

        stamp = now()
        self.conn.execute(
            "INSERT INTO document_versions (document_id, text, sha256, title, replaced_at) VALUES (?, ?, ?, ?, ?)",
            (old.id, old.text, old.sha256, old.title, stamp),
        )
        self.conn.execute(
            "UPDATE documents SET text = ?, sha256 = ?, title = ?, meta = ?, source = COALESCE(?, source) WHERE id = ?",
            (text, content_hash(text), title, json.dumps(meta or old.meta, ensure_ascii=False, sort_keys=True), source, old.id),
        )
        spans = self.spans(old.id)
        placements = reanchor(old.text, text, spans)
        by_uid = {span.uid: span for span in spans}
        # Move every span out of the way first, so re-anchored spans never collide with
        # ones not yet moved on the unique (document, annotator, start, end, label) key.
        self.conn.execute(
            'UPDATE spans SET start = start + 1000000000000, "end" = "end" + 1000000000000 WHERE document_id = ?',
            (old.id,),
        )
        for placement in placements:
            before = by_uid[placement.uid]
            attrs = {k: v for k, v in before.attrs.items() if k != "needs_review"}
            if placement.status == "flagged":
                attrs["needs_review"] = {
                    "reason": placement.reason,
                    "old_start": before.start,
                    "old_end": before.end,
                    "old_text": before.text,
                }
            elif placement.status == "fuzzy":
                attrs["reanchored"] = {"score": round(placement.score, 1), "old_text": before.text}
            after = replace(
                before,
                start=placement.start,
                end=placement.end,
                text=text[placement.start : placement.end],
                attrs=attrs,
                updated_at=stamp,
            )
            try:
                self._write_span(after)
            except ConflictError:
                # Two spans landed on the same text with the same label: keep one.
                self.conn.execute("DELETE FROM spans WHERE uid = ?", (after.uid,))
                after = None  # type: ignore[assignment]
            if after != before:
                self._log(before.annotator, old.id, "import", before.uid, before, after)
        return self.document(old.id), placements

    def update_meta(self, document_id: int, meta: dict[str, Any]) -> None:
        """Replace a document's meta (an import adds what it keeps apart, e.g. rejected records)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE documents SET meta = ? WHERE id = ?",
                (json.dumps(meta, ensure_ascii=False, sort_keys=True), document_id),
            )

    def _import_spans(
        self, document: Document, spans: Iterable[NewSpan], kinds: dict[str, str]
    ) -> tuple[int, int]:
        added = skipped = 0
        known = self.label_map()
        stamp = now()
        for new in spans:
            if not (0 <= new.start < new.end <= len(document.text)):
                raise InputError(
                    f"span {new.start}-{new.end} is outside the text (length {len(document.text)})"
                )
            if new.label not in known:
                self._write_labels([Label(new.label, kinds.get(new.label, "entity"), "", "#abb2bf", "Imported label")])  # type: ignore[arg-type]
                known = {label.name: label for label in self._read_labels()}
            uid = new.uid or uuid.uuid4().hex
            duplicate = self.conn.execute(
                'SELECT 1 FROM spans WHERE uid = ? OR (document_id = ? AND annotator = ? AND start = ? AND "end" = ? AND label = ?)',
                (uid, document.id, new.annotator, new.start, new.end, new.label),
            ).fetchone()
            if duplicate:
                skipped += 1
                continue
            span = Span(
                uid=uid,
                document_id=document.id,
                start=new.start,
                end=new.end,
                label=new.label,
                annotator=new.annotator,
                text=document.text[new.start : new.end],
                note=new.note,
                attrs=dict(new.attrs),
                created_at=new.created_at or stamp,
                updated_at=new.updated_at or new.created_at or stamp,
            )
            self._insert_span(span)
            self._ensure_annotator(new.annotator)
            self._log(span.annotator, document.id, "import", uid, None, span)
            added += 1
        return added, skipped

    def _read_labels(self) -> list[Label]:
        rows = self.conn.execute(
            "SELECT name, kind, key, color, description FROM labels ORDER BY position, name"
        ).fetchall()
        return [Label(*row) for row in rows]

    # -- spans ---------------------------------------------------------------------

    def spans(self, document_id: int, annotator: str | None = None) -> list[Span]:
        """A document's spans in reading order (start, then longest first)."""
        if annotator is None:
            rows = self.conn.execute(
                f'SELECT {_SPAN_COLUMNS} FROM spans WHERE document_id = ? ORDER BY start, "end" DESC, label',
                (document_id,),
            )
        else:
            rows = self.conn.execute(
                f'SELECT {_SPAN_COLUMNS} FROM spans WHERE document_id = ? AND annotator = ? ORDER BY start, "end" DESC, label',
                (document_id, annotator),
            )
        return [_span_from_row(row) for row in rows]

    def spans_by_annotator(self, document_id: int) -> dict[str, list[Span]]:
        """Every analyst's spans on one document (gold included), each in reading order."""
        grouped: dict[str, list[Span]] = {}
        for span in self.spans(document_id):
            grouped.setdefault(span.annotator, []).append(span)
        return grouped

    def span(self, uid: str) -> Span | None:
        row = self.conn.execute(f"SELECT {_SPAN_COLUMNS} FROM spans WHERE uid = ?", (uid,)).fetchone()
        return _span_from_row(row) if row else None

    def add_span(
        self,
        document: Document,
        start: int,
        end: int,
        label: str,
        annotator: str,
        note: str = "",
        attrs: dict[str, Any] | None = None,
        uid: str | None = None,
    ) -> Span:
        """Tag text[start:end]; committed before it returns.

        uid: the identity the screen already drew the span under (writes run behind it).
        """
        self._check_range(document, start, end)
        if label not in self.label_map():
            raise ConflictError(f"unknown label {label!r}")
        stamp = now()
        span = Span(
            uid=uid or uuid.uuid4().hex,
            document_id=document.id,
            start=start,
            end=end,
            label=label,
            annotator=annotator,
            text=document.text[start:end],
            note=note,
            attrs=dict(attrs or {}),
            created_at=stamp,
            updated_at=stamp,
        )
        with self.transaction():
            self._check_current(document)
            self._ensure_annotator(annotator)
            span = self._insert_span(span)
            self._log(annotator, document.id, "add", span.uid, None, span)
            self.conn.execute(
                "INSERT OR IGNORE INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, 'in_progress', ?)",
                (annotator, document.id, stamp),
            )
        return span

    def update_span(
        self,
        document: Document,
        uid: str,
        annotator: str,
        *,
        start: int | None = None,
        end: int | None = None,
        label: str | None = None,
        note: str | None = None,
    ) -> Span:
        """Retag, resize or annotate a span; committed before it returns."""
        with self.transaction():
            self._check_current(document)
            before = self.span(uid)
            if before is None:
                raise ConflictError("that span no longer exists")
            new_start = before.start if start is None else start
            new_end = before.end if end is None else end
            self._check_range(document, new_start, new_end)
            if label is not None and label not in self.label_map():
                raise ConflictError(f"unknown label {label!r}")
            after = replace(
                before,
                start=new_start,
                end=new_end,
                label=before.label if label is None else label,
                note=before.note if note is None else note,
                text=document.text[new_start:new_end],
                # An analyst's change settles a span flagged after an article update.
                attrs={k: v for k, v in before.attrs.items() if k != "needs_review"},
                updated_at=now(),
            )
            if after == replace(before, updated_at=after.updated_at):
                raise ConflictError("nothing to change")
            self._write_span(after)
            self._log(annotator, document.id, "update", uid, before, after)
        return after

    def delete_span(self, document: Document, uid: str, annotator: str) -> Span:
        with self.transaction():
            self._check_current(document)
            before = self.span(uid)
            if before is None:
                raise ConflictError("that span no longer exists")
            self.conn.execute("DELETE FROM spans WHERE uid = ?", (uid,))
            self._log(annotator, document.id, "delete", uid, before, None)
        return before

    def _check_current(self, document: Document) -> None:
        """Refuse a write computed on a text the database no longer holds.

        The screen's offsets are offsets into the text it shows; if the article was
        re-imported in a changed version meanwhile, they would point elsewhere.
        Called inside the write's transaction, so the check and the write are atomic.
        """
        row = self.conn.execute("SELECT sha256 FROM documents WHERE id = ?", (document.id,)).fetchone()
        if row is None:
            raise StaleDocumentError("the article is no longer in the database; nothing was saved")
        if row[0] != document.sha256:
            raise StaleDocumentError("the article changed in the database since it was opened; nothing was saved")

    def _check_range(self, document: Document, start: int, end: int) -> None:
        if not (0 <= start < end <= len(document.text)):
            raise ConflictError(f"span {start}-{end} is outside the text or empty")

    def _insert_span(self, span: Span) -> Span:
        try:
            cursor = self.conn.execute(
                'INSERT INTO spans (uid, document_id, start, "end", label, annotator, text, note, attrs, created_at, updated_at)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    span.uid,
                    span.document_id,
                    span.start,
                    span.end,
                    span.label,
                    span.annotator,
                    span.text,
                    span.note,
                    json.dumps(span.attrs, ensure_ascii=False, sort_keys=True),
                    span.created_at,
                    span.updated_at,
                ),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"{span.label} is already on that text") from None
        return replace(span, id=cursor.lastrowid or 0)

    def _write_span(self, span: Span) -> None:
        try:
            self.conn.execute(
                'UPDATE spans SET start = ?, "end" = ?, label = ?, text = ?, note = ?, attrs = ?, updated_at = ? WHERE uid = ?',
                (
                    span.start,
                    span.end,
                    span.label,
                    span.text,
                    span.note,
                    json.dumps(span.attrs, ensure_ascii=False, sort_keys=True),
                    span.updated_at,
                    span.uid,
                ),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"{span.label} is already on that text") from None

    def _ensure_annotator(self, name: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", (name, now())
        )

    def _log(
        self,
        annotator: str,
        document_id: int,
        op: str,
        uid: str,
        before: Span | None,
        after: Span | None,
        target: int | None = None,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uuid.uuid4().hex,
                annotator,
                document_id,
                now(),
                op,
                uid,
                _span_json(before) if before else None,
                _span_json(after) if after else None,
                target,
                self._batch,
            ),
        )
        return cursor.lastrowid or 0

    # -- undo / redo ---------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction whose logged actions undo and redo as one (e.g. "accept all")."""
        if self._batch is not None:
            yield
            return
        self._batch = uuid.uuid4().hex
        try:
            with self.transaction():
                yield
        finally:
            self._batch = None

    def _stacks(self, document_id: int, annotator: str) -> tuple[list[list[int]], list[list[int]]]:
        """Replay the log into (done, undone) stacks of steps: undo survives a restart.

        A step is the list of action ids one user action made (one, or a whole batch).
        """
        done: list[list[int]] = []
        undone: list[list[int]] = []
        rows = self.conn.execute(
            "SELECT id, op, batch FROM actions WHERE document_id = ? AND annotator = ? AND op != 'import' ORDER BY id",
            (document_id, annotator),
        ).fetchall()
        steps: list[tuple[str, list[int]]] = []
        for action_id, op, batch in rows:
            kind = op if op in ("undo", "redo") else "do"
            if batch is not None and steps and steps[-1][0] == (kind, batch):
                steps[-1][1].append(action_id)
            else:
                steps.append(((kind, batch) if batch is not None else (kind, f"#{action_id}"), [action_id]))  # type: ignore[arg-type]
        for (kind, _), ids in steps:  # type: ignore[misc]
            if kind == "undo":
                if done:
                    undone.append(done.pop())
            elif kind == "redo":
                if undone:
                    done.append(undone.pop())
            else:
                done.append(ids)
                undone.clear()
        return done, undone

    def history_flags(self, document_id: int, annotator: str) -> tuple[bool, bool]:
        """(can undo, can redo) from one replay of the log."""
        done, undone = self._stacks(document_id, annotator)
        return bool(done), bool(undone)

    def can_undo(self, document_id: int, annotator: str) -> bool:
        return bool(self._stacks(document_id, annotator)[0])

    def can_redo(self, document_id: int, annotator: str) -> bool:
        return bool(self._stacks(document_id, annotator)[1])

    def undo(self, document: Document, annotator: str) -> ActionResult | None:
        return self._step(document, annotator, "undo")

    def redo(self, document: Document, annotator: str) -> ActionResult | None:
        return self._step(document, annotator, "redo")

    def _step(self, document: Document, annotator: str, op: str) -> ActionResult | None:
        with self.batch():
            self._check_current(document)
            done, undone = self._stacks(document.id, annotator)
            stack = done if op == "undo" else undone
            if not stack:
                return None
            targets = stack[-1]
            results: list[ActionResult] = []
            for target in reversed(targets) if op == "undo" else targets:
                results.append(self._revert(document, annotator, op, target))
        if len(results) == 1:
            return results[0]
        last = next((r for r in reversed(results) if r.span is not None), results[-1])
        return ActionResult(
            description=f"{op} {len(results)} changes",
            span=last.span,
            removed_uid=last.removed_uid,
            changed=[r for r in results],
        )

    def _revert(self, document: Document, annotator: str, op: str, target: int) -> ActionResult:
        """Apply one logged action backwards (undo) or forwards again (redo), and log that."""
        original_op, uid, before_json, after_json = self.conn.execute(
            "SELECT op, span_uid, before, after FROM actions WHERE id = ?", (target,)
        ).fetchone()
        if original_op == "reject":
            # A change to a rejection: before/after hold {"reviewer": ...} when the span
            # was rejected on that side, NULL when it was not (a withdrawal has after NULL).
            wanted_json = before_json if op == "undo" else after_json
            if wanted_json is None:
                self.conn.execute("DELETE FROM decisions WHERE span_uid = ?", (uid,))
            else:
                reviewer = json.loads(wanted_json).get("reviewer", annotator)
                self.conn.execute(
                    "INSERT OR REPLACE INTO decisions (span_uid, document_id, decision, reviewer, at) VALUES (?, ?, 'rejected', ?, ?)",
                    (uid, document.id, reviewer, now()),
                )
            self._log(annotator, document.id, op, uid, None, None, target)
            withdrawn = before_json is not None and after_json is None
            return ActionResult(description=f"{op} {'withdrawn rejection' if withdrawn else 'reject'}", span=None)
        before = self._span_from_json(before_json, document.id)
        after = self._span_from_json(after_json, document.id)
        wanted = before if op == "undo" else after
        if wanted is not None and document.text[wanted.start : wanted.end] != wanted.text:
            # Logged against an earlier version of the article: its offsets no longer
            # point at its text, so restoring it would shift the span.
            raise ConflictError(
                f"cannot {op}: that change was made on an earlier version of this article"
            )
        # What is stored now, not what this action left: another analyst may have
        # deleted or changed the span since, and the log must tell the truth.
        current = self.span(uid)
        if wanted is None:
            self.conn.execute("DELETE FROM spans WHERE uid = ?", (uid,))
            result_span = None
        elif current is None:
            result_span = self._insert_span(replace(wanted, updated_at=now()))
        else:
            result_span = replace(wanted, updated_at=now())
            self._write_span(result_span)
        self._log(annotator, document.id, op, uid, current, result_span, target)
        verb = {"add": "tag", "delete": "delete", "update": "change"}.get(original_op, original_op)
        label = (before or after).label if (before or after) else ""
        return ActionResult(
            description=f"{op} {verb} {label}".strip(),
            span=result_span,
            removed_uid=uid if result_span is None else None,
        )

    @staticmethod
    def _span_from_json(raw: str | None, document_id: int) -> Span | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return Span(document_id=document_id, **data)

    def history(self, document_id: int) -> list[dict[str, Any]]:
        """The action log of one document, oldest first."""
        return list(
            self.db.query(
                "SELECT id, annotator, at, op, span_uid, before, after, target FROM actions"
                " WHERE document_id = ? ORDER BY id",
                [document_id],
            )
        )

    # -- progress and review -------------------------------------------------------

    def set_progress(self, annotator: str, document_id: int, state: str | None) -> None:
        """Record where an analyst stands on an article (None: not started)."""
        with self.transaction():
            if state is None:
                self.conn.execute(
                    "DELETE FROM progress WHERE annotator = ? AND document_id = ?", (annotator, document_id)
                )
            else:
                self._ensure_annotator(annotator)
                self.conn.execute(
                    "INSERT INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (annotator, document_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                    (annotator, document_id, state, now()),
                )

    def progress_of(self, annotator: str, document_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT state FROM progress WHERE annotator = ? AND document_id = ?", (annotator, document_id)
        ).fetchone()
        return row[0] if row else None

    def progress(self) -> dict[int, dict[str, str]]:
        """document id -> analyst -> 'in_progress' or 'done'."""
        table: dict[int, dict[str, str]] = {}
        for annotator, document_id, state in self.conn.execute(
            "SELECT annotator, document_id, state FROM progress ORDER BY annotator"
        ):
            table.setdefault(document_id, {})[annotator] = state
        return table

    def rejected(self, document_id: int) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT span_uid FROM decisions WHERE document_id = ?", (document_id,))}

    def reject(self, document_id: int, span_uids: Iterable[str], reviewer: str, log_as: str = "gold") -> None:
        """Record that the reviewer rejected these analysts' spans (undoable in log_as's history)."""
        with self.transaction():
            for uid in span_uids:
                self.conn.execute(
                    "INSERT OR REPLACE INTO decisions (span_uid, document_id, decision, reviewer, at) VALUES (?, ?, 'rejected', ?, ?)",
                    (uid, document_id, reviewer, now()),
                )
                self.conn.execute(
                    "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
                    " VALUES (?, ?, ?, ?, 'reject', ?, NULL, ?, NULL, ?)",
                    (uuid.uuid4().hex, log_as, document_id, now(), uid, json.dumps({"reviewer": reviewer}), self._batch),
                )

    def unreject(self, span_uids: Iterable[str], log_as: str = "gold") -> None:
        """Withdraw rejections, logged in log_as's history so undo puts them back."""
        with self.transaction():
            for uid in span_uids:
                row = self.conn.execute(
                    "SELECT document_id, reviewer FROM decisions WHERE span_uid = ?", (uid,)
                ).fetchone()
                if row is None:
                    continue
                document_id, reviewer = row
                self.conn.execute("DELETE FROM decisions WHERE span_uid = ?", (uid,))
                self.conn.execute(
                    "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
                    " VALUES (?, ?, ?, ?, 'reject', ?, ?, NULL, NULL, ?)",
                    (uuid.uuid4().hex, log_as, document_id, now(), uid, json.dumps({"reviewer": reviewer}), self._batch),
                )

    # -- backup ----------------------------------------------------------------------

    def backup(self, destination: Path | str) -> None:
        """A consistent copy while analysts keep working (SQLite's online backup API)."""
        destination = Path(destination)
        if destination.resolve() == self.path.resolve():
            raise InputError(f"{destination}: is the database itself")
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".{destination.name}.part")
        partial.unlink(missing_ok=True)
        try:
            target = sqlite3.connect(partial)
            try:
                self.conn.backup(target, pages=1024)
                target.execute("PRAGMA journal_mode = DELETE")
                target.commit()
                # The backup API copies pages as they are: a damaged source makes a
                # damaged copy, which must not pass for a good backup.
                problems = [row[0] for row in target.execute("PRAGMA quick_check(5)")]
            finally:
                target.close()
            os.chmod(partial, _copy_mode(self.path))
            if problems != ["ok"]:
                raise DamagedDatabaseError(
                    damaged_message(self.path, sqlite3.DatabaseError("; ".join(problems)))
                    + "; no backup was written"
                )
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    # -- merging another analyst's database -----------------------------------------

    def merge(self, other_path: Path | str) -> MergeReport:
        """Bring in another database: documents by content hash, spans and history by uid.

        A span the two files share takes the other file's current state (label,
        offsets, note, attrs, or its deletion) when the other file changed it since the
        two last agreed; when both changed it, the later change wins and the losing
        state stays reachable by undo (a logged resolution). Nothing changes when the
        same database is merged twice.
        """
        other_path = Path(other_path)
        if not other_path.is_file():
            raise InputError(f"{other_path}: no such database")
        if other_path.resolve() == self.path.resolve():
            raise InputError(f"{other_path}: is the database being merged into")
        _sweep_stale_scratch()
        scratch = tempfile.TemporaryDirectory(prefix=f"{MERGE_SCRATCH_PREFIX}{os.getpid()}-")
        copy = Path(scratch.name) / "other.db"
        try:
            _snapshot(other_path, copy)
        except OSError as error:
            scratch.cleanup()
            raise InputError(f"{other_path}: cannot read ({error.strerror or error})") from None
        except sqlite3.DatabaseError as error:
            scratch.cleanup()
            raise InputError(f"{other_path}: not an annotator database ({error})") from None
        try:
            other_conn = sqlite3.connect(copy, timeout=BUSY_TIMEOUT_SECONDS)
            version = other_conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in other_conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            scratch.cleanup()
            raise InputError(f"{other_path}: not an annotator database ({error})") from None
        if "documents" not in tables or "spans" not in tables:
            other_conn.close()
            scratch.cleanup()
            raise InputError(f"{other_path}: is not an annotator database")
        other_conn.close()
        if version > SCHEMA_VERSION:
            scratch.cleanup()
            raise SchemaError(
                f"{other_path}: made by a newer annotator (schema version {version}, this one reads up to {SCHEMA_VERSION})"
            )
        try:
            # An older database is upgraded in the copy, never in place; the copy also
            # gets the index the span-by-span comparison needs.
            other = Store.open(copy, create=False)
            other.conn.execute("CREATE INDEX IF NOT EXISTS actions_by_span ON actions (span_uid)")
            other.close()
            report = self._merge_from(copy, other_path)
        finally:
            scratch.cleanup()
        self._labels = None
        return report

    def _merge_from(self, copy: Path, source: Path) -> MergeReport:
        report = MergeReport()
        self.conn.execute("ATTACH DATABASE ? AS other", (str(copy),))
        try:
            self._check_names(source)
            with self.transaction():
                self.conn.execute("CREATE INDEX IF NOT EXISTS actions_by_span ON actions (span_uid)")
                self._merge_labels()
                documents = self._merge_documents(report)
                self.conn.execute(
                    "INSERT OR IGNORE INTO annotators (name, created_at) SELECT name, created_at FROM other.annotators"
                )
                changed = self._changed_span_uids()
                self._merge_actions(documents, report)
                for uid, (their_span_at, their_decision_at) in changed.items():
                    self._merge_span(uid, documents, their_span_at, their_decision_at, report)
                self._merge_unlogged_spans(documents, report)
                self._merge_progress(documents, report)
        finally:
            self.conn.execute("DETACH DATABASE other")
        return report

    def _check_names(self, source: Path) -> None:
        """Labels and analyst names are checked as an import checks them: no way in for raw ones."""
        from annotator.labels import label_problem
        from annotator.settings import validate_annotator
        from annotator.text import one_line

        for (name,) in self.conn.execute(
            "SELECT name FROM other.labels UNION SELECT DISTINCT label FROM other.spans"
        ).fetchall():
            problem = label_problem(name)
            if problem:
                raise InputError(f"{one_line(str(source))}: label {one_line(repr(name))} {problem}; nothing merged")
        for (name,) in self.conn.execute(
            "SELECT name FROM other.annotators UNION SELECT DISTINCT annotator FROM other.spans"
        ).fetchall():
            try:
                validate_annotator(name, allow_reserved=True)
            except InputError as error:
                raise InputError(f"{one_line(str(source))}: analyst {one_line(repr(name))}: {error}; nothing merged") from None

    def _merge_labels(self) -> None:
        mine = self.label_map()
        for row in self.conn.execute(
            "SELECT name, kind, key, color, description FROM other.labels ORDER BY position, name"
        ).fetchall():
            label = Label(*row)
            if label.name not in mine:
                taken = any(existing.key == label.key for existing in self.labels())
                self._write_labels([replace(label, key="" if taken else label.key)])
                self._labels = None
                mine = self.label_map()

    def _merge_documents(self, report: MergeReport) -> dict[int, Document]:
        """Their document id -> our document (added when its text is new here)."""
        documents: dict[int, Document] = {}
        for other_id, key, title, text, sha, meta, source in self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, source FROM other.documents ORDER BY position, id"
        ).fetchall():
            mine = self.document_by_hash(sha)
            if mine is None:
                position = self.conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM documents").fetchone()[0]
                self.conn.execute(
                    "INSERT INTO documents (key, title, text, sha256, meta, source, position, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (self._unique_key(key), title, text, sha, meta, source, position, now()),
                )
                mine = self.document_by_hash(sha)
                assert mine is not None
                report.documents += 1
            documents[other_id] = mine
        return documents

    def _changed_span_uids(self) -> dict[str, tuple[str | None, str | None]]:
        """Span uid -> when the other file last changed it (span, rejection) in ways we lack.

        Read before their history is copied in: "new" means an action whose uid this
        database has not seen. Undo and redo count as the kind of action they target.
        """
        changed: dict[str, tuple[str | None, str | None]] = {}
        for span_uid, span_at, decision_at in self.conn.execute(
            "SELECT a.span_uid,"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN NULL ELSE a.at END),"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN a.at END)"
            " FROM other.actions a LEFT JOIN other.actions t ON t.id = a.target"
            " WHERE NOT EXISTS (SELECT 1 FROM main.actions m WHERE m.uid = a.uid)"
            " GROUP BY a.span_uid"
        ):
            changed[span_uid] = (span_at, decision_at)
        return changed

    def _our_unshared_change(self, uid: str) -> tuple[str | None, str | None]:
        """When this database last changed the span (span, rejection) in ways the other lacks."""
        row = self.conn.execute(
            "SELECT"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN NULL ELSE a.at END),"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN a.at END)"
            " FROM main.actions a LEFT JOIN main.actions t ON t.id = a.target"
            " WHERE a.span_uid = ? AND NOT EXISTS (SELECT 1 FROM other.actions o WHERE o.uid = a.uid)",
            (uid,),
        ).fetchone()
        return row[0], row[1]

    def _merge_actions(self, documents: dict[int, Document], report: MergeReport) -> None:
        """Copy in the history we lack, in their order, with targets mapped to our ids."""
        action_ids: dict[int, int] = {}
        for row in self.conn.execute(
            "SELECT id, uid, annotator, document_id, at, op, span_uid, before, after, target, batch"
            " FROM other.actions ORDER BY id"
        ).fetchall():
            other_id, uid, annotator, document_id, at, op, span_uid, before, after, target, batch = row
            found = self.conn.execute("SELECT id FROM main.actions WHERE uid = ?", (uid,)).fetchone()
            if found:
                action_ids[other_id] = found[0]
                continue
            cursor = self.conn.execute(
                "INSERT INTO main.actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid, annotator, documents[document_id].id, at, op, span_uid, before, after,
                    action_ids.get(target) if target else None, batch,
                ),
            )
            action_ids[other_id] = cursor.lastrowid or 0
            report.actions += 1

    def _their_span(self, uid: str, documents: dict[int, Document]) -> Span | None:
        row = self.conn.execute(f"SELECT {_SPAN_COLUMNS} FROM other.spans WHERE uid = ?", (uid,)).fetchone()
        if row is None:
            return None
        span = _span_from_row(row)
        return replace(span, document_id=documents[span.document_id].id, id=0)

    def _merge_span(
        self,
        uid: str,
        documents: dict[int, Document],
        their_span_at: str | None,
        their_decision_at: str | None,
        report: MergeReport,
    ) -> None:
        """Settle one span the other file changed: take theirs, keep ours, or the later of both."""
        ours_span_at, ours_decision_at = self._our_unshared_change(uid)
        if their_span_at is not None:
            mine = self.span(uid)
            theirs = self._their_span(uid, documents)
            if not _same_span(mine, theirs):
                if ours_span_at is None:
                    self._apply_merged(uid, mine, theirs, documents, report)
                else:
                    # Both changed it since they last agreed: the later change wins.
                    winner, loser = (theirs, mine) if their_span_at > ours_span_at else (mine, theirs)
                    where = (mine or theirs)
                    assert where is not None
                    report.conflicts.append(
                        MergeConflict(
                            uid=uid,
                            document_key=self._document_key(where.document_id),
                            label=where.label,
                            text=where.text,
                            annotator=where.annotator,
                            kept="theirs" if winner is theirs else "ours",
                            ours=_describe(mine),
                            theirs=_describe(theirs),
                        )
                    )
                    if winner is theirs:
                        self._apply_merged(uid, mine, theirs, documents, report)
                    # The loser's state stays one undo away for the span's analyst.
                    self._log_resolution(uid, loser, self.span(uid), where)
        if their_decision_at is not None and (ours_decision_at is None or their_decision_at > ours_decision_at):
            self._merge_decision(uid, documents)

    def _apply_merged(
        self, uid: str, mine: Span | None, theirs: Span | None, documents: dict[int, Document], report: MergeReport
    ) -> None:
        if theirs is None:
            if mine is not None:
                self.conn.execute("DELETE FROM spans WHERE uid = ?", (uid,))
                report.spans_deleted += 1
            return
        document = next(d for d in documents.values() if d.id == theirs.document_id)
        if document.text[theirs.start : theirs.end] != theirs.text:
            # Documents are matched by content hash, so this means a damaged row:
            # never store a span whose text is not what its offsets point at.
            report.refused.append(uid)
            return
        if mine is None:
            if self._same_place_taken(theirs):
                report.spans_duplicate += 1
                return
            self._insert_span(theirs)
            report.spans_added += 1
        else:
            if mine.document_id != theirs.document_id:
                report.refused.append(uid)
                return
            try:
                self._write_span(theirs)
            except ConflictError:
                report.refused.append(uid)
                return
            report.spans_changed += 1

    def _same_place_taken(self, span: Span) -> bool:
        return (
            self.conn.execute(
                'SELECT 1 FROM spans WHERE document_id = ? AND annotator = ? AND start = ? AND "end" = ? AND label = ?',
                (span.document_id, span.annotator, span.start, span.end, span.label),
            ).fetchone()
            is not None
        )

    def _log_resolution(self, uid: str, loser: Span | None, winner: Span | None, where: Span) -> None:
        """An 'update' from the losing to the winning state, in the span analyst's history."""
        if _same_span(loser, winner):
            return
        op = "update" if loser is not None and winner is not None else ("delete" if winner is None else "add")
        self.conn.execute(
            "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (
                uuid.uuid4().hex, where.annotator, where.document_id, now(), op, uid,
                _span_json(loser) if loser else None, _span_json(winner) if winner else None,
            ),
        )

    def _merge_decision(self, uid: str, documents: dict[int, Document]) -> None:
        row = self.conn.execute(
            "SELECT document_id, decision, reviewer, at FROM other.decisions WHERE span_uid = ?", (uid,)
        ).fetchone()
        if row is None:
            self.conn.execute("DELETE FROM decisions WHERE span_uid = ?", (uid,))
            return
        document_id, decision, reviewer, at = row
        self.conn.execute(
            "INSERT OR REPLACE INTO decisions (span_uid, document_id, decision, reviewer, at) VALUES (?, ?, ?, ?, ?)",
            (uid, documents[document_id].id, decision, reviewer, at),
        )

    def _merge_unlogged_spans(self, documents: dict[int, Document], report: MergeReport) -> None:
        """Spans with no history at all on either side (older files): added when new here."""
        for row in self.conn.execute(
            f"SELECT {_SPAN_COLUMNS} FROM other.spans s"
            " WHERE NOT EXISTS (SELECT 1 FROM main.spans m WHERE m.uid = s.uid)"
            " AND NOT EXISTS (SELECT 1 FROM main.actions a WHERE a.span_uid = s.uid)"
        ).fetchall():
            theirs = _span_from_row(row)
            theirs = replace(theirs, document_id=documents[theirs.document_id].id, id=0)
            self._apply_merged(theirs.uid, None, theirs, documents, report)
        for row in self.conn.execute(
            "SELECT span_uid, document_id, decision, reviewer, at FROM other.decisions"
        ).fetchall():
            span_uid, document_id, decision, reviewer, at = row
            self.conn.execute(
                "INSERT OR IGNORE INTO decisions (span_uid, document_id, decision, reviewer, at)"
                " SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM main.actions WHERE span_uid = ? AND op = 'reject')",
                (span_uid, documents[document_id].id, decision, reviewer, at, span_uid),
            )

    def _merge_progress(self, documents: dict[int, Document], report: MergeReport) -> None:
        for annotator, document_id, state, updated in self.conn.execute(
            "SELECT annotator, document_id, state, updated_at FROM other.progress"
        ).fetchall():
            cursor = self.conn.execute(
                "INSERT INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (annotator, document_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
                " WHERE excluded.updated_at > progress.updated_at AND excluded.state != progress.state",
                (annotator, documents[document_id].id, state, updated),
            )
            report.progress += max(cursor.rowcount, 0)

    def _document_key(self, document_id: int) -> str:
        row = self.conn.execute("SELECT key FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row[0] if row else str(document_id)

    # -- reporting -----------------------------------------------------------------

    def annotators(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM annotators ORDER BY name")]

    def search(self, query: str, limit: int = 50, spans: bool = True) -> list[SearchHit]:
        """Articles (title, text) and spans (text, note) matching every word of query.

        The words are matched as prefixes, whatever FTS5 operators they look like, so
        any text a user types is a valid query. Articles first (best matches first),
        then spans.
        """
        match = fts_query(query)
        if match is None:
            return []
        hits: list[SearchHit] = []
        # Ranking every match of a word in every article costs time in proportion to the
        # library; the best of the first SEARCH_CANDIDATES matches keeps a query fast
        # however common its words (for rare words that is every match).
        ranked = self.conn.execute(
            "SELECT d.id, d.key, d.title, bm25(documents_fts, 10.0, 1.0),"
            " snippet(documents_fts, 1, char(2), char(3), '…', 12)"
            " FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
            " WHERE documents_fts MATCH ? LIMIT ?",
            (match, SEARCH_CANDIDATES),
        ).fetchall()
        for document_id, key, title, _, snippet in sorted(ranked, key=lambda row: row[3])[:limit]:
            hits.append(SearchHit(document_id, key, title, "article", snippet))
        if spans:
            for document_id, key, title, uid, label, annotator, start, text in self.conn.execute(
                "SELECT d.id, d.key, d.title, s.uid, s.label, s.annotator, s.start, s.text"
                " FROM (SELECT rowid, bm25(spans_fts) AS score FROM spans_fts WHERE spans_fts MATCH ? LIMIT ?) AS m"
                " JOIN spans s ON s.id = m.rowid JOIN documents d ON d.id = s.document_id"
                " ORDER BY m.score LIMIT ?",
                (match, SEARCH_CANDIDATES, limit),
            ):
                hits.append(
                    SearchHit(document_id, key, title, "span", text, offset=start, span_uid=uid, label=label, annotator=annotator)
                )
        return hits

    # -- the article list at library scale ---------------------------------------------
    # list_documents reads every article's text for its length (0.9 s at 100,000
    # articles). These read indexes, or only the rows asked for; document_columns reads
    # every row once, for the app to keep until the library changes (library_stamp).

    def document_order(self) -> list[int]:
        """Every document id in corpus order, from the order index alone (no row is read)."""
        return [row[0] for row in self.conn.execute("SELECT id FROM documents ORDER BY position, id")]

    def library_stamp(self) -> tuple[int, int, int]:
        """(documents, highest id, highest replaced version): changes when an article is
        added, removed or re-imported, so what was read of the library can be kept until then."""
        count, highest = self.conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM documents").fetchone()
        versions = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM document_versions").fetchone()[0]
        return int(count), int(highest), int(versions)

    def document_columns(self) -> tuple[list[int], list[str], list[str], list[int], list[int]]:
        """list_documents without the span counts, as columns: (ids, keys, titles, positions,
        lengths) in corpus order. Reads every text for its length: 0.5 s at 100,000 articles.

        Columns, not a record per row: 100,000 records (or row tuples alive at once) are
        objects the garbage collector walks on every full collection."""
        ids: list[int] = []
        keys: list[str] = []
        titles: list[str] = []
        positions: list[int] = []
        lengths: list[int] = []
        for document_id, key, title, position, length in self.conn.execute(
            "SELECT id, key, title, position, length(text) FROM documents ORDER BY position, id"
        ):
            ids.append(document_id)
            keys.append(key)
            titles.append(title)
            positions.append(position)
            lengths.append(length)
        return ids, keys, titles, positions, lengths

    def span_counts(self, annotator: str | None = None) -> dict[int, int]:
        """document id -> spans (by annotator, or by anyone), for documents with any; from the span index."""
        where, params = ("WHERE +annotator = ?", [annotator]) if annotator else ("", [])
        return dict(self.conn.execute(f"SELECT document_id, COUNT(*) FROM spans {where} GROUP BY document_id", params))

    def document_summaries(self, ids: Iterable[int], annotator: str | None = None) -> dict[int, DocumentSummary]:
        """list_documents' rows for these documents only (spans by annotator, or by anyone)."""
        wanted = list(dict.fromkeys(ids))
        where, extra = ("AND s.annotator = ?", [annotator]) if annotator else ("", [])
        found: dict[int, DocumentSummary] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self.conn.execute(
                f"""
                SELECT d.id, d.key, d.title, d.position, length(d.text),
                       (SELECT COUNT(*) FROM spans s WHERE s.document_id = d.id {where})
                FROM documents d WHERE d.id IN ({", ".join("?" * len(chunk))})
                """,
                [*extra, *chunk],
            ):
                found[row[0]] = DocumentSummary(*row)
        return found

    def progress_annotators(self) -> list[str]:
        """Everyone with progress on any article, one index seek per name."""
        return [
            row[0]
            for row in self.conn.execute(
                """
                WITH RECURSIVE names(name) AS (
                    SELECT MIN(annotator) FROM progress
                    UNION ALL
                    SELECT (SELECT MIN(annotator) FROM progress WHERE annotator > name) FROM names WHERE name IS NOT NULL
                )
                SELECT name FROM names WHERE name IS NOT NULL
                """
            )
        ]

    def progress_of_documents(self, ids: Iterable[int]) -> dict[int, dict[str, str]]:
        """progress() for these documents only: primary-key lookups, not a scan of the table."""
        wanted = list(dict.fromkeys(ids))
        names = self.progress_annotators()
        table: dict[int, dict[str, str]] = {}
        if not names:
            return table
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for annotator, document_id, state in self.conn.execute(
                f"SELECT annotator, document_id, state FROM progress WHERE annotator IN ({', '.join('?' * len(names))})"
                f" AND document_id IN ({', '.join('?' * len(chunk))}) ORDER BY annotator",
                [*names, *chunk],
            ):
                table.setdefault(document_id, {})[annotator] = state
        return table

    def started_documents(self, annotator: str | None = None) -> int:
        """Documents with at least one span (by annotator, or by anyone), from the span index."""
        if annotator:
            # `+annotator`: walk the (document_id, annotator) index, not look up each row.
            sql, params = "SELECT COUNT(DISTINCT document_id) FROM spans WHERE +annotator = ?", [annotator]
        else:
            sql, params = "SELECT COUNT(DISTINCT document_id) FROM spans", []
        return int(self.conn.execute(sql, params).fetchone()[0])

    def list_figures(self, annotator: str | None = None, me: str | None = None) -> dict[str, int]:
        """What the article list's column widths depend on, as analysts work, from the span index.

        `most_spans` is the most spans (by annotator, or by anyone) on one article,
        `started` the articles with spans, `done_without_spans` those `me` marked done
        without tagging anything, `last_position` the highest corpus position.
        """
        where, params = ("WHERE +annotator = ?", [annotator]) if annotator else ("", [])
        most, started = self.conn.execute(
            f"SELECT COALESCE(MAX(n), 0), COUNT(*) FROM (SELECT COUNT(*) AS n FROM spans {where} GROUP BY document_id)",
            params,
        ).fetchone()
        done_without_spans = 0
        if me:
            done_without_spans = self.conn.execute(
                "SELECT COUNT(*) FROM progress p WHERE p.annotator = ? AND p.state = 'done' AND NOT EXISTS"
                f" (SELECT 1 FROM spans s WHERE s.document_id = p.document_id {'AND s.annotator = ?' if annotator else ''})",
                [me, *params],
            ).fetchone()[0]
        return {
            "documents": self.document_count(),
            "most_spans": int(most),
            "started": int(started),
            "done_without_spans": int(done_without_spans),
            "last_position": int(self.conn.execute("SELECT COALESCE(MAX(position), 0) FROM documents").fetchone()[0]),
        }

    def progress_groups(self) -> set[tuple[str, ...]]:
        """Each distinct set of analysts with progress on one article (the article list's widest marks)."""
        groups: set[tuple[str, ...]] = set()
        for (names,) in self.conn.execute(
            "SELECT DISTINCT names FROM (SELECT group_concat(annotator, char(31)) AS names FROM progress GROUP BY document_id)"
        ):
            groups.add(tuple(sorted(names.split("\x1f"))))
        return groups

    def stats(self) -> dict[str, Any]:
        """Counts for `annotator stats`: documents, spans by label, kind and analyst, progress."""
        documents = self.document_count()
        by_label = self.conn.execute(
            "SELECT s.label, COALESCE(l.kind, '?'), COUNT(*) FROM spans s LEFT JOIN labels l ON l.name = s.label"
            " GROUP BY s.label ORDER BY COUNT(*) DESC, s.label"
        ).fetchall()
        by_kind = self.conn.execute(
            "SELECT COALESCE(l.kind, '?'), COUNT(*) FROM spans s LEFT JOIN labels l ON l.name = s.label"
            " GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        by_annotator = self.conn.execute(
            "SELECT annotator, COUNT(*), COUNT(DISTINCT document_id), MAX(updated_at) FROM spans"
            " GROUP BY annotator ORDER BY annotator"
        ).fetchall()
        done = dict(
            self.conn.execute("SELECT annotator, COUNT(*) FROM progress WHERE state = 'done' GROUP BY annotator").fetchall()
        )
        total = self.conn.execute("SELECT COUNT(*) FROM spans").fetchone()[0]
        touched = self.conn.execute("SELECT COUNT(DISTINCT document_id) FROM spans").fetchone()[0]
        return {
            "documents": documents,
            "spans": total,
            "documents_with_spans": touched,
            "by_label": [{"label": l, "kind": k, "spans": n} for l, k, n in by_label],
            "by_kind": [{"kind": k, "spans": n} for k, n in by_kind],
            "by_annotator": [
                {"annotator": a, "spans": n, "documents": d, "done": done.get(a, 0), "last_update": t}
                for a, n, d, t in by_annotator
            ],
        }

    def export_rows(
        self,
        annotators: list[str] | None = None,
        labels: list[str] | None = None,
        kinds: list[str] | None = None,
        only_annotated: bool = False,
        as_bytes: bool = False,
    ) -> Iterator[Any]:
        """One native-format JSON line per document, built by SQLite and streamed.

        SQLite assembles the JSON so a million spans never sit in Python memory at once
        and the export runs at the speed of the query itself.
        """
        conditions = ["s.document_id = d.id"]
        params: list[Any] = []
        for column, values in (("s.annotator", annotators), ("s.label", labels), ("l.kind", kinds)):
            if values:
                conditions.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        where = " AND ".join(conditions)
        span_query = f"""
            SELECT json_group_array(json(j)) FROM (
                SELECT json_object(
                    'start', s.start, 'end', s."end", 'label', s.label, 'kind', COALESCE(l.kind, 'entity'),
                    'text', s.text, 'annotator', s.annotator, 'note', s.note, 'attrs', json(s.attrs),
                    'uid', s.uid, 'created_at', s.created_at, 'updated_at', s.updated_at
                ) AS j
                FROM spans s LEFT JOIN labels l ON l.name = s.label
                WHERE {where}
                ORDER BY s.start, s."end", s.label, s.annotator
            )
        """
        having = f"AND EXISTS (SELECT 1 FROM spans s LEFT JOIN labels l ON l.name = s.label WHERE {where})" if only_annotated else ""
        sql = f"""
            SELECT json_object(
                'id', d.key, 'title', d.title, 'text', d.text, 'meta', json(d.meta),
                'spans', json(({span_query}))
            )
            FROM documents d WHERE 1 {having} ORDER BY d.position, d.id
        """
        # A cursor of its own with bytes results: the lines go to the file as SQLite made them.
        conn = self.second_connection() if as_bytes else self.conn
        if as_bytes:
            conn.text_factory = bytes
        try:
            cursor = conn.execute(sql, params + (params if only_annotated else []))
            while True:
                rows = cursor.fetchmany(256)
                if not rows:
                    return
                for (line,) in rows:
                    yield line
        finally:
            if as_bytes:
                conn.close()

    def work_by_document(self) -> dict[str, dict[str, tuple[int, bool]]]:
        """document key -> analyst -> (spans, marked done), for every analyst with either.

        Exports use it to write an article for an analyst only when that analyst worked
        on it; for 'gold', done is the review screen's adjudicated mark.
        """
        table: dict[str, dict[str, tuple[int, bool]]] = {}
        for key, annotator, spans, done in self.conn.execute(
            """
            SELECT d.key, w.annotator, SUM(w.spans), MAX(w.done) FROM (
                SELECT document_id, annotator, COUNT(*) AS spans, 0 AS done FROM spans GROUP BY document_id, annotator
                UNION ALL
                SELECT document_id, annotator, 0, 1 FROM progress WHERE state = 'done'
            ) w JOIN documents d ON d.id = w.document_id
            GROUP BY d.id, w.annotator
            """
        ):
            table.setdefault(key, {})[annotator] = (int(spans), bool(done))
        return table


def _document_from_row(row: tuple[Any, ...]) -> Document:
    id_, key, title, text, sha, meta, position = row
    return Document(id_, key, title, text, sha, json.loads(meta) if meta else {}, position)


def _split_sql(script: str) -> list[str]:
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
