"""Training splits: each document goes to a part by the sha256 of its text.

A document's part depends on its own hash only (the first 8 hex digits read as a
fraction of 2**32, placed against the cumulative fractions in the order given), so the
assignment is the same on every run and adding documents never moves existing ones.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from annotator.errors import InputError, counted, noun_for
from annotator.exporters.atomic import fcntl, is_temporary_of, sweep_stale

ASSIGNMENT = (
    "int(sha256(text)[:8], 16) / 2**32 against the cumulative fractions, in the order given; "
    "sha256 is the document's content hash (its UTF-8 text)"
)
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_split(spec: str) -> list[tuple[str, float]]:
    """'train=0.8,dev=0.1,test=0.1' -> [('train', 0.8), ...]; one-line errors."""
    parts: list[tuple[str, float]] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            raise InputError(f"--split {spec}: an empty part; write NAME=FRACTION,NAME=FRACTION,...")
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise InputError(f"--split {spec}: {item!r} is not NAME=FRACTION (e.g. train=0.8,dev=0.1,test=0.1)")
        if not _NAME.match(name):
            raise InputError(f"--split {spec}: part name {name!r} may hold only letters, digits, '-' and '_'")
        if name in ("manifest",):
            raise InputError(f"--split {spec}: 'manifest' is the manifest's own name; choose another part name")
        try:
            fraction = float(value)
        except ValueError:
            raise InputError(f"--split {spec}: {value.strip()!r} is not a number (part {name})") from None
        if not math.isfinite(fraction) or fraction <= 0:
            raise InputError(f"--split {spec}: part {name} must have a fraction above 0, not {value.strip()}")
        if any(existing == name for existing, _ in parts):
            raise InputError(f"--split {spec}: part {name} is named twice")
        parts.append((name, fraction))
    total = math.fsum(fraction for _, fraction in parts)
    if abs(total - 1.0) > 1e-6:
        raise InputError(f"--split {spec}: the fractions add up to {total:g}, not 1")
    return parts


def part_of(sha256: str, parts: list[tuple[str, float]]) -> str:
    position = int(sha256[:8], 16) / 2**32
    cumulative = 0.0
    for name, fraction in parts:
        cumulative += fraction
        if position < cumulative:
            return name
    return parts[-1][0]


def share(fraction: float) -> str:
    """0.1 -> '10%', 0.125 -> '12.5%'."""
    return f"{round(fraction * 100, 6):g}%"


def why_empty(fraction: float, documents: int) -> str:
    """Why a part of the split got no document, `documents` being how many the whole split wrote.

    An empty part is legal (a hash is a hash), but a user who asked for a 10% test set
    and got an empty file needs to be told whether that was bad luck or arithmetic.
    """
    if documents == 0:
        return "no document to export"
    if documents * fraction < 1:
        return f"{counted(documents, 'document')} {noun_for(documents, 'is', 'are')} too few for a {share(fraction)} part"
    return (
        f"none of the {counted(documents, 'document')} fell in its {share(fraction)}: each goes to a part by the hash "
        "of its text, so a small set splits unevenly"
    )


def part_path(target: Path, part: str) -> Path:
    """exports/project.conll -> exports/project.train.conll; a folder gets the same rule."""
    return target.with_name(f"{target.stem}.{part}{target.suffix}")


def manifest_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.manifest.json")


def checksum(path: Path) -> tuple[str, int]:
    """sha256 and size of a file; of a folder, sha256 of its `sha256sum`-style listing."""
    if path.is_dir():
        listing = []
        size = 0
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest, length = checksum(item)
            size += length
            listing.append(f"{digest}  {item.relative_to(path).as_posix()}\n")
        return hashlib.sha256("".join(listing).encode("utf-8")).hexdigest(), size
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# -- writing a split as one set ---------------------------------------------------------
#
# exports/news.train.conll, news.dev.conll, ... and news.manifest.json are symbolic
# links that never change: each points into exports/.news.conll.split/current/, and
# `current` is itself a link to one generation folder holding a complete set (every
# part and its manifest). A new set is written into a fresh generation folder, flushed
# to disk, and `current` is replaced by a link to it in one rename. So at every
# instant the names show the old complete set or the new one, whatever kills the
# export. A reader who wants to be safe from an export running at the same time opens
# the manifest's real path (os.path.realpath) and reads the parts beside it.

SPLIT_SUFFIX = ".split"
CURRENT = "current"
LOCK = "lock"


def store_path(target: Path) -> Path:
    """exports/news.conll -> exports/.news.conll.split: where a split's generations live."""
    return target.with_name(f".{target.name}{SPLIT_SUFFIX}")


def is_our_link(target: Path, path: Path) -> bool:
    """Is path the link a split export of target keeps at that name?"""
    try:
        return path.is_symlink() and os.readlink(path) == f"{store_path(target).name}/{CURRENT}/{path.name}"
    except OSError:
        return False


def _fsync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    """Folders (a brat part) have their entries flushed too, not only their files."""
    for folder, _, _ in os.walk(path):
        _fsync_directory(Path(folder))


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def symlinks_work(directory: Path) -> bool:
    """Can this file system (and platform) hold the links the set is switched by?"""
    probe = directory / f".symlink-probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.symlink("probe", probe)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


class SplitSet:
    """The parts and manifest of one split export, replaced together or not at all.

    with SplitSet(out, names) as split:
        write each name into split.path(name)
        split.commit()

    Until commit() nothing the user sees changes; leaving the block without it (an
    error) removes the new generation. Another export to the same target waits for
    the lock. Generations and temporary links a killed run left are removed on the
    next run.
    """

    def __init__(self, out: Path, names: list[str]) -> None:
        self.parent = out.parent
        self.store = store_path(out)
        self.names = names  # the stable file names: parts, then the manifest (last)
        self.folder = self.store  # replaced by the new generation in __enter__
        self.linked = True
        self._lock_fd: int | None = None
        self._committed = False

    # -- the context ------------------------------------------------------------------

    def __enter__(self) -> SplitSet:
        self.parent.mkdir(parents=True, exist_ok=True)
        self.store.mkdir(exist_ok=True)
        self._lock()
        try:
            self.linked = symlinks_work(self.store)
            self.sweep()
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            self.folder = self.store / f"g-{stamp}-{os.getpid()}-{secrets.token_hex(4)}"
            self.folder.mkdir()
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if not self._committed:
                shutil.rmtree(self.folder, ignore_errors=True)
        finally:
            self._unlock()

    def path(self, name: str) -> Path:
        """Where the new set's file `name` is written (inside the new generation)."""
        return self.folder / name

    def _lock(self) -> None:
        if fcntl is None:
            return
        fd = os.open(self.store / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- what a killed run left -------------------------------------------------------

    def _current_generation(self) -> str | None:
        try:
            return os.readlink(self.store / CURRENT)
        except OSError:
            return None

    def sweep(self) -> None:
        """Remove everything of ours but the live set: old generations, temporary links
        and files. Runs under the lock, so nothing here belongs to a live export."""
        keep = {LOCK, CURRENT, self._current_generation()}
        for entry in list(self.store.iterdir()):
            if entry.name not in keep:
                _remove(entry)
        for name in self.names:
            sweep_stale(self.parent, name)
            for entry in list(self.parent.iterdir()):
                if is_temporary_of(entry.name, name, ".link") and entry.is_symlink():
                    entry.unlink(missing_ok=True)
        self._sweep_unused_links()

    def _link_text(self, name: str) -> str:
        return f"{self.store.name}/{CURRENT}/{name}"

    def _ours(self, name: str) -> bool:
        path = self.parent / name
        try:
            return path.is_symlink() and os.readlink(path) == self._link_text(name)
        except OSError:
            return False

    def _sweep_unused_links(self) -> None:
        """Links of ours to parts the live set no longer has (a part dropped from --split)."""
        prefix = f"{self.store.name}/{CURRENT}/"
        for entry in list(self.parent.iterdir()):
            if entry.name in self.names or not entry.is_symlink():
                continue
            try:
                text = os.readlink(entry)
            except OSError:
                continue
            if text == prefix + entry.name and not entry.exists():
                entry.unlink(missing_ok=True)

    # -- switching --------------------------------------------------------------------

    def _place_link(self, link_text: str, at: Path) -> None:
        """A symbolic link at `at`, put there by one rename (over a file or a link)."""
        temporary = at.with_name(f".{at.name}.{secrets.token_hex(4)}.link")
        os.symlink(link_text, temporary)
        try:
            os.replace(temporary, at)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def _switch(self, generation: Path) -> None:
        self._place_link(generation.name, self.store / CURRENT)
        _fsync_directory(self.store)

    def _adopt(self) -> None:
        """Make every stable name a link of ours, the content shown staying the same.

        Needed on the first run, over files an earlier version wrote, or when a name
        was replaced by hand. The content now shown is first copied (hard-linked where
        possible) into a generation of its own, `current` switched to it, then each
        name replaced by a link showing the same bytes.
        """
        strangers = [name for name in self.names if not self._ours(name)]
        if not strangers:
            return
        shown = [name for name in strangers if (self.parent / name).exists()]
        if shown:
            snapshot = self.store / f"{self.folder.name}-was"
            snapshot.mkdir()
            current = self._current_generation()
            if current is not None and (self.store / current).is_dir():
                for item in (self.store / current).iterdir():
                    _copy(item, snapshot / item.name)
            for name in shown:
                _remove(snapshot / name)
                _copy(self.parent / name, snapshot / name)
            _fsync_tree(snapshot)
            self._switch(snapshot)
        manifest = self.names[-1]
        folders = [name for name in strangers if (self.parent / name).is_dir() and not (self.parent / name).is_symlink()]
        if folders and manifest not in folders:
            # A folder cannot be replaced by a link in one rename: the manifest goes
            # first, so while a folder is swapped no manifest claims it.
            (self.parent / manifest).unlink(missing_ok=True)
            _fsync_directory(self.parent)
        for name in strangers:
            path = self.parent / name
            if path.is_dir() and not path.is_symlink():
                aside = self.store / f"{self.folder.name}-old-{name}"
                os.replace(path, aside)
                self._place_link(self._link_text(name), path)
                shutil.rmtree(aside, ignore_errors=True)
            elif name != manifest:
                self._place_link(self._link_text(name), path)
        if manifest in strangers or folders:
            self._place_link(self._link_text(manifest), self.parent / manifest)
        _fsync_directory(self.parent)

    def commit(self) -> None:
        """Show the new set: everything flushed first, then one rename of `current`;
        a kill before that rename leaves the old set showing, after it the new one."""
        _fsync_tree(self.folder)
        _fsync_directory(self.store)
        if not self.linked:
            self._commit_without_links()
            return
        self._adopt()
        self._switch(self.folder)
        self._committed = True
        keep = {LOCK, CURRENT, self.folder.name}
        for entry in list(self.store.iterdir()):
            if entry.name not in keep:
                _remove(entry)
        self._sweep_unused_links()

    def _commit_without_links(self) -> None:
        """Where symbolic links are not available: each part renamed into place, the
        manifest last. Weaker: a kill between renames leaves parts the manifest's
        checksums do not match (a reader can tell, not the set)."""
        for name in self.names:
            source, target = self.folder / name, self.parent / name
            if source.is_dir():
                aside = self.store / f"{self.folder.name}-old-{name}"
                if target.exists() or target.is_symlink():
                    os.replace(target, aside)
                os.replace(source, target)
                _remove(aside)
            else:
                os.replace(source, target)
        _fsync_directory(self.parent)
        self._committed = True
        for entry in list(self.store.iterdir()):
            if entry.name != LOCK:
                _remove(entry)


def _copy(source: Path, destination: Path) -> None:
    """The bytes `source` shows (following links), hard-linked where possible."""
    real = Path(os.path.realpath(source))
    if real.is_dir():
        shutil.copytree(real, destination, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(real), str(destination))


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
