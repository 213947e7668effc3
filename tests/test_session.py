"""The article session's rules and its background writer, without Textual.

Real database files, a real writer thread, real competing processes and a real full
disk: a key never waits on SQLite, and nothing the screen showed is lost.
"""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.session.article import Change, Refusal
from annotator.store import Store
from session_support import SessionHarness

TEXT = "The Prime Minister met the Foreign Minister in Bishkek on Monday. They talked."
ME = "alice"


class Harness(SessionHarness):
    """A session under ME on the first article."""

    def __init__(self, db: Path) -> None:
        super().__init__(db, ME)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    with Store.open(path) as store:
        store.add_document("article", "Minister", TEXT)
    return path


@pytest.fixture
def harness(db: Path) -> Iterator[Harness]:
    made = Harness(db)
    yield made
    made.close()


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def test_a_tag_is_drawn_at_once_and_saved_under_the_same_identity(harness: Harness) -> None:
    change = harness.session.tag(*at("Bishkek"), "PLACE")
    assert isinstance(change, Change)
    (drawn,) = change.upserted
    assert (drawn.text, drawn.label) == ("Bishkek", "PLACE")
    assert harness.session.state.kind == "saving"
    harness.settle()
    assert harness.stored() == [(*at("Bishkek"), "Bishkek", "PLACE")]
    assert harness.reader.span(drawn.uid) is not None
    assert harness.session.state.kind == "saved" and "tagged PLACE" in harness.session.state.text


def test_rules_refuse_plainly_and_write_nothing(harness: Harness) -> None:
    harness.session.tag(*at("Bishkek"), "PLACE")
    harness.settle()
    refused = harness.session.tag(*at("Bishkek"), "PLACE")
    assert isinstance(refused, Refusal) and refused.message == "Already tagged: PLACE is on that text"
    span = next(iter(harness.session.spans.values()))
    assert harness.session.retag(span.uid, "PLACE") == Refusal("Already PLACE")
    assert isinstance(harness.session.tag(5, 5, "ORG"), Refusal)
    harness.session.viewing = "*"
    assert "read-only here" in harness.session.tag(*at("Monday"), "QUANTITY").message  # type: ignore[union-attr]
    harness.settle()
    assert harness.stored() == [(*at("Bishkek"), "Bishkek", "PLACE")]


def test_retag_resize_note_delete_undo_and_redo_reach_the_database(harness: Harness) -> None:
    session = harness.session
    minister = session.tag(*at("Foreign Minister"), "PERSON")
    assert isinstance(minister, Change)
    uid = minister.upserted[0].uid
    session.retag(uid, "ORG")
    session.resize(uid, "start", 1, True)  # "Minister"
    session.set_note(uid, "the title alone")
    harness.settle()
    stored = harness.reader.span(uid)
    assert stored is not None and (stored.text, stored.label, stored.note) == ("Minister", "ORG", "the title alone")
    assert session.spans[uid].text == "Minister"
    session.delete(uid)
    harness.settle()
    assert harness.stored() == []
    assert session.undo() is None  # queued; its effect comes back settled
    harness.settle()
    change = harness.settled[-1].change
    assert change is not None and change.history and [s.uid for s in change.upserted] == [uid]
    assert harness.stored() == [(*at("Minister"), "Minister", "ORG")] or harness.stored()[0][2] == "Minister"
    session.redo()
    harness.settle()
    assert harness.stored() == [] and uid not in session.spans


HOLD_LOCK = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("ROLLBACK")
    """
)


def test_while_another_process_holds_the_lock_tags_queue_and_commit_in_order_after(harness: Harness, db: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), "2.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        words = ["Prime", "Foreign", "Bishkek", "Monday"]
        for word in words:
            assert isinstance(harness.session.tag(*at(word), "OTHER"), Change)  # returns at once
        assert harness.writer.pending == len(words)
        assert harness.stored() == []  # nothing could be written yet
    finally:
        holder.wait(timeout=30)
    harness.settle(timeout=30)
    assert [text for _, _, text, _ in harness.stored()] == words
    assert harness.waits, "the writer reported that it was waiting for the lock"
    assert harness.session.state.kind == "saved"
    # Committed in the order they were made.
    rows = sqlite3.connect(db).execute("SELECT span_uid FROM actions WHERE op = 'add' ORDER BY id").fetchall()
    assert [harness.reader.span(uid).text for (uid,) in rows] == words  # type: ignore[union-attr]


def test_a_tag_on_an_article_replaced_meanwhile_is_not_written_and_asks_for_a_reload(harness: Harness, db: Path) -> None:
    with Store.open(db, create=False) as other:
        assert other.add_document("article", "Minister", "Breaking: " + TEXT).updated
    harness.session.tag(*at("Bishkek"), "PLACE")
    harness.settle()
    settled = harness.settled[-1]
    assert settled.reload and settled.state.failed
    assert harness.stored() == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("needs permission to mount a small tmpfs")
    try:
        yield mount
    finally:
        gc.collect()
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_write_that_fails_is_kept_and_later_ones_wait_behind_it_until_retry(small_disk: Path) -> None:
    db = small_disk / "team.db"
    with Store.open(db) as store:
        store.add_document("article", "Minister", TEXT)
    harness = Harness(db)
    try:
        filler = small_disk / "filler"
        with open(filler, "wb") as handle:  # the disk fills up
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass
        first = harness.session.tag(*at("Bishkek"), "PLACE")
        second = harness.session.tag(*at("Monday"), "QUANTITY")
        assert isinstance(first, Change) and isinstance(second, Change)
        harness.settle()
        assert harness.session.state.failed and "kept" in harness.session.state.text
        assert harness.writer.held == 2
        assert harness.stored() == []
        filler.unlink()  # space again
        assert harness.session.retry()
        harness.settle()
        assert [text for _, _, text, _ in harness.stored()] == ["Bishkek", "Monday"]
        assert harness.session.state.kind == "saved"
    finally:
        harness.close()


def test_the_writer_uses_its_own_thread(harness: Harness) -> None:
    seen: list[str] = []

    def run(store: Store) -> None:
        seen.append(threading.current_thread().name)

    harness.writer.submit("probe", run)
    harness.writer.wait_idle()
    assert seen == ["annotator-writer"]
