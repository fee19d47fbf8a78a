"""The FastAPI application: lifespan, health, request ids, and the GraphQL endpoint."""

from __future__ import annotations

import gc
import itertools
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphsvc.api import balance, http
from graphsvc.api.context import Context, call
from graphsvc.api.schema import build_schema
from graphsvc.auth import ANONYMOUS, authenticate, cached_principal
from graphsvc.auth.cache import TTLCache
from graphsvc.errors import ConfigurationError, GraphsvcError
from graphsvc.services.access import PARTNERS_CACHE_TTL, Policy
from graphsvc.services.matching import IndexCache
from graphsvc.settings import Settings
from graphsvc.store import Store, open_store

log = logging.getLogger("graphsvc.api")


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The app. Settings are read here (at start-up), never at import time; a given
    ``store`` is used as is and not closed (tests)."""
    settings = settings or Settings()
    if not settings.dev_mode and settings.introspection:
        raise ConfigurationError("introspection is for development mode only", field="introspection")
    schema = build_schema(
        introspection=settings.dev_mode or settings.introspection,
        max_depth=settings.max_depth, max_aliases=settings.max_aliases, max_tokens=settings.max_tokens,
        max_cost=settings.max_cost,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or await call(open_store, None, settings)
        try:
            yield
        finally:
            await app.state.store.close_async()  # what it opened for this event loop
            if store is None:
                await call(app.state.store.close)

    partners: TTLCache[str, frozenset[str]] = TTLCache(PARTNERS_CACHE_TTL)  # a participant's, for their policy
    matching = IndexCache()  # the warm analysis index (mentor suggestions, cohort matching)

    def after_write() -> None:
        partners.clear()
        matching.clear()

    app = FastAPI(title="graphsvc", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    app.add_middleware(RequestIds)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz")
    async def readyz(request: Request) -> Response:
        try:
            await call(request.app.state.store.ping)
        except GraphsvcError as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def graphql(request: Request) -> Response:
        st: Store = request.app.state.store
        principal = ANONYMOUS
        auth = request.headers.get("authorization", "")
        if auth:
            scheme, _, token = auth.partition(" ")
            found = None
            if scheme.lower() == "bearer":  # recently seen tokens are not looked up again (a few seconds)
                found = cached_principal(st, token.strip()) or await call(authenticate, st, token.strip(), cache=True)
            if found is None:
                return JSONResponse({"errors": [{"message": "invalid or revoked token"}]}, status_code=401,
                                    headers={"WWW-Authenticate": "Bearer"})
            principal = found
        policy_for = partial(Policy.for_principal, st, principal, public_institutions=settings.public_institutions, cache=partners)
        policy = await call(policy_for) if Policy.needs_store(principal, partners) else policy_for()
        context = Context(store=st, principal=principal, policy=policy, request_id=request.state.request_id,
                          after_write=after_write, matching=matching)
        try:
            return await http.handle(request, schema, context, graphiql=settings.dev_mode)
        finally:
            context.close()

    # a plain Starlette route: the endpoint takes the request as it is, with none of FastAPI's
    # parameter solving (~2% of a small query's CPU)
    app.add_route("/graphql", graphql, methods=["GET", "POST"])
    return app


class RequestIds:
    """Every HTTP request gets an id (the client's ``X-Request-Id`` or a new one), in
    ``request.state.request_id``, in the answer's ``X-Request-Id`` and in one JSON log line
    with its method, path and status. Plain ASGI, not ``@app.middleware``: Starlette's
    ``BaseHTTPMiddleware`` runs each request through a task group and memory streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # unique without a random draw per request (uuid4 reads the OS's randomness each time)
        self._prefix = os.urandom(4).hex()
        self._next = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        rid = given.decode("latin-1")[:200] or f"{self._prefix}{next(self._next):08x}"
        scope.setdefault("state", {})["request_id"] = rid
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("request", extra={"request_id": rid, "method": scope["method"], "path": scope["path"], "status": status})


def serve_app() -> FastAPI:
    """The app as each worker of ``graphsvc serve --workers N`` builds it (uvicorn's
    ``factory=True``): settings from the environment, JSON request logs."""
    from graphsvc.logs import configure

    configure()
    app = create_app()
    if balance.slot is not None:  # one of several workers: spread the connections evenly
        counts, index = balance.slot
        app.add_middleware(balance.Balancer, counts=counts, index=index)
    gc_for_serving()
    return app


#: Allocations (less deallocations) between two young-generation collections in a served
#: process: a request makes a few thousand objects, nearly all gone when it ends; Python's
#: default (700) walks the young objects several times a request.
YOUNG_GC_THRESHOLD = 50_000


def gc_for_serving() -> None:
    """Before a server takes requests: what exists now (modules, the schema, settings) lives
    as long as the process, so it is moved out of the garbage collector's sight
    (``gc.freeze``). A full collection then walks only what came after: in a served
    process, 30 ms where it took 80-120 (pauses a request waits for). Young collections
    come every :data:`YOUNG_GC_THRESHOLD` allocations, not every 700: ~5% of a request's
    CPU in a served process, for at most a few MB more held between collections."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, older, oldest)
