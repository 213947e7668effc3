"""A one-line footer of the keys that apply now, drawn as text in one widget.

Textual's Footer builds a widget per key and rebuilds them all whenever the bindings
change, which costs tens of milliseconds: too slow to follow every pick and tag. This
bar reads the same active bindings and renders them as one line; a click on a key runs
its action. Keys are measured in cells, and only the keys that fit whole are drawn:
help and quit first, so a newcomer sees the way in and the way out at any width.
"""

from __future__ import annotations

from collections import defaultdict

from textual import events
from textual.content import Content
from textual.widget import Widget

from annotator.cells import cell_width, clip_cells

_PALETTE_HINT = "  ^p palette"


# Keys that appear only while they apply (a picked span, suggestions on screen): when
# they do, they matter more than the keys always there.
_CONTEXTUAL = frozenset(
    {"delete_span", "edit_note", "propagate", "accept_suggestion", "reject_suggestion", "link_panel", "attribute", "edit_quantity"}
)


def _rank(action: str) -> int:
    """Help, then quit: on a narrow terminal the end of the bar is left out, and "?" is
    the way in, ctrl+q the way out (q tags QUANTITY; newcomers look for a quit key).
    Then the label keys (tagging is the work), the keys of the moment, the rest."""
    if action == "help":
        return 0
    if action in ("quit", "app.quit"):
        return 1
    if action.startswith("tag("):
        return 2
    return 3 if action in _CONTEXTUAL else 4


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
        self._entries: list[tuple[str, str, str, object]] = []  # key, description, action, namespace
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
        # A screen may keep a live key off the bar while it does not apply (suggestion keys).
        listed = getattr(self.screen, "in_key_bar", None)
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and enabled and (listed is None or listed(binding.action)):
                by_action[binding.action].append((node, binding))
        ordered = sorted(by_action.values(), key=lambda entries: _rank(entries[0][1].action))
        entries: list[tuple[str, str, str, object]] = []
        for node, binding in (found[0] for found in ordered):
            # Label names come from a labels file: a long or wide one is cut, by cells.
            key = clip_cells(self.app.get_key_display(binding), 12)
            entries.append((f" {key} ", f"{clip_cells(binding.description, 24)} ", binding.action, node))
        self._entries = entries
        self.refresh()

    def render(self) -> Content:
        """The keys that fit the width whole, in order; a key is never cut in half.

        When they do not all fit, the space after each description goes (the key's own
        background still parts them), so 80 columns hold every label key and quit.
        """
        width = self.size.width
        parts: list[str | tuple[str, str]] = []
        hits: list[tuple[int, int, str, object]] = []
        entries = self._entries
        if sum(cell_width(key) + cell_width(text) for key, text, _, _ in entries) > width:
            entries = [(key, text[:-1], action, node) for key, text, action, node in entries]
        x = 0
        for piece_key, piece_text, action, node in entries:
            end = x + cell_width(piece_key) + cell_width(piece_text)
            if end > width:
                break
            parts.append((piece_key, "bold $footer-key-foreground on $footer-key-background"))
            parts.append(piece_text)
            hits.append((x, end, action, node))
            x = end
        if x + cell_width(_PALETTE_HINT) <= width:
            parts.append((_PALETTE_HINT, "dim"))
        self._hits = hits  # what is drawn is what a click can run
        return Content.assemble(*parts)

    async def on_click(self, event: events.Click) -> None:
        for start, end, action, node in self._hits:
            if start <= event.x < end:
                await self.app.run_action(action, node)  # type: ignore[arg-type]
                return
