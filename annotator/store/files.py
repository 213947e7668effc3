"""The database file itself: who may write it, reading it read-only, a damaged file in one line."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from annotator.store.schema import BUSY_TIMEOUT_SECONDS


def write_blocked(path: Path) -> str | None:
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


def connect_read_only(path: Path) -> sqlite3.Connection:
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


def copy_mode(source: Path) -> int:
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
