"""One background writer per app: every database write, in order, off the UI thread.

The UI never waits on SQLite. A write is a job: a function run on the writer's own
connection inside one transaction (the store's methods each are one). While another
process holds the write lock (a colleague's long import, a backup) the writer waits
and retries; the keys keep working and later jobs queue behind. A job that fails for
another reason (a full disk, a damaged file) stops the queue, so nothing commits out
of order, and waits for `retry()`; a job the rules refuse (ConflictError) is reported
and the queue goes on.
"""

from __future__ import annotations

import itertools
from collections import deque
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.errors import ConflictError
from annotator.store import Store

# Short enough that a waiting writer notices a close() or reports how long it waits.
LOCK_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Job:
    ticket: int
    what: str  # for the status line: "tagged ORG"
    run: Callable[[Store], Any]
    owner: object = None  # whose outcome it is (a session): the app hands it back there


@dataclass(frozen=True)
class Outcome:
    """What became of a job: committed (result), refused by a rule, or failed (kept for retry)."""

    job: Job
    result: Any = None
    error: Exception | None = None
    kept: bool = False  # failed for a reason a retry may cure; the queue waits for retry()

    @property
    def ticket(self) -> int:
        return self.job.ticket


def _locked(error: sqlite3.OperationalError) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text


class Writer:
    """A thread with a queue and its own connection; callbacks run on the writer thread.

    on_done is called once per job with its Outcome; on_wait with the seconds the
    current job has waited for the lock, about every LOCK_POLL_SECONDS while it waits.
    The app wraps both with call_from_thread.
    """

    def __init__(
        self,
        path: Path,
        on_done: Callable[[Outcome], None],
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self.path = path
        self._on_done = on_done
        self._on_wait = on_wait
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._tickets = itertools.count(1)
        self._held: list[Job] = []  # a failed job and those behind it, waiting for retry()
        self._retrying: list[Job] = []  # held jobs handed back by retry(), not yet run
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._outstanding = 0  # submitted, not yet committed or refused (held ones included)
        self._resume = threading.Event()
        self._closing = False
        self._store: Store | None = None
        self._thread = threading.Thread(target=self._loop, name="annotator-writer", daemon=True)
        self._thread.start()

    # -- the UI side ---------------------------------------------------------------

    def submit(self, what: str, run: Callable[[Store], Any], owner: object = None) -> int:
        """Queue a write; its Outcome comes to on_done. Returns the job's ticket."""
        job = Job(next(self._tickets), what, run, owner)
        with self._lock:
            self._outstanding += 1
            if self._held:
                # The queue is stopped at a failed job: this one waits behind it.
                self._held.append(job)
                return job.ticket
            if self._retrying:
                self._retrying.append(job)
                return job.ticket
        self._jobs.put(job)
        return job.ticket

    @property
    def pending(self) -> int:
        """Jobs without a final outcome yet (held ones included)."""
        with self._lock:
            return self._outstanding

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._held)

    def retry(self) -> bool:
        """Run the held jobs again, in order, before anything queued after them."""
        with self._lock:
            if not self._held:
                return False
            # Not held any more from here on: wait_idle() waits for them again.
            self._retrying, self._held = self._held, []
        self._resume.set()
        return True

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until every job is committed, refused or held for retry."""
        deadline = time.monotonic() + timeout
        with self._settled:
            while self._outstanding > len(self._held):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._settled.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Commit what is queued (within timeout), then stop the thread."""
        self.wait_idle(timeout)
        self._closing = True
        self._jobs.put(None)
        self._resume.set()
        self._thread.join(timeout)

    # -- the writer thread ---------------------------------------------------------

    def _open(self) -> Store:
        if self._store is None:
            store = Store.open(self.path, create=False)
            # Wait in short steps, so the wait is visible and a close() is noticed.
            store.conn.execute(f"PRAGMA busy_timeout = {int(LOCK_POLL_SECONDS * 1000)}")
            self._store = store
        return self._store

    def _loop(self) -> None:
        front: deque[Job] = deque()
        try:
            while not self._closing:
                job = front.popleft() if front else self._jobs.get()
                if job is None:
                    break
                outcome = self._attempt(job)
                if outcome is None:  # closing while waiting for the lock
                    break
                if not outcome.kept:
                    self._finish(outcome)
                    continue
                # Stop here: this job and those already lined up before the queue wait.
                self._on_done(outcome)
                with self._lock:
                    self._held = [job, *front]
                    while True:
                        try:
                            queued = self._jobs.get_nowait()
                        except queue.Empty:
                            break
                        if queued is None:
                            self._closing = True
                            break
                        self._held.append(queued)
                    self._settled.notify_all()
                front.clear()
                self._resume.wait()
                self._resume.clear()
                if self._closing:
                    break
                with self._lock:
                    front.extend(self._retrying)
                    self._retrying = []
        finally:
            if self._store is not None:
                self._store.close()

    def _attempt(self, job: Job) -> Outcome | None:
        started = time.monotonic()
        while not self._closing:
            try:
                return Outcome(job, result=job.run(self._open()))
            except sqlite3.OperationalError as error:
                if not _locked(error):
                    return Outcome(job, error=error, kept=True)
                if self._on_wait is not None:
                    self._on_wait(time.monotonic() - started)
                time.sleep(LOCK_POLL_SECONDS / 4)
            except ConflictError as error:
                return Outcome(job, error=error)
            except Exception as error:  # a full disk, a damaged file: keep it for retry
                return Outcome(job, error=error, kept=True)
        return None

    def _finish(self, outcome: Outcome) -> None:
        # Reported before it counts as settled: wait_idle() returns after on_done ran.
        self._on_done(outcome)
        with self._lock:
            self._outstanding -= 1
            self._settled.notify_all()
