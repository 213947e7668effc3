"""The connection and the transaction every store module writes through."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from annotator.model import Label
from annotator.store.schema import BUSY_TIMEOUT_SECONDS
from annotator.store.files import connect_read_only


class StoreBase:
    """A connection to one annotator database file, and its transactions."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.conn = connection
        self.path = path
        self._labels: list[Label] | None = None
        self._depth = 0
        self._batch: str | None = None
        self.read_only = False
        self.read_only_reason: str | None = None


    def close(self) -> None:
        self.conn.close()

    def second_connection(self) -> sqlite3.Connection:
        """Another connection to the same file, read-only when this store is."""
        if self.read_only:
            return connect_read_only(self.path)
        return sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)

    def __enter__(self) -> Self:
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
