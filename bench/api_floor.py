"""The floor under scenarios (a) and (b) of :mod:`bench.api_load`: what this machine gives
when a Python server does the least it can.

A bare ASGI app on the same uvicorn (uvloop, httptools, the same ``--workers``), with no
GraphQL, no token check, no model: one hand-written Cypher query per request through the
Neo4j driver's async API, its records turned into the API's answer shape with orjson.
``bench.api_load --floor`` serves it and drives it with the same client, concurrency and
inputs as the API, and checks its answers against the baseline's. No real server can do
less per request than this one, so its rate bounds what any API design could reach here.

    GRAPHSVC_FLOOR_NEO4J_URI=bolt://127.0.0.1:7697 uvicorn bench.api_floor:app --workers 2
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from neo4j import AsyncDriver, AsyncGraphDatabase, RoutingControl

PERSON = """
MATCH (p:Person {id: $k})
RETURN p.name AS name,
       [(p)-[s:SPEAKS]->(l:Language) | {level: s.level, code: l.id}] AS languages,
       [(p)-[:INTERESTED_IN]->(i:Interest) | i.name] AS interests,
       COLLECT {
         MATCH (p)-[r:KNOWS]-(o:Person)
         WITH r, o ORDER BY coalesce(r.trust, 0.5) DESC, o.id LIMIT 10
         RETURN {trust: coalesce(r.trust, 0.5), key: o.id, name: o.name}
       } AS knows
"""

PATHS = """
MATCH (a:Person {id: $a}), (b:Person {id: $b})
MATCH p = allShortestPaths((a)-[:KNOWS*..4]-(b))
WHERE all(n IN nodes(p) WHERE n = a OR n = b OR n.consent__intermediary = true)
WITH p, [n IN nodes(p) | n.id] AS ids ORDER BY ids LIMIT 5
RETURN size(ids) - 1 AS length, [r IN relationships(p) | coalesce(r.trust, 0.5)] AS trusts
"""

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
_driver: AsyncDriver | None = None


def _open() -> AsyncDriver:
    url = urlsplit(os.environ["GRAPHSVC_FLOOR_NEO4J_URI"])
    auth = (url.username, url.password or "") if url.username else None
    return AsyncGraphDatabase.driver(f"{url.scheme}://{url.hostname}:{url.port or 7687}", auth=auth)


async def _read(query: str, **params: Any) -> list[Any]:
    assert _driver is not None
    records, _, _ = await _driver.execute_query(query, params, routing_=RoutingControl.READ, bookmark_manager_=None)
    return records


async def _answer(variables: dict[str, Any]) -> dict[str, Any]:
    if "k" in variables:
        records = await _read(PERSON, k=variables["k"])
        if not records:
            return {"person": None}
        r = records[0]
        return {"person": {
            "name": r["name"],
            "languages": [{"level": s["level"] or "", "language": {"code": s["code"]}} for s in r["languages"]],
            "interests": [{"name": name} for name in r["interests"]],
            "knows": {"edges": [{"node": {"trust": k["trust"], "person": {"key": k["key"], "name": k["name"]}}} for k in r["knows"]]},
        }}
    records = await _read(PATHS, a=variables["a"], b=variables["b"])
    return {"connectionPaths": [{"length": r["length"], "hops": [{"trust": t} for t in r["trusts"]]} for r in records]}


async def _lifespan(receive: Receive, send: Send) -> None:
    global _driver
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _driver = _open()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _driver is not None:
                await _driver.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["method"] != "POST":  # readiness
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    try:
        status, out = 200, orjson.dumps({"data": await _answer(orjson.loads(body)["variables"])})
    except Exception as exc:  # noqa: BLE001 - a benchmark's server: the client counts it as an error
        status, out = 500, orjson.dumps({"errors": [{"message": f"{type(exc).__name__}: {exc}"}]})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})
