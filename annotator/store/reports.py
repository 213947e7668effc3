"""Reading across the corpus: statistics, export rows, work per document, full-text search."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from annotator.model import DocumentSummary
from annotator.store.base import StoreBase

GOLD_NAME = "gold"
"""The reserved analyst name of the adjudicated set (annotator.review.GOLD)."""
SUGGESTION_PREFIX = "suggestion:"
"""Imported model suggestions are stored under "suggestion:NAME" (annotator.review)."""


@dataclass(frozen=True)
class SearchHit:
    """One match of a full-text search: an article, or a span in one.

    snippet marks the matched words with \x02 and \x03 (never in article text after
    import), so a screen can style them and a terminal can show them plainly.
    """

    document_id: int
    key: str
    title: str
    kind: str  # "article" or "span"
    snippet: str
    offset: int | None = None  # where to open the article (spans; articles: see locate)
    span_uid: str | None = None
    label: str | None = None
    annotator: str | None = None


SEARCH_CANDIDATES = 300  # matches ranked per query (see Store.search)


def fts_query(query: str) -> str | None:
    """A safe FTS5 query: each word quoted (operators lose their meaning) and matched as a prefix."""
    words = re.findall(r"\w+", query)
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def locate(text: str, query: str) -> int:
    """Where an article's first match of query's first word begins (0 if not found)."""
    words = re.findall(r"\w+", query)
    if not words:
        return 0
    found = re.search(r"\b" + re.escape(words[0]), text, re.IGNORECASE)
    return found.start() if found else 0


class Reports(StoreBase):
    """Reading across the whole corpus."""

    def entity_mention_counts(self) -> dict[str, int]:
        """Spans linked to each entity, a merged entity's counted with the one it was merged into."""
        linked = dict(
            self.conn.execute(
                "SELECT json_extract(attrs, '$.entity'), COUNT(*) FROM spans"
                " WHERE json_extract(attrs, '$.entity') IS NOT NULL GROUP BY 1"
            ).fetchall()
        )
        merged = dict(self.conn.execute("SELECT uid, merged_into FROM entities WHERE merged_into IS NOT NULL").fetchall())
        counts: dict[str, int] = {}
        for uid, count in linked.items():
            seen: set[str] = set()
            while uid in merged and uid not in seen:  # follow merges to the live entity
                seen.add(uid)
                uid = merged[uid]
            counts[uid] = counts.get(uid, 0) + count
        return counts

    def annotators(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM annotators ORDER BY name")]

    def search(self, query: str, limit: int = 50, spans: bool = True) -> list[SearchHit]:
        """Articles (title, text) and spans (text, note) matching every word of query.

        The words are matched as prefixes, whatever FTS5 operators they look like, so
        any text a user types is a valid query. Articles first (best matches first),
        then spans.
        """
        match = fts_query(query)
        if match is None:
            return []
        hits: list[SearchHit] = []
        # Ranking every match of a word in every article costs time in proportion to the
        # library; the best of the first SEARCH_CANDIDATES matches keeps a query fast
        # however common its words (for rare words that is every match).
        ranked = self.conn.execute(
            "SELECT d.id, d.key, d.title, bm25(documents_fts, 10.0, 1.0),"
            " snippet(documents_fts, 1, char(2), char(3), '…', 12)"
            " FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
            " WHERE documents_fts MATCH ? LIMIT ?",
            (match, SEARCH_CANDIDATES),
        ).fetchall()
        for document_id, key, title, _, snippet in sorted(ranked, key=lambda row: row[3])[:limit]:
            hits.append(SearchHit(document_id, key, title, "article", snippet))
        if spans:
            for document_id, key, title, uid, label, annotator, start, text in self.conn.execute(
                "SELECT d.id, d.key, d.title, s.uid, s.label, s.annotator, s.start, s.text"
                " FROM (SELECT rowid, bm25(spans_fts) AS score FROM spans_fts WHERE spans_fts MATCH ? LIMIT ?) AS m"
                " JOIN spans s ON s.id = m.rowid JOIN documents d ON d.id = s.document_id"
                " ORDER BY m.score LIMIT ?",
                (match, SEARCH_CANDIDATES, limit),
            ):
                hits.append(
                    SearchHit(document_id, key, title, "span", text, offset=start, span_uid=uid, label=label, annotator=annotator)
                )
        return hits

    def document_order(self) -> list[int]:
        """Every document id in corpus order, from the order index alone (no row is read)."""
        return [row[0] for row in self.conn.execute("SELECT id FROM documents ORDER BY position, id")]

    def library_stamp(self) -> tuple[int, int, int]:
        """(documents, highest id, highest replaced version): changes when an article is
        added, removed or re-imported, so what was read of the library can be kept until then."""
        count, highest = self.conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM documents").fetchone()
        versions = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM document_versions").fetchone()[0]
        return int(count), int(highest), int(versions)

    def document_columns(self) -> tuple[list[int], list[str], list[str], list[int], list[int]]:
        """list_documents without the span counts, as columns: (ids, keys, titles, positions,
        lengths) in corpus order. Reads every text for its length: 0.5 s at 100,000 articles.

        Columns, not a record per row: 100,000 records (or row tuples alive at once) are
        objects the garbage collector walks on every full collection."""
        ids: list[int] = []
        keys: list[str] = []
        titles: list[str] = []
        positions: list[int] = []
        lengths: list[int] = []
        for document_id, key, title, position, length in self.conn.execute(
            "SELECT id, key, title, position, length(text) FROM documents ORDER BY position, id"
        ):
            ids.append(document_id)
            keys.append(key)
            titles.append(title)
            positions.append(position)
            lengths.append(length)
        return ids, keys, titles, positions, lengths

    def span_counts(self, annotator: str | None = None) -> dict[int, int]:
        """document id -> spans (by annotator, or by anyone), for documents with any; from the span index."""
        where, params = ("WHERE +annotator = ?", [annotator]) if annotator else ("", [])
        return dict(self.conn.execute(f"SELECT document_id, COUNT(*) FROM spans {where} GROUP BY document_id", params))

    def document_summaries(self, ids: Iterable[int], annotator: str | None = None) -> dict[int, DocumentSummary]:
        """list_documents' rows for these documents only (spans by annotator, or by anyone)."""
        wanted = list(dict.fromkeys(ids))
        where, extra = ("AND s.annotator = ?", [annotator]) if annotator else ("", [])
        found: dict[int, DocumentSummary] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self.conn.execute(
                f"""
                SELECT d.id, d.key, d.title, d.position, length(d.text),
                       (SELECT COUNT(*) FROM spans s WHERE s.document_id = d.id {where})
                FROM documents d WHERE d.id IN ({", ".join("?" * len(chunk))})
                """,
                [*extra, *chunk],
            ):
                found[row[0]] = DocumentSummary(*row)
        return found

    def progress_annotators(self) -> list[str]:
        """Everyone with progress on any article, one index seek per name."""
        return [
            row[0]
            for row in self.conn.execute(
                """
                WITH RECURSIVE names(name) AS (
                    SELECT MIN(annotator) FROM progress
                    UNION ALL
                    SELECT (SELECT MIN(annotator) FROM progress WHERE annotator > name) FROM names WHERE name IS NOT NULL
                )
                SELECT name FROM names WHERE name IS NOT NULL
                """
            )
        ]

    def progress_of_documents(self, ids: Iterable[int]) -> dict[int, dict[str, str]]:
        """progress() for these documents only: primary-key lookups, not a scan of the table."""
        wanted = list(dict.fromkeys(ids))
        names = self.progress_annotators()
        table: dict[int, dict[str, str]] = {}
        if not names:
            return table
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for annotator, document_id, state in self.conn.execute(
                f"SELECT annotator, document_id, state FROM progress WHERE annotator IN ({', '.join('?' * len(names))})"
                f" AND document_id IN ({', '.join('?' * len(chunk))}) ORDER BY annotator",
                [*names, *chunk],
            ):
                table.setdefault(document_id, {})[annotator] = state
        return table

    def has_spans(self, annotator: str) -> bool:
        """Whether the analyst has tagged anything at all: one probe of the annotator index."""
        return self.conn.execute("SELECT 1 FROM spans WHERE annotator = ? LIMIT 1", (annotator,)).fetchone() is not None

    def started_documents(self, annotator: str | None = None) -> int:
        """Documents with at least one span (by annotator, or by anyone), from the span index."""
        if annotator:
            # `+annotator`: walk the (document_id, annotator) index, not look up each row.
            sql, params = "SELECT COUNT(DISTINCT document_id) FROM spans WHERE +annotator = ?", [annotator]
        else:
            sql, params = "SELECT COUNT(DISTINCT document_id) FROM spans", []
        return int(self.conn.execute(sql, params).fetchone()[0])

    def list_figures(self, annotator: str | None = None, me: str | None = None) -> dict[str, int]:
        """What the article list's column widths depend on, as analysts work, from the span index.

        `most_spans` is the most spans (by annotator, or by anyone) on one article,
        `started` the articles with spans, `done_without_spans` those `me` marked done
        without tagging anything, `last_position` the highest corpus position.
        """
        where, params = ("WHERE +annotator = ?", [annotator]) if annotator else ("", [])
        most, started = self.conn.execute(
            f"SELECT COALESCE(MAX(n), 0), COUNT(*) FROM (SELECT COUNT(*) AS n FROM spans {where} GROUP BY document_id)",
            params,
        ).fetchone()
        done_without_spans = 0
        if me:
            done_without_spans = self.conn.execute(
                "SELECT COUNT(*) FROM progress p WHERE p.annotator = ? AND p.state = 'done' AND NOT EXISTS"
                f" (SELECT 1 FROM spans s WHERE s.document_id = p.document_id {'AND s.annotator = ?' if annotator else ''})",
                [me, *params],
            ).fetchone()[0]
        return {
            "documents": self.document_count(),
            "most_spans": int(most),
            "started": int(started),
            "done_without_spans": int(done_without_spans),
            "last_position": int(self.conn.execute("SELECT COALESCE(MAX(position), 0) FROM documents").fetchone()[0]),
        }

    def progress_groups(self) -> set[tuple[str, ...]]:
        """Each distinct set of analysts with progress on one article (the article list's widest marks)."""
        groups: set[tuple[str, ...]] = set()
        for (names,) in self.conn.execute(
            "SELECT DISTINCT names FROM (SELECT group_concat(annotator, char(31)) AS names FROM progress GROUP BY document_id)"
        ):
            groups.add(tuple(sorted(names.split("\x1f"))))
        return groups

    def stats(self) -> dict[str, Any]:
        """Counts for `annotator stats` and the stats screen, the analysts' work and gold apart.

        `spans`, `documents_with_spans`, `by_label[].spans`, `by_kind[].spans` and
        `by_annotator` count the analysts only: adding the reviewer's gold copies to them
        counted an adjudicated span twice. Gold has its own figures (`gold`, and a `gold`
        count per label and kind); imported model suggestions (`suggestion:NAME`) are
        listed under `suggestions`, counted in neither.
        """
        analyst = f"(s.annotator != '{GOLD_NAME}' AND substr(s.annotator, 1, {len(SUGGESTION_PREFIX)}) != '{SUGGESTION_PREFIX}')"
        gold = f"(s.annotator = '{GOLD_NAME}')"
        documents = self.document_count()
        by_label = self.conn.execute(
            f"SELECT s.label, COALESCE(l.kind, '?'), SUM({analyst}), SUM({gold})"
            " FROM spans s LEFT JOIN labels l ON l.name = s.label"
            f" GROUP BY s.label HAVING SUM({analyst}) + SUM({gold}) > 0 ORDER BY 3 DESC, 4 DESC, s.label"
        ).fetchall()
        by_kind = self.conn.execute(
            f"SELECT COALESCE(l.kind, '?'), SUM({analyst}), SUM({gold}) FROM spans s LEFT JOIN labels l ON l.name = s.label"
            f" GROUP BY 1 HAVING SUM({analyst}) + SUM({gold}) > 0 ORDER BY 2 DESC, 3 DESC, 1"
        ).fetchall()
        by_annotator = self.conn.execute(
            "SELECT s.annotator, COUNT(*), COUNT(DISTINCT s.document_id), MAX(s.updated_at) FROM spans s"
            f" WHERE {analyst} GROUP BY s.annotator ORDER BY s.annotator"
        ).fetchall()
        suggestions = self.conn.execute(
            "SELECT s.annotator, COUNT(*), COUNT(DISTINCT s.document_id) FROM spans s"
            f" WHERE NOT {analyst} AND NOT {gold} GROUP BY s.annotator ORDER BY s.annotator"
        ).fetchall()
        done = dict(
            self.conn.execute("SELECT annotator, COUNT(*) FROM progress WHERE state = 'done' GROUP BY annotator").fetchall()
        )
        total, touched = self.conn.execute(f"SELECT COUNT(*), COUNT(DISTINCT s.document_id) FROM spans s WHERE {analyst}").fetchone()
        gold_spans, gold_documents, gold_last = self.conn.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT s.document_id), MAX(s.updated_at) FROM spans s WHERE {gold}"
        ).fetchone()
        return {
            "documents": documents,
            "spans": total,
            "documents_with_spans": touched,
            "by_label": [{"label": l, "kind": k, "spans": n, "gold": g} for l, k, n, g in by_label],
            "by_kind": [{"kind": k, "spans": n, "gold": g} for k, n, g in by_kind],
            "by_annotator": [
                {"annotator": a, "spans": n, "documents": d, "done": done.get(a, 0), "last_update": t}
                for a, n, d, t in by_annotator
            ],
            "gold": {
                "spans": gold_spans,
                "documents": gold_documents,
                "adjudicated": done.get(GOLD_NAME, 0),
                "last_update": gold_last,
            },
            "suggestions": [{"source": a, "spans": n, "documents": d} for a, n, d in suggestions],
        }

    def _analyst_where(self) -> str:
        """The analysts' spans: gold and imported model suggestions left out."""
        return f"(annotator != '{GOLD_NAME}' AND substr(annotator, 1, {len(SUGGESTION_PREFIX)}) != '{SUGGESTION_PREFIX}')"

    def gazetteer_rows(self, limit: int = 50_000) -> list[tuple[str, str, int]]:
        """(text, label, count) over every analyst's spans, gold and model suggestions excluded.

        The gazetteer suggestions are made from; the most frequent texts first, capped
        by `limit` so a huge team database does not fill memory.
        """
        return [
            (text, label, count)
            for text, label, count in self.conn.execute(
                f"SELECT text, label, COUNT(*) FROM spans WHERE {self._analyst_where()}"
                " GROUP BY text, label ORDER BY 3 DESC, text, label LIMIT ?",
                (limit,),
            )
        ]

    def gazetteer_rows_by_document(self, limit: int = 200_000) -> list[tuple[int, str, str, int]]:
        """(document_id, text, label, count) of the analysts' spans: a gazetteer without one article."""
        return [
            (document_id, text, label, count)
            for document_id, text, label, count in self.conn.execute(
                f"SELECT document_id, text, label, COUNT(*) FROM spans WHERE {self._analyst_where()}"
                " GROUP BY document_id, text, label ORDER BY document_id LIMIT ?",
                (limit,),
            )
        ]

    def documents_with_analyst_spans(self, limit: int) -> list[int]:
        """Ids of articles with analysts' spans, in corpus order, at most `limit` of them."""
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT d.id FROM documents d WHERE EXISTS"
                f" (SELECT 1 FROM spans WHERE spans.document_id = d.id AND {self._analyst_where()})"
                " ORDER BY d.position, d.id LIMIT ?",
                (limit,),
            )
        ]

    def export_rows(
        self,
        annotators: list[str] | None = None,
        labels: list[str] | None = None,
        kinds: list[str] | None = None,
        only_annotated: bool = False,
        as_bytes: bool = False,
    ) -> Iterator[Any]:
        """One native-format JSON line per document, built by SQLite and streamed.

        SQLite assembles the JSON so a million spans never sit in Python memory at once
        and the export runs at the speed of the query itself.
        """
        conditions = ["s.document_id = d.id"]
        params: list[Any] = []
        for column, values in (("s.annotator", annotators), ("s.label", labels), ("l.kind", kinds)):
            if values:
                conditions.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        where = " AND ".join(conditions)
        span_query = f"""
            SELECT json_group_array(json(j)) FROM (
                SELECT json_object(
                    'start', s.start, 'end', s."end", 'label', s.label, 'kind', COALESCE(l.kind, 'entity'),
                    'text', s.text, 'annotator', s.annotator, 'note', s.note, 'attrs', json(s.attrs),
                    'uid', s.uid, 'created_at', s.created_at, 'updated_at', s.updated_at
                ) AS j
                FROM spans s LEFT JOIN labels l ON l.name = s.label
                WHERE {where}
                ORDER BY s.start, s."end", s.label, s.annotator
            )
        """
        having = f"AND EXISTS (SELECT 1 FROM spans s LEFT JOIN labels l ON l.name = s.label WHERE {where})" if only_annotated else ""
        sql = f"""
            SELECT json_object(
                'id', d.key, 'title', d.title, 'text', d.text, 'meta', json(d.meta),
                'spans', json(({span_query}))
            )
            FROM documents d WHERE 1 {having} ORDER BY d.position, d.id
        """
        # A cursor of its own with bytes results: the lines go to the file as SQLite made them.
        conn = self.second_connection() if as_bytes else self.conn
        if as_bytes:
            conn.text_factory = bytes
        try:
            cursor = conn.execute(sql, params + (params if only_annotated else []))
            while True:
                rows = cursor.fetchmany(256)
                if not rows:
                    return
                for (line,) in rows:
                    yield line
        finally:
            if as_bytes:
                conn.close()

    def work_by_document(self) -> dict[str, dict[str, tuple[int, bool]]]:
        """document key -> analyst -> (spans, marked done), for every analyst with either.

        Exports use it to write an article for an analyst only when that analyst worked
        on it; for 'gold', done is the review screen's adjudicated mark.
        """
        table: dict[str, dict[str, tuple[int, bool]]] = {}
        for key, annotator, spans, done in self.conn.execute(
            """
            SELECT d.key, w.annotator, SUM(w.spans), MAX(w.done) FROM (
                SELECT document_id, annotator, COUNT(*) AS spans, 0 AS done FROM spans GROUP BY document_id, annotator
                UNION ALL
                SELECT document_id, annotator, 0, 1 FROM progress WHERE state = 'done'
            ) w JOIN documents d ON d.id = w.document_id
            GROUP BY d.id, w.annotator
            """
        ):
            table.setdefault(key, {})[annotator] = (int(spans), bool(done))
        return table
