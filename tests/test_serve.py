"""`annotator serve`: the app in a web browser, and the "Your name" prompt it opens with.

The browser test runs the real command as a child process and drives it from a real
headless Chromium; the prompt is also tested under Pilot, without a browser.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_cli
from textual.widgets import Input

from annotator.store import Store
from annotator.tui.app import AnnotatorApp
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.name_prompt import NamePromptScreen
from test_tui_support import SIZE, screen_text, spans_in_db, status_text

ARTICLE = "Kadyr Malikov said the GKNB stopped a plot in Bishkek on July 5."
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def team_db(tmp_path: Path) -> Path:
    """A team database with one article, and bob's span in it."""
    path = tmp_path / "team.db"
    with Store.open(path) as store:
        document = store.add_document("plot", "Plot foiled", ARTICLE).document
        store.add_span(document, 23, 27, "ORG", "bob")
    return path


# --- the prompt, under Pilot ---------------------------------------------------------


async def test_the_app_asks_a_name_first_and_tags_under_it(team_db: Path) -> None:
    with Store.open(team_db) as store:
        app = AnnotatorApp(store, "", ask_name=True)
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, NamePromptScreen)
            assert isinstance(app.focused, Input)
            assert "Your name" in screen_text(app)
            # Label keys typed here are the name, not tags: "alice" holds l (PLACE) and c (CLAIM).
            await pilot.press(*"alice", "enter")
            assert isinstance(app.screen, AnnotateScreen)
            assert app.annotator == "alice"
            assert "alice" in status_text(app)
            await pilot.press("w", "p")
    [span] = spans_in_db(team_db, annotator="alice")
    assert (span.text, span.label, span.annotator) == ("Kadyr", "PERSON", "alice")
    assert [s.annotator for s in spans_in_db(team_db, annotator=None)].count("bob") == 1


async def test_the_prompt_refuses_names_that_annotator_refuses(team_db: Path) -> None:
    with Store.open(team_db) as store:
        app = AnnotatorApp(store, "", ask_name=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")
            assert isinstance(app.screen, NamePromptScreen)
            assert "Type your name, then press enter." in screen_text(app)
            await pilot.press(*"   ", "enter")
            assert isinstance(app.screen, NamePromptScreen)
            await pilot.press(*["backspace"] * 3)
            await pilot.press(*"Gold", "enter")
            assert isinstance(app.screen, NamePromptScreen)
            assert "reserved for the adjudicated set" in screen_text(app)
            await pilot.press(*["backspace"] * 4, *" [b]bob[/b] ", "enter")
            # Surrounding blanks are trimmed as for --annotator; brackets stay literal.
            assert isinstance(app.screen, AnnotateScreen)
            assert app.annotator == "[b]bob[/b]"
            assert "[b]bob[/b]" in status_text(app)


async def test_the_prompt_lists_the_names_already_in_the_database(team_db: Path) -> None:
    with Store.open(team_db) as store:
        store.add_span(store.document(store.list_documents()[0].id), 0, 5, "PERSON", "gold")
        app = AnnotatorApp(store, "", ask_name=True)
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = screen_text(app)
            assert "Already in this database: bob" in text
            assert "gold" not in text  # a name nobody may type is not offered


async def test_without_the_flag_the_app_opens_the_article_at_once(team_db: Path) -> None:
    with Store.open(team_db) as store:
        app = AnnotatorApp(store, "carol")
        async with app.run_test(size=SIZE):
            assert isinstance(app.screen, AnnotateScreen)


# --- the command -----------------------------------------------------------------------


def test_serve_refuses_a_missing_database_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "serve", "--db", "nowhere.db", name="alice")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "annotator: nowhere.db: no such database (run `annotator` to create one with the sample articles, "
        "or `annotator import PATH --db FILE`)"
    )
    assert not (tmp_path / "nowhere.db").exists()


def test_serve_refuses_a_name_annotator_refuses(team_db: Path) -> None:
    result = run_cli(team_db.parent, "serve", "--db", str(team_db), "--annotator", "gold", name="alice")
    assert result.returncode == 1
    assert result.stderr.strip() == "annotator: annotator name 'gold' is reserved for the adjudicated set"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(db: Path, *extra: str, host: str = "127.0.0.1") -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`annotator serve` as a real child process, until its page answers; stopped with ctrl+c."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ANNOTATOR_DB", "ANNOTATOR_NAME")}
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator", "serve", "--db", str(db), "--host", host, "--port", str(port), *extra],
        cwd=db.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start: {process.communicate()}") from None
                time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_prints_the_address_and_warns_off_loopback(team_db: Path) -> None:
    with serving(team_db, host="0.0.0.0") as (process, url):
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"Serving {team_db} at http://")
    assert lines[0].endswith(f":{url.rsplit(':', 1)[1].rstrip('/')}/ (each analyst types their name on connecting)")
    assert "ctrl+c to stop" in lines[1]
    assert err.splitlines()[0] == (
        f"annotator: warning: listening on 0.0.0.0: anyone who can reach port {url.rsplit(':', 1)[1].rstrip('/')} "
        f"can read and edit {team_db}"
    )
    assert "Traceback" not in out + err


def test_serve_on_loopback_gives_no_warning(team_db: Path) -> None:
    with serving(team_db) as (process, url):
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert out.splitlines()[0] == f"Serving {team_db} at {url} (each analyst types their name on connecting)"
    assert "warning" not in err


# --- in a real browser -----------------------------------------------------------------


def _wait(page: Any, condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll through the page: Playwright's sync API delivers websocket frames only while it runs."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


@contextmanager
def browser_page(url: str) -> Iterator[tuple[Any, Callable[[str], bool]]]:
    """A headless Chromium tab on url, and a test of whether the app has drawn some text."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("needs Chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip install playwright)")
    received: list[str] = []  # what the app sent the browser's terminal, as text

    def on_frame(payload: bytes | str) -> None:
        received.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload)

    def shown(text: str) -> bool:
        return text in "".join(received)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # The page asks for a web font; this machine may be offline.
            page.route("https://fonts.googleapis.com/**", lambda route: route.abort())
            page.on("websocket", lambda socket_: socket_.on("framereceived", on_frame))
            page.goto(url, wait_until="domcontentloaded")
            yield page, shown
        finally:
            browser.close()


def test_an_analyst_names_themself_in_the_browser_and_tags_a_span(team_db: Path) -> None:
    with serving(team_db) as (process, url), browser_page(url) as (page, shown):
        _wait(page, lambda: shown("Your name"), 20, "the name prompt")
        page.locator("#terminal textarea").focus()  # keys go in; a click would move the cursor
        page.keyboard.type("alice")
        page.keyboard.press("Enter")
        _wait(page, lambda: shown("Plot foiled"), 10, "the article")
        page.keyboard.press("w")
        page.keyboard.press("p")
        _wait(page, lambda: bool(spans_in_db(team_db, annotator="alice")), 10, "the span in the database")
        # ctrl+c stops the server at once, open session and all, and the page says so.
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        _wait(page, lambda: "-closed" in page.evaluate("document.body.className"), 5, "the page to show the end")
    [span] = spans_in_db(team_db, annotator="alice")
    assert (span.start, span.end, span.text, span.label) == (0, 5, "Kadyr", "PERSON")


def test_with_annotator_every_browser_works_under_that_name_unasked(team_db: Path) -> None:
    name = "Ann O'Neil $HOME"  # reaches each session's process as typed, not through a shell
    with serving(team_db, "--annotator", name) as (_, url), browser_page(url) as (page, shown):
        _wait(page, lambda: shown("Plot foiled"), 20, "the article")
        assert not shown("Your name")
        page.locator("#terminal textarea").focus()  # keys go in; a click would move the cursor
        page.keyboard.press("w")
        page.keyboard.press("o")
        _wait(page, lambda: bool(spans_in_db(team_db, annotator=name)), 10, "the span in the database")
    [span] = spans_in_db(team_db, annotator=name)
    assert (span.text, span.label) == ("Kadyr", "ORG")
