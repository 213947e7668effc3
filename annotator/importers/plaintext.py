"""Plain-text articles (.txt, .md): one file, one document."""

from __future__ import annotations

from pathlib import Path

from annotator.cleaning import clean_article, find_title
from annotator.errors import InputError
from annotator.importers.reading import read_text
from annotator.importers.records import Record, check_encodable
from annotator.text import canonicalize


def read_plaintext(path: Path, key: str | None = None, clean: bool = True, encoding: str | None = None) -> list[Record]:
    text = canonicalize(read_text(path, encoding))
    check_encodable(text, str(path))
    meta: dict[str, object] = {"source_file": path.name}
    if clean:
        cleaned = clean_article(text)
        body, title = cleaned.text, cleaned.title
        if cleaned.head_removed or cleaned.tail_removed:
            meta["chrome_removed"] = {"head_chars": cleaned.head_removed, "tail_chars": cleaned.tail_removed}
    else:
        body, title = text, find_title(text)
    if not body.strip():
        raise InputError(f"{path}: empty file (no text to annotate)")
    return [Record(key or path.stem, title or path.stem, body, meta, where=str(path))]
