"""Small builders for test graphs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphsvc.model import Label, Node, Person, Rel, parse_node, parse_rel


def person(id: str, name: str | None = None, **fields: Any) -> Person:
    return Person(id=id, name=name or f"Person {id}", **fields)


def knows(a: str, b: str, trust: float = 0.5, **props: Any) -> Rel:
    return parse_rel({"type": "KNOWS", "start": a, "end": b, "props": {"trust": trust, **props}})


def rel(type: str, start: str, end: str, **extra: Any) -> Rel:
    return parse_rel({"type": type, "start": start, "end": end, **extra})


def node(label: str, **fields: Any) -> Node:
    return parse_node(Label(label), fields)


def people(ids: Iterable[str]) -> list[Person]:
    return [person(i) for i in ids]


def knows_graph(edges: Iterable[tuple[str, str]], refuse: Iterable[str] = ()) -> tuple[list[Person], list[Rel]]:
    """People and KNOWS relationships for an edge list; everyone may be an intermediary in
    introductions except the ``refuse`` ids."""
    edges, refused = list(edges), set(refuse)
    ids = sorted({x for e in edges for x in e})
    return ([person(i, consent={"intermediary": i not in refused}) for i in ids],
            [knows(a, b) for a, b in edges])


def without_timestamps(n: Node) -> Node:
    return n.model_copy(update={"created_at": None, "updated_at": None})
