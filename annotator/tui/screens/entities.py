"""The entity registry: filter by name or label; one entity's names, details and mentions;
rename, details, merge and split. Reads run in workers; writes go through the app's writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.cells import clip_cells
from annotator.session.knowledge import EntityEdits, entity_summary, parse_entity_filter
from annotator.session.writer import Outcome
from annotator.store import Store
from annotator.store.entities import Entity, Mention
from annotator.text import one_line


class EntitiesScreen(Screen[tuple[int, int] | None]):
    """Entities on the left, the highlighted one's details and mentions on the right."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "back", "Back", id="entities.back"),
        Binding("r", "rename", "Rename", id="entities.rename"),
        Binding("i", "details", "Details", id="entities.details"),
        Binding("m", "merge", "Merge into…", id="entities.merge"),
        Binding("space", "mark", "Mark mention", show=False, id="entities.mark"),
        Binding("s", "split", "Split marked", id="entities.split"),
        Binding("slash", "focus_filter", "Filter", id="entities.filter"),
    ]

    def __init__(self, store: Store, annotator: str, labels: list[str], merge_from: Entity | None = None) -> None:
        super().__init__()
        self.store = store
        self.path = store.path
        self.labels = labels
        self.session = EntityEdits(store, None, annotator)  # the app's writer, set on mount
        self.entities: list[Entity] = []
        self.current: Entity | None = None
        self.mentions: list[Mention] = []
        self.marked: set[str] = set()
        self.merge_from = merge_from  # set while choosing the entity to merge into

    def compose(self) -> ComposeResult:
        title = "Merge into: pick the entity (enter)" if self.merge_from else "Entities"
        yield Static(Content(title), classes="panel-title", id="entities-title")
        yield Input(placeholder="filter: name or alias; a label first narrows (ORG gk)", id="entity-filter")
        with Horizontal(id="entities-body"):
            yield OptionList(id="entity-list")
            with Vertical(id="entity-side"):
                yield Static("", id="entity-details")
                yield OptionList(id="entity-mentions")
        keys = "enter pick · escape back" if self.merge_from else (
            "/ filter · r rename · i details · m merge · space mark · s split · enter on a mention opens it · escape back"
        )
        yield Static(Content(keys).stylize("dim"), id="entities-keys")

    def on_mount(self) -> None:
        self.session.writer = getattr(self.app, "writer", None)
        self.query_one("#entity-list", OptionList).focus()
        self._load("")

    # -- reading, in workers ---------------------------------------------------------

    @work(thread=True, exclusive=True, group="entities", exit_on_error=False)
    def _load(self, text: str) -> None:
        label, query = parse_entity_filter(text, self.labels)
        if self.merge_from is not None:
            label = self.merge_from.label
        with Store.open(self.path, create=False, read_only=True) as store:
            found = store.entities(label=label, query=query or None)
        if self.merge_from is not None:
            found = [e for e in found if e.uid != self.merge_from.uid]
        self.app.call_from_thread(self._show_entities, found)

    def _show_entities(self, found: list[Entity]) -> None:
        self.entities = found
        listing = self.query_one("#entity-list", OptionList)
        keep = self.current.uid if self.current else None
        listing.clear_options()
        listing.add_options([Option(Content(clip_cells(entity_summary(e), 70)), id=e.uid) for e in found])
        if not found:
            listing.add_option(Option(Content("No entity: link a mention with L or = first").stylize("dim"), disabled=True))
            self._show_entity(None)
            return
        index = next((n for n, e in enumerate(found) if e.uid == keep), 0)
        listing.highlighted = index
        self._show_entity(found[index])

    def _show_entity(self, entity: Entity | None) -> None:
        self.current = entity
        self.marked = set()
        details = self.query_one("#entity-details", Static)
        if entity is None:
            details.update(Content(""))
            self.query_one("#entity-mentions", OptionList).clear_options()
            return
        parts: list[str | tuple[str, str]] = [
            (clip_cells(one_line(entity.name, 60), 60), "bold"), (f"  {entity.label}", "dim"),
            "\n", ("aliases: ", "dim"), clip_cells(", ".join(entity.aliases) or "none", 200),
            "\n", ("external id: ", "dim"), clip_cells(entity.external_id or "none", 60),
            "\n", ("note: ", "dim"), clip_cells(one_line(entity.note, 200) or "none", 200),
        ]
        details.update(Content.assemble(*parts))
        if self.merge_from is None:
            self._load_mentions(entity.uid)

    @work(thread=True, exclusive=True, group="entity-mentions", exit_on_error=False)
    def _load_mentions(self, uid: str) -> None:
        with Store.open(self.path, create=False, read_only=True) as store:
            found = store.mentions_of(uid)
        self.app.call_from_thread(self._show_mentions, uid, found)

    def _show_mentions(self, uid: str, found: list[Mention]) -> None:
        if self.current is None or self.current.uid != uid:
            return
        self.mentions = found
        self._draw_mentions()

    def _draw_mentions(self) -> None:
        listing = self.query_one("#entity-mentions", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options([
            Option(Content.assemble(
                ("● " if m.span_uid in self.marked else "  ", "bold"),
                clip_cells(one_line(m.text, 40), 40), ("  ", "dim"),
                (clip_cells(one_line(m.document_title, 40), 40) + f" · {m.annotator}", "dim"),
            ), id=m.span_uid)
            for m in self.mentions
        ])
        if self.mentions:
            listing.highlighted = min(highlighted or 0, len(self.mentions) - 1)

    # -- events ----------------------------------------------------------------------

    @on(Input.Changed, "#entity-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._load(event.value)

    @on(Input.Submitted, "#entity-filter")
    def _filter_done(self) -> None:
        self.query_one("#entity-list", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#entity-list")
    def _entity_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entity = next((e for e in self.entities if e.uid == event.option.id), None)
        if entity is not None and (self.current is None or entity.uid != self.current.uid):
            self._show_entity(entity)

    @on(OptionList.OptionSelected, "#entity-list")
    def _entity_chosen(self, event: OptionList.OptionSelected) -> None:
        entity = next((e for e in self.entities if e.uid == event.option.id), None)
        if entity is None:
            return
        if self.merge_from is not None:
            self._merge_chosen(entity)
            return
        self.query_one("#entity-mentions", OptionList).focus()

    @on(OptionList.OptionSelected, "#entity-mentions")
    def _mention_chosen(self, event: OptionList.OptionSelected) -> None:
        mention = next((m for m in self.mentions if m.span_uid == event.option.id), None)
        if mention is not None:
            self.dismiss((mention.document_id, mention.start))

    # -- actions ---------------------------------------------------------------------

    def action_back(self) -> None:
        if self.query_one("#entity-mentions", OptionList).has_focus:
            self.query_one("#entity-list", OptionList).focus()
            return
        self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#entity-filter", Input).focus()

    def _say(self, refused: Any) -> None:
        if refused is not None:
            self.notify(refused.message, timeout=4, markup=False)
        else:
            self.notify("saving…", timeout=1)

    def action_rename(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        entity = self.current
        if entity is None or self.merge_from is not None:
            return

        def answer(values: list[str] | None) -> None:
            if values:
                self._say(self.session.rename(entity.uid, values[0]))

        self.app.push_screen(PromptScreen(f"Rename {one_line(entity.name, 40)}", [("name", entity.name)]), answer)

    def action_details(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        entity = self.current
        if entity is None or self.merge_from is not None:
            return

        def answer(values: list[str] | None) -> None:
            if values:
                self._say(self.session.details(entity.uid, values[0], values[1]))

        fields = [("external id (e.g. a Wikidata QID)", entity.external_id or ""), ("note", entity.note)]
        self.app.push_screen(PromptScreen(f"Details of {one_line(entity.name, 40)}", fields), answer)

    def action_merge(self) -> None:
        entity = self.current
        if entity is None or self.merge_from is not None:
            return

        def chosen(target: Any) -> None:
            if isinstance(target, tuple) and target[0] == "merge":
                self._say(self.session.merge(entity.uid, target[1], target[2]))

        screen = EntitiesScreen(self.store, self.session.annotator, self.labels, merge_from=entity)
        self.app.push_screen(screen, chosen)  # type: ignore[arg-type]

    def _merge_chosen(self, target: Entity) -> None:
        self.dismiss(("merge", target.uid, target.name))  # type: ignore[arg-type]

    def action_mark(self) -> None:
        listing = self.query_one("#entity-mentions", OptionList)
        if listing.highlighted is None or not self.mentions:
            return
        uid = self.mentions[listing.highlighted].span_uid
        self.marked.symmetric_difference_update({uid})
        self._draw_mentions()

    def action_split(self) -> None:
        from annotator.tui.screens.prompt import PromptScreen

        entity = self.current
        if entity is None or self.merge_from is not None:
            return
        if not self.marked:
            self.notify("Mark the mentions to move first: space on each in the mentions list", timeout=4)
            return
        marked = [m.span_uid for m in self.mentions if m.span_uid in self.marked]

        def answer(values: list[str] | None) -> None:
            if values:
                self._say(self.session.split(entity.uid, marked, values[0]))

        self.app.push_screen(PromptScreen(f"Split {len(marked)} mention(s) off {one_line(entity.name, 40)}: new name", [("name", entity.name)]), answer)

    def write_settled(self, outcome: Outcome) -> None:
        """A rename, merge or split came back: say so and read the registry again."""
        if outcome.error is not None:
            self.notify(f"Not saved: {outcome.error}", timeout=5, markup=False)
        else:
            self.notify(f"saved: {outcome.job.what}", timeout=3, markup=False)
        self._load(self.query_one("#entity-filter", Input).value)
