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
from annotator.attribution_agreement import AttributionAgreement
from annotator.cells import cell_width, clip_cells, fit
from annotator.store import Store
from annotator.tui.widgets.bars import Piece, Row

BAR_WIDTH = 40


def bar(value: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a cell."""
    value = max(0.0, min(1.0, value))
    eighths = round(value * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("" if rest == 0 else " ▏▎▍▌▋▊▉"[rest])


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def heat(value: float | None) -> str:
    """Red (0) through yellow to green (1) for a heat-map cell."""
    if value is None:
        return "on #3a3f4b"
    low, mid, high = Color.parse("#e06c75"), Color.parse("#e5c07b"), Color.parse("#98c379")
    colour = low.blend(mid, value * 2) if value < 0.5 else mid.blend(high, (value - 0.5) * 2)
    return f"black on {colour.hex}"


class StatsScreen(ModalScreen[None]):
    """Label bars, agreement and the F1 heat map, each row cut to the dialog's width.

    The figures are worked out once; the rows are assembled again for each width the
    dialog gets, so a wide label, analyst or title never wraps and shifts a table.
    """

    # The rows are cut to the body's width: a scrollbar that came and went would change it.
    DEFAULT_CSS = """
    StatsScreen #stats-dialog {
        scrollbar-gutter: stable;
    }
    """

    BINDINGS: list[BindingType] = [Binding("escape,q,S", "dismiss(None)", "Close", id="stats.close")]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self._lines: list[Row | Content] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats-dialog"):
            yield Static(self._render_stats(), id="stats-body")

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        body = self.query_one("#stats-body", Static)
        width = body.content_size.width
        if width > 0:
            body.update(self._render_stats(width))

    def _stats_lines(self) -> list[Row | Content]:
        """Every line of the screen, uncut: a Row for table rows, Content for prose."""
        figures = self.store.stats()
        labels = {label.name: label for label in self.store.labels()}
        gold = figures["gold"]
        # The analysts' spans make the bars; gold is a column of its own, never added in
        # (an adjudicated span is a copy of an analyst's and would count twice).
        lines: list[Row | Content] = [
            Content.styled("Labels (analysts' spans" + ("; gold apart" if gold["spans"] else "") + ")", "bold underline")
        ]
        most = max((row["spans"] for row in figures["by_label"]), default=0)
        count_cells = max((len(str(row["spans"])) for row in figures["by_label"]), default=1)
        for row in figures["by_label"]:
            label = labels.get(row["label"])
            colour = label.color if label else "#abb2bf"
            pieces: list[Piece] = [
                (fit(row["label"], 12) + " ", f"bold {colour}"),
                (fit(bar(row["spans"] / most if most else 0), BAR_WIDTH), colour),
                f" {row['spans']:>{count_cells}}",
            ]
            if gold["spans"]:
                pieces.append((f"   gold {row['gold']}", "bold yellow" if row["gold"] else "dim"))
            lines.append(Row(pieces, pad=False))
        if not figures["by_label"]:
            lines.append(Content.styled("No analysts' spans yet.", "dim"))
        lines.append(Content(""))
        lines.append(
            Row([("Analysts: ", "bold"), f"{_count(figures['spans'], 'span')} in {_count(figures['documents_with_spans'], 'article')}"], pad=False)
        )
        lines.append(
            Row(
                [
                    ("Gold:     ", "bold yellow"),
                    f"{_count(gold['spans'], 'span')} in {_count(gold['documents'], 'article')}",
                    (f" · {gold['adjudicated']} adjudicated", "dim"),
                ],
                pad=False,
            )
        )
        documents, annotators = inputs_from_store(self.store)
        lines.extend([Content(""), Content.styled("Agreement", "bold underline")])
        if len(annotators) < 2:
            lines.append(Content.styled("Agreement needs two analysts with spans.", "dim"))
            return lines
        kind_of = {name: label.kind for name, label in labels.items()}
        report = agreement(documents, annotators, kind_of)
        lines.append(Content.styled("Krippendorff's alpha over token units (see docs/review-and-agreement.md)", "dim"))
        for scope in [report.overall, *report.kinds, *report.labels]:
            alpha = scope.alpha
            lines.append(
                Row(
                    [
                        (fit(scope.name, 12) + " ", "bold"),
                        (bar(max(alpha, 0.0)) if alpha is not None else "-  (undefined: one value throughout)", "cyan"),
                        f" {alpha:.3f}" if alpha is not None else "",
                    ],
                    pad=False,
                )
            )
        lines.extend([Content(""), Content.styled("Pairwise span F1 (exact match)", "bold underline")])
        # Names are cut to 10 cells and centred in 11, whatever their script.
        names = [clip_cells(a, 10) for a in annotators]
        lines.append(Row([" " * 11, *(fit(n, 11, align="center") for n in names)], pad=False))
        for a, name_a in zip(annotators, names):
            cells: list[Piece] = [fit(name_a, 11)]
            for b in annotators:
                if a == b:
                    cells.append(("    —      ", "dim"))
                    continue
                key = (a, b) if (a, b) in report.overall.exact else (b, a)
                f1 = report.overall.exact[key].f1
                cells.append((f" {f1:^9.2f} " if f1 is not None else "    -      ", heat(f1)))
            lines.append(Row(cells, pad=False))
        lines.extend(self._attribution_lines(report.attribution))
        lines.extend(
            [Content(""), Content.styled("Articles with most disagreement (token units the analysts label differently)", "bold underline")]
        )
        # Articles the analysts agree on throughout are no candidates: they are left out.
        disagreeing = [d for d in report.documents if d.disagreements > 0]
        for figures_ in sorted(disagreeing, key=lambda d: -d.disagreements)[:10]:
            lines.append(Row([f"{figures_.disagreements:>5} units  ", figures_.title], flex=1, pad=False))
        if not disagreeing:
            lines.append(Content.styled("none: the analysts label every unit alike", "dim"))
        return lines

    @staticmethod
    def _attribution_lines(figures: dict[tuple[str, str], AttributionAgreement]) -> list[Row | Content]:
        """Attribution agreement per pair: claims both tagged on the same span, then each field."""
        lines: list[Row | Content] = [
            Content(""),
            Content.styled("Attribution agreement (claims both analysts tagged on the same span)", "bold underline"),
            Row([(fit("pair", 22) + " ", "bold"), ("claims  source    cue    form  stance   κ form  κ stance", "bold")], pad=False),
        ]
        for (a, b), pair in figures.items():
            cells: list[Piece] = [fit(f"{clip_cells(a, 10)} ~ {clip_cells(b, 10)}", 22) + " ", f"{pair.matched:>6}"]
            for name in ("source", "cue", "form", "stance"):
                percent = pair.fields[name].percent
                cells.append((f"{percent:>6.0f}%" if percent is not None else "      -", heat(None if percent is None else percent / 100)))
            for name in ("form", "stance"):
                kappa = pair.fields[name].kappa
                cells.append(f"  {kappa:>7.3f}" if kappa is not None else "        -")
            lines.append(Row(cells, pad=False))
        if not any(pair.matched for pair in figures.values()):
            lines.append(Content.styled("No claim tagged on the same span by two analysts yet.", "dim"))
        return lines

    def _render_stats(self, width: int | None = None) -> Content:
        """The screen's text for a dialog `width` cells wide (None: uncut, before layout)."""
        if self._lines is None:
            self._lines = self._stats_lines()
        rendered: list[Content] = []
        for line in self._lines:
            if isinstance(line, Row):
                rendered.append(Content.assemble(*line.fit(width or cell_width(line.plain))))
            else:
                rendered.append(line)
        rendered.extend([Content(""), Content.styled("escape or S closes", "dim")])
        return Content("\n").join(rendered)
