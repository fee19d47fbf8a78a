"""The seven factors of a mentor's score, each a value in [0, 1], for all mentors at once.

:func:`factor_values` returns a ``(7, mentors)`` array in
:data:`~graphsvc.analysis.profile.FACTORS` order for one newcomer; it costs a few numpy
operations over the mentors and nothing per mentor in Python. The definitions:

language
    The best pair of the newcomer's and the mentor's languages:
    ``credit(kind) * proficiency(newcomer) * proficiency(mentor)``, the majority language
    earning ``profile.majority_language_credit`` of that (:mod:`graphsvc.analysis.languages`).
goals_occupation
    The goal the mentor serves best, by occupation, affiliations and education
    (:mod:`graphsvc.analysis.goals`). 0 for a newcomer without goals.
interests
    ``1 - prod(1 - r_i)`` over the shared interests ``i``, with ``r_i`` the interest's
    rarity (:mod:`graphsvc.analysis.features`): one shared interest only the two have
    gives nearly 1, one that everybody has gives 0, and each further one adds.
geography
    Same neighborhood :data:`SAME_NEIGHBORHOOD` (1.0); adjacent :data:`ADJACENT` (0.7);
    otherwise ``FAR * exp(-d / profile.distance_scale_km)`` with ``d`` the distance in km
    between the neighborhoods' centroids (:data:`FAR` = 0.5, so never above adjacent);
    0 if either neighborhood or a centroid is unknown.
social
    ``1 - exp(-s)`` with ``s`` a trust-weighted Adamic-Adar index over KNOWS:
    ``s = sum over mutual acquaintances w of trust(n, w) * trust(w, m) / log(degree(w))``,
    plus ``trust(n, m)`` if the two already know each other. One fully trusted mutual
    acquaintance with three acquaintances gives 0.6; a mutual acquaintance who knows
    everyone counts little.
bridging
    The newcomer's ``need`` (the share of their acquaintances of known community that
    are of their own community, ``(1 - EI) / 2`` for their E-I index; 1 for a newcomer
    who knows no one) if the mentor's community is known and differs, else 0. Adding the
    mentor raises the newcomer's E-I index exactly when this is positive; the size of the
    raise is reported in the facts but not scored (it shrinks with the size of a
    network, and a well-connected newcomer still gains from a bridge).
availability_capacity
    ``0.7 * overlap + 0.3 * free``: ``overlap`` is the shared free time slots over
    ``min(2, newcomer's slots)`` (capped at 1; 0 if either side gave none), ``free``
    the mentor's remaining places over their capacity.

Examples
--------
>>> round(float(interest_value(np.array([0.5, 0.5]))), 2)
0.75
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphsvc.analysis.features import MatchingIndex, haversine_km
from graphsvc.analysis.goals import (
    AFFILIATION_SHARE,
    EDUCATION_SHARE,
    GOALS,
    ISCO_RELATION,
    OWN_OCCUPATION_GOALS,
)
from graphsvc.analysis.languages import PROFICIENCY
from graphsvc.analysis.profile import FACTORS, ProgramProfile
from graphsvc.errors import NotFoundError
from graphsvc.model.nodes import Goal, Label

SAME_NEIGHBORHOOD = 1.0
ADJACENT = 0.7
FAR = 0.5
AVAILABILITY_SHARE = 0.7
ENOUGH_SLOTS = 2
_RELATIONS = ("major", "sub_major", "minor", "unit")  # by number of shared digits - 1


@dataclass(frozen=True, slots=True)
class Newcomer:
    """What scoring reads about the newcomer (any person of the projection)."""

    pos: int
    id: str
    name: str
    roles: frozenset[str]
    consent: bool
    goals: tuple[Goal, ...]
    isco: str | None
    education: int | None
    languages: dict[str, str]
    interests: tuple[int, ...]
    hood: int
    slots: int


def newcomer_of(index: MatchingIndex, id: str) -> Newcomer:
    """The newcomer ``id`` of the index; :class:`NotFoundError` if no such person."""
    pos = index.person_pos.get(id)
    if pos is None:
        raise NotFoundError(f"no person '{id}' in this projection", field="newcomer_id", value=id)
    attrs: dict[str, Any] = index.node(Label.PERSON, id)
    goals = sorted({Goal(g) for g in attrs.get("goals") or () if g in Goal.__members__.values()}, key=GOALS.index)
    level = attrs.get("education_level")
    return Newcomer(
        pos=pos, id=id, name=index.name(pos), roles=frozenset(attrs.get("roles") or ()),
        consent=bool((attrs.get("consent") or {}).get("matching", False)), goals=tuple(goals),
        isco=(attrs.get("occupation") or {}).get("isco08") or None,
        education=int(level) if level is not None else None, languages=index.languages_of[pos],
        interests=index.interests_of[pos], hood=int(index.hood[pos]), slots=int(index.slots[pos]),
    )


def language_values(index: MatchingIndex, nc: Newcomer, profile: ProgramProfile) -> np.ndarray:
    best: dict[int, float] = {}
    for code in sorted(nc.languages):
        level = PROFICIENCY.get(nc.languages[code], 0.0)
        cols, credit = index.related_languages(code, profile.majority_language, profile.majority_language_credit)
        for j, c in zip(cols.tolist(), credit.tolist(), strict=True):
            best[j] = max(best.get(j, 0.0), c * level)
    M = index.mentor_languages
    out = np.zeros(len(index.mentor_ids))
    for j in sorted(best):
        rows = M.indices[M.indptr[j]:M.indptr[j + 1]]
        out[rows] = np.maximum(out[rows], best[j] * M.data[M.indptr[j]:M.indptr[j + 1]])
    return out


def isco_relation_values(index: MatchingIndex, isco: str | None) -> np.ndarray:
    """Per mentor, :data:`~graphsvc.analysis.goals.ISCO_RELATION` of their occupation to ``isco``."""
    out = np.zeros(len(index.mentor_ids))
    if not isco:
        return out
    for d in range(1, min(len(isco), 4) + 1):
        out[index.isco[d - 1] == int(isco[:d])] = ISCO_RELATION[_RELATIONS[d - 1]]
    return out


def education_values(index: MatchingIndex, newcomer: int | None) -> np.ndarray:
    m = index.education
    own = newcomer if newcomer is not None else 0
    out = np.where((m >= 6) & (m > own), 1.0, 0.0)
    if newcomer is not None:
        out = np.where((out == 0) & (m >= 0) & (m >= newcomer), 0.6, out)
    return out


def goal_values(index: MatchingIndex, nc: Newcomer) -> np.ndarray:
    """Per mentor, the value of the goal the mentor serves best (:mod:`graphsvc.analysis.goals`)."""
    rest = np.ones(len(index.mentor_ids))
    own = isco_relation_values(index, nc.isco) if nc.isco else None
    for goal in nc.goals:
        g = GOALS.index(goal)
        if own is not None and goal in OWN_OCCUPATION_GOALS:
            occ = np.maximum(index.goal_occupation[g], own)
            r = (1.0 - occ) * (1.0 - AFFILIATION_SHARE * index.goal_affiliation[g])
        else:
            r = index.goal_rest[g]
        if goal is Goal.EDUCATION:
            r = r * (1.0 - EDUCATION_SHARE * education_values(index, nc.education))
        rest = np.minimum(rest, r)
    return 1.0 - rest


def interest_value(rarity: np.ndarray) -> float:
    """``1 - prod(1 - r)`` of the rarities of shared interests."""
    return float(-np.expm1(np.log1p(-np.asarray(rarity, dtype=np.float64)).sum()))


def interest_values(index: MatchingIndex, nc: Newcomer) -> np.ndarray:
    n_m, M = len(index.mentor_ids), index.mentor_interests
    if not nc.interests:
        return np.zeros(n_m)
    picked = np.asarray(nc.interests, dtype=np.int64)
    lengths = M.indptr[picked + 1] - M.indptr[picked]
    rows = np.concatenate([M.indices[M.indptr[k]:M.indptr[k + 1]] for k in nc.interests])
    weights = np.repeat(-np.log1p(-index.interest_rarity[picked]), lengths)
    return -np.expm1(-np.bincount(rows, weights=weights, minlength=n_m))


def hood_row(index: MatchingIndex, hood: int, scale_km: float) -> np.ndarray:
    """Geography values from neighborhood ``hood`` to every neighborhood, and 0 at the end for "unknown"."""
    row = np.zeros(len(index.hoods) + 1)
    if hood < 0:
        return row
    lat, lon = index.hood_centroid[hood]
    if not math.isnan(lat):
        d = haversine_km(lat, lon, index.hood_centroid[:, 0], index.hood_centroid[:, 1])
        row[:-1] = np.where(np.isnan(d), 0.0, FAR * np.exp(-np.nan_to_num(d) / scale_km))
    adjacent = sorted(index.hood_adjacent[hood])
    row[adjacent] = ADJACENT
    row[hood] = SAME_NEIGHBORHOOD
    return row


def geography_values(index: MatchingIndex, nc: Newcomer, profile: ProgramProfile) -> np.ndarray:
    return hood_row(index, nc.hood, profile.distance_scale_km)[index.mentor_hood]


def social_strength(index: MatchingIndex, u: int) -> np.ndarray:
    """Per mentor, the trust-weighted Adamic-Adar sum ``s`` (plus direct trust)."""
    T = index.knows
    n_m = len(index.mentor_ids)
    lo, hi = T.indptr[u], T.indptr[u + 1]
    nbrs, t_u = T.indices[lo:hi], T.data[lo:hi]
    s = np.zeros(n_m)
    if not len(nbrs):
        return s
    starts, lengths = T.indptr[nbrs], np.diff(T.indptr)[nbrs]
    total = int(lengths.sum())
    if total:
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        targets = T.indices[offsets]
        weights = np.repeat(t_u * index.via_weight[nbrs], lengths) * T.data[offsets]
        m = index.mentor_at[targets]
        keep = (m >= 0) & (targets != u)
        s += np.bincount(m[keep], weights=weights[keep], minlength=n_m)
    direct = index.mentor_at[nbrs]
    s[direct[direct >= 0]] += t_u[direct >= 0]
    return s


def social_values(index: MatchingIndex, nc: Newcomer) -> np.ndarray:
    return -np.expm1(-social_strength(index, nc.pos))


def ei_counts(index: MatchingIndex, u: int, attribute: str) -> tuple[int, int, int]:
    """``(community, internal, external)`` ties of person ``u`` (community -1: unknown)."""
    codes = index.community[attribute]
    c = int(codes[u])
    T = index.knows
    alters = codes[T.indices[T.indptr[u]:T.indptr[u + 1]]]
    known = alters >= 0
    internal = int(np.count_nonzero(known & (alters == c)))
    return c, internal, int(np.count_nonzero(known)) - internal


def external_mentors(index: MatchingIndex, nc: Newcomer, attribute: str) -> np.ndarray:
    """Per mentor: is their community known and different from the newcomer's (known) one."""
    c = int(index.community[attribute][nc.pos])
    theirs = index.mentor_community[attribute]
    return (theirs >= 0) & (theirs != c) & (c >= 0)


def bridging_values(index: MatchingIndex, nc: Newcomer, profile: ProgramProfile) -> np.ndarray:
    c, internal, external = ei_counts(index, nc.pos, profile.community_attribute)
    if c < 0:
        return np.zeros(len(index.mentor_ids))
    need = internal / (internal + external) if internal + external else 1.0
    return np.where(external_mentors(index, nc, profile.community_attribute), need, 0.0)


def availability_values(index: MatchingIndex, nc: Newcomer) -> np.ndarray:
    free = (1.0 - AVAILABILITY_SHARE) * index.free_share
    enough = min(ENOUGH_SLOTS, nc.slots.bit_count())
    if not enough:
        return free
    shared = np.bitwise_count(index.mentor_slots & nc.slots)
    return (AVAILABILITY_SHARE / enough) * np.minimum(shared, enough) + free


def factor_values(index: MatchingIndex, nc: Newcomer, profile: ProgramProfile) -> np.ndarray:
    """The ``(len(FACTORS), mentors)`` array of factor values in [0, 1] for one newcomer."""
    values = np.empty((len(FACTORS), len(index.mentor_ids)))
    values[0] = language_values(index, nc, profile)
    values[1] = goal_values(index, nc)
    values[2] = interest_values(index, nc)
    values[3] = geography_values(index, nc, profile)
    values[4] = social_values(index, nc)
    values[5] = bridging_values(index, nc, profile)
    values[6] = availability_values(index, nc)
    return np.clip(values, 0.0, 1.0, out=values)
