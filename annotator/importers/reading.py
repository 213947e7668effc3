"""Reading an input file as text, with one clear line when it is not text at all.

read_text reads a file whole; decoded_chunks and text_lines read it a block at a time
with the same checks and the same messages, so a large file is imported without being
held in memory.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from annotator.errors import InputError

_MAGIC = {
    b"\x1f\x8b": "gzip-compressed data",
    b"PK\x03\x04": "a zip archive",
    b"%PDF": "a PDF file",
    b"SQLite format 3": "an SQLite database",
    b"\x89PNG": "a PNG image",
}


def read_text(path: Path, encoding: str | None = None) -> str:
    """Decode a file strictly (UTF-8 unless told otherwise): no guessing that shifts offsets later."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{path}: is {what}, not text; unpack or convert it first")
    if encoding is None and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Windows "Unicode" text: the byte-order mark says what it is, so nothing is
        # guessed (the NUL bytes in it would otherwise read as a binary file).
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not valid UTF-16 (at byte {error.start})") from None
    if encoding is None or encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        nul = data.find(b"\x00")
        if nul != -1:
            line = data[:nul].count(b"\n") + 1
            raise InputError(f"{path}:{line}: looks binary (NUL byte at byte {nul}); only text files can be imported")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise InputError(
                f"{path}:{line}: not valid UTF-8 (byte 0x{data[error.start]:02x} at byte {error.start}); "
                "if it is Latin-1 or Windows text, import it with --encoding cp1252"
            ) from None
    try:
        return data.decode(encoding)
    except LookupError:
        raise InputError(f"{path}: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: cannot decode byte {error.start} as {encoding}") from None


# Read a file this many bytes at a time: big enough for speed, small enough that a
# file of any size is never held whole.
BLOCK = 1 << 20


def _is_utf8(encoding: str | None) -> bool:
    return encoding is None or encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def decoded_chunks(path: Path, encoding: str | None = None) -> Iterator[str]:
    """The file's text a block at a time, decoded as strictly as read_text decodes it.

    A file read_text refuses (binary, a NUL byte, not valid in its encoding, an unknown
    encoding) is handed to read_text the moment that shows, so the one line that
    refuses it is the same whether the file is read whole or in blocks.
    """
    try:
        handle = open(path, "rb")
    except OSError:
        _refused(path, encoding)
    with handle:
        block = handle.read(BLOCK)
        name = "utf-8"
        if any(block.startswith(magic) for magic in _MAGIC):
            _refused(path, encoding)
        if encoding is None and block.startswith((b"\xff\xfe", b"\xfe\xff")):
            name = "utf-16"
        elif not _is_utf8(encoding):
            name = encoding  # type: ignore[assignment]
        try:
            decoder = codecs.getincrementaldecoder(name)("strict")
        except LookupError:
            _refused(path, encoding)
        check_nul = name == "utf-8"
        while block:
            if check_nul and b"\x00" in block:
                _refused(path, encoding)
            try:
                text = decoder.decode(block)
            except (UnicodeDecodeError, TypeError):  # TypeError: a str-to-str codec (rot13)
                _refused(path, encoding)
            if text:
                yield text
            block = handle.read(BLOCK)
        try:
            text = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            _refused(path, encoding)
        if text:
            yield text


def _refused(path: Path, encoding: str | None) -> NoReturn:
    """Raise the error read_text gives this file (it reads it whole: only for a file it refuses)."""
    read_text(path, encoding)
    raise InputError(f"{path}: cannot be read as {encoding or 'UTF-8'} text")  # read_text accepted it after all


def text_lines(path: Path, encoding: str | None = None) -> Iterator[str]:
    """The file's lines as read_text(...).split("\\n") gives them, without holding the file."""
    rest: list[str] = []  # the start of a line that goes on in the next block
    for chunk in decoded_chunks(path, encoding):
        lines = chunk.split("\n")
        if len(lines) == 1:
            rest.append(chunk)
            continue
        if rest:
            rest.append(lines[0])
            lines[0] = "".join(rest)
        rest = [lines.pop()]
        yield from lines
    yield "".join(rest)
