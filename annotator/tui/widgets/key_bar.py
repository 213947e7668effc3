"""A one-line footer of the keys that apply now, drawn as text in one widget.

Textual's Footer builds a widget per key and rebuilds them all whenever the bindings
change, which costs tens of milliseconds: too slow to follow every pick and tag. This
bar reads the same active bindings and renders them as one line; a click on a key runs
its action.
"""

from __future__ import annotations

from collections import defaultdict

from textual import events
from textual.content import Content
from textual.widget import Widget


class KeyBar(Widget):
    """Key and description pairs of the screen's active, shown bindings."""

    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._hits: list[tuple[int, int, str, object]] = []  # x range, action, namespace

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: object) -> None:
        if not self.is_attached or self.screen is not screen or not self.screen.is_active:
            return
        by_action: defaultdict[str, list] = defaultdict(list)
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and enabled:
                by_action[binding.action].append((node, binding))
        parts: list[str | tuple[str, str]] = []
        hits: list[tuple[int, int, str, object]] = []
        x = 0
        # Help first: on a narrow terminal the end of the bar is cut off, and "?" is the way in.
        ordered = sorted(by_action.values(), key=lambda entries: entries[0][1].action != "help")
        for entries in ordered:
            node, binding = entries[0]
            key = self.app.get_key_display(binding)
            piece_key = f" {key} "
            piece_text = f"{binding.description} "
            parts.append((piece_key, "bold $footer-key-foreground on $footer-key-background"))
            parts.append(piece_text)
            width = len(piece_key) + len(piece_text)
            hits.append((x, x + width, binding.action, node))
            x += width
        parts.append(("  ^p palette", "dim"))
        self._content = Content.assemble(*parts)
        self._hits = hits
        self.refresh()

    def render(self) -> Content:
        return self._content

    async def on_click(self, event: events.Click) -> None:
        for start, end, action, node in self._hits:
            if start <= event.x < end:
                await self.app.run_action(action, node)  # type: ignore[arg-type]
                return
