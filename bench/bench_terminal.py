"""The real `annotator` command in a pseudo-terminal, next to a bare Textual app and SLATE.

    pip install slate-nlp pyte                # once, into the venv: benchmark tools only
    python bench/bench_terminal.py            # about 2 minutes (40 s of it hold the write lock)
    python bench/bench_terminal.py --quick    # under a minute: fewer keys, a 10 s lock
    python bench/bench_terminal.py --skip-lock --lock-seconds 40 --slate-spans
    python bench/bench_terminal.py --annotator-src DIR   # another version: `git archive REV | tar -x -C DIR`

What runs. Three whole processes, each in its own 120x40 pseudo-terminal (TERM=xterm-256color,
COLORTERM=truecolor, LANG=C.UTF-8, every TEXTUAL_* variable removed so Textual runs at its
default frame rate, as a user's does):

* `annotator --db FILE --annotator bench` on a database that bench/data.py builds: the
  200,000-character article with 5,000 nested and overlapping spans (plus the short warm-up
  article; the long one is marked in progress for `bench`, so the app opens on it);
* a bare Textual app (one Static line), the reference for start-up;
* SLATE (`slate`, from the slate-nlp package: a curses annotation tool), the reference for
  keys: `slate -s character -d LIST` on the same text written to a .txt file, where LIST
  names the file and the cursor's start position (see `Document` and `process_fileinfo`
  in slate/data.py). Character scope makes its right arrow move one character, like the
  annotator's. Its keys (slate/config.py): arrows move the cursor (down/up go to the next
  non-blank line of the file, that is a paragraph here), PageDown scrolls the view 10 lines,
  `I` jumps to the first line. Its cursor is the underlined character. By default it gets
  the text only; `--slate-spans` also hands it the same 5,000 spans as an annotation file.

How a key is timed. A reader thread reads the pty master and stamps every chunk with
perf_counter() as it arrives. The benchmark writes the key's bytes to the master (what a
terminal sends: arrows as CSI or, once an app turns on application cursor keys as curses
does, SS3) and stamps that. The main thread only sleeps until the output has been quiet
for --quiet-ms (60 ms) after the region of the screen the key changes has changed. Then,
off the clock, it feeds the chunks one at a time into a pyte terminal emulator and takes
the screen region (characters and their colours and attributes) after each chunk. The
time of a key is from writing it to the chunk after which the region is in its final
state for good (so a screen SLATE clears and redraws counts when the redraw is complete,
not when the screen went blank). Regions:

* SLATE: the whole screen (it shows nothing else);
* annotator: the article's text area (between header and status line, left of the
  article's scrollbar), so the cursor cell or the new page; the status line's
  "line L · offset O" is timed separately (info rows): it is drawn in a later frame.

The first byte after the key and the last byte before the quiet are reported in notes.
The annotator and SLATE run side by side and take turns: a key to one, the same key to
the other, each one only once the previous key's output went quiet (like a person
typing), so both are idle when a key arrives and a change in the machine's load hits
both alike. Page downs start at the top of the article. Cursor keys then go right, down,
right, up (drifting right, so a row is never drawn twice the same way) from the same
character offset in both apps: the one the annotator's cursor reached after the page
downs (SLATE is restarted with its cursor there).

Bytecode: the annotator's modules are compiled first and PYTHONDONTWRITEBYTECODE is dropped
from the children's environment, so no start is timed compiling source (as after pip install).

First paint: from the fork to the chunk after which the first words of the article's
first paragraph are on the emulated screen (for the bare app its one line); --paints
rounds of the three processes in turn, each one ended (its quit key, then SIGTERM)
before the next starts.

Write lock (skip with --skip-lock): while the annotator runs, another process does BEGIN
IMMEDIATE on its database and holds the lock for --lock-seconds (default 40). Keys go
to the app open-loop, on a fixed schedule of 10 a second whatever the app does: right
arrows, and from 2 s into the lock every 8 s a tag (`w` on a plain lower-case word, a
label that word does not carry yet, escape). Each right arrow's time is until the status
line shows an offset at or past the one that key leads to (computed with annotator.text's
grapheme and word functions; the offset only grows), so it includes the frame the status
line lags behind the article. The same stream runs for a few seconds without the lock
first, as the baseline. After the release the stream goes on for 3 s, then the benchmark
waits up to --commit-grace seconds (a reader polls the database meanwhile, which WAL
allows during the lock) and reads the database: every tag sent during the lock must be
there.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from common import Row, machine_line, out_dir, percentile, print_table

COLUMNS, ROWS = 120, 40
ANNOTATOR = "bench"
BARE_MARKER = "Quetzalcoatlus bare Textual app"

BARE_APP = textwrap.dedent(
    f"""
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("{BARE_MARKER}")

    Bare().run()
    """
)

# The least a Textual app can do for the same keys: a ScrollView over the text cut into
# rows, a reverse-video cursor cell, right/left/up/down redraw the cursor's rows and page
# down scrolls a screen. It shows the framework's own cost of a key, beside SLATE's.
BARE_VIEW_APP = """import sys
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

TEXT = open(sys.argv[1], encoding="utf-8").read()
WIDTH = 110
LINES = []
for para in TEXT.split("\\n"):
    while len(para) > WIDTH:
        LINES.append(para[:WIDTH]); para = para[WIDTH:]
    LINES.append(para)

class View(ScrollView, can_focus=True):
    BINDINGS = [Binding("right", "right"), Binding("left", "left"), Binding("down", "down"), Binding("up", "up"),
                Binding("pagedown", "page")]
    cursor = (0, 0)
    def on_mount(self):
        self.virtual_size = Size(WIDTH, len(LINES))
    def render_line(self, y):
        row = y + int(self.scroll_offset.y)
        if row >= len(LINES):
            return Strip.blank(self.size.width)
        line = LINES[row].ljust(WIDTH)
        cy, cx = self.cursor
        if row == cy:
            return Strip([Segment(line[:cx]), Segment(line[cx], Style(reverse=True)), Segment(line[cx+1:])])
        return Strip([Segment(line)])
    def _move(self, dy, dx):
        cy, cx = self.cursor
        old = cy
        self.cursor = (cy + dy, max(0, min(WIDTH - 1, cx + dx)))
        for r in {old, self.cursor[0]}:
            self.refresh_line(r)  # virtual (document) row: ScrollView subtracts the scroll
    def action_right(self): self._move(0, 1)
    def action_left(self): self._move(0, -1)
    def action_down(self): self._move(1, 0)
    def action_up(self): self._move(-1, 0)
    def action_page(self):
        h = self.size.height
        self.cursor = (self.cursor[0] + h, self.cursor[1])
        self.scroll_to(y=self.scroll_offset.y + h, animate=False, immediate=True)
        self.refresh()

class Bare(App):
    def compose(self):
        yield View()

Bare().run()
"""

LOCK_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
    print("released", flush=True)
    """
)

# key -> (bytes in normal mode, bytes in application cursor mode)
KEYS: dict[str, tuple[bytes, bytes]] = {
    "right": (b"\x1b[C", b"\x1bOC"),
    "left": (b"\x1b[D", b"\x1bOD"),
    "up": (b"\x1b[A", b"\x1bOA"),
    "down": (b"\x1b[B", b"\x1bOB"),
    "pagedown": (b"\x1b[6~", b"\x1b[6~"),
    "ctrl+home": (b"\x1b[1;5H", b"\x1b[1;5H"),
    "escape": (b"\x1b", b"\x1b"),
    "ctrl+q": (b"\x11", b"\x11"),
}

OFFSET_RE = re.compile(r"line \d+ · offset (\d+)")
SOURCE: Path | None = None  # --annotator-src: run the annotator from another source tree


def child_env() -> dict[str, str]:
    # A user's Python caches compiled modules (pip compiles an install; a checkout's first run
    # writes __pycache__): with PYTHONDONTWRITEBYTECODE set, every start would compile the
    # annotator from source while Textual's installed bytecode loads as is.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8", LC_ALL="C.UTF-8",
               COLUMNS=str(COLUMNS), LINES=str(ROWS))
    if SOURCE is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(SOURCE), env.get("PYTHONPATH"))))
    return env


# -- the terminal ------------------------------------------------------------------------


class Terminal:
    """One program in a pseudo-terminal; a thread reads and timestamps its output."""

    def __init__(self, argv: list[str], cwd: Path | None = None) -> None:
        import pyte

        self.argv = argv
        self.chunks: list[tuple[float, bytes]] = []
        self.cond = threading.Condition()
        self.closed = False
        self.app_cursor_keys = False  # DECCKM, as a terminal tracks it
        self._tail = b""
        env = child_env()
        self.started = perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before the program can ask, then exec
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
                if cwd is not None:
                    os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.fed = 0  # chunks fed to the emulator so far
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
                if not ready:
                    if self.closed:
                        return
                    continue
                data = os.read(self.fd, 1 << 16)
            except OSError:
                data = b""
            now = perf_counter()
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.chunks.append((now, data))
                seen = self._tail + data
                on, off = seen.rfind(b"\x1b[?1h"), seen.rfind(b"\x1b[?1l")
                if on > off:
                    self.app_cursor_keys = True
                elif off > on:
                    self.app_cursor_keys = False
                self._tail = seen[-8:]
                self.cond.notify_all()

    def send(self, key: str) -> float:
        data = KEYS[key][self.app_cursor_keys] if key in KEYS else key.encode()
        started = perf_counter()
        os.write(self.fd, data)
        return started

    def count(self) -> int:
        with self.cond:
            return len(self.chunks)

    def wait_quiet(self, since: int, quiet: float, deadline: float) -> bool:
        """Until output arrived after chunk `since` and then none for `quiet` seconds."""
        with self.cond:
            while True:
                now = perf_counter()
                if len(self.chunks) > since:
                    idle = now - self.chunks[-1][0]
                    if idle >= quiet:
                        return True
                    wait = quiet - idle
                else:
                    wait = deadline - now
                if now >= deadline or self.closed:
                    return False
                self.cond.wait(max(0.001, min(wait, deadline - now)))

    def feed_next(self) -> tuple[float, set[int]] | None:
        """Feed one more chunk to the emulator: (its time, rows it changed)."""
        with self.cond:
            if self.fed >= len(self.chunks):
                return None
            stamp, data = self.chunks[self.fed]
        self.fed += 1
        self.screen.dirty.clear()
        self.stream.feed(data)
        return stamp, set(self.screen.dirty)

    def feed_all(self) -> None:
        while self.feed_next() is not None:
            pass

    def text(self) -> list[str]:
        return self.screen.display

    def close(self, quit_key: str | None = None) -> int | None:
        """Quit (the app's own key first), then SIGTERM, then SIGKILL. Returns the exit status."""
        status: int | None = None
        try:
            if quit_key is not None:
                try:
                    self.send(quit_key)
                except OSError:
                    pass
                status = self._wait(3.0)
            if status is None:
                os.kill(self.pid, signal.SIGTERM)
                status = self._wait(5.0)
            if status is None:
                os.kill(self.pid, signal.SIGKILL)
                status = self._wait(5.0)
        except ProcessLookupError:
            pass
        finally:
            self.closed = True
            self._thread.join(2)
            try:
                os.close(self.fd)
            except OSError:
                pass
        return status

    def _wait(self, seconds: float) -> int | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.02)
        return None


# -- screen regions ----------------------------------------------------------------------


@dataclass
class Region:
    """Rows [top, bottom) and columns [left, right) of the emulated screen."""

    top: int
    bottom: int
    left: int
    right: int

    def rows(self) -> range:
        return range(self.top, self.bottom)

    def row(self, screen: Any, y: int) -> tuple[Any, ...]:
        line = screen.buffer[y]
        return tuple(line[x] for x in range(self.left, self.right))


class RegionTracker:
    """The region's state after each fed chunk, kept as one tuple per row."""

    def __init__(self, term: Terminal, region: Region) -> None:
        self.term = term
        self.region = region
        self.cache = {y: region.row(term.screen, y) for y in region.rows()}

    def update(self, dirty: set[int]) -> bool:
        changed = False
        for y in dirty:
            if y in self.cache:
                row = self.region.row(self.term.screen, y)
                if row != self.cache[y]:
                    self.cache[y] = row
                    changed = True
        return changed

    def state(self) -> tuple[tuple[Any, ...], ...]:
        return tuple(self.cache[y] for y in self.region.rows())


@dataclass
class KeyTiming:
    done: float | None  # key -> region final
    first: float | None  # key -> first byte
    last: float | None  # key -> last byte before the quiet
    extra: dict[str, float | None] = field(default_factory=dict)  # other regions


def press(
    term: Terminal,
    key: str,
    region: Region,
    quiet: float,
    timeout: float = 20.0,
    others: dict[str, Region] | None = None,
) -> KeyTiming:
    """Send one key; time it to the moment `region` reached its final state (see the top)."""
    term.feed_all()
    trackers = {"main": RegionTracker(term, region)}
    for name, other in (others or {}).items():
        trackers[name] = RegionTracker(term, other)
    before = {name: t.state() for name, t in trackers.items()}
    history: dict[str, list[tuple[float, Any]]] = {name: [] for name in trackers}
    since = term.count()
    sent = term.send(key)
    deadline = sent + timeout
    first = last = None
    while True:
        settled = term.wait_quiet(since, quiet, deadline)
        while (fed := term.feed_next()) is not None:
            stamp, dirty = fed
            first = stamp if first is None else first
            last = stamp
            for name, tracker in trackers.items():
                if tracker.update(dirty):
                    history[name].append((stamp, tracker.state()))
        if not settled or trackers["main"].state() != before["main"]:
            break
        # Output came but did not touch the region (yet): wait a little longer for more.
        since = term.count()
        deadline = min(deadline, perf_counter() + 1.0)
    results: dict[str, float | None] = {}
    for name, tracker in trackers.items():
        final = tracker.state()
        if final == before[name]:
            results[name] = None
            continue
        done = None
        for stamp, state in reversed(history[name]):
            if state != final:
                break
            done = stamp
        results[name] = None if done is None else done - sent
    return KeyTiming(
        results.pop("main"),
        None if first is None else first - sent,
        None if last is None else last - sent,
        results,
    )


def wait_for_text(term: Terminal, needle: str, timeout: float) -> float | None:
    """perf_counter time of the chunk after which `needle` is on screen."""
    deadline = perf_counter() + timeout
    while perf_counter() < deadline:
        fed = term.feed_next()
        if fed is None:
            with term.cond:
                if term.closed:
                    return None
                term.cond.wait(0.01)
            continue
        stamp, dirty = fed
        if dirty and any(needle in term.screen.display[y] for y in dirty):
            return stamp
    return None


def settle(term: Terminal, quiet: float = 0.3, timeout: float = 10.0) -> None:
    term.wait_quiet(0, quiet, perf_counter() + timeout)
    term.feed_all()


def status_offset(term: Terminal) -> int | None:
    for line in reversed(term.screen.display):
        found = OFFSET_RE.search(line)
        if found:
            return int(found.group(1))
    return None


# -- data --------------------------------------------------------------------------------


@dataclass
class Article:
    db: Path
    txt: Path
    text: str
    marker: str
    big_id: int
    spans: list[tuple[int, int, str]]
    label_keys: dict[str, str]  # label -> its key in the app


def build_data(work: Path) -> Article:
    from data import build_article_db

    from annotator.store import Store

    db = work / "article.db"
    built = build_article_db(db, ANNOTATOR)
    big_id = int(built["big_id"])  # type: ignore[arg-type]
    text: str = built["text"]  # type: ignore[assignment]
    with Store.open(db) as store:
        # The app reopens the article the analyst last worked on: make that the long one.
        store.set_progress(ANNOTATOR, big_id, "in_progress")
        assert store.last_document(ANNOTATOR) == big_id
        spans = [(s.start, s.end, s.label) for s in store.spans(big_id, ANNOTATOR)]
        label_keys = {label.name: label.key for label in store.labels() if label.key}
    txt = work / "article.txt"
    txt.write_text(text, encoding="utf-8")
    # The first words of the first paragraph (the title is also in the header).
    first = text.index("\n\n") + 2
    words = text[first : first + 40].split()
    marker = " ".join(words[:3])
    assert marker.isascii() and "\n" not in marker, marker
    return Article(db, txt, text, marker, big_id, spans, label_keys)


def slate_position(text: str, offset: int, at_or_after: bool = True) -> tuple[int, int, int]:
    """SLATE's (line, token, character) of a character offset (tokens: str.split per line)."""
    step = 1 if at_or_after else -1
    while 0 <= offset < len(text) and text[offset].isspace():
        offset += step
    offset = min(max(offset, 0), len(text) - 1)
    line_start = text.rfind("\n", 0, offset) + 1
    line = text.count("\n", 0, line_start)
    line_text = text[line_start : text.find("\n", offset) if "\n" in text[offset:] else len(text)]
    column = offset - line_start
    token, seen = -1, 0
    for match in re.finditer(r"\S+", line_text):
        token += 1
        if match.start() <= column < match.end():
            return line, token, column - match.start()
        seen += 1
    raise ValueError(f"offset {offset} is not on a token")


def write_slate_annotations(article: Article, path: Path) -> int:
    """The spans in SLATE's format (`((l, t, c), (l, t, c)) - label`), its four default labels."""
    names = {"CLAIM": "label:v", "PERSON": "label:a", "ORG": "label:s", "PLACE": "label:d",
             "OTHER": "label:a", "QUANTITY": "label:s"}
    lines = []
    for start, end, label in article.spans:
        if not article.text[start:end].strip():
            continue
        a = slate_position(article.text, start)
        b = slate_position(article.text, end - 1, at_or_after=False)
        lines.append(f"({a}, {b}) - {names.get(label, 'label:a')}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


# -- first paint -------------------------------------------------------------------------


def compile_annotator() -> None:
    """Bytecode for the annotator, as an install has, so no start-up is timed compiling it."""
    if SOURCE is not None:
        package = SOURCE / "annotator"
    else:
        found = subprocess.run([sys.executable, "-c", "import annotator, os; print(os.path.dirname(annotator.__file__))"],
                               capture_output=True, text=True, env=child_env(), check=True)
        package = Path(found.stdout.strip())
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True, env=child_env())


def first_paint(argv: list[str], marker: str, cwd: Path, quit_key: str | None, timeout: float = 60.0) -> float | None:
    term = Terminal(argv, cwd)
    try:
        stamp = wait_for_text(term, marker, timeout)
        return None if stamp is None else stamp - term.started
    finally:
        term.close(quit_key)


# -- key runs ----------------------------------------------------------------------------


@dataclass
class Run:
    """Timings of one kind of key in one app."""

    done: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    last: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)
    unchanged: int = 0

    def add(self, timing: KeyTiming) -> None:
        if timing.done is None:
            self.unchanged += 1
            return
        self.done.append(timing.done)
        if timing.first is not None:
            self.first.append(timing.first)
        if timing.last is not None:
            self.last.append(timing.last)
        for name, value in timing.extra.items():
            if value is not None:
                self.extra.setdefault(name, []).append(value)


CYCLE = ("right", "down", "right", "up")


def cursor_runs(term: Terminal, region: Region, presses: int, quiet: float, others: dict[str, Region] | None = None) -> dict[str, Run]:
    runs = {"right": Run(), "up/down": Run()}
    for index in range(presses):
        key = CYCLE[index % len(CYCLE)]
        runs["right" if key == "right" else "up/down"].add(press(term, key, region, quiet, others=others))
    return runs


def page_runs(term: Terminal, region: Region, pages: int, quiet: float) -> Run:
    run = Run()
    for _ in range(pages):
        run.add(press(term, "pagedown", region, quiet))
    return run


def annotator_regions(term: Terminal) -> tuple[Region, Region]:
    """The article's text area and the status line, found on the screen."""
    display = term.screen.display
    divider = None
    for line in display[1:6]:
        if "▕" in line:
            divider = line.index("▕")
            break
    if divider is None:
        raise RuntimeError("cannot find the article/panel divider on the annotator's screen:\n" + "\n".join(display))
    status_row = next((y for y in range(ROWS - 1, 0, -1) if OFFSET_RE.search(display[y])), ROWS - 2)
    # divider - 3: leave out the article's scrollbar (two columns) and the gap before the divider
    return Region(1, status_row, 0, divider - 3), Region(status_row, status_row + 1, 0, COLUMNS)


# -- the write lock ----------------------------------------------------------------------


@dataclass
class LockResult:
    baseline: list[float]
    during: list[float]
    after: list[float]
    missed: int
    tags_sent: list[tuple[int, int, str]]
    committed: list[tuple[int, int, str]]
    commit_times: list[float]  # seconds after the release
    released_after: float | None
    offsets_ok: bool
    note: str = ""
    tag_times: list[float] = field(default_factory=list)  # when each tag was sent, seconds into the lock


def lock_run(term: Terminal, article: Article, lock_seconds: float, baseline_seconds: float, after_seconds: float,
             grace: float, rate: float = 10.0, tag_every: float = 8.0) -> LockResult:
    from annotator.text import next_grapheme, word_at

    text = article.text
    settle(term)
    first_chunk = term.fed
    start = status_offset(term)
    if start is None:
        raise RuntimeError("no 'offset N' in the annotator's status line")
    # the rarer labels first: a plain word seldom carries them
    labels = dict(sorted(article.label_keys.items(), key=lambda item: item[0] not in ("OTHER", "QUANTITY")))
    existing: dict[tuple[int, int], set[str]] = {}
    for s, e, label in article.spans:
        existing.setdefault((s, e), set()).add(label)

    conn = sqlite3.connect(f"{article.db.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    (max_rowid,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM spans").fetchone()

    # Every key sent: (time sent, key, the offset the status line shows once the app has
    # handled it - None for keys that are not timed -, phase).
    sent: list[tuple[float, str, int | None, str]] = []
    tags: list[tuple[int, int, str]] = []
    tag_times: list[float] = []
    events: dict[str, float] = {}
    holder: subprocess.Popen[str] | None = None

    def read_holder(proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            events.setdefault(line.strip(), perf_counter())

    poll_stop = threading.Event()
    landed: dict[tuple[int, int, str], float] = {}

    def poll_db() -> None:
        reader = sqlite3.connect(f"{article.db.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
        try:
            while not poll_stop.wait(0.25):
                for row in reader.execute(
                    'SELECT start, "end", label FROM spans WHERE rowid > ? AND annotator = ?', (max_rowid, ANNOTATOR)
                ):
                    landed.setdefault((row[0], row[1], row[2]), perf_counter())
        finally:
            reader.close()

    poller = threading.Thread(target=poll_db, daemon=True)
    poller.start()

    cursor = start
    period = 1.0 / rate
    t0 = perf_counter()
    slot = 0
    phase = "baseline"
    lock_started = lock_ends = None
    next_tag = None
    pending: list[str] = []
    try:
        while True:
            now = perf_counter()
            if phase == "baseline" and now - t0 >= baseline_seconds:
                holder = subprocess.Popen(
                    [sys.executable, "-c", LOCK_HOLDER, str(article.db), str(lock_seconds)],
                    stdout=subprocess.PIPE, text=True,
                )
                threading.Thread(target=read_holder, args=(holder,), daemon=True).start()
                while "locked" not in events and holder.poll() is None:
                    time.sleep(0.005)
                if "locked" not in events:
                    raise RuntimeError("the lock holder did not take the lock")
                lock_started = events["locked"]
                phase = "during"
                next_tag = lock_started + 2.0
            if phase == "during" and "released" in events:
                phase = "after"
                lock_ends = events["released"]
            if phase == "after" and perf_counter() - lock_ends >= after_seconds and not pending:  # type: ignore[operator]
                break
            if phase == "during" and holder is not None and holder.poll() is not None and "released" not in events:
                time.sleep(0.05)  # the release line is on its way
                continue
            # one key per slot
            target = t0 + slot * period
            delay = target - perf_counter()
            if delay > 0:
                time.sleep(delay)
            slot += 1
            if pending:
                key = pending.pop(0)
                if key == "":  # a pause (after escape: Textual waits 100 ms to tell it from a sequence)
                    continue
                stamp = term.send(key)
                sent.append((stamp, key, None, phase))
                continue
            if phase == "during" and next_tag is not None and perf_counter() >= next_tag:
                found = word_at(text, cursor)
                if found is not None and re.fullmatch(r"[a-z]{3,}", text[found[0] : found[1]]):
                    taken = existing.get(found, set())
                    label = next(name for name in labels if name not in taken)
                    tags.append((found[0], found[1], label))
                    tag_times.append(perf_counter() - lock_started)  # type: ignore[operator]
                    existing.setdefault(found, set()).add(label)
                    stamp = term.send("w")
                    cursor = found[1]
                    sent.append((stamp, "w", None, phase))
                    pending = [labels[label], "escape", "", ""]
                    next_tag += tag_every
                    continue
            cursor = next_grapheme(text, cursor)
            stamp = term.send("right")
            sent.append((stamp, "right", cursor, phase))
        # let the app catch up and commit, then look at the database
        deadline = perf_counter() + grace
        while perf_counter() < deadline and not all(tag in landed for tag in tags):
            time.sleep(0.1)
        term.wait_quiet(0, 0.5, perf_counter() + max(5.0, grace))  # not fed yet: read below
    finally:
        poll_stop.set()
        poller.join(2)
        if holder is not None:
            try:
                holder.wait(lock_seconds + 30)
            except subprocess.TimeoutExpired:
                holder.kill()
    found_rows = {
        (r[0], r[1], r[2])
        for r in conn.execute('SELECT start, "end", label FROM spans WHERE rowid > ? AND annotator = ?', (max_rowid, ANNOTATOR))
    }
    conn.close()

    # Off the clock: what the status line showed, chunk by chunk, since the stream began
    # (the emulator was fed up to the stream's start before the first key).
    shown: list[tuple[float, int]] = []
    status_rows: set[int] = set()
    assert term.fed == first_chunk
    while (fed := term.feed_next()) is not None:
        stamp, dirty = fed
        rows = dirty if not status_rows else dirty & status_rows
        for y in rows:
            found = OFFSET_RE.search(term.screen.display[y])
            if found:
                status_rows = {y}
                value = int(found.group(1))
                if not shown or shown[-1][1] != value:
                    shown.append((stamp, value))
    timed = {"baseline": [], "during": [], "after": []}  # type: dict[str, list[float]]
    missed = 0
    position = 0
    for stamp, key, expected, when in sent:
        if expected is None:
            continue
        while position < len(shown) and shown[position][0] < stamp:
            position += 1
        hit = next((t for t, value in shown[position:] if value >= expected), None)
        if hit is None:
            missed += 1
        else:
            timed[when].append(hit - stamp)
    final_expected = next((e for _, _, e, _ in reversed(sent) if e is not None), None)
    offsets_ok = bool(shown) and final_expected is not None and shown[-1][1] == final_expected
    release = lock_ends if lock_ends is not None else perf_counter()
    return LockResult(
        timed["baseline"],
        timed["during"],
        timed["after"],
        missed,
        tags,
        [t for t in tags if t in found_rows],
        sorted(landed[t] - release for t in tags if t in landed),
        None if lock_started is None or lock_ends is None else lock_ends - lock_started,
        offsets_ok,
        note=f"status showed offset {shown[-1][1] if shown else '-'}, the keys lead to {final_expected}",
        tag_times=tag_times,
    )


# -- the report --------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def _pair(values: list[float]) -> tuple[float, float] | None:
    return (percentile(values, 50), percentile(values, 95)) if values else None


def dist_row(name: str, values: list[float], note: str = "") -> Row:
    pair = _pair(values)
    if pair is None:
        return Row(name, "no samples", note=note)
    return Row(f"{name} (n={len(values)})", _ms(pair[0]), _ms(pair[1]), note=note)


def ratio_row(name: str, values: list[float], reference: list[float], limit: float | None, note: str = "") -> Row:
    """p50 and p95 against the reference's; pass if both ratios are within `limit`."""
    pair, ref = _pair(values), _pair(reference)
    if pair is None or ref is None:
        return Row(name, "no samples", passed=False if limit else None, note=note)
    r50, r95 = pair[0] / ref[0], pair[1] / ref[1]
    return Row(
        f"{name} (n={len(values)})",
        _ms(pair[0]),
        _ms(pair[1]),
        target=f"<= {limit:.1f}x p50 and p95" if limit else "-",
        passed=None if limit is None else (r50 <= limit and r95 <= limit),
        note=note,
        reference=f"{ref[0] * 1000:.1f} / {ref[1] * 1000:.1f} ms",
        ratio=f"{r50:.2f}x / {r95:.2f}x",
    )


def bytes_note(run: Run) -> str:
    first, last = _pair(run.first), _pair(run.last)
    if first is None or last is None:
        return ""
    text = f"first byte p50 {_ms(first[0])}, last byte p50 {_ms(last[0])}"
    return text + (f"; keys that changed nothing: {run.unchanged}" if run.unchanged else "")


# -- main --------------------------------------------------------------------------------


def run_terminal(
    quick: bool = False,
    presses: int | None = None,
    pages: int | None = None,
    paints: int | None = None,
    skip_lock: bool = False,
    lock_seconds: float | None = None,
    grace: float = 10.0,
    quiet_ms: float = 60.0,
    slate_spans: bool = False,
) -> list[Row]:
    try:
        import pyte  # noqa: F401
    except ImportError:
        raise SystemExit("bench_terminal.py needs pyte and slate-nlp in the venv: pip install slate-nlp pyte")
    bindir = Path(sys.executable).parent
    annotator = str(bindir / "annotator") if (bindir / "annotator").exists() else shutil.which("annotator")
    slate = str(bindir / "slate") if (bindir / "slate").exists() else shutil.which("slate")
    if not annotator or not slate:
        raise SystemExit("bench_terminal.py needs the `annotator` and `slate` commands: pip install -e . slate-nlp pyte")
    presses = presses or (60 if quick else 200)
    pages = pages or (15 if quick else 40)
    paints = paints or (5 if quick else 10)
    if lock_seconds is None:
        lock_seconds = 10.0 if quick else 40.0
    quiet = quiet_ms / 1000
    sys.setswitchinterval(0.0005)  # the reader thread stamps chunks promptly

    work = out_dir() / "terminal"
    work.mkdir(parents=True, exist_ok=True)
    log = lambda message: print(f"[terminal] {message}", file=sys.stderr, flush=True)  # noqa: E731
    log("building the article database and text ...")
    article = build_data(work)
    bare = work / "bare_app.py"
    bare.write_text(BARE_APP, encoding="utf-8")
    bare_view = work / "bare_view.py"
    bare_view.write_text(BARE_VIEW_APP, encoding="utf-8")
    command = [sys.executable, "-m", "annotator"] if SOURCE is not None else [annotator]
    annotator_argv = [*command, "--db", str(article.db), "--annotator", ANNOTATOR]
    slate_log = str(work / "slate-log")

    def slate_argv(offset: int, spans: bool) -> list[str]:
        listing = work / "slate-files.txt"
        output = work / ("article.txt.annotations" if spans else "slate-empty.annotations")
        if not spans:
            output.unlink(missing_ok=True)
        listing.write_text(f"{article.txt} {output} {slate_position(article.text, offset)}\n", encoding="utf-8")
        return [slate, "-s", "character", "-o", "-l", slate_log, "-d", str(listing)]

    if slate_spans:
        count = write_slate_annotations(article, work / "article.txt.annotations")
        log(f"SLATE annotation file: {count} spans")

    rows: list[Row] = []
    compile_annotator()

    # -- first paint -----------------------------------------------------------------
    log(f"first paint, {paints} runs of each process ...")
    bare_t: list[float] = []
    ann_t: list[float] = []
    slate_t: list[float] = []
    for _ in range(paints):
        for times, argv, marker, quit_key in (
            (bare_t, [sys.executable, str(bare)], BARE_MARKER, "ctrl+q"),
            (ann_t, annotator_argv, article.marker, "ctrl+q"),
            (slate_t, slate_argv(0, False), article.marker, "Q"),
        ):
            elapsed = first_paint(argv, marker, work, quit_key)
            if elapsed is not None:
                times.append(elapsed)
    rows.append(Row(f"first paint: bare Textual app, process (n={len(bare_t)}; p95=max)",
                    _secs(bare_t, 50), _secs(bare_t, 100), note="reference: fork -> its one line on the screen"))
    rows.append(Row(f"first paint: SLATE on the .txt, process (n={len(slate_t)})", _secs(slate_t, 50), _secs(slate_t, 100)))
    if ann_t and bare_t:
        p50, ref = percentile(ann_t, 50), percentile(bare_t, 50)
        rows.append(Row(
            f"first paint: annotator, 200 KB / 5,000 spans (n={len(ann_t)})",
            _secs(ann_t, 50), _secs(ann_t, 100),
            target="<= 1.2x bare (p50)", passed=p50 / ref <= 1.2,
            reference=f"bare {ref:.3f} s", ratio=f"{p50 / ref:.2f}x",
            note=f"fork -> '{article.marker}' (first words of the first paragraph) on the screen",
        ))
    else:
        rows.append(Row("first paint: annotator", "never", passed=False))

    # -- keys: the annotator and SLATE side by side, taking turns -------------------
    # Both run at once and each key goes to one, then the same key to the other, every
    # key from an idle pair: a change in the machine's load hits both alike.
    whole = Region(0, ROWS, 0, COLUMNS)

    def start_slate(offset: int, spans: bool) -> Terminal:
        term = Terminal(slate_argv(offset, spans), work)
        if not term.wait_quiet(0, 0.5, perf_counter() + 60):
            term.close("Q")
            raise RuntimeError("SLATE showed nothing")
        term.feed_all()
        return term

    log(f"annotator and SLATE, taking turns: {pages} page downs from the top, then {presses} cursor keys ...")
    ann = Terminal(annotator_argv, work)
    slate_term: Terminal | None = None
    view_term: Terminal | None = None
    lock: LockResult | None = None
    try:
        if wait_for_text(ann, article.marker, 60) is None:
            raise RuntimeError("the annotator never showed the article:\n" + "\n".join(ann.text()))
        settle(ann, quiet=0.5)
        article_region, status_region = annotator_regions(ann)
        press(ann, "ctrl+home", article_region, quiet, timeout=3.0)
        slate_term = start_slate(0, False)
        view_term = Terminal([sys.executable, str(bare_view.resolve()), str(article.txt.resolve())], work)
        if wait_for_text(view_term, article.marker, 60) is None:
            raise RuntimeError("the bare Textual view never showed the article")
        settle(view_term, quiet=0.5)
        ann_pages, slate_pages, view_pages = Run(), Run(), Run()
        for _ in range(pages):
            ann_pages.add(press(ann, "pagedown", article_region, quiet))
            slate_pages.add(press(slate_term, "pagedown", whole, quiet))
            view_pages.add(press(view_term, "pagedown", whole, quiet))
        slate_term.close("Q")
        settle(ann)
        cursor_start = status_offset(ann)
        if cursor_start is None:
            raise RuntimeError("no 'offset N' in the annotator's status line")
        slate_term = start_slate(cursor_start, False)  # its cursor where the annotator's is
        ann_cursor = {"right": Run(), "up/down": Run()}
        slate_cursor = {"right": Run(), "up/down": Run()}
        view_cursor = {"right": Run(), "up/down": Run()}
        for index in range(presses):
            key = CYCLE[index % len(CYCLE)]
            kind = "right" if key == "right" else "up/down"
            ann_cursor[kind].add(press(ann, key, article_region, quiet, others={"status": status_region}))
            slate_cursor[kind].add(press(slate_term, key, whole, quiet))
            view_cursor[kind].add(press(view_term, key, whole, quiet))
        slate_term.close("Q")
        slate_term = None
        view_term.close("ctrl+q")
        view_term = None
        if not skip_lock:
            log(f"annotator: open-loop keys with another process holding the write lock {lock_seconds:g} s ...")
            lock = lock_run(ann, article, lock_seconds, 3.0 if quick else 5.0, 3.0, grace)
    finally:
        if slate_term is not None:
            slate_term.close("Q")
        if view_term is not None:
            view_term.close("ctrl+q")
        ann.close("ctrl+q")

    for kind, label in (("right", "cursor right"), ("up/down", "cursor down/up")):
        rows.append(dist_row(f"{label}: SLATE key->screen", slate_cursor[kind].done, bytes_note(slate_cursor[kind])))
        rows.append(ratio_row(f"{label}: annotator key->article", ann_cursor[kind].done, slate_cursor[kind].done, 0.8,
                              bytes_note(ann_cursor[kind])))
    rows.append(dist_row("page down: SLATE key->screen", slate_pages.done, bytes_note(slate_pages)))
    rows.append(ratio_row("page down: annotator key->article", ann_pages.done, slate_pages.done, 1.0, bytes_note(ann_pages)))
    for kind, label in (("right", "cursor right"), ("up/down", "cursor down/up")):
        rows.append(ratio_row(f"{label}: bare Textual view key->screen, vs SLATE", view_cursor[kind].done,
                              slate_cursor[kind].done, None, "info: the framework's own floor for this key"))
        rows.append(ratio_row(f"{label}: annotator vs the bare Textual view", ann_cursor[kind].done,
                              view_cursor[kind].done, None, "info"))
    rows.append(ratio_row("page down: bare Textual view key->screen, vs SLATE", view_pages.done, slate_pages.done, None,
                          "info: the framework's own floor for this key"))
    rows.append(ratio_row("page down: annotator vs the bare Textual view", ann_pages.done, view_pages.done, None, "info"))
    for kind, label in (("right", "cursor right"), ("up/down", "cursor down/up")):
        rows.append(ratio_row(f"{label}: annotator key->status line offset", ann_cursor[kind].extra.get("status", []),
                              slate_cursor[kind].done, None, "info: the status line is drawn in a frame after the article's"))

    if slate_spans:
        few, few_pages = max(8, presses // 10), max(4, pages // 4)
        log(f"SLATE with the 5,000 spans: {few} cursor keys, {few_pages} page downs ...")
        slate_term = start_slate(cursor_start, True)
        try:
            spans_cursor = cursor_runs(slate_term, whole, few, quiet)
            press(slate_term, "I", whole, quiet, timeout=5.0)  # the first line: page downs from the top
            spans_pages = page_runs(slate_term, whole, few_pages, quiet)
        finally:
            slate_term.close("Q")
        rows.append(dist_row("cursor right: SLATE with the 5,000 spans", spans_cursor["right"].done, "info"))
        rows.append(dist_row("page down: SLATE with the 5,000 spans", spans_pages.done, "info"))

    if lock is not None:
        rows.append(dist_row("write lock: cursor right key->status offset, no lock (baseline)", lock.baseline,
                             "keys open-loop, 10/s on a fixed schedule"))
        pair, ref = _pair(lock.during), _pair(lock.baseline)
        held = f"{lock.released_after:.1f} s" if lock.released_after else f"{lock_seconds:g} s"
        if pair is not None:
            rows.append(Row(
                f"write lock held {held}: cursor right key->status offset (n={len(lock.during)})",
                _ms(pair[0]), _ms(pair[1]),
                target="p95 <= 50 ms", passed=pair[1] <= 0.050,
                reference="-" if ref is None else f"{ref[0] * 1000:.1f} / {ref[1] * 1000:.1f} ms",
                ratio="-" if ref is None else f"{pair[0] / ref[0]:.1f}x / {pair[1] / ref[1]:.1f}x",
                note=f"worst {_ms(max(lock.during))}; keys never shown: {lock.missed}; "
                     f"{'offsets as expected' if lock.offsets_ok else 'OFFSETS DIFFER: ' + lock.note}",
            ))
        else:
            rows.append(Row("write lock: cursor right during the lock", "no samples", passed=False))
        rows.append(dist_row("write lock: cursor right key->status offset, 3 s after the release", lock.after))
        committed = len(lock.committed)
        lost = [f"{label} at {start}-{end} (sent {at:.0f} s into the lock)"
                for (start, end, label), at in zip(lock.tags_sent, lock.tag_times) if (start, end, label) not in lock.committed]
        rows.append(Row(
            f"write lock: tags made during it, in the database {grace:g} s after the release",
            f"{committed} of {len(lock.tags_sent)}",
            target=f"all {len(lock.tags_sent)}", passed=bool(lock.tags_sent) and committed == len(lock.tags_sent),
            note="committed at " + (", ".join(f"{t:+.1f} s" for t in lock.commit_times) or "-")
                 + " from the release (negative: before it)" + (f"; missing: {', '.join(lost)}" if lost else ""),
        ))
    return rows


def _secs(values: list[float], p: float) -> str:
    return f"{percentile(values, p):.3f} s" if values else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="60 cursor keys, 15 page downs, 5 first paints, a 10 s lock")
    parser.add_argument("--presses", type=int, default=None, help="cursor keys per app (default 200)")
    parser.add_argument("--pages", type=int, default=None, help="page downs per app (default 40)")
    parser.add_argument("--paints", type=int, default=None, help="first paints per process (default 10)")
    parser.add_argument("--skip-lock", action="store_true", help="skip the write-lock test")
    parser.add_argument("--lock-seconds", type=float, default=None, help="how long the other process holds the lock (default 40)")
    parser.add_argument("--commit-grace", type=float, default=10.0, help="seconds after the release for the tags to land (default 10)")
    parser.add_argument("--quiet-ms", type=float, default=60.0, help="output quiet this long ends a key's frame (default 60)")
    parser.add_argument("--slate-spans", action="store_true", help="also time SLATE holding the same 5,000 spans (slow)")
    parser.add_argument("--annotator-src", type=Path, default=None, metavar="DIR",
                        help="run `python -m annotator` from this source tree (e.g. `git archive` of another commit) "
                             "and build the data with it, to compare two versions")
    args = parser.parse_args(argv)
    if args.annotator_src is not None:
        global SOURCE
        SOURCE = args.annotator_src.resolve()
        if not (SOURCE / "annotator" / "__main__.py").exists():
            parser.error(f"{SOURCE} holds no annotator package")
        sys.path.insert(0, str(SOURCE))
    started = perf_counter()
    rows = run_terminal(
        quick=args.quick, presses=args.presses, pages=args.pages, paints=args.paints, skip_lock=args.skip_lock,
        lock_seconds=args.lock_seconds, grace=args.commit_grace, quiet_ms=args.quiet_ms, slate_spans=args.slate_spans,
    )
    source = f"annotator from {SOURCE}, " if SOURCE is not None else ""
    print_table(rows, f"Whole processes in a {COLUMNS}x{ROWS} pseudo-terminal ({source}{machine_line()}; "
                      f"{perf_counter() - started:.0f} s)")
    failed = [r.measure for r in rows if r.passed is False]
    print(f"\n{len([r for r in rows if r.passed])} passed, {len(failed)} failed" + (f": {'; '.join(failed)}" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
