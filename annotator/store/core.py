"""The Store: opening (create, migrate, read-only), backups, and the parts put together."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path

from annotator.errors import DamagedDatabaseError, InputError, SchemaError
from annotator.labels import DEFAULT_LABELS
from annotator.store.schema import BUSY_TIMEOUT_SECONDS, FILLED_AFTER, MIGRATIONS, SCHEMA_VERSION, schema_sql, split_sql
from annotator.store.files import connect_read_only, copy_mode, damaged_message, is_damage, write_blocked
from annotator.store.history import History
from annotator.store.documents import Documents
from annotator.store.spans import Spans
from annotator.store.merge import Merging
from annotator.store.entities import Entities
from annotator.store.reports import Reports


class Store(Documents, Spans, History, Merging, Reports, Entities):
    """A handle on one annotator database file."""

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
        blocked = write_blocked(path) if existed else None
        if blocked and not read_only:
            raise InputError(f"{path}: is read-only ({blocked}); this command writes to it. Reading commands work")
        try:
            if blocked:
                conn = connect_read_only(path)
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
            for statement in split_sql(schema_sql()):
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
        return write_blocked(Path(path))

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
            os.chmod(partial, copy_mode(self.path))
            if problems != ["ok"]:
                raise DamagedDatabaseError(
                    damaged_message(self.path, sqlite3.DatabaseError("; ".join(problems)))
                    + "; no backup was written"
                )
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
