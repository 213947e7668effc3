"""Label distribution and agreement as bars and a heat map, for the reviewer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.agreement import agreement, inputs_from_store
from annotator.store import Store
from annotator.text import one_line

BAR_WIDTH = 40


def bar(value: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a cell."""
    value = max(0.0, min(1.0, value))
    eighths = round(value * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("" if rest == 0 else " ▏▎▍▌▋▊▉"[rest])


def heat(value: float | None) -> str:
    """Red (0) through yellow to green (1) for a heat-map cell."""
    if value is None:
        return "on #3a3f4b"
    low, mid, high = Color.parse("#e06c75"), Color.parse("#e5c07b"), Color.parse("#98c379")
    colour = low.blend(mid, value * 2) if value < 0.5 else mid.blend(high, (value - 0.5) * 2)
    return f"black on {colour.hex}"


class StatsScreen(ModalScreen[None]):
    BINDINGS: list[BindingType] = [Binding("escape,q,S", "dismiss(None)", "Close", id="stats.close")]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats-dialog"):
            yield Static(self._render_stats())

    def _render_stats(self) -> Content:
        figures = self.store.stats()
        labels = {label.name: label for label in self.store.labels()}
        parts: list[str | tuple[str, str]] = [("Labels", "bold underline"), "\n"]
        most = max((row["spans"] for row in figures["by_label"]), default=0)
        for row in figures["by_label"]:
            label = labels.get(row["label"])
            colour = label.color if label else "#abb2bf"
            parts.extend(
                [
                    (f"{one_line(row['label'], 12):<13}", f"bold {colour}"),
                    (bar(row["spans"] / most if most else 0), colour),
                    f" {row['spans']}\n",
                ]
            )
        if not figures["by_label"]:
            parts.append(("No spans yet.\n", "dim"))
        documents, annotators = inputs_from_store(self.store)
        parts.extend(["\n", ("Agreement", "bold underline"), "\n"])
        if len(annotators) < 2:
            parts.append(("Agreement needs two analysts with spans.\n", "dim"))
            return Content.assemble(*parts)
        kind_of = {name: label.kind for name, label in labels.items()}
        report = agreement(documents, annotators, kind_of)
        parts.append(("Krippendorff's alpha over token units (see README)\n", "dim"))
        for scope in [report.overall, *report.kinds, *report.labels]:
            alpha = scope.alpha
            parts.extend(
                [
                    (f"{one_line(scope.name, 12):<13}", "bold"),
                    (bar(max(alpha, 0.0)) if alpha is not None else "-  (undefined: one value throughout)", "cyan"),
                    f" {alpha:.3f}\n" if alpha is not None else "\n",
                ]
            )
        parts.extend(["\n", ("Pairwise span F1 (exact match)", "bold underline"), "\n"])
        names = [one_line(a, 10) for a in annotators]
        parts.append(f"{'':<11}" + "".join(f"{n:^11}" for n in names) + "\n")
        for a, name_a in zip(annotators, names):
            parts.append(f"{name_a:<11}")
            for b in annotators:
                if a == b:
                    parts.append(("    —      ", "dim"))
                    continue
                key = (a, b) if (a, b) in report.overall.exact else (b, a)
                f1 = report.overall.exact[key].f1
                parts.append((f" {f1:^9.2f} " if f1 is not None else "    -      ", heat(f1)))
            parts.append("\n")
        parts.extend(["\n", ("Articles with most disagreement (token units the analysts label differently)", "bold underline"), "\n"])
        for figures_ in sorted(report.documents, key=lambda d: -d.disagreements)[:10]:
            parts.append(f"{figures_.disagreements:>5} units  {one_line(figures_.title, 70)}\n")
        parts.append(("\nescape or S closes", "dim"))
        return Content.assemble(*parts)
