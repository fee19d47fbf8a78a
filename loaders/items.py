"""What readers produce: raw items with where they came from, problems with where they are,
and parts (pieces of a source that read on their own, maybe in another process)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graphsvc.model import Label, RelType


class Severity(StrEnum):
    ERROR = "error"  # the row is not stored (and, by default, nothing is)
    WARNING = "warning"  # the row is stored, but something in it was dropped or guessed; reported


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the source: ``file`` and ``row`` (1-based data row; the line for
    CSV, the position in the array for JSON), ``column`` (the field), ``value`` and why."""

    file: str
    row: int | None
    column: str | None
    value: Any
    reason: str
    severity: Severity = Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "reason": self.reason,
            "severity": self.severity.value,
        }


@dataclass(frozen=True, slots=True)
class Item:
    """One node (``kind`` is a :class:`Label`) or relationship (a :class:`RelType`), raw.

    ``data`` is what :func:`graphsvc.model.parse_node` takes for a node (the model's
    nested form: ``{"id": ..., "name": ..., "consent": {"matching": true}}``) or what
    :func:`graphsvc.model.parse_rel` takes for a relationship (``{"type", "start", "end",
    "start_label"?, "end_label"?, "props"}``). ``raw`` is the source row as read (a dict,
    or ``(header, cells)`` so that readers need not build a dict per row), written to the
    rejects file when the row is rejected: see :attr:`record`.
    """

    kind: Label | RelType
    data: dict[str, Any]
    file: str
    row: int | None
    raw: dict[str, Any] | tuple[list[str], list[str]] | None = field(default=None, compare=False)
    #: a node the source only refers to (a language code in a person's row): created if it
    #: is neither in the source nor in the store, never overwriting what is there
    implied: bool = False

    @property
    def is_node(self) -> bool:
        return isinstance(self.kind, Label)

    @property
    def record(self) -> dict[str, Any]:
        """The source row as a dict (for reports), or ``data`` when there is none."""
        if isinstance(self.raw, tuple):
            return dict(zip(*self.raw, strict=True))
        return self.raw if self.raw is not None else self.data


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a source that reads on its own, such as one file of a CSV folder:
    ``read(*args)`` yields its items and problems, every one of them naming ``file``.
    Iterating a part reads it here; a loader may instead have it read in another process
    (``read`` and ``args`` pickle). ``size`` (bytes) says which parts take longest."""

    file: str
    read: Callable[..., Iterator[Item | Problem]]
    args: tuple[Any, ...]
    size: int = 0

    def __iter__(self) -> Iterator[Item | Problem]:
        return self.read(*self.args)


def expand(entries: Iterable[Item | Problem | Part]) -> Iterator[Item | Problem]:
    """The items and problems of a stream, with every part read in place."""
    for entry in entries:
        if isinstance(entry, Part):
            yield from entry
        else:
            yield entry
