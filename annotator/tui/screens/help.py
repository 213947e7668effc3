"""Every key, grouped as the analyst meets them, and the label guide."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.cells import fit
from annotator.model import Label
from annotator.tui.widgets.bars import FittedText, Hanging

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Move",
        [
            ("← → ↑ ↓", "character / row"),
            ("ctrl+← ctrl+→", "word"),
            ("home end", "start / end of the screen row (again: stays)"),
            ("page up / page down", "page"),
            ("ctrl+home ctrl+end", "top / bottom of the article"),
            ("/", "jump to text: type to go to the next match; enter stays, escape goes back; down / up: next / previous match; / enter: the last search again"),
            ("f", "hints: type the letters shown on a word to jump there; escape cancels"),
            ("; / ,", "select the next / previous untagged candidate or suggestion (a label key then tags it)"),
        ],
    ),
    (
        "Select",
        [
            ("shift + any move", "extend the selection"),
            ("ctrl+shift+home/end", "select to the top / bottom of the article"),
            ("w", "select the word at the cursor"),
            ("s", "select the sentence at the cursor (closing punctuation and quotes left out)"),
            ("g", "select the quantity, name or word at the cursor; again: the next larger unit"),
            (")", "select the claim from the cursor to the end of its sentence"),
            ("t", "toggle word snapping / character precision"),
            ("mouse drag", "select; click places the cursor"),
            ("escape", "clear the selection and the picked span"),
        ],
    ),
    (
        "Tag",
        [
            ("label key", "tag the selection (or retag the picked span); with neither, tag the name, quantity or claim at the cursor"),
            ("*", "tag every other mention of the picked (or just tagged) span in the article; one undo; near spellings become suggestions"),
            ("enter", "pick the span under the cursor (again: the one around it)"),
            ("tab / shift+tab", "pick the next / previous span"),
            ("click on a span", "pick it"),
            ("[  ]", "grow the start / end edge"),
            ("{  }", "shrink the start / end edge"),
            ("delete / backspace", "delete the picked span"),
            ("e", "edit the picked span's note"),
            ("u / ctrl+z", "undo (survives a restart)"),
            ("U / ctrl+y", "redo"),
        ],
    ),
    (
        "Suggestions (dim, dotted: not saved until accepted)",
        [
            ("y", "accept the suggestion at the cursor: it becomes your span"),
            ("Y", "accept every suggestion with that label in the article (one undo)"),
            ("x", "reject the suggestion at the cursor (for this article, this session)"),
            ("ctrl+p", "\"propagate to the corpus\": the picked span's text in every article, after a confirmation"),
        ],
    ),
    (
        "Entities, attribution, quantities",
        [
            ("L", "link the picked name: its top candidates; 1-5 / enter link, n makes a new entity from it"),
            ("=", "link the picked name to the top candidate (or a new entity when none is close)"),
            ("E", "entities: filter by name or label; rename r, details i, merge m, mark space + split s; enter opens a mention"),
            ("A", "attribute the picked claim: source, cue, form and stance read from the text (one undo)"),
            ("ctrl+a", "edit the picked claim's attribution: source, cue (the selection), form f, stance t, disputes d"),
            ("B", "group the claims by source above the span list (again: hide)"),
            ("#", "edit the picked quantity's value (a resize keeps it from then on)"),
            ("Q", "quantities of the corpus grouped by what they count; enter opens one"),
        ],
    ),
    (
        "Articles and app",
        [
            ("n / b", "next / previous article"),
            ("a", "list of all articles with everyone's progress, type to filter"),
            ("ctrl+f", "search every article and span; enter opens the match"),
            ("D", "mark this article done (or not done)"),
            ("v", "show your spans / another analyst's (read-only) / everyone's"),
            ("ctrl+r", "reload: see what other analysts saved meanwhile"),
            ("r", "review: compare analysts and adjudicate the gold set"),
            ("S", "statistics: label bars, agreement, attribution agreement, F1 heat map"),
            ("f2", "move between the article and the span list"),
            ("ctrl+p", "command palette: labels, articles, actions"),
            ("? / f1", "this help"),
            ("ctrl+s", "retry saving, after a write failed (the actions wait, in order)"),
            ("ctrl+q", "quit (q tags QUANTITY), once what is saving is saved"),
            ("ctrl+c", "says how to tag and how to quit"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    """Every key and the label guide in columns measured in cells; a description wraps
    under itself, so a wide label name or a narrow terminal never breaks the columns."""

    DEFAULT_CSS = """
    HelpScreen #help-dialog {
        max-width: 100%;
    }
    """

    BINDINGS: list[BindingType] = [
        Binding("escape,q,question_mark,f1", "dismiss(None)", "Close", id="help.close"),
    ]

    def __init__(self, labels: list[Label]) -> None:
        super().__init__()
        self.labels = labels

    def compose(self) -> ComposeResult:
        lines: list[Hanging | Content] = [
            Content.styled("annotator — keys", "bold"),
            Content.styled("First span: w selects a word, then a label key tags it. ctrl+q quits.", "dim"),
        ]
        for group, keys in KEYS:
            lines.extend([Content(""), Content.styled(group, "bold underline")])
            for key, what in keys:
                lines.append(Hanging([("  " + fit(key, 22), "bold")], what))
        lines.extend([Content(""), Content.styled("Labels", "bold underline")])
        for label in self.labels:
            # A label's name and key come from a labels file: any script, any width.
            lines.append(
                Hanging(
                    [
                        ("  " + fit(label.key or "·", 3), "bold"),
                        (fit(label.name, 14) + " ", f"bold {label.color}"),
                        (fit(label.kind, 9), "dim"),
                    ],
                    label.description,
                )
            )
        lines.extend(
            [
                Content(""),
                Content.styled("Every change is committed to the database before the status bar says saved.", "dim"),
                Content.styled("escape closes this help.", "dim"),
            ]
        )
        with VerticalScroll(id="help-dialog"):
            yield Static(FittedText(*lines))
