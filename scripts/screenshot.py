"""Write docs/screenshot.svg: the app at 110x32 on the bundled sample articles.

The README shows it. A few spans are tagged first (a claim holding two organisations, a
place and a date, then a person and a count further on) and one is picked, so the image
shows nesting, the span list, the details and the label guide. Everything is seeded
straight into a fresh database, so the image is the same on every run; the test suite
(tests/test_snapshots.py) regenerates it and fails when the committed file is stale.

    python scripts/screenshot.py            # rewrite docs/screenshot.svg
    python scripts/screenshot.py --check    # exit 1 if it is out of date
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a source checkout
    sys.path.insert(0, str(ROOT))

from annotator.importers import collect_files, import_paths  # noqa: E402
from annotator.settings import bundled_corpus  # noqa: E402
from annotator.store import Store  # noqa: E402

OUTPUT = ROOT / "docs" / "screenshot.svg"
SIZE = (110, 32)
ANALYST = "alice"
CLAIM = (
    "Kyrgyzstan's State Committee for National Security (GKNB) announced on July 5 that it has "
    "thwarted a coup attempt by a group aiming destabilise the country through mass riots and "
    "seize power violently."
)
# (text, label), each found inside the claim's sentence or after it, in the first article.
SPANS: list[tuple[str, str]] = [
    (CLAIM, "CLAIM"),
    ("Kyrgyzstan", "PLACE"),
    ("State Committee for National Security", "ORG"),
    ("GKNB", "ORG"),
    ("July 5", "QUANTITY"),
    ("Akylbek Zhaparov", "PERSON"),
    ("at least 144 deaths", "QUANTITY"),
]
PICKED = "State Committee for National Security"


def seed(store: Store) -> None:
    """The bundled articles, and the spans above on the first of them."""
    corpus = bundled_corpus()
    if corpus is None:
        raise SystemExit("screenshot: the bundled corpus is missing (run from a source checkout)")
    files, _ = collect_files([corpus])
    import_paths(store, files, annotator="import")
    document = store.document(store.list_documents()[0].id)
    claim_at = document.text.index(CLAIM)
    for text, label in SPANS:
        start = document.text.index(text, claim_at if label != "CLAIM" else 0)
        store.add_span(document, start, start + len(text), label, ANALYST)


async def render_svg() -> str:
    """The screenshot, from the real app on a seeded database in a temporary folder."""
    from annotator.tui.app import make_app
    from annotator.tui.screens.annotate import AnnotateScreen

    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "demo.db") as store:
        seed(store)
        app = make_app(store, ANALYST)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            span = next(s for s in screen.spans if s.text == PICKED)
            screen.view.move_to(span.start)
            screen.view.pick(span.uid)
            await pilot.pause()
            await pilot.pause()
            return app.export_screenshot(title="annotator")


def main(argv: list[str]) -> int:
    svg = asyncio.run(render_svg())
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != svg:
            print(f"screenshot: {OUTPUT.relative_to(ROOT)} is out of date; run python scripts/screenshot.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(svg, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
