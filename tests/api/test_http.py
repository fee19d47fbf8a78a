"""GraphQL over HTTP: media types, status codes, limits, bad input; queries and mutations."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from graphsvc.api.schema import sdl
from graphsvc.model import Label
from tests.api.conftest import Live, serving

ROOT = Path(__file__).resolve().parents[2]
GRAPHQL_RESPONSE = "application/graphql-response+json"


def test_the_checked_in_sdl_is_current() -> None:
    assert (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8") == sdl(), "run: graphsvc export-schema"


def _post(live: Live, body: object, accept: str = "application/json", raw: bytes | None = None) -> httpx.Response:
    headers = {"content-type": "application/json", "accept": accept, "authorization": f"Bearer {live.tokens['coordinator']}"}
    return httpx.post(live.url, content=raw if raw is not None else json.dumps(body).encode(), headers=headers)


@pytest.mark.parametrize("accept,media", [(GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), ("application/json", "application/json"),
                                          ("*/*", "application/json"), (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE)])
def test_media_types(live: Live, accept: str, media: str) -> None:
    response = _post(live, {"query": "{ __typename }"}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)


def test_unacceptable_accept_is_406(live: Live) -> None:
    assert _post(live, {"query": "{ __typename }"}, "text/csv").status_code == 406


@pytest.mark.parametrize("raw", [b"{ not json", b"[1, 2]", b'{"query": 7}', b'{"qeury": "{ __typename }"}', b'{"query": "{}", "variables": 3}'])
def test_malformed_requests_are_400(live: Live, raw: bytes) -> None:
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = _post(live, None, accept, raw)
        assert response.status_code == 400 and "data" not in response.json() and response.json()["errors"]


@pytest.mark.parametrize("query", ["{", "{ noSuchField }", "query($x: Int!) { __typename }"])
def test_documents_that_do_not_parse_or_validate(live: Live, query: str) -> None:
    as_json = _post(live, {"query": query}, "application/json")
    assert as_json.status_code == 200 and as_json.json()["errors"]
    strict = _post(live, {"query": query}, GRAPHQL_RESPONSE)
    assert strict.status_code == 400 and "data" not in strict.json() and strict.json()["errors"]


@pytest.mark.parametrize(("body", "message"), [
    ({"query": "query A { __typename } query B { __typename }"}, "Must provide operation name"),
    ({"query": "query A { __typename }", "operationName": "C"}, "Unknown operation named 'C'"),
    ({"query": ""}, "Syntax Error"),
    ({"query": "fragment F on Query { __typename }"}, "never used"),
    ({"query": "subscription { __typename }"}, "subscription operation is not supported"),
], ids=["two-operations-no-name", "unknown-name", "empty", "fragment-only", "subscription"])
def test_requests_naming_no_runnable_operation_are_request_errors(live: Live, body: dict[str, str], message: str) -> None:
    """Not a 500 (strawberry raised on these): an error naming what is wrong, without data."""
    as_json = _post(live, body, "application/json")
    assert as_json.status_code == 200 and "data" not in as_json.json()
    assert message in as_json.json()["errors"][0]["message"]
    strict = _post(live, body, GRAPHQL_RESPONSE)
    assert strict.status_code == 400 and message in strict.json()["errors"][0]["message"]
    named = _post(live, {"query": "query A { __typename } query B { t: __typename }", "operationName": "B"})
    assert named.status_code == 200 and named.json() == {"data": {"t": "Query"}}


def test_post_without_json_content_type_is_415(live: Live) -> None:
    assert httpx.post(live.url, content=b"{ __typename }", headers={"content-type": "text/plain"}).status_code == 415


def test_get_runs_queries_but_never_mutations(live: Live) -> None:
    ok = httpx.get(live.url, params={"query": "{ __typename }"})
    assert ok.status_code == 200 and ok.json() == {"data": {"__typename": "Query"}}
    m = httpx.get(live.url, params={"query": 'mutation { eraseperson: erasePerson(key: "amal") { __typename } }'},
                  headers={"authorization": f"Bearer {live.tokens['coordinator']}"})
    assert m.status_code == 405 and m.headers["allow"] == "POST"
    assert live.store.get("Person", "amal") is not None  # type: ignore[arg-type]


def test_depth_alias_and_token_limits(live: Live) -> None:
    deep = "{ person(key: \"amal\") { " + "knows { edges { node { person { " * 4 + "name" + " } } } }" * 4 + " } }"
    r = live.post(deep, who="coordinator").json()
    assert "exceeds maximum operation depth" in r["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    assert "aliases" in live.post(aliases, who="coordinator").json()["errors"][0]["message"].lower()
    tokens = "{ " + " ".join("__typename" for _ in range(1001)) + " }"
    assert "token" in live.post(tokens, who="coordinator").json()["errors"][0]["message"].lower()


@pytest.mark.parametrize("first", [0, 1001, 100000000])
def test_huge_or_empty_pages_are_refused_naming_the_argument(live: Live, first: int) -> None:
    r = live.post("query($f: Int!) { people(first: $f) { totalCount } }", {"f": first}, who="coordinator").json()
    assert r["errors"][0]["extensions"] == {"code": "invalid", "field": "first"}


def test_wrong_types_and_unknown_ids(live: Live) -> None:
    r = live.post('{ people(first: "ten") { totalCount } }', who="coordinator")
    assert r.status_code == 200 and "errors" in r.json()
    assert live.data('{ person(key: "nobody") { name } }') == {"person": None}
    # variables of the wrong type, or missing: the client's error, named (not an internal one)
    query = "query($k: String!, $t: Float!) { person(key: $k) { knows(minTrust: $t) { edges { cursor } } } }"
    for variables, named in (({"k": 5, "t": 0.5}, "$k"), ({"k": "amal", "t": "high"}, "$t"), ({"k": "amal"}, "$t")):
        r = httpx.post(live.url, json={"query": query, "variables": variables},
                       headers={"Authorization": f"Bearer {live.tokens['coordinator']}", "Accept": GRAPHQL_RESPONSE})
        assert r.status_code == 400, r.text
        (error,) = r.json()["errors"]
        assert named in error["message"] and "internal" not in json.dumps(error), error
    r = live.post('{ node(id: "%%%") { id } }', who="coordinator").json()
    assert r["errors"][0]["extensions"]["field"] == "id"
    r = live.post('{ connectionPaths(from: "amal", to: "nobody") { length } }', who="coordinator").json()
    assert r["errors"][0]["extensions"] == {"code": "not_found", "field": "to"}
    r = live.post('{ connectionPaths(from: "amal", to: "olga", maxHops: 7) { length } }', who="coordinator").json()
    assert r["errors"][0]["extensions"]["field"] == "maxHops"


def test_who_knows_whom(live: Live) -> None:
    data = live.data('''{
      a: person(key: "amal") { key languages { level language { code } } interests { name } neighborhood { name }
                               knows(minTrust: 0.5) { edges { node { trust context person { key } } } } }
      mutualContacts(a: "amal", b: "olga") { key }
      connectionPaths(from: "amal", to: "hidden") { length people { key } hops { trust } }
      network(center: "amal", hops: 2) { nodes { key } edges { type trust } truncated }
    }''')
    a = data["a"]
    assert a["languages"] == [{"level": "native", "language": {"code": "ara"}}]
    assert a["interests"] == [{"name": "Chess"}] and a["neighborhood"] == {"name": "Riverside"}
    assert a["knows"]["edges"] == [{"node": {"trust": 0.9, "context": "library ESL group", "person": {"key": "samir"}}}]
    assert data["mutualContacts"] == [{"key": "samir"}]
    assert data["connectionPaths"] == [{"length": 3, "people": [{"key": k} for k in ("amal", "samir", "olga", "hidden")],
                                        "hops": [{"trust": 0.9}, {"trust": 0.6}, {"trust": 0.4}]}]
    assert {n["key"] for n in data["network"]["nodes"]} == {"amal", "samir", "olga"}
    assert len(data["network"]["edges"]) == 2
    olga = live.store.get(Label.PERSON, "olga")
    live.store.upsert(olga.model_copy(update={"consent": olga.consent.model_copy(update={"intermediary": False})}))
    paths = '{ connectionPaths(from: "amal", to: "hidden") { length } }'
    assert live.data(paths) == {"connectionPaths": []}  # olga no longer appears inside a chain
    assert live.data('{ connectionPaths(from: "amal", to: "olga") { length } }') == {"connectionPaths": [{"length": 2}]}


def test_node_lookup_by_global_id_and_pagination(live: Live) -> None:
    page1 = live.data("{ people(first: 2) { edges { cursor node { id key } } pageInfo { hasNextPage endCursor } } }")["people"]
    assert [e["node"]["key"] for e in page1["edges"]] == ["amal", "hidden"]
    page2 = live.data("query($a: String) { people(first: 2, after: $a) { edges { node { key } } pageInfo { hasNextPage } } }",
                      {"a": page1["pageInfo"]["endCursor"]})["people"]
    assert [e["node"]["key"] for e in page2["edges"]] == ["olga", "samir"] and not page2["pageInfo"]["hasNextPage"]
    gid = page1["edges"][0]["node"]["id"]
    assert live.data("query($id: ID!) { node(id: $id) { ... on Person { name } } }", {"id": gid})["node"] == {"name": "Amal Haddad"}


def test_mutations_validate_and_report_the_field(live: Live) -> None:
    bad = live.data('mutation { upsertNode(type: LANGUAGE, data: {id: "xx"}) { ... on Problem { code field message } } }')
    assert bad["upsertNode"]["code"] == "INVALID" and bad["upsertNode"]["field"] == "id"
    ok = live.data('mutation { upsertNode(type: PERSON, data: {id: "dawit", name: "ዳዊት", roles: ["NEWCOMER"]}) { ... on NodePayload { outcome node { key } } } }')
    assert ok["upsertNode"] == {"outcome": "created", "node": {"key": "dawit"}}
    dangling = live.data('mutation { connect(input: {type: KNOWS, from: "dawit", to: "ghost"}) { ... on Problem { code field } } }')
    assert dangling["connect"] == {"code": "DANGLING", "field": "end"}
    trust = live.data('mutation { connect(input: {type: KNOWS, from: "dawit", to: "amal", props: {trust: 2}}) { ... on Problem { code field } } }')
    assert trust["connect"] == {"code": "INVALID", "field": "props.trust"}
    assert live.data('mutation { connect(input: {type: KNOWS, from: "dawit", to: "amal", props: {trust: 0.3}}) { __typename } }')["connect"]["__typename"] == "Done"
    batch = live.data('''mutation { bulkUpsert(type: PERSON, nodes: [{id: "x1", name: "X1"}, {id: "x2", name: ""}]) {
        ... on Problem { code field row } } }''')
    assert batch["bulkUpsert"] == {"code": "INVALID", "field": "name", "row": 1}
    assert live.data('{ person(key: "x1") { key } }')["person"] is None  # nothing of the batch stored
    erased = live.data('mutation { erasePerson(key: "dawit") { __typename } }')
    assert erased["erasePerson"]["__typename"] == "Done" and live.data('{ person(key: "dawit") { key } }')["person"] is None


def test_health_and_readiness(live: Live) -> None:
    base = live.url.removesuffix("/graphql")
    assert httpx.get(f"{base}/healthz").json() == {"status": "alive"}
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200 and ready.headers["x-request-id"]


def test_a_request_id_given_by_the_client_comes_back_and_one_is_made_otherwise(live: Live) -> None:
    given = httpx.post(live.url, json={"query": "{ __typename }"}, headers={"x-request-id": "trace-42", "authorization": "Bearer nope"})
    assert given.status_code == 401 and given.headers["x-request-id"] == "trace-42"
    made = {_post(live, {"query": "{ __typename }"}).headers["x-request-id"] for _ in range(2)}
    assert len(made) == 2 and all(len(rid) == 16 for rid in made)


def test_query_cost_limit(live: Live) -> None:
    costly = "{ people(first: 1000) { edges { node { knows(first: 1000) { edges { node { trust } } } } } } }"
    response = _post(live, {"query": costly}, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "cost_limit" and error["extensions"]["cost"] > 10_000
    fine = live.data("{ people(first: 50) { edges { node { name languages { level } interests { name } neighborhood { name } } } } }")
    assert fine["people"]["edges"]


def test_introspection_is_off_outside_development_mode(store) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from graphsvc.api.schema import build_schema

    closed = build_schema(introspection=False)
    result = asyncio.run(closed.execute("{ __schema { types { name } } }"))
    assert result.errors and "introspection" in result.errors[0].message.lower()
    from graphsvc.api.app import create_app
    from graphsvc.errors import ConfigurationError
    from graphsvc.settings import Settings

    with pytest.raises(ConfigurationError):
        create_app(Settings(introspection=True), store=store)


def test_validation_is_cached_across_requests(live: Live) -> None:
    from graphsvc.api.hardening import cached_parse, cached_validate

    query = '{ person(key: "amal") { name } }'
    live.data(query)
    hits = [cache.cache_info().hits for cache in (cached_parse, cached_validate)]
    live.data(query)
    assert [cache.cache_info().hits for cache in (cached_parse, cached_validate)] == [hits[0] + 1, hits[1] + 1]


def test_an_error_outside_graphql_is_a_json_answer_with_an_id_not_a_traceback(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    """The store goes away under the API: checking a token that is not cached fails, and
    the client gets a 503 in JSON naming the id the log has, whatever the media type."""
    from graphsvc.api.app import create_app
    from graphsvc.auth import issue_token
    from graphsvc.settings import Settings
    from graphsvc.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'gone.db'}")
    token, _ = issue_token(store, "coordinator")
    with serving(create_app(Settings(), store=store)) as base, httpx.Client(base_url=base, timeout=30) as client:
        store.close()
        for accept in ("application/json", GRAPHQL_RESPONSE):
            response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"authorization": f"Bearer {token}", "accept": accept})
            assert response.status_code == 503, response.text
            error = response.json()["errors"][0]
            assert error["extensions"]["code"] == "unavailable" and error["extensions"]["errorId"] in error["message"]
            assert "Traceback" not in response.text and response.headers["x-request-id"]
            assert any(error["extensions"]["errorId"] in r.getMessage() for r in caplog.records)
        assert client.get("/healthz").json() == {"status": "alive"}  # the rest of the app still answers
