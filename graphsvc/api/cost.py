"""A query cost limit: refuse, before running it, a query that would touch too much.

Every field costs 1, times the number of times it may be resolved: a field with a
``first`` argument multiplies the cost of everything under it by that number (by its
default, 20, when not given), ``network`` by its node bound. A 50-person page with
languages, interests and neighborhood costs about 500; the default limit is 10,000.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    value_from_ast_untyped,
)

from graphsvc.store.base import MAX_PAGE

DEFAULT_FIRST = 20
MULTIPLIERS = {"network": 500}


def _factor(field: FieldNode, variables: dict[str, Any]) -> int:
    for arg in field.arguments or ():
        if arg.name.value == "first":
            value = variables.get(arg.value.name.value) if isinstance(arg.value, VariableNode) else value_from_ast_untyped(arg.value)
            # above the page limit the resolver refuses it, naming the argument: count the limit
            return min(max(int(value), 1), MAX_PAGE) if isinstance(value, int) else DEFAULT_FIRST
    return MULTIPLIERS.get(field.name.value, 1)


def query_cost(selection: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any],
               seen: frozenset[str] = frozenset()) -> int:
    """The cost of a selection set (see the module's doc)."""
    if selection is None:
        return 0
    total = 0
    for node in selection.selections:
        if isinstance(node, FieldNode):
            total += 1 + _factor(node, variables) * query_cost(node.selection_set, fragments, variables, seen)
        elif isinstance(node, InlineFragmentNode):
            total += query_cost(node.selection_set, fragments, variables, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen and node.name.value in fragments:
            total += query_cost(fragments[node.name.value].selection_set, fragments, variables, seen | {node.name.value})
    return total


def cost_error(document: DocumentNode, operation_name: str | None, variables: dict[str, Any], max_cost: int) -> ExecutionResult | None:
    """The answer refusing the operation to run (``operation_name``'s, or the first) if its
    cost exceeds ``max_cost``; ``None`` if it may run."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    cost = sum(query_cost(o.selection_set, fragments, variables) for o in chosen[:1])
    if cost <= max_cost:
        return None
    return ExecutionResult(data=None, errors=[GraphQLError(
        f"query cost {cost} exceeds the limit of {max_cost}; ask for smaller pages (first) or fewer nested lists",
        extensions={"code": "cost_limit", "cost": cost, "limit": max_cost},
    )])
