"""Validate a whole source, then write it: all or nothing by default.

:func:`load` reads a stream of items once without holding it: it validates every item
with the model, checks ids for duplicates and relationship ends against the source and
then the store, and writes what is valid, in one of two ways:

* **in one transaction, as it goes** (stores whose :meth:`~graphsvc.store.base.Store.whole_load`
  says they can: SQLite). Nodes and the relationships between nodes the source has given
  are written in batches while the source is read; the rest (relationships to nodes not
  seen yet, which may be in the store, later in the source or nowhere) is spooled and
  written after the end checks. An error (without ``skip_invalid``) rolls everything back,
  and so does Ctrl-C or a killed process: the store has all of the load or none of it.
* **after validation, from a spool** (Neo4j, whose transactions live in server memory):
  what is valid is spooled to a temporary file (pickled batches, so memory stays bounded
  and nothing is validated twice) and, only if no error was found (or with
  ``skip_invalid``), written by the store's bulk upsert in its atomic batches (on two
  sessions, reading the spool ahead). A load stopped half-way leaves whole batches and no
  relationship without its ends.

Either way, running the same load again completes it, and a load of the same data
changes nothing (its nodes count as unchanged).
"""

from __future__ import annotations

import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
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


class _Rollback(Exception):
    """Raised inside a store's whole_load to store nothing."""


class _Stream:
    """Writes validated rows while the source is read, inside the store's whole load: nodes
    in batches, and relationships in batches after the nodes they need."""

    def __init__(self, store: Store, batch_size: int, memory: LoadMemory) -> None:
        self.store, self.size, self.memory = store, batch_size, memory
        self.nodes: list[Node] = []
        self.rels: list[Rel] = []
        self.on = True

    def node(self, node: Node) -> None:
        self.nodes.append(node)
        if len(self.nodes) >= self.size:
            self._write_nodes()

    def rel(self, rel: Rel) -> None:
        self.rels.append(rel)
        if len(self.rels) >= self.size:
            self.flush()

    def _write_nodes(self) -> None:
        if self.nodes:
            self.store.bulk_upsert(self.nodes, (), batch_size=self.size, memory=self.memory)
            self.nodes = []

    def flush(self) -> None:
        self._write_nodes()
        if self.rels:
            self.store.bulk_upsert((), self.rels, batch_size=self.size, memory=self.memory)
            self.rels = []

    def stop(self) -> None:
        """Nothing more is written (an error: the load will be rolled back)."""
        self.on = False
        self.nodes, self.rels = [], []


class _Validation:
    """Everything known about the source after reading it once (and, with a stream, what
    was written meanwhile)."""

    def __init__(self, report: LoadReport, batch_size: int, progress: Progress | None, *,
                 stream: _Stream | None = None, skip_invalid: bool = False) -> None:
        self.report = report
        self.progress = progress
        self.stream = stream
        self.skip_invalid = skip_invalid
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
        if self.stream is not None and self.stream.on and not self.skip_invalid:
            self.stream.stop()
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
            self.progress(self.phase, self.report.rows)
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
        if self.stream is None:
            self.nodes.add(node)
        elif self.stream.on:
            self.stream.node(node)

    def _rel(self, item: Item, rel: Rel) -> None:
        digest = hash(rel.key)
        if (first := self.rel_rows.get(digest)) is not None:
            self.reject(item, Problem(item.file, item.row, "end", rel.end, f"duplicate: this {rel.type} from {rel.start!r} to {rel.end!r} is already on row {first[1]} of {first[0]}"))
            return
        self.rel_rows[digest] = (item.file, item.row)
        start, end = (rel.start_label, rel.start), (rel.end_label, rel.end)
        self.wanted.setdefault(start, (item.file, item.row))  # type: ignore[arg-type]
        self.wanted.setdefault(end, (item.file, item.row))  # type: ignore[arg-type]
        if self.stream is None:
            self.rels.add(_pack(rel, item.file, item.row))
        elif not self.stream.on:
            return
        elif start in self.node_rows and end in self.node_rows:  # both ends written (or in the stream's batch)
            self.stream.rel(rel)
        else:  # written after the end checks
            self.rels.add(_pack(rel, item.file, item.row))

    @property
    def phase(self) -> str:
        return "validating" if self.stream is None else "validating and writing"

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
    """Validate every item and, unless an error was found and ``skip_invalid`` is off, or
    ``dry_run``, store them: as they are read in one transaction where the store can,
    otherwise in atomic batches after validation (see the module's doc). Never raises for
    bad input: every problem is in the report, with its file, row, column and value."""
    report = LoadReport()
    counts = _Counts(report, progress)
    memory = LoadMemory(on_batch=counts.written)
    # no full garbage collection meanwhile (see gc_paused): the load's tables of ids grow
    # to millions of entries, which every full collection would traverse
    try:
        with gc_paused(), (nullcontext(False) if dry_run else store.whole_load()) as whole:
            stream = _Stream(store, batch_size, memory) if whole else None
            state = _Validation(report, batch_size, progress, stream=stream, skip_invalid=skip_invalid)
            counts.quiet = stream is not None  # its writes go with the "validating and writing" phase
            try:
                for entry in items:
                    state.take(entry)
                if stream is not None and stream.on:
                    stream.flush()
                if progress:
                    progress("checking", report.rows)
                state.check_ends(store)
                if report.errors and not skip_invalid:
                    if whole:
                        _discard(report)
                        raise _Rollback
                    return report
                if not dry_run:
                    counts.quiet = False
                    _write(store, state, batch_size, memory, counts)
            finally:
                state.close()
    except _Rollback:
        pass
    return report


def _discard(report: LoadReport) -> None:
    """What a rolled-back whole load wrote is gone: the report says nothing was."""
    report.created = report.updated = report.unchanged = report.implied_created = report.rels_written = report.batches = 0
    report.written = False


@dataclass
class _Counts:
    """The report's counts of what was written, kept as the store's batches commit (on its
    writer threads, maybe two at once), and the writing phases' progress."""

    report: LoadReport
    progress: Progress | None
    implied: bool = False  # the batches now written are implied nodes
    quiet: bool = False  # no writing progress (a whole load: reported as rows are read)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def written(self, result: BatchResult) -> None:
        report = self.report
        with self.lock:
            report.batches += result.batches
            report.written = True
            if self.implied:
                report.implied_created += result.created
                return
            report.created += result.created
            report.updated += result.updated
            report.unchanged += result.unchanged
            report.rels_written += result.rels_written
            if self.progress and not self.quiet:
                if result.rels_written:
                    self.progress("writing relationships", report.rels_written)
                else:
                    self.progress("writing nodes", report.created + report.updated + report.unchanged)


def _write(store: Store, state: _Validation, batch_size: int, memory: LoadMemory, counts: _Counts) -> None:
    """Implied nodes, then the spooled nodes and relationships, through the store's own bulk
    path (Neo4j writes on two sessions at once, and reads the spool ahead while it writes),
    with the load's one :class:`LoadMemory`. The first failed batch ends the load; the
    batches before it stay whole (in a whole load, nothing stays)."""
    counts.implied = True
    store.bulk_upsert(list(state.implied.values()), (), batch_size=batch_size, memory=memory)
    counts.implied = False
    nodes = chain.from_iterable(state.nodes.batches())
    rels = (_unpack(packed) for batch in state.rels.batches() for packed in batch if state.rel_ok(packed))
    store.bulk_upsert(nodes, rels, batch_size=batch_size, memory=memory)
