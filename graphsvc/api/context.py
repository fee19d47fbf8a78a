"""Per-request context: the principal, its policy, and DataLoaders over the store.

Every node a resolver returns is loaded through :meth:`Context.node`, which batches the
request's lookups into one store call per label and drops what the policy hides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from graphsvc.auth import Principal
from graphsvc.model import Label, Node, Rel, RelType
from graphsvc.services.access import Policy
from graphsvc.store import Store

T = TypeVar("T")


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a (synchronous, thread-safe) store call off the event loop."""
    return await run_in_threadpool(partial(fn, *args, **kwargs))


@dataclass
class Context:
    store: Store
    principal: Principal
    policy: Policy
    request_id: str = ""
    _nodes: dict[Label, DataLoader[str, Node | None]] = field(default_factory=dict)
    _rels: DataLoader[tuple[Label, str], list[Rel]] | None = None

    async def node(self, label: Label, id: str) -> Node | None:
        """The node, if it exists and the principal may see it."""
        loader = self._nodes.get(label)
        if loader is None:
            loader = self._nodes[label] = DataLoader(load_fn=partial(self._load_nodes, label))
        return await loader.load(id)

    async def nodes(self, label: Label, ids: Sequence[str]) -> list[Node]:
        """The visible ones of these nodes, in order, loaded in one batch."""
        found = await asyncio.gather(*(self.node(label, id) for id in ids))
        return [n for n in found if n is not None]

    async def nodes_or_none(self, label: Label, ids: Sequence[str]) -> list[Node | None]:
        """These nodes (``None`` where missing or hidden), in order, loaded in one batch."""
        return list(await asyncio.gather(*(self.node(label, id) for id in ids)))

    async def _load_nodes(self, label: Label, ids: list[str]) -> list[Node | None]:
        found = await call(self.store.get_many, label, ids)
        return [n if (n := found.get(i)) is not None and self.policy.can_see(n) else None for i in ids]

    async def rels(self, label: Label, id: str, types: frozenset[RelType] | None = None) -> list[Rel]:
        """Relationships touching a node (one store call per request batch)."""
        if self._rels is None:
            self._rels = DataLoader(load_fn=self._load_rels)
        rels = await self._rels.load((label, id))
        return [r for r in rels if types is None or r.type in types]

    async def _load_rels(self, keys: list[tuple[Label, str]]) -> list[list[Rel]]:
        grouped = await call(self.store.relationships_of, keys)
        return [grouped[k] for k in keys]
