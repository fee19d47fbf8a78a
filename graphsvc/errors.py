"""The one error hierarchy of graphsvc.

Every failure a caller can expect is a :class:`GraphsvcError`. Store backends translate
their driver's exceptions (``sqlite3``, ``neo4j``) into these at their boundary, so no
backend exception ever escapes :mod:`graphsvc.store`.

Errors that concern one piece of input carry ``field`` (the offending field or argument),
``row`` (its position in a batch, counted from 0) and ``value`` so that a caller can say
exactly what was wrong.
"""

from __future__ import annotations

from typing import Any


class GraphsvcError(Exception):
    """Base class of every error graphsvc raises on purpose."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        value: Any = None,
    ) -> None:
        self.message = message
        self.field = field
        self.row = row
        self.value = value
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for reports and API error results)."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "row": self.row,
            "value": None if self.value is None else str(self.value),
        }


class InvalidInputError(GraphsvcError):
    """Input that the model rejects: a bad code, a value out of range, a wrong type."""

    code = "invalid"


class NotFoundError(GraphsvcError):
    """A node or relationship that does not exist."""

    code = "not_found"


class DuplicateIdError(GraphsvcError):
    """The same id given twice where it must be unique (for example in one batch)."""

    code = "duplicate"


class DanglingRelationshipError(GraphsvcError):
    """A relationship whose start or end node exists neither in the batch nor the store."""

    code = "dangling"


class StoreUnavailableError(GraphsvcError):
    """The store cannot be reached (server down, file unreadable, timeout)."""

    code = "unavailable"


class StoreError(GraphsvcError):
    """Any other failure inside a store; the message never carries private data."""

    code = "store"


class ConfigurationError(GraphsvcError):
    """Settings that cannot work: an unknown store scheme, a missing password."""

    code = "configuration"


class ConflictError(GraphsvcError):
    """A change the current state does not allow: a mentor without free places, a
    mentorship that has already ended."""

    code = "conflict"
