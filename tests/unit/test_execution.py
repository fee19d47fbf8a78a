"""The short path for plain scalar fields answers exactly as graphql-core does: values,
nulls, errors, aliases, arguments and middleware."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphsvc.api import execution


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    note: str | None
    score: float
    colour: Colour
    broken: int  # holds a value the Int scalar refuses

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


ITEMS = [
    Item(name="a", note=None, score=1.5, colour=Colour.RED, broken=1),
    Item(name="b", note="n", score=0.0, colour=Colour.BLUE, broken=2**40),
    Item(name=None, note="x", score=2, colour=Colour.RED, broken=3),  # type: ignore[arg-type] - a null in a non-null field
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    async def first(self) -> Item:
        return ITEMS[0]


class Upper(SchemaExtension):
    """A field middleware: the short path must step aside for it."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


QUERIES = [
    "{ items { name note score colour } }",
    "{ items { n: name again: name note } first { name score } }",
    "{ items { score broken } }",
    "{ items { name shout(times: 2) } }",
    "{ first { name colour note } }",
]


def _run(schema: strawberry.Schema, query: str) -> tuple[Any, list[Any]]:
    result = asyncio.run(schema.execute(query))
    return result.data, [(e.message, e.path) for e in result.errors or []]


@pytest.mark.parametrize("extensions", [[], [Upper]], ids=["plain", "with-middleware"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_short_path_answers_as_graphql_core(query: str, extensions: list[Any]) -> None:
    schema = strawberry.Schema(query=Query, extensions=extensions)
    expected = _run(schema, query)
    schema.execution_context_class = execution.for_schema(schema._schema)
    assert _run(schema, query) == expected
    assert schema.execution_context_class is not StrawberryGraphQLCoreExecutionContext


def test_only_plain_scalar_fields_take_it() -> None:
    schema = strawberry.Schema(query=Query)
    plain = {(field.ast_node.name.value if field.ast_node else None, name) for field, name, _ in execution.plain_fields(schema._schema).values()}
    names = {name for _, name in plain}
    assert names == {"name", "note", "score", "colour", "broken"}  # not shout (a resolver), items or first (objects)


def test_the_graphsvc_schema_uses_it() -> None:
    from graphsvc.api.schema import build_schema

    schema = build_schema()
    assert issubclass(schema.execution_context_class, execution.ExecutionContext)
    plain = {name for _, name, _ in schema.execution_context_class.plain.values()}
    assert {"key", "name", "trust"} <= plain
    assert "contact" not in plain and "email" in plain  # contact is guarded (a permission): resolved in full
