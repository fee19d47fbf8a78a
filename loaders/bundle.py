"""The JSON bundle: one file with a program's nodes and relationships.

    {"format": "graphsvc-bundle", "version": 1,
     "people": [{"id": "amal", "name": "Amal", "roles": ["NEWCOMER"], "consent": {"matching": true}}],
     "languages": [{"id": "arz"}], ...,
     "relationships": [{"type": "SPEAKS", "start": "amal", "end": "arz", "props": {"level": "native"}}]}

Nodes are in the model's nested form, one array per label (keys as in
:data:`loaders.columns.NODE_FILES`); relationships name their type, ends and props. The
JSON Schema is ``schema/bundle.schema.json`` (from :func:`bundle_json_schema`). A
problem's ``row`` is the 1-based position in its array, its ``file`` the bundle's name
with the array (``community.json#people``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pydantic.json_schema import models_json_schema

from graphsvc.model import NODE_MODELS, REL_SPECS, Label, Node, Rel, RelType
from loaders.columns import LABEL_OF_FILE, NODE_FILES, node_to_data
from loaders.items import Item, Problem

FORMAT = "graphsvc-bundle"
VERSION = 1
RELATIONSHIPS = "relationships"
SCHEMA_FILE = "bundle.schema.json"


def looks_like_bundle(path: Path) -> bool:
    if not (path.is_file() and path.suffix.lower() == ".json"):
        return False
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", "ignore")
    return f'"{FORMAT}"' in head


def read_bundle(path: Path) -> Iterator[Item | Problem]:
    path = Path(path)
    name = path.name
    try:
        with path.open(encoding="utf-8-sig") as handle:
            document = json.load(handle)
    except OSError as exc:
        yield Problem(name, None, None, None, f"cannot be read: {exc.strerror or exc}")
        return
    except UnicodeDecodeError as exc:
        yield Problem(name, None, None, None, f"is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return
    except json.JSONDecodeError as exc:
        yield Problem(name, exc.lineno, None, None, f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        return
    if not isinstance(document, dict):
        yield Problem(name, None, None, None, "must be a JSON object with one array per label and 'relationships'")
        return
    if document.get("format", FORMAT) != FORMAT or document.get("version", VERSION) != VERSION:
        yield Problem(name, None, "format", f"{document.get('format')} {document.get('version')}", f"is not a {FORMAT} version {VERSION}")
        return
    known = {*LABEL_OF_FILE, RELATIONSHIPS, "format", "version", "$schema"}
    for key in sorted(set(document) - known):
        yield Problem(name, None, key, key, f"unknown key (known: {', '.join(sorted(known))})")
    for label, key in NODE_FILES.items():
        yield from _array(name, document, key, label)
    yield from _array(name, document, RELATIONSHIPS, None)


def _array(name: str, document: dict[str, Any], key: str, label: Label | None) -> Iterator[Item | Problem]:
    entries = document.get(key, [])
    where = f"{name}#{key}"
    if not isinstance(entries, list):
        yield Problem(where, None, key, None, "must be an array")
        return
    for row, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            yield Problem(where, row, None, None, "must be an object")
            continue
        if label is not None:
            yield Item(label, entry, where, row, raw=entry)
            continue
        try:
            type = RelType(entry.get("type"))
        except ValueError:
            yield Problem(where, row, "type", entry.get("type"), f"unknown relationship type (known: {', '.join(RelType)})")
            continue
        yield Item(type, entry, where, row, raw=entry)


class BundleWriter:
    """Writes a bundle as a stream: nodes (grouped by label, in the order given per label)
    and then relationships; arrays are written as items arrive, never held whole."""

    def __init__(self, handle: IO[str], *, include_hidden: bool = False) -> None:
        self._out = handle
        self.include_hidden = include_hidden
        self._out.write(f'{{"format": "{FORMAT}", "version": {VERSION}')
        self._open_key: str | None = None
        self._done: set[str] = set()
        self._first = True

    def _begin(self, key: str) -> None:
        if self._open_key == key:
            return
        if key in self._done:
            raise ValueError(f"{key} must be written together (already closed)")
        self._end()
        self._out.write(f',\n "{key}": [')
        self._open_key, self._first = key, True

    def _end(self) -> None:
        if self._open_key is not None:
            self._out.write("\n ]")
            self._done.add(self._open_key)
            self._open_key = None

    def _write(self, value: dict[str, Any]) -> None:
        self._out.write(("\n  " if self._first else ",\n  ") + json.dumps(value, ensure_ascii=False, sort_keys=False))
        self._first = False

    def node(self, node: Node) -> None:
        self._begin(NODE_FILES[node.label])
        self._write(node_to_data(node, include_hidden=self.include_hidden))

    def rel(self, rel: Rel) -> None:
        self._begin(RELATIONSHIPS)
        entry: dict[str, Any] = {"type": rel.type.value, "start": rel.start, "end": rel.end}
        spec = REL_SPECS[rel.type]
        if len(spec.start) > 1:
            entry["start_label"] = rel.start_label
        if len(spec.end) > 1:
            entry["end_label"] = rel.end_label
        if rel.props:
            entry["props"] = dict(rel.props)
        self._write(entry)

    def close(self) -> None:
        self._end()
        self._out.write("\n}\n")


def bundle_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the bundle, derived from the model."""
    models = [(NODE_MODELS[label], "validation") for label in NODE_FILES]
    models += [(spec.props, "validation") for spec in REL_SPECS.values()]
    keys, top = models_json_schema(models, ref_template="#/$defs/{model}")  # type: ignore[arg-type]
    defs = top["$defs"]
    for label in NODE_FILES:  # the store sets the timestamps, a bundle does not carry them
        for ts in ("created_at", "updated_at"):
            defs[NODE_MODELS[label].__name__]["properties"].pop(ts, None)
    rel_variants = []
    for type, spec in REL_SPECS.items():
        props_ref = keys[(spec.props, "validation")]
        variant: dict[str, Any] = {
            "type": "object",
            "properties": {
                "type": {"const": type.value},
                "start": {"type": "string", "minLength": 1},
                "end": {"type": "string", "minLength": 1},
                "props": props_ref,
            },
            "required": ["type", "start", "end"],
            "additionalProperties": False,
        }
        for side, labels in (("start_label", spec.start), ("end_label", spec.end)):
            variant["properties"][side] = {"enum": sorted(labels)}
            if len(labels) > 1:
                variant["required"].append(side)
        rel_variants.append(variant)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/graphsvc/graphsvc/schema/bundle.schema.json",
        "title": "graphsvc bundle",
        "description": "A program's nodes and relationships in one file (graphsvc load / graphsvc export).",
        "type": "object",
        "properties": {
            "$schema": {"type": "string"},
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            **{key: {"type": "array", "items": keys[(NODE_MODELS[label], "validation")]} for label, key in NODE_FILES.items()},
            RELATIONSHIPS: {"type": "array", "items": {"oneOf": rel_variants}},
        },
        "additionalProperties": False,
        "$defs": defs,
    }


def write_json_schema(schema_dir: Path) -> Path:
    path = Path(schema_dir) / SCHEMA_FILE
    path.write_text(json.dumps(bundle_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path
