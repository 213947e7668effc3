"""Build tests/data/schema_v3.db with the code as it was at schema version 3 (commit 79f740a).

The migration test must open a file an older annotator really wrote, not one the
current code fakes, so this script unpacks that commit into a temporary folder and runs
its own store there. It reads git (git archive) and changes nothing in the checkout.
Run it from anywhere inside the repository with the project's virtual environment:

    python tests/data/make_v3_db.py [OUTPUT]

It writes the five sample articles, a few spans by alice and bob (an undo and a redo
among them, a note, a retag), and progress marks.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path


COMMIT = "79f740a"
HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "schema_v3.db"


# Runs inside the unpacked commit: its own `annotator` package comes first on sys.path.
BUILD = r'''
import sys
from pathlib import Path

import annotator
from annotator.store import SCHEMA_VERSION, Store

source_root = Path(sys.argv[1])
output = Path(sys.argv[2])
assert Path(annotator.__file__).resolve().is_relative_to(source_root.resolve()), annotator.__file__
assert SCHEMA_VERSION == 3, SCHEMA_VERSION


def find(document, words, after=0):
    start = document.text.index(words, after)
    return start, start + len(words)


with Store.open(output) as store:
    for path in sorted((source_root / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title = text.split("\n", 1)[0].strip()
        store.add_document(path.stem, title, text, source=str(path.name))
    documents = [store.document(summary.id) for summary in store.list_documents()]
    first, second = documents[0], documents[1]

    # alice: two entity mentions of the same body, a claim, a quantity; an undo and a redo.
    start, end = find(first, "State Committee for National Security", first.text.index("Kyrgyzstan's"))
    store.add_span(first, start, end, "ORG", "alice")
    start, end = find(first, "GKNB", end)
    gknb = store.add_span(first, start, end, "PERSON", "alice")
    store.update_span(first, gknb.uid, "alice", label="ORG")
    store.undo(first, "alice")
    store.redo(first, "alice")
    claim_start = first.text.index("Kyrgyzstan's State Committee")
    claim_end = first.text.index(".", claim_start) + 1
    store.add_span(first, claim_start, claim_end, "CLAIM", "alice", note="the coup claim")
    start, end = find(first, "July 5")
    store.add_span(first, start, end, "QUANTITY", "alice")
    start, end = find(second, second.text.split()[0])
    store.add_span(second, start, end, "OTHER", "alice")
    store.set_progress("alice", first.id, "done")

    # bob: the same article, partly agreeing, and a span he deleted.
    start, end = find(first, "GKNB")
    store.add_span(first, start, end, "ORG", "bob")
    start, end = find(first, "Kyrgyzstan")
    store.add_span(first, start, end, "PLACE", "bob")
    dropped = store.add_span(first, claim_start, claim_end, "CLAIM", "bob")
    store.delete_span(first, dropped.uid, "bob")
    store.set_progress("bob", first.id, "in_progress")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("PRAGMA journal_mode = DELETE")
    store.conn.execute("VACUUM")
print(output)
'''


def main(argv: list[str]) -> int:
    output = Path(argv[1]).resolve() if len(argv) > 1 else DEFAULT_OUTPUT
    repository = Path(
        subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE, check=True, capture_output=True, text=True)
        .stdout.strip()
    )
    with tempfile.TemporaryDirectory(prefix="annotator-v3-") as folder:
        root = Path(folder)
        archive = subprocess.run(["git", "archive", COMMIT], cwd=repository, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        partial = root / "schema_v3.db"
        env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run([sys.executable, "-c", BUILD, str(root), str(partial)], cwd=root, env=env, check=True)
        output.write_bytes(partial.read_bytes())
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
