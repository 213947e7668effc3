"""`annotator serve`: the same app in a web browser, for analysts who do not live in a terminal.

textual-serve runs one app process per browser connection. Each process is this same
command with a hidden flag, so it opens the database the way `annotator annotate` does
and reports errors through the same one-line handler. Without `--annotator`, every
connection asks "Your name" first: a browser brings no name of its own, and the
server's OS user or $ANNOTATOR_NAME belongs to whoever started the server, not to the
analyst at the keyboard.
"""

from __future__ import annotations

import asyncio
import ipaddress
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import click

from annotator.errors import InputError
from annotator.settings import default_db_path, validate_annotator
from annotator.store import Store
from annotator.text import one_line

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# The flag a browser connection's process is started with; not for people to type.
SESSION_FLAG = "--browser-session"


def _merge_db(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """--db before or after `serve` means the same, as for every other command."""
    from annotator.cli import _merge_db as merge

    return merge(ctx, param, value)


def _merge_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from annotator.cli import _merge_name as merge

    return merge(ctx, param, value)


def is_loopback(host: str) -> bool:
    """Only this machine can reach a loopback address; any other host may be the whole network."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def browser_url(host: str, port: int) -> str:
    """The address to open: a wildcard host is reached through this machine's name."""
    shown = host.strip("[]")
    if shown in {"0.0.0.0", "::", ""}:
        shown = socket.gethostname()
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def session_command(db: Path, name: str | None) -> str:
    """The shell command textual-serve starts for each browser connection."""
    words = [sys.executable, "-m", "annotator", "serve", "--db", str(db.resolve()), SESSION_FLAG]
    if name is not None:
        words += ["--annotator", name]
    return shlex.join(words)


def open_for_app(path: Path) -> Store:
    """Open an existing database as the app does: a file this user cannot write opens read-only."""
    from annotator.cli import open_db

    if path.exists() and path.stat().st_size > 0 and Store.write_blocked(path):
        return open_db(path, read_only=True)
    return open_db(path, create=False)


def _check_port(host: str, port: int) -> None:
    """Fail with one line before printing the address if the port cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise InputError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise InputError(f"--port {port}: cannot listen on {host}:{port} ({error.strerror or error})") from None


def _run_session(path: Path, name: str | None) -> None:
    """One browser connection: the app itself, asking for a name unless the server fixed one."""
    from annotator.tui.app import AnnotatorApp

    store = open_for_app(path)
    app = AnnotatorApp(store, name or "", ask_name=name is None)
    try:
        app.run()
    finally:
        store.close()
    if app.database_failure is not None:
        raise app.database_failure


def _server(command: str, host: str, port: int, title: str) -> Any:
    """textual-serve's server, quiet, and reachable under whatever address the browser used."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise click.ClickException("serve needs the textual-serve package (pip install textual-serve)") from None
    from aiohttp import web

    class AnnotatorServer(Server):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sessions: set[asyncio.Task[Any]] = set()
            """The connections' handlers, to end them when the server stops."""

        def initialize_logging(self) -> None:
            # Problems only: a line per request would bury the address printed above.
            import logging

            logging.basicConfig(level="WARNING", format="annotator serve: %(message)s")

        async def on_startup(self, app: web.Application) -> None:
            """serve() has printed the address and how to stop; no banner."""

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            # The page names the websocket by absolute URL. Built from the address this
            # browser used, it works behind 0.0.0.0 or a machine name, not only on localhost.
            # Nothing awaits between setting it and the page reading it.
            self.public_url = f"{request.scheme}://{request.host}"
            response: web.StreamResponse = await super().handle_index(request)
            return response

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            task = asyncio.current_task()
            if task is not None:
                self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                if task is not None:
                    self.sessions.discard(task)

        async def on_shutdown(self, app: web.Application) -> None:
            """ctrl+c ends every session at once rather than waiting for each browser to leave.

            Cancelled, a connection tells its app process to quit, and the app waits for
            its writes as it does when an analyst quits, so nothing shown as saved is lost.
            """
            for task in list(self.sessions):
                task.cancel()
            await asyncio.gather(*self.sessions, return_exceptions=True)

    return AnnotatorServer(command, host=host, port=port, title=title)


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (0.0.0.0: every network).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=_merge_db,
    help="Database file (default: $ANNOTATOR_DB, else ./annotator.db); it must exist.",
)
@click.option(
    "--annotator",
    "name",
    default=None,
    callback=_merge_name,
    help="Every browser works under this name (default: each browser is asked for one).",
)
@click.option(SESSION_FLAG, "session", is_flag=True, hidden=True)
def serve(host: str, port: int, db_path: Path | None, name: str | None, session: bool) -> None:
    """Serve the app to web browsers: each connection is its own session.

    Every analyst types their name when they connect (unless --annotator
    fixes one for all). Saving, undo and review work as in the terminal.
    Anyone who can reach the port can edit the database: keep the default
    host unless the network is trusted. More in docs/serving.md.

    \b
    Examples:
      annotator serve --db team.db                open http://127.0.0.1:8000/
      annotator serve --db team.db --host 0.0.0.0 --port 8080
    """
    path = db_path or default_db_path()
    if name is not None:
        name = validate_annotator(name)
    if session:
        _run_session(path, name)
        return
    # Fail here, once, rather than in every browser: a missing, damaged or newer database.
    open_for_app(path).close()
    _check_port(host, port)
    server = _server(session_command(path, name), host, port, f"annotator: {path.name}")
    shown = one_line(str(path))
    if not is_loopback(host):
        click.echo(
            f"annotator: warning: listening on {one_line(host)}: anyone who can reach port {port} "
            f"can read and edit {shown}",
            err=True,
        )
    who = f"everyone works as {one_line(name)}" if name is not None else "each analyst types their name on connecting"
    click.echo(f"Serving {shown} at {browser_url(host, port)} ({who})")
    click.echo("Press ctrl+c to stop; open sessions close with the server.", nl=True)
    sys.stdout.flush()
    server.serve()
