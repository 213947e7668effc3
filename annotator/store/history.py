"""The action log: undo and redo replayed from it, progress marks, review rejections."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from annotator.errors import ConflictError, counted
from annotator.model import Document, Span
from annotator.store.rows import ENTITY_FIELDS, now, span_json
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
        An undo or redo takes back the step its targets belong to: the last one, except
        when an entity operation spanning several articles was undone from another
        article, where later steps here stay done.
        """
        done: list[list[int]] = []
        undone: list[list[int]] = []
        rows = self.conn.execute(
            "SELECT id, op, batch, target FROM actions WHERE document_id = ? AND annotator = ? AND op != 'import' ORDER BY id",
            (document_id, annotator),
        ).fetchall()
        steps: list[tuple[tuple[str, str], list[int], list[int]]] = []
        for action_id, op, batch, target in rows:
            kind = op if op in ("undo", "redo") else "do"
            if batch is not None and steps and steps[-1][0] == (kind, batch):
                steps[-1][1].append(action_id)
                if target is not None:
                    steps[-1][2].append(target)
            else:
                steps.append(((kind, batch if batch is not None else f"#{action_id}"), [action_id],
                              [target] if target is not None else []))
        for (kind, _), ids, targets in steps:
            if kind == "undo":
                index = _step_holding(done, targets)
                if index is not None:
                    undone.append(done.pop(index))
            elif kind == "redo":
                index = _step_holding(undone, targets)
                if index is not None:
                    done.append(undone.pop(index))
                elif targets:
                    # Redone from another article after this one moved on: it happened here too.
                    done.append(sorted(targets))
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
            entity_rows = self._entity_batch(targets[0])
            documents = {document.id: document}
            if entity_rows:
                # An entity operation (link, merge, split) may have changed mentions in
                # several articles: all of them go back (or forward) as one.
                batch = self.conn.execute("SELECT batch FROM actions WHERE id = ?", (targets[0],)).fetchone()[0]
                targets = [
                    row[0] for row in self.conn.execute(
                        "SELECT id FROM actions WHERE batch = ? AND annotator = ? AND op NOT IN ('undo', 'redo') ORDER BY id",
                        (batch, annotator),
                    )
                ]
            results: list[ActionResult] = []
            for target in reversed(targets) if op == "undo" else targets:
                document_id = self.conn.execute("SELECT document_id FROM actions WHERE id = ?", (target,)).fetchone()[0]
                if document_id not in documents:
                    documents[document_id] = self.document(document_id)
                result = self._revert(documents[document_id], annotator, op, target)
                if document_id == document.id:
                    # The caller draws this article: changes elsewhere are not its to show.
                    results.append(result)
            if entity_rows:
                self._revert_entities(entity_rows, annotator, op)
        if len(results) == 1:
            return results[0]
        last = next((r for r in reversed(results) if r.span is not None), results[-1])
        return ActionResult(
            description=f"{op} {len(results)} changes",
            span=last.span,
            removed_uid=last.removed_uid,
            changed=[r for r in results],
        )

    def _entity_batch(self, action_id: int) -> list[tuple[str, str | None, str | None]]:
        """(entity uid, before, after) of the entity changes logged with this action's batch."""
        row = self.conn.execute("SELECT batch FROM actions WHERE id = ?", (action_id,)).fetchone()
        if row is None or row[0] is None:
            return []
        return self.conn.execute(
            "SELECT entity_uid, before, after FROM entity_actions WHERE batch = ? AND op NOT IN ('undo', 'redo') ORDER BY id",
            (row[0],),
        ).fetchall()

    def _revert_entities(self, rows: list[tuple[str, str | None, str | None]], annotator: str, op: str) -> None:
        """Take entity changes back (undo) or again (redo), field by field, and log that.

        Only what the operation changed is restored (a field it set, an alias it added
        or removed): a colleague's later alias or note on the same entity stays.
        """
        for entity_uid, before_json, after_json in reversed(rows) if op == "undo" else rows:
            origin, goal = (after_json, before_json) if op == "undo" else (before_json, after_json)
            current = self.conn.execute(
                f"SELECT {', '.join(ENTITY_FIELDS)} FROM entities WHERE uid = ?",
                (entity_uid,),
            ).fetchone()
            current_state = _entity_state(self.conn, current) if current else None
            if goal is None:
                new_state = None
                linked = self.conn.execute(
                    "SELECT COUNT(*) FROM spans WHERE json_extract(attrs, '$.entity') = ?", (entity_uid,)
                ).fetchone()[0]
                if linked:
                    raise ConflictError(
                        f"cannot {op}: {counted(linked, 'mention')} linked to that entity since; unlink them first"
                    )
            else:
                wanted = json.loads(goal)
                if current_state is None or origin is None:
                    new_state = dict(wanted)
                else:
                    came = json.loads(origin)
                    new_state = dict(current_state)
                    for name, value in wanted.items():
                        if name not in ("aliases", "updated_at") and came.get(name) != value:
                            new_state[name] = value
                    added = set(came.get("aliases", ())) - set(wanted.get("aliases", ()))
                    removed = set(wanted.get("aliases", ())) - set(came.get("aliases", ()))
                    new_state["aliases"] = sorted((set(current_state["aliases"]) - added) | removed)
                new_state["updated_at"] = now()
            _write_entity_state(self.conn, entity_uid, new_state)
            self.conn.execute(
                "INSERT INTO entity_actions (uid, annotator, at, op, entity_uid, before, after, batch)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, annotator, now(), op, entity_uid, _state_json(current_state),
                 _state_json(new_state), self._batch),
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
        if original_op == "update" and before is not None and after is not None and _only_attrs(before, after):
            return self._revert_attrs(document, annotator, op, target, uid, before, after)
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

    def _revert_attrs(
        self, document: Document, annotator: str, op: str, target: int, uid: str, before: Span, after: Span
    ) -> ActionResult:
        """Undo or redo a change of attrs alone (an entity link, a claim's source, a
        quantity's value) key by key: a later retag or note on the span stays, and a span
        deleted since stays deleted (the step is still logged, so the stacks agree)."""
        origin, goal = (after.attrs, before.attrs) if op == "undo" else (before.attrs, after.attrs)
        current = self.span(uid)
        result_span = current
        if current is not None:
            attrs = dict(current.attrs)
            for key in set(origin) | set(goal):
                if origin.get(key) == goal.get(key):
                    continue
                if key in goal:
                    attrs[key] = goal[key]
                else:
                    attrs.pop(key, None)
            if attrs != current.attrs:
                result_span = replace(current, attrs=attrs, updated_at=now())
                self._write_span(result_span)
        self._log(annotator, document.id, op, uid, current, result_span, target)
        return ActionResult(description=f"{op} change {before.label}", span=result_span)

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


def _step_holding(stack: list[list[int]], targets: list[int]) -> int | None:
    """Index of the step an undo or redo with these targets applies to (the last when unknown)."""
    if not stack:
        return None
    if not targets or targets[0] in stack[-1]:
        return len(stack) - 1
    wanted = set(targets)
    for index in range(len(stack) - 1, -1, -1):
        if wanted.intersection(stack[index]):
            return index
    return None


def _only_attrs(before: Span, after: Span) -> bool:
    """The update changed attrs and nothing else an analyst sees."""
    return before.attrs != after.attrs and replace(before, attrs={}, updated_at="", id=0) == replace(
        after, attrs={}, updated_at="", id=0
    )


def _entity_state(conn: Any, row: tuple[Any, ...]) -> dict[str, Any]:
    state = dict(zip(ENTITY_FIELDS, row))
    state["aliases"] = [
        alias for (alias,) in conn.execute("SELECT alias FROM entity_aliases WHERE entity_uid = ? ORDER BY alias", (row[0],))
    ]
    return state


def _write_entity_state(conn: Any, uid: str, state: dict[str, Any] | None) -> None:
    conn.execute("DELETE FROM entity_aliases WHERE entity_uid = ?", (uid,))
    if state is None:
        conn.execute("DELETE FROM entities WHERE uid = ?", (uid,))
        return
    conn.execute(
        f"INSERT INTO entities ({', '.join(ENTITY_FIELDS)}) VALUES ({', '.join('?' * len(ENTITY_FIELDS))})"
        " ON CONFLICT (uid) DO UPDATE SET name = excluded.name, label = excluded.label, external_id = excluded.external_id,"
        " note = excluded.note, merged_into = excluded.merged_into, updated_at = excluded.updated_at",
        tuple(state.get(name) for name in ENTITY_FIELDS),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO entity_aliases (entity_uid, alias) VALUES (?, ?)",
        [(uid, alias) for alias in state.get("aliases", ())],
    )


def _state_json(state: dict[str, Any] | None) -> str | None:
    return json.dumps(state, ensure_ascii=False, sort_keys=True) if state is not None else None
