"""Articles and labels: adding, versions of a changed article, listing."""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from annotator.errors import ConflictError, InputError
from annotator.model import Document, DocumentSummary, Label, NewSpan, Span
from annotator.text import content_hash
from annotator.store.rows import _SORTED_JSON, _span_json_of, document_from_row, now
from annotator.store.base import StoreBase

if TYPE_CHECKING:  # re-anchoring (and rapidfuzz) loads only when a changed article is imported
    from annotator.reanchor import Placement


# Uids made by add_new_documents: UUIDv7 (RFC 9562) whose random part starts with a
# counter, so the uids of a large import follow each other and go to the end of the
# uid indexes, where random ones would be written all over them (several times slower).
_UID_RANDOM = int.from_bytes(os.urandom(6), "big") >> 6  # 42 bits, one draw per process


_UID_COUNTER = itertools.count()


def _ordered_uids(count: int) -> list[str]:
    head = ((time.time_ns() // 1_000_000) & (2**48 - 1)) << 80 | 0x7 << 76 | 0b10 << 62 | _UID_RANDOM
    uids = []
    for _ in range(count):
        n = next(_UID_COUNTER) & 0xFFFFFFFF
        uids.append(f"{head | (n >> 20) << 64 | (n & 0xFFFFF) << 42:032x}")
    return uids


@dataclass(frozen=True)
class AddedDocument:
    document: Document
    created: bool
    spans_added: int
    spans_skipped: int
    updated: bool = False  # an existing article (same key) got a new version of its text
    placements: tuple[Placement, ...] = ()


class Documents(StoreBase):
    """Articles and labels."""

    def labels(self) -> list[Label]:
        if self._labels is None:
            rows = self.conn.execute(
                "SELECT name, kind, key, color, description FROM labels ORDER BY position, name"
            ).fetchall()
            self._labels = [Label(*row) for row in rows]
        return list(self._labels)

    def label_map(self) -> dict[str, Label]:
        return {label.name: label for label in self.labels()}

    def set_labels(self, labels: Iterable[Label]) -> None:
        """Replace the label set (labels still used by spans are kept, after the new ones)."""
        with self.transaction():
            used = {row[0] for row in self.conn.execute("SELECT DISTINCT label FROM spans")}
            old = self.label_map()
            new = list(labels)
            names = {label.name for label in new}
            keep = [old[name] for name in sorted(used - names) if name in old]
            self.conn.execute("DELETE FROM labels")
            self._write_labels([*new, *keep])
        self._labels = None

    def _write_labels(self, labels: Iterable[Label]) -> None:
        start = self.conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM labels").fetchone()[0]
        self.conn.executemany(
            "INSERT INTO labels (name, kind, key, color, description, position) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (label.name, label.kind, label.key, label.color, label.description, start + index)
                for index, label in enumerate(labels)
            ],
        )

    def document_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def list_documents(self, annotator: str | None = None) -> list[DocumentSummary]:
        """Every document in corpus order with its length and span count (for one analyst, or all)."""
        where, params = ("AND s.annotator = ?", [annotator]) if annotator else ("", [])
        rows = self.conn.execute(
            f"""
            SELECT d.id, d.key, d.title, d.position, length(d.text),
                   (SELECT COUNT(*) FROM spans s WHERE s.document_id = d.id {where})
            FROM documents d ORDER BY d.position, d.id
            """,
            params,
        ).fetchall()
        return [DocumentSummary(*row) for row in rows]

    def last_document(self, annotator: str) -> int | None:
        """The article this analyst last changed, to reopen where they left off."""
        row = self.conn.execute(
            """
            SELECT document_id FROM (
                SELECT document_id, at AS at FROM actions WHERE annotator = ? AND op != 'import'
                UNION ALL
                SELECT document_id, updated_at AS at FROM progress WHERE annotator = ?
            ) ORDER BY at DESC LIMIT 1
            """,
            (annotator, annotator),
        ).fetchone()
        return row[0] if row else None

    def document(self, document_id: int) -> Document:
        row = self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, position FROM documents WHERE id = ?",
            (document_id,),
        ).fetchone()
        if row is None:
            raise InputError(f"no document with id {document_id}")
        return document_from_row(row)

    def document_by_hash(self, sha256: str) -> Document | None:
        row = self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, position FROM documents WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        return document_from_row(row) if row else None

    def _unique_key(self, key: str) -> str:
        candidate, n = key, 2
        while self.conn.execute("SELECT 1 FROM documents WHERE key = ?", (candidate,)).fetchone():
            candidate, n = f"{key}-{n}", n + 1
        return candidate

    def add_document(
        self,
        key: str,
        title: str,
        text: str,
        meta: dict[str, Any] | None = None,
        source: str | None = None,
        spans: Iterable[NewSpan] = (),
        kinds: dict[str, str] | None = None,
    ) -> AddedDocument:
        """Add a document (unless its content is already here) and its spans, in one transaction."""
        sha = content_hash(text)
        placements: list[Placement] = []
        updated = False
        with self.transaction():
            existing = self.document_by_hash(sha)
            previous = self._same_article(key, title, text) if existing is None else None
            if previous is not None:
                document, placements = self._new_version(previous, title, text, meta, source)
                existing, updated = document, True
            elif existing is None:
                position = self.conn.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM documents"
                ).fetchone()[0]
                cursor = self.conn.execute(
                    "INSERT INTO documents (key, title, text, sha256, meta, source, position, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        self._unique_key(key),
                        title,
                        text,
                        sha,
                        json.dumps(meta or {}, ensure_ascii=False, sort_keys=True),
                        source,
                        position,
                        now(),
                    ),
                )
                document = self.document(cursor.lastrowid or 0)
            else:
                document = existing
            added, skipped = self._import_spans(document, spans, kinds or {})
        self._labels = None
        return AddedDocument(document, existing is None, added, skipped, updated, tuple(placements))

    def add_new_documents(
        self,
        documents: Iterable[tuple[str, str, str, dict[str, Any] | None, str | None, Iterable[NewSpan], dict[str, str]]],
    ) -> list[AddedDocument]:
        """Add the leading documents that are new, with one statement per table (a large import's fast path).

        Each document is add_document's (key, title, text, meta, source, spans, kinds).
        It stops at the first that is not plainly new (its content, key or a span uid
        already stored or earlier in the list, a span outside its text) and returns
        what it added, in order: the caller adds that document with add_document, which
        knows what to do with it, and passes on the rest. The rows are those
        add_document would write.
        """
        docs = [(key, title, text, content_hash(text), meta or {}, source, list(spans), kinds)
                for key, title, text, meta, source, spans, kinds in documents]
        if not docs:
            return []

        def stored(table: str, column: str, values: list[str]) -> set[str]:
            found: set[str] = set()
            for at in range(0, len(values), 500):
                chunk = values[at : at + 500]
                marks = ", ".join("?" * len(chunk))
                found.update(row[0] for row in self.conn.execute(
                    f'SELECT {column} FROM {table} WHERE {column} IN ({marks})', chunk))
            return found

        with self.transaction():
            keys = stored("documents", "key", [d[0] for d in docs])
            hashes = stored("documents", "sha256", [d[3] for d in docs])
            uids = stored("spans", "uid", [s.uid for d in docs for s in d[6] if s.uid])
            count = 0
            for key, _, text, sha, _, _, spans, _ in docs:
                given = [s.uid for s in spans if s.uid]
                if key in keys or sha in hashes or not uids.isdisjoint(given):
                    break
                if not all(0 <= s.start < s.end <= len(text) for s in spans):
                    break
                keys.add(key)
                hashes.add(sha)
                uids.update(given)
                count += 1
            if not count:
                return []
            first_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM documents").fetchone()[0]
            position = self.conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM documents").fetchone()[0]
            stamp = now()
            known = set(self.label_map())
            labels: list[Label] = []
            names: dict[str, None] = {}
            # Flat parameter lists, a row after the other (see insert below).
            doc_values: list[Any] = []
            span_values: list[Any] = []
            action_values: list[Any] = []
            added: list[AddedDocument] = []
            uids_made = iter(_ordered_uids(2 * sum(len(d[6]) for d in docs[:count])))
            for offset, (key, title, text, sha, meta, source, spans, kinds) in enumerate(docs[:count]):
                document = Document(first_id + offset, key, title, text, sha, meta, position + offset)
                doc_values += (document.id, key, title, text, sha, _SORTED_JSON.encode(meta), source, document.position, stamp)
                seen: set[tuple[str, int, int, str]] = set()
                seen_uids: set[str] = set()
                for new in spans:
                    label, annotator, start, end = new.label, new.annotator, new.start, new.end
                    if label not in known:
                        known.add(label)
                        labels.append(Label(label, kinds.get(label, "entity"), "", "#abb2bf", "Imported label"))  # type: ignore[arg-type]
                    place = (annotator, start, end, label)
                    if place in seen or new.uid in seen_uids:
                        continue
                    seen.add(place)
                    uid = new.uid or next(uids_made)
                    seen_uids.add(uid)
                    created = new.created_at or stamp
                    updated = new.updated_at or created
                    covered = text[start:end]
                    span_values += (uid, document.id, start, end, label, annotator, covered, new.note,
                                    _SORTED_JSON.encode(new.attrs) if new.attrs else "{}", created, updated)
                    after = _span_json_of(uid, start, end, label, annotator, covered, new.note, new.attrs, created, updated)
                    action_values += (next(uids_made), annotator, document.id, stamp, "import", uid, None, after, None, self._batch)
                    names[annotator] = None
                added.append(AddedDocument(document, True, len(seen), len(spans) - len(seen)))

            def insert(head: str, width: int, values: list[Any]) -> None:
                # Many rows per statement: the full-text index's triggers then write once per
                # statement; executemany would have them write once per row, several times slower.
                # Statements of 256, 128, ... 1 rows only, so that few are compiled and cached.
                limit = self.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
                one = "(" + ", ".join("?" * width) + ")"
                rows, at = len(values) // width, 0
                while at < rows:
                    per = 256
                    while per > 1 and (per > limit or at + per > rows):
                        per //= 2
                    self.conn.execute(head + ", ".join([one] * per), values[at * width : (at + per) * width])
                    at += per

            insert("INSERT INTO documents (id, key, title, text, sha256, meta, source, position, created_at) VALUES ",
                   9, doc_values)
            if labels:
                self._write_labels(labels)
                self._labels = None
            insert('INSERT INTO spans (uid, document_id, start, "end", label, annotator, text, note, attrs, created_at,'
                   " updated_at) VALUES ", 11, span_values)
            self.conn.executemany(
                "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [(name, stamp) for name in names]
            )
            insert("INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch) VALUES ",
                   10, action_values)
        return added

    def _same_article(self, key: str, title: str, text: str) -> Document | None:
        """The stored article this text is a new version of: same key, and recognisably the same story.

        Two unrelated files that merely share a name (x/story.txt, y/story.txt) are not
        versions of each other: the title must match or most lines must.
        """
        row = self.conn.execute("SELECT id FROM documents WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        old = self.document(row[0])
        if old.title.strip() == title.strip():
            return old
        from difflib import SequenceMatcher

        similarity = SequenceMatcher(None, old.text.split("\n"), text.split("\n"), autojunk=False).ratio()
        return old if similarity >= 0.5 else None

    def _new_version(
        self, old: Document, title: str, text: str, meta: dict[str, Any] | None, source: str | None
    ) -> tuple[Document, list[Placement]]:
        """Store a changed article's new text, keep the old one, and re-anchor every span."""
        from annotator.reanchor import reanchor

        stamp = now()
        self.conn.execute(
            "INSERT INTO document_versions (document_id, text, sha256, title, replaced_at) VALUES (?, ?, ?, ?, ?)",
            (old.id, old.text, old.sha256, old.title, stamp),
        )
        self.conn.execute(
            "UPDATE documents SET text = ?, sha256 = ?, title = ?, meta = ?, source = COALESCE(?, source) WHERE id = ?",
            (text, content_hash(text), title, json.dumps(meta or old.meta, ensure_ascii=False, sort_keys=True), source, old.id),
        )
        spans = self.spans(old.id)
        placements = reanchor(old.text, text, spans)
        by_uid = {span.uid: span for span in spans}
        # Move every span out of the way first, so re-anchored spans never collide with
        # ones not yet moved on the unique (document, annotator, start, end, label) key.
        self.conn.execute(
            'UPDATE spans SET start = start + 1000000000000, "end" = "end" + 1000000000000 WHERE document_id = ?',
            (old.id,),
        )
        for placement in placements:
            before = by_uid[placement.uid]
            attrs = {k: v for k, v in before.attrs.items() if k != "needs_review"}
            if placement.status == "flagged":
                attrs["needs_review"] = {
                    "reason": placement.reason,
                    "old_start": before.start,
                    "old_end": before.end,
                    "old_text": before.text,
                }
            elif placement.status == "fuzzy":
                attrs["reanchored"] = {"score": round(placement.score, 1), "old_text": before.text}
            after = replace(
                before,
                start=placement.start,
                end=placement.end,
                text=text[placement.start : placement.end],
                attrs=attrs,
                updated_at=stamp,
            )
            try:
                self._write_span(after)
            except ConflictError:
                # Two spans landed on the same text with the same label: keep one.
                self.conn.execute("DELETE FROM spans WHERE uid = ?", (after.uid,))
                after = None  # type: ignore[assignment]
            if after != before:
                self._log(before.annotator, old.id, "import", before.uid, before, after)
        return self.document(old.id), placements

    def update_meta(self, document_id: int, meta: dict[str, Any]) -> None:
        """Replace a document's meta (an import adds what it keeps apart, e.g. rejected records)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE documents SET meta = ? WHERE id = ?",
                (json.dumps(meta, ensure_ascii=False, sort_keys=True), document_id),
            )

    def _import_spans(
        self, document: Document, spans: Iterable[NewSpan], kinds: dict[str, str]
    ) -> tuple[int, int]:
        added = skipped = 0
        known = self.label_map()
        stamp = now()
        for new in spans:
            if not (0 <= new.start < new.end <= len(document.text)):
                raise InputError(
                    f"span {new.start}-{new.end} is outside the text (length {len(document.text)})"
                )
            if new.label not in known:
                self._write_labels([Label(new.label, kinds.get(new.label, "entity"), "", "#abb2bf", "Imported label")])  # type: ignore[arg-type]
                known = {label.name: label for label in self._read_labels()}
            uid = new.uid or uuid.uuid4().hex
            duplicate = self.conn.execute(
                'SELECT 1 FROM spans WHERE uid = ? OR (document_id = ? AND annotator = ? AND start = ? AND "end" = ? AND label = ?)',
                (uid, document.id, new.annotator, new.start, new.end, new.label),
            ).fetchone()
            if duplicate:
                skipped += 1
                continue
            span = Span(
                uid=uid,
                document_id=document.id,
                start=new.start,
                end=new.end,
                label=new.label,
                annotator=new.annotator,
                text=document.text[new.start : new.end],
                note=new.note,
                attrs=dict(new.attrs),
                created_at=new.created_at or stamp,
                updated_at=new.updated_at or new.created_at or stamp,
            )
            self._insert_span(span)
            self._ensure_annotator(new.annotator)
            self._log(span.annotator, document.id, "import", uid, None, span)
            added += 1
        return added, skipped

    def _read_labels(self) -> list[Label]:
        rows = self.conn.execute(
            "SELECT name, kind, key, color, description FROM labels ORDER BY position, name"
        ).fetchall()
        return [Label(*row) for row in rows]
