"""The facts behind one (newcomer, mentor) score: what each factor found, structured.

:func:`pair_facts` reads them for one pair (it is run for the few pairs shown, not for
every mentor). They are what :mod:`graphsvc.analysis.explain` turns into a sentence and
what an API returns as reasons. Names come from the graph. Mutual acquaintances are
counted in full but named only if they consented to act as intermediaries
(``consent.intermediary``), at most :data:`MAX_NAMES` of them, most important first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from graphsvc.analysis.factors import Newcomer, ei_counts
from graphsvc.analysis.features import MatchingIndex, haversine_km, mask_slots
from graphsvc.analysis.goals import (
    ISCO_RELATION,
    OWN_OCCUPATION_GOALS,
    affiliation_credit,
    education_credit,
    goal_value,
    isco_relation,
    occupation_credit,
)
from graphsvc.analysis.languages import MatchKind, best_pairs, shared_name
from graphsvc.analysis.profile import ProgramProfile
from graphsvc.model.codes import language_name
from graphsvc.model.nodes import Goal, Label
from graphsvc.model.relationships import RelType

MAX_NAMES = 3
MAX_LANGUAGES = 3


@dataclass(frozen=True, slots=True)
class LanguageFact:
    shared: str  # the language both can be said to speak ("Arabic")
    kind: MatchKind
    newcomer_code: str
    newcomer_language: str
    newcomer_level: str
    mentor_code: str
    mentor_language: str
    mentor_level: str
    value: float


@dataclass(frozen=True, slots=True)
class OccupationFact:
    goal: Goal | None  # the goal the mentor serves best
    value: float
    mentor_isco: str | None
    mentor_title: str | None
    newcomer_isco: str | None
    newcomer_title: str | None
    relation: str | None  # ISCO relation of the two occupations, if it counted
    occupation_credit: float
    affiliation: tuple[str, str, str | None] | None  # (name, role, kind) of the best affiliation
    affiliation_credit: float
    education: tuple[int, int | None] | None  # (mentor level, newcomer level), if it counted
    education_credit: float


@dataclass(frozen=True, slots=True)
class InterestFact:
    slug: str
    name: str
    share: float  # of the people in the projection who hold it


@dataclass(frozen=True, slots=True)
class GeographyFact:
    relation: str | None  # "same", "adjacent", "distance", or None (unknown)
    newcomer_neighborhood: str | None
    mentor_neighborhood: str | None
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class SocialFact:
    direct: bool
    direct_trust: float | None
    mutual_count: int
    mutual_names: tuple[str, ...]  # named ones, at most MAX_NAMES


@dataclass(frozen=True, slots=True)
class BridgingFact:
    attribute: str
    newcomer_community: str | None
    mentor_community: str | None
    external: bool | None  # None: a community unknown
    ei_before: float | None  # None: no ties of known community
    ei_after: float | None


@dataclass(frozen=True, slots=True)
class AvailabilityFact:
    shared_slots: tuple[str, ...]
    capacity: int
    active: int
    remaining: int


@dataclass(frozen=True, slots=True)
class Facts:
    newcomer_id: str
    newcomer_name: str
    mentor_id: str
    mentor_name: str
    languages: tuple[LanguageFact, ...]
    occupation: OccupationFact
    interests: tuple[InterestFact, ...]  # rarest first
    geography: GeographyFact
    social: SocialFact
    bridging: BridgingFact
    availability: AvailabilityFact


def _languages(index: MatchingIndex, nc: Newcomer, m: int, profile: ProgramProfile) -> tuple[LanguageFact, ...]:
    mine = index.languages_of[int(index.mentor_person[m])]
    facts = []
    for value, a, b, kind in best_pairs(nc.languages, mine, profile.majority_language,
                                        profile.majority_language_credit)[:MAX_LANGUAGES]:
        facts.append(LanguageFact(shared_name(a, b), kind, a, language_name(a), nc.languages[a], b,
                                  language_name(b), mine[b], value))
    return tuple(facts)


def _occupation(index: MatchingIndex, nc: Newcomer, m: int) -> OccupationFact:
    p = int(index.mentor_person[m])
    attrs = index.node(Label.PERSON, index.person_ids[p])
    occupation = attrs.get("occupation") or {}
    isco, title = occupation.get("isco08"), occupation.get("title")
    mine = index.node(Label.PERSON, nc.id).get("occupation") or {}
    level = attrs.get("education_level")
    key = f"{Label.PERSON}:{index.person_ids[p]}"
    links = [(other, edge, index.G.nodes[other]) for other, edge in sorted(index.G.adj[key].items())
             if edge.get("type") == RelType.AFFILIATED_WITH and edge.get("start", key) == key]
    best: tuple[float, Goal | None, float, str | None, tuple[str, str, str | None] | None, float, float] = (
        0.0, None, 0.0, None, None, 0.0, 0.0)
    for goal in nc.goals:
        occ, relation = occupation_credit(isco, goal), None
        if goal in OWN_OCCUPATION_GOALS and nc.isco:
            relation = isco_relation(nc.isco, isco)
            own = ISCO_RELATION.get(relation or "", 0.0)
            if own > occ:
                occ = own
            else:
                relation = None
        aff, where = 0.0, None
        for key, edge, node in links:
            role = str(edge.get("role", "member_of"))
            credit = affiliation_credit(role, str(node.get("label")), node.get("kind"), node.get("sector"), goal)
            if credit > aff:
                aff, where = credit, (str(node.get("name") or key.partition(":")[2]), role, node.get("kind"))
        edu = education_credit(int(level) if level is not None else None, nc.education, goal)
        value = goal_value(occ, aff, edu)
        if value > best[0]:
            best = (value, goal, occ, relation, where, aff, edu)
    value, goal, occ, relation, where, aff, edu = best
    return OccupationFact(
        goal=goal, value=value, mentor_isco=isco, mentor_title=title, newcomer_isco=mine.get("isco08"),
        newcomer_title=mine.get("title"), relation=relation, occupation_credit=occ,
        affiliation=where if aff > 0 else None, affiliation_credit=aff,
        education=(int(level), nc.education) if edu > 0 and level is not None else None, education_credit=edu,
    )


def _interests(index: MatchingIndex, nc: Newcomer, m: int) -> tuple[InterestFact, ...]:
    shared = set(nc.interests) & set(index.interests_of[int(index.mentor_person[m])])
    total = max(len(index.person_ids), 1)
    facts = []
    for k in sorted(shared, key=lambda k: (index.interest_people[k], index.interests[k])):
        slug = index.interests[k]
        facts.append(InterestFact(slug, str(index.node(Label.INTEREST, slug).get("name") or slug),
                                  float(index.interest_people[k]) / total))
    return tuple(facts)


def _geography(index: MatchingIndex, nc: Newcomer, m: int, profile: ProgramProfile) -> GeographyFact:
    theirs = int(index.hood[index.mentor_person[m]])

    def name(h: int) -> str | None:
        return None if h < 0 else str(index.node(Label.NEIGHBORHOOD, index.hoods[h]).get("name") or index.hoods[h])

    relation, km = None, None
    if nc.hood >= 0 and theirs >= 0:
        lat, lon = index.hood_centroid[nc.hood]
        if nc.hood != theirs and not math.isnan(lat):
            lat2, lon2 = index.hood_centroid[theirs]
            d = _haversine(float(lat), float(lon), float(lat2), float(lon2))
            km = None if math.isnan(d) else round(d, 1)
        if nc.hood == theirs:
            relation = "same"
        elif theirs in index.hood_adjacent[nc.hood]:
            relation = "adjacent"
        elif km is not None:
            relation = "distance"
    return GeographyFact(relation, name(nc.hood), name(theirs), km)


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The same great-circle distance as :func:`~graphsvc.analysis.features.haversine_km`, for one pair."""
    return float(haversine_km(lat1, lon1, np.asarray([lat2]), np.asarray([lon2]))[0])


def _social(index: MatchingIndex, nc: Newcomer, m: int) -> SocialFact:
    T = index.knows
    p = int(index.mentor_person[m])

    def row(i: int) -> dict[int, float]:
        lo, hi = T.indptr[i], T.indptr[i + 1]
        return dict(zip(T.indices[lo:hi].tolist(), T.data[lo:hi].tolist(), strict=True))

    mine, theirs = row(nc.pos), row(p)
    mutual = sorted(set(mine) & set(theirs) - {nc.pos, p},
                    key=lambda w: (-mine[w] * theirs[w] * index.via_weight[w], index.person_ids[w]))
    named = [w for w in mutual if (index.node(Label.PERSON, index.person_ids[w]).get("consent") or {}).get("intermediary")]
    return SocialFact(p in mine, mine.get(p), len(mutual), tuple(index.name(w) for w in named[:MAX_NAMES]))


def _bridging(index: MatchingIndex, nc: Newcomer, m: int, profile: ProgramProfile) -> BridgingFact:
    attribute = profile.community_attribute
    codes, names = index.community[attribute], index.community_names[attribute]
    c, internal, external = ei_counts(index, nc.pos, attribute)
    theirs = int(codes[index.mentor_person[m]])
    is_external = None if c < 0 or theirs < 0 else theirs != c
    n = internal + external
    before = (external - internal) / n if n else None
    after = None
    if is_external is not None:
        after = (external + is_external - internal - (not is_external)) / (n + 1)
    # an origin country is sensitive: the facts say whether the communities differ, never which they are
    named = attribute == "native_language"
    return BridgingFact(attribute, names[c] if named and c >= 0 else None, names[theirs] if named and theirs >= 0 else None,
                        is_external, before, after)


def _availability(index: MatchingIndex, nc: Newcomer, m: int) -> AvailabilityFact:
    shared = int(index.slots[index.mentor_person[m]]) & nc.slots
    return AvailabilityFact(mask_slots(shared), int(index.capacity[m]), int(index.active[m]), int(index.remaining[m]))


def pair_facts(index: MatchingIndex, nc: Newcomer, m: int, profile: ProgramProfile) -> Facts:
    """The facts of newcomer ``nc`` and the mentor at position ``m`` of the index."""
    p = int(index.mentor_person[m])
    return Facts(
        newcomer_id=nc.id, newcomer_name=nc.name, mentor_id=index.mentor_ids[m], mentor_name=index.name(p),
        languages=_languages(index, nc, m, profile), occupation=_occupation(index, nc, m),
        interests=_interests(index, nc, m), geography=_geography(index, nc, m, profile),
        social=_social(index, nc, m), bridging=_bridging(index, nc, m, profile),
        availability=_availability(index, nc, m),
    )

