"""Editing a quantity's value by hand: the fields the parser fills, typed over."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from annotator.cells import clip_cells
from annotator.model import Span
from annotator.session.knowledge import quantity_of
from annotator.text import one_line

FIELDS = (("value", "value"), ("low", "low"), ("high", "high"), ("bound", "bound (>= > <= <)"), ("unit", "unit"),
          ("currency", "currency (ISO code)"), ("counts", "counted noun"), ("per", "per"))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class QuantityForm(ModalScreen[dict[str, str] | None]):
    """ctrl+s saves (the value is then kept through resizes), escape cancels."""

    BINDINGS: list[BindingType] = [
        Binding("ctrl+s", "save", "Save value", id="quantity.save"),
        Binding("escape", "dismiss(None)", "Cancel", id="quantity.cancel"),
    ]

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span

    def compose(self) -> ComposeResult:
        quantity = quantity_of(self.span)
        with Vertical(id="quantity-dialog"):
            yield Static(Content.assemble(("Value of ", "bold"), clip_cells(one_line(self.span.text, 60), 60)), classes="dialog-title")
            for name, title in FIELDS:
                yield Input(_shown(getattr(quantity, name, None)) if quantity else "", placeholder=title, id=f"quantity-{name}")
            yield Static(Content("tab next field · ctrl+s save · escape cancel").stylize("dim"))

    def on_mount(self) -> None:
        self.query_one("#quantity-value", Input).focus()

    def action_save(self) -> None:
        self.dismiss({name: self.query_one(f"#quantity-{name}", Input).value for name, _ in FIELDS})

    def on_input_submitted(self) -> None:
        self.action_save()
