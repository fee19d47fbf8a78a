"""The README's first command, as a new user meets it: ``graphsvc demo`` in its own process
creates a community, prints a URL, a token and example queries; pasting them gives answers."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import free_port


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    port = free_port()
    command = [sys.executable, "-m", "graphsvc.cli", "demo", "--people", "300", "--port", str(port),
               "--store", f"sqlite:///{tmp_path}/demo.db"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                            env={**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    seen: list[str] = []
    deadline = time.monotonic() + 120
    try:
        while not any("serving the demo" in line for line in seen):
            assert proc.poll() is None, "demo exited:\n" + "".join(seen)
            assert time.monotonic() < deadline, "demo not serving after 120 s:\n" + "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                pass
        yield proc, seen
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]


def test_the_printed_hints_give_real_answers(demo: tuple[subprocess.Popen[str], list[str]]) -> None:
    _, out = demo
    text = "".join(out)
    url = re.search(r"GraphiQL: (http://\S+)#token=(gs_\S+)", text)
    assert url, text
    endpoint, token = url.group(1), url.group(2)
    queries = [out[i + 1].strip() for i, line in enumerate(out) if re.match(r"^\d\. ", line)]
    assert len(queries) == 3, text

    with httpx.Client(timeout=30) as client:
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get(endpoint.replace("/graphql", "/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.2)
        page = client.get(endpoint, headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()  # GraphiQL is on in the demo
        answers = []
        for query in queries:
            response = client.post(endpoint, json={"query": query}, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, (query, body)
            answers.append(body["data"])
        assert client.post(endpoint, json={"query": queries[0]}).json().get("errors")  # no token, no people

    people = answers[0]["people"]
    assert people["totalCount"] > 0
    assert all(any(l["language"]["name"] for l in e["node"]["languages"]) for e in people["edges"])
    assert any(e["node"]["knows"]["edges"] for e in people["edges"])
    assert answers[1]["connectionPaths"] and answers[1]["connectionPaths"][0]["length"] >= 1
    assert answers[2]["institutions"]["edges"]
