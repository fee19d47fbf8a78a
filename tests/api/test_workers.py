"""``graphsvc serve --workers 2``: two processes answer, each with its own store connection."""

from __future__ import annotations

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
            assert len(psutil.Process(proc.pid).children(recursive=True)) >= 2  # the workers (uvicorn's supervisor is the parent)
            for _ in range(6):
                body = client.post(f"{url}/graphql", json={"query": '{ person(key: "amal") { name } }'},
                                   headers={"Authorization": f"Bearer {token}"}).json()
                assert body == {"data": {"person": {"name": "Amal"}}}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
