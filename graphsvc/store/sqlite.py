"""The embedded store: one SQLite file, WAL mode, one writer and concurrent readers.

Every write is a transaction on the single writer connection (guarded by a lock and
started with ``BEGIN IMMEDIATE``); readers use one connection per thread and see the
last committed state. ``synchronous=FULL`` makes every acknowledged commit durable, and
WAL makes each batch wholly present or wholly absent after a crash: the file opens
again without repair. A load may make all its batches one transaction
(:meth:`SqliteStore.whole_load`, each batch a savepoint in it): the file then has all of
the load or none of it. Erasure relies on ``secure_delete`` and truncates the WAL, so no
copy of an erased person's data stays in the files.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import astuple
from datetime import UTC, datetime
from functools import partial
from itertools import chain, filterfalse
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

from graphsvc.auth.tokens import TokenRecord
from graphsvc.errors import (
    ConfigurationError,
    GraphsvcError,
    NotFoundError,
    StoreError,
    StoreUnavailableError,
)
from graphsvc.model import Label, Node, Rel, RelType, name_key, to_record
from graphsvc.settings import Settings
from graphsvc.store import sqlite_sql as Q
from graphsvc.store.base import Store, dangling
from graphsvc.store.types import (
    BatchResult,
    ErasureReport,
    LoadMemory,
    NodeFilter,
    NodeKey,
    Order,
    RelRow,
)


def _DUMP(value: Any) -> str:
    """Compact JSON with sorted keys: equal values give equal text."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()



_START_LABEL, _START, _END_LABEL, _END, _TYPE, _PROPS = map(attrgetter, ("start_label", "start", "end_label", "end", "type", "props"))
_DUMP_SORTED = partial(orjson.dumps, option=orjson.OPT_SORT_KEYS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@contextmanager
def _translated() -> Iterator[None]:
    """Turn ``sqlite3`` errors into graphsvc's own; nothing of ``sqlite3`` escapes."""
    try:
        yield
    except GraphsvcError:
        raise
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "locked" in message or "busy" in message or "unable to open" in message or "disk I/O" in message:
            raise StoreUnavailableError(f"the SQLite file is not available: {message}") from None
        raise StoreError(f"SQLite failed: {message}") from None
    except sqlite3.Error as exc:
        raise StoreError(f"SQLite failed: {exc}") from None


def _record(props: str, created_at: str, updated_at: str) -> dict[str, Any]:
    record = json.loads(props)
    record["created_at"] = created_at
    record["updated_at"] = updated_at
    return record


#: How a write transaction begins, commits and rolls back: on its own, or as a savepoint
#: inside a whole load (see :meth:`SqliteStore.whole_load`).
_OUTER = ("BEGIN IMMEDIATE", "COMMIT", ("ROLLBACK",))
_NESTED = ("SAVEPOINT batch", "RELEASE batch", ("ROLLBACK TO batch", "RELEASE batch"))


class SqliteStore(Store):
    """The embedded store on a SQLite file (``sqlite:///path/to/file.db``)."""

    schemes = ("sqlite",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._whole: int | None = None  # the thread inside whole_load, if any
        with _translated():
            if self.path.parent and not self.path.parent.exists():
                raise StoreUnavailableError(f"folder {self.path.parent} does not exist", field="store_uri")
            self._writer = self._connect()

    @classmethod
    def from_uri(cls, uri: str, settings: Settings) -> SqliteStore:
        path = uri.partition("://")[2]
        if not path.startswith("/") or path in ("/", "/:memory:"):
            raise ConfigurationError("expected sqlite:///relative/path.db or sqlite:////absolute/path.db", field="store_uri", value=uri)
        return cls(path[1:])

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.path}"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        for pragma in Q.CONNECTION_PRAGMAS:
            conn.execute(pragma)
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreUnavailableError("the store is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with _translated():
                conn = self._connect()
                conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise StoreUnavailableError("the store is closed")
        nested = self._whole == threading.get_ident()  # inside this thread's whole_load: a savepoint in it
        begin, commit, rollback = _NESTED if nested else _OUTER
        with nullcontext() if nested else self._write_lock, _translated():
            conn = self._writer
            conn.execute(begin)
            try:
                yield conn
            except BaseException:
                for statement in rollback:
                    conn.execute(statement)
                raise
            conn.execute(commit)

    @contextmanager
    def whole_load(self) -> Iterator[bool]:
        """One write transaction for everything this thread writes in the block (each batch
        a savepoint in it): the file has all of the load or none of it, also after a crash.
        Other writers wait meanwhile (other processes for ``busy_timeout``, then fail as
        busy); readers go on seeing the state before the load."""
        if self._whole == threading.get_ident():
            yield True
            return
        with self._transaction():
            self._whole = threading.get_ident()
            try:
                yield True
            finally:
                self._whole = None

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every statement inside sees the same committed state."""
        conn = self._reader()
        with _translated():
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    # ------------------------------------------------------------------ lifecycle

    def bootstrap(self) -> None:
        with self._transaction() as conn:
            for statement in Q.SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            found = conn.execute(Q.GET_META, ("schema_version",)).fetchone()
            if found and int(found[0]) > Q.SCHEMA_VERSION:
                raise StoreError(f"{self.path} was written by a newer graphsvc (schema {found[0]})")
            conn.execute(Q.SET_META, ("schema_version", str(Q.SCHEMA_VERSION)))

    def ping(self) -> None:
        with _translated():
            self._reader().execute("SELECT count(*) FROM meta").fetchone()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._write_lock:
            self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def clear(self) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM rels")
            conn.execute("DELETE FROM nodes")

    # ------------------------------------------------------------------ tokens

    def save_token(self, record: TokenRecord) -> None:
        with self._transaction() as conn:
            conn.execute(Q.INSERT_TOKEN, astuple(record))

    def token_by_hash(self, digest: str) -> TokenRecord | None:
        with _translated():
            row = self._reader().execute(Q.TOKEN_BY_HASH, (digest,)).fetchone()
        return None if row is None else TokenRecord(*row)

    def revoke_token(self, token_id: str) -> bool:
        with self._transaction() as conn:
            return conn.execute(Q.REVOKE_TOKEN, (_now(), token_id)).rowcount > 0

    def list_tokens(self) -> list[TokenRecord]:
        with _translated():
            return [TokenRecord(*row) for row in self._reader().execute(Q.LIST_TOKENS)]

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str) -> str | None:
        with _translated():
            row = self._reader().execute(Q.GET_SETTING, (key,)).fetchone()
        return None if row is None else row[0]

    def put_setting(self, key: str, value: str) -> None:
        with self._transaction() as conn:
            conn.execute(Q.PUT_SETTING, (key, value, _now()))

    # ------------------------------------------------------------------ writes

    def _write_batch(self, nodes: Sequence[Node], rels: Sequence[Rel], row_offset: int, rel_offset: int, memory: LoadMemory | None = None) -> BatchResult:
        """Within a load (``memory``), the row ids of the nodes it wrote are remembered, so a
        relationship's ends are looked up only once per load, as long as nothing else
        wrote to the file in between (``_mark``); otherwise they are looked up again."""
        result = BatchResult(batches=1)
        now = _now()
        nids: dict[NodeKey, int] = {} if memory is None else memory.ids
        try:
            with self._transaction() as conn:
                if memory is not None and (memory.seen != self._mark(conn) or len(nids) >= memory.limit):
                    nids.clear()
                if nodes:  # the ids of created nodes are looked up only where something uses them
                    self._write_nodes(conn, nodes, now, result, nids, created_ids=memory is not None or bool(rels))
                if rels:
                    conn.executemany(Q.UPSERT_REL_BY_NID, self._rel_rows(conn, rels, rel_offset, nids))
                    result.rels_written = len(rels)
                if memory is not None:
                    memory.seen = self._mark(conn)
        except BaseException:
            nids.clear()  # it may hold ids of the batch rolled back
            raise
        return result

    @staticmethod
    def _mark(conn: sqlite3.Connection) -> tuple[int, int]:
        """Changes when another connection commits to the file (``data_version``) or this
        one writes (``total_changes``): a load's remembered row ids hold while it does not."""
        return conn.execute(Q.DATA_VERSION).fetchone()[0], conn.total_changes

    @staticmethod
    def _write_nodes(conn: sqlite3.Connection, nodes: Sequence[Node], now: str, result: BatchResult, nids: dict[NodeKey, int], *, created_ids: bool) -> None:
        """Upsert ``nodes``; the row ids of those that existed go into ``nids``, and of those
        created too if ``created_ids`` (one more query per label)."""
        by_label: dict[Label, list[Node]] = {}
        for node in nodes:
            by_label.setdefault(node.label, []).append(node)
        rows = []
        new_ids: dict[Label, list[str]] = {}
        for label, group in by_label.items():
            existing = {
                id: (props, created, nid)
                for id, props, created, nid in conn.execute(Q.EXISTING_NODES, (label.value, _DUMP([n.id for n in group])))
            }
            for node in group:
                record = to_record(node)
                props = _DUMP(record)
                old = existing.get(node.id)
                if old is None:
                    result.created += 1
                    created = now
                    new_ids.setdefault(label, []).append(node.id)
                else:
                    nids[(label, node.id)] = old[2]
                    if old[0] == props:
                        result.unchanged += 1
                        continue
                    result.updated += 1
                    created = old[1]
                key = name_key(record["name"]) if "name" in record else None
                rows.append((label, node.id, key, props, created, now))
        conn.executemany(Q.UPSERT_NODE, rows)
        for label, ids in new_ids.items() if created_ids else ():
            SqliteStore._look_up(conn, label, ids, nids)

    @staticmethod
    def _look_up(conn: sqlite3.Connection, label: Label, ids: list[str], nids: dict[NodeKey, int]) -> None:
        """Add the row ids of the stored nodes of ``label`` with these ids to ``nids``."""
        nids.update(((label, id), nid) for id, nid in conn.execute(Q.NIDS_BY_IDS, (label, _DUMP(ids))))

    @staticmethod
    def _rel_rows(conn: sqlite3.Connection, rels: Sequence[Rel], offset: int, nids: dict[NodeKey, int]) -> list[tuple[int, str, int, str]]:
        """Rows for ``rels`` with both ends resolved to row ids: those not in ``nids`` in one
        query per label (added to it); a missing end is a dangling relationship. The rest
        runs at C speed."""
        starts = list(zip(map(_START_LABEL, rels), map(_START, rels)))
        ends = list(zip(map(_END_LABEL, rels), map(_END, rels)))
        wanted: dict[Label, list[str]] = {}
        for label, id in set(filterfalse(nids.__contains__, chain(starts, ends))):
            wanted.setdefault(label, []).append(id)
        for label, ids in wanted.items():
            SqliteStore._look_up(conn, label, ids, nids)
        src, dst = list(map(nids.get, starts)), list(map(nids.get, ends))
        if None in src or None in dst:
            i = next(i for i, pair in enumerate(zip(src, dst)) if None in pair)
            raise dangling(rels[i], src[i] is None, i + offset)
        props = map(bytes.decode, map(_DUMP_SORTED, map(_PROPS, rels)))
        return list(zip(src, map(_TYPE, rels), dst, props))  # type: ignore[arg-type]

    def _delete_node(self, label: Label, id: str) -> bool:
        with self._transaction() as conn:
            return conn.execute(Q.DELETE_NODE, (label.value, id)).rowcount > 0

    def _rel_key(self, rel: Rel) -> tuple[str, ...]:
        return (rel.type.value, rel.start_label.value, rel.start, rel.end_label.value, rel.end)  # type: ignore[union-attr]

    def _get_rel(self, rel: Rel) -> dict[str, Any] | None:
        with _translated():
            row = self._reader().execute(Q.GET_REL, self._rel_key(rel)).fetchone()
        return None if row is None else json.loads(row[0])

    def _get_rels(self, rels: Sequence[Rel]) -> dict[tuple[Any, ...], dict[str, Any]]:
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        with self._snapshot() as conn:
            for rel in rels:
                if (row := conn.execute(Q.GET_REL, self._rel_key(rel)).fetchone()) is not None:
                    found[rel.key] = json.loads(row[0])
        return found

    def _delete_rel(self, rel: Rel) -> bool:
        with self._transaction() as conn:
            return conn.execute(Q.DELETE_REL, self._rel_key(rel)).rowcount > 0

    # ------------------------------------------------------------------ reads

    def _fetch(self, keys: Sequence[NodeKey]) -> dict[NodeKey, dict[str, Any]]:
        by_label: dict[Label, list[str]] = {}
        for label, id in keys:
            by_label.setdefault(label, []).append(id)
        found: dict[NodeKey, dict[str, Any]] = {}
        with self._snapshot() as conn:
            for label, ids in by_label.items():
                for _, props, created, updated in conn.execute(Q.NODES_BY_IDS, (label.value, _DUMP(ids))):
                    record = _record(props, created, updated)
                    found[(label, record["id"])] = record
        return found

    @staticmethod
    def _where(flt: NodeFilter) -> tuple[str, list[Any]]:
        sql, args = "", []
        for clause, value in (
            (Q.LIST_ROLE, flt.role and flt.role.value),
            (Q.LIST_LANGUAGE, flt.language),
            (Q.LIST_INTEREST, flt.interest),
            (Q.LIST_NEIGHBORHOOD, flt.neighborhood),
            (Q.LIST_ORGANIZATION, flt.organization),
            (Q.LIST_DIRECTORY, flt.directory_or),
        ):
            if value is not None:
                sql += clause
                args.append(value)
        if flt.name_prefix:
            prefix = name_key(flt.name_prefix)
            sql += Q.LIST_PREFIX
            args += [prefix, prefix + "\U0010ffff"]
        return sql, args

    def _list(self, label: Label, flt: NodeFilter, order: Order, after: tuple[str | None, str] | None, limit: int) -> list[dict[str, Any]]:
        where, args = self._where(flt)
        sql = Q.LIST_BASE + where
        args.insert(0, label.value)
        if after is not None:
            if order is Order.NAME:
                sql += Q.LIST_AFTER_NAME
                args += [after[0] or "", after[1]]
            else:
                sql += Q.LIST_AFTER_ID
                args.append(after[1])
        sql += Q.LIST_ORDER_NAME if order is Order.NAME else Q.LIST_ORDER_ID
        args.append(limit)
        with _translated():
            return [_record(*row) for row in self._reader().execute(sql, args)]

    def _count(self, label: Label, flt: NodeFilter) -> int:
        where, args = self._where(flt)
        with _translated():
            return int(self._reader().execute(Q.COUNT_BASE + where, [label.value, *args]).fetchone()[0])

    def _expand(self, keys: Iterable[NodeKey], types: frozenset[RelType]) -> list[RelRow]:
        by_label: dict[Label, list[str]] = {}
        for label, id in keys:
            by_label.setdefault(label, []).append(id)
        type_list = _DUMP(sorted(t.value for t in types))
        rows: list[RelRow] = []
        with self._snapshot() as conn:
            for label, ids in by_label.items():
                for t, sl, s, dl, d, props in conn.execute(Q.EXPAND, (label.value, _DUMP(ids), type_list)):
                    rows.append(RelRow(RelType(t), Label(sl), s, Label(dl), d, json.loads(props)))
        return rows

    def _scan(self, labels: frozenset[Label], types: frozenset[RelType]) -> tuple[list[tuple[Label, dict[str, Any]]], list[RelRow]]:
        with self._snapshot() as conn:
            nodes = [
                (Label(label), _record(props, created, updated))
                for label, props, created, updated in conn.execute(Q.SCAN_NODES, (_DUMP(sorted(labels)),))
            ]
            rels = [
                RelRow(RelType(t), Label(sl), s, Label(dl), d, json.loads(props))
                for t, sl, s, dl, d, props in conn.execute(Q.SCAN_RELS, (_DUMP(sorted(types)),))
            ]
        return nodes, rels

    # ------------------------------------------------------------------ erasure

    def _erase_person(self, id: str) -> ErasureReport:
        with self._transaction() as conn:
            row = conn.execute(Q.PERSON_NID, (id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no Person with id {id!r}", field="id", value=id)
            nids = [row[0]] + [m for (m,) in conn.execute(Q.MENTORSHIPS_OF, (row[0],))]
            ids = _DUMP(nids)
            rels = conn.execute(Q.COUNT_RELS_OF, (ids, ids)).fetchone()[0]
            conn.execute(Q.DELETE_NIDS, (ids,))
        self._purge_wal()
        return ErasureReport(person_id=id, nodes_deleted=len(nids), rels_deleted=rels)

    def _purge_wal(self) -> None:
        """Copy the WAL into the file and truncate it, so erased pages leave no copy."""
        with self._write_lock, _translated():
            busy, _, _ = self._writer.execute(Q.CHECKPOINT_TRUNCATE).fetchone()
        if busy:
            raise StoreUnavailableError(
                "the person was erased, but a long-running reader kept old copies in the write-ahead log; "
                "they are overwritten at the next checkpoint"
            )
