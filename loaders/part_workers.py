"""Processes that validate parts of a source (:func:`loaders.part_check.check_part`) while
the loader validates others: a load's validation would otherwise use one core, and
Neo4j sits idle until it ends.

Each worker is a fresh interpreter running this module (not ``multiprocessing``, whose
``spawn`` runs the caller's main script again in the child, and whose ``fork`` copies the
loader's threads and connections). The loader hands it a part and the
write ends of two anonymous temporary files (file descriptors passed over a socket), into
which the worker spools the valid nodes and relationships; it answers with what the
loader needs to finish the checks (:class:`~loaders.part_check.PartChecked`). Nothing
is named on disk, so a killed load leaves no file behind, and a worker whose loader is
gone stops within 10,000 rows. Workers ignore Ctrl-C: the loader ends them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from typing import Any

from loaders.items import Part
from loaders.part_check import PartChecked, check_part, peak_rss_mib
from loaders.spool import Spool, Spooled


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class WorkerFailed(RuntimeError):
    """A worker process failed (a bug, or it was killed): the load stops, writing nothing."""


class Worker:
    """One validating process, given one part at a time."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "loaders.part_workers", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._conn = Connection(mine.detach())
        self.busy: int | None = None  # the index of the part it checks

    def submit(self, index: int, part: Part, nodes: Spool, rels: Spool, batch_size: int) -> None:
        self._conn.send((part, batch_size))
        for spool in (nodes, rels):
            send_handle(self._conn, spool.fileno(), self._process.pid)
        self.busy = index

    def done(self) -> bool:
        return self.busy is not None and self._conn.poll()

    def result(self) -> PartChecked:
        """The checked part (waits for it)."""
        try:
            answer = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise WorkerFailed(f"a validating process ended unexpectedly (exit code {self._process.poll()})") from exc
        self.busy = None
        if isinstance(answer, str):
            raise WorkerFailed(f"a validating process failed:\n{answer}")
        return answer  # type: ignore[no-any-return]

    def close(self) -> None:
        try:
            self._conn.send(None)
        except OSError:
            pass
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._conn.close()


_LOADER = os.getppid()


def _stop_if_orphaned(rows: int) -> None:
    """Every 10,000 rows: a worker whose loader is gone (killed) stops at once."""
    if os.getppid() != _LOADER:
        raise SystemExit(1)


def serve(conn: Connection) -> None:
    """A worker's loop: parts in, results out, until told to stop (None) or the loader is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (task := conn.recv()) is not None:
            part, batch_size = task
            files: list[Any] = [os.fdopen(recv_handle(conn), "wb") for _ in range(2)]
            try:
                found = check_part(part, Spool(batch_size, files[0]), Spool(batch_size, files[1]), progress=_stop_if_orphaned)
                found.peak_rss_mib = peak_rss_mib()
                answer: PartChecked | str = found
            except Exception:  # noqa: BLE001 - reported to the loader, which stops
                answer = traceback.format_exc()
            finally:
                for file in files:
                    file.close()
            conn.send(answer)
    except (EOFError, OSError):
        return


def check_parts(parts: list[Part], workers: list[Worker], batch_size: int,
                progress: Callable[[int], None] | None = None) -> list[tuple[PartChecked, Spooled]]:
    """Check these parts, the largest first, each by whichever is free: a worker, or this
    process between the workers' parts. The results are in the parts' order."""
    spooled = [Spooled(batch_size) for _ in parts]
    results: list[PartChecked | None] = [None] * len(parts)
    pending = sorted(range(len(parts)), key=lambda i: -parts[i].size)

    def hand_out(wait: bool = False) -> None:
        for worker in workers:
            if worker.busy is not None and (wait or worker.done()):
                index = worker.busy
                results[index] = worker.result()
            if worker.busy is None and pending and not wait:
                index = pending.pop(0)
                worker.submit(index, parts[index], spooled[index].nodes, spooled[index].rels, batch_size)

    try:
        hand_out()
        mine = 0  # rows of the parts this process checked
        while pending:
            index = pending.pop(0)
            counted = (lambda rows: progress(mine + rows)) if progress else None  # noqa: B023 - called in this iteration only
            results[index] = found = check_part(parts[index], spooled[index].nodes, spooled[index].rels, counted)
            mine += found.rows
            hand_out()
        hand_out(wait=True)
    except BaseException:
        for spool in spooled:
            spool.close()
        raise
    assert all(found is not None for found in results)
    return list(zip(results, spooled, strict=True))  # type: ignore[arg-type]


#: Unless told how many: at most this many validating processes beside the loader...
MAX_WORKERS = 3
#: ... and none for parts of fewer bytes than this in all (starting one takes a second or so)
WORKERS_FROM_BYTES = 8 << 20


class Workers:
    """The validating processes of one load: ``wanted`` of them (None: one fewer than the
    cores this process may use, at most :data:`MAX_WORKERS`, and only for large parts),
    started when first needed, ended by :meth:`close`."""

    def __init__(self, wanted: int | None) -> None:
        self.wanted = wanted
        self.started: list[Worker] = []

    def for_parts(self, parts: list[Part]) -> list[Worker] | None:
        """The workers to check these parts with, or None: read them here, one by one."""
        wanted = self.wanted
        if wanted is None:
            wanted = 0 if sum(p.size for p in parts) < WORKERS_FROM_BYTES else min(MAX_WORKERS, available_cores() - 1)
        wanted = min(wanted, len(parts) - 1)  # this process checks parts too
        if wanted <= 0:
            return None
        while len(self.started) < wanted:
            self.started.append(Worker())
        return self.started[:wanted]

    def close(self) -> None:
        for worker in self.started:
            worker.close()
        self.started = []


if __name__ == "__main__":  # a worker: python -m loaders.part_workers FD (the socket to its loader)
    serve(Connection(int(sys.argv[1])))
