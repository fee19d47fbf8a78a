"""GraphQL for mentor matching: suggestions, the program profile, cohort proposals,
accepting them and ending mentorships. Resolvers stay thin: the work is in
:mod:`graphsvc.services.matching` (and the pure :mod:`graphsvc.analysis`).

Who may do what: coordinators everything; a newcomer may see their own suggestions
when the program profile allows it (``allowNewcomerView``); nobody else.
"""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graphsvc.analysis import FACTORS, ProgramProfile, Suggestion
from graphsvc.api import types as t
from graphsvc.api.context import call
from graphsvc.api.schema import ForbiddenError, Problem, _ctx, coordinator_only
from graphsvc.auth import ApiRole
from graphsvc.errors import InvalidInputError
from graphsvc.model import EndReason, Label
from graphsvc.services import matching as svc


@strawberry.enum
class MatchingMode(Enum):
    OPTIMAL = "optimal"
    STABLE = "stable"


@strawberry.type(description="One factor of a score: its weight, its value in [0, 1], and weight × value.")
class FactorContribution:
    factor: str
    weight: float
    value: float
    contribution: float


def _contributions(s: Suggestion, profile: ProgramProfile) -> list[FactorContribution]:
    weights = {f: float(getattr(profile, f)) for f in FACTORS}
    return [FactorContribution(factor=f, weight=weights[f], value=(c / weights[f]) if weights[f] else 0.0, contribution=c)
            for f, c in s.contributions.items()]


@strawberry.type(description="A suggested mentor, with the score, each factor's part and the reasons in words.")
class MentorSuggestion:
    mentor: t.Person
    score: float
    contributions: list[FactorContribution]
    explanation: str
    facts: JSON


def _suggestion(s: Suggestion, mentor: Any, profile: ProgramProfile) -> MentorSuggestion:
    from dataclasses import asdict, is_dataclass

    facts = asdict(s.facts) if is_dataclass(s.facts) else dict(s.facts)  # type: ignore[arg-type]
    return MentorSuggestion(mentor=t.Person(model=mentor), score=s.score, contributions=_contributions(s, profile),
                            explanation=s.explanation, facts=_jsonable(facts))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@strawberry.type(description="The weights and rules of the program's mentor suggestions.")
class ProgramProfileType:
    settings: JSON = strawberry.field(description="Every field of the profile, as JSON (weights, rules, defaults).")
    factors: list[FactorContribution] = strawberry.field(description="The factor weights (value and contribution are 1 and the weight).")


def _profile(p: ProgramProfile) -> ProgramProfileType:
    return ProgramProfileType(settings=p.model_dump(mode="json"),
                              factors=[FactorContribution(factor=f, weight=getattr(p, f), value=1.0, contribution=getattr(p, f)) for f in FACTORS])


class _Explanations:
    """A proposal's sentences, made in one call the first time a pair's ``explanation`` is
    asked for (not at all when no one asks)."""

    def __init__(self, proposal: svc.Proposal) -> None:
        self.proposal = proposal
        self._made: asyncio.Future[dict[tuple[str, str], str]] | None = None

    async def of(self, newcomer: str, mentor: str) -> str:
        if self._made is None:
            self._made = asyncio.ensure_future(call(self.proposal.explanations))
        return (await self._made)[(newcomer, mentor)]


@strawberry.type
class ProposedMatch:
    newcomer: t.Person
    mentor: t.Person
    score: float
    bridging: bool
    reasons: strawberry.Private[_Explanations]

    @strawberry.field(description="Why this pair, in words (the factors that count most).")
    async def explanation(self) -> str:
        return await self.reasons.of(self.newcomer.model.id, self.mentor.model.id)


@strawberry.type
class UnmatchedNewcomer:
    newcomer: t.Person
    reason: str


@strawberry.type(description="A proposal: nothing is stored until acceptMatching.")
class CohortProposal:
    pairs: list[ProposedMatch]
    unmatched: list[UnmatchedNewcomer]
    summary: JSON


@strawberry.type
class AcceptedMatching:
    mentorships: list[t.Mentorship]


@strawberry.type
class MentorshipPayload:
    mentorship: t.Mentorship


@strawberry.type
class ProfilePayload:
    profile: ProgramProfileType


@strawberry.input
class MatchInput:
    newcomer: str
    mentor: str
    score: float | None = None
    reason: str | None = strawberry.field(default=None, description="Kept with the mentorship (e.g. the proposal's explanation).")


async def _index(info: Info) -> Any:
    ctx = _ctx(info)
    return await call(ctx.matching.get, ctx.store)


async def _people(info: Info, ids: list[str]) -> dict[str, Any]:
    nodes = await _ctx(info).nodes_by_key([(Label.PERSON, i) for i in ids])
    return {i: n for i, n in zip(ids, nodes, strict=True) if n is not None}


def _coordinator_reads(resolver: Any) -> Any:
    return coordinator_only(resolver, writes=False)


def _result(*members: type) -> Any:
    name = members[0].__name__.removesuffix("Type") + "Result"
    return Annotated[members[0] | Problem, strawberry.union(name)]


ProposalResult = _result(CohortProposal)
AcceptResult = _result(AcceptedMatching)
MentorshipResult = _result(MentorshipPayload)
ProfileResult = _result(ProfilePayload)


@strawberry.type
class MatchingQuery:
    @strawberry.field(description="The best mentors for a newcomer, with reasons (coordinators; the newcomer themself "
                                  "if the program allows it).")
    async def mentor_suggestions(self, info: Info, newcomer: str, first: int | None = None) -> list[MentorSuggestion]:
        ctx = _ctx(info)
        profile = await call(svc.load_profile, ctx.store)
        own = ctx.principal.role is ApiRole.NEWCOMER and ctx.principal.person_id == newcomer
        if not (ctx.principal.role is ApiRole.COORDINATOR or (own and profile.allow_newcomer_view)):
            raise ForbiddenError("suggestions are for coordinators (and, if the program allows it, the newcomer)")
        if first is not None and not 1 <= first <= 100:
            raise InvalidInputError("first must be between 1 and 100", field="first", value=first)
        index = await _index(info)
        found = await call(svc.suggestions, ctx.store, index, newcomer, first, profile)
        people = await _people(info, [s.mentor_id for s in found])
        return [_suggestion(s, people[s.mentor_id], profile) for s in found if s.mentor_id in people]

    @strawberry.field(description="The program profile: weights and rules of suggestions (coordinators).")
    async def program_profile(self, info: Info) -> ProgramProfileType:
        if _ctx(info).principal.role is not ApiRole.COORDINATOR:
            raise ForbiddenError("only coordinators may read the program profile")
        return _profile(await call(svc.load_profile, _ctx(info).store))


@strawberry.type
class MatchingMutation:
    @strawberry.mutation(description="Change some fields of the program profile, e.g. {bridging: 0.2}.")
    @coordinator_only
    async def update_program_profile(self, info: Info, changes: JSON) -> ProfileResult:
        if not isinstance(changes, dict):
            raise InvalidInputError("changes must be an object", field="changes")
        return ProfilePayload(profile=_profile(await call(svc.save_profile, _ctx(info).store, changes)))

    @strawberry.mutation(description="Keep a mentor from being suggested: to one newcomer, or (no newcomer) to everyone.")
    @coordinator_only
    async def set_matching_exclusion(self, info: Info, mentor: str, newcomer: str | None = None, excluded: bool = True) -> ProfileResult:
        await call(svc.set_exclusion, _ctx(info).store, mentor, newcomer, excluded)
        return ProfilePayload(profile=_profile(await call(svc.load_profile, _ctx(info).store)))

    @strawberry.mutation(description="Propose mentors for newcomers (default: every newcomer waiting). Nothing is stored.")
    @_coordinator_reads
    async def propose_cohort_matching(self, info: Info, newcomers: list[str] | None = None,
                                      mode: MatchingMode = MatchingMode.OPTIMAL) -> ProposalResult:
        ctx = _ctx(info)
        index = await _index(info)
        proposal = await call(svc.propose, ctx.store, index, newcomers, mode=mode.value)
        result = proposal.result
        people = await _people(info, sorted({p.newcomer_id for p in result.pairs} | {p.mentor_id for p in result.pairs}
                                            | {u.newcomer_id for u in result.unmatched}))
        why = _Explanations(proposal)
        pairs = [ProposedMatch(newcomer=t.Person(model=people[p.newcomer_id]), mentor=t.Person(model=people[p.mentor_id]),
                               score=p.score, bridging=p.bridging, reasons=why)
                 for p in result.pairs if p.newcomer_id in people and p.mentor_id in people]
        unmatched = [UnmatchedNewcomer(newcomer=t.Person(model=people[u.newcomer_id]), reason=str(u.reason))
                     for u in result.unmatched if u.newcomer_id in people]
        return CohortProposal(pairs=pairs, unmatched=unmatched, summary=_jsonable(result.to_dict()["summary"]))

    @strawberry.mutation(description="Accept (part of) a proposal: the mentorships are created in one transaction.")
    @coordinator_only
    async def accept_matching(self, info: Info, pairs: list[MatchInput]) -> AcceptResult:
        rows = [(p.newcomer, p.mentor, p.score, p.reason) for p in pairs]
        created = await call(svc.accept, _ctx(info).store, rows)
        return AcceptedMatching(mentorships=[t.Mentorship(model=m) for m in created])

    @strawberry.mutation(description="End a mentorship (completed, or ended early with a reason); the newcomer can be matched again.")
    @coordinator_only
    async def end_mentorship(self, info: Info, id: str, reason: t.EndReason, completed: bool = False) -> MentorshipResult:  # type: ignore[valid-type]
        ended = await call(svc.end_mentorship, _ctx(info).store, id, EndReason(reason.value if isinstance(reason, Enum) else reason),
                           completed=completed)
        return MentorshipPayload(mentorship=t.Mentorship(model=ended))
