"""Files that appear whole or not at all: written beside the target, then renamed over it."""

from __future__ import annotations

import functools
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@functools.cache
def _umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _mode_for(target: Path) -> int:
    """The mode the old file had, else what a plain open() would give a new file."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


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


@contextmanager
def atomic_binary_writer(target: Path) -> Iterator[IO[bytes]]:
    """The same for bytes: the fastest path, when SQLite already produced UTF-8."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
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
    try:
        directory = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
