"""The review panel: an article's span groups (agreed, partial, disagreement) and their versions.

Each version in gold carries a ★, in the list and in the details, and the details list
the group's gold spans, ▸ marking the one label keys and [ ] { } edit.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.model import Label
from annotator.review import Group
from annotator.text import one_line

STATUS_MARK = {"agreed": ("=", "green"), "partial": ("½", "yellow"), "disagreement": ("≠", "bold red")}


def group_prompt(group: Group, labels: dict[str, Label]) -> Content:
    mark, colour = STATUS_MARK[group.status]
    parts: list[str | tuple[str, str]] = [(f"{mark} ", colour)]
    if group.gold:
        parts.append(("★ ", "bold yellow"))
    elif group.rejected:
        parts.append(("✗ ", "dim"))
    else:
        parts.append(("  ", ""))
    for index, version in enumerate(group.versions):
        if index:
            parts.append((" | ", "dim"))
        label = labels.get(version.label)
        parts.append((one_line(version.label, 10), f"bold {label.color if label else '#abb2bf'}"))
        parts.append(f" {one_line(version.text, 24)}")
        parts.append((f" {len(version.annotators)}", "dim"))
        if group.gold_for(index):
            parts.append(("★", "bold yellow"))
    return Content.assemble(*parts)


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
            Content.assemble(
                ("Review ", "bold"),
                (f"{counts['agreed']} agreed · {counts['partial']} partial · {counts['disagreement']} disagree · {settled}/{len(groups)} settled", "dim"),
                "\n",
                (f"analysts: {', '.join(one_line(c, 16) for c in coders) or 'none'}", "dim"),
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
        parts: list[str | tuple[str, str]] = [(f"{mark} {group.status}", colour), (f"  {group.kind}  {group.start}–{group.end}", "dim")]
        for index, version in enumerate(group.versions):
            label = self._labels.get(version.label)
            parts.extend(
                [
                    "\n",
                    (f" {index + 1} ", "reverse bold"),
                    " ",
                    (one_line(version.label, 12), f"bold {label.color if label else '#abb2bf'}"),
                    f" “{one_line(version.text, 50)}”",
                    (f"\n     {', '.join(one_line(a, 16) for a in version.annotators)}", "dim"),
                ]
            )
            if group.gold_for(index):
                parts.append(("  ★ in gold", "bold yellow"))
        parts.append("\n")
        if group.gold:
            count = len(group.gold)
            parts.extend(["\n", (f"gold: {count} span{'s' if count != 1 else ''}", "bold"), (" · numbers add / remove", "dim")])
            for gold in group.gold:
                marker = "▸ " if gold.uid == editing else "  "
                source = group.version_of(gold)
                if source is None:
                    origin = "  not from a version"
                else:
                    version = group.versions[source]
                    same = (version.start, version.end, version.label) == (gold.start, gold.end, gold.label)
                    origin = f"  from {source + 1}" + ("" if same else ", edited")
                parts.extend(
                    [
                        "\n",
                        (marker, "bold"),
                        ("★ gold ", "bold yellow"),
                        (one_line(gold.label, 12), "bold"),
                        f" “{one_line(gold.text, 50)}”",
                        (origin, "dim"),
                    ]
                )
            hint = "▸ label keys, [ ] { } edit this" + (" · e: the next" if count > 1 else "")
            parts.extend(["\n", (hint, "italic dim")])
        elif group.rejected:
            parts.extend(["\n", ("✗ rejected", "dim")])
        else:
            parts.extend(["\n", ("pending: 1-9 puts a version in gold, x rejects", "italic dim")])
        details.update(Content.assemble(*parts))

    @on(OptionList.OptionHighlighted, "#group-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_list.has_focus and event.option.id is not None:
            self.post_message(self.GroupHighlighted(self, int(event.option.id)))
