"""GraphQL object types for the graph's nodes and relationships.

Resolvers here only shape data: nodes come through :class:`Context` (which applies the
access policy); marked fields (contact, sensitive) are guarded by one permission each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Generic, TypeVar

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from graphsvc.api.context import Context
from graphsvc.api.ids import to_global_id
from graphsvc.api.selection import KNOWS_FIRST
from graphsvc.model import Label, RelType, Visibility
from graphsvc.model import nodes as m

Role = strawberry.enum(m.Role)
Goal = strawberry.enum(m.Goal)
TimeSlot = strawberry.enum(m.TimeSlot, name="TimeSlot")
OrganizationKind = strawberry.enum(m.OrganizationKind)
InstitutionKind = strawberry.enum(m.InstitutionKind)
InterestCategory = strawberry.enum(m.InterestCategory)
MentorshipStatus = strawberry.enum(m.MentorshipStatus)
EndReason = strawberry.enum(m.EndReason)

T = TypeVar("T")


class _CanRead(BasePermission):
    """A marked field of a person: readable only where the access policy allows."""

    visibility: Visibility
    message = "not allowed to read this field"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.policy.can_read(source.model.id, self.visibility)


class CanReadPrivate(_CanRead):
    visibility = Visibility.PRIVATE


class CanReadSensitive(_CanRead):
    visibility = Visibility.SENSITIVE


def guarded(permission: type[BasePermission]) -> Any:
    """A field that resolves to null, silently, for those who may not read it."""
    return strawberry.field(extensions=[PermissionExtension(permissions=[permission()], fail_silently=True)])


@strawberry.interface
class Node:
    """Any object with a global id (Relay object identification)."""

    model: strawberry.Private[Any]
    #: Fields that are a model attribute as it is, (field, attribute): copied when the object
    #: is made, so that GraphQL reads them as plain attributes, without a resolver call each
    #: (~7 µs a field: a page of acquaintances asks for dozens of names).
    PLAIN: ClassVar[tuple[tuple[str, str], ...]] = (("key", "id"),)

    @strawberry.field(description="Global id: pass it to `node(id:)`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(self.model.label, self.model.id))

    key: str = strawberry.field(default="", description="The caller's own id of this node (unique per type).")

    def __post_init__(self) -> None:
        model = self.model
        for field, attribute in self.PLAIN:
            setattr(self, field, getattr(model, attribute))


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="How many match, when cheap to count (counted only when asked for).")
    async def total_count(self) -> int | None:
        return None if self.counter is None else await self.counter()


@strawberry.type
class Occupation:
    isco08: str | None
    title: str | None


@strawberry.type
class Consent:
    matching: bool
    intermediary: bool
    directory: bool


@strawberry.type
class Contact:
    email: str | None
    phone: str | None


@strawberry.type
class SensitiveAttributes:
    origin_country: str | None
    gender: str | None
    faith: str | None


@strawberry.type
class SpokenLanguage:
    language: Annotated[Language, strawberry.lazy("graphsvc.api.types")]
    level: str


@strawberry.type
class Affiliation:
    role: str
    since: date | None
    organization: Annotated[Organization, strawberry.lazy("graphsvc.api.types")] | None
    institution: Annotated[Institution, strawberry.lazy("graphsvc.api.types")] | None


@strawberry.type
class Acquaintance:
    """Someone a person knows, with how much they trust each other and from where."""

    person: Annotated[Person, strawberry.lazy("graphsvc.api.types")]
    trust: float
    context: str | None
    since: date | None


async def _ends(info: Info, label: Label, id: str, rel_type: RelType, other: Label) -> list[tuple[Any, dict]]:
    """The visible nodes at the other end of one node's relationships of a type, with each
    relationship's props: loaded in the request's batches (one call each, not one per node)."""
    ctx: Context = info.context
    await ctx.prefetch_ends(label, [id], {rel_type: other})
    return ctx.ends_now(label, id, rel_type) or []


#: Fields of a type that list the other ends of its relationships of one type: a page of
#: such nodes loads them ahead for all its nodes (:meth:`Context.around`).
PREFETCHABLE: dict[Label, dict[str, tuple[RelType, Label]]] = {
    Label.PERSON: {"languages": (RelType.SPEAKS, Label.LANGUAGE), "interests": (RelType.INTERESTED_IN, Label.INTEREST),
                   "neighborhood": (RelType.LIVES_IN, Label.NEIGHBORHOOD)},
    Label.INSTITUTION: {"languages": (RelType.SERVES_LANGUAGE, Label.LANGUAGE), "neighborhood": (RelType.LOCATED_IN, Label.NEIGHBORHOOD)},
}


def _ends_then(info: Info, model: Any, field: str, shape: Callable[[list[tuple[Any, dict]]], T]) -> T | Awaitable[T]:
    """``shape`` of the other ends of ``field``'s relationships: at once where they were
    loaded ahead (a sync answer spares GraphQL a task per field), else awaited."""
    rel_type, other = PREFETCHABLE[model.label][field]
    ready = info.context.ends_now(model.label, model.id, rel_type)
    if ready is not None:
        return shape(ready)

    async def later() -> T:
        return shape(await _ends(info, model.label, model.id, rel_type, other))

    return later()


@strawberry.type
class Person(Node):
    PLAIN = (*Node.PLAIN, ("name", "name"))
    name: str = ""

    @strawberry.field
    def roles(self) -> list[Role]:
        return sorted(self.model.roles)

    @strawberry.field
    def goals(self) -> list[Goal]:
        return sorted(self.model.goals)

    @strawberry.field
    def arrival_date(self) -> date | None:
        return self.model.arrival_date

    @strawberry.field
    def occupation(self) -> Occupation | None:
        o = self.model.occupation
        return None if o is None else Occupation(isco08=o.isco08, title=o.title)

    @strawberry.field
    def education_level(self) -> int | None:
        return self.model.education_level

    @strawberry.field
    def mentor_capacity(self) -> int:
        return self.model.mentor_capacity

    @strawberry.field
    def availability(self) -> list[TimeSlot]:
        return sorted(self.model.availability)

    @strawberry.field
    def consent(self) -> Consent:
        c = self.model.consent
        return Consent(matching=c.matching, intermediary=c.intermediary, directory=c.directory)

    @guarded(CanReadPrivate)
    def contact(self) -> Contact | None:
        c = self.model.contact
        return None if c is None else Contact(email=c.email, phone=c.phone)

    @guarded(CanReadSensitive)
    def sensitive(self) -> SensitiveAttributes | None:
        s = self.model.sensitive
        return None if s is None else SensitiveAttributes(origin_country=s.origin_country, gender=s.gender, faith=s.faith)

    @strawberry.field
    def languages(self, info: Info) -> list[SpokenLanguage]:
        return _ends_then(info, self.model, "languages",  # type: ignore[return-value]
                          lambda ends: [SpokenLanguage(language=Language(model=n), level=p.get("level", "")) for n, p in ends])

    @strawberry.field
    def interests(self, info: Info) -> list[Interest]:
        return _ends_then(info, self.model, "interests", lambda ends: [Interest(model=n) for n, _ in ends])  # type: ignore[return-value]

    @strawberry.field
    def neighborhood(self, info: Info) -> Neighborhood | None:
        return _ends_then(info, self.model, "neighborhood", lambda ends: Neighborhood(model=ends[0][0]) if ends else None)  # type: ignore[return-value]

    @strawberry.field
    async def affiliations(self, info: Info) -> list[Affiliation]:
        ctx: Context = info.context
        rels = await ctx.rels(Label.PERSON, self.model.id, frozenset({RelType.AFFILIATED_WITH}))
        nodes = await ctx.nodes_by_key([(rel.end_label, rel.end) for rel in rels])
        out = []
        for rel, node in zip(rels, nodes, strict=True):
            if node is None:
                continue
            org = Organization(model=node) if rel.end_label is Label.ORGANIZATION else None
            inst = Institution(model=node) if rel.end_label is Label.INSTITUTION else None
            out.append(Affiliation(role=rel.props.get("role", ""), since=rel.props.get("since"), organization=org, institution=inst))
        return out

    @strawberry.field(description="People this person knows, most trusted first.")
    async def knows(self, info: Info, first: int = KNOWS_FIRST, after: str | None = None, min_trust: float = 0.0) -> Connection[Acquaintance]:
        from graphsvc.api.paging import acquaintances

        return await acquaintances(info, self.model.id, first, after, min_trust)


@strawberry.type
class Organization(Node):
    PLAIN = (*Node.PLAIN, ("name", "name"))
    name: str = ""

    @strawberry.field
    def kind(self) -> OrganizationKind:
        return self.model.kind

    @strawberry.field
    def website(self) -> str | None:
        return self.model.website

    @strawberry.field
    def sector(self) -> str | None:
        return self.model.sector

    @strawberry.field(description="Institutions this organization operates.")
    async def institutions(self, info: Info) -> list[Institution]:
        return [Institution(model=n) for n, _ in await _ends(info, Label.ORGANIZATION, self.model.id, RelType.OPERATES, Label.INSTITUTION)]

    @strawberry.field(description="People affiliated with it (those the caller may see).")
    async def people(self, info: Info) -> list[Person]:
        return [Person(model=n) for n, _ in await _ends(info, Label.ORGANIZATION, self.model.id, RelType.AFFILIATED_WITH, Label.PERSON)]


@strawberry.type
class Institution(Node):
    PLAIN = (*Node.PLAIN, ("name", "name"))
    name: str = ""

    @strawberry.field
    def kind(self) -> InstitutionKind:
        return self.model.kind

    @strawberry.field
    def address(self) -> str | None:
        return self.model.address

    @strawberry.field
    def latitude(self) -> float | None:
        return self.model.latitude

    @strawberry.field
    def longitude(self) -> float | None:
        return self.model.longitude

    @strawberry.field
    def services(self) -> list[str]:
        return list(self.model.services)

    @strawberry.field
    def hours(self) -> str | None:
        return self.model.hours

    @strawberry.field
    def languages(self, info: Info) -> list[Language]:
        return _ends_then(info, self.model, "languages", lambda ends: [Language(model=n) for n, _ in ends])  # type: ignore[return-value]

    @strawberry.field
    def neighborhood(self, info: Info) -> Neighborhood | None:
        return _ends_then(info, self.model, "neighborhood", lambda ends: Neighborhood(model=ends[0][0]) if ends else None)  # type: ignore[return-value]

    @strawberry.field(description="People affiliated with it (those the caller may see).")
    async def people(self, info: Info) -> list[Person]:
        return [Person(model=n) for n, _ in await _ends(info, Label.INSTITUTION, self.model.id, RelType.AFFILIATED_WITH, Label.PERSON)]


@strawberry.type
class Interest(Node):
    PLAIN = (*Node.PLAIN, ("name", "name"))
    name: str = ""

    @strawberry.field
    def category(self) -> InterestCategory:
        return self.model.category


@strawberry.type
class Language(Node):
    PLAIN = (*Node.PLAIN, ("code", "id"), ("name", "name"))
    code: str = strawberry.field(default="", description="ISO 639-3 code.")
    name: str = ""


@strawberry.type
class Neighborhood(Node):
    PLAIN = (*Node.PLAIN, ("name", "name"))
    name: str = ""

    @strawberry.field
    def city(self) -> str | None:
        return self.model.city

    @strawberry.field
    async def adjacent(self, info: Info) -> list[Neighborhood]:
        return [Neighborhood(model=n) for n, _ in await _ends(info, Label.NEIGHBORHOOD, self.model.id, RelType.ADJACENT_TO, Label.NEIGHBORHOOD)]

    @strawberry.field(description="People living here (those the caller may see).")
    async def residents(self, info: Info) -> list[Person]:
        return [Person(model=n) for n, _ in await _ends(info, Label.NEIGHBORHOOD, self.model.id, RelType.LIVES_IN, Label.PERSON)]

    @strawberry.field
    async def institutions(self, info: Info) -> list[Institution]:
        return [Institution(model=n) for n, _ in await _ends(info, Label.NEIGHBORHOOD, self.model.id, RelType.LOCATED_IN, Label.INSTITUTION)]


@strawberry.type
class Mentorship(Node):
    @strawberry.field
    def status(self) -> MentorshipStatus:
        return self.model.status

    @strawberry.field
    def score(self) -> float | None:
        return self.model.score

    @strawberry.field
    def reasons(self) -> list[str]:
        return list(self.model.reasons)

    @strawberry.field
    def started_at(self) -> date | None:
        return self.model.started_at

    @strawberry.field
    def ended_at(self) -> date | None:
        return self.model.ended_at

    @strawberry.field
    def end_reason(self) -> EndReason | None:
        return self.model.end_reason


@strawberry.type
class Circle(Node):
    PLAIN = (*Node.PLAIN, ("name", "name"))
    name: str = ""

    @strawberry.field
    def theme(self) -> str | None:
        return self.model.theme


TYPES: dict[Label, type[Node]] = {
    Label.PERSON: Person, Label.ORGANIZATION: Organization, Label.INSTITUTION: Institution,
    Label.INTEREST: Interest, Label.LANGUAGE: Language, Label.NEIGHBORHOOD: Neighborhood,
    Label.MENTORSHIP: Mentorship, Label.CIRCLE: Circle,
}


def wrap(node: Any) -> Node:
    """The GraphQL object for a model node."""
    return TYPES[node.label](model=node)
