"""No N+1: a page of people with nested fields costs the same few store calls at any size."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from graphsvc.api.app import create_app
from graphsvc.auth import issue_token
from graphsvc.model import Label
from graphsvc.settings import Settings
from graphsvc.store import Store
from graphsvc.api.ids import to_global_id
from tests.factories import knows, node, person, rel
from tests.support import Counting, free_port


@pytest.fixture
def counted_api(store: Store) -> Iterator[tuple[str, Counting, str]]:
    langs = ["ara", "ukr", "spa", "tir", "prs"]
    store.bulk_upsert([node(Label.LANGUAGE, id=code) for code in langs]
                      + [node(Label.INTEREST, id=f"i{k}", name=f"Interest {k}") for k in range(5)]
                      + [node(Label.NEIGHBORHOOD, id=f"n{k}", name=f"Hood {k}") for k in range(3)]
                      + [person(f"p{i:02d}") for i in range(50)])
    store.bulk_upsert(rels=[rel("SPEAKS", f"p{i:02d}", langs[i % 5]) for i in range(50)]
                      + [rel("SPEAKS", f"p{i:02d}", langs[(i + 1) % 5]) for i in range(50)]
                      + [rel("INTERESTED_IN", f"p{i:02d}", f"i{i % 5}") for i in range(50)]
                      + [rel("LIVES_IN", f"p{i:02d}", f"n{i % 3}") for i in range(50)])
    token, _ = issue_token(store, "coordinator")
    with serving(store) as (url, counting):
        yield url, counting, token


@contextmanager
def serving(store: Store, counting: Counting | None = None) -> Iterator[tuple[str, Counting]]:
    """The API on a free port over ``store``, counting its store calls."""
    counting = counting or Counting(store)
    app = create_app(Settings(), store=counting)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.02)
    try:
        yield f"http://127.0.0.1:{port}/graphql", counting
    finally:
        server.should_exit = True
        thread.join(10)


QUERY = """query($n: Int!) { people(first: $n) { totalCount edges { node {
  name languages { level language { code name } } interests { name } neighborhood { name } } } } }"""


def test_a_page_of_50_people_with_nested_fields_costs_a_bounded_number_of_store_calls(counted_api: tuple[str, Counting, str]) -> None:
    url, counting, token = counted_api
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(url, json={"query": QUERY, "variables": {"n": 1}}, headers=headers)  # the token is looked up once, then cached
    costs = {}
    for n in (5, 50):
        counting.calls.clear()
        response = httpx.post(url, json={"query": QUERY, "variables": {"n": n}}, headers=headers)
        body = response.json()
        assert "errors" not in body, body
        people = body["data"]["people"]["edges"]
        assert len(people) == n and all(len(p["node"]["languages"]) == 2 and p["node"]["neighborhood"] for p in people)
        costs[n] = sum(counting.calls.values())
    assert costs[50] == costs[5], f"store calls grow with the page: {costs}"
    assert costs[50] <= 3, dict(counting.calls)  # page, totalCount, the page's links (around)


FRAGMENTED = """query($n: Int!) { people(first: $n) { edges { ...Row node { ... on Person { spoken: languages { level language { code } } } } } } }
fragment Row on PersonEdge { node { key interests { name } neighborhood { name } } }"""
ONE = "query($k: String!) { person(key: $k) { languages { level language { code } } interests { name } neighborhood { name } } }"


def test_a_page_loads_its_people_s_languages_interests_and_neighborhoods_ahead_through_fragments_and_aliases(
        counted_api: tuple[str, Counting, str]) -> None:
    """A page asks for its people's relationship fields once for all (the same answers as
    asked one person at a time), also where they are asked in fragments and under aliases."""
    url, counting, token = counted_api
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(url, json={"query": ONE, "variables": {"k": "p00"}}, headers=headers)
    counting.calls.clear()
    body = httpx.post(url, json={"query": FRAGMENTED, "variables": {"n": 20}}, headers=headers).json()
    assert "errors" not in body, body
    assert counting.calls["around_async"] == 1 and "relationships_of" not in counting.calls and "get_nodes" not in counting.calls, dict(counting.calls)
    for edge in body["data"]["people"]["edges"]:
        row = edge["node"]
        one = httpx.post(url, json={"query": ONE, "variables": {"k": row["key"]}}, headers=headers).json()["data"]["person"]
        assert (row["spoken"], row["interests"], row["neighborhood"]) == (one["languages"], one["interests"], one["neighborhood"])
        assert len(row["spoken"]) == 2 and row["neighborhood"]


PERSON_FIELDS = """name languages { level language { code } } interests { name }
  knows(first: $first, minTrust: $min) { edges { cursor node { trust person { key name } } } pageInfo { hasNextPage endCursor } }"""
VIEW = f"query($k: String!, $first: Int!, $min: Float!) {{ person(key: $k) {{ {PERSON_FIELDS} }} }}"
VIA_NODE = f"query($id: ID!, $first: Int!, $min: Float!) {{ node(id: $id) {{ ... on Person {{ {PERSON_FIELDS} }} }} }}"  # nothing loaded ahead


@pytest.mark.parametrize("role", ["coordinator", "mentor"])
def test_one_person_with_languages_interests_and_first_acquaintances_is_one_store_call(store: Store, role: str) -> None:
    """``person`` loads what its fields ask for with the person, in one call; the answers
    are those of the same fields loaded field by field (``node``), also where some of the
    most trusted acquaintances are hidden from the caller and more must be read, and where
    fewer than asked for are trusted enough (``minTrust``)."""
    listed = {"directory": True}
    store.bulk_upsert(
        [node(Label.LANGUAGE, id="ara"), node(Label.INTEREST, id="chess", name="Chess"), person("me", consent=listed)]
        + [person(f"p{i:02d}", consent=listed if i % 3 else {}) for i in range(12)],
        [rel("SPEAKS", "me", "ara", props={"level": "native"}), rel("INTERESTED_IN", "me", "chess")]
        + [knows("me", f"p{i:02d}", trust=round(1 - i / 20, 2) if i % 4 else 0.5) for i in range(12)],
    )
    token, _ = issue_token(store, role, person_id="me" if role == "mentor" else None)
    headers = {"Authorization": f"Bearer {token}"}
    with serving(store) as (url, counting):
        httpx.post(url, json={"query": "{ counts { count } }"}, headers=headers)  # the token is looked up, then cached
        for first, min_trust in ((1, 0.0), (3, 0.0), (5, 0.0), (20, 0.0), (5, 0.8), (20, 0.8)):
            counting.calls.clear()
            literal = VIEW.replace(", $first: Int!", "").replace("$first", str(first))  # a literal argument comes as text
            variables = {"first": first, "min": min_trust}
            got = httpx.post(url, json={"query": literal if first % 2 else VIEW, "variables": {"k": "me", **variables}},
                             headers=headers).json()
            calls = dict(counting.calls)
            plain = httpx.post(url, json={"query": VIA_NODE, "variables": {"id": to_global_id(Label.PERSON, "me"), **variables}},
                               headers=headers).json()
            assert "errors" not in got and got["data"]["person"] == plain["data"]["node"], (got, plain)
            edges = got["data"]["person"]["knows"]["edges"]
            trusted = [i for i in range(12) if (1 - i / 20 if i % 4 else 0.5) >= min_trust and (role == "coordinator" or i % 3)]
            assert len(edges) == min(first, len(trusted))
            assert got["data"]["person"]["languages"] and got["data"]["person"]["interests"]
            if role == "coordinator":
                assert calls == {"around_async": 1}, calls
            else:  # hidden ones among the most trusted: all the acquaintances are read, then the people after those
                assert calls["around_async"] == 1 and sum(calls.values()) <= 1 + 3, calls


class Remembering(Counting):
    """The real store, keeping a weak reference to every node and relationship it returns."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.returned: list[weakref.ref[Any]] = []

    def __getattr__(self, name: str) -> Any:
        method = super().__getattr__(name)
        if name not in ("around", "around_async", "get_nodes", "relationships_of"):
            return method

        def remember(got: Any) -> Any:
            parts = [got.nodes, got.ends, got.rels] if name.startswith("around") else [got]
            for part in parts:
                for value in part.values():
                    for item in value if isinstance(value, list) else [value]:
                        self.returned.append(weakref.ref(item))
            return got

        if name == "around_async":
            async def remembered_async(*args: Any, **kwargs: Any) -> Any:
                return remember(await method(*args, **kwargs))

            return remembered_async
        return lambda *args, **kwargs: remember(method(*args, **kwargs))


def test_what_a_request_loaded_is_freed_when_it_ends_without_the_garbage_collector(store: Store) -> None:
    """The GraphQL execution holding a request's context is a reference cycle: the context
    is emptied when the request ends, so the nodes it loaded do not wait for a collection."""
    store.bulk_upsert([person("me", consent={"directory": True}), node(Label.LANGUAGE, id="ara")]
                      + [person(f"p{i}", consent={"directory": True}) for i in range(5)],
                      [rel("SPEAKS", "me", "ara")] + [knows("me", f"p{i}") for i in range(5)])
    token, _ = issue_token(store, "coordinator")
    remembering = Remembering(store)
    headers = {"Authorization": f"Bearer {token}"}
    with serving(store, remembering) as (url, _):
        query = {"query": VIEW, "variables": {"k": "me", "first": 3, "min": 0.0}}
        httpx.post(url, json=query, headers=headers)  # warm: the token is cached
        remembering.returned.clear()
        gc.collect()
        gc.disable()
        try:
            body = httpx.post(url, json=query, headers=headers).json()
            assert len(body["data"]["person"]["knows"]["edges"]) == 3
            assert len(remembering.returned) >= 1 + 1 + 5 + 3  # me, ara, the relationships, the first acquaintances
            alive = [ref() for ref in remembering.returned if ref() is not None]
        finally:
            gc.enable()
        assert alive == []
