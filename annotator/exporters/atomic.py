"""Files that appear whole or not at all: written beside the target, then renamed over it.

The temporary file (`.<name>.XXXXXXXX.part`) is locked (flock) while it is written, so
a later run can tell a live writer's file from one a killed run left, and removes only
the latter.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # not POSIX: no locks, so nothing is swept
    fcntl = None  # type: ignore[assignment]

PART_SUFFIX = ".part"
_RANDOM = re.compile(r"[a-z0-9_]{8}")  # tempfile's names: 8 characters of this alphabet


@functools.cache
def _umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_MODE_CAP: ContextVar[int] = ContextVar("export_mode_cap", default=0o777)


@contextmanager
def no_wider_than(source: Path) -> Iterator[None]:
    """Files written meanwhile are no more readable than source (a chmod 600 database stays private)."""
    try:
        cap = stat.S_IMODE(source.stat().st_mode)
    except OSError:
        cap = 0o777
    token = _MODE_CAP.set(cap)
    try:
        yield
    finally:
        _MODE_CAP.reset(token)


def _mode_for(target: Path) -> int:
    """The mode the old file had, else what a plain open() would give a new file; capped by the source's."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    return mode & _MODE_CAP.get()


@contextmanager
def atomic_writer(target: Path) -> Iterator[IO[str]]:
    """An interrupted export leaves the old file (or none), never a truncated one."""
    with atomic_binary_writer(target) as raw:
        import io

        handle = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False)
        try:
            yield handle
            handle.flush()
        finally:
            handle.detach()


def is_temporary_of(name: str, target_name: str, suffix: str = PART_SUFFIX) -> bool:
    """Is name one of our temporary names for target_name (`.<target>.XXXXXXXX<suffix>`)?"""
    prefix = f".{target_name}."
    return (
        name.startswith(prefix)
        and name.endswith(suffix)
        and _RANDOM.fullmatch(name[len(prefix) : len(name) - len(suffix)]) is not None
    )


def sweep_stale(directory: Path, target_name: str) -> int:
    """Remove temporary files a killed export left for target_name; returns how many.

    A file is removed only while we hold its lock and it is still the file at that
    name, so a live writer's file (locked) is never touched.
    """
    if fcntl is None:
        return 0
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        if not is_temporary_of(entry.name, target_name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.stat(entry.path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                os.unlink(entry.path)
                removed += 1
        except OSError:  # locked by a live writer, or gone already
            pass
        finally:
            os.close(fd)
    return removed


def _locked_temporary(target: Path) -> tuple[int, str]:
    """A new temporary file beside target, locked, and still at its name once locked."""
    while True:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PART_SUFFIX, dir=target.parent)
        if fcntl is None:
            return fd, temporary
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(temporary).st_ino == os.fstat(fd).st_ino:
                return fd, temporary
        except FileNotFoundError:
            pass
        os.close(fd)  # a sweep took it between mkstemp and the lock: make another


@contextmanager
def atomic_binary_writer(target: Path) -> Iterator[IO[bytes]]:
    """The same for bytes: the fastest path, when SQLite already produced UTF-8."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target.parent, target.name)
    fd, temporary = _locked_temporary(target)
    lock = os.dup(fd)  # holds the lock until the rename, after the handle is closed
    try:
        # mkstemp makes the file private (0600); an export is meant to be shared like
        # any file the user writes, so give it the mode the old file had, else the
        # umask's default.
        os.chmod(temporary, _mode_for(target))
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    finally:
        os.close(lock)
    try:
        directory = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
