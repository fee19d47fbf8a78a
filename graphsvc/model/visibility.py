"""Who may see a field: every model field is public unless marked private or sensitive.

- ``private``: contact details. Only the person, coordinators and (later) people in an
  active mentorship with them may read it.
- ``sensitive``: attributes such as origin, gender and faith, used only with the person's
  consent for a stated purpose (:class:`graphsvc.model.nodes.Purpose`).

The marks live in each field's JSON-schema extras, so they show in the published schema
and can be read back with :func:`fields_with`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    SENSITIVE = "sensitive"


def private(default: Any = None, **kwargs: Any) -> Any:
    """A field holding private data (contact details)."""
    return Field(default=default, json_schema_extra={"visibility": Visibility.PRIVATE.value}, **kwargs)


def sensitive(default: Any = None, **kwargs: Any) -> Any:
    """A field holding sensitive attributes, usable only with consent for a purpose."""
    return Field(default=default, json_schema_extra={"visibility": Visibility.SENSITIVE.value}, **kwargs)


def visibility_of(model: type[BaseModel], field: str) -> Visibility:
    """The visibility of one field of a model."""
    extra = model.model_fields[field].json_schema_extra
    if isinstance(extra, dict) and "visibility" in extra:
        return Visibility(str(extra["visibility"]))
    return Visibility.PUBLIC


def fields_with(model: type[BaseModel], visibility: Visibility) -> frozenset[str]:
    """The names of a model's fields that have the given visibility."""
    return frozenset(name for name in model.model_fields if visibility_of(model, name) is visibility)
