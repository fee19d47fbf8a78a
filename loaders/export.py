"""Export the graph, or some labels of it: the JSON bundle or a CSV folder (both load back
unchanged), GraphML for network tools, GeoJSON of institutions and neighborhoods.

The store is read page by page (keyset pages of :data:`PAGE` nodes), so an export of a
large program runs in bounded memory. Private and sensitive fields are left out unless
``include_hidden`` is set (the CLI's ``--include-private``: for coordinators).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import networkx as nx

from graphsvc.model import REL_SPECS, Label, Node, Rel
from graphsvc.store.base import Store
from graphsvc.store.types import Order, ProjectionSpec
from loaders.bundle import BundleWriter
from loaders.columns import NODE_FILES, node_to_data
from loaders.csv_folder import CsvFolderWriter

PAGE = 1000


class ExportFormat(StrEnum):
    BUNDLE = "bundle"
    CSV = "csv"
    GRAPHML = "graphml"
    GEOJSON = "geojson"


def iter_nodes(store: Store, labels: Iterable[Label]) -> Iterator[Node]:
    """Every node of ``labels``, label by label, in id order."""
    for label in labels:
        after = None
        while True:
            page = store.list_nodes(label, first=PAGE, after=after, order=Order.ID)
            yield from page.items
            if not page.has_next_page:
                break
            after = page.end_cursor


def iter_rels(store: Store, labels: Iterable[Label]) -> Iterator[Rel]:
    """Every relationship between nodes of ``labels``, once each (from its start node)."""
    labels = frozenset(labels)
    types = [t for t, spec in REL_SPECS.items() if spec.start & labels and spec.end & labels]
    for label in sorted(labels):
        if not any(label in REL_SPECS[t].start for t in types):
            continue
        after = None
        while True:
            page = store.list_nodes(label, first=PAGE, after=after, order=Order.ID)
            keys = [(label, n.id) for n in page.items]
            grouped = store.relationships_of(keys, types)
            for key in keys:
                for rel in grouped[key]:
                    if (rel.start_label, rel.start) == key and rel.end_label in labels:
                        yield rel
            if not page.has_next_page:
                break
            after = page.end_cursor


def export(store: Store, target: Path, format: ExportFormat, *, labels: Iterable[Label] | None = None,
           include_hidden: bool = False, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write the chosen labels (default: all) to ``target``; returns counts written."""
    chosen = [label for label in NODE_FILES if labels is None or label in set(labels)]
    target = Path(target)
    if format is ExportFormat.GRAPHML:
        return _graphml(store, target, chosen)
    if format is ExportFormat.GEOJSON:
        return _geojson(store, target, chosen)
    counts = {"nodes": 0, "relationships": 0}

    def tick(kind: str) -> None:
        counts[kind] += 1
        if progress and counts[kind] % 10_000 == 0:
            progress(kind, counts[kind])

    if format is ExportFormat.BUNDLE:
        with target.open("w", encoding="utf-8") as handle:
            writer = BundleWriter(handle, include_hidden=include_hidden)
            _stream(store, chosen, writer, tick)
            writer.close()
    else:
        with CsvFolderWriter(target, include_hidden=include_hidden) as writer:
            _stream(store, chosen, writer, tick)
    return counts


def _stream(store: Store, labels: list[Label], writer: BundleWriter | CsvFolderWriter, tick: Callable[[str], None]) -> None:
    for node in iter_nodes(store, labels):
        writer.node(node)
        tick("nodes")
    for rel in iter_rels(store, labels):
        writer.rel(rel)
        tick("relationships")


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """GraphML attributes are scalars: nested dicts become dotted keys, lists ';'-joined."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list | tuple | set | frozenset):
        out[prefix] = ";".join(sorted(str(v) for v in value) if isinstance(value, set | frozenset) else (str(v) for v in value))
    elif value is not None:
        out[prefix] = value if isinstance(value, bool | int | float | str) else str(value)


def _graphml(store: Store, target: Path, labels: list[Label]) -> dict[str, int]:
    """GraphML through NetworkX's writer; a projection never holds private fields."""
    G = store.project(ProjectionSpec(labels=frozenset(labels)))
    H = nx.Graph()
    for key, data in G.nodes(data=True):
        flat: dict[str, Any] = {}
        _flat("", {k: v for k, v in data.items() if k != "geometry"}, flat)
        H.add_node(key, **flat)
    for u, v, data in G.edges(data=True):
        flat = {}
        _flat("", data, flat)
        H.add_edge(u, v, **flat)
    nx.write_graphml(H, target, encoding="utf-8")
    return {"nodes": H.number_of_nodes(), "relationships": H.number_of_edges()}


def _geojson(store: Store, target: Path, labels: list[Label]) -> dict[str, int]:
    """RFC 7946 FeatureCollection: institutions as Points ([lon, lat]), neighborhoods with
    their polygons; a feature without coordinates has a null geometry."""
    features = []
    for node in iter_nodes(store, [l for l in (Label.NEIGHBORHOOD, Label.INSTITUTION) if l in labels]):
        properties = {"label": node.label.value, **node_to_data(node)}
        geometry = properties.pop("geometry", None)
        if node.label is Label.INSTITUTION:
            lat, lon = properties.pop("latitude", None), properties.pop("longitude", None)
            geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        features.append({"type": "Feature", "id": f"{node.label.value}:{node.id}", "geometry": geometry, "properties": properties})
    with target.open("w", encoding="utf-8") as handle:
        json.dump({"type": "FeatureCollection", "features": features}, handle, ensure_ascii=False, indent=1)
    return {"features": len(features)}


__all__ = ["ExportFormat", "export", "iter_nodes", "iter_rels"]
