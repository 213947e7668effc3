"""A split export is one set: its parts and manifest are replaced together or not at all.

The real export process is killed (SIGKILL) at random moments, many times; after each
kill the manifest must parse, every file it lists must exist with the listed sha256,
and the set must be the old one or the new one, never a mix.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from test_export import run

from annotator.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and symbolic links")

SPEC = "train=0.8,dev=0.1,test=0.1"
PARTS = ("train", "dev", "test")
STABLE = ["news.train.conll", "news.dev.conll", "news.test.conll", "news.manifest.json"]
WORDS = "the committee said officers in Bishkek seized 500kg of explosives and 3,000 people left Osh on Monday".split()
STAMP = "2026-01-01T00:00:00.000Z"


def big_database(path: Path, count: int) -> None:
    """count articles of ~120 words, each with a PLACE and a QUANTITY by alice, written
    straight into the schema: large enough that an export takes a noticeable time."""
    with Store.open(path):
        pass
    rng = random.Random(7)
    documents, spans = [], []
    for number in range(count):
        text = f"Article {number} from Bishkek\n\n" + " ".join(rng.choice(WORDS) for _ in range(120)) + " 500kg."
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        documents.append((number + 1, f"doc{number}", f"Article {number}", text, sha, "{}", number, STAMP))
        for label, target in (("PLACE", "Bishkek"), ("QUANTITY", "500kg")):
            start = text.index(target)
            spans.append((uuid.uuid4().hex, number + 1, start, start + len(target), label, "alice", target, STAMP, STAMP))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO documents (id, key, title, text, sha256, meta, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            documents,
        )
        conn.executemany(
            'INSERT INTO spans (uid, document_id, start, "end", label, annotator, text, created_at, updated_at)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            spans,
        )
    conn.close()


def command(label: str) -> list[str]:
    return [
        sys.executable, "-m", "annotator", "export", "--db", "big.db", "--format", "conll",
        "--split", SPEC, "--label", label, "--out", "out/news.conll",
    ]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ANNOTATOR_DB", "ANNOTATOR_NAME")}
    env["ANNOTATOR_NAME"] = "exporter"
    return env


def on_disk(out: Path) -> tuple[str, dict[str, str]] | None:  # "" when no --label
    """(label filtered on, part -> sha256) of the set the names show, after checking the
    manifest's promise; None when there is no manifest yet."""
    manifest_file = out / "news.manifest.json"
    if not manifest_file.exists():
        return None
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    digests = {}
    for part, figures in manifest["parts"].items():
        data = (out / figures["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == figures["sha256"], f"{figures['path']} does not match the manifest"
        assert len(data) == figures["bytes"]
        digests[part] = figures["sha256"]
    assert sorted(digests) == sorted(PARTS)
    labels = manifest["filters"]["labels"] or [""]
    return labels[0], digests


def test_a_killed_split_export_leaves_the_old_set_or_the_new_one(tmp_path: Path) -> None:
    began = time.monotonic()
    big_database(tmp_path / "big.db", 900)
    out = tmp_path / "out"
    env = environment()

    def complete(label: str) -> float:
        start = time.monotonic()
        result = subprocess.run(command(label), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return time.monotonic() - start

    # The two sets the kills alternate between: every part differs (PLACE or QUANTITY tags).
    took = max(complete("PLACE"), 0.2)
    place = on_disk(out)
    took = max(took, complete("QUANTITY"))
    quantity = on_disk(out)
    assert place is not None and quantity is not None
    sets = {"PLACE": place[1], "QUANTITY": quantity[1]}
    assert all(sets["PLACE"][part] != sets["QUANTITY"][part] for part in PARTS)

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    shown = "QUANTITY"
    kills = finished = 0
    deadline = began + 16 - took  # about 18 s in all, the final run included
    while kills + finished < 16 and (time.monotonic() < deadline or kills < 5):
        new = "PLACE" if shown == "QUANTITY" else "QUANTITY"
        process = subprocess.Popen(command(new), cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.1, 1.2) * took)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        else:
            finished += 1
        process.wait(timeout=60)
        process.stderr.close()  # type: ignore[union-attr]
        state = on_disk(out)
        assert state is not None, f"seed {seed}: no manifest after a kill"
        label, digests = state
        assert digests == sets[label], f"seed {seed}: parts from more than one run"
        assert label in (shown, new), f"seed {seed}"
        if process.returncode == 0:
            assert label == new, f"seed {seed}: a finished export shows its own set"
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(STABLE)
        shown = label
    assert kills >= 5, f"seed {seed}: only {kills} kills landed before the export ended"

    # The next run clears what the killed ones left: old generations, temporary files.
    complete("PLACE")
    assert on_disk(out) == place
    store = out / ".news.conll.split"
    assert sorted(p.name for p in out.iterdir()) == sorted([*STABLE, store.name])
    inside = sorted(p.name for p in store.iterdir())
    assert len(inside) == 3 and {"current", "lock"} <= set(inside)
    generation = store / os.readlink(store / "current")
    assert sorted(p.name for p in generation.iterdir()) == sorted(STABLE)


# -- without killing: the pieces the guarantee rests on ----------------------------------------


def small(cwd: Path) -> None:
    big_database(cwd / "big.db", 40)


def export(cwd: Path, *args: str) -> str:
    result = run(cwd, "export", "--db", "big.db", "--format", "conll", "--split", SPEC, "--out", "out/news.conll", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_parts_are_links_into_one_generation(tmp_path: Path) -> None:
    small(tmp_path)
    export(tmp_path)
    out = tmp_path / "out"
    for name in STABLE:
        assert os.readlink(out / name) == f".news.conll.split/current/{name}"
    manifest = json.loads((out / "news.manifest.json").read_text(encoding="utf-8"))
    assert os.readlink(out / ".news.conll.split" / "current") == manifest["generation"]
    # A reader who resolves the manifest reads the parts of that very generation.
    real = Path(os.path.realpath(out / "news.manifest.json")).parent
    for figures in manifest["parts"].values():
        assert hashlib.sha256((real / figures["path"]).read_bytes()).hexdigest() == figures["sha256"]


def test_files_of_an_earlier_version_are_taken_over(tmp_path: Path) -> None:
    """Parts and a manifest written as plain files (before sets were switched whole)."""
    small(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for name in STABLE:
        (out / name).write_text(f"old {name}\n", encoding="utf-8")
    (out / "news.test.conll").chmod(0o640)  # a mode the user chose is kept
    export(tmp_path)
    assert on_disk(out) is not None
    assert all((out / name).is_symlink() for name in STABLE)
    assert (out / "news.test.conll").stat().st_mode & 0o777 == 0o640


def test_a_part_dropped_from_the_split_leaves_no_link(tmp_path: Path) -> None:
    small(tmp_path)
    export(tmp_path)
    result = run(tmp_path, "export", "--db", "big.db", "--format", "conll", "--split", "train=0.5,test=0.5", "--out", "out/news.conll")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "news.manifest.json", "news.test.conll", "news.train.conll",
    ]
    manifest = json.loads((out / "news.manifest.json").read_text(encoding="utf-8"))
    for figures in manifest["parts"].values():
        assert hashlib.sha256((out / figures["path"]).read_bytes()).hexdigest() == figures["sha256"]


def test_stale_leftovers_are_swept_and_a_live_writers_file_is_not(tmp_path: Path) -> None:
    import fcntl

    small(tmp_path)
    export(tmp_path)
    out = tmp_path / "out"
    store = out / ".news.conll.split"
    stale = [
        out / ".news.train.conll.abcd1234.part",  # a killed writer's temporary file
        out / ".news.dev.conll.0a1b2c3d.link",  # a killed run's temporary link
        store / ".current.0a1b2c3d.link",
        store / "g-20260101T000000-1-0a1b2c3d",  # a killed run's generation
    ]
    stale[0].write_text("half", encoding="utf-8")
    os.symlink("nowhere", stale[1])
    os.symlink("nowhere", stale[2])
    stale[3].mkdir()
    (stale[3] / "news.train.conll").write_text("half", encoding="utf-8")
    live = out / ".news.test.conll.live0000.part"
    live.write_text("being written", encoding="utf-8")
    holder = os.open(live, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        export(tmp_path)
        assert not any(os.path.lexists(path) for path in stale)
        assert live.exists()
    finally:
        os.close(holder)
    export(tmp_path)
    assert not live.exists()


def test_a_failed_export_keeps_the_old_set_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.exporters import formats

    small(tmp_path)
    export(tmp_path)
    out = tmp_path / "out"
    before = on_disk(out)
    listing = sorted(p.name for p in (out / ".news.conll.split").iterdir())

    def boom(records, handle, report) -> None:  # type: ignore[no-untyped-def]
        for number, _ in enumerate(records):
            handle.write("partial line\n")
            if number == 3:
                raise OSError("No space left on device")

    monkeypatch.setitem(formats.FORMATS, "conll", dataclasses.replace(formats.FORMATS["conll"], writer=boom))
    result = run(tmp_path, "export", "--db", "big.db", "--format", "conll", "--split", SPEC, "--out", "out/news.conll", "--label", "QUANTITY")
    assert result.returncode != 0 and "No space left on device" in result.stderr
    assert on_disk(out) == before
    assert sorted(p.name for p in (out / ".news.conll.split").iterdir()) == listing
    assert sorted(p.name for p in out.iterdir()) == sorted([*STABLE, ".news.conll.split"])


def test_brat_split_folders_switch_with_the_set(tmp_path: Path) -> None:
    small(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "news.train.brat").mkdir()  # an earlier version's brat part: a plain folder
    (out / "news.train.brat" / "old.txt").write_text("old", encoding="utf-8")
    args = ("export", "--db", "big.db", "--format", "brat", "--split", "train=0.5,test=0.5", "--out", "out/news.brat")
    assert run(tmp_path, *args).returncode == 0
    assert (out / "news.train.brat").is_symlink() and not (out / "news.train.brat" / "old.txt").exists()
    (out / "news.test.brat").unlink()
    (out / "news.test.brat").mkdir()
    (out / "news.test.brat" / "notes.docx").write_text("mine", encoding="utf-8")  # not a brat export: refused
    result = run(tmp_path, *args)
    assert result.returncode != 0 and "folder holds other things (notes.docx)" in result.stderr
    assert (out / "news.test.brat" / "notes.docx").exists()
