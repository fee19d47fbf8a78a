"""Graph stores, found by URI scheme and imported lazily.

``sqlite:///path/to/file.db`` opens the embedded store (the default, no server needed);
``bolt://``, ``neo4j://`` (and their ``+s``/``+ssc`` variants) open Neo4j with the
credentials from settings. Registering a backend here makes the contract suite test it.
"""

from __future__ import annotations

from importlib import import_module

from graphsvc.errors import ConfigurationError
from graphsvc.settings import Settings
from graphsvc.store.base import Store
from graphsvc.store.types import (
    BatchResult,
    ErasureReport,
    NodeFilter,
    Order,
    Page,
    ProjectionSpec,
    Subgraph,
    node_key,
)

#: URI scheme -> "module:Class", imported only when a store of that scheme is opened.
BACKENDS: dict[str, str] = {
    "sqlite": "graphsvc.store.sqlite:SqliteStore",
    "bolt": "graphsvc.store.neo4j:Neo4jStore",
    "bolt+s": "graphsvc.store.neo4j:Neo4jStore",
    "bolt+ssc": "graphsvc.store.neo4j:Neo4jStore",
    "neo4j": "graphsvc.store.neo4j:Neo4jStore",
    "neo4j+s": "graphsvc.store.neo4j:Neo4jStore",
    "neo4j+ssc": "graphsvc.store.neo4j:Neo4jStore",
}


def backend_for(uri: str) -> type[Store]:
    scheme = uri.partition("://")[0].lower() if "://" in uri else ""
    target = BACKENDS.get(scheme)
    if target is None:
        known = ", ".join(sorted({s.split("+")[0] for s in BACKENDS}))
        raise ConfigurationError(f"no store for URI scheme '{scheme}' (known: {known})", field="store_uri", value=uri)
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def open_store(uri: str | None = None, settings: Settings | None = None, *, bootstrap: bool = True) -> Store:
    """Open the store a URI names (default: the settings' ``store_uri``), schema applied."""
    settings = settings or Settings()
    uri = uri or settings.store_uri
    store = backend_for(uri).from_uri(uri, settings)
    if bootstrap:
        try:
            store.bootstrap()
        except BaseException:
            store.close()
            raise
    return store


__all__ = [
    "BACKENDS", "BatchResult", "ErasureReport", "NodeFilter", "Order", "Page", "ProjectionSpec",
    "Store", "Subgraph", "backend_for", "node_key", "open_store",
]
