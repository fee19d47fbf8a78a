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
  relationship without its ends. Parts of the source (the files of a CSV folder, or spans
  of a large one) are validated at once by this process and worker processes
  (:mod:`loaders.part_workers`), and their results merged in the source's order
  (:meth:`_Validation.take_parts`): the report is the one reading row by row makes.

Either way, running the same load again completes it, and a load of the same data
changes nothing (its nodes count as unchanged).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

from graphsvc.errors import GraphsvcError
from graphsvc.model import Node, Rel, parse_node, parse_rel
from graphsvc.model.relationships import rel_key
from graphsvc.store.base import DEFAULT_BATCH, Store, gc_paused
from graphsvc.store.types import BatchResult, LoadMemory
from loaders.items import Item, Part, Problem, Severity, expand
from loaders.part_check import PartChecked, entries_at
from loaders.part_workers import Workers, check_parts
from loaders.spool import LABELS, NodeKey, Packed, Spooled, Where, pack, rel_digest, unpack

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
    workers: int = 0  # processes that validated parts of the source beside this one
    workers_peak_rss_mib: float = 0.0  # the largest peak RSS among them

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
        self.batch_size = batch_size
        self.segments: list[Spooled] = []  # the valid rows, spooled, in the source's order
        self._here: Spooled | None = None  # the segment of the rows this process reads itself
        # a relationship given twice is found by a digest of its key; one that is the same
        # in every process where parts may be validated in other processes (not streamed)
        self.digest: Callable[[Rel], int] = rel_digest if stream is None else (lambda rel: hash(rel_key(rel)))
        self.node_rows: dict[NodeKey, Where] = {}  # explicit nodes of the source, where first seen
        self.rel_rows: dict[int, Where] = {}  # digest of a relationship key -> where first seen
        self.implied: dict[NodeKey, Node] = {}
        self.wanted: dict[NodeKey, Where] = {}  # relationship ends, where first needed
        self.missing: set[NodeKey] = set()  # ends that exist nowhere (found by check_ends)
        self.rejected_rows: set[Where] = set()

    def reject(self, item: Item | None, problem: Problem) -> None:
        self._reject(problem, None if item is None else item.record)

    def _reject(self, problem: Problem, record: dict[str, Any] | None) -> None:
        self.report.problems.append(problem)
        if self.stream is not None and self.stream.on and not self.skip_invalid:
            self.stream.stop()
        where = (problem.file, problem.row)
        if where not in self.rejected_rows:
            self.rejected_rows.add(where)
            self.report.rejected += 1
            if record is not None:
                self.report.rejects.append({"file": problem.file, "row": problem.row, "reason": problem.reason, "column": problem.column, "data": record})

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
            self.spooled().nodes.add(node)
        elif self.stream.on:
            self.stream.node(node)

    def _rel(self, item: Item, rel: Rel) -> None:
        digest = self.digest(rel)
        if (first := self.rel_rows.get(digest)) is not None:
            self.reject(item, Problem(item.file, item.row, "end", rel.end, f"duplicate: this {rel.type} from {rel.start!r} to {rel.end!r} is already on row {first[1]} of {first[0]}"))
            return
        self.rel_rows[digest] = (item.file, item.row)
        start, end = (rel.start_label, rel.start), (rel.end_label, rel.end)
        self.wanted.setdefault(start, (item.file, item.row))  # type: ignore[arg-type]
        self.wanted.setdefault(end, (item.file, item.row))  # type: ignore[arg-type]
        if self.stream is None:
            self.spooled().rels.add(pack(rel, item.file, item.row))
        elif not self.stream.on:
            return
        elif start in self.node_rows and end in self.node_rows:  # both ends written (or in the stream's batch)
            self.stream.rel(rel)
        else:  # written after the end checks
            self.spooled().rels.add(pack(rel, item.file, item.row))

    def spooled(self) -> Spooled:
        """The spools of the rows this process reads itself, after the parts merged so far."""
        if self._here is None:
            self._here = Spooled(self.batch_size)
            self.segments.append(self._here)
        return self._here

    def take_parts(self, parts: list[Part], checked: list[tuple[PartChecked, Spooled]]) -> None:
        """The parts' results, in the source's order, as if their rows had been taken here."""
        self._here = None
        for part, (found, spooled) in zip(parts, checked, strict=True):
            self.segments.append(spooled)
            self._merge(part, found, spooled)
            self.report.workers_peak_rss_mib = max(self.report.workers_peak_rss_mib, found.peak_rss_mib)
        if self.progress:
            self.progress(self.phase, self.report.rows)

    def _merge(self, part: Part, found: PartChecked, spooled: Spooled) -> None:
        """Ids and relationships the part gives twice, or gives again after earlier parts,
        are rejected (and dropped from its spools); its relationship ends and implied nodes
        join the source's. The part's problems and these go to the report in the order of
        its rows. The common case, nothing given twice, is checked at C speed."""
        file = part.file
        self.report.rows += found.rows
        twice: dict[int, Where] = {}  # position in the part -> where the same was first given
        _first_given(self.node_rows, found.node_keys, found.node_rows, found.node_seq, file, twice, spooled.drop_nodes)
        _first_given(self.rel_rows, found.rel_digests, found.rel_rows, found.rel_seq, file, twice, spooled.drop_rels)
        for key, row in found.wanted.items():
            self.wanted.setdefault(key, (file, row))
        for key, node in found.implied.items():
            self.implied.setdefault(key, node)
        problems: dict[int, tuple[Problem, dict[str, Any] | None]] = {seq: (p, record) for seq, p, record in found.problems}
        if twice:  # rare: read those rows again, for what the report says of them
            for seq, item in entries_at(part, set(twice)).items():
                first = twice[seq]
                if item.is_node:
                    node = parse_node(item.kind, item.data, row=item.row)
                    reason = f"duplicate: {node.label} {node.id!r} is already on row {first[1]} of {first[0]}"
                    problems[seq] = (Problem(item.file, item.row, "id", node.id, reason), item.record)
                else:
                    rel = parse_rel(item.data, row=item.row)
                    reason = f"duplicate: this {rel.type} from {rel.start!r} to {rel.end!r} is already on row {first[1]} of {first[0]}"
                    problems[seq] = (Problem(item.file, item.row, "end", rel.end, reason), item.record)
        for seq in sorted(problems):
            problem, record = problems[seq]
            if problem.severity is Severity.ERROR:
                self._reject(problem, record)
            else:
                self.report.problems.append(problem)

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

    def forget(self) -> None:
        """Drop what only the checks needed (ids, relationship digests and ends: a few
        hundred MB for millions of rows), before the rows are written."""
        self.node_rows, self.rel_rows, self.wanted = {}, {}, {}

    def rel_ok(self, packed: Packed) -> bool:
        if not self.missing:
            return True
        type, start, end, start_label, end_label, props, file, row = packed
        for key in ((LABELS[start_label], start), (LABELS[end_label], end)):
            if key in self.missing:
                self.report.rejected += (file, row) not in self.rejected_rows
                self.rejected_rows.add((file, row))
                self.report.rejects.append({"file": file, "row": row, "reason": f"refers to {key[0]} {key[1]!r}, which exists nowhere", "column": None,
                                            "data": {"type": type, "start": start, "end": end, "props": dict(props)}})
                return False
        return True

    def close(self) -> None:
        for segment in self.segments:
            segment.close()


def _stored(store: Store, keys: list[NodeKey]) -> set[NodeKey]:
    """Which of these nodes (of any labels) the store has, asked in chunks."""
    found: set[NodeKey] = set()
    for start in range(0, len(keys), _STORE_CHECK_CHUNK):
        found.update(store.get_nodes(keys[start : start + _STORE_CHECK_CHUNK]))
    return found


def load(
    store: Store,
    items: Iterable[Item | Problem | Part],
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    workers: int | None = None,
) -> LoadReport:
    """Validate every item and, unless an error was found and ``skip_invalid`` is off, or
    ``dry_run``, store them: as they are read in one transaction where the store can,
    otherwise in atomic batches after validation (see the module's doc). Never raises for
    bad input: every problem is in the report, with its file, row, column and value.

    Parts (:class:`~loaders.items.Part`, the files of a CSV folder) that come one after the
    other are validated at once by this process and ``workers`` others (None: one fewer
    than the cores, for large parts; see :class:`~loaders.part_workers.Workers`), unless the
    store writes as it reads; the report is the same either way."""
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
            checkers = Workers(0 if stream is not None else workers)
            try:
                _validate(state, items, checkers, batch_size)
                checkers.close()
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
                    state.forget()
                    counts.quiet = False
                    _write(store, state, batch_size, memory, counts)
            finally:
                checkers.close()
                state.close()
    except _Rollback:
        pass
    return report


def _validate(state: _Validation, items: Iterable[Item | Problem | Part], checkers: Workers, batch_size: int) -> None:
    """Take every entry; parts that come one after the other are checked together, by the
    workers and this process, when the next entry that is not a part comes (or the end)."""
    run: list[Part] = []

    def flush() -> None:
        workers = checkers.for_parts(run)
        if workers is None:
            for entry in expand(run):
                state.take(entry)
        else:
            done = state.report.rows
            progress = (lambda rows: state.progress(state.phase, done + rows)) if state.progress else None  # type: ignore[misc]
            state.take_parts(run, check_parts(run, workers, batch_size, progress))
            state.report.workers = max(state.report.workers, len(workers))
        run.clear()

    for entry in items:
        if isinstance(entry, Part):
            run.append(entry)
            continue
        if run:
            flush()
        state.take(entry)
    if run:
        flush()


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
    nodes = chain.from_iterable(batch for segment in state.segments for batch in segment.node_batches())
    rels = (unpack(packed) for segment in state.segments for packed in segment.rel_entries() if state.rel_ok(packed))
    store.bulk_upsert(nodes, rels, batch_size=batch_size, memory=memory)


def _first_given(table: dict[Any, Where], keys: Sequence[Any], rows: Sequence[int | None], seqs: Sequence[int], file: str,
                 twice: dict[int, Where], dropped: set[int]) -> None:
    """Where each of a part's ``keys`` (ids or relationship digests) was first given, into
    ``table``; one given before goes to ``twice`` (by its place in the part, ``seqs``) and its
    index to ``dropped``. At C speed when none was given twice."""
    if len(set(keys)) == len(keys) and table.keys().isdisjoint(keys):
        table.update(zip(keys, zip(repeat(file), rows)))
        return
    for i, (key, row, seq) in enumerate(zip(keys, rows, seqs, strict=True)):
        if (first := table.get(key)) is None:
            table[key] = (file, row)
        else:
            twice[seq] = first
            dropped.add(i)
