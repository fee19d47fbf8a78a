"""``graphsvc serve --workers N``: N uvicorn processes, each on its own listening socket.

uvicorn's own ``--workers`` shares one listening socket among its processes, and whichever
wakes first accepts what is waiting: with keep-alive clients (a proxy's pool, a load
generator) one process could hold most connections and the others idle. Measured here with
two workers and eight connections: the API used one core of two. So each worker binds its
own socket to the port with ``SO_REUSEPORT``, and the kernel spreads new connections across
them by their addresses; a worker holding more than its share of them closes one now and
then, to be placed anew (:mod:`graphsvc.api.balance`).

The parent only supervises: it checks first that the port is free, starts the workers,
passes SIGINT/SIGTERM on to them (uvicorn shuts down gracefully), and if a worker dies, it
stops the others and exits with an error, for the operator's process manager to restart.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
from collections.abc import MutableSequence
from multiprocessing.connection import wait
from types import FrameType

import uvicorn

from graphsvc import logs
from graphsvc.errors import ConfigurationError

STOP_TIMEOUT = 30.0  # seconds a worker gets to finish its requests before it is killed


def _listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _check_free(host: str, port: int) -> None:
    """Fail before starting anything if the port is taken (also by another graphsvc:
    without ``SO_REUSEPORT`` this socket cannot join a group already listening there)."""
    try:
        _listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}", field="port", value=port) from None


def _worker(host: str, port: int, index: int, counts: MutableSequence[int]) -> None:
    """One worker process: its own socket, the app as :func:`graphsvc.api.app.serve_app`
    builds it from the environment, its place ``index`` in the workers' shared connection
    ``counts`` (:mod:`graphsvc.api.balance`)."""
    from graphsvc.api import balance

    balance.slot = (counts, index)
    sock = _listening_socket(host, port, reuse_port=True)
    config = uvicorn.Config("graphsvc.api.app:serve_app", factory=True, host=host, port=port, log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        logs.flush()


def serve_workers(host: str, port: int, workers: int) -> int:
    """Run ``workers`` processes until a signal or a worker's death; the exit code."""
    _check_free(host, port)
    context = multiprocessing.get_context("spawn")
    counts = context.Array("i", workers, lock=False)  # each worker's connections (graphsvc.api.balance)
    procs = [context.Process(target=_worker, args=(host, port, i, counts), name=f"graphsvc-worker-{i}") for i in range(workers)]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for proc in procs:
            proc.start()
        while not stopping and all(p.is_alive() for p in procs):
            wait([p.sentinel for p in procs], timeout=0.5)
        died = [p for p in procs if not p.is_alive()]
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes what is in flight
        for proc in procs:
            proc.join(STOP_TIMEOUT)
            if proc.is_alive():
                proc.kill()
                proc.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if died and not stopping:
        print(f"graphsvc: worker {died[0].name} exited with {died[0].exitcode}; stopped the others", file=sys.stderr)
        return 1
    return 0
