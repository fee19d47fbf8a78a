"""The FastAPI application: lifespan, health, request ids, and the GraphQL endpoint."""

from __future__ import annotations

import gc
import itertools
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphsvc.api import balance, http
from graphsvc.api.context import Context, call
from graphsvc.api.schema import build_schema
from graphsvc.auth import ANONYMOUS, authenticate, cached_principal
from graphsvc.auth.cache import TTLCache
from graphsvc.errors import ConfigurationError, GraphsvcError, StoreUnavailableError
from graphsvc.services.access import PARTNERS_CACHE_TTL, Policy
from graphsvc.services.matching import IndexCache
from graphsvc.settings import Settings
from graphsvc.store import Store, open_store

log = logging.getLogger("graphsvc.api")


def create_app(settings: Settings | None = None, store: Store | None = None) -> App:
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

    app = App(title="graphsvc", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

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

    app.add_route("/graphql", graphql, methods=["GET", "POST"])  # HEAD, OPTIONS and the rest: 405 from the router
    app.graphql = graphql
    app.wrap(RequestIds)
    return app


class App(FastAPI):
    """FastAPI, with GET and POST to ``/graphql`` (nearly all of the traffic) answered before
    its middleware stack (server errors, exception handlers, body limits, the router: seven
    layers of calls a request) by :attr:`graphql`, an endpoint that never raises
    (:func:`answer_or_500`). What :meth:`wrap` adds (request ids, the worker balancer) is
    outermost, for every request."""

    graphql: Callable[[Request], Awaitable[Response]] | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._front: ASGIApp = self._dispatch

    def wrap(self, middleware: Callable[..., ASGIApp], **options: Any) -> None:
        """Put a plain ASGI middleware around everything, outside what is there already."""
        self._front = middleware(self._front, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._front(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.graphql is not None and scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] in ("GET", "POST"):
            scope["app"] = self
            request = Request(scope, receive)
            response = await answer_or_500(self.graphql, request)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def answer_or_500(endpoint: Callable[[Request], Awaitable[Response]], request: Request) -> Response:
    """The endpoint's answer; if it raised (the store could not be reached to check a token,
    a bug), a JSON error naming an id the operators find in the log, never a traceback:
    503 when the store is unavailable, 500 otherwise."""
    try:
        return await endpoint(request)
    except Exception as exc:  # noqa: BLE001 - the one place an unexpected error is turned into an answer
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s in request %s", error_id, request.scope.get("state", {}).get("request_id"), exc_info=exc)
        unavailable = isinstance(exc, StoreUnavailableError)
        message = "The store is unavailable; try again shortly." if unavailable else "Unexpected error."
        code = "unavailable" if unavailable else "internal"
        return JSONResponse({"errors": [{"message": f"{message} The operators can find it as {error_id}.",
                                         "extensions": {"code": code, "errorId": error_id}}]}, status_code=503 if unavailable else 500)


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


def serve_app() -> App:
    """The app as each worker of ``graphsvc serve --workers N`` builds it (uvicorn's
    ``factory=True``): settings from the environment, JSON request logs."""
    from graphsvc.logs import configure

    configure()
    app = create_app()
    if balance.slot is not None:  # one of several workers: spread the connections evenly
        counts, index = balance.slot
        app.wrap(balance.Balancer, counts=counts, index=index)
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
