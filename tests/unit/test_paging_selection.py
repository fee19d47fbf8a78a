"""Which fields a connection's nodes are asked for: what a page loads ahead (``selected``)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graphsvc.api.selection import selected

seen: list[set[str]] = []


@strawberry.type
class Item:
    a: int = 0
    b: int = 0
    c: int = 0


@strawberry.type
class ItemEdge:
    node: Item
    cursor: str = ""


@strawberry.type
class ItemConnection:
    edges: list[ItemEdge]
    total: int = 0


@strawberry.type
class Query:
    @strawberry.field
    def items(self, info: Info) -> ItemConnection:
        seen.append({f.name for f in selected(info, "edges", "node")})
        return ItemConnection(edges=[ItemEdge(node=Item())])


schema = strawberry.Schema(query=Query)


def fields_of(query: str) -> set[str]:
    seen.clear()
    result = schema.execute_sync(query)
    assert result.errors is None, result.errors
    return seen[0]


def test_the_fields_asked_on_edges_nodes_are_found_through_aliases_and_fragments() -> None:
    assert fields_of("{ items { total edges { cursor node { a } } } }") == {"a"}
    assert fields_of("{ items { edges { node { x: b } } } }") == {"b"}
    assert fields_of("{ items { edges { ... on ItemEdge { node { ... on Item { c } } } } } }") == {"c"}
    assert fields_of("{ items { ...E } } fragment E on ItemConnection { edges { node { ...N a } } } fragment N on Item { b }") == {"a", "b"}
    assert fields_of("{ items { total } }") == set()


@strawberry.type
class Page:
    @strawberry.field
    def rows(self, first: int = 5, after: str | None = None) -> list[Item]:
        return [Item()]


arguments_seen: list[dict[str, object]] = []


@strawberry.type
class ArgsQuery:
    @strawberry.field
    def page(self, info: Info) -> Page:
        arguments_seen.extend(f.arguments for f in selected(info) if f.name == "rows")
        return Page()


def test_arguments_are_read_from_literals_and_variables() -> None:
    arguments_seen.clear()
    args_schema = strawberry.Schema(query=ArgsQuery)
    result = args_schema.execute_sync(
        'query($n: Int, $c: String) { page { rows(first: 3) { a } r2: rows(first: $n, after: $c) { a } r3: rows { b } } }',
        variable_values={"n": 7, "c": "x"},
    )
    assert result.errors is None, result.errors
    assert arguments_seen == [{"first": 3}, {"first": 7, "after": "x"}, {}]
