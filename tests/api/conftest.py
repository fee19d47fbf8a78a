"""A live API over each store: uvicorn on a free loopback port, a seeded community, and
a token for every role."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from graphsvc.api.app import create_app
from graphsvc.auth import issue_token
from graphsvc.model import Label
from graphsvc.settings import Settings
from graphsvc.store import Store
from tests.factories import knows, node, person, rel
from tests.support import free_port


def seed(store: Store) -> None:
    store.bulk_upsert([
        person("amal", "Amal Haddad", roles={"NEWCOMER"}, consent={"directory": True, "matching": True},
               contact={"email": "amal@example.org"}, sensitive={"origin_country": "SY"}),
        person("samir", "Samir Aziz", roles={"MENTOR"}, consent={"directory": True, "intermediary": True},
               contact={"email": "samir@example.org"},
               sensitive={"faith": "none"}),
        person("olga", "Olga Petrenko", roles={"MENTOR"}, consent={"directory": True, "intermediary": True},
               contact={"email": "olga@example.org"}),
        person("hidden", "Hidden Person", roles={"NEWCOMER"}, contact={"email": "hidden@example.org"}),
        node(Label.MENTORSHIP, id="m1", status="active"),
        node(Label.LANGUAGE, id="ara"), node(Label.LANGUAGE, id="ukr"),
        node(Label.INTEREST, id="chess", name="Chess"),
        node(Label.NEIGHBORHOOD, id="riverside", name="Riverside"),
        node(Label.INSTITUTION, id="lib", name="Riverside Library", kind="library"),
        node(Label.ORGANIZATION, id="hosp", name="General Hospital", kind="employer"),
    ], [
        knows("amal", "samir", 0.9, context="library ESL group"), knows("samir", "olga", 0.6), knows("olga", "hidden", 0.4),
        rel("SPEAKS", "amal", "ara", props={"level": "native"}), rel("SPEAKS", "samir", "ara"), rel("SPEAKS", "olga", "ukr"),
        rel("INTERESTED_IN", "amal", "chess"), rel("LIVES_IN", "amal", "riverside"), rel("LOCATED_IN", "lib", "riverside"),
        rel("AFFILIATED_WITH", "samir", "hosp", end_label="Organization", props={"role": "works_at"}),
        rel("MENTEE_IN", "amal", "m1"), rel("MENTOR_IN", "samir", "m1"),
    ])


@dataclass
class Live:
    url: str
    store: Store
    tokens: dict[str, str] = field(default_factory=dict)

    def post(self, query: str, variables: dict[str, Any] | None = None, *, who: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.post(self.url, json={"query": query, "variables": variables}, headers=headers, timeout=30, **kw)

    def data(self, query: str, variables: dict[str, Any] | None = None, *, who: str | None = "coordinator") -> Any:
        response = self.post(query, variables, who=who)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]


@pytest.fixture
def live(store: Store) -> Iterator[Live]:
    seed(store)
    tokens = {
        "coordinator": issue_token(store, "coordinator")[0],
        "partner": issue_token(store, "partner")[0],
        "amal": issue_token(store, "newcomer", person_id="amal")[0],
        "samir": issue_token(store, "mentor", person_id="samir")[0],
        "olga": issue_token(store, "mentor", person_id="olga")[0],
        "hidden": issue_token(store, "newcomer", person_id="hidden")[0],
    }
    with serving(create_app(Settings(dev_mode=True), store=store)) as base:
        yield Live(url=f"{base}/graphql", store=store, tokens=tokens)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a thread: its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
