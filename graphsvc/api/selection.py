"""What a query asks for under a field: read ahead, so that a resolver can load in one
store call what the fields below it will need (:meth:`Context.around`, :meth:`Context.prefetch_ends`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionNode, VariableNode, value_from_ast_untyped
from strawberry.types import Info

from graphsvc.model import Label, RelType

#: The default ``first`` of ``Person.knows``.
KNOWS_FIRST = 20


@dataclass(frozen=True, slots=True)
class Selected:
    """A field asked for: its GraphQL name and its arguments, as far as they are known
    before execution (a variable's coerced value, a literal's value)."""

    node: FieldNode
    variables: dict[str, Any]

    @property
    def name(self) -> str:
        return self.node.name.value

    @property
    def arguments(self) -> dict[str, Any]:
        return {a.name.value: self.variables.get(a.value.name.value) if isinstance(a.value, VariableNode)
                else value_from_ast_untyped(a.value, self.variables) for a in self.node.arguments or ()}


def selected(info: Info, *path: str) -> list[Selected]:
    """The fields asked for under the resolver's field, at ``path`` (GraphQL names), through
    fragments and aliases; a field asked for twice (aliases) is there twice. Read from the
    document as it is, only as deep as ``path``: strawberry's ``info.selected_fields``
    converts the whole subtree, arguments and directives (~6% of a person's query)."""
    raw = info._raw_info
    fragments, variables = raw.fragments, raw.variable_values

    def under(selections: Iterable[SelectionNode], path: tuple[str, ...]) -> Iterator[Selected]:
        for s in selections:
            if isinstance(s, FieldNode):
                if not path:
                    yield Selected(s, variables)
                elif s.name.value == path[0] and s.selection_set is not None:
                    yield from under(s.selection_set.selections, path[1:])
            elif isinstance(s, InlineFragmentNode):
                yield from under(s.selection_set.selections, path)
            elif isinstance(s, FragmentSpreadNode) and (fragment := fragments.get(s.name.value)) is not None:
                yield from under(fragment.selection_set.selections, path)

    return [f for node in raw.field_nodes if node.selection_set is not None for f in under(node.selection_set.selections, path)]


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
            try:  # a variable's value comes coerced, a literal as its value
                most_trusted = max(most_trusted, int(field.arguments.get("first", KNOWS_FIRST)) + 1)
            except (TypeError, ValueError):
                pass  # not a number: the field itself says so
    return types, most_trusted
