"""The GraphQL schema: queries, mutations, and the hardening extensions around them.

Resolvers are thin: check arguments, call the store or a service through the context,
shape the result. Expected failures of mutations are union members (:class:`Problem`);
those of queries are GraphQL errors carrying ``extensions.code`` and ``field``.
"""

from __future__ import annotations

import asyncio
import functools
from enum import Enum
from typing import Annotated, Any

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.scalars import JSON
from strawberry.types import Info

from graphsvc.api import execution
from graphsvc.api import types as t
from graphsvc.api.context import Context, call
from graphsvc.api.hardening import Guards, Hardening
from graphsvc.api.ids import from_global_id
from graphsvc.api.paging import check_first, node_connection
from graphsvc.api.selection import person_view
from graphsvc.auth import ApiRole
from graphsvc.errors import GraphsvcError, InvalidInputError, NotFoundError
from graphsvc.model import Label, RelType, parse_node, parse_rel
from graphsvc.store import NodeFilter, Order
from graphsvc.store.base import MAX_HOPS

NodeType = strawberry.enum(Label, name="NodeType")
RelationshipType = strawberry.enum(RelType, name="RelationshipType")
OrderBy = strawberry.enum(Order, name="OrderBy")


class ForbiddenError(GraphsvcError):
    code = "forbidden"


@strawberry.input
class PeopleFilter:
    role: t.Role | None = None
    language: str | None = strawberry.field(default=None, description="ISO 639-3 code")
    interest: str | None = None
    neighborhood: str | None = None
    organization: str | None = strawberry.field(default=None, description="Affiliated with this organization (its key).")
    name_starts_with: str | None = None

    def to_filter(self) -> NodeFilter:
        try:
            return NodeFilter(role=self.role, language=self.language, interest=self.interest,
                              neighborhood=self.neighborhood, organization=self.organization, name_prefix=self.name_starts_with)
        except InvalidInputError as exc:
            raise InvalidInputError(exc.message, field=f"filter.{exc.field}", value=exc.value) from None


@strawberry.enum
class ProblemCode(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    DUPLICATE = "duplicate"
    DANGLING = "dangling"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"
    STORE = "store"
    CONFIGURATION = "configuration"
    CONFLICT = "conflict"
    NOT_ELIGIBLE = "not_eligible"
    ERROR = "error"


@strawberry.type(description="An expected failure: what went wrong, and which field (and row) caused it.")
class Problem:
    code: ProblemCode
    message: str
    field: str | None
    row: int | None

    @classmethod
    def of(cls, exc: GraphsvcError) -> Problem:
        return cls(code=ProblemCode(exc.code), message=exc.message, field=exc.field, row=exc.row)


@strawberry.type
class NodePayload:
    node: t.Node
    outcome: str = strawberry.field(description="created, updated or unchanged")


@strawberry.type
class Done:
    ok: bool
    count: int = 1


NodeResult = Annotated[NodePayload | Problem, strawberry.union("NodeResult")]
DoneResult = Annotated[Done | Problem, strawberry.union("DoneResult")]


@strawberry.type
class Hop:
    from_: t.Person = strawberry.field(name="from")
    to: t.Person
    trust: float
    context: str | None


@strawberry.type
class ConnectionPath:
    length: int
    people: list[t.Person]
    hops: list[Hop]


@strawberry.type
class NetworkEdge:
    source: strawberry.ID
    target: strawberry.ID
    type: RelationshipType
    trust: float | None


@strawberry.type
class Network:
    nodes: list[t.Node]
    edges: list[NetworkEdge]
    truncated: bool


@strawberry.type
class LabelCount:
    type: NodeType
    count: int


def _ctx(info: Info) -> Context:
    return info.context


def _require(info: Info, *roles: ApiRole) -> None:
    if _ctx(info).principal.role not in roles:
        raise ForbiddenError("not allowed for this token", field=None)


async def _person(info: Info, key: str, field: str) -> t.Person:
    node = await _ctx(info).node(Label.PERSON, key)
    if node is None:
        raise NotFoundError(f"no person {key!r} (or not visible to you)", field=field, value=key)
    return t.Person(model=node)


MAX_NETWORK_NODES = 500


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> t.Node | None:
        label, key = from_global_id(id)
        node = await _ctx(info).node(label, key)
        return None if node is None else t.wrap(node)

    @strawberry.field
    async def person(self, info: Info, key: str) -> t.Person | None:
        types, most_trusted = person_view(info, t.PREFETCHABLE[Label.PERSON])
        if types:  # the person with what the fields below need, in one store call
            await _ctx(info).around(Label.PERSON, [key], types, most_trusted)
        node = await _ctx(info).node(Label.PERSON, key)
        return None if node is None else t.Person(model=node)

    @strawberry.field(description="People, filtered and paginated; only those you may see.")
    async def people(self, info: Info, filter: PeopleFilter | None = None, first: int = 20, after: str | None = None,
                     order_by: OrderBy = Order.NAME) -> t.Connection[t.Person]:
        if not _ctx(info).policy.can_list(Label.PERSON):
            raise ForbiddenError("person data is not available to this token")
        return await node_connection(info, Label.PERSON, (filter or PeopleFilter()).to_filter(), first, after, order_by)

    @strawberry.field
    async def organizations(self, info: Info, first: int = 20, after: str | None = None, name_starts_with: str | None = None) -> t.Connection[t.Organization]:
        return await _listing(info, Label.ORGANIZATION, NodeFilter(name_prefix=name_starts_with), first, after)

    @strawberry.field
    async def institutions(self, info: Info, first: int = 20, after: str | None = None, name_starts_with: str | None = None,
                           neighborhood: str | None = None) -> t.Connection[t.Institution]:
        return await _listing(info, Label.INSTITUTION, NodeFilter(name_prefix=name_starts_with, neighborhood=neighborhood), first, after)

    @strawberry.field
    async def neighborhoods(self, info: Info, first: int = 20, after: str | None = None, name_starts_with: str | None = None) -> t.Connection[t.Neighborhood]:
        return await _listing(info, Label.NEIGHBORHOOD, NodeFilter(name_prefix=name_starts_with), first, after)

    @strawberry.field
    async def interests(self, info: Info, first: int = 20, after: str | None = None, name_starts_with: str | None = None) -> t.Connection[t.Interest]:
        return await _listing(info, Label.INTEREST, NodeFilter(name_prefix=name_starts_with), first, after)

    @strawberry.field
    async def languages(self, info: Info, first: int = 20, after: str | None = None, name_starts_with: str | None = None) -> t.Connection[t.Language]:
        return await _listing(info, Label.LANGUAGE, NodeFilter(name_prefix=name_starts_with), first, after)

    @strawberry.field(description="How many nodes of each type (aggregate; open to partners).")
    async def counts(self, info: Info) -> list[LabelCount]:
        if _ctx(info).principal.role is ApiRole.ANONYMOUS:
            raise ForbiddenError("a token is needed")
        return [LabelCount(type=label, count=await call(_ctx(info).store.count_nodes, label)) for label in Label]

    @strawberry.field(description="People both `a` and `b` know.")
    async def mutual_contacts(self, info: Info, a: str, b: str) -> list[t.Person]:
        ctx = _ctx(info)
        pa, pb = await _person(info, a, "a"), await _person(info, b, "b")
        grouped = await call(ctx.store.relationships_of, [(Label.PERSON, a), (Label.PERSON, b)], [RelType.KNOWS])
        def others(key: str) -> set[str]:
            return {r.end if r.start == key else r.start for r in grouped[(Label.PERSON, key)]}
        common = sorted(others(pa.model.id) & others(pb.model.id))
        return [t.Person(model=n) for n in await ctx.nodes(Label.PERSON, common)]

    @strawberry.field(description="The shortest chains of acquaintances between two people, each hop with its trust; "
                              "everyone inside a chain consented to appear in introductions (consent.intermediary).")
    async def connection_paths(self, info: Info, from_: Annotated[str, strawberry.argument(name="from")], to: str,
                               max_hops: int = 4, first: int = 5) -> list[ConnectionPath]:
        ctx = _ctx(info)
        if not 1 <= max_hops <= MAX_HOPS:
            raise InvalidInputError(f"must be from 1 to {MAX_HOPS}", field="maxHops", value=max_hops)
        if not 1 <= first <= 50:
            raise InvalidInputError("must be from 1 to 50", field="first", value=first)
        await asyncio.gather(_person(info, from_, "from"), _person(info, to, "to"))
        paths = await call(ctx.store.paths_with_hops, from_, to, max_hops=max_hops, limit=first)
        found = await asyncio.gather(*(_path(info, ids, rels) for ids, rels in paths))  # batched: the people in one call
        return [p for p in found if p is not None]

    @strawberry.field(description="The nodes and relationships around a person, for drawing (at most 500 nodes).")
    async def network(self, info: Info, center: str, hops: int = 1) -> Network:
        ctx = _ctx(info)
        if not 1 <= hops <= 3:
            raise InvalidInputError("must be from 1 to 3", field="hops", value=hops)
        await _person(info, center, "center")
        sub = await call(ctx.store.neighborhood, Label.PERSON, center, hops=hops, types=[RelType.KNOWS])
        visible = [n for n in sub.nodes if ctx.policy.can_see(n)][:MAX_NETWORK_NODES]
        keys = {(n.label, n.id) for n in visible}
        edges = [
            NetworkEdge(source=strawberry.ID(_gid(r.start_label, r.start)), target=strawberry.ID(_gid(r.end_label, r.end)),
                        type=r.type, trust=r.props.get("trust"))
            for r in sub.rels if (r.start_label, r.start) in keys and (r.end_label, r.end) in keys
        ]
        return Network(nodes=[t.wrap(n) for n in visible], edges=edges, truncated=len(visible) < len(sub.nodes))


def _gid(label: Any, id: str) -> str:
    from graphsvc.api.ids import to_global_id

    return to_global_id(label, id)


async def _listing(info: Info, label: Label, flt: NodeFilter, first: int, after: str | None) -> t.Connection[Any]:
    if not _ctx(info).policy.can_list(label):
        raise ForbiddenError(f"{label} data is not available to this token")
    check_first(first)
    return await node_connection(info, label, flt, first, after, Order.NAME)


async def _path(info: Info, ids: list[str], rels: list[Any]) -> ConnectionPath | None:
    people = await _ctx(info).nodes(Label.PERSON, ids)
    if len(people) != len(ids):
        return None  # someone on it is hidden from this caller
    hops = [
        Hop(from_=t.Person(model=pu), to=t.Person(model=pv), trust=rel.props.get("trust", 0.5), context=rel.props.get("context"))
        for pu, pv, rel in zip(people, people[1:], rels, strict=False)
    ]
    return ConnectionPath(length=len(hops), people=[t.Person(model=p) for p in people], hops=hops)


@strawberry.input
class RelationshipInput:
    type: RelationshipType
    from_: Annotated[str, strawberry.argument(name="from")] = strawberry.field(name="from")
    to: str
    to_type: NodeType | None = strawberry.field(default=None, description="Needed where the type allows several (AFFILIATED_WITH).")
    props: JSON | None = None

    def to_rel(self, row: int | None = None) -> Any:
        return parse_rel({"type": self.type, "start": self.from_, "end": self.to, "end_label": self.to_type, "props": self.props or {}}, row=row)


def coordinator_only(resolver: Any, *, writes: bool = True) -> Any:
    """A mutation only coordinators may run; graphsvc's errors become :class:`Problem`.
    After one that ``writes``, the app's caches of the graph are dropped."""

    @functools.wraps(resolver)
    async def run(self: Any, info: Info, *args: Any, **kwargs: Any) -> Any:
        try:
            _require(info, ApiRole.COORDINATOR)
            return await resolver(self, info, *args, **kwargs)
        except GraphsvcError as exc:
            return Problem.of(exc)
        finally:
            if writes:
                _ctx(info).after_write()

    return run


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create or replace a node of a type by its key (`data.id`).")
    @coordinator_only
    async def upsert_node(self, info: Info, type: NodeType, data: JSON) -> NodeResult:
        node = parse_node(type, data if isinstance(data, dict) else {})
        outcome = await call(_ctx(info).store.upsert, node)
        stored = await call(_ctx(info).store.get, node.label, node.id)
        return NodePayload(node=t.wrap(stored), outcome=outcome)

    @strawberry.mutation(description="Delete a node and its relationships.")
    @coordinator_only
    async def delete_node(self, info: Info, id: strawberry.ID) -> DoneResult:
        label, key = from_global_id(id)
        if not await call(_ctx(info).store.delete, label, key):
            raise NotFoundError(f"no {label} {key!r}", field="id", value=id)
        return Done(ok=True)

    @strawberry.mutation(description="Create a relationship, or replace its properties.")
    @coordinator_only
    async def connect(self, info: Info, input: RelationshipInput) -> DoneResult:
        await call(_ctx(info).store.connect, input.to_rel())
        return Done(ok=True)

    @strawberry.mutation(description="Replace the properties of an existing relationship.")
    @coordinator_only
    async def update_relationship(self, info: Info, input: RelationshipInput) -> DoneResult:
        await call(_ctx(info).store.update_relationship, input.to_rel())
        return Done(ok=True)

    @strawberry.mutation(description="Remove a relationship.")
    @coordinator_only
    async def disconnect(self, info: Info, input: RelationshipInput) -> DoneResult:
        if not await call(_ctx(info).store.disconnect, input.to_rel()):
            raise NotFoundError("no such relationship", field="input")
        return Done(ok=True)

    @strawberry.mutation(description="Upsert nodes of one type, then relationships, as one atomic batch (at most 5000 rows).")
    @coordinator_only
    async def bulk_upsert(self, info: Info, type: NodeType, nodes: list[JSON], relationships: list[RelationshipInput] | None = None) -> DoneResult:
        rows = len(nodes) + len(relationships or [])
        if rows > 5000:
            raise InvalidInputError("at most 5000 rows in one call", field="nodes", value=rows)
        parsed = [parse_node(type, n if isinstance(n, dict) else {}, row=i) for i, n in enumerate(nodes)]
        rels = [r.to_rel(row=i) for i, r in enumerate(relationships or [])]
        result = await call(_ctx(info).store.write_batch, parsed, rels)
        return Done(ok=True, count=result.created + result.updated + result.unchanged + result.rels_written)

    @strawberry.mutation(description="Erase a person: their record, relationships and mentorships, everywhere.")
    @coordinator_only
    async def erase_person(self, info: Info, key: str) -> DoneResult:
        report = await call(_ctx(info).store.erase_person, key)
        return Done(ok=True, count=report.nodes_deleted)


def build_schema(*, introspection: bool = True, max_depth: int = 10, max_aliases: int = 15, max_tokens: int = 1000,
                 max_cost: int = 10_000) -> _Schema:
    # The validation rules are made once, here: the validation cache is keyed by them.
    rules = [depth_rule(max_depth, None, None), alias_rule(max_aliases)]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    guards = Guards.of(rules, max_tokens=max_tokens, max_cost=max_cost)
    extensions: list[Any] = [lambda: Hardening(guards)]  # a fresh one per request
    from strawberry.tools import merge_types

    from graphsvc.api.matching import MatchingMutation, MatchingQuery

    schema = _Schema(query=merge_types("Query", (Query, MatchingQuery)), mutation=merge_types("Mutation", (Mutation, MatchingMutation)),
                     extensions=extensions, types=list(t.TYPES.values()))
    schema.execution_context_class = execution.for_schema(schema._schema)  # plain scalar fields read directly
    schema.guards = guards
    return schema


class _Schema(strawberry.Schema):
    guards: Guards  # what the HTTP endpoint runs operations with (graphsvc.api.hardening.run)

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Client errors are answers, not incidents: the HTTP layer logs the unexpected ones."""


def sdl() -> str:
    """The schema's SDL, as checked in at ``schema/schema.graphql``."""
    return str(build_schema()) + "\n"
