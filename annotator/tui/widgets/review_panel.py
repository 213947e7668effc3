"""The review panel: an article's span groups (agreed, partial, disagreement) and their versions.

Each version in gold carries a ★, in the list and in the details, and the details list
the group's gold spans, ▸ marking the one label keys and [ ] { } edit. Every row is cut
to the panel's width by cells (a CJK or emoji text is as wide as it is drawn), never
wrapped, so the list keeps one row per group.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.cells import cell_width, clip_cells, fit_pieces, share_cells
from annotator.model import Label
from annotator.review import Group
from annotator.tui.widgets.bars import FittedText, Piece, Row

STATUS_MARK = {"agreed": ("=", "green"), "partial": ("½", "yellow"), "disagreement": ("≠", "bold red")}


_TEXT_CELLS = 24
"""Most cells a version's text takes in the list, so several versions share a row."""


@dataclass(frozen=True, eq=False)
class GroupRow:
    """A group as one list row: status, gold mark, then each version's label, text and count.

    The versions' texts share the cells left over after everything else (annotator.cells
    .share_cells); whatever still does not fit is cut at the end.
    """

    group: Group
    labels: dict[str, Label]

    def _pieces(self, texts: list[str]) -> list[Piece]:
        group = self.group
        mark, colour = STATUS_MARK[group.status]
        parts: list[Piece] = [(f"{mark} ", colour)]
        if group.gold:
            parts.append(("★ ", "bold yellow"))
        elif group.rejected:
            parts.append(("✗ ", "dim"))
        else:
            parts.append(("  ", ""))
        for index, (version, text) in enumerate(zip(group.versions, texts)):
            if index:
                parts.append((" | ", "dim"))
            parts.append(_label_piece(version.label, self.labels, 10))
            parts.append(f" {text}")
            parts.append((f" {len(version.annotators)}", "dim"))
            if group.gold_for(index):
                parts.append(("★", "bold yellow"))
        return parts

    def _texts(self) -> list[str]:
        return [clip_cells(version.text, _TEXT_CELLS) for version in self.group.versions]

    @property
    def plain(self) -> str:
        return Row(self._pieces(self._texts())).plain

    def fit(self, width: int) -> list[Piece]:
        texts = self._texts()
        others = cell_width(Row(self._pieces([""] * len(texts))).plain)
        shares = share_cells([cell_width(text) for text in texts], width - others)
        return fit_pieces(self._pieces([clip_cells(text, cells) for text, cells in zip(texts, shares)]), width)


def group_prompt(group: Group, labels: dict[str, Label]) -> FittedText:
    """The group's row in the list, cut to the list's width when drawn."""
    return FittedText(GroupRow(group, labels))


def _label_piece(name: str, labels: dict[str, Label], cells: int = 12) -> Piece:
    label = labels.get(name)
    return (clip_cells(name, cells), f"bold {label.color if label else '#abb2bf'}")


class ReviewPanel(Vertical):
    """Lists groups; the screen shows the highlighted one in the article."""

    class GroupHighlighted(Message):
        def __init__(self, panel: ReviewPanel, index: int) -> None:
            super().__init__()
            self.panel = panel
            self.index = index

        @property
        def control(self) -> ReviewPanel:
            return self.panel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels: dict[str, Label] = {}

    def compose(self) -> ComposeResult:
        yield Static("Groups", id="group-count", classes="panel-title")
        yield OptionList(id="group-list")
        yield Static("", id="group-details")

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = {label.name: label for label in labels}

    def set_groups(self, groups: list[Group], highlighted: int | None, coders: list[str], editing: str | None = None) -> None:
        option_list = self.query_one("#group-list", OptionList)
        option_list.set_options(Option(group_prompt(g, self._labels), id=str(i)) for i, g in enumerate(groups))
        counts = {status: sum(1 for g in groups if g.status == status) for status in STATUS_MARK}
        settled = sum(1 for g in groups if g.settled)
        self.query_one("#group-count", Static).update(
            FittedText(
                Content.assemble(
                    ("Review ", "bold"),
                    (f"{counts['agreed']} agreed · {counts['partial']} partial · {counts['disagreement']} disagree · {settled}/{len(groups)} settled", "dim"),
                ),
                Row([(f"analysts: {', '.join(clip_cells(c, 16) for c in coders) or 'none'}", "dim")]),
            )
        )
        if highlighted is not None and groups:
            option_list.highlighted = min(highlighted, len(groups) - 1)
        self.show_details(groups[highlighted] if highlighted is not None and 0 <= highlighted < len(groups) else None, editing)

    def highlight(self, index: int, group: Group | None, editing: str | None = None) -> None:
        option_list = self.query_one("#group-list", OptionList)
        option_list.highlighted = index
        option_list.scroll_to_highlight()
        self.show_details(group, editing)

    def show_details(self, group: Group | None, editing: str | None = None) -> None:
        """The group's versions (★ when in gold), its gold spans (▸ the edited one) or its state."""
        details = self.query_one("#group-details", Static)
        if group is None:
            details.update(Content("No spans by analysts in this article yet.").stylize("dim"))
            return
        mark, colour = STATUS_MARK[group.status]
        # One row per line, cut to the panel: a long or wide text gives way, its quotes
        # and what follows it (★ in gold, from 2) stay in view.
        rows: list[Row] = [Row([(f"{mark} {group.status}", colour), (f"  {group.kind}  {group.start}–{group.end}", "dim")])]
        for index, version in enumerate(group.versions):
            rows.append(Row([(f" {index + 1} ", "reverse bold"), " ", _label_piece(version.label, self._labels), " “", version.text, "”"], flex=4))
            in_gold: list[Piece] = [("  ★ in gold", "bold yellow")] if group.gold_for(index) else []
            rows.append(Row(["     ", (", ".join(clip_cells(a, 16) for a in version.annotators), "dim"), *in_gold], flex=1))
        rows.append(Row([]))
        if group.gold:
            count = len(group.gold)
            rows.append(Row([(f"gold: {count} span{'s' if count != 1 else ''}", "bold"), (" · numbers add / remove", "dim")]))
            for gold in group.gold:
                marker = "▸ " if gold.uid == editing else "  "
                source = group.version_of(gold)
                if source is None:
                    origin = "  not from a version"
                else:
                    version = group.versions[source]
                    same = (version.start, version.end, version.label) == (gold.start, gold.end, gold.label)
                    origin = f"  from {source + 1}" + ("" if same else ", edited")
                rows.append(
                    Row(
                        [(marker, "bold"), ("★ gold ", "bold yellow"), (clip_cells(gold.label, 12), "bold"), " “", gold.text, "”", (origin, "dim")],
                        flex=4,
                    )
                )
            hint = "▸ label keys, [ ] { } edit this" + (" · e: the next" if count > 1 else "")
            rows.append(Row([(hint, "italic dim")]))
        elif group.rejected:
            rows.append(Row([("✗ rejected", "dim")]))
        else:
            rows.append(Row([("pending: 1-9 puts a version in gold, x rejects", "italic dim")]))
        details.update(FittedText(*rows))

    @on(OptionList.OptionHighlighted, "#group-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_list.has_focus and event.option.id is not None:
            self.post_message(self.GroupHighlighted(self, int(event.option.id)))
