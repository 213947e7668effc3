"""A session with its own background writer, settled the way the app settles outcomes.

Session-level tests drive ArticleSession directly (no Textual), but through the same
Writer thread the app uses, on a real SQLite file.
"""

from __future__ import annotations

import queue
from pathlib import Path

from annotator.session.article import ArticleSession, Settled
from annotator.session.writer import Outcome, Writer
from annotator.store import Store


class SessionHarness:
    """Opens `document_id` (the first article by default) as `annotator`."""

    def __init__(self, db: Path, annotator: str, document_id: int | None = None) -> None:
        self.annotator = annotator
        self.reader = Store.open(db, create=False)
        self.outcomes: queue.Queue[Outcome] = queue.Queue()
        self.waits: list[float] = []
        self.writer = Writer(db, self.outcomes.put, self.waits.append)
        self.session = ArticleSession(self.reader, self.writer, annotator, self.reader.labels())
        self.document = self.session.open(self.reader.list_documents()[0].id if document_id is None else document_id)
        self.text = self.document.text
        self.settled: list[Settled] = []

    def settle(self, timeout: float = 20.0) -> None:
        """Wait for the writer, then hand every outcome to the session, as the screen does."""
        assert self.writer.wait_idle(timeout)
        while not self.outcomes.empty():
            self.settled.append(self.session.settle(self.outcomes.get()))

    def stored(self) -> list[tuple[int, int, str, str]]:
        """The annotator's spans on the open article, as (start, end, text, label)."""
        return [(s.start, s.end, s.text, s.label) for s in self.reader.spans(self.document.id, self.annotator)]

    def close(self) -> None:
        self.writer.close()
        self.reader.close()
