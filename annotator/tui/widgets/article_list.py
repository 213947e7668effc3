"""A virtual option list: holds ids, builds and draws only the rows on screen.

OptionList makes an Option, a Visual and a height for every entry before it draws
anything: 100,000 articles took seconds to appear, and each filter keystroke rebuilt
them all. This list keeps a sequence of document ids; a row is asked of its source
when it scrolls into view (a screenful at a time, so the source can read it with one
query), and every row is exactly one line, so line N is entry N: no line table.

It is an OptionList to everyone who uses one: the same keys, messages, component
classes and CSS, `option_count`, `get_option_at_index`, `highlighted` (its Options are
made on demand, for the few that are asked for).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol, overload

from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size, clamp
from textual.strip import Strip
from textual.visual import Padding, Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from annotator.tui.widgets.bars import FittedText, Line


class RowSource(Protocol):
    """Where the list gets its rows: the screen that knows what an id stands for."""

    def row(self, item: int) -> Line:
        """The row of one id (read it now if need be)."""
        ...

    def prefetch(self, items: Sequence[int]) -> bool:
        """Read these rows in one go before they are drawn; True if every row must be redrawn
        (the columns they share got wider)."""
        ...


class _Options(Sequence[Option]):
    """The list's Options, made when asked for: OptionList's `options`, without 100,000 of them."""

    def __init__(self, owner: ArticleList) -> None:
        self._owner = owner

    def __len__(self) -> int:
        return len(self._owner.ids)

    @overload
    def __getitem__(self, index: int) -> Option: ...

    @overload
    def __getitem__(self, index: slice) -> list[Option]: ...

    def __getitem__(self, index: int | slice) -> Option | list[Option]:
        if isinstance(index, slice):
            return [self._owner.get_option_at_index(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        return self._owner.get_option_at_index(index)


class _Lines(Sequence[tuple[int, int]]):
    """Line y is entry y, its first and only line."""

    def __init__(self, owner: ArticleList) -> None:
        self._owner = owner

    def __len__(self) -> int:
        return len(self._owner.ids)

    def __getitem__(self, y: int) -> tuple[int, int]:  # type: ignore[override]
        if not -len(self) <= y < len(self):
            raise IndexError(y)
        return (y % len(self), 0)


class _Same(Mapping[int, int]):
    """index -> line (the index itself) or index -> height (1), for every entry."""

    def __init__(self, owner: ArticleList, height: int | None) -> None:
        self._owner = owner
        self._height = height

    def __len__(self) -> int:
        return len(self._owner.ids)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self)))

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < len(self):
            raise KeyError(index)
        return index if self._height is None else self._height


class ArticleList(OptionList):
    """An OptionList of ids whose rows come from `source`, one line each, drawn when seen."""

    PREFETCH = 24
    """Rows read beyond the screen in each direction, so a few scroll steps need no query."""

    def __init__(self, source: RowSource, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._source = source
        self._ids: Sequence[int] = ()
        self._index: dict[int, int] | None = None
        # By id, style and width, not by place: rows drawn for one filter are reused by the next.
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._made: LRUCache[int, Option] = LRUCache(256)

    # -- what it holds -------------------------------------------------------------

    @property
    def ids(self) -> Sequence[int]:
        """The ids shown, in order."""
        return self._ids

    @property
    def options(self) -> Sequence[Option]:
        return _Options(self)

    @property
    def option_count(self) -> int:
        return len(self._ids)

    def show(self, ids: Sequence[int], highlighted: int | None = 0) -> None:
        """Show these ids (a list is not copied: do not change it afterwards).

        Rows already drawn are kept: the next keystroke's matches are mostly the same articles."""
        self._ids = ids
        self._index = None
        self._mouse_hovering_over = None
        self.set_reactive(OptionList.highlighted, None)
        self.scroll_to(y=0, animate=False, immediate=True)
        self._update_lines()
        self.refresh()
        if ids and highlighted is not None:
            self.highlighted = clamp(highlighted, 0, len(ids) - 1)

    def redraw(self) -> None:
        """Draw every row again (the source's columns changed)."""
        self._strips.clear()
        self.refresh()

    def index_of(self, item: int) -> int | None:
        """Where an id is shown, or None (an index over the ids is built the first time)."""
        if self._index is None:
            self._index = {value: index for index, value in enumerate(self._ids)}
        return self._index.get(item)

    def get_option_at_index(self, index: int) -> Option:
        if not 0 <= index < len(self._ids):
            raise OptionDoesNotExist(f"There is no option with an index of {index}")
        item = self._ids[index]
        option = self._made.get(item)
        if option is None:
            option = Option(FittedText(self._source.row(item)), id=str(item))
            self._made[item] = option
        return option

    def get_option(self, option_id: str) -> Option:
        return self.get_option_at_index(self.get_option_index(option_id))

    def get_option_index(self, option_id: str) -> int:
        index = self.index_of(int(option_id)) if option_id.lstrip("-").isdigit() else None
        if index is None:
            raise OptionDoesNotExist(f"There is no option with an ID of {option_id!r}")
        return index

    def clear_options(self) -> ArticleList:
        self.show(())
        return self

    def set_options(self, options: object) -> ArticleList:
        raise NotImplementedError("ArticleList shows ids from its source: use show(ids)")

    def add_options(self, new_options: object) -> ArticleList:
        if new_options:  # OptionList's constructor adds its (empty) content
            raise NotImplementedError("ArticleList shows ids from its source: use show(ids)")
        return self

    # -- OptionList's line tables, without tables ----------------------------------

    @property
    def _lines(self) -> Sequence[tuple[int, int]]:
        return _Lines(self)

    @property
    def _heights(self) -> dict[int, int]:
        return _Same(self, 1)  # type: ignore[return-value]

    @property
    def _index_to_line(self) -> dict[int, int]:
        return _Same(self, None)  # type: ignore[return-value]

    def _update_lines(self) -> None:
        if not self.scrollable_content_region:
            return
        virtual_size = Size(self.scrollable_content_region.width, len(self._ids))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def _clear_caches(self) -> None:
        self._strips.clear()
        super()._clear_caches()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._ids)

    # -- drawing -------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._update_lines()
        top = self.scroll_offset.y + crop.y
        first = max(top - self.PREFETCH, 0)
        wanted = self._ids[first : top + crop.height + self.PREFETCH]
        if wanted and self._source.prefetch(wanted):
            self.redraw()  # the rows drawn before this one must follow the new columns too
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self._ids):
            return Strip.blank(width, self.get_visual_style("option-list--option").rich_style)
        component = ""
        if self.highlighted == index:
            component = "option-list--option-highlighted"
        elif self._mouse_hovering_over == index:
            component = "option-list--option-hover"
        style = (
            self.get_visual_style("option-list--option", component)
            if component
            else self.get_visual_style("option-list--option")
        )
        item = self._ids[index]
        key = (item, style, width)
        strip = self._strips.get(key)
        if strip is None:
            visual: Visual = FittedText(self._source.row(item))
            padding = self.get_component_styles("option-list--option").padding
            if padding:
                visual = Padding(visual, padding)
            strips = Visual.to_strips(self, visual, width, None, style)
            line = strips[0] if strips else Strip.blank(width)
            strip = line.extend_cell_length(width, style.rich_style).crop(0, width)
            self._strips[key] = strip
        return strip

    def notify_style_update(self) -> None:
        self._strips.clear()
        super().notify_style_update()

    def _on_resize(self) -> None:
        self._strips.clear()  # OptionList's own handler runs next (Textual calls each class's)

    # -- moving and choosing (every entry is enabled) ----------------------------------

    def validate_highlighted(self, highlighted: int | None) -> int | None:
        if highlighted is None or not self._ids:
            return None
        return clamp(highlighted, 0, len(self._ids) - 1)

    def watch_highlighted(self, highlighted: int | None) -> None:
        if highlighted is None:
            return
        self.scroll_to_highlight()
        self.post_message(self.OptionHighlighted(self, self.get_option_at_index(highlighted), highlighted))

    def _index_at(self, x: int, y: int) -> int | None:
        """The entry at a point of the widget (rows carry no meta, so a drawn row serves any place)."""
        content = self.scrollable_content_region
        left, top = x - self.gutter.left, y - self.gutter.top
        if not (0 <= left < content.width and 0 <= top < content.height):
            return None
        index = self.scroll_offset.y + top
        return index if 0 <= index < len(self._ids) else None

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        event.prevent_default()  # OptionList's handler would read the row's meta, and find none
        self._mouse_hovering_over = self._index_at(event.x, event.y)

    async def _on_click(self, event: events.Click) -> None:
        event.prevent_default()
        clicked = self._index_at(event.x, event.y)
        if clicked is not None:
            self.highlighted = clicked
            self.action_select()

    def action_cursor_up(self) -> None:
        if self._ids:
            self.highlighted = len(self._ids) - 1 if self.highlighted is None else (self.highlighted - 1) % len(self._ids)

    def action_cursor_down(self) -> None:
        if self._ids:
            self.highlighted = 0 if self.highlighted is None else (self.highlighted + 1) % len(self._ids)

    def action_first(self) -> None:
        self.highlighted = 0 if self._ids else None

    def action_last(self) -> None:
        self.highlighted = len(self._ids) - 1 if self._ids else None

    def _move_page(self, direction: int) -> None:  # type: ignore[override]
        if self._ids:
            height = self.scrollable_content_region.height
            self.highlighted = clamp((self.highlighted or 0) + direction * height, 0, len(self._ids) - 1)

    def action_select(self) -> None:
        if self.highlighted is not None and 0 <= self.highlighted < len(self._ids):
            self.post_message(self.OptionSelected(self, self.get_option_at_index(self.highlighted), self.highlighted))
