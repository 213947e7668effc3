"""The action log: undo and redo replayed from it, progress marks, review rejections."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from annotator.errors import ConflictError
from annotator.model import Document, Span
from annotator.store.rows import now, span_json
from annotator.store.base import StoreBase


@dataclass(frozen=True)
class ActionResult:
    """What an undo or redo did, so the UI can put the cursor where the change was."""

    description: str
    span: Span | None
    removed_uid: str | None = None
    changed: list[ActionResult] | None = None  # every span change of a batch, in order


class History(StoreBase):
    """The action log, undo and redo, progress and rejections."""

    def _log(
        self,
        annotator: str,
        document_id: int,
        op: str,
        uid: str,
        before: Span | None,
        after: Span | None,
        target: int | None = None,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uuid.uuid4().hex,
                annotator,
                document_id,
                now(),
                op,
                uid,
                span_json(before) if before else None,
                span_json(after) if after else None,
                target,
                self._batch,
            ),
        )
        return cursor.lastrowid or 0

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction whose logged actions undo and redo as one (e.g. "accept all")."""
        if self._batch is not None:
            yield
            return
        self._batch = uuid.uuid4().hex
        try:
            with self.transaction():
                yield
        finally:
            self._batch = None

    def _stacks(self, document_id: int, annotator: str) -> tuple[list[list[int]], list[list[int]]]:
        """Replay the log into (done, undone) stacks of steps: undo survives a restart.

        A step is the list of action ids one user action made (one, or a whole batch).
        """
        done: list[list[int]] = []
        undone: list[list[int]] = []
        rows = self.conn.execute(
            "SELECT id, op, batch FROM actions WHERE document_id = ? AND annotator = ? AND op != 'import' ORDER BY id",
            (document_id, annotator),
        ).fetchall()
        steps: list[tuple[str, list[int]]] = []
        for action_id, op, batch in rows:
            kind = op if op in ("undo", "redo") else "do"
            if batch is not None and steps and steps[-1][0] == (kind, batch):
                steps[-1][1].append(action_id)
            else:
                steps.append(((kind, batch) if batch is not None else (kind, f"#{action_id}"), [action_id]))  # type: ignore[arg-type]
        for (kind, _), ids in steps:  # type: ignore[misc]
            if kind == "undo":
                if done:
                    undone.append(done.pop())
            elif kind == "redo":
                if undone:
                    done.append(undone.pop())
            else:
                done.append(ids)
                undone.clear()
        return done, undone

    def history_flags(self, document_id: int, annotator: str) -> tuple[bool, bool]:
        """(can undo, can redo) from one replay of the log."""
        done, undone = self._stacks(document_id, annotator)
        return bool(done), bool(undone)

    def can_undo(self, document_id: int, annotator: str) -> bool:
        return bool(self._stacks(document_id, annotator)[0])

    def can_redo(self, document_id: int, annotator: str) -> bool:
        return bool(self._stacks(document_id, annotator)[1])

    def undo(self, document: Document, annotator: str) -> ActionResult | None:
        return self._step(document, annotator, "undo")

    def redo(self, document: Document, annotator: str) -> ActionResult | None:
        return self._step(document, annotator, "redo")

    def _step(self, document: Document, annotator: str, op: str) -> ActionResult | None:
        with self.batch():
            self._check_current(document)
            done, undone = self._stacks(document.id, annotator)
            stack = done if op == "undo" else undone
            if not stack:
                return None
            targets = stack[-1]
            results: list[ActionResult] = []
            for target in reversed(targets) if op == "undo" else targets:
                results.append(self._revert(document, annotator, op, target))
        if len(results) == 1:
            return results[0]
        last = next((r for r in reversed(results) if r.span is not None), results[-1])
        return ActionResult(
            description=f"{op} {len(results)} changes",
            span=last.span,
            removed_uid=last.removed_uid,
            changed=[r for r in results],
        )

    def _revert(self, document: Document, annotator: str, op: str, target: int) -> ActionResult:
        """Apply one logged action backwards (undo) or forwards again (redo), and log that."""
        original_op, uid, before_json, after_json = self.conn.execute(
            "SELECT op, span_uid, before, after FROM actions WHERE id = ?", (target,)
        ).fetchone()
        if original_op == "reject":
            # A change to a rejection: before/after hold {"reviewer": ...} when the span
            # was rejected on that side, NULL when it was not (a withdrawal has after NULL).
            wanted_json = before_json if op == "undo" else after_json
            if wanted_json is None:
                self.conn.execute("DELETE FROM decisions WHERE span_uid = ?", (uid,))
            else:
                reviewer = json.loads(wanted_json).get("reviewer", annotator)
                self.conn.execute(
                    "INSERT OR REPLACE INTO decisions (span_uid, document_id, decision, reviewer, at) VALUES (?, ?, 'rejected', ?, ?)",
                    (uid, document.id, reviewer, now()),
                )
            self._log(annotator, document.id, op, uid, None, None, target)
            withdrawn = before_json is not None and after_json is None
            return ActionResult(description=f"{op} {'withdrawn rejection' if withdrawn else 'reject'}", span=None)
        before = self._span_from_json(before_json, document.id)
        after = self._span_from_json(after_json, document.id)
        wanted = before if op == "undo" else after
        if wanted is not None and document.text[wanted.start : wanted.end] != wanted.text:
            # Logged against an earlier version of the article: its offsets no longer
            # point at its text, so restoring it would shift the span.
            raise ConflictError(
                f"cannot {op}: that change was made on an earlier version of this article"
            )
        # What is stored now, not what this action left: another analyst may have
        # deleted or changed the span since, and the log must tell the truth.
        current = self.span(uid)
        if wanted is None:
            self.conn.execute("DELETE FROM spans WHERE uid = ?", (uid,))
            result_span = None
        elif current is None:
            result_span = self._insert_span(replace(wanted, updated_at=now()))
        else:
            result_span = replace(wanted, updated_at=now())
            self._write_span(result_span)
        self._log(annotator, document.id, op, uid, current, result_span, target)
        verb = {"add": "tag", "delete": "delete", "update": "change"}.get(original_op, original_op)
        label = (before or after).label if (before or after) else ""
        return ActionResult(
            description=f"{op} {verb} {label}".strip(),
            span=result_span,
            removed_uid=uid if result_span is None else None,
        )

    @staticmethod
    def _span_from_json(raw: str | None, document_id: int) -> Span | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return Span(document_id=document_id, **data)

    def history(self, document_id: int) -> list[dict[str, Any]]:
        """The action log of one document, oldest first."""
        cursor = self.conn.execute(
            "SELECT id, annotator, at, op, span_uid, before, after, target FROM actions"
            " WHERE document_id = ? ORDER BY id",
            (document_id,),
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def set_progress(self, annotator: str, document_id: int, state: str | None) -> None:
        """Record where an analyst stands on an article (None: not started)."""
        with self.transaction():
            if state is None:
                self.conn.execute(
                    "DELETE FROM progress WHERE annotator = ? AND document_id = ?", (annotator, document_id)
                )
            else:
                self._ensure_annotator(annotator)
                self.conn.execute(
                    "INSERT INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (annotator, document_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                    (annotator, document_id, state, now()),
                )

    def progress_of(self, annotator: str, document_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT state FROM progress WHERE annotator = ? AND document_id = ?", (annotator, document_id)
        ).fetchone()
        return row[0] if row else None

    def progress(self) -> dict[int, dict[str, str]]:
        """document id -> analyst -> 'in_progress' or 'done'."""
        table: dict[int, dict[str, str]] = {}
        for annotator, document_id, state in self.conn.execute(
            "SELECT annotator, document_id, state FROM progress ORDER BY annotator"
        ):
            table.setdefault(document_id, {})[annotator] = state
        return table

    def rejected(self, document_id: int) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT span_uid FROM decisions WHERE document_id = ?", (document_id,))}

    def reject(self, document_id: int, span_uids: Iterable[str], reviewer: str, log_as: str = "gold") -> None:
        """Record that the reviewer rejected these analysts' spans (undoable in log_as's history)."""
        with self.transaction():
            for uid in span_uids:
                self.conn.execute(
                    "INSERT OR REPLACE INTO decisions (span_uid, document_id, decision, reviewer, at) VALUES (?, ?, 'rejected', ?, ?)",
                    (uid, document_id, reviewer, now()),
                )
                self.conn.execute(
                    "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
                    " VALUES (?, ?, ?, ?, 'reject', ?, NULL, ?, NULL, ?)",
                    (uuid.uuid4().hex, log_as, document_id, now(), uid, json.dumps({"reviewer": reviewer}), self._batch),
                )

    def unreject(self, span_uids: Iterable[str], log_as: str = "gold") -> None:
        """Withdraw rejections, logged in log_as's history so undo puts them back."""
        with self.transaction():
            for uid in span_uids:
                row = self.conn.execute(
                    "SELECT document_id, reviewer FROM decisions WHERE span_uid = ?", (uid,)
                ).fetchone()
                if row is None:
                    continue
                document_id, reviewer = row
                self.conn.execute("DELETE FROM decisions WHERE span_uid = ?", (uid,))
                self.conn.execute(
                    "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
                    " VALUES (?, ?, ?, ?, 'reject', ?, ?, NULL, NULL, ?)",
                    (uuid.uuid4().hex, log_as, document_id, now(), uid, json.dumps({"reviewer": reviewer}), self._batch),
                )
