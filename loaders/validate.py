"""Validating a source's items with the model: each item's outcome, in order.

Relationships come back packed as plain values (cheap to spool and to rebuild; see
:mod:`loaders.pipeline`), nodes as model objects, problems with their field and value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphsvc.errors import GraphsvcError
from graphsvc.model import Label, parse_node, parse_rel
from loaders.items import Item, Problem

#: A validated relationship, as plain values: (type, start, end, start label, end label, props).
PackedRel = tuple[str, str, str, str, str, dict[str, Any]]
#: (True, the node or the packed relationship) or (False, (field, value, message)).
Outcome = tuple[bool, Any]


def validate(item: Item) -> Outcome:
    """One item's outcome."""
    try:
        if item.is_node:
            return True, parse_node(Label(item.kind), item.data, row=item.row)
        rel = parse_rel(item.data, row=item.row)
    except GraphsvcError as exc:
        return False, (exc.field, exc.value, exc.message)
    return True, (rel.type.value, rel.start, rel.end, rel.start_label.value, rel.end_label.value,  # type: ignore[union-attr]
                  rel.props)


def validated(items: Iterable[Item | Problem]) -> Iterator[tuple[Item | Problem, Outcome | None]]:
    """Each entry with its outcome (``None`` for a problem the reader found), in order."""
    for entry in items:
        yield (entry, validate(entry)) if isinstance(entry, Item) else (entry, None)
