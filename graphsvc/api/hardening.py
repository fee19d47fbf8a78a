"""The API's guards and caches as one strawberry extension.

What strawberry's ``ParserCache``, ``ValidationCache``, ``AddValidationRules`` (depth,
aliases, no introspection), ``MaxTokensLimiter`` and graphsvc's :class:`CostLimiter` do,
in one: strawberry runs each extension's hooks through its own context managers, every
request, and with six extensions that lifecycle cost ~15% of a small query's execution.
Same rules, same errors, same caches (process-wide LRU, keyed by the document's text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, GraphQLError, parse, validate
from strawberry.extensions import SchemaExtension

from graphsvc.api.cost import cost_error

CACHE_SIZE = 256  # distinct documents kept parsed and validated

#: Shared by every request (an extension is made per request): parse(text, max_tokens=...)
#: and validate(schema, document, rules) with their answers kept.
cached_parse: Callable[..., Any] = lru_cache(maxsize=CACHE_SIZE)(parse)
cached_validate: Callable[..., list[GraphQLError]] = lru_cache(maxsize=CACHE_SIZE)(validate)


class Hardening(SchemaExtension):
    """Limits on tokens, depth, aliases and cost; introspection off unless allowed; parsing
    and validation cached. ``rules`` are made once per schema: the validation cache is keyed
    by them, so rules made per request would never hit it."""

    def __init__(self, *, rules: Sequence[type[ASTValidationRule]], max_tokens: int, max_cost: int) -> None:
        self.rules = tuple(rules)
        self.max_tokens = max_tokens
        self.max_cost = max_cost

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.validation_rules = ctx.validation_rules + self.rules
        ctx.parse_options["max_tokens"] = self.max_tokens
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
            ctx.result = cost_error(ctx.graphql_document, ctx.operation_name, ctx.variables or {}, self.max_cost)
        yield
