"""What a validated row becomes between validation and the store: pickled batches in a
temporary file (:class:`Spool`), relationships as plain tuples (:data:`Packed`), and the
digest that finds a relationship given twice (:func:`rel_digest`)."""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from graphsvc.model import Label, Rel, RelType

NodeKey = tuple[Label, str]
Where = tuple[str, int | None]


class Spool:
    """Validated objects, pickled in batches to an anonymous temporary file (or to ``file``:
    the write end of another process's spool, see :mod:`loaders.part_workers`)."""

    def __init__(self, batch_size: int, file: IO[bytes] | None = None) -> None:
        self._file: IO[bytes] = file if file is not None else tempfile.TemporaryFile(prefix="graphsvc-load-")  # noqa: SIM115 (closed in close())
        self._batch: list[Any] = []
        self._size = batch_size
        self.count = 0

    def fileno(self) -> int:
        return self._file.fileno()

    def add(self, entry: Any) -> None:
        self._batch.append(entry)
        self.count += 1
        if len(self._batch) >= self._size:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def finish(self) -> None:
        """Everything added is in the file (for a reader in another process)."""
        self._flush()
        self._file.flush()

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


#: A spooled relationship: (type, start, end, start label, end label, props, file, row), plain
#: values; pickling and rebuilding these is about half the cost of pickling the model objects.
Packed = tuple[str, str, str, str, str, dict[str, Any], str, int | None]
_REL_FIELDS = frozenset(Rel.model_fields)
_TYPES = {t.value: t for t in RelType}
LABELS = {label.value: label for label in Label}


def pack(rel: Rel, file: str, row: int | None) -> Packed:
    return (rel.type.value, rel.start, rel.end, rel.start_label.value, rel.end_label.value,  # type: ignore[union-attr]
            rel.props, file, row)


def unpack(packed: Packed) -> Rel:
    """The validated relationship again (``model_construct``: it was validated when spooled)."""
    type, start, end, start_label, end_label, props, _, _ = packed
    return Rel.model_construct(set(_REL_FIELDS), type=_TYPES[type], start=start, end=end,
                               start_label=LABELS[start_label], end_label=LABELS[end_label], props=props)


def rel_digest(rel: Rel) -> int:
    """64 bits of BLAKE2b of the relationship's key: the same in every process (``hash`` of
    a string is salted per process), so that parts validated in other processes can be
    checked for duplicates against each other. Two keys share a digest with a chance of
    about one in 10^19 per pair; such a pair would be reported as a duplicate."""
    return int.from_bytes(hashlib.blake2b(f"{rel.type.value}\x1f{rel.start_label}\x1f{rel.start}\x1f{rel.end_label}\x1f{rel.end}".encode(),
                                          digest_size=8).digest(), "little", signed=True)


class Spooled:
    """The two spools of one piece of a load (a part, or rows the loader read itself), and
    the positions in them of rows found later not to be written (given twice before)."""

    def __init__(self, batch_size: int) -> None:
        self.nodes = Spool(batch_size)
        self.rels = Spool(batch_size)
        self.drop_nodes: set[int] = set()
        self.drop_rels: set[int] = set()

    def node_batches(self) -> Iterator[list[Any]]:
        if not self.drop_nodes:
            yield from self.nodes.batches()
            return
        at = 0
        for batch in self.nodes.batches():
            yield [node for i, node in enumerate(batch, at) if i not in self.drop_nodes]
            at += len(batch)

    def rel_entries(self) -> Iterator[Packed]:
        if not self.drop_rels:
            for batch in self.rels.batches():
                yield from batch
            return
        at = 0
        for batch in self.rels.batches():
            yield from (packed for i, packed in enumerate(batch, at) if i not in self.drop_rels)
            at += len(batch)

    def close(self) -> None:
        self.nodes.close()
        self.rels.close()
