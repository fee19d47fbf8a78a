"""Validating a source's items with the model, in this process or beside it in a second one.

A large source is validated a chunk of items at a time by one validating process while
this one reads the files and keeps the books (duplicates, ends, the spool): validation is
most of a load's CPU time, and the two run side by side. Outcomes come back in the order
of the items, so a load reports the same problems in the same order either way; a small
source is validated here (a process costs more to start than it saves).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from graphsvc.errors import GraphsvcError
from graphsvc.model import Label, parse_node, parse_rel
from loaders.items import Item, Problem

#: A validated relationship, as plain values: (type, start, end, start label, end label, props).
PackedRel = tuple[str, str, str, str, str, dict[str, Any]]
#: (True, the node or the packed relationship) or (False, (field, value, message)).
Outcome = tuple[bool, Any]

#: Items per chunk sent to the validating process.
CHUNK = 2000
#: Chunks sent ahead of the one being booked.
AHEAD = 3
#: Items validated here before a validating process is started (small sources never start one).
PARALLEL_FROM = 20_000


def validate(kind: str, is_node: bool, data: dict[str, Any], row: int | None) -> Outcome:
    """One item's outcome; relationships come back packed (cheap to pickle and to spool)."""
    try:
        if is_node:
            return True, parse_node(Label(kind), data, row=row)
        rel = parse_rel(data, row=row)
    except GraphsvcError as exc:
        return False, (exc.field, exc.value, exc.message)
    return True, (rel.type.value, rel.start, rel.end, rel.start_label.value, rel.end_label.value,  # type: ignore[union-attr]
                  rel.props)


def _validate_chunk(requests: list[tuple[str, bool, dict[str, Any], int | None]]) -> list[Outcome]:
    return [validate(*request) for request in requests]


def _requests(chunk: list[Item | Problem]) -> list[tuple[str, bool, dict[str, Any], int | None]]:
    return [(e.kind.value, e.is_node, e.data, e.row) for e in chunk if isinstance(e, Item)]


def _paired(chunk: list[Item | Problem], outcomes: Iterable[Outcome]) -> Iterator[tuple[Item | Problem, Outcome | None]]:
    results = iter(outcomes)
    for entry in chunk:
        yield (entry, next(results)) if isinstance(entry, Item) else (entry, None)


def validated(items: Iterable[Item | Problem], *, parallel: bool = True,
              parallel_from: int | None = None) -> Iterator[tuple[Item | Problem, Outcome | None]]:
    """Each entry with its outcome (``None`` for a problem the reader found), in order.

    With ``parallel``, once ``parallel_from`` items were seen, chunks go to one validating
    process (started with ``spawn``: nothing of this process's threads or connections is
    copied into it); ``parallel_from`` defaults to :data:`PARALLEL_FROM`."""
    start_at = PARALLEL_FROM if parallel_from is None else parallel_from
    pool: ProcessPoolExecutor | None = None
    pending: deque[tuple[list[Item | Problem], Future[list[Outcome]]]] = deque()
    chunk: list[Item | Problem] = []
    seen = 0
    try:
        for entry in items:
            chunk.append(entry)
            if len(chunk) < CHUNK:
                continue
            seen += len(chunk)
            if pool is None and parallel and seen > start_at:
                pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            if pool is None:
                yield from _paired(chunk, _validate_chunk(_requests(chunk)))
            else:
                pending.append((chunk, pool.submit(_validate_chunk, _requests(chunk))))
                while len(pending) > AHEAD:
                    done, future = pending.popleft()
                    yield from _paired(done, future.result())
            chunk = []
        while pending:
            done, future = pending.popleft()
            yield from _paired(done, future.result())
        yield from _paired(chunk, _validate_chunk(_requests(chunk)))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
