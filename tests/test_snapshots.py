"""What the screens look like at 80x24 and 120x40, and the README's screenshot.

Snapshot tests (pytest-textual-snapshot) compare the real app's screen with the SVGs in
tests/__snapshots__/test_snapshots/; after an intended change to the look, review the
new images and accept them with `python -m pytest tests/test_snapshots.py --snapshot-update`.
The database is seeded by scripts/screenshot.py (the bundled articles, a claim holding
two organisations, a place and a date), so the images never depend on the clock.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.annotate import AnnotateScreen

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(80, 24), (120, 40)]
# The plugin giving snap_compare; without it the image tests say what to install.
needs_plugin = pytest.mark.skipif(
    importlib.util.find_spec("pytest_textual_snapshot") is None, reason="needs pytest-textual-snapshot==1.1.0"
)


def _screenshot_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("annotator_screenshot", ROOT / "scripts" / "screenshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


screenshot = _screenshot_script()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AnnotatorApp]:
    with Store.open(tmp_path / "demo.db") as store:
        screenshot.seed(store)
        yield make_app(store, screenshot.ANALYST)


async def pick_the_organisation(pilot: Pilot) -> None:  # type: ignore[type-arg]
    """The README's scene: the claim's organisation picked, its details in the panel."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AnnotateScreen)
    span = next(s for s in screen.spans if s.text == screenshot.PICKED)
    screen.view.move_to(span.start)
    screen.view.pick(span.uid)
    await pilot.pause()


def then_press(*keys: str) -> Callable[[Pilot], object]:  # type: ignore[type-arg]
    """Press keys, then stop every text cursor blinking, so two runs draw the same frame."""

    async def run(pilot: Pilot) -> None:  # type: ignore[type-arg]
        await pick_the_organisation(pilot)
        await pilot.press(*keys)
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run


@needs_plugin
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_annotate_screen(app: AnnotatorApp, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Article, span list with the organisation picked, its details, every label, quit in the key bar."""
    assert snap_compare(app, terminal_size=size, run_before=pick_the_organisation)


@needs_plugin
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_help_screen(app: AnnotatorApp, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Every key in two columns, nothing cut on the right."""
    assert snap_compare(app, terminal_size=size, run_before=then_press("question_mark"))


@needs_plugin
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_article_list(app: AnnotatorApp, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """The five sample articles with progress, inside the screen."""
    assert snap_compare(app, terminal_size=size, run_before=then_press("a"))


async def test_the_readme_screenshot_is_current() -> None:
    """docs/screenshot.svg is what scripts/screenshot.py draws now; rerun it after a change to the look."""
    fresh = await screenshot.render_svg()
    assert fresh == screenshot.OUTPUT.read_text(encoding="utf-8"), "run: python scripts/screenshot.py"
