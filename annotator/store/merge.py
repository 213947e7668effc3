"""Merging another analyst's database: current states by the action log, conflicts by the later change."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from annotator.errors import ConflictError, InputError, SchemaError
from annotator.model import Document, Label, Span
from annotator.store.schema import BUSY_TIMEOUT_SECONDS, SCHEMA_VERSION
from annotator.store.rows import ENTITY_COLUMNS, ENTITY_FIELDS, SPAN_COLUMNS, now, span_from_row, span_json
from annotator.store.base import StoreBase


MERGE_SCRATCH_PREFIX = "annotator-merge-"


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def _snapshot(source: Path, copy: Path, attempts: int = 5) -> None:
    """A consistent private copy of a database another process may be writing.

    With no -wal beside it, nobody has it open for writing: the file is copied and the
    copy kept only if neither the file nor its -wal changed meanwhile, so the other
    analyst's folder gets no side files. Otherwise SQLite's backup API reads one
    consistent snapshot through a read-only connection (the writer's -wal and -shm are
    already there).
    """
    wal = source.with_name(source.name + "-wal")
    for _ in range(attempts):
        before = (_file_state(source), _file_state(wal))
        if before[1] is not None:
            break
        shutil.copyfile(source, copy)
        if (_file_state(source), _file_state(wal)) == before:
            return
        copy.unlink(missing_ok=True)
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        target = sqlite3.connect(copy)
        try:
            reader.backup(target)
        finally:
            target.close()
    finally:
        reader.close()


def _sweep_stale_scratch() -> None:
    """Remove private merge copies left by a merge that was killed (its process is gone)."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{MERGE_SCRATCH_PREFIX}*"):
        pid_text = folder.name[len(MERGE_SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or not folder.is_dir():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive, another user's


@dataclass(frozen=True)
class MergeConflict:
    """A span both databases changed since they last agreed; the later change was kept."""

    uid: str
    document_key: str
    label: str
    text: str
    annotator: str
    kept: str  # "ours" or "theirs"
    ours: str
    theirs: str


@dataclass
class MergeReport:
    documents: int = 0
    spans_added: int = 0
    spans_changed: int = 0
    spans_deleted: int = 0
    spans_duplicate: int = 0  # the other file's new span is already here under another uid
    actions: int = 0
    progress: int = 0
    entities_added: int = 0
    entities_changed: int = 0  # name, label, external id, note, merged_into or aliases
    entity_actions: int = 0
    conflicts: list[MergeConflict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # span uids whose text did not match


def _same_span(a: Span | None, b: Span | None) -> bool:
    """Same state as far as an analyst can tell (ids and update stamps aside)."""
    if a is None or b is None:
        return a is b
    keys = ("uid", "document_id", "start", "end", "label", "annotator", "text", "note", "attrs")
    return all(getattr(a, key) == getattr(b, key) for key in keys)


def _describe(span: Span | None) -> str:
    if span is None:
        return "deleted"
    note = f", note {span.note!r}" if span.note else ""
    return f"{span.label} {span.start}-{span.end} {span.text!r}{note}"


class Merging(StoreBase):
    """Bringing another database in."""

    def merge(self, other_path: Path | str) -> MergeReport:
        """Bring in another database: documents by content hash, spans and history by uid.

        A span the two files share takes the other file's current state (label,
        offsets, note, attrs, or its deletion) when the other file changed it since the
        two last agreed; when both changed it, the later change wins and the losing
        state stays reachable by undo (a logged resolution). Nothing changes when the
        same database is merged twice.
        """
        other_path = Path(other_path)
        if not other_path.is_file():
            raise InputError(f"{other_path}: no such database")
        if other_path.resolve() == self.path.resolve():
            raise InputError(f"{other_path}: is the database being merged into")
        _sweep_stale_scratch()
        scratch = tempfile.TemporaryDirectory(prefix=f"{MERGE_SCRATCH_PREFIX}{os.getpid()}-")
        copy = Path(scratch.name) / "other.db"
        try:
            _snapshot(other_path, copy)
        except OSError as error:
            scratch.cleanup()
            raise InputError(f"{other_path}: cannot read ({error.strerror or error})") from None
        except sqlite3.DatabaseError as error:
            scratch.cleanup()
            raise InputError(f"{other_path}: not an annotator database ({error})") from None
        try:
            other_conn = sqlite3.connect(copy, timeout=BUSY_TIMEOUT_SECONDS)
            version = other_conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in other_conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            scratch.cleanup()
            raise InputError(f"{other_path}: not an annotator database ({error})") from None
        if "documents" not in tables or "spans" not in tables:
            other_conn.close()
            scratch.cleanup()
            raise InputError(f"{other_path}: is not an annotator database")
        other_conn.close()
        if version > SCHEMA_VERSION:
            scratch.cleanup()
            raise SchemaError(
                f"{other_path}: made by a newer annotator (schema version {version}, this one reads up to {SCHEMA_VERSION})"
            )
        try:
            # An older database is upgraded in the copy, never in place; the copy also
            # gets the index the span-by-span comparison needs.
            other = type(self).open(copy, create=False)
            other.conn.execute("CREATE INDEX IF NOT EXISTS actions_by_span ON actions (span_uid)")
            other.close()
            report = self._merge_from(copy, other_path)
        finally:
            scratch.cleanup()
        self._labels = None
        return report

    def _merge_from(self, copy: Path, source: Path) -> MergeReport:
        report = MergeReport()
        self.conn.execute("ATTACH DATABASE ? AS other", (str(copy),))
        try:
            self._check_names(source)
            with self.transaction():
                self.conn.execute("CREATE INDEX IF NOT EXISTS actions_by_span ON actions (span_uid)")
                self._merge_labels()
                documents = self._merge_documents(report)
                self.conn.execute(
                    "INSERT OR IGNORE INTO annotators (name, created_at) SELECT name, created_at FROM other.annotators"
                )
                changed = self._changed_span_uids()
                self._merge_actions(documents, report)
                self._merge_entities(report)
                for uid, (their_span_at, their_decision_at) in changed.items():
                    self._merge_span(uid, documents, their_span_at, their_decision_at, report)
                self._merge_unlogged_spans(documents, report)
                self._merge_progress(documents, report)
        finally:
            self.conn.execute("DETACH DATABASE other")
        return report

    def _check_names(self, source: Path) -> None:
        """Labels and analyst names are checked as an import checks them: no way in for raw ones."""
        from annotator.labels import label_problem
        from annotator.settings import validate_annotator
        from annotator.text import one_line

        for (name,) in self.conn.execute(
            "SELECT name FROM other.labels UNION SELECT DISTINCT label FROM other.spans"
            " UNION SELECT DISTINCT label FROM other.entities"
        ).fetchall():
            problem = label_problem(name)
            if problem:
                raise InputError(f"{one_line(str(source))}: label {one_line(repr(name))} {problem}; nothing merged")
        for (name,) in self.conn.execute(
            "SELECT name FROM other.annotators UNION SELECT DISTINCT annotator FROM other.spans"
            " UNION SELECT DISTINCT created_by FROM other.entities UNION SELECT DISTINCT annotator FROM other.entity_actions"
        ).fetchall():
            try:
                validate_annotator(name, allow_reserved=True)
            except InputError as error:
                raise InputError(f"{one_line(str(source))}: analyst {one_line(repr(name))}: {error}; nothing merged") from None

    def _merge_labels(self) -> None:
        mine = self.label_map()
        for row in self.conn.execute(
            "SELECT name, kind, key, color, description FROM other.labels ORDER BY position, name"
        ).fetchall():
            label = Label(*row)
            if label.name not in mine:
                taken = any(existing.key == label.key for existing in self.labels())
                self._write_labels([replace(label, key="" if taken else label.key)])
                self._labels = None
                mine = self.label_map()

    def _merge_documents(self, report: MergeReport) -> dict[int, Document]:
        """Their document id -> our document (added when its text is new here)."""
        documents: dict[int, Document] = {}
        for other_id, key, title, text, sha, meta, source in self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, source FROM other.documents ORDER BY position, id"
        ).fetchall():
            mine = self.document_by_hash(sha)
            if mine is None:
                position = self.conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM documents").fetchone()[0]
                self.conn.execute(
                    "INSERT INTO documents (key, title, text, sha256, meta, source, position, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (self._unique_key(key), title, text, sha, meta, source, position, now()),
                )
                mine = self.document_by_hash(sha)
                assert mine is not None
                report.documents += 1
            documents[other_id] = mine
        return documents

    def _changed_span_uids(self) -> dict[str, tuple[str | None, str | None]]:
        """Span uid -> when the other file last changed it (span, rejection) in ways we lack.

        Read before their history is copied in: "new" means an action whose uid this
        database has not seen. Undo and redo count as the kind of action they target.
        """
        changed: dict[str, tuple[str | None, str | None]] = {}
        for span_uid, span_at, decision_at in self.conn.execute(
            "SELECT a.span_uid,"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN NULL ELSE a.at END),"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN a.at END)"
            " FROM other.actions a LEFT JOIN other.actions t ON t.id = a.target"
            " WHERE NOT EXISTS (SELECT 1 FROM main.actions m WHERE m.uid = a.uid)"
            " GROUP BY a.span_uid"
        ):
            changed[span_uid] = (span_at, decision_at)
        return changed

    def _our_unshared_change(self, uid: str) -> tuple[str | None, str | None]:
        """When this database last changed the span (span, rejection) in ways the other lacks."""
        row = self.conn.execute(
            "SELECT"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN NULL ELSE a.at END),"
            " MAX(CASE WHEN COALESCE(t.op, a.op) = 'reject' THEN a.at END)"
            " FROM main.actions a LEFT JOIN main.actions t ON t.id = a.target"
            " WHERE a.span_uid = ? AND NOT EXISTS (SELECT 1 FROM other.actions o WHERE o.uid = a.uid)",
            (uid,),
        ).fetchone()
        return row[0], row[1]

    def _merge_actions(self, documents: dict[int, Document], report: MergeReport) -> None:
        """Copy in the history we lack, in their order, with targets mapped to our ids."""
        action_ids: dict[int, int] = {}
        for row in self.conn.execute(
            "SELECT id, uid, annotator, document_id, at, op, span_uid, before, after, target, batch"
            " FROM other.actions ORDER BY id"
        ).fetchall():
            other_id, uid, annotator, document_id, at, op, span_uid, before, after, target, batch = row
            found = self.conn.execute("SELECT id FROM main.actions WHERE uid = ?", (uid,)).fetchone()
            if found:
                action_ids[other_id] = found[0]
                continue
            cursor = self.conn.execute(
                "INSERT INTO main.actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid, annotator, documents[document_id].id, at, op, span_uid, before, after,
                    action_ids.get(target) if target else None, batch,
                ),
            )
            action_ids[other_id] = cursor.lastrowid or 0
            report.actions += 1

    def _merge_entities(self, report: MergeReport) -> None:
        """Their entity registry and its log, by uid.

        Fields come from the later change (updated_at; equal stamps fall back to comparing
        the rows, so both ways agree); aliases are the union; merged_into once set stays
        set (the later side's when both set it). The log is copied once per action uid.
        Links on mentions need nothing here: they are span attrs, merged with the spans.
        """
        added: set[str] = set()
        changed: set[str] = set()
        for row in self.conn.execute(f"SELECT {ENTITY_COLUMNS} FROM other.entities ORDER BY id").fetchall():
            theirs = dict(zip(ENTITY_FIELDS, row))
            found = self.conn.execute(f"SELECT {ENTITY_COLUMNS} FROM main.entities WHERE uid = ?", (theirs["uid"],)).fetchone()
            if found is None:
                self.conn.execute(
                    f"INSERT INTO main.entities ({ENTITY_COLUMNS}) VALUES ({', '.join('?' * len(ENTITY_FIELDS))})", row
                )
                added.add(theirs["uid"])
                continue
            mine = dict(zip(ENTITY_FIELDS, found))
            key = lambda state: (state["updated_at"], json.dumps(state, sort_keys=True))  # noqa: E731
            winner, loser = (theirs, mine) if key(theirs) > key(mine) else (mine, theirs)
            settled = dict(winner, merged_into=winner["merged_into"] or loser["merged_into"])
            if settled != mine:
                self.conn.execute(
                    "UPDATE main.entities SET name = ?, label = ?, external_id = ?, note = ?, merged_into = ?,"
                    " updated_at = ? WHERE uid = ?",
                    (settled["name"], settled["label"], settled["external_id"], settled["note"],
                     settled["merged_into"], settled["updated_at"], settled["uid"]),
                )
                changed.add(settled["uid"])
        for uid, alias in self.conn.execute(
            "SELECT entity_uid, alias FROM other.entity_aliases o WHERE NOT EXISTS"
            " (SELECT 1 FROM main.entity_aliases m WHERE m.entity_uid = o.entity_uid AND m.alias = o.alias)"
        ).fetchall():
            self.conn.execute("INSERT INTO main.entity_aliases (entity_uid, alias) VALUES (?, ?)", (uid, alias))
            if uid not in added:
                changed.add(uid)  # a new alias changes an entity this database had: counted once
        report.entities_added += len(added)
        report.entities_changed += len(changed)
        cursor = self.conn.execute(
            "INSERT INTO main.entity_actions (uid, annotator, at, op, entity_uid, before, after, batch)"
            " SELECT uid, annotator, at, op, entity_uid, before, after, batch FROM other.entity_actions o"
            " WHERE NOT EXISTS (SELECT 1 FROM main.entity_actions m WHERE m.uid = o.uid) ORDER BY o.id"
        )
        report.entity_actions += max(cursor.rowcount, 0)

    def _their_span(self, uid: str, documents: dict[int, Document]) -> Span | None:
        row = self.conn.execute(f"SELECT {SPAN_COLUMNS} FROM other.spans WHERE uid = ?", (uid,)).fetchone()
        if row is None:
            return None
        span = span_from_row(row)
        return replace(span, document_id=documents[span.document_id].id, id=0)

    def _merge_span(
        self,
        uid: str,
        documents: dict[int, Document],
        their_span_at: str | None,
        their_decision_at: str | None,
        report: MergeReport,
    ) -> None:
        """Settle one span the other file changed: take theirs, keep ours, or the later of both."""
        ours_span_at, ours_decision_at = self._our_unshared_change(uid)
        if their_span_at is not None:
            mine = self.span(uid)
            theirs = self._their_span(uid, documents)
            if not _same_span(mine, theirs):
                if ours_span_at is None:
                    self._apply_merged(uid, mine, theirs, documents, report)
                else:
                    # Both changed it since they last agreed: the later change wins.
                    winner, loser = (theirs, mine) if their_span_at > ours_span_at else (mine, theirs)
                    where = (mine or theirs)
                    assert where is not None
                    report.conflicts.append(
                        MergeConflict(
                            uid=uid,
                            document_key=self._document_key(where.document_id),
                            label=where.label,
                            text=where.text,
                            annotator=where.annotator,
                            kept="theirs" if winner is theirs else "ours",
                            ours=_describe(mine),
                            theirs=_describe(theirs),
                        )
                    )
                    if winner is theirs:
                        self._apply_merged(uid, mine, theirs, documents, report)
                    # The loser's state stays one undo away for the span's analyst.
                    self._log_resolution(uid, loser, self.span(uid), where)
        if their_decision_at is not None and (ours_decision_at is None or their_decision_at > ours_decision_at):
            self._merge_decision(uid, documents)

    def _apply_merged(
        self, uid: str, mine: Span | None, theirs: Span | None, documents: dict[int, Document], report: MergeReport
    ) -> None:
        if theirs is None:
            if mine is not None:
                self.conn.execute("DELETE FROM spans WHERE uid = ?", (uid,))
                report.spans_deleted += 1
            return
        document = next(d for d in documents.values() if d.id == theirs.document_id)
        if document.text[theirs.start : theirs.end] != theirs.text:
            # Documents are matched by content hash, so this means a damaged row:
            # never store a span whose text is not what its offsets point at.
            report.refused.append(uid)
            return
        if mine is None:
            if self._same_place_taken(theirs):
                report.spans_duplicate += 1
                return
            self._insert_span(theirs)
            report.spans_added += 1
        else:
            if mine.document_id != theirs.document_id:
                report.refused.append(uid)
                return
            try:
                self._write_span(theirs)
            except ConflictError:
                report.refused.append(uid)
                return
            report.spans_changed += 1

    def _same_place_taken(self, span: Span) -> bool:
        return (
            self.conn.execute(
                'SELECT 1 FROM spans WHERE document_id = ? AND annotator = ? AND start = ? AND "end" = ? AND label = ?',
                (span.document_id, span.annotator, span.start, span.end, span.label),
            ).fetchone()
            is not None
        )

    def _log_resolution(self, uid: str, loser: Span | None, winner: Span | None, where: Span) -> None:
        """An 'update' from the losing to the winning state, in the span analyst's history."""
        if _same_span(loser, winner):
            return
        op = "update" if loser is not None and winner is not None else ("delete" if winner is None else "add")
        self.conn.execute(
            "INSERT INTO actions (uid, annotator, document_id, at, op, span_uid, before, after, target, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (
                uuid.uuid4().hex, where.annotator, where.document_id, now(), op, uid,
                span_json(loser) if loser else None, span_json(winner) if winner else None,
            ),
        )

    def _merge_decision(self, uid: str, documents: dict[int, Document]) -> None:
        row = self.conn.execute(
            "SELECT document_id, decision, reviewer, at FROM other.decisions WHERE span_uid = ?", (uid,)
        ).fetchone()
        if row is None:
            self.conn.execute("DELETE FROM decisions WHERE span_uid = ?", (uid,))
            return
        document_id, decision, reviewer, at = row
        self.conn.execute(
            "INSERT OR REPLACE INTO decisions (span_uid, document_id, decision, reviewer, at) VALUES (?, ?, ?, ?, ?)",
            (uid, documents[document_id].id, decision, reviewer, at),
        )

    def _merge_unlogged_spans(self, documents: dict[int, Document], report: MergeReport) -> None:
        """Spans with no history at all on either side (older files): added when new here."""
        for row in self.conn.execute(
            f"SELECT {SPAN_COLUMNS} FROM other.spans s"
            " WHERE NOT EXISTS (SELECT 1 FROM main.spans m WHERE m.uid = s.uid)"
            " AND NOT EXISTS (SELECT 1 FROM main.actions a WHERE a.span_uid = s.uid)"
        ).fetchall():
            theirs = span_from_row(row)
            theirs = replace(theirs, document_id=documents[theirs.document_id].id, id=0)
            self._apply_merged(theirs.uid, None, theirs, documents, report)
        for row in self.conn.execute(
            "SELECT span_uid, document_id, decision, reviewer, at FROM other.decisions"
        ).fetchall():
            span_uid, document_id, decision, reviewer, at = row
            self.conn.execute(
                "INSERT OR IGNORE INTO decisions (span_uid, document_id, decision, reviewer, at)"
                " SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM main.actions WHERE span_uid = ? AND op = 'reject')",
                (span_uid, documents[document_id].id, decision, reviewer, at, span_uid),
            )

    def _merge_progress(self, documents: dict[int, Document], report: MergeReport) -> None:
        for annotator, document_id, state, updated in self.conn.execute(
            "SELECT annotator, document_id, state, updated_at FROM other.progress"
        ).fetchall():
            cursor = self.conn.execute(
                "INSERT INTO progress (annotator, document_id, state, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (annotator, document_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
                " WHERE excluded.updated_at > progress.updated_at AND excluded.state != progress.state",
                (annotator, documents[document_id].id, state, updated),
            )
            report.progress += max(cursor.rowcount, 0)

    def _document_key(self, document_id: int) -> str:
        row = self.conn.execute("SELECT key FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row[0] if row else str(document_id)
