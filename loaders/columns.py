"""The tabular vocabulary shared by the CSV folder format and the JSON bundle.

One file (or bundle key) per label and per relationship type. A node's columns are its
model fields, nested ones joined with a dot (``consent.matching``, ``occupation.isco``);
list-valued fields hold their items in one cell separated by ``;`` (or, when an item
contains a ``;``, as a JSON array). A relationship's columns are ``start``, ``end``,
``start_label``/``end_label`` where the type allows several labels, then its properties.
Everything here is derived from the model, so a new field is a new column by itself.
"""

from __future__ import annotations

import json
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from graphsvc.model import (
    NODE_MODELS,
    REL_SPECS,
    Label,
    Node,
    RelType,
    Visibility,
    fields_with,
    to_record,
)
from graphsvc.model.records import (
    JSON_FIELDS as _JSON_COLUMNS,  # a GeoJSON object, as JSON text in its cell
)
from graphsvc.model.records import SEP as RECORD_SEP
from graphsvc.model.records import TIMESTAMPS as _TIMESTAMPS

#: File stem (and bundle key) of each label.
NODE_FILES: dict[Label, str] = {
    Label.PERSON: "people",
    Label.ORGANIZATION: "organizations",
    Label.INSTITUTION: "institutions",
    Label.INTEREST: "interests",
    Label.LANGUAGE: "languages",
    Label.NEIGHBORHOOD: "neighborhoods",
    Label.MENTORSHIP: "mentorships",
    Label.CIRCLE: "circles",
}
#: File stem of each relationship type: ``knows``, ``speaks``, ``interested_in``, ...
REL_FILES: dict[RelType, str] = {t: t.value.lower() for t in RelType}

LABEL_OF_FILE = {stem: label for label, stem in NODE_FILES.items()}
TYPE_OF_FILE = {stem: t for t, stem in REL_FILES.items()}

LIST_SEP = ";"

#: Shorthand columns a spreadsheet of people may carry instead of separate files:
#: ``languages`` (``ara:native; eng:basic``), ``interests`` (``cooking; chess``) and
#: ``neighborhood`` (an id). Each becomes relationships (SPEAKS, INTERESTED_IN, LIVES_IN).
PERSON_SHORTHANDS = ("languages", "interests", "neighborhood")


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (UnionType, Union):
        return any(_is_list(arg) for arg in get_args(annotation) if arg is not type(None))
    return get_origin(annotation) in (set, frozenset, tuple, list) or annotation in (set, frozenset, tuple, list)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


@cache
def node_columns(label: Label) -> tuple[tuple[str, ...], frozenset[str]]:
    """The columns of a label's file, in model order, and which of them hold lists."""
    model = NODE_MODELS[label]
    columns: list[str] = []
    lists: set[str] = set()
    for name, f in model.model_fields.items():
        if name in _TIMESTAMPS:
            continue
        inner = _model_in(f.annotation)
        if inner is not None:
            for sub, g in inner.model_fields.items():
                columns.append(f"{name}.{sub}")
                if _is_list(g.annotation):
                    lists.add(f"{name}.{sub}")
        else:
            columns.append(name)
            if _is_list(f.annotation):
                lists.add(name)
    return tuple(columns), frozenset(lists)


@cache
def hidden_columns(label: Label) -> frozenset[str]:
    """Columns of private and sensitive fields (left out of exports unless asked for)."""
    model = NODE_MODELS[label]
    hidden = fields_with(model, Visibility.PRIVATE) | fields_with(model, Visibility.SENSITIVE)
    return frozenset(c for c in node_columns(label)[0] if c.split(".")[0] in hidden)


@cache
def rel_columns(type: RelType) -> tuple[str, ...]:
    """The columns of a relationship type's file."""
    spec = REL_SPECS[type]
    ends = ["start", "end"]
    if len(spec.start) > 1:
        ends.append("start_label")
    if len(spec.end) > 1:
        ends.append("end_label")
    return (*ends, *spec.props.model_fields)


def split_list(cell: str) -> list[str]:
    """A list cell: a JSON array, or items separated by ``;`` (blank items dropped)."""
    text = cell.strip()
    if text.startswith("["):
        value = json.loads(text)
        if not isinstance(value, list):
            raise ValueError("not a JSON array")
        return [str(v) for v in value]
    return [part.strip() for part in text.split(LIST_SEP) if part.strip()]


def join_list(items: list[Any]) -> str:
    strings = [str(i) for i in items]
    if any(LIST_SEP in s or s != s.strip() or s.startswith("[") for s in strings):
        return json.dumps(strings, ensure_ascii=False)
    return LIST_SEP.join(strings)


def row_to_node_data(label: Label, row: dict[str, str]) -> dict[str, Any]:
    """A CSV row (column -> cell) as the model's nested input; empty cells are missing.
    Raises ``ValueError`` naming the column for a cell that cannot be read."""
    _, lists = node_columns(label)
    data: dict[str, Any] = {}
    for column, cell in row.items():
        if cell is None or cell.strip() == "" or column in PERSON_SHORTHANDS:
            continue
        try:
            if column in lists:
                value: Any = split_list(cell)
            elif column in _JSON_COLUMNS:
                value = json.loads(cell)
            else:
                value = cell
        except ValueError as exc:
            raise ColumnError(column, cell, f"cannot be read: {exc}") from None
        head, dot, sub = column.partition(".")
        if dot:
            data.setdefault(head, {})[sub] = value
        else:
            data[column] = value
    return data


def node_to_row(node: Node, *, include_hidden: bool = False) -> dict[str, str]:
    """A node as a CSV row (column -> cell), the inverse of :func:`row_to_node_data`."""
    label = node.label
    columns, lists = node_columns(label)
    hidden = set() if include_hidden else hidden_columns(label)
    dumped = node_to_data(node, include_hidden=include_hidden)
    row: dict[str, str] = {}
    for column in columns:
        if column in hidden:
            continue
        head, dot, sub = column.partition(".")
        value = dumped.get(head)
        if dot:
            value = value.get(sub) if isinstance(value, dict) else None
        if value is None:
            row[column] = ""
        elif column in lists:
            row[column] = join_list(value)
        elif column in _JSON_COLUMNS:
            row[column] = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        elif isinstance(value, bool):
            row[column] = "true" if value else "false"
        else:
            row[column] = str(value)
    return row


def node_to_data(node: Node, *, include_hidden: bool = False) -> dict[str, Any]:
    """A node in the model's nested JSON form, without timestamps; sets sorted (as in the
    stores' records), so the same node always gives the same output; private and
    sensitive fields only if asked for."""
    hidden = set() if include_hidden else {c.split(".")[0] for c in hidden_columns(node.label)}
    data: dict[str, Any] = {}
    for key, value in to_record(node).items():
        head, sep, sub = key.partition(RECORD_SEP)
        if head in hidden:
            continue
        if head in _JSON_COLUMNS:
            value = json.loads(value)
        if sep:
            data.setdefault(head, {})[sub] = value
        else:
            data[head] = value
    return data


class ColumnError(ValueError):
    def __init__(self, column: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.value = value
        self.reason = reason
