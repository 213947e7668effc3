"""Running `annotator ARGS` from tests: in this process (fast) or as a real child process."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path


def run_cli(cwd: Path, *args: str, name: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`annotator ARGS` in this process, through the console script's own entry point.

    annotator.cli.main is what the installed `annotator` runs, error handling and exit
    codes included; running it here keeps the suite fast. run_cli_process checks the
    same through a real child process where the process itself matters.
    """
    from annotator.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    saved_env, saved_argv, saved_cwd = dict(os.environ), sys.argv, os.getcwd()
    for key in ("ANNOTATOR_DB", "ANNOTATOR_NAME"):
        os.environ.pop(key, None)
    os.environ["ANNOTATOR_NAME"] = name
    os.environ.update(env or {})
    sys.argv = ["annotator", *args]
    os.chdir(cwd)
    code: int = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["annotator", *args], code, stdout.getvalue(), stderr.getvalue())


def run_cli_process(
    cwd: Path, *args: str, name: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("ANNOTATOR_DB", "ANNOTATOR_NAME")}
    base["ANNOTATOR_NAME"] = name
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], capture_output=True, text=True, cwd=cwd, env=base, timeout=60
    )


def snapshot(db: Path) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    """Everything a user could see in the database, read straight from the file."""
    import sqlite3

    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("documents", "spans", "labels", "annotators", "actions", "progress")
        }
    finally:
        conn.close()


def documents(db: Path) -> list:  # type: ignore[type-arg]
    """The stored documents, in corpus order."""
    from annotator.store import Store

    with Store.open(db, create=False) as store:
        return [store.document(s.id) for s in store.list_documents()]
