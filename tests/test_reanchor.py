"""A corrected or updated article keeps its spans: moved when found, flagged when not."""

from __future__ import annotations

from pathlib import Path

from annotator.store import Store

OLD = (
    "Minister Alice Smith said on Monday that prices rose 5%.\n\n"
    "Bob Jones disagreed.\n\n"
    "Reporters met in Paris."
)
NEW = (
    "Update: this story was corrected.\n\n"
    "Minister Alice Smith said on Monday that prices rose 6%.\n\n"
    "Bob Jones disagreed strongly.\n\n"
    "Reporters met in Lyon."
)


def _setup(store: Store):  # type: ignore[no-untyped-def]
    document = store.add_document("story", "Prices rose", OLD).document
    spans = {
        "alice": store.add_span(document, OLD.index("Alice"), OLD.index("Alice") + len("Alice Smith"), "PERSON", "ann"),
        "bob": store.add_span(document, OLD.index("Bob"), OLD.index("Bob") + len("Bob Jones"), "PERSON", "ann"),
        "claim": store.add_span(document, 0, OLD.index("5%.") + 3, "CLAIM", "ann"),
        "paris": store.add_span(document, OLD.index("Paris"), OLD.index("Paris") + 5, "PLACE", "ann"),
    }
    return document, spans


def test_changed_article_keeps_history_and_carries_spans(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        document, spans = _setup(store)
        result = store.add_document("story", "Prices rose", NEW)
        assert result.updated and not result.created
        assert result.document.id == document.id
        status = {p.uid: p.status for p in result.placements}
        assert status[spans["alice"].uid] == "moved"
        assert status[spans["bob"].uid] == "moved"
        assert status[spans["claim"].uid] == "fuzzy"  # 5% became 6%
        assert status[spans["paris"].uid] == "flagged"  # Paris is gone: never silently moved
        stored = {s.uid: s for s in store.spans(document.id)}
        assert stored[spans["alice"].uid].text == "Alice Smith"
        assert stored[spans["bob"].uid].text == "Bob Jones"
        assert stored[spans["claim"].uid].text.endswith("rose 6%.")
        flagged = stored[spans["paris"].uid]
        assert flagged.attrs["needs_review"]["old_text"] == "Paris"
        for span in stored.values():
            assert NEW[span.start : span.end] == span.text
        # Both versions are kept, and the moves are in the history.
        assert store.conn.execute("SELECT text FROM document_versions WHERE document_id = ?", (document.id,)).fetchone()[0] == OLD
        assert store.document(document.id).text == NEW
        moves = [row for row in store.history(document.id) if row["op"] == "import"]
        assert len(moves) == 4
        # An analyst's change settles the flag.
        store.update_span(store.document(document.id), flagged.uid, "ann", start=NEW.index("Lyon"), end=NEW.index("Lyon") + 4)
        assert "needs_review" not in store.span(flagged.uid).attrs  # type: ignore[union-attr]


def test_unchanged_spans_stay_and_repeated_text_is_placed_by_context(tmp_path: Path) -> None:
    old = "The army said it won.\n\nThe army said it lost.\n"
    new = "The army said it won.\n\nA new paragraph.\n\nThe army said it lost.\n"
    with Store.open(tmp_path / "a.db") as store:
        document = store.add_document("s", "Army", old).document
        first = store.add_span(document, 0, 8, "ORG", "ann")
        second = store.add_span(document, old.index("The army said it lost") , old.index("The army said it lost") + 8, "ORG", "ann")
        result = store.add_document("s", "Army", new)
        status = {p.uid: (p.status, p.start) for p in result.placements}
        assert status[first.uid] == ("stayed", 0)
        assert status[second.uid] == ("moved", new.index("The army said it lost"))


def test_an_unrelated_file_with_the_same_name_is_a_new_document(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        store.add_document("story", "Floods in the north", "Floods in the north\n\nRivers rose.")
        result = store.add_document("story", "Election results", "Election results\n\nVotes were counted.")
        assert result.created and not result.updated
        assert [d.key for d in store.list_documents()] == ["story", "story-2"]


def test_import_reports_moved_stayed_and_flagged(tmp_path: Path) -> None:
    import subprocess
    import sys

    story = tmp_path / "story.txt"
    story.write_text("Prices Rose Sharply Today\n\nMinister Alice Smith said prices rose 5%.\n\nReporters met in Paris.\n", encoding="utf-8")
    db = tmp_path / "a.db"

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "annotator", "import", str(story), "--db", str(db)], capture_output=True, text=True, timeout=60)

    assert run().returncode == 0
    with Store.open(db) as store:
        document = store.document(store.list_documents()[0].id)
        text = document.text
        store.add_span(document, text.index("Alice"), text.index("Alice") + 11, "PERSON", "ann")
        store.add_span(document, text.index("Paris"), text.index("Paris") + 5, "PLACE", "ann")
    story.write_text(
        "Prices Rose Sharply Today\n\nCorrection appended.\n\nMinister Alice Smith said prices rose 6%.\n\nReporters met in Lyon.\n",
        encoding="utf-8",
    )
    result = run()
    assert result.returncode == 0, result.stderr
    assert "new version of 'story': 0 spans stayed, 1 moved (0 by fuzzy match), 1 need review" in result.stdout
    assert "1 changed article updated: 0 spans stayed, 1 moved, 1 need review" in result.stdout
    with Store.open(db) as store:
        assert len(store.list_documents()) == 1
