"""Spans: reading them, and tagging, retagging, resizing and deleting, each one committed unit."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from dataclasses import replace
from typing import Any

from annotator.errors import ConflictError, StaleDocumentError
from annotator.model import Document, Span
from annotator.store.rows import SPAN_COLUMNS, now, span_from_row
from annotator.store.base import StoreBase


class Spans(StoreBase):
    """Spans of one article."""

    def spans(self, document_id: int, annotator: str | None = None) -> list[Span]:
        """A document's spans in reading order (start, then longest first)."""
        if annotator is None:
            rows = self.conn.execute(
                f'SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ? ORDER BY start, "end" DESC, label',
                (document_id,),
            )
        else:
            rows = self.conn.execute(
                f'SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ? AND annotator = ? ORDER BY start, "end" DESC, label',
                (document_id, annotator),
            )
        return [span_from_row(row) for row in rows]

    def spans_by_annotator(self, document_id: int) -> dict[str, list[Span]]:
        """Every analyst's spans on one document (gold included), each in reading order."""
        grouped: dict[str, list[Span]] = {}
        for span in self.spans(document_id):
            grouped.setdefault(span.annotator, []).append(span)
        return grouped

    def span(self, uid: str) -> Span | None:
        row = self.conn.execute(f"SELECT {SPAN_COLUMNS} FROM spans WHERE uid = ?", (uid,)).fetchone()
        return span_from_row(row) if row else None

    def add_span(
        self,
        document: Document,
        start: int,
        end: int,
        label: str,
        annotator: str,
        note: str = "",
        attrs: dict[str, Any] | None = None,
        uid: str | None = None,
    ) -> Span:
        """Tag text[start:end]; committed before it returns.

        uid: the identity the screen already drew the span under (writes run behind it).
        """
        self._check_range(document, start, end)
        if label not in self.label_map():
            raise ConflictError(f"unknown label {label!r}")
        stamp = now()
        span = Span(
            uid=uid or uuid.uuid4().hex,
            document_id=document.id,
            start=start,
            end=end,
            label=label,
            annotator=annotator,
            text=document.text[start:end],
            note=note,
            attrs=dict(attrs or {}),
            created_at=stamp,
            updated_at=stamp,
        )
        with self.transaction():
            self._check_current(document)
            self._ensure_annotator(annotator)
            span = self._insert_span(span)
            self._log(annotator, document.id, "add", span.uid, None, span)
            self.conn.execute(
                "INSERT OR IGNORE INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, 'in_progress', ?)",
                (annotator, document.id, stamp),
            )
        return span

    def add_spans(
        self,
        document: Document,
        items: list[tuple[int, int, str, str]],
        annotator: str,
    ) -> list[Span]:
        """Tag several ranges as one batch: one transaction, one undo.

        items: (start, end, label, uid). A range the analyst already has with that label
        is skipped, not refused, so a propagation that races another write still lands.
        """
        labels = self.label_map()
        stamp = now()
        added: list[Span] = []
        with self.batch():  # type: ignore[attr-defined]
            self._check_current(document)
            self._ensure_annotator(annotator)
            for start, end, label, uid in items:
                self._check_range(document, start, end)
                if label not in labels:
                    raise ConflictError(f"unknown label {label!r}")
                exists = self.conn.execute(
                    'SELECT 1 FROM spans WHERE document_id = ? AND annotator = ? AND start = ? AND "end" = ? AND label = ?',
                    (document.id, annotator, start, end, label),
                ).fetchone()
                if exists:
                    continue
                span = Span(
                    uid=uid,
                    document_id=document.id,
                    start=start,
                    end=end,
                    label=label,
                    annotator=annotator,
                    text=document.text[start:end],
                    created_at=stamp,
                    updated_at=stamp,
                )
                span = self._insert_span(span)
                self._log(annotator, document.id, "add", span.uid, None, span)  # type: ignore[attr-defined]
                added.append(span)
            if added:
                self.conn.execute(
                    "INSERT OR IGNORE INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, 'in_progress', ?)",
                    (annotator, document.id, stamp),
                )
        return added

    def update_span(
        self,
        document: Document,
        uid: str,
        annotator: str,
        *,
        start: int | None = None,
        end: int | None = None,
        label: str | None = None,
        note: str | None = None,
    ) -> Span:
        """Retag, resize or annotate a span; committed before it returns."""
        with self.transaction():
            self._check_current(document)
            before = self.span(uid)
            if before is None:
                raise ConflictError("that span no longer exists")
            new_start = before.start if start is None else start
            new_end = before.end if end is None else end
            self._check_range(document, new_start, new_end)
            if label is not None and label not in self.label_map():
                raise ConflictError(f"unknown label {label!r}")
            after = replace(
                before,
                start=new_start,
                end=new_end,
                label=before.label if label is None else label,
                note=before.note if note is None else note,
                text=document.text[new_start:new_end],
                # An analyst's change settles a span flagged after an article update.
                attrs={k: v for k, v in before.attrs.items() if k != "needs_review"},
                updated_at=now(),
            )
            if after == replace(before, updated_at=after.updated_at):
                raise ConflictError("nothing to change")
            self._write_span(after)
            self._log(annotator, document.id, "update", uid, before, after)
        return after

    def delete_span(self, document: Document, uid: str, annotator: str) -> Span:
        """Delete a span, and the claims' references to it, as one undo step.

        A claim whose attrs.source.span or attrs.disputes named the span would point at
        nothing: those keys go in the same batch (logged as updates), so one undo by
        the same analyst brings back the span and the references together.
        """
        with self.batch():  # type: ignore[attr-defined]
            self._check_current(document)
            before = self.span(uid)
            if before is None:
                raise ConflictError("that span no longer exists")
            self.conn.execute("DELETE FROM spans WHERE uid = ?", (uid,))
            self._log(annotator, document.id, "delete", uid, before, None)  # type: ignore[attr-defined]
            for other in self._referring_to(document.id, uid):
                attrs = dict(other.attrs)
                source = attrs.get("source")
                if isinstance(source, dict) and source.get("span") == uid:
                    attrs.pop("source")
                if attrs.get("disputes") == uid:
                    attrs.pop("disputes")
                after = replace(other, attrs=attrs, updated_at=now())
                self._write_span(after)
                self._log(annotator, document.id, "update", other.uid, other, after)  # type: ignore[attr-defined]
        return before

    def _referring_to(self, document_id: int, uid: str) -> list[Span]:
        """Spans of the document whose attrs.source.span or attrs.disputes is `uid`."""
        rows = self.conn.execute(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE document_id = ?"
            " AND (json_extract(attrs, '$.source.span') = ? OR json_extract(attrs, '$.disputes') = ?) ORDER BY id",
            (document_id, uid, uid),
        )
        return [span_from_row(row) for row in rows]

    def _check_current(self, document: Document) -> None:
        """Refuse a write computed on a text the database no longer holds.

        The screen's offsets are offsets into the text it shows; if the article was
        re-imported in a changed version meanwhile, they would point elsewhere.
        Called inside the write's transaction, so the check and the write are atomic.
        """
        row = self.conn.execute("SELECT sha256 FROM documents WHERE id = ?", (document.id,)).fetchone()
        if row is None:
            raise StaleDocumentError("the article is no longer in the database; nothing was saved")
        if row[0] != document.sha256:
            raise StaleDocumentError("the article changed in the database since it was opened; nothing was saved")

    def _check_range(self, document: Document, start: int, end: int) -> None:
        if not (0 <= start < end <= len(document.text)):
            raise ConflictError(f"span {start}-{end} is outside the text or empty")

    def _insert_span(self, span: Span) -> Span:
        try:
            cursor = self.conn.execute(
                'INSERT INTO spans (uid, document_id, start, "end", label, annotator, text, note, attrs, created_at, updated_at)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    span.uid,
                    span.document_id,
                    span.start,
                    span.end,
                    span.label,
                    span.annotator,
                    span.text,
                    span.note,
                    json.dumps(span.attrs, ensure_ascii=False, sort_keys=True),
                    span.created_at,
                    span.updated_at,
                ),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"{span.label} is already on that text") from None
        return replace(span, id=cursor.lastrowid or 0)

    def _write_span(self, span: Span) -> None:
        try:
            self.conn.execute(
                'UPDATE spans SET start = ?, "end" = ?, label = ?, text = ?, note = ?, attrs = ?, updated_at = ? WHERE uid = ?',
                (
                    span.start,
                    span.end,
                    span.label,
                    span.text,
                    span.note,
                    json.dumps(span.attrs, ensure_ascii=False, sort_keys=True),
                    span.updated_at,
                    span.uid,
                ),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"{span.label} is already on that text") from None

    def _ensure_annotator(self, name: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", (name, now())
        )
