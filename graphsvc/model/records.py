"""Flat records: how a node's properties are stored, the same way in every store.

Neo4j properties are scalars or lists of scalars, so nested models are flattened one
level with ``__`` (``consent__matching``, ``contact__email``); sets become sorted lists,
dates ISO strings, a GeoJSON geometry a JSON string. Missing optional fields are left out.
``from_record`` reverses it and validates again, but for what cannot have changed since
it was validated on its way in (email addresses: see :data:`graphsvc.model.codes.STORED`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from graphsvc.errors import InvalidInputError
from graphsvc.model.codes import STORED
from graphsvc.model.nodes import NODE_MODELS, Label, Node
from graphsvc.model.relationships import Rel

SEP = "__"
JSON_FIELDS = frozenset({"geometry"})
TIMESTAMPS = ("created_at", "updated_at")
_EXCLUDE = frozenset(TIMESTAMPS)
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_.]*): (.*)$", re.DOTALL)


def name_key(name: str) -> str:
    """The key that names sort and match by: NFKC, case-folded (``'Ærø'`` -> ``'ærø'``)."""
    return unicodedata.normalize("NFKC", name).casefold()


def _is_set(annotation: Any) -> bool:
    if get_origin(annotation) in (UnionType, Union):
        return any(_is_set(arg) for arg in get_args(annotation))
    return get_origin(annotation) in (set, frozenset) or annotation in (set, frozenset)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


@cache
def _layout(model: type[BaseModel]) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """A model's set-valued fields, and its nested-model fields with theirs."""
    sets = frozenset(name for name, f in model.model_fields.items() if _is_set(f.annotation))
    nested = {}
    for name, f in model.model_fields.items():
        inner = _model_in(f.annotation)
        if inner is not None:
            nested[name] = frozenset(n for n, g in inner.model_fields.items() if _is_set(g.annotation))
    return sets, nested


def to_record(node: Node) -> dict[str, Any]:
    """The flat properties of a node, without its timestamps. Sets become sorted lists
    (so records are deterministic), tuples lists in their order, dates ISO strings."""
    record = node.model_dump(mode="json", exclude_none=True, exclude=_EXCLUDE)
    sets, nested = _layout(type(node))
    for field in sets:
        if field in record:
            record[field].sort()
    for field, subsets in nested.items():
        part = record.pop(field, None)
        if part is None:
            continue
        for sub, value in part.items():
            if sub in subsets:
                value.sort()
            record[f"{field}{SEP}{sub}"] = value
    for field in JSON_FIELDS.intersection(record):
        record[field] = json.dumps(record[field], sort_keys=True, separators=(",", ":"))
    return record


def from_record(label: Label, record: dict[str, Any]) -> Node:
    """A node from its flat record (timestamps may be included as ISO strings)."""
    # comprehensions, not a loop over every key: a person is read ~17 keys at a time, and
    # this shaping cost as much as the model's validation
    data = {key: value for key, value in record.items() if value is not None and SEP not in key}
    data.pop("name_key", None)
    for key in [key for key in record if SEP in key]:
        if (value := record[key]) is not None:
            field, _, sub = key.partition(SEP)
            data.setdefault(field, {})[sub] = value
    for ts in TIMESTAMPS:
        if type(value := data.get(ts)) is str:
            data[ts] = datetime.fromisoformat(value)
    return NODE_MODELS[label].model_validate(data, context=STORED)


def _invalid(exc: ValidationError, row: int | None) -> InvalidInputError:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    if field is None and (found := _FIELD_PREFIX.match(message)):
        field, message = found.group(1), found.group(2)
    value = first.get("input") if field else None
    if isinstance(value, dict | list):
        value = None
    return InvalidInputError(message, field=field, row=row, value=value)


def parse_node(label: Label | str, data: dict[str, Any] | BaseModel, *, row: int | None = None) -> Node:
    """Validate raw input as a node of ``label``; errors name the field (and row)."""
    try:
        model = NODE_MODELS[Label(label)]
    except ValueError:
        raise InvalidInputError(f"unknown label '{label}'", field="label", row=row, value=label) from None
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data if isinstance(data, dict) else data.model_dump())
    except ValidationError as exc:
        raise _invalid(exc, row) from None


def parse_rel(data: dict[str, Any] | Rel, *, row: int | None = None) -> Rel:
    """Validate raw input as a relationship; errors name the field (and row)."""
    if isinstance(data, Rel):
        return data
    try:
        return Rel.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, row) from None
