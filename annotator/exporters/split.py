"""Training splits: each document goes to a part by the sha256 of its text.

A document's part depends on its own hash only (the first 8 hex digits read as a
fraction of 2**32, placed against the cumulative fractions in the order given), so the
assignment is the same on every run and adding documents never moves existing ones.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

from annotator.errors import InputError

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
