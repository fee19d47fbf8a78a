"""Fixtures shared by every test: stores, parametrized over the registered backends.

``store`` gives a fresh, bootstrapped store per test for every backend in
:data:`graphsvc.store.BACKENDS`: a new SQLite file, or the test Neo4j server emptied.
The Neo4j server is the one ``NEO4J_URI`` names, or else one this session starts with
``scripts/neo4j-local``. If it cannot be had, its tests are skipped, unless
``GRAPHSVC_REQUIRE_NEO4J=1`` (CI), where the run fails instead.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from graphsvc.settings import Settings
from graphsvc.store import BACKENDS, Store, open_store

ROOT = Path(__file__).resolve().parents[1]
REQUIRE_NEO4J = os.environ.get("GRAPHSVC_REQUIRE_NEO4J") == "1"

settings.register_profile(
    "graphsvc", deadline=None, max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("graphsvc")


def _neo4j_settings() -> Settings:
    return Settings(
        neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("NEO4J_PASSWORD") or None,
    )


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """The URI of a running Neo4j for tests (started here if ``NEO4J_URI`` is unset)."""
    uri = os.environ.get("NEO4J_URI")
    started = False
    if not uri:
        script = ROOT / "scripts" / "neo4j-local"
        if subprocess.run([script, "status"], capture_output=True, check=False).returncode != 0:
            proc = subprocess.run([script, "start"], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                message = f"Neo4j could not start:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
                if REQUIRE_NEO4J:
                    pytest.fail(message, pytrace=False)
                pytest.skip(message)
            started = True
        uri = subprocess.run([script, "uri"], capture_output=True, text=True, check=True).stdout.strip()
    try:
        store = open_store(uri, _neo4j_settings())
        store.close()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no Neo4j"
        if REQUIRE_NEO4J:
            pytest.fail(f"Neo4j at {uri} does not answer: {exc}", pytrace=False)
        pytest.skip(f"Neo4j at {uri} does not answer: {exc}")
    yield uri
    if started:
        subprocess.run([ROOT / "scripts" / "neo4j-local", "stop"], capture_output=True, check=False)


@pytest.fixture(scope="session")
def neo4j_store(neo4j_uri: str) -> Iterator[Store]:
    store = open_store(neo4j_uri, _neo4j_settings())
    yield store
    store.close()


def _fresh_sqlite(request: pytest.FixtureRequest) -> Store:
    tmp_path = request.getfixturevalue("tmp_path")
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    request.addfinalizer(store.close)
    return store


def _fresh_neo4j(request: pytest.FixtureRequest) -> Store:
    store: Store = request.getfixturevalue("neo4j_store")
    store.clear()
    return store


#: How to get a fresh store of each registered backend class. A backend registered in
#: BACKENDS without an entry here fails ``test_every_backend_is_tested``.
FRESH: dict[str, Callable[[pytest.FixtureRequest], Store]] = {
    "SqliteStore": _fresh_sqlite,
    "Neo4jStore": _fresh_neo4j,
}

BACKEND_NAMES = sorted({target.rpartition(":")[2] for target in BACKENDS.values()})
PARAMS = [
    pytest.param(name, id=name.removesuffix("Store").lower(), marks=[pytest.mark.neo4j] if "Neo4j" in name else [])
    for name in BACKEND_NAMES
]


@pytest.fixture(params=PARAMS)
def store(request: pytest.FixtureRequest) -> Store:
    """A fresh, empty, bootstrapped store of each registered backend."""
    return FRESH[request.param](request)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    yield store
    store.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With GRAPHSVC_REQUIRE_NEO4J=1, a skipped Neo4j test fails the run."""
    if not REQUIRE_NEO4J:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = [r for r in (reporter.stats.get("skipped", []) if reporter else []) if "neo4j" in r.keywords]
    if skipped:
        if reporter:
            reporter.write_line(f"GRAPHSVC_REQUIRE_NEO4J=1 but {len(skipped)} Neo4j tests were skipped", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    """Say how many tests ran against each store, so a run shows both were exercised."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup") or (outcome == "passed" and report.when != "call"):
                continue
            for backend in ("sqlite", "neo4j"):
                if f"[{backend}" in report.nodeid:
                    counts.setdefault(backend, {}).setdefault(outcome, 0)
                    counts[backend][outcome] += 1
    for backend, by_outcome in sorted(counts.items()):
        terminalreporter.write_line(f"store {backend}: " + ", ".join(f"{n} {o}" for o, n in sorted(by_outcome.items())))
