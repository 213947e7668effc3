"""Reading an input file as text, with one clear line when it is not text at all."""

from __future__ import annotations

from pathlib import Path

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
