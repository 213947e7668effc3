"""Article view latency in the REAL app: first paint, cursor move, page down, tag.

Method (Textual 8.2.8; see textual/screen.py and textual/app.py):

* The app is the one the CLI runs, `annotator.tui.app.make_app(store, "bench")`, under
  `app.run_test(size=(120, 40))` (headless driver). The database is a real SQLite file
  made through `Store.add_document(..., spans=[NewSpan(...)])`: a short warm-up article
  (opened at start-up) and a 200,000-character article with 5,000 spans.

* TEXTUAL_FPS is set to 1000 before textual is imported: the screen's update timer
  (`Screen._update_timer`, period 1/TEXTUAL_FPS) then adds at most ~1 ms, so frame
  throttling does not hide the cost of the work.

* A frame is "written" when `App._display(screen, update)` runs: the screen calls it from
  `Screen._compositor_refresh()` with the `CompositorUpdate` that
  `Compositor.render_update()` built (this is where the widgets' `render_line` run for the
  dirty rows). A headless app skips the terminal write inside `_display`, so the benchmark
  replaces `app._display` on the instance with a wrapper that does what a real terminal
  costs - `update.render_segments(app.console)` (strips to escape sequences, truecolor),
  plus the cursor move - writes the bytes to os.devnull, takes the timestamp, then calls
  the original. Only frames whose update touches the article's content region count as
  "the frame" for a key (the status bar or footer may repaint in separate frames).

* Keys are injected the way a real terminal's input thread delivers them: an
  `events.Key(key, character)` with the app as sender, handed to
  `app._driver.send_message()` (that is what the Linux driver does after parsing input,
  and what `Pilot.press` does before it starts waiting for idle). The clock starts just
  before `send_message` and stops at the first article frame. `pilot.press` is NOT used
  for timing (it waits for idle and animations). Between presses the benchmark lets the
  app settle (all queued messages processed, CPU idle, no new frame), so every press
  starts from an idle app, like a person typing.

* First paint: `screen.open_document(big_id)` is called on the screen's own message
  loop (`screen.call_next`), the clock starts right before the call and stops at the
  first article frame. The warm-up article is opened in between, so every repetition is
  a real switch to the long article.

Also reported (info): where the time goes, by wrapping the store and widget methods on
their instances (no code under annotator/ is changed).
"""

from __future__ import annotations

import os

# Before anything imports textual: constants are read at import time.
os.environ["TEXTUAL_FPS"] = os.environ.get("BENCH_TEXTUAL_FPS", "1000")
os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "truecolor")

import asyncio
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

from common import Row, machine_line, ms, out_dir, percentile, print_table, secs
from data import build_article_db

from rich.control import Control
from textual import events
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual._wait import wait_for_idle

from annotator.store import Store
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen

ANNOTATOR = "bench"
SIZE = (120, 40)
TIMEOUT = 5.0


class FrameProbe:
    """Wraps app._display: renders every update as a real terminal write would, stamps it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sink = open(os.devnull, "w", encoding="utf-8")
        self.frames = 0
        self.bytes = 0
        self.target: Any = None  # Region on screen that counts as "the article"
        self._armed = False
        self.t_frame: float | None = None
        self.t_last = 0.0  # time of the latest frame of any kind
        self.track: Callable[[], int] | None = None  # sampled at every article frame
        self.track_log: list[tuple[float, int]] = []
        self.event = asyncio.Event()
        self._original = app._display
        app._display = self._display  # instance attribute shadows App._display

    def close(self) -> None:
        self.app._display = self._original
        self.sink.close()

    def arm(self) -> None:
        self.event.clear()
        self.t_frame = None
        self._armed = True

    def _touches(self, update: object) -> bool:
        region = self.target
        if region is None:
            return True
        if isinstance(update, LayoutUpdate):
            return bool(update.region.overlaps(region))
        if isinstance(update, ChopsUpdate):
            top, bottom = region.y, region.y + region.height
            left, right = region.x, region.x + region.width
            return any(top <= y < bottom and x1 < right and x2 > left for y, x1, x2 in update.spans)
        return True

    def _display(self, screen: Any, renderable: Any) -> None:
        app = self.app
        if renderable is None or app._batch_count:
            return self._original(screen, renderable)
        if isinstance(renderable, CompositorUpdate):
            data = renderable.render_segments(app.console)
            cursor = screen.outer_size.clamp_offset(app.cursor_position)
            data += Control.move_to(*cursor).segment.text
        else:
            data = app.console._render_buffer(app.console.render(renderable))
        self.sink.write(data)
        self.sink.flush()
        now = perf_counter()
        self.frames += 1
        self.bytes += len(data)
        self.t_last = now
        touches = self._touches(renderable)
        if self.track is not None and touches:
            self.track_log.append((now, self.track()))
        if self._armed and touches:
            self._armed = False
            self.t_frame = now
            self.event.set()
        self._original(screen, renderable)


class CallTimer:
    """Wrap methods on instances and add up how long each call takes."""

    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = defaultdict(list)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, obj: object, name: str, label: str | None = None) -> None:
        """Time obj.name (skipped if the code no longer has it: annotator/ keeps changing)."""
        original = getattr(obj, name, None)
        if original is None:
            return
        label = label or f"{type(obj).__name__}.{name}"
        calls = self.calls[label]

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                calls.append(perf_counter() - started)

        had = name in vars(obj)
        setattr(obj, name, timed)
        self._undo.append(lambda: setattr(obj, name, original) if had else delattr(obj, name))

    def reset(self) -> None:
        for values in self.calls.values():
            values.clear()

    def summary(self, per: int) -> str:
        """Mean milliseconds per event (e.g. per key press) of each wrapped method."""
        parts = []
        for label, values in self.calls.items():
            if values:
                parts.append(f"{label} {sum(values) / per * 1000:.1f}")
        return ", ".join(parts) + " (ms per event)"


def _key_event(app: Any, key: str) -> events.Key:
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    return event


class Bench:
    def __init__(self, app: Any, pilot: Any, probe: FrameProbe) -> None:
        self.app = app
        self.pilot = pilot
        self.probe = probe

    @property
    def screen(self) -> AnnotateScreen:
        screen = self.app.screen
        assert isinstance(screen, AnnotateScreen), screen
        return screen

    async def settle(self) -> None:
        """Until every queued message is handled, the CPU is idle and no frame is pending."""
        for _ in range(20):
            frames = self.probe.frames
            await self.pilot._wait_for_screen()
            await wait_for_idle(0)
            screen = self.app.screen
            if self.probe.frames == frames and not screen._dirty_widgets and not screen._layout_required:
                return

    async def run_on_screen(self, fn: Callable[[], None]) -> None:
        self.screen.call_next(fn)
        await self.settle()

    async def key_to_frame(self, key: str) -> float | None:
        self.probe.arm()
        started = self.last_sent = perf_counter()
        self.app._driver.send_message(_key_event(self.app, key))
        try:
            await asyncio.wait_for(self.probe.event.wait(), TIMEOUT)
        except (TimeoutError, asyncio.TimeoutError):
            self.probe._armed = False
            return None
        assert self.probe.t_frame is not None
        return self.probe.t_frame - started

    def hold_key(self, key: str, count: int, rate: float) -> list[float]:
        """Send `count` presses at `rate` per second from another thread (like key repeat).

        The Linux driver's input thread hands keys to the app with the same thread-safe
        call, so the app being busy does not delay the keys, only their frames.
        Returns the send times.
        """
        import threading

        sent: list[float] = []

        def sender() -> None:
            start = perf_counter()
            for index in range(count):
                delay = start + index / rate - perf_counter()
                if delay > 0:
                    time.sleep(delay)
                sent.append(perf_counter())
                self.app._driver.send_message(_key_event(self.app, key))

        thread = threading.Thread(target=sender, daemon=True)
        thread.start()
        self._sender = thread
        return sent

    async def open_to_frame(self, document_id: int) -> tuple[float, float]:
        """(seconds to first article frame, seconds inside open_document)."""
        marks: dict[str, float] = {}
        self.probe.event.clear()

        def opener() -> None:
            self.probe.arm()
            marks["start"] = perf_counter()
            self.screen.open_document(document_id)
            marks["returned"] = perf_counter()

        self.screen.call_next(opener)
        await asyncio.wait_for(self.probe.event.wait(), 60)
        assert self.probe.t_frame is not None
        return self.probe.t_frame - marks["start"], marks["returned"] - marks["start"]


def _dist_row(name: str, values: list[float], target: float | None, target_text: str = "", note: str = "") -> Row:
    if not values:
        return Row(name, "no samples", passed=False if target else None, note=note)
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return Row(
        f"{name} (n={len(values)})",
        ms(p50),
        ms(p95),
        target_text or "-",
        None if target is None else p50 <= target,
        note,
    )


async def run_tui(db_path: Path, presses: int = 200, tags: int = 100, pages: int = 60, opens: int = 5) -> tuple[list[Row], dict[str, Any]]:
    built = build_article_db(db_path, ANNOTATOR)
    stats = built["stats"]
    text: str = built["text"]  # type: ignore[assignment]
    big_id, small_id = int(built["big_id"]), int(built["small_id"])  # type: ignore[arg-type]
    rows: list[Row] = [
        Row(
            "article db: build via Store.add_document(spans=)",
            secs(built["build_seconds"]),  # type: ignore[arg-type]
            note=", ".join(f"{k}={v}" for k, v in stats.items()),  # type: ignore[union-attr]
        )
    ]
    info: dict[str, Any] = {"stats": stats}

    store = Store.open(db_path)
    app = make_app(store, ANNOTATOR)
    try:
        async with app.run_test(size=SIZE) as pilot:
            probe = FrameProbe(app)
            bench = Bench(app, pilot, probe)
            await bench.settle()
            screen = bench.screen
            view = screen.view
            probe.target = view.content_region
            info["article_region"] = str(view.content_region)
            timer = CallTimer()
            timer.wrap(store, "document", "store.document")
            timer.wrap(store, "spans", "store.spans")
            timer.wrap(view, "load", "view.load")
            timer.wrap(view, "_relayout", "view._relayout")
            timer.wrap(screen.panel, "set_spans", "panel.set_spans")
            timer.wrap(screen, "_refresh_history_flags", "screen._refresh_history_flags")

            # -- first paint -----------------------------------------------------------
            paints: list[float] = []
            inside: list[float] = []
            for _ in range(opens):
                timer.reset()
                total, sync = await bench.open_to_frame(big_id)
                paints.append(total)
                inside.append(sync)
                await bench.settle()
                if not paints[1:]:
                    info["open_breakdown"] = timer.summary(1)
                await bench.open_to_frame(small_id)
                await bench.settle()
            rows.append(
                Row(
                    f"first paint: open_document -> article frame (first of {opens})",
                    secs(paints[0]),
                    "-",
                    "<= 0.300 s",
                    paints[0] <= 0.3,
                    f"open_document itself {secs(inside[0])}; breakdown of the first open: {info['open_breakdown']}",
                )
            )
            rows.append(
                Row(
                    f"first paint, repeated opens (n={opens}, p95=max)",
                    secs(percentile(paints, 50)),
                    secs(max(paints)),
                    "<= 0.300 s",
                    percentile(paints, 50) <= 0.3,
                )
            )

            # the long article stays open from here on
            await bench.open_to_frame(big_id)
            await bench.settle()
            assert screen.document is not None and screen.document.id == big_id
            info["spans_shown"] = len(screen.spans)
            info["rows"] = view.row_count

            # -- cursor moves ----------------------------------------------------------
            def place(offset: int, where: str = "middle") -> None:
                """Cursor at offset, its row in the middle (or on the bottom row) of the view."""
                view.move_to(offset)
                row, height = view._row_of(offset), view.scrollable_content_region.height
                top = row - height // 2 if where == "middle" else row - height + 1
                view.scroll_to(y=max(0, top), animate=False, immediate=True)

            # Inside the view: right, down, right, up, ... (drifts right, so a row is never
            # drawn twice with the cursor at the same place: no render-cache replays).
            await bench.run_on_screen(lambda: place(len(text) // 2))
            cycle = ("right", "down", "right", "up")
            by_key: dict[str, list[float]] = defaultdict(list)
            busy: list[float] = []
            missed = unchanged = 0
            top_before = view.scroll_y
            for index in range(presses):
                key = cycle[index % len(cycle)]
                before = view.cursor
                elapsed = await bench.key_to_frame(key)
                await bench.settle()
                if elapsed is None:
                    missed += 1
                    continue
                if view.cursor == before:
                    unchanged += 1
                by_key[key].append(elapsed)
                busy.append(probe.t_last - bench.last_sent)
            moves = [t for key in ("right", "down", "up") for t in by_key[key]]
            rows.append(
                _dist_row(
                    "cursor move key->frame (right/down/right/up, in view)",
                    moves,
                    0.008,
                    "p50 <= 8 ms",
                    f"no article frame: {missed}, cursor did not move: {unchanged}, view scrolled: {view.scroll_y != top_before}",
                )
            )
            rows.append(_dist_row("  of which right", by_key["right"], None))
            rows.append(_dist_row("  of which up/down", by_key["down"] + by_key["up"], None))
            rows.append(
                _dist_row(
                    "cursor move key->last frame (all repaints it causes)",
                    busy,
                    None,
                    note="includes the follow-up frames (status bar; the Footer too if the key makes it rebuild)",
                )
            )

            # On the bottom row: every down scrolls the article one row (a full repaint).
            await bench.run_on_screen(lambda: place(len(text) // 2 + 5_000, "bottom"))
            scrolls: list[float] = []
            scroll_from = view.scroll_y
            for _ in range(max(20, presses // 3)):
                elapsed = await bench.key_to_frame("down")
                await bench.settle()
                if elapsed is not None:
                    scrolls.append(elapsed)
            rows.append(
                _dist_row(
                    "cursor down on the bottom row (scrolls 1 row) key->frame",
                    scrolls,
                    0.008,
                    "p50 <= 8 ms",
                    f"view scrolled {int(view.scroll_y - scroll_from)} rows",
                )
            )

            # -- a held key: down at the terminal's key-repeat rate ---------------------
            repeat_rate, repeat_count = 30.0, 60
            await bench.run_on_screen(lambda: place(len(text) // 3))
            start_row = view._row_of(view.cursor)
            probe.track_log.clear()
            probe.track = lambda: view._row_of(view.cursor)
            sent = bench.hold_key("down", repeat_count, repeat_rate)
            deadline = perf_counter() + 30
            while perf_counter() < deadline and not (
                len(sent) == repeat_count and probe.track_log and probe.track_log[-1][1] >= start_row + repeat_count
            ):
                await asyncio.sleep(0.005)
            await bench.settle()
            probe.track = None
            held: list[float] = []
            for index, sent_at in enumerate(sent):
                shown = next((t for t, row in probe.track_log if t >= sent_at and row >= start_row + index + 1), None)
                if shown is not None:
                    held.append(shown - sent_at)
            article_frames = sum(1 for t, _ in probe.track_log if t >= sent[0])
            rows.append(
                _dist_row(
                    f"held down key ({repeat_rate:.0f}/s for {repeat_count / repeat_rate:.0f} s) key->frame",
                    held,
                    None,
                    note=f"keys sent from a thread like the driver's input thread; {article_frames} article frames for "
                    f"{repeat_count} keys; lag after the last key {ms(held[-1]) if len(held) == repeat_count else 'n/a'}",
                )
            )

            # -- page down -------------------------------------------------------------
            await bench.run_on_screen(lambda: place(0))
            page_times: list[float] = []
            page_missed = 0
            for _ in range(pages):
                elapsed = await bench.key_to_frame("pagedown")
                await bench.settle()
                if elapsed is None:
                    page_missed += 1
                else:
                    page_times.append(elapsed)
            rows.append(
                _dist_row("page down key->frame", page_times, None, note=f"no article frame: {page_missed}; starts at the top, ends at row {int(view.scroll_y)} of {view.row_count}")
            )

            # -- select word + tag -----------------------------------------------------
            for obj, name, label in (
                (store, "add_span", "store.add_span"),
                (store, "history_flags", "store.history_flags"),
                (store, "can_undo", "store.can_undo"),
                (store, "can_redo", "store.can_redo"),
                (view, "set_spans", "view.set_spans"),
                (view, "upsert_span", "view.upsert_span"),
                (screen.panel, "upsert", "panel.upsert"),
                (screen, "_show_position", "screen._show_position"),
            ):
                timer.wrap(obj, name, label)
            await bench.run_on_screen(lambda: place(len(text) // 4))
            select_times: list[float] = []
            tag_times: list[float] = []
            after_tag: list[float] = []
            key_of = {label.name: label.key for label in store.labels() if label.key}
            spans_before = len(screen.spans)
            failed = label_presses = 0
            timer.reset()
            for index in range(tags):
                await bench.key_to_frame("ctrl+right")
                await bench.settle()
                elapsed = await bench.key_to_frame("w")
                await bench.settle()
                if elapsed is not None:
                    select_times.append(elapsed)
                if view.selection is None:
                    failed += 1
                    continue
                count = len(screen.spans)
                label_presses += 1
                # rotate through the labels, skipping one the word already carries (that is refused)
                selected = view.selection
                taken = {s.label for s in view.spans_at(selected[0]) if (s.start, s.end) == selected}
                names = [name for name in key_of if name not in taken]
                elapsed = await bench.key_to_frame(key_of[names[index % len(names)]])
                # the very next key, while the span list rebuild queued by the tag is pending
                follow = await bench.key_to_frame("right")
                await bench.settle()
                if elapsed is None or len(screen.spans) != count + 1:
                    failed += 1
                    continue
                tag_times.append(elapsed)
                if follow is not None:
                    after_tag.append(follow)
            info["tags_added"] = len(screen.spans) - spans_before
            tag_breakdown = timer.summary(max(1, label_presses))
            rows.append(_dist_row("select word ('w') key->frame", select_times, None))
            rows.append(
                _dist_row(
                    "tag (label key) key->frame",
                    tag_times,
                    0.012,
                    "p50 <= 12 ms",
                    f"commit included; not tagged: {failed}; mean time per tag in the methods the tag calls "
                    f"(before or after its frame): {tag_breakdown}",
                )
            )
            rows.append(
                _dist_row(
                    "next key right after a tag -> frame",
                    after_tag,
                    None,
                    note="pays for whatever the tag left queued after its frame (span list, Footer)",
                )
            )
            info["frames"] = probe.frames
            info["bytes_written"] = probe.bytes
            probe.close()
    finally:
        store.close()
    rows.append(
        Row(
            "app: frames written / spans shown",
            f"{info['frames']} frames",
            "-",
            note=f"{info['bytes_written']:,} bytes of escape sequences; {info['spans_shown']} spans in view; {info['rows']} visual rows; article region {info['article_region']}",
        )
    )
    return rows, info


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--tags", type=int, default=100)
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args(argv)
    db = out_dir() / "article.db"
    started = time.perf_counter()
    rows, _ = asyncio.run(run_tui(db, args.presses, args.tags, args.pages))
    print_table(rows, f"Article view at {SIZE[0]}x{SIZE[1]} ({machine_line()}; {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
