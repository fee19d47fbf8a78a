"""What a query asks for under a field: read ahead, so that a resolver can load in one
store call what the fields below it will need (:meth:`Context.around`, :meth:`Context.prefetch_ends`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from graphsvc.model import Label, RelType

#: The default ``first`` of ``Person.knows``.
KNOWS_FIRST = 20


def selected(info: Info, *path: str) -> list[SelectedField]:
    """The fields asked for under the resolver's field, at ``path`` (GraphQL names), through
    fragments and aliases; a field asked for twice (aliases) is there twice."""
    def under(selections: list[Any], path: tuple[str, ...]) -> Iterator[SelectedField]:
        for s in selections:
            if isinstance(s, SelectedField):
                if not path:
                    yield s
                elif s.name == path[0]:
                    yield from under(s.selections, path[1:])
            else:  # an inline fragment or a fragment spread
                yield from under(s.selections, path)

    return list(under(info.selected_fields[0].selections, path)) if info.selected_fields else []


def person_view(info: Info, fields: dict[str, tuple[RelType, Label]]) -> tuple[set[RelType], int]:
    """What a person's fields asked for here need loaded with the person: the relationship
    types (of ``fields``, the fields that list the ends of a type, and of ``knows``) and how
    many acquaintances, most trusted first: a ``knows`` page from the start needs its
    ``first`` and one more (is there a next page?). A page after a cursor is read on its own."""
    types: set[RelType] = set()
    most_trusted = 0
    for field in selected(info):
        if field.name in fields:
            types.add(fields[field.name][0])
        elif field.name == "knows" and field.arguments.get("after") is None:
            types.add(RelType.KNOWS)
            try:  # a variable's value comes coerced, a literal as its text
                most_trusted = max(most_trusted, int(field.arguments.get("first", KNOWS_FIRST)) + 1)
            except (TypeError, ValueError):
                pass  # not a number: the field itself says so
    return types, most_trusted
