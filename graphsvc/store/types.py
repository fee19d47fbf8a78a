"""Value types that cross the store contract: filters, pages, results, projections."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

import orjson

from graphsvc.errors import InvalidInputError
from graphsvc.model import Label, Node, Rel, RelType, Role
from graphsvc.model.codes import check_language_code

NodeKey = tuple[Label, str]


def node_key(label: Label, id: str) -> str:
    """The key of a node in a projection: ``'Person:p1'``."""
    return f"{label}:{id}"


class Order(StrEnum):
    NAME = "name"
    ID = "id"


@dataclass(frozen=True)
class NodeFilter:
    """Filters for :meth:`Store.list_nodes`; every one given must hold."""

    role: Role | None = None
    language: str | None = None
    interest: str | None = None
    neighborhood: str | None = None
    organization: str | None = None
    name_prefix: str | None = None
    #: only people in the directory (consented) or this very person; ``None``: everyone
    directory_or: str | None = None

    def __post_init__(self) -> None:
        if self.language is not None:
            try:
                object.__setattr__(self, "language", check_language_code(self.language))
            except ValueError as exc:
                raise InvalidInputError(str(exc), field="language", value=self.language) from None
        if self.role is not None:
            try:
                object.__setattr__(self, "role", Role(self.role))
            except ValueError:
                raise InvalidInputError("unknown role", field="role", value=self.role) from None


@dataclass(frozen=True)
class Page:
    """One page of a listing. ``end_cursor`` continues after the last item."""

    items: list[Node]
    end_cursor: str | None
    has_next_page: bool
    cursors: list[str] = field(default_factory=list)


def encode_cursor(sort_value: str | None, id: str) -> str:
    # orjson: a page of acquaintances or people makes a cursor per edge (json.dumps: 4x the time)
    return base64.urlsafe_b64encode(orjson.dumps([sort_value, id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str | None, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        sort_value, id = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(id, str) or not (sort_value is None or isinstance(sort_value, str)):
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidInputError("not a cursor this service gave out", field="after", value=cursor) from None
    return sort_value, id


class RelRow(NamedTuple):
    """A relationship as stores read it back: both ends with their labels, and props."""

    type: RelType
    start_label: Label
    start: str
    end_label: Label
    end: str
    props: dict[str, Any]

    def to_rel(self) -> Rel:
        """The model object, not validated again: a store holds only what validation gave
        it (resolved labels, undirected ends in order, props as validated and dumped), so
        validating on every read (~12 µs a relationship) would give the same object. Built
        as ``Rel.model_construct`` builds it, less its search of every field for aliases and
        defaults: 1.5 µs where that took 4, and a page of acquaintances reads dozens."""
        rel = _new(Rel)
        _set(rel, "__dict__", {"type": self.type, "start": self.start, "end": self.end,
                               "start_label": self.start_label, "end_label": self.end_label, "props": self.props})
        _set(rel, "__pydantic_fields_set__", set(_REL_FIELDS))
        _set(rel, "__pydantic_extra__", None)
        _set(rel, "__pydantic_private__", None)
        return rel


_new = object.__new__
_set = object.__setattr__
_REL_FIELDS = frozenset(Rel.model_fields)


@dataclass
class BatchResult:
    """What one atomic batch (or a whole bulk load) wrote."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rels_written: int = 0
    batches: int = 0

    def add(self, other: BatchResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rels_written += other.rels_written
        self.batches += other.batches


@dataclass
class LoadMemory:
    """What a bulk load remembers from one batch to the next, to skip work the store would
    otherwise repeat: the nodes it wrote (ends known to exist) and, where the store reports
    them, the nodes it created. A relationship with a newly created end cannot be in the
    store yet, unless this load wrote it: ``rels`` holds the hashes of the relationship
    keys a store wrote on that assumption (a hash collision only costs the fast path).
    ``ids`` and ``seen`` are a store's own: SQLite keeps the row ids of the nodes the load
    wrote, valid while ``seen`` (its mark of the file's state after the load's last batch)
    shows that nothing else wrote since. ``on_batch``, if set, is called with the result of
    each batch a bulk upsert commits, as it commits (on the store's writer threads, maybe
    two at once): a caller's progress and counts."""

    written: set[NodeKey] = field(default_factory=set)
    created: set[NodeKey] = field(default_factory=set)
    rels: set[int] = field(default_factory=set)
    ids: dict[NodeKey, int] = field(default_factory=dict)
    seen: Any = None
    on_batch: Callable[[BatchResult], None] | None = None
    limit: int = 2_000_000  # the most keys remembered in each set; past it, the general path

    def remember(self, keys: Iterable[NodeKey]) -> None:
        if len(self.written) < self.limit:
            self.written.update(keys)


@dataclass(frozen=True)
class Subgraph:
    """Nodes and the relationships among them (a k-hop neighbourhood)."""

    nodes: list[Node]
    rels: list[Rel]


@dataclass(frozen=True)
class Around:
    """Nodes with their relationships of some types and the nodes at the other ends
    (:meth:`Store.around`): what a view of a node with its nearest links needs, read at once."""

    nodes: dict[NodeKey, Node]
    rels: dict[NodeKey, list[Rel]]
    ends: dict[NodeKey, Node]


@dataclass(frozen=True)
class ErasureReport:
    person_id: str
    nodes_deleted: int
    rels_deleted: int


@dataclass(frozen=True)
class ProjectionSpec:
    """Which part of the store to project into NetworkX.

    ``labels`` and ``rel_types`` choose what is included (``None``: all). With ``seeds``,
    only nodes within ``hops`` of a seed over ``rel_types`` are included; without, the
    whole store (a program) is. Sensitive attributes are included only for
    ``purpose`` and only for people who consented to that purpose.
    """

    labels: frozenset[Label] | None = None
    rel_types: frozenset[RelType] | None = None
    seeds: tuple[NodeKey, ...] = ()
    hops: int = 1
    purpose: str | None = None
