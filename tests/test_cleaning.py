"""Headlines and site chrome: the five bundled articles go in clean, with their real titles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cleaning import clean_article, find_title, reads_as_headline
from annotator.importers import collect_files, import_paths
from annotator.store import Store
from annotator.text import canonicalize

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

TITLES = [
    "Kyrgyzstan says it thwarted coup attempt",
    "Russia's Ally Claims It Thwarted Coup",
    "Kyrgyzstan Says It Foiled Two Islamic State Attacks",
    "Islamic State Link to Kyrgyzstan Firefight",
    "Kyrgyz Officials Foil Attempted Terror Attacks",
]

CHROME = [
    "Dismiss",
    "Sign up for our free weekly newsletter",
    "Enjoying ad-free content?",
    "Newsweek cover",
    "Facebook Comments",
    "Support us",
    "Our journalism is banned in Russia",
    "Dear readers",
    "Remind me later",
    "Uncommon Knowledge",
    "About the writer",
    "To read how Newsweek uses AI",
    "Newsweek Voices",
    "Do you have a story we should be covering?",
]

# The last paragraph of real reporting in each article (its opening words).
LAST_PARAGRAPHS = [
    "These events highlight ISKP’s growing influence in the region",
    "In January, a Bishkek court handed out a seven-year sentence to another man for the same crime.",
    '"At the\xa0moment GKNB structures continue investigative',
    "Timur Toktonaliev is IWPR’s Kyrgyzstan editor.",
    "The success of the Kyrgyz operation to prevent the attacks should not be overshadowed",
]

# Real reporting that must survive (near the chrome).
KEPT_SENTENCES = [
    "Kyrgyzstan's security police said on\xa0Friday they had prevented two major attacks by\xa0Islamic State.",
    "Four deaths and 29 injuries were reported as a result of the riots",
    "The committee detailed the findings from their searches: 50 weapons, 20 pistols, 255,238 units of ammunition",
]


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


def test_bundled_corpus_is_the_five_articles() -> None:
    assert len(corpus_files()) == 5


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> list:
    """The corpus imported once (as `annotator import corpus/` does), read back from disk."""
    path = tmp_path_factory.mktemp("cleaning") / "corpus.db"
    with Store.open(path) as store:
        files, problems = collect_files([CORPUS])
        assert problems == []
        results = import_paths(store, files, annotator="import")
        assert [r.error for r in results] == [None] * 5
    with Store.open(path, create=False) as store:
        return [store.document(summary.id) for summary in store.list_documents()]


def test_each_article_gets_its_real_headline(imported: list) -> None:
    assert [doc.title for doc in imported] == TITLES


def test_each_article_starts_with_its_headline(imported: list) -> None:
    for doc, title in zip(imported, TITLES):
        assert doc.text.startswith(title), doc.key


@pytest.mark.parametrize("chrome", CHROME)
def test_no_stored_text_contains_chrome(imported: list, chrome: str) -> None:
    for doc in imported:
        assert chrome not in doc.text, (doc.key, chrome)


def test_last_real_paragraph_is_kept(imported: list) -> None:
    for doc, last in zip(imported, LAST_PARAGRAPHS):
        paragraphs = [p for p in doc.text.split("\n\n") if p.strip()]
        assert paragraphs[-1].startswith(last), (doc.key, paragraphs[-1][:80])


@pytest.mark.parametrize("sentence", KEPT_SENTENCES)
def test_reporting_is_kept(imported: list, sentence: str) -> None:
    assert any(sentence in doc.text for doc in imported)


def test_cleaned_text_is_canonical_and_trimmed(imported: list) -> None:
    for doc in imported:
        assert "\r" not in doc.text and not doc.text.startswith("\ufeff")
        assert doc.text == doc.text.strip("\n")
        assert all(line == line.rstrip() for line in doc.text.split("\n"))


def test_chrome_removal_is_recorded_in_meta(imported: list) -> None:
    by_key = {doc.key: doc for doc in imported}
    moscow = by_key["002_bce0f365ecfb25cd"]
    assert moscow.meta["source_file"] == "002_bce0f365ecfb25cd.txt"
    assert moscow.meta["chrome_removed"]["head_chars"] > 0
    assert moscow.meta["chrome_removed"]["tail_chars"] > 0
    # The IWPR article has no chrome at all: nothing recorded as removed.
    assert "chrome_removed" not in by_key["003_b7505e1e58388113"].meta


def test_keep_chrome_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "raw.db"
    run = subprocess.run(
        [sys.executable, "-m", "annotator", "import", str(CORPUS), "--db", str(db), "--keep-chrome", "--annotator", "t"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    with Store.open(db, create=False) as store:
        docs = [store.document(s.id) for s in store.list_documents()]
    originals = [canonicalize(path.read_text(encoding="utf-8")) for path in corpus_files()]
    assert [doc.text for doc in docs] == originals
    assert [doc.title for doc in docs] == TITLES  # the headline is still found past the banner
    assert "Enjoying ad-free content?" in docs[2].text
    assert docs[4].text.endswith("Facebook Comments")


# -- the rules on small made-up articles --------------------------------------------------


def test_leading_block_without_chrome_marker_is_kept() -> None:
    text = "Bishkek, July 5\nLocal Officials Report Quiet Night\n\nNothing happened in the capital overnight."
    cleaned = clean_article(text)
    assert cleaned.text == text
    assert cleaned.head_removed == 0 and cleaned.tail_removed == 0


def test_chrome_marker_in_first_half_does_not_cut_the_article() -> None:
    body = "\n\n".join(f"Paragraph {n} of real reporting on the events in the capital." for n in range(6))
    text = f"Security Services Report Raid\n\nRead more\n\n{body}"
    assert clean_article(text).text == text


def test_trailing_chrome_is_cut_with_its_label_lines() -> None:
    body = "\n\n".join(f"Paragraph {n} of real reporting on the events in the capital." for n in range(6))
    text = f"Security Services Report Raid\n\n{body}\n\nNews\n\nDismiss"
    cleaned = clean_article(text)
    assert cleaned.text == f"Security Services Report Raid\n\n{body}"
    assert cleaned.tail_removed > 0


def test_headline_rules() -> None:
    assert reads_as_headline("Kyrgyz Officials Foil Attempted Terror Attacks")
    assert not reads_as_headline("×")
    assert not reads_as_headline("Enjoying ad-free content?")
    assert not reads_as_headline("This commitment costs us $10,000 a month.")
    assert not reads_as_headline("Support us")
    assert find_title("\n\nshort\n") == "short"
    assert find_title("", fallback="file-stem") == "file-stem"
    long_line = "word " * 80
    assert len(find_title(long_line)) <= 120


def test_markdown_heading_gives_a_title_without_its_hashes(tmp_path: Path) -> None:
    (tmp_path / "story.md").write_text(
        "Subscribe to our newsletter\n\n## Kyrgyz Officials Foil Attempted Terror Attacks\n\nFour militants were killed.\n",
        encoding="utf-8",
    )
    (tmp_path / "plain.md").write_text("# short\n\nbody\n", encoding="utf-8")
    with Store.open(tmp_path / "md.db") as store:
        files, _ = collect_files([tmp_path])
        results = import_paths(store, files, annotator="t")
        assert [r.error for r in results] == [None, None]
        docs = {s.key: store.document(s.id) for s in store.list_documents()}
    assert docs["story"].title == "Kyrgyz Officials Foil Attempted Terror Attacks"
    assert docs["story"].text.startswith("## Kyrgyz Officials")  # the text itself is untouched
    assert "Subscribe" not in docs["story"].text
    assert docs["plain"].title == "short"
