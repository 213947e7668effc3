"""Plain records passed between the store, importers, exporters and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["claim", "entity", "quantity"]
KINDS: tuple[Kind, ...] = ("claim", "entity", "quantity")


@dataclass(frozen=True)
class Label:
    name: str
    kind: Kind
    key: str
    color: str
    description: str = ""


@dataclass(frozen=True)
class Document:
    id: int
    key: str
    title: str
    text: str
    sha256: str
    meta: dict[str, Any] = field(default_factory=dict)
    position: int = 0


@dataclass(frozen=True)
class DocumentSummary:
    """A row of the article list: no text, so listing a large corpus stays cheap."""

    id: int
    key: str
    title: str
    position: int
    length: int
    span_count: int


@dataclass(frozen=True)
class Span:
    uid: str
    document_id: int
    start: int
    end: int
    label: str
    annotator: str
    text: str
    note: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    id: int = 0

    @property
    def length(self) -> int:
        return self.end - self.start

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end


@dataclass(frozen=True)
class NewSpan:
    """A span as an importer reads it, before it has an identity in a database."""

    start: int
    end: int
    label: str
    annotator: str
    note: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    uid: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


ENTITY_FIELDS = ("uid", "name", "label", "external_id", "note", "merged_into", "created_by", "created_at", "updated_at")


@dataclass(frozen=True)
class Entity:
    """A canonical entity: one row of the registry with its aliases (sorted)."""

    uid: str
    name: str
    label: str
    external_id: str | None
    note: str
    merged_into: str | None
    created_by: str
    created_at: str
    updated_at: str
    aliases: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The state entity_actions and exports keep: every field, aliases as a list."""
        data: dict[str, Any] = {name: getattr(self, name) for name in ENTITY_FIELDS}
        data["aliases"] = list(self.aliases)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entity:
        return cls(**{name: data.get(name) for name in ENTITY_FIELDS}, aliases=tuple(sorted(data.get("aliases", ()))))
