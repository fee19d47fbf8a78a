"""Stores are found by URI scheme and imported lazily; errors never leak driver types."""

from __future__ import annotations

import io
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphsvc.cli import app
from graphsvc.errors import ConfigurationError, StoreUnavailableError
from graphsvc.model import Label, RelType
from graphsvc.settings import Settings
from graphsvc.store import BACKENDS, backend_for, open_store
from graphsvc.store import neo4j_queries as Q
from graphsvc.store.neo4j import SCHEMA_DIR, schema_statements
from tests.conftest import FRESH

ROOT = Path(__file__).resolve().parents[2]


def test_every_registered_backend_is_in_the_contract_suite() -> None:
    for scheme in BACKENDS:
        assert backend_for(f"{scheme}://host").__name__ in FRESH


@pytest.mark.parametrize("uri", ["postgres://x", "graph.db", "http://localhost:7474"])
def test_unknown_schemes_are_configuration_errors(uri: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        open_store(uri)
    assert err.value.field == "store_uri"


def test_the_embedded_store_runs_without_the_neo4j_driver(tmp_path: Path) -> None:
    code = f"""
import sys
sys.modules["neo4j"] = None  # importing neo4j now fails
from graphsvc.store import open_store
from graphsvc.model import Person
with open_store("sqlite:///{tmp_path}/g.db") as store:
    store.upsert(Person(id="a", name="A"))
    assert store.get("Person", "a").name == "A"
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHSVC_STORE_URI", "bolt://db.example:7687")
    monkeypatch.setenv("GRAPHSVC_NEO4J_PASSWORD", "s3cret")
    s = Settings()
    assert s.store_uri == "bolt://db.example:7687"
    assert s.neo4j_password is not None and s.neo4j_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)


def test_an_unreachable_neo4j_is_store_unavailable() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(neo4j_connection_timeout=2.0)
    with pytest.raises(StoreUnavailableError):
        open_store(f"bolt://127.0.0.1:{port}", settings)


def test_the_cypher_schema_covers_every_label() -> None:
    statements = schema_statements(SCHEMA_DIR)
    for label in Label:
        assert f"FOR (n:{label}) REQUIRE n.id IS UNIQUE" in " ".join(statements), label
    assert all("IF NOT EXISTS" in s for s in statements)


def test_named_queries_exist_for_every_label_and_shape() -> None:
    for table in (Q.UPSERT_NODES, Q.DELETE_NODE, Q.SCAN_NODES):
        assert set(table) == set(Label)
    every = frozenset(Label)
    assert all(f":{label.value} {{id: id}}" in Q.fetch_nodes(every) for label in Label)
    assert all(t.value in Q.expand(every, frozenset(RelType)) for t in RelType)
    for label in Label:
        for by_name in (True, False):
            for after in (True, False):
                query = Q.list_nodes(label, by_name, frozenset(Q.LIST_FILTERS), after)
                assert f"MATCH (n:{label.value})" in query and all(p in query for p in Q.LIST_FILTERS.values())
        assert "{" + "label" + "}" not in Q.count_nodes(label, frozenset())
    for table in (Q.UPSERT_RELS, Q.FIND_DANGLING, Q.GET_REL, Q.DELETE_REL, Q.SCAN_RELS):
        assert {shape[0] for shape in table} == set(RelType)
        assert all("{" + "label" + "}" not in q and "{type}" not in q for q in table.values())


def test_cli_init_and_stats(tmp_path: Path) -> None:
    runner = CliRunner()
    uri = f"sqlite:///{tmp_path}/cli.db"
    result = runner.invoke(app, ["init", "--store", uri])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["stats", "--store", uri])
    assert result.exit_code == 0 and "Person" in result.output
    bad = runner.invoke(app, ["stats", "--store", "nope://x"])
    assert bad.exit_code == 1 and "no store for URI scheme" in bad.output and "Traceback" not in bad.output


def test_logs_are_json_lines_with_the_request_id() -> None:
    from graphsvc.logs import JsonFormatter

    record = logging.makeLogRecord({"name": "graphsvc.api", "msg": "request", "levelname": "INFO", "request_id": "abc123", "status": 200})
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request" and line["request_id"] == "abc123" and line["status"] == 200


class _Stderr(io.StringIO):
    """A stand-in for stderr that remembers which thread made each write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, str]] = []

    def write(self, text: str) -> int:
        self.writes.append((threading.current_thread().name, text))
        return super().write(text)


@pytest.fixture
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Stderr]:
    """graphsvc's logs configured as a server does, written to a stand-in for stderr; the
    logging set-up as it was is put back after."""
    from graphsvc import logs

    stream = _Stderr()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger("graphsvc")
    saved = root.handlers[:], root.level, root.propagate
    logs.configure()
    try:
        yield stream
    finally:
        logs.flush()
        root.handlers[:], root.level, root.propagate = saved


def test_queued_log_records_are_all_written_by_flush_in_order_with_their_exceptions(json_logs: _Stderr) -> None:
    from graphsvc import logs

    log = logging.getLogger("graphsvc.api")
    for i in range(200):
        log.info("request %d", i, extra={"request_id": f"r{i}", "status": 200})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    logs.flush()
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    assert [(x["message"], x["request_id"]) for x in lines[:200]] == [(f"request {i}", f"r{i}") for i in range(200)]
    assert lines[200]["message"] == "failed" and "ValueError: boom" in lines[200]["exception"]


def test_log_lines_are_written_in_batches_by_the_writer_on_its_own(json_logs: _Stderr) -> None:
    """The threads that log never write, nor wake the writer: it writes what came in since
    its last round, with one write, every PAUSE seconds."""
    from graphsvc import logs

    log = logging.getLogger("graphsvc.api")
    for i in range(300):
        log.info("request %d", i)
    deadline = time.monotonic() + 5
    while json_logs.getvalue().count("\n") < 300 and time.monotonic() < deadline:
        time.sleep(logs.PAUSE / 5)
    assert json_logs.getvalue().count("\n") == 300  # written without a flush
    assert {name for name, _ in json_logs.writes} == {"graphsvc-logs"}
    assert len(json_logs.writes) <= 3, len(json_logs.writes)  # not one a line
