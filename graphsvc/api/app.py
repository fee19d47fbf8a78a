"""The FastAPI application: lifespan, health, request ids, and the GraphQL endpoint."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from graphsvc.api import http
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
            if store is None:
                await call(app.state.store.close)

    partners: TTLCache[str, frozenset[str]] = TTLCache(PARTNERS_CACHE_TTL)  # a participant's, for their policy
    matching = IndexCache()  # the warm analysis index (mentor suggestions, cohort matching)

    def after_write() -> None:
        partners.clear()
        matching.clear()

    app = FastAPI(title="graphsvc", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def request_id(request: Request, call_next):  # type: ignore[no-untyped-def]
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["x-request-id"] = rid
        log.info("request", extra={"request_id": rid, "method": request.method, "path": request.url.path, "status": response.status_code})
        return response

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

    @app.api_route("/graphql", methods=["GET", "POST"])
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
        return await http.handle(request, schema, context, graphiql=settings.dev_mode)

    return app


def serve_app() -> FastAPI:
    """The app as each worker of ``graphsvc serve --workers N`` builds it (uvicorn's
    ``factory=True``): settings from the environment, JSON request logs."""
    from graphsvc.logs import configure

    configure()
    return create_app()
