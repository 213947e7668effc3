"""The review panel: an article's span groups (agreed, partial, disagreement) and their versions.

Each version in gold carries a ★, in the list and in the details, and the details list
the group's gold spans, ▸ marking the one label keys and [ ] { } edit. A group is one
list entry with a row per version; every row is cut to the panel's width by cells (a CJK
or emoji text is as wide as it is drawn), never wrapped. A version's analysts are counted as "×2"
(a bare 2 read like the key that accepts version 2), and versions whose cut texts would
read the same show where they differ (annotator.review.distinct_cuts). The details wrap
each version's whole text under its number, with its offsets and analysts below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.cells import cell_width, clip_cells, fit_pieces
from annotator.model import Label
from annotator.review import KNOWLEDGE_FIELDS, Group, distinct_cuts, holders
from annotator.tui.widgets.bars import FittedText, Hanging, Piece, Row

STATUS_MARK = {"agreed": ("=", "green"), "partial": ("½", "yellow"), "disagreement": ("≠", "bold red")}


@dataclass(frozen=True, eq=False)
class VersionRow:
    """One version of a group as one list row: its key, label, text and how many analysts hold it.

    A group is one entry of the list with a row per version, the first row led by the
    group's status and gold marks: side by side on one row, three versions left a 32-cell
    panel no room for any text. Each row gives its text the cells left over, and texts
    that would be cut the same are cut where they differ (annotator.review.distinct_cuts).
    """

    group: Group
    index: int
    labels: dict[str, Label]
    entity_name: Callable[[str], str] = str

    def _pieces(self, index: int, text: str) -> list[Piece]:
        group = self.group
        version = group.versions[index]
        parts: list[Piece]
        if index == 0:
            mark, colour = STATUS_MARK[group.status]
            parts = [(f"{mark} ", colour)]
            if group.gold:
                parts.append(("★ ", "bold yellow"))
            elif group.rejected:
                parts.append(("✗ ", "dim"))
            else:
                parts.append("  ")
        else:
            parts = ["    "]
        parts.extend([(f"{index + 1}", "bold reverse"), " ", _label_piece(version.label, self.labels, 10), f" {text}"])
        parts.append((f" {holders(version)}", "dim"))
        # Same words, other attribution or entity: the first field they differ on tells the rows apart.
        differing = [name for name in KNOWLEDGE_FIELDS if name in group.differing()]
        if differing:
            value = version.facts.get(differing[0])
            shown = "—" if value is None else (self.entity_name(value) if differing[0] == "entity" else value)
            parts.append((f" ≠{differing[0]}: {clip_cells(shown, 14)}", "red"))
        if group.gold_for(index):
            parts.append(("★", "bold yellow"))
        return parts

    @property
    def plain(self) -> str:
        return Row(self._pieces(self.index, self.group.versions[self.index].text)).plain

    def fit(self, width: int) -> list[Piece]:
        versions = self.group.versions
        room = [width - cell_width(Row(self._pieces(i, "")).plain) for i in range(len(versions))]
        text = distinct_cuts([v.text for v in versions], room)[self.index]
        return fit_pieces(self._pieces(self.index, text), width)


def group_prompt(group: Group, labels: dict[str, Label], entity_name: Callable[[str], str] = str) -> FittedText:
    """The group's entry in the list, a row per version, cut to the list's width when drawn."""
    return FittedText(*(VersionRow(group, index, labels, entity_name) for index in range(len(group.versions))))


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
        self.entity_name: Callable[[str], str] = lambda uid: uid
        """An entity's name for a linked version (the screen asks the session)."""

    def compose(self) -> ComposeResult:
        yield Static("Groups", id="group-count", classes="panel-title")
        yield OptionList(id="group-list")
        yield Static("", id="group-details")

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = {label.name: label for label in labels}

    def set_groups(self, groups: list[Group], highlighted: int | None, coders: list[str], editing: str | None = None) -> None:
        option_list = self.query_one("#group-list", OptionList)
        option_list.set_options(Option(group_prompt(g, self._labels, self.entity_name), id=str(i)) for i, g in enumerate(groups))
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
        rows: list[Row | Hanging] = [Row([(f"{mark} {group.status}", colour), (f"  {group.kind}  {group.start}–{group.end}", "dim")])]
        differing = group.differing()
        if differing:
            names = ", ".join(name for name in KNOWLEDGE_FIELDS if name in differing)
            rows.append(Row([("≠ ", "bold red"), (f"versions differ in: {names}", "bold")]))
        for index, version in enumerate(group.versions):
            # The whole text, wrapped under its number: cut, two versions could read the same.
            rows.append(
                Hanging(
                    [(f" {index + 1} ", "reverse bold"), " ", _label_piece(version.label, self._labels), " "],
                    f"“{version.text}”",
                    narrowest=10,
                )
            )
            in_gold: list[Piece] = [("  ★ in gold", "bold yellow")] if group.gold_for(index) else []
            names = ", ".join(clip_cells(a, 16) for a in version.annotators)
            # Who holds it and whether it is in gold come first; the offsets give way on a narrow panel.
            rows.append(
                Row(
                    ["     ", (f"{holders(version)} ", "dim"), (names, "dim"), *in_gold, (f" · {version.start}–{version.end}", "dim")],
                    flex=2,
                )
            )
            rows.extend(self._knowledge_rows(version.facts, differing))
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
            rows.append(Row([("pending: 1-9 puts a version in gold and moves on, x rejects", "italic dim")]))
        details.update(FittedText(*rows))

    def _knowledge_rows(self, facts: dict[str, str], differing: set[str]) -> list[Hanging]:
        """A version's entity link and attribution, one field a row; a field the versions differ on is marked ≠."""
        rows: list[Hanging] = []
        for name in KNOWLEDGE_FIELDS:
            if name not in facts and name not in differing:
                continue
            value = facts.get(name)
            shown = "—" if value is None else (self.entity_name(value) if name == "entity" else value)
            mark: Piece = ("≠ ", "bold red") if name in differing else "  "
            # Article text, shown literally (a Hanging's text is never read as markup).
            rows.append(Hanging(["     ", mark, (f"{name}: ", "bold" if name in differing else "dim")], shown, narrowest=10))
        return rows

    @on(OptionList.OptionHighlighted, "#group-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_list.has_focus and event.option.id is not None:
            self.post_message(self.GroupHighlighted(self, int(event.option.id)))
