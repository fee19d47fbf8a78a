"""GraphQL over HTTP, as the GraphQL-over-HTTP specification asks.

- POST with ``application/json`` bodies; GET with URL parameters, for queries only
  (a mutation over GET is 405 with ``Allow: POST``).
- A body that is not JSON, or parameters of the wrong shape, are 400 whatever the media
  type. A document that does not parse or validate is 400 without ``data`` under
  ``application/graphql-response+json`` (used when the client accepts it), and 200 with
  ``errors`` under ``application/json``. A POST without a JSON content type is 415; an
  Accept header that allows neither media type is 406.
- Errors of graphsvc (bad input, not found, forbidden) carry ``extensions.code`` and
  ``extensions.field``; anything unexpected is logged with an id and masked.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import orjson
from graphql import GraphQLError, get_operation_ast
from graphql import OperationType as AstOperation
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry import Schema

from graphsvc.api.hardening import Guards, cached_parse, run
from graphsvc.errors import GraphsvcError

log = logging.getLogger("graphsvc.api")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class RequestError(Exception):
    """The request is not a GraphQL request (malformed JSON, bad parameters)."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or ``None`` if the client accepts neither."""
    if not accept:
        return JSON
    ranked = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        ranked.append((q, media.strip().lower()))
    for q, media in sorted(ranked, key=lambda r: -r[0]):
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media in (JSON, "application/*", "*/*"):
            return JSON
    return None


def _params(data: Any) -> tuple[str, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    if not isinstance(data, dict):
        raise RequestError("the request body must be a JSON object")
    query, variables = data.get("query"), data.get("variables")
    operation, extensions = data.get("operationName"), data.get("extensions")
    if not isinstance(query, str):
        raise RequestError("'query' must be a string holding a GraphQL document")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError("'variables' must be a map or null")
    if operation is not None and not isinstance(operation, str):
        raise RequestError("'operationName' must be a string or null")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError("'extensions' must be a map or null")
    return query, variables, operation, extensions


async def read_request(request: Request) -> tuple[str, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    if request.method == "GET":
        raw = dict(request.query_params)
        if isinstance(raw.get("variables"), str):
            try:
                raw["variables"] = json.loads(raw["variables"])
            except json.JSONDecodeError:
                raise RequestError("'variables' is not valid JSON") from None
        if isinstance(raw.get("extensions"), str):
            try:
                raw["extensions"] = json.loads(raw["extensions"])
            except json.JSONDecodeError:
                raise RequestError("'extensions' is not valid JSON") from None
        return _params(raw)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise RequestError("POST needs Content-Type: application/json", status=415)
    body = await request.body()
    if not body:
        raise RequestError("POST needs a JSON body")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"the body is not valid JSON: {exc}") from None
    return _params(data)


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    formatted: dict[str, Any] = error.formatted
    original = error.original_error
    if isinstance(original, GraphsvcError):
        formatted["message"] = str(original.message)
        formatted["extensions"] = {"code": original.code, "field": original.field}
    elif original is not None and not isinstance(original, GraphQLError):  # a variable's bad value is the client's
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s in request %s", error_id, request_id, exc_info=original)
        formatted["message"] = f"Unexpected error; the operators can find it as {error_id}."
        formatted["extensions"] = {"code": "internal", "errorId": error_id}
    return formatted


def _is_mutation(query: str, operation: str | None, guards: Guards) -> bool:
    try:
        op = get_operation_ast(cached_parse(query, max_tokens=guards.max_tokens), operation)
    except GraphQLError:
        return False
    return op is not None and op.operation is AstOperation.MUTATION


def _reply(media: str, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # orjson: several times faster than json.dumps on a page of results; the same JSON
    return Response(orjson.dumps(body), status_code=status, media_type=f"{media}; charset=utf-8", headers=headers)


async def handle(request: Request, schema: Schema, context: Any, *, graphiql: bool) -> Response:
    accept = request.headers.get("accept")
    if request.method == "GET" and graphiql and "text/html" in (accept or "") and "query" not in request.query_params:
        from graphsvc.api.graphiql import GRAPHIQL_HTML

        return HTMLResponse(GRAPHIQL_HTML)
    media = negotiate(accept)
    if media is None:
        return Response(f"Accept {JSON} or {GRAPHQL_RESPONSE}", status_code=406, media_type="text/plain")
    request_id = getattr(context, "request_id", "")
    try:
        query, variables, operation, _extensions = await read_request(request)  # extensions: accepted, none used
    except RequestError as exc:
        return _reply(media, {"errors": [{"message": str(exc)}]}, exc.status, exc.headers)
    guards: Guards = schema.guards  # type: ignore[attr-defined]
    if request.method == "GET" and _is_mutation(query, operation, guards):
        return _reply(media, {"errors": [{"message": "mutations need POST"}]}, 405, {"Allow": "POST"})
    result = await run(schema, guards, query, variables=variables, operation_name=operation, context=context)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [format_error(e, request_id) for e in result.errors]
    if result.data is None and result.errors:
        # a request error: the document did not parse or validate
        return _reply(media, body, 400 if media == GRAPHQL_RESPONSE else 200)
    body["data"] = result.data
    return _reply(media, body)
