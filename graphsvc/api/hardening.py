"""The API's guards and caches, and the one way the HTTP endpoint runs an operation.

:func:`run` parses (cached, with a token limit), validates (cached: the specified rules
plus depth, aliases and, outside development, no introspection), checks the query's cost
and executes with graphql-core, through the schema's resolvers and execution context. It
is what strawberry's ``Schema.execute`` does with the ``ParserCache``, ``ValidationCache``,
``AddValidationRules`` and ``MaxTokensLimiter`` extensions, without strawberry's
per-request extension lifecycle (~15% of executing a small query). Every failure before
execution is a GraphQL error with no data (the HTTP layer's 400): a document that does not
parse or validate, an unknown ``operationName``, several operations and no name, none at
all (strawberry raised on those: a 500).

:class:`Hardening` applies the same guards to ``Schema.execute`` (scripts, tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, ExecutionResult, GraphQLError, execute, parse, specified_rules, validate
from strawberry import Schema
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension

from graphsvc.api.cost import cost_error

CACHE_SIZE = 256  # distinct documents kept parsed and validated

#: Shared by every request: parse(text, max_tokens=...) and validate(schema, document,
#: rules) with their answers kept (process-wide LRU, keyed by the document's text).
cached_parse: Callable[..., Any] = lru_cache(maxsize=CACHE_SIZE)(parse)
cached_validate: Callable[..., list[GraphQLError]] = lru_cache(maxsize=CACHE_SIZE)(validate)


@dataclass(frozen=True)
class Guards:
    """Limits of a schema. ``rules`` are made once per schema: the validation cache is keyed
    by them, so rules made per request would never hit it."""

    rules: tuple[type[ASTValidationRule], ...]
    max_tokens: int
    max_cost: int
    #: graphql's specified rules, then ``rules``: made once, not per request (the cache's key)
    validation_rules: tuple[type[ASTValidationRule], ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "validation_rules", (*specified_rules, *self.rules))

    @classmethod
    def of(cls, rules: Sequence[type[ASTValidationRule]], *, max_tokens: int, max_cost: int) -> Guards:
        return cls(rules=tuple(rules), max_tokens=max_tokens, max_cost=max_cost)


async def run(schema: Schema, guards: Guards, query: str, *, variables: dict[str, Any] | None, operation_name: str | None,
              context: Any) -> ExecutionResult:
    """The result of one operation of ``query`` (see the module's doc)."""
    try:
        document = cached_parse(query, max_tokens=guards.max_tokens)
    except GraphQLError as error:
        return ExecutionResult(data=None, errors=[error])
    if errors := cached_validate(schema._schema, document, guards.validation_rules):
        return ExecutionResult(data=None, errors=errors)
    if refused := cost_error(document, operation_name, variables or {}, guards.max_cost):
        return refused
    result = execute(schema._schema, document, None, context, variables, operation_name,
                     executor_class=schema.execution_context_class, is_awaitable=optimized_is_awaitable)
    return await result if optimized_is_awaitable(result) else result  # type: ignore[misc,return-value]


class Hardening(SchemaExtension):
    """:class:`Guards` for ``Schema.execute``: the same rules, limits and caches."""

    def __init__(self, guards: Guards) -> None:
        self.guards = guards

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.validation_rules = ctx.validation_rules + self.guards.rules
        ctx.parse_options["max_tokens"] = self.guards.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.graphql_document = cached_parse(ctx.query, **ctx.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.pre_execution_errors = cached_validate(ctx.schema._schema, ctx.graphql_document, ctx.validation_rules)
        yield

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and ctx.result is None:
            ctx.result = cost_error(ctx.graphql_document, ctx.operation_name, ctx.variables or {}, self.guards.max_cost)
        yield
