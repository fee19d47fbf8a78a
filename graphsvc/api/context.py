"""Per-request context: the principal, its policy, and DataLoaders over the store.

Every node a resolver returns is loaded through :meth:`Context.node`, which batches the
request's lookups (of any labels) into one store call and drops what the policy hides;
relationships are batched the same way, loading only the types asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from graphsvc.auth import Principal
from graphsvc.model import Label, Node, Rel, RelType
from graphsvc.model.relationships import acquaintance_rank, other_end
from graphsvc.services.access import Policy
from graphsvc.services.matching import IndexCache
from graphsvc.store import Store
from graphsvc.store.types import NodeKey

T = TypeVar("T")
RelsKey = tuple[Label, str, RelType]


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a (synchronous, thread-safe) store call off the event loop."""
    return await run_in_threadpool(partial(fn, *args, **kwargs))


@dataclass
class Context:
    store: Store
    principal: Principal
    policy: Policy
    request_id: str = ""
    #: called after a successful write (drops what the app caches about the graph)
    after_write: Callable[[], None] = lambda: None
    #: the app's warm analysis index for matching (rebuilt when stale)
    matching: IndexCache = field(default_factory=IndexCache)
    _nodes: DataLoader[NodeKey, Node | None] = field(init=False)
    _rels: DataLoader[RelsKey, list[Rel]] = field(init=False)
    #: the other ends of relationships loaded ahead (see :meth:`around`, :meth:`prefetch_ends`)
    _ends: dict[RelsKey, list[tuple[Node, dict[str, Any]]]] = field(init=False, default_factory=dict)
    #: people's most trusted acquaintances loaded ahead (:meth:`around`), see :meth:`trusted_now`
    _trusted: dict[str, tuple[list[Rel], bool]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # The loaders' functions hold the store and the policy, not the context: a context
        # they held would be a reference cycle with them (see :meth:`close`).
        self._nodes = DataLoader(load_fn=partial(_load_nodes, self.store, self.policy))
        self._rels = DataLoader(load_fn=partial(_load_rels, self.store))

    def close(self) -> None:
        """Forget what the request loaded. The GraphQL execution that held this context is
        a reference cycle, left for the garbage collector: cleared, it no longer keeps the
        request's nodes and relationships with it, which are freed when the request ends."""
        self._nodes.clear_all()
        self._rels.clear_all()
        self._ends.clear()
        self._trusted.clear()

    async def node(self, label: Label, id: str) -> Node | None:
        """The node, if it exists and the principal may see it."""
        return await self._nodes.load((label, id))

    async def nodes(self, label: Label, ids: Sequence[str]) -> list[Node]:
        """The visible ones of these nodes, in order, loaded in one batch."""
        return [n for n in await self.nodes_or_none(label, ids) if n is not None]

    async def nodes_or_none(self, label: Label, ids: Sequence[str]) -> list[Node | None]:
        """These nodes (``None`` where missing or hidden), in order, loaded in one batch."""
        return await self.nodes_by_key([(label, id) for id in ids])

    async def nodes_by_key(self, keys: Sequence[NodeKey]) -> list[Node | None]:
        """Nodes of any labels (``None`` where missing or hidden), in order, in one batch."""
        return list(await self._nodes.load_many(keys))

    async def around(self, label: Label, ids: Sequence[str], types: Iterable[RelType], most_trusted: int | None = None) -> None:
        """Load these nodes, their relationships of these types and the nodes at the other
        ends, in one store call (:meth:`Store.around_async`: on Neo4j from this event loop,
        no thread), into the request's loaders: the fields that ask for them then answer
        without a call of their own. Of acquaintances, where ``most_trusted`` is given, only
        that many are loaded, most trusted first (:meth:`trusted_now`); whatever else is
        asked for is loaded as usual."""
        types = list(types)
        got = await self.store.around_async(label, ids, types, most_trusted=most_trusted)
        ends = {key: _visible(self.policy, node) for key, node in got.ends.items()}
        self._nodes.prime_many({**ends, **{(label, id): _visible(self.policy, got.nodes.get((label, id))) for id in ids}})
        primed: dict[RelsKey, list[Rel]] = {}
        for (_, id), rels in got.rels.items():
            for rel_type in types:
                typed = [r for r in rels if r.type is rel_type]
                if rel_type is RelType.KNOWS and most_trusted is not None:  # the first few only
                    typed.sort(key=partial(acquaintance_rank, person=id))
                    self._trusted[id] = (typed, len(typed) < most_trusted)
                    continue
                primed[(label, id, rel_type)] = typed
                self._ends[(label, id, rel_type)] = [(n, r.props) for r in typed if (n := ends.get(other_end(r, label, id))) is not None]
        self._rels.prime_many(primed)

    def trusted_now(self, person_id: str) -> tuple[list[Rel], bool] | None:
        """A person's most trusted acquaintances if :meth:`around` loaded them (the KNOWS
        relationships, most trusted first, their other ends in the node loader), and whether
        they are all of that person's; else ``None``."""
        return self._trusted.get(person_id)

    async def rels(self, label: Label, id: str, types: frozenset[RelType] | None = None) -> list[Rel]:
        """Relationships of these types (all if ``None``) touching a node; the request's
        lookups are batched into one store call, for the types asked for."""
        chosen = sorted(types if types is not None else RelType)
        if len(chosen) == 1:
            return await self._rels.load((label, id, chosen[0]))
        found = await self._rels.load_many([(label, id, t) for t in chosen])
        rels = [r for group in found for r in group]
        return sorted(rels, key=lambda r: r.key) if len(found) > 1 else rels

    def ends_now(self, label: Label, id: str, rel_type: RelType) -> list[tuple[Node, dict[str, Any]]] | None:
        """The visible nodes at the other end of a node's relationships of a type, with each
        relationship's props, if :meth:`around` or :meth:`prefetch_ends` loaded them; else ``None``."""
        return self._ends.get((label, id, rel_type))

    async def prefetch_ends(self, label: Label, ids: Sequence[str], wanted: dict[RelType, Label]) -> None:
        """Load the relationships of these types of these nodes (``wanted``: the label at
        their other end) and the visible nodes there, in the request's batches (one call each
        for all the nodes asking at once), for :meth:`ends_now` to answer."""
        keys = [(label, id, rel_type) for id in ids for rel_type in wanted]
        groups = await self._rels.load_many(keys)
        others = [[other_end(r, key[0], key[1])[1] for r in rels] for key, rels in zip(keys, groups, strict=True)]
        nodes = iter(await self.nodes_by_key([(wanted[key[2]], o) for key, group in zip(keys, others, strict=True) for o in group]))
        for key, rels in zip(keys, groups, strict=True):
            self._ends[key] = [(n, r.props) for r in rels if (n := next(nodes)) is not None]



def _visible(policy: Policy, node: Node | None) -> Node | None:
    return node if node is not None and policy.can_see(node) else None


async def _load_nodes(store: Store, policy: Policy, keys: list[NodeKey]) -> list[Node | None]:
    found = await call(store.get_nodes, keys)
    return [_visible(policy, found.get(k)) for k in keys]


async def _load_rels(store: Store, keys: list[RelsKey]) -> list[list[Rel]]:
    nodes = list(dict.fromkeys((label, id) for label, id, _ in keys))
    grouped = await call(store.relationships_of, nodes, {t for _, _, t in keys})
    return [[r for r in grouped[(label, id)] if r.type is t] for label, id, t in keys]
