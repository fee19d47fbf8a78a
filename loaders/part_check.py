"""Validating one part of a source (one file of a CSV folder) on its own, in whatever
process: :func:`check_part` validates every row with the model, spools the valid ones and
returns a :class:`PartChecked`, what the loader needs to finish the checks that span
parts (ids and relationships given twice, relationship ends), in the source's order.

The loader (:mod:`loaders.pipeline`) merges the parts' results in the order of the
source, so its report is the one it makes when it reads the source row by row: the same
problems, in the same order, with the same rejected rows.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from graphsvc.errors import GraphsvcError
from graphsvc.model import Node, Rel, parse_node, parse_rel
from loaders.items import Item, Problem
from loaders.spool import NodeKey, Spool, pack, rel_digest

#: A problem found in a part: its position among the part's entries, the problem, and the
#: rejected row's record (None for a problem of the file rather than of a row).
Found = tuple[int, Problem, "dict | None"]


@dataclass
class PartChecked:
    """What :func:`check_part` found in a part. ``seq`` numbers the part's entries (items and
    problems, from 0), which orders what the loader adds (duplicates) among the problems."""

    rows: int = 0  # items read
    problems: list[Found] = field(default_factory=list)
    node_keys: list[NodeKey] = field(default_factory=list)  # the valid explicit nodes, as spooled
    node_rows: list[int | None] = field(default_factory=list)
    node_seq: array = field(default_factory=lambda: array("q"))
    rel_digests: array = field(default_factory=lambda: array("q"))  # the valid relationships, as spooled
    rel_rows: list[int | None] = field(default_factory=list)
    rel_seq: array = field(default_factory=lambda: array("q"))
    wanted: dict[NodeKey, int | None] = field(default_factory=dict)  # relationship ends, the row first needing each
    implied: dict[NodeKey, Node] = field(default_factory=dict)  # nodes only referred to, the first of each
    peak_rss_mib: float = 0.0  # of the process that checked it, when not the loader's own


def check_part(entries: Iterable[Item | Problem], nodes: Spool, rels: Spool,
               progress: Callable[[int], None] | None = None) -> PartChecked:
    """Validate a part's entries; the valid nodes go to ``nodes`` and the valid relationships
    (packed) to ``rels``, in order. Never raises for bad input. ``progress(rows)`` is called
    every 10,000 rows."""
    found = PartChecked()
    problems, wanted = found.problems, found.wanted
    node_keys, node_rows, node_seq = found.node_keys, found.node_rows, found.node_seq
    digests, rel_rows, rel_seq = found.rel_digests, found.rel_rows, found.rel_seq
    rows = 0
    for seq, entry in enumerate(entries):
        if isinstance(entry, Problem):
            problems.append((seq, entry, None))
            continue
        rows += 1
        if progress is not None and rows % 10_000 == 0:
            progress(rows)
        try:
            if entry.is_node:
                node = parse_node(entry.kind, entry.data, row=entry.row)
                key = (node.label, node.id)
                if entry.implied:
                    found.implied.setdefault(key, node)
                    continue
                node_keys.append(key)
                node_rows.append(entry.row)
                node_seq.append(seq)
                nodes.add(node)
            else:
                rel: Rel = parse_rel(entry.data, row=entry.row)
                digests.append(rel_digest(rel))
                rel_rows.append(entry.row)
                rel_seq.append(seq)
                wanted.setdefault((rel.start_label, rel.start), entry.row)  # type: ignore[arg-type]
                wanted.setdefault((rel.end_label, rel.end), entry.row)  # type: ignore[arg-type]
                rels.add(pack(rel, entry.file, entry.row))
        except GraphsvcError as exc:
            problems.append((seq, Problem(entry.file, entry.row, exc.field, exc.value, exc.message), entry.record))
    found.rows = rows
    nodes.finish()
    rels.finish()
    return found


def entries_at(entries: Iterable[Item | Problem], seqs: set[int]) -> dict[int, Item]:
    """The items at these positions of a part (read again: for the rows found to be given
    twice, which are rare, their records and what they hold)."""
    picked: dict[int, Item] = {}
    for seq, entry in enumerate(entries):
        if seq in seqs and isinstance(entry, Item):
            picked[seq] = entry
            if len(picked) == len(seqs):
                break
    return picked


def peak_rss_mib() -> float:
    """This process's peak RSS (VmHWM, Linux), or 0 where it cannot be read."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
