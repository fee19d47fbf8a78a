"""Relay global ids: ``base64("Person:amal")``; opaque to clients, stable for caching."""

from __future__ import annotations

import base64
import binascii

from graphsvc.errors import InvalidInputError
from graphsvc.model import Label


def to_global_id(label: Label, id: str) -> str:
    return base64.urlsafe_b64encode(f"{label}:{id}".encode()).decode().rstrip("=")


def from_global_id(global_id: str, field: str = "id") -> tuple[Label, str]:
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        label, sep, id = raw.partition(":")
        if not sep or not id:
            raise ValueError
        return Label(label), id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInputError("not an id this service gave out", field=field, value=global_id) from None
