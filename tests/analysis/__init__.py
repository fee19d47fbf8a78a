"""Builders for the analysis tests: model objects written to a real SQLite store and
projected for the matching purpose, so the graphs have exactly the projection's shape."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from graphsvc.model import Node, Person, Rel
from graphsvc.store import ProjectionSpec, open_store
from tests.factories import node, person, rel

SQUARE = 0.01  # degrees: neighborhoods are small squares this wide


def project(path: Path, nodes: Iterable[Node], rels: Iterable[Rel] = ()) -> nx.Graph:
    """Write ``nodes`` and ``rels`` to a fresh SQLite store under ``path`` and project it."""
    path.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{path}/graph.db")
    try:
        store.bulk_upsert(list(nodes), list(rels))
        return store.project(ProjectionSpec(purpose="matching"))
    finally:
        store.close()


def newcomer(id: str, name: str, **fields: Any) -> Person:
    fields.setdefault("consent", {"matching": True})
    return person(id, name, roles={"NEWCOMER"}, **fields)


def mentor(id: str, name: str, capacity: int = 2, **fields: Any) -> Person:
    fields.setdefault("consent", {"matching": True})
    roles = fields.pop("roles", {"MENTOR"})
    return person(id, name, roles=roles, mentor_capacity=capacity, **fields)


def language(code: str) -> Node:
    return node("Language", id=code)


def speaks(who: str, code: str, level: str = "native") -> Rel:
    return rel("SPEAKS", who, code, props={"level": level})


def neighborhood(id: str, name: str, lat: float, lon: float) -> Node:
    """A neighborhood: a square of side :data:`SQUARE` with its south-west corner at (lat, lon)."""
    ring = [[lon, lat], [lon + SQUARE, lat], [lon + SQUARE, lat + SQUARE], [lon, lat + SQUARE], [lon, lat]]
    return node("Neighborhood", id=id, name=name, geometry={"type": "Polygon", "coordinates": [ring]})


def mentorship(id: str, mentor_id: str, mentee_id: str, status: str, end_reason: str | None = None) -> tuple[Node, list[Rel]]:
    fields: dict[str, Any] = {"id": id, "status": status}
    if end_reason:
        fields["end_reason"] = end_reason
    return node("Mentorship", **fields), [rel("MENTOR_IN", mentor_id, id), rel("MENTEE_IN", mentee_id, id)]
