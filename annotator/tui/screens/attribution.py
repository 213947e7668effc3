"""Editing a claim's attribution: source (a name in the article or free text), cue, form,
stance and the claim it disputes; saved as one change (one undo)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.cells import clip_cells
from annotator.model import Span
from annotator.session.knowledge import FORMS, STANCES, cycled, source_name
from annotator.text import one_line


class AttributionEditor(ModalScreen[dict[str, Any] | None]):
    """↑↓ + enter: the source among the article's names; ctrl+t types one; c takes the
    selection as cue; f / t cycle form / stance; d cycles the disputed claim; ctrl+s saves."""

    BINDINGS: list[BindingType] = [
        Binding("f", "cycle_form", "Form", id="attribution.form"),
        Binding("t", "cycle_stance", "Stance", id="attribution.stance"),
        Binding("c", "cue", "Cue = selection", id="attribution.cue"),
        Binding("d", "cycle_disputes", "Disputes", id="attribution.disputes"),
        Binding("ctrl+t", "type_source", "Type source", id="attribution.type_source"),
        Binding("ctrl+s", "save", "Save", id="attribution.save"),
        Binding("escape", "cancel", "Cancel", id="attribution.cancel"),
    ]

    def __init__(self, claim: Span, spans: dict[str, Span], kinds: dict[str, str], text: str,
                 selection: tuple[int, int] | None) -> None:
        super().__init__()
        self.claim = claim
        self.spans = spans
        self.text = text
        self.selection = selection
        self.attrs: dict[str, Any] = {key: claim.attrs.get(key) for key in ("source", "cue", "form", "stance", "disputes")}
        # Names nearest the claim first: the source is usually in the same sentence.
        self.names = sorted(
            (s for s in spans.values() if s.label in ("PERSON", "ORG") or (kinds.get(s.label) == "entity" and s.label != "PLACE")),
            key=lambda s: min(abs(s.start - claim.start), abs(s.end - claim.end)),
        )
        self.claims = [s for s in sorted(spans.values(), key=lambda s: s.start) if kinds.get(s.label) == "claim" and s.uid != claim.uid]

    def compose(self) -> ComposeResult:
        with Vertical(id="attribution-dialog"):
            yield Static(Content.assemble(("Attribution of ", "bold"), clip_cells(one_line(self.claim.text, 60), 60)), classes="dialog-title")
            yield Static("", id="attribution-state")
            yield OptionList(
                *[Option(Content.assemble(clip_cells(one_line(s.text, 50), 50), (f"  {s.label}", "dim")), id=s.uid) for s in self.names],
                id="attribution-sources",
            )
            yield Input(placeholder="source as free text (enter sets it)", id="attribution-text")
            yield Static(Content("↑↓ enter source · ctrl+t type one · c cue = selection · f form · t stance · d disputes · ctrl+s save · escape cancel").stylize("dim"))

    def on_mount(self) -> None:
        self.query_one("#attribution-text", Input).display = False
        self.query_one("#attribution-sources", OptionList).focus()
        self._show()

    def _show(self) -> None:
        cue = self.attrs.get("cue")
        disputes = self.attrs.get("disputes")
        disputed = self.spans.get(disputes) if isinstance(disputes, str) else None
        probe = Span(self.claim.uid, self.claim.document_id, self.claim.start, self.claim.end, self.claim.label,
                     self.claim.annotator, self.claim.text, attrs={"source": self.attrs.get("source")})
        rows: list[str | tuple[str, str]] = [
            ("source: ", "dim"), clip_cells(source_name(probe, self.spans) or "none", 60),
            "\n", ("cue: ", "dim"), clip_cells(one_line(cue["text"], 40) if isinstance(cue, dict) else "none", 40),
            "\n", ("form: ", "dim"), str(self.attrs.get("form") or "none"),
            ("   stance: ", "dim"), str(self.attrs.get("stance") or "none"),
            "\n", ("disputes: ", "dim"), clip_cells(one_line(disputed.text, 50) if disputed else "none", 50),
        ]
        self.query_one("#attribution-state", Static).update(Content.assemble(*rows))

    @on(OptionList.OptionSelected, "#attribution-sources")
    def _source_chosen(self, event: OptionList.OptionSelected) -> None:
        self.attrs["source"] = {"span": event.option.id}
        self._show()

    def action_type_source(self) -> None:
        field = self.query_one("#attribution-text", Input)
        field.display = True
        field.focus()

    @on(Input.Submitted, "#attribution-text")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.attrs["source"] = {"text": " ".join(event.value.split())}
        event.input.display = False
        self.query_one("#attribution-sources", OptionList).focus()
        self._show()

    def action_cycle_form(self) -> None:
        self.attrs["form"] = cycled(self.attrs.get("form"), FORMS)
        self._show()

    def action_cycle_stance(self) -> None:
        self.attrs["stance"] = cycled(self.attrs.get("stance"), STANCES)
        self._show()

    def action_cue(self) -> None:
        if self.selection is None:
            self.notify("Select the cue words in the article first (w, shift+arrows), then ctrl+a", timeout=4)
            return
        start, end = self.selection
        self.attrs["cue"] = {"start": start, "end": end, "text": self.text[start:end]}
        self._show()

    def action_cycle_disputes(self) -> None:
        order: list[str | None] = [None, *[s.uid for s in self.claims]]
        current = self.attrs.get("disputes")
        self.attrs["disputes"] = order[(order.index(current) + 1) % len(order)] if current in order else order[min(1, len(order) - 1)]
        self._show()

    def action_cancel(self) -> None:
        field = self.query_one("#attribution-text", Input)
        if field.display:
            field.display = False
            self.query_one("#attribution-sources", OptionList).focus()
            return
        self.dismiss(None)

    def action_save(self) -> None:
        changes = {key: value for key, value in self.attrs.items() if value != self.claim.attrs.get(key)}
        self.dismiss(changes)
