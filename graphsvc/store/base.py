"""The store contract: one small, typed, synchronous interface over the graph.

A backend implements the abstract primitives (``_write_batch``, ``_fetch``, ``_expand``,
...); everything built from them (upserting one node, bulk loads in atomic batches,
k-hop neighbourhoods, shortest paths, NetworkX projections) is written once here, so the
two stores cannot drift apart. Backends translate their driver's errors into
:mod:`graphsvc.errors` and never let them escape.

Calling style: synchronous and thread-safe. The async API calls it from a thread pool.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from itertools import islice, pairwise
from operator import attrgetter
from typing import Any, Literal, Self

import networkx as nx

from graphsvc.auth.tokens import TokenRecord
from graphsvc.errors import (
    DanglingRelationshipError,
    DuplicateIdError,
    InvalidInputError,
    NotFoundError,
)
from graphsvc.model import (
    NODE_MODELS,
    REL_SPECS,
    Label,
    Node,
    Rel,
    RelType,
    Visibility,
    fields_with,
    from_record,
    name_key,
)
from graphsvc.model.records import SEP
from graphsvc.model.relationships import acquaintance_rank, other_end, rel_key
from graphsvc.settings import Settings
from graphsvc.store.types import (
    Around,
    BatchResult,
    ErasureReport,
    LoadMemory,
    NodeFilter,
    NodeKey,
    Order,
    Page,
    ProjectionSpec,
    RelRow,
    Subgraph,
    decode_cursor,
    encode_cursor,
    node_key,
)

MAX_HOPS = 6
MAX_PAGE = 1000
DEFAULT_BATCH = 5000

Outcome = Literal["created", "updated", "unchanged"]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


_gc_lock = threading.Lock()
_gc_pausers = 0  # bulk loads running in this process
_gc_thresholds = (0, 0, 0)
#: While a load runs, a full collection only after this many young ones (~never)...
GC_FULL_AFTER = 1_000_000
#: ... but one after every this many rows written (see :func:`collect_now_and_then`).
GC_FULL_EVERY_ROWS = 250_000
_gc_rows = 0  # rows written by paused loads since the last full collection


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic full garbage collection until the block (and every other such block
    running in the process) ends, but those :func:`collect_now_and_then` runs; young
    objects are still collected as usual. A bulk load makes millions of short-lived
    containers, and every so often the collector would traverse the whole heap, the
    caller's data too: a fifth of a load's client CPU, measured. So what exists when the
    pause starts is frozen (``gc.freeze``), and full collections are left to
    :func:`collect_now_and_then`. Young collections stay, since some of what a load
    discards is cyclic (the Neo4j driver's transactions). The thresholds are restored as
    found and the frozen objects unfrozen (a program's own earlier ``gc.freeze`` too)."""
    global _gc_pausers, _gc_thresholds, _gc_rows
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_thresholds = gc.get_threshold()
            gc.set_threshold(_gc_thresholds[0], _gc_thresholds[1], GC_FULL_AFTER)
            gc.freeze()
            _gc_rows = 0
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0:
                gc.set_threshold(*_gc_thresholds)
                gc.unfreeze()


def collect_now_and_then(rows: int) -> None:
    """Count rows a load wrote while full collections are paused, and run one after every
    :data:`GC_FULL_EVERY_ROWS`: cyclic garbage that outlives the young collections (the
    Neo4j driver's, ~0.5 KB a row) is freed as the load goes, not piled up to its end
    (measured: a 1.5M-row loader run peaked at 1.8 GB without, 1.0 GB with). What
    survives is then frozen (``gc.freeze``) until the pause ends, so that each collection
    examines only what was made since the last one, not the load's tables again."""
    global _gc_rows
    with _gc_lock:
        _gc_rows += rows
        if _gc_rows < GC_FULL_EVERY_ROWS or not _gc_pausers:
            return
        _gc_rows = 0
        gc.collect()
        gc.freeze()


def _check_int(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInputError(f"must be an integer from {low} to {high}", field=name, value=value)


def dangling(rel: Rel, start_missing: bool, row: int) -> DanglingRelationshipError:
    """The error for ``rel`` (at ``row`` of a load), whose start or end is nowhere."""
    side, label, id = ("start", rel.start_label, rel.start) if start_missing else ("end", rel.end_label, rel.end)
    return DanglingRelationshipError(
        f"{rel.type} relationship {side}s at {label} {id!r}, which exists neither in this batch nor in the store",
        field=side, row=row, value=id,
    )


def has_name(label: Label) -> bool:
    return "name" in NODE_MODELS[label].model_fields


#: :meth:`Store.around`'s records: the nodes' by id, each one's relationship rows, the ends' by key.
AroundRecords = tuple[dict[str, dict[str, Any]], dict[str, list[RelRow]], dict[NodeKey, dict[str, Any]]]


def _as_around(label: Label, records: dict[str, dict[str, Any]], rows: dict[str, list[RelRow]],
               ends: dict[NodeKey, dict[str, Any]]) -> Around:
    """:meth:`Store.around`'s answer from its records (:data:`AroundRecords`)."""
    nodes = {(label, id): from_record(label, record) for id, record in records.items()}
    rels = {(label, id): sorted((row.to_rel() for row in rows.get(id, ())), key=attrgetter("key")) for id in records}
    return Around(nodes=nodes, rels=rels, ends={key: from_record(key[0], record) for key, record in ends.items()})


class Store(ABC):
    """A graph store. Open one with :func:`graphsvc.store.open_store`."""

    #: URI schemes this backend serves; the registry finds backends by them.
    schemes: tuple[str, ...] = ()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    @abstractmethod
    def from_uri(cls, uri: str, settings: Settings) -> Store:
        """Open the store a URI names (no schema applied yet)."""

    @abstractmethod
    def bootstrap(self) -> None:
        """Create constraints and indexes; safe to call on every start."""

    @abstractmethod
    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store answers."""

    @abstractmethod
    def close(self) -> None:
        """Release connections. The store is unusable afterwards."""

    async def close_async(self) -> None:
        """Release what the async methods (:meth:`around_async`) opened for the running event
        loop: an app calls it when its loop ends. The store stays usable."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (tests and demo resets)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    @abstractmethod
    def uri(self) -> str:
        """The store's URI, without credentials."""

    # ------------------------------------------------------------------ primitives

    @abstractmethod
    def _write_batch(self, nodes: Sequence[Node], rels: Sequence[Rel], row_offset: int, rel_offset: int, memory: LoadMemory | None = None) -> BatchResult:
        """Upsert nodes, then relationships, in one transaction: all or nothing. ``memory``:
        the bulk load this batch belongs to, if any (a store may use and update it).

        Raises :class:`DanglingRelationshipError` naming the first relationship whose end
        exists neither in the batch nor the store (row counted with ``rel_offset``).
        """

    @abstractmethod
    def _fetch(self, keys: Sequence[NodeKey]) -> dict[NodeKey, dict[str, Any]]:
        """The stored records (with ISO timestamps) of the keys that exist."""

    @abstractmethod
    def _delete_node(self, label: Label, id: str) -> bool:
        """Delete a node and its relationships; whether it existed."""

    @abstractmethod
    def _get_rel(self, rel: Rel) -> dict[str, Any] | None:
        """The props of the relationship with ``rel``'s key, or ``None``."""

    @abstractmethod
    def _delete_rel(self, rel: Rel) -> bool:
        """Delete the relationship with ``rel``'s key; whether it existed."""

    @abstractmethod
    def _list(self, label: Label, flt: NodeFilter, order: Order, after: tuple[str | None, str] | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` records of ``label`` matching ``flt``, after the keyset ``after``."""

    @abstractmethod
    def _count(self, label: Label, flt: NodeFilter) -> int:
        """How many nodes of ``label`` match ``flt``."""

    @abstractmethod
    def _expand(self, keys: Iterable[NodeKey], types: frozenset[RelType]) -> list[RelRow]:
        """Every relationship of one of ``types`` touching one of ``keys`` (either end).

        A relationship whose two ends are both among ``keys`` under different labels may
        come back twice; :meth:`relationships_of` and ``_bfs`` key rows, so each counts once.
        """

    @abstractmethod
    def _scan(self, labels: frozenset[Label], types: frozenset[RelType]) -> tuple[Iterable[tuple[Label, dict[str, Any]]], Iterable[RelRow]]:
        """All records of ``labels`` and all relationships of ``types`` among them."""

    @abstractmethod
    def _erase_person(self, id: str) -> ErasureReport:
        """Delete a person, their relationships and mentorships in one transaction, and
        purge every stored copy of their data the backend controls."""

    # ------------------------------------------------------------------ API tokens (kept beside the graph)

    @abstractmethod
    def save_token(self, record: TokenRecord) -> None:
        """Store a token record (its hash, never the secret)."""

    @abstractmethod
    def token_by_hash(self, digest: str) -> TokenRecord | None:
        """The token record with this SHA-256 hash, revoked or not."""

    @abstractmethod
    def revoke_token(self, token_id: str) -> bool:
        """Mark a token revoked; whether an active one was found."""

    @abstractmethod
    def list_tokens(self) -> list[TokenRecord]:
        """Every token record, oldest first."""

    # ------------------------------------------------------------------ program settings (kept beside the graph)

    @abstractmethod
    def get_setting(self, key: str) -> str | None:
        """A program setting (JSON text: the program profile, coordinators' exclusions), or None."""

    @abstractmethod
    def put_setting(self, key: str, value: str) -> None:
        """Create or replace a program setting."""

    # ------------------------------------------------------------------ nodes

    def upsert(self, node: Node) -> Outcome:
        """Create or replace a node by ``id``; idempotent."""
        result = self._write_batch([node], [], 0, 0)
        return "created" if result.created else "updated" if result.updated else "unchanged"

    def get(self, label: Label, id: str) -> Node | None:
        record = self._fetch([(Label(label), id)]).get((Label(label), id))
        return None if record is None else from_record(Label(label), record)

    def get_many(self, label: Label, ids: Sequence[str]) -> dict[str, Node]:
        """The nodes of ``label`` with these ids that exist, by id (one round trip)."""
        found = self._fetch([(Label(label), id) for id in dict.fromkeys(ids)])
        return {key[1]: from_record(key[0], record) for key, record in found.items()}

    def get_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, Node]:
        """The nodes with these keys (of any labels) that exist, by key; one round trip
        where the backend can (Neo4j), else one per label."""
        found = self._fetch(list(dict.fromkeys((Label(l), i) for l, i in keys)))
        return {key: from_record(key[0], record) for key, record in found.items()}

    def delete(self, label: Label, id: str) -> bool:
        """Delete a node and its relationships; ``False`` if it did not exist."""
        return self._delete_node(Label(label), id)

    # ------------------------------------------------------------------ relationships

    def connect(self, rel: Rel) -> None:
        """Create a relationship, or replace its props if it exists (KNOWS A-B = B-A)."""
        self._write_batch([], [rel], 0, 0)

    def update_relationship(self, rel: Rel) -> None:
        """Replace the props of an existing relationship; :class:`NotFoundError` if none."""
        if self._get_rel(rel) is None:
            raise NotFoundError(f"no {rel.type} relationship from {rel.start} to {rel.end}", field="rel")
        self._write_batch([], [rel], 0, 0)

    def get_relationship(self, rel: Rel) -> Rel | None:
        """The stored relationship with ``rel``'s type and ends, with its stored props."""
        props = self._get_rel(rel)
        return None if props is None else rel.model_copy(update={"props": props})

    def get_relationships(self, rels: Sequence[Rel]) -> list[Rel | None]:
        """:meth:`get_relationship` of several at once, in order (``None`` where there is
        none): one round trip per type and labels on Neo4j, one read snapshot on SQLite."""
        found = self._get_rels(rels)
        return [None if (props := found.get(rel_key(r))) is None else r.model_copy(update={"props": props}) for r in rels]

    def _get_rels(self, rels: Sequence[Rel]) -> dict[tuple[Any, ...], dict[str, Any]]:
        """The stored props of those of ``rels`` that exist, by their key (one by one here)."""
        return {rel_key(r): props for r in rels if (props := self._get_rel(r)) is not None}

    def disconnect(self, rel: Rel) -> bool:
        """Remove the relationship with ``rel``'s type and ends; whether it existed."""
        return self._delete_rel(rel)

    def relationships(self, label: Label, id: str, types: Iterable[RelType] | None = None) -> list[Rel]:
        """Relationships touching a node, found from either end, in a stable order."""
        key = (Label(label), id)
        return self.relationships_of([key], types)[key]

    def relationships_of(self, keys: Sequence[NodeKey], types: Iterable[RelType] | None = None) -> dict[NodeKey, list[Rel]]:
        """Relationships touching each of several nodes, in one round trip per label."""
        chosen = frozenset(types) if types is not None else frozenset(RelType)
        keys = list(dict.fromkeys((Label(l), i) for l, i in keys))
        return self._grouped(keys, self._expand(keys, chosen))

    @staticmethod
    def _grouped(keys: Sequence[NodeKey], rows: Iterable[RelRow]) -> dict[NodeKey, list[Rel]]:
        """Relationship rows as models, under each of ``keys`` they touch, in a stable order."""
        grouped: dict[NodeKey, list[Rel]] = {key: [] for key in keys}
        seen: set[tuple[Any, ...]] = set()
        for row in rows:
            if row[:5] in seen:  # both ends asked for, under different labels: found twice
                continue
            seen.add(row[:5])
            rel = row.to_rel()
            for key in {(row.start_label, row.start), (row.end_label, row.end)}:
                if key in grouped:
                    grouped[key].append(rel)
        for rels in grouped.values():
            rels.sort(key=lambda r: r.key)
        return grouped

    def around(self, label: Label, ids: Sequence[str], types: Iterable[RelType], *, most_trusted: int | None = None) -> Around:
        """The nodes of ``label`` with these ids that exist, their relationships of ``types``
        (as :meth:`relationships_of` gives them) and the nodes at the other ends; of a
        person's acquaintances (KNOWS), where ``most_trusted`` is given, only the first that
        many in :func:`~graphsvc.model.relationships.acquaintance_rank` order, relationships
        and nodes (the first page of ``knows``: a person may know hundreds). One round trip
        on Neo4j: a node's view with its languages, interests and first acquaintances is one
        query, not three."""
        label = Label(label)
        return _as_around(label, *self._around(label, list(dict.fromkeys(ids)), frozenset(types), most_trusted))

    async def around_async(self, label: Label, ids: Sequence[str], types: Iterable[RelType], *,
                           most_trusted: int | None = None) -> Around:
        """:meth:`around` for an event loop (the API's hot path). Here it runs in a worker
        thread; a store whose database has an asyncio driver (Neo4j) reads without one: under
        load, handing each call to a thread and back cost more than the read itself."""
        return await asyncio.to_thread(partial(self.around, label, ids, types, most_trusted=most_trusted))

    def _around(self, label: Label, ids: list[str], types: frozenset[RelType], most_trusted: int | None) -> AroundRecords:
        """:meth:`around`'s records: the nodes' by id, each one's relationship rows (KNOWS
        cut to the ``most_trusted`` first), the ends' by key. Here from the primitives (three
        reads); a backend may do it in one."""
        found = {key[1]: record for key, record in self._fetch([(label, id) for id in ids]).items()}
        mine: dict[str, list[RelRow]] = {id: [] for id in found}  # each node's rows, in one pass
        for r in self._expand([(label, id) for id in found], types):
            for end_label, end in {(r.start_label, r.start), (r.end_label, r.end)}:
                if end_label == label and end in mine:
                    mine[end].append(r)
        wanted: dict[NodeKey, None] = {}
        for id, its in mine.items():
            knows = sorted((r for r in its if r.type is RelType.KNOWS), key=partial(acquaintance_rank, person=id))
            mine[id] = its = [r for r in its if r.type is not RelType.KNOWS] + knows[:most_trusted]
            for r in its:
                wanted[other_end(r, label, id)] = None
        return found, mine, self._fetch(list(wanted))

    # ------------------------------------------------------------------ bulk

    @contextmanager
    def whole_load(self) -> Iterator[bool]:
        """Yields whether this store makes every write of the calling thread inside the block
        one transaction: committed when the block ends, rolled back (nothing stored) if it
        raises or the process dies. A loader that gets ``True`` writes as it validates and
        raises to discard; with ``False`` (this default: Neo4j keeps a transaction's changes
        in server memory, too much for a large load) each batch is its own transaction."""
        yield False

    def bulk_upsert(self, nodes: Iterable[Node] = (), rels: Iterable[Rel] = (), *, batch_size: int = DEFAULT_BATCH,
                    memory: LoadMemory | None = None) -> BatchResult:
        """Upsert nodes, then relationships, in batches of ``batch_size``; each batch is
        atomic. A bad row stops the load at its batch (earlier batches stay) and the
        error names the row. ``memory``: the load's, when it takes several calls (its
        ``on_batch`` hears of each batch as it commits)."""
        _check_int("batch_size", batch_size, 1, 100_000)
        memory = LoadMemory() if memory is None else memory
        with gc_paused():
            total = self._bulk_nodes(nodes, batch_size, memory)
            total.add(self._bulk_rels(rels, batch_size, memory))
        return total

    def _bulk_nodes(self, nodes: Iterable[Node], batch_size: int, memory: LoadMemory, offset: int = 0) -> BatchResult:
        """:meth:`bulk_upsert`'s nodes, one batch after the other."""
        total = BatchResult()
        for chunk in _chunks(nodes, batch_size):
            keys = [(n.label, n.id) for n in chunk]
            self._check_unique(keys, offset, "id")
            total.add(self._bulk_batch(chunk, [], offset, 0, memory))
            memory.remember(keys)
            offset += len(chunk)
        return total

    def _bulk_rels(self, rels: Iterable[Rel], batch_size: int, memory: LoadMemory, offset: int = 0) -> BatchResult:
        """:meth:`bulk_upsert`'s relationships, one batch after the other."""
        total = BatchResult()
        for chunk in _chunks(rels, batch_size):
            self._check_unique(list(map(rel_key, chunk)), offset, "rel")
            total.add(self._bulk_batch([], chunk, 0, offset, memory))
            offset += len(chunk)
        return total

    def _bulk_batch(self, nodes: Sequence[Node], rels: Sequence[Rel], row_offset: int, rel_offset: int, memory: LoadMemory) -> BatchResult:
        """One batch of a bulk upsert, then its ``memory.on_batch``."""
        result = self._write_batch(nodes, rels, row_offset, rel_offset, memory)
        if memory.on_batch is not None:
            memory.on_batch(result)
        collect_now_and_then(len(nodes) + len(rels))
        return result

    def write_batch(self, nodes: Sequence[Node] = (), rels: Sequence[Rel] = (), *, memory: LoadMemory | None = None) -> BatchResult:
        """One atomic batch of nodes and the relationships among them and the store.
        ``memory``: one per load of several batches, given to each (see :class:`LoadMemory`)."""
        keys = [(n.label, n.id) for n in nodes]
        self._check_unique(keys, 0, "id")
        self._check_unique([r.key for r in rels], 0, "rel")
        result = self._write_batch(list(nodes), list(rels), 0, 0, memory)
        if memory is not None:
            memory.remember(keys)
        return result

    @staticmethod
    def _check_unique(keys: Sequence[tuple[Any, ...]], offset: int, field: str) -> None:
        if len(set(keys)) == len(keys):  # the common case, at C speed
            return
        seen: dict[tuple[Any, ...], int] = {}
        for i, key in enumerate(keys):
            if key in seen:
                what = "node id" if field == "id" else "relationship"
                raise DuplicateIdError(
                    f"{what} {key[-1]!r} appears twice in one batch (first at row {seen[key] + offset})",
                    field=field, row=i + offset, value=key[-1],
                )
            seen[key] = i

    # ------------------------------------------------------------------ listing

    def list_nodes(self, label: Label, flt: NodeFilter | None = None, *, first: int = 50, after: str | None = None, order: Order = Order.NAME) -> Page:
        """A page of nodes of ``label``, keyset-paginated: stable under concurrent inserts
        (an item inserted meanwhile never shifts the rest; none is skipped or repeated)."""
        _check_int("first", first, 1, MAX_PAGE)
        label = Label(label)
        order = Order(order) if has_name(label) else Order.ID
        keyset = decode_cursor(after) if after else None
        records = self._list(label, flt or NodeFilter(), order, keyset, first + 1)
        page = records[:first]
        cursors = [encode_cursor(name_key(r["name"]) if order is Order.NAME else None, r["id"]) for r in page]
        return Page(
            items=[from_record(label, r) for r in page],
            end_cursor=cursors[-1] if cursors else None,
            has_next_page=len(records) > first,
            cursors=cursors,
        )

    def count_nodes(self, label: Label, flt: NodeFilter | None = None) -> int:
        """How many nodes of ``label`` match the filter (a listing's ``totalCount``)."""
        return self._count(Label(label), flt or NodeFilter())

    # ------------------------------------------------------------------ traversal

    def _bfs(self, seeds: Iterable[NodeKey], hops: int, types: frozenset[RelType]) -> tuple[dict[NodeKey, int], list[RelRow]]:
        dist = {seed: 0 for seed in seeds}
        frontier = list(dist)
        rows: dict[tuple[Any, ...], RelRow] = {}
        for level in range(hops):
            if not frontier:
                break
            nxt = []
            for row in self._expand(frontier, types):
                rows[(row.type, row.start_label, row.start, row.end_label, row.end)] = row
                for key in ((row.start_label, row.start), (row.end_label, row.end)):
                    if key not in dist:
                        dist[key] = level + 1
                        nxt.append(key)
            frontier = nxt
        inside = [r for r in rows.values() if (r.start_label, r.start) in dist and (r.end_label, r.end) in dist]
        return dist, inside

    def neighborhood(self, label: Label, id: str, *, hops: int = 1, types: Iterable[RelType] | None = None) -> Subgraph:
        """Nodes within ``hops`` of a node over ``types`` (all types if ``None``), and the
        relationships among them."""
        _check_int("hops", hops, 0, MAX_HOPS)
        start = (Label(label), id)
        if not self._fetch([start]):
            raise NotFoundError(f"no {label} with id {id!r}", field="id", value=id)
        dist, rows = self._bfs([start], hops, frozenset(types) if types is not None else frozenset(RelType))
        records = self._fetch(list(dist))
        nodes = [from_record(k[0], records[k]) for k in sorted(dist, key=lambda k: (dist[k], k)) if k in records]
        return Subgraph(nodes=nodes, rels=sorted((r.to_rel() for r in rows), key=lambda r: r.key))

    def shortest_paths(self, a: str, b: str, *, max_hops: int = MAX_HOPS, limit: int = 10) -> list[list[str]]:
        """The shortest chains of acquaintances (KNOWS) from person ``a`` to ``b``, at most
        ``max_hops`` long, as lists of person ids, in lexicographic order; ``[]`` if
        there is none within the limit. Everyone inside a chain consented to appear in
        introductions (``consent.intermediary``); the search goes around anyone else."""
        _check_int("max_hops", max_hops, 1, MAX_HOPS)
        _check_int("limit", limit, 1, 1000)
        if a != b and (paths := self._shortest_paths(a, b, max_hops, limit)):
            return paths  # both ends exist: they are on a path
        return self._no_path(a, b)

    def paths_with_hops(self, a: str, b: str, *, max_hops: int = MAX_HOPS, limit: int = 10) -> list[tuple[list[str], list[Rel]]]:
        """:meth:`shortest_paths`, each with the KNOWS relationship of each of its hops, as
        stored (one query on Neo4j). A path whose hop is gone meanwhile is left out."""
        _check_int("max_hops", max_hops, 1, MAX_HOPS)
        _check_int("limit", limit, 1, 1000)
        if a != b and (found := self._paths_with_hops(a, b, max_hops, limit)):
            return found
        return [(path, []) for path in self._no_path(a, b)]

    def _paths_with_hops(self, a: str, b: str, max_hops: int, limit: int) -> list[tuple[list[str], list[Rel]]]:
        """The primitive under :meth:`paths_with_hops`: :meth:`_shortest_paths`, then the
        hops in one :meth:`_get_rels`."""
        paths = self._shortest_paths(a, b, max_hops, limit)
        hops = [[knows_rel(u, v) for u, v in pairwise(path)] for path in paths]
        stored = self._get_rels([rel for path in hops for rel in path])
        return [
            (path, [rel.model_copy(update={"props": stored[rel_key(rel)]}) for rel in rels])
            for path, rels in zip(paths, hops, strict=True) if all(rel_key(rel) in stored for rel in rels)
        ]

    def _no_path(self, a: str, b: str) -> list[list[str]]:
        """What :meth:`shortest_paths` answers when the search found nothing: ``[[a]]`` from
        a person to themselves, else ``[]``, once both are known to exist."""
        ka, kb = (Label.PERSON, a), (Label.PERSON, b)
        found = self._fetch([ka, kb])
        for key, field in ((ka, "from"), (kb, "to")):
            if key not in found:
                raise NotFoundError(f"no Person with id {key[1]!r}", field=field, value=key[1])
        return [[a]] if a == b else []

    def _shortest_paths(self, a: str, b: str, max_hops: int, limit: int) -> list[list[str]]:
        """The primitive under :meth:`shortest_paths`, for two distinct people who may not
        exist (then ``[]``): the first ``limit`` shortest KNOWS paths in lexicographic
        order, ``[]`` if none is within ``max_hops``. Built on :meth:`_expand` here; a
        backend with a native shortest-path search overrides it."""
        return _bidirectional_paths(self, a, b, max_hops, limit)

    # ------------------------------------------------------------------ projection

    def project(self, spec: ProjectionSpec | None = None) -> nx.Graph:
        """A NetworkX graph of a chosen part of the store, read fresh on every call.

        Nodes are keyed ``'Label:id'`` and carry ``label``, ``id`` and their public
        properties (nested as in the model); private fields never enter a projection, and
        sensitive ones only for ``spec.purpose`` where the person consented to it. Edges
        carry ``type``, their props and, for directed types, ``start`` (a node key).
        """
        spec = spec or ProjectionSpec()
        labels = spec.labels if spec.labels is not None else frozenset(Label)
        types = spec.rel_types if spec.rel_types is not None else frozenset(RelType)
        types = frozenset(t for t in types if REL_SPECS[t].start & labels and REL_SPECS[t].end & labels)
        G = nx.Graph()
        if spec.seeds:
            _check_int("hops", spec.hops, 0, MAX_HOPS)
            dist, rows = self._bfs([(Label(l), i) for l, i in spec.seeds], spec.hops, types)
            keys = [k for k in dist if k[0] in labels]
            node_rows: Iterable[tuple[Label, dict[str, Any]]] = ((k[0], r) for k, r in self._fetch(keys).items())
        else:
            node_rows, rows = self._scan(labels, types)
        # sorted, so that a projection (and every analysis of it) is the same from either store
        for label, record in sorted(node_rows, key=lambda lr: (lr[0], lr[1]["id"])):
            G.add_node(node_key(label, record["id"]), **_public_attributes(label, record, spec.purpose))
        for row in sorted(rows, key=lambda r: r[:5]):
            u, v = node_key(row.start_label, row.start), node_key(row.end_label, row.end)
            if u in G and v in G:
                attrs = dict(row.props, type=str(row.type))
                if not REL_SPECS[row.type].undirected:
                    attrs["start"] = u
                G.add_edge(u, v, **attrs)
        return G

    # ------------------------------------------------------------------ erasure

    def erase_person(self, id: str) -> ErasureReport:
        """Erase a person: the node, its relationships, their mentorships and every copy
        of their private data, in one transaction. :class:`NotFoundError` if unknown."""
        return self._erase_person(id)


_HIDDEN = {label: fields_with(NODE_MODELS[label], Visibility.PRIVATE) for label in Label}
_SENSITIVE = {label: fields_with(NODE_MODELS[label], Visibility.SENSITIVE) for label in Label}
_NOT_ATTRIBUTES = frozenset({"name_key", "created_at", "updated_at"})


def knows_rel(u: str, v: str, props: dict[str, Any] | None = None) -> Rel:
    """The KNOWS between two people, its ends in stored order (undirected), not validated:
    for relationships a store holds or is asked for by their ends."""
    start, end = sorted((u, v))
    return Rel.model_construct(type=RelType.KNOWS, start_label=Label.PERSON, start=start, end_label=Label.PERSON, end=end, props=props or {})


def _public_attributes(label: Label, record: dict[str, Any], purpose: str | None) -> dict[str, Any]:
    attrs: dict[str, Any] = {"label": str(label)}
    consented = purpose is not None and purpose in record.get(f"consent{SEP}sensitive_purposes", ())
    for key, value in record.items():
        field, sep, sub = key.partition(SEP)
        if key in _NOT_ATTRIBUTES or field in _HIDDEN[label]:
            continue
        if field in _SENSITIVE[label] and not consented:
            continue
        if sep:
            attrs.setdefault(field, {})[sub] = value
        else:
            attrs[key] = value
    return attrs


def _bidirectional_paths(store: Store, a: str, b: str, max_hops: int, limit: int) -> list[list[str]]:
    """All shortest KNOWS paths a..b by a level-synchronous bidirectional BFS.

    Each side keeps the distance and the predecessors of every node it reached; the
    smaller frontier grows by one level at a time until the two sides meet. Paths are
    then walked over the shortest-path DAG in sorted order, so the first ``limit`` are
    the lexicographically smallest.
    """
    knows = frozenset({RelType.KNOWS})
    sides = [({a: 0}, {a: set()}, [a]), ({b: 0}, {b: set()}, [b])]  # dist, pred, frontier
    depth = [0, 0]
    while depth[0] + depth[1] < max_hops:
        side = 0 if len(sides[0][2]) <= len(sides[1][2]) else 1
        dist, pred, frontier = sides[side]
        if not frontier:
            return []
        members = set(frontier)
        nxt: list[str] = []
        rows = list(store._expand([(Label.PERSON, u) for u in frontier], knows))
        reached = {v for row in rows for u, v in ((row.start, row.end), (row.end, row.start)) if u in members and v not in dist}
        relays = _relays(store, reached - {a, b}) | (reached & {a, b})
        for row in rows:
            for u, v in ((row.start, row.end), (row.end, row.start)):
                if u not in members:
                    continue
                if v not in dist:
                    if v not in relays:
                        continue
                    dist[v] = depth[side] + 1
                    pred[v] = {u}
                    nxt.append(v)
                elif dist[v] == depth[side] + 1:
                    pred[v].add(u)
        depth[side] += 1
        sides[side] = (dist, pred, nxt)
        meet = {v for v in nxt if v in sides[1 - side][0] and sides[1 - side][0][v] == depth[1 - side]}
        if meet:
            return _walk(a, b, meet, sides[0][1], sides[1][1], limit)
    return []


def _relays(store: Store, ids: set[str]) -> set[str]:
    """Which of these people consented to appear inside introduction chains."""
    found = store._fetch([(Label.PERSON, i) for i in sorted(ids)])
    return {key[1] for key, record in found.items() if record.get(f"consent{SEP}intermediary")}


def _walk(a: str, b: str, meet: set[str], pred_a: dict[str, set[str]], pred_b: dict[str, set[str]], limit: int) -> list[list[str]]:
    succ: dict[str, set[str]] = {}

    def trace(pred: dict[str, set[str]], toward_a: bool) -> None:
        layer = set(meet)
        while layer:
            nxt = set()
            for v in layer:
                for u in pred[v]:
                    succ.setdefault(u if toward_a else v, set()).add(v if toward_a else u)
                    nxt.add(u)
            layer = nxt

    trace(pred_a, toward_a=True)  # back from the meeting layer to a
    trace(pred_b, toward_a=False)  # on from the meeting layer to b
    paths: list[list[str]] = []

    def dfs(path: list[str]) -> None:
        if len(paths) >= limit:
            return
        if path[-1] == b:
            paths.append(list(path))
            return
        for nxt_node in sorted(succ.get(path[-1], ())):
            path.append(nxt_node)
            dfs(path)
            path.pop()

    dfs([a])
    return paths
