"""Validate a whole source, then write it: all or nothing by default.

:func:`load` reads a stream of items twice over without holding it: the first pass
validates every item with the model, checks ids for duplicates and relationship ends
against the source and then the store, and spools what is valid to a temporary file
(pickled batches, so memory stays bounded and nothing is validated twice). Only if no
error was found (or with ``skip_invalid``) does the second pass write the spool: implied
nodes, then nodes, then relationships, through the store's bulk upsert, in its atomic
batches (Neo4j's on two sessions, reading the spool ahead while it writes). A load
stopped half-way (Ctrl-C, a killed process) leaves whole batches and no relationship
without its ends; running the same load again completes it, and a load of the same data
changes nothing (its nodes count as unchanged).
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from typing import IO, Any

from graphsvc.errors import GraphsvcError
from graphsvc.model import Label, Node, Rel, RelType, parse_node, parse_rel
from graphsvc.store.base import DEFAULT_BATCH, Store, gc_paused
from graphsvc.store.types import BatchResult, LoadMemory
from loaders.items import Item, Problem, Severity

NodeKey = tuple[Label, str]
Where = tuple[str, int | None]
#: progress(phase, done): phases "validating", "checking", "writing nodes", "writing relationships"
Progress = Callable[[str, int], None]

_STORE_CHECK_CHUNK = 5000


@dataclass
class LoadReport:
    """What a load found and did."""

    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # items read (a node or a relationship each)
    rejected: int = 0  # items not stored because of an error
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    implied_created: int = 0
    rels_written: int = 0
    batches: int = 0
    written: bool = False  # whether anything was written
    rejects: list[dict[str, Any]] = field(default_factory=list)  # rejected rows, for the rejects file

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def summary(self) -> dict[str, int | bool]:
        return {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "implied_created": self.implied_created, "relationships_written": self.rels_written,
            "rejected": self.rejected, "errors": len(self.errors), "warnings": len(self.warnings),
            "batches": self.batches, "written": self.written,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "problems": [p.to_dict() for p in self.problems]}


class _Spool:
    """Validated objects, pickled in batches to an anonymous temporary file."""

    def __init__(self, batch_size: int) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="graphsvc-load-")  # noqa: SIM115 (closed in close())
        self._batch: list[Any] = []
        self._size = batch_size
        self.count = 0

    def add(self, entry: Any) -> None:
        self._batch.append(entry)
        self.count += 1
        if len(self._batch) >= self._size:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def batches(self) -> Iterator[list[Any]]:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()


class _Validation:
    """The first pass: everything known about the source after reading it once."""

    def __init__(self, report: LoadReport, batch_size: int, progress: Progress | None) -> None:
        self.report = report
        self.progress = progress
        self.nodes = _Spool(batch_size)
        self.rels = _Spool(batch_size)
        self.node_rows: dict[NodeKey, Where] = {}  # explicit nodes of the source, where first seen
        self.rel_rows: dict[int, Where] = {}  # hash of a relationship key -> where first seen
        self.implied: dict[NodeKey, Node] = {}
        self.wanted: dict[NodeKey, Where] = {}  # relationship ends, where first needed
        self.missing: set[NodeKey] = set()  # ends that exist nowhere (found by check_ends)
        self.rejected_rows: set[Where] = set()

    def reject(self, item: Item | None, problem: Problem) -> None:
        self.report.problems.append(problem)
        where = (problem.file, problem.row)
        if where not in self.rejected_rows:
            self.rejected_rows.add(where)
            self.report.rejected += 1
            if item is not None:
                self.report.rejects.append({"file": item.file, "row": item.row, "reason": problem.reason, "column": problem.column, "data": item.record})

    def take(self, entry: Item | Problem) -> None:
        if isinstance(entry, Problem):
            if entry.severity is Severity.ERROR:
                self.reject(None, entry)
            else:
                self.report.problems.append(entry)
            return
        self.report.rows += 1
        if self.progress and self.report.rows % 10_000 == 0:
            self.progress("validating", self.report.rows)
        try:
            if entry.is_node:
                self._node(entry, parse_node(entry.kind, entry.data, row=entry.row))
            else:
                self._rel(entry, parse_rel(entry.data, row=entry.row))
        except GraphsvcError as exc:
            self.reject(entry, Problem(entry.file, entry.row, exc.field, exc.value, exc.message))

    def _node(self, item: Item, node: Node) -> None:
        key = (node.label, node.id)
        if item.implied:
            self.implied.setdefault(key, node)
            return
        if (first := self.node_rows.get(key)) is not None:
            self.reject(item, Problem(item.file, item.row, "id", node.id, f"duplicate: {node.label} {node.id!r} is already on row {first[1]} of {first[0]}"))
            return
        self.node_rows[key] = (item.file, item.row)
        self.nodes.add(node)

    def _rel(self, item: Item, rel: Rel) -> None:
        digest = hash(rel.key)
        if (first := self.rel_rows.get(digest)) is not None:
            self.reject(item, Problem(item.file, item.row, "end", rel.end, f"duplicate: this {rel.type} from {rel.start!r} to {rel.end!r} is already on row {first[1]} of {first[0]}"))
            return
        self.rel_rows[digest] = (item.file, item.row)
        for key in ((rel.start_label, rel.start), (rel.end_label, rel.end)):
            self.wanted.setdefault(key, (item.file, item.row))  # type: ignore[arg-type]
        self.rels.add(_pack(rel, item.file, item.row))

    def check_ends(self, store: Store) -> None:
        """Ends that are neither nodes of the source nor in the store are errors; implied
        nodes the store already has are not written again."""
        unknown = [k for k in self.wanted if k not in self.node_rows and k not in self.implied]
        implied = [k for k in self.implied if k not in self.node_rows]
        stored = _stored(store, unknown + implied)
        self.missing.update(k for k in unknown if k not in stored)
        for key in implied:
            if key in stored:
                del self.implied[key]
        for key in [k for k in self.implied if k in self.node_rows]:  # given explicitly: written as given
            del self.implied[key]
        for label, id in sorted(self.missing):
            file, row = self.wanted[(label, id)]
            self.report.problems.append(Problem(file, row, None, id, f"refers to {label} {id!r}, which is neither in the source nor in the store"))

    def rel_ok(self, packed: Packed) -> bool:
        if not self.missing:
            return True
        type, start, end, start_label, end_label, props, file, row = packed
        for key in ((_LABELS[start_label], start), (_LABELS[end_label], end)):
            if key in self.missing:
                self.report.rejected += (file, row) not in self.rejected_rows
                self.rejected_rows.add((file, row))
                self.report.rejects.append({"file": file, "row": row, "reason": f"refers to {key[0]} {key[1]!r}, which exists nowhere", "column": None,
                                            "data": {"type": type, "start": start, "end": end, "props": dict(props)}})
                return False
        return True

    def close(self) -> None:
        self.nodes.close()
        self.rels.close()


#: A spooled relationship: (type, start, end, start label, end label, props, file, row), plain
#: values; pickling and rebuilding these is about half the cost of pickling the model objects.
Packed = tuple[str, str, str, str, str, dict[str, Any], str, int | None]
_REL_FIELDS = frozenset(Rel.model_fields)
_TYPES = {t.value: t for t in RelType}
_LABELS = {label.value: label for label in Label}


def _pack(rel: Rel, file: str, row: int | None) -> Packed:
    return (rel.type.value, rel.start, rel.end, rel.start_label.value, rel.end_label.value,  # type: ignore[union-attr]
            rel.props, file, row)


def _unpack(packed: Packed) -> Rel:
    """The validated relationship again (``model_construct``: it was validated when spooled)."""
    type, start, end, start_label, end_label, props, _, _ = packed
    return Rel.model_construct(set(_REL_FIELDS), type=_TYPES[type], start=start, end=end,
                               start_label=_LABELS[start_label], end_label=_LABELS[end_label], props=props)


def _stored(store: Store, keys: list[NodeKey]) -> set[NodeKey]:
    """Which of these nodes (of any labels) the store has, asked in chunks."""
    found: set[NodeKey] = set()
    for start in range(0, len(keys), _STORE_CHECK_CHUNK):
        found.update(store.get_nodes(keys[start : start + _STORE_CHECK_CHUNK]))
    return found


def load(
    store: Store,
    items: Iterable[Item | Problem],
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> LoadReport:
    """Validate every item, then (unless an error was found and ``skip_invalid`` is off,
    or ``dry_run``) write them in atomic batches. Never raises for bad input: every
    problem is in the report, with its file, row, column and value."""
    report = LoadReport()
    state = _Validation(report, batch_size, progress)
    # no full garbage collection meanwhile (see gc_paused): the load's tables of ids grow
    # to millions of entries, which every full collection would traverse
    with gc_paused():
        try:
            for entry in items:
                state.take(entry)
            if progress:
                progress("checking", report.rows)
            state.check_ends(store)
            if dry_run or (report.errors and not skip_invalid):
                return report
            _write(store, state, batch_size, progress)
            return report
        finally:
            state.close()


def _write(store: Store, state: _Validation, batch_size: int, progress: Progress | None) -> None:
    """Implied nodes, then the spooled nodes and relationships, through the store's own bulk
    path (Neo4j writes on two sessions at once, and reads the spool ahead while it writes),
    with one :class:`LoadMemory` for the whole load. The first failed batch ends the load;
    the batches before it stay whole."""
    report = state.report
    counted = threading.Lock()  # on_batch runs on the store's writer threads

    def written(result: BatchResult, *, implied: bool = False) -> None:
        with counted:
            report.batches += result.batches
            report.written = True
            if implied:
                report.implied_created += result.created
                return
            report.created += result.created
            report.updated += result.updated
            report.unchanged += result.unchanged
            report.rels_written += result.rels_written
            if progress:
                if result.rels_written:
                    progress("writing relationships", report.rels_written)
                else:
                    progress("writing nodes", report.created + report.updated + report.unchanged)

    memory = LoadMemory(on_batch=partial(written, implied=True))
    store.bulk_upsert(list(state.implied.values()), (), batch_size=batch_size, memory=memory)
    memory.on_batch = written
    nodes = chain.from_iterable(state.nodes.batches())
    rels = (_unpack(packed) for batch in state.rels.batches() for packed in batch if state.rel_ok(packed))
    store.bulk_upsert(nodes, rels, batch_size=batch_size, memory=memory)
