"""``graphsvc serve --workers 2``: two processes answer, each with its own store connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from graphsvc.auth import ApiRole, issue_token
from graphsvc.store import open_store
from tests.factories import person
from tests.support import free_port


def test_several_workers_serve_the_same_store(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/w.db"
    with open_store(uri) as store:
        store.upsert(person("amal", "Amal"))
        token, _ = issue_token(store, ApiRole.COORDINATOR)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "graphsvc.cli", "serve", "--workers", "2", "--port", str(port), "--store", uri],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=10) as client:
            while True:
                try:
                    if client.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
            workers = psutil.Process(proc.pid).children(recursive=True)
            assert len(workers) >= 2  # the workers (the supervisor is the parent)
            for _ in range(6):
                body = client.post(f"{url}/graphql", json={"query": '{ person(key: "amal") { name } }'},
                                   headers={"Authorization": f"Bearer {token}"}).json()
                assert body == {"data": {"person": {"name": "Amal"}}}
        # connections made at once are spread over the workers (a socket each), not all taken
        # by the first to wake: all 16 on one of two would happen once in 30,000 runs (once
        # both listen: the first to start serves alone until the second does)
        def listening() -> int:
            return sum(any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in w.net_connections("tcp")) for w in workers)

        while listening() < 2:
            assert time.monotonic() < deadline, "the second worker never listened"
            time.sleep(0.1)
        conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(16)]
        try:
            for conn in conns:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answers = [conn.recv(1024) for conn in conns]
            assert all(a.startswith(b"HTTP/1.1 200") for a in answers)
            shed = sum(b"\r\nconnection: close" in a.lower() for a in answers)  # a worker over its share closes a few
            held = {w.pid: sum(1 for c in w.net_connections("tcp") if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port)
                    for w in workers}  # (one child is multiprocessing's resource tracker)
            assert shed <= 4 and sum(held.values()) == 16 - shed and sum(1 for n in held.values() if n) == 2, (held, shed)
        finally:
            for conn in conns:
                conn.close()
        # keep-alive clients that stay: a worker holding more than its share closes one of its
        # connections now and then, until each holds half (the kernel alone gives an even
        # split of 16 one time in five)
        clients = [httpx.Client(base_url=url, timeout=10) for _ in range(16)]
        try:
            while True:
                for client in clients:
                    assert client.get("/healthz").status_code == 200
                held = {w.pid: sum(1 for c in w.net_connections("tcp") if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port)
                        for w in workers}
                if sorted(n for n in held.values() if n) == [8, 8]:
                    break
                assert time.monotonic() < deadline + 30, f"the connections stayed uneven: {held}"
        finally:
            for client in clients:
                client.close()
        taken = subprocess.run([sys.executable, "-m", "graphsvc.cli", "serve", "--workers", "2", "--port", str(port), "--store", uri],
                               check=False, capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
        assert taken.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in taken.stdout + taken.stderr
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
