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
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

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


def goal_rest(index: MatchingIndex, goal: Goal, own: np.ndarray | None, education: int | None) -> np.ndarray:
    """Per mentor, 1 minus how well the mentor serves one goal (the parts add as
    independent chances: occupation, then affiliations, then education)."""
    g = GOALS.index(goal)
    if own is not None and goal in OWN_OCCUPATION_GOALS:
        occ = np.maximum(index.goal_occupation[g], own)
        r = (1.0 - occ) * (1.0 - AFFILIATION_SHARE * index.goal_affiliation[g])
    else:
        r = index.goal_rest[g]
    if goal is Goal.EDUCATION:
        r = r * (1.0 - EDUCATION_SHARE * education_values(index, education))
    return r

def goal_values(index: MatchingIndex, nc: Newcomer) -> np.ndarray:
    """Per mentor, the value of the goal the mentor serves best (:mod:`graphsvc.analysis.goals`)."""
    rest = np.ones(len(index.mentor_ids))
    own = isco_relation_values(index, nc.isco) if nc.isco else None
    for goal in nc.goals:
        rest = np.minimum(rest, goal_rest(index, goal, own, nc.education))
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


# ----------------------------------------------------------------------------- many newcomers at once

_GOAL_NAMES = frozenset(str(g) for g in Goal)


def newcomers_of(index: MatchingIndex, ids: Iterable[str]) -> list[Newcomer]:
    """``[newcomer_of(index, id) for id in ids]``, with the per-person work cached where it repeats."""
    nodes: Mapping[str, dict[str, Any]] = index.G._node  # the plain dict under G.nodes
    goal_cache: dict[tuple[Any, ...], tuple[Goal, ...]] = {}
    out = []
    for id in ids:
        pos = index.person_pos.get(id)
        if pos is None:
            raise NotFoundError(f"no person '{id}' in this projection", field="newcomer_id", value=id)
        attrs: dict[str, Any] = nodes.get(f"{Label.PERSON}:{id}", {})
        raw = attrs.get("goals") or ()
        try:
            key = tuple(raw)
            goals = goal_cache.get(key)
        except TypeError:
            key, goals = None, None
        if goals is None:
            goals = tuple(sorted({Goal(g) for g in raw if g in _GOAL_NAMES}, key=GOALS.index))
            if key is not None:
                goal_cache[key] = goals
        level = attrs.get("education_level")
        out.append(Newcomer(
            pos=pos, id=id, name=str(attrs.get("name") or id), roles=frozenset(attrs.get("roles") or ()),
            consent=bool((attrs.get("consent") or {}).get("matching", False)), goals=goals,
            isco=(attrs.get("occupation") or {}).get("isco08") or None,
            education=int(level) if level is not None else None, languages=index.languages_of[pos],
            interests=index.interests_of[pos], hood=int(index.hood[pos]), slots=int(index.slots[pos]),
        ))
    return out


#: Rows of newcomers per sparse product (interests, social) in :class:`CohortFactors`.
SPARSE_CHUNK = 1024


class CohortFactors:
    """The weighted factor contributions of many newcomers against every mentor, a block of
    newcomers at a time, equal bit for bit to :func:`factor_values` times the weights, summed.

    Each factor is read off small tables or sparse products instead of per-newcomer code:

    - language: per class of newcomer languages a table over (language, mentor proficiency)
      of ``credit * level * proficiency * weight``; a mentor's value is the maximum over
      their spoken languages (a gather and a maximum per rank of the mentor's languages;
      weighting and clipping commute with the maximum, being monotone);
    - goals: per (goals, ISCO relation counts, education) a ``5 x mentors`` table over the
      ISCO relation (0-4 shared digits), else one row; per newcomer occupation a row of
      offsets into it;
    - interests and social: sparse products for all newcomers at once (newcomers x
      interests times interests x mentors; newcomers x people times KNOWS to mentors), which
      sum in the order of the per-newcomer ``bincount`` (ascending interest or go-between);
    - geography: per newcomer neighborhood a row over mentors;
    - bridging: per newcomer community a mask over mentors, times the newcomer's need;
    - availability: popcount of the AND of the slot masks into a table over
      (newcomer's slots needed, shared slots capped at 2, mentor).

    The score is summed factor by factor in :data:`FACTORS` order, as ``sum(axis=0)`` of
    the per-newcomer array does (a zero contribution adds nothing), so it is the same float.
    """

    def __init__(self, index: MatchingIndex, newcomers: list[Newcomer], profile: ProgramProfile) -> None:
        self.index, self.profile = index, profile
        self.n_m = n_m = len(index.mentor_ids)
        self.w = w = [float(profile.weights[f]) for f in FACTORS]
        n = len(newcomers)
        self.pos = np.asarray([nc.pos for nc in newcomers], dtype=np.int64)
        self._language_tables(newcomers, w[0])
        self._goal_tables(newcomers, w[1])
        # interests: newcomers x interests (holding -log1p(-rarity)) times interests x mentors
        lengths = np.asarray([len(nc.interests) for nc in newcomers], dtype=np.int64)
        ks = np.fromiter((k for nc in newcomers for k in nc.interests), dtype=np.int64, count=int(lengths.sum()))
        X = sp.csr_matrix((-np.log1p(-index.interest_rarity[ks]), ks, np.concatenate(([0], np.cumsum(lengths)))),
                          shape=(n, len(index.interests)))
        MI = index.mentor_interests
        self.x_interests = X
        self.interests_mentors = sp.csr_matrix((MI.data, MI.indices, MI.indptr), shape=(MI.shape[1], MI.shape[0]))
        # social: (the newcomers' KNOWS rows times the go-between weight) times KNOWS to mentors, plus
        # the direct KNOWS to mentors
        T = index.knows[self.pos]
        self.x_social = sp.csr_matrix((T.data * index.via_weight[T.indices], T.indices, T.indptr), shape=T.shape)
        self.direct = T[:, index.mentor_person].tocsr()
        self.knows_mentors = index.knows[:, index.mentor_person].tocsr()
        self._local = threading.local()  # each thread's current chunk of sparse parts (see _sparse_parts)
        # geography: a row per neighborhood of the newcomers (the last: unknown, zeros)
        hoods, self.hood_row = np.unique(np.asarray([nc.hood for nc in newcomers], dtype=np.int64),
                                         return_inverse=True)
        self.hood_table = np.empty((len(hoods), n_m))
        for r, h in enumerate(hoods.tolist()):
            self.hood_table[r] = np.clip(hood_row(index, h, profile.distance_scale_km)[index.mentor_hood], 0.0, 1.0)
        self.hood_table *= w[3]
        # bridging: the need of each newcomer (1 - EI) / 2 from their ties of known community
        attribute = profile.community_attribute
        codes, theirs = index.community[attribute], index.mentor_community[attribute]
        c = codes[self.pos].astype(np.int64)
        alters = codes[T.indices]
        row = np.repeat(np.arange(n), np.diff(T.indptr))
        known = alters >= 0
        internal = np.bincount(row, weights=known & (alters == c[row]), minlength=n)
        ties = np.bincount(row, weights=known, minlength=n)
        need = np.where(ties > 0, internal / np.maximum(ties, 1), 1.0)
        self.bridge = np.where(c >= 0, np.clip(need, 0.0, 1.0) * w[5], 0.0)
        n_comm = len(index.community_names[attribute])
        #: community (the last row: unknown) x mentors: is the mentor's community known and different
        self.external = np.vstack([(theirs[None, :] >= 0) & (theirs[None, :] != np.arange(n_comm)[:, None]),
                                   np.zeros((1, n_m), bool)])
        self.community_row = np.where(c >= 0, c, n_comm)
        # availability: (needed * 3 + shared) x mentors
        free = (1.0 - AVAILABILITY_SHARE) * index.free_share
        table = np.empty((n_m, 9))  # mentor-major: entry mentor * 9 + needed * 3 + shared
        for enough in range(3):
            for k in range(3):
                v = free if not enough else (AVAILABILITY_SHARE / enough) * np.minimum(np.uint8(k), enough) + free
                table[:, enough * 3 + k] = np.clip(v, 0.0, 1.0) * w[6]
        self.availability = table.reshape(-1)
        self.mentor_slots = index.mentor_slots
        kind = np.int32 if 9 * n_m < 2**31 else np.int64
        self.avail_offset = np.asarray([min(ENOUGH_SLOTS, nc.slots.bit_count()) * 3 for nc in newcomers], dtype=kind)
        self.avail_columns = np.arange(n_m, dtype=kind) * 9
        self.slots = np.asarray([nc.slots for nc in newcomers], dtype=np.int64)

    # -- tables

    def _sparse_part(self, S: sp.spmatrix, weight: float) -> tuple[np.ndarray, np.ndarray]:
        """``(offset row * mentors + mentor, weighted value)`` of a sparse strength ``s``
        (no duplicates: the product of two CSR matrices, or a sum of two)."""
        S = S.tocsr()
        row = np.repeat(np.arange(S.shape[0], dtype=np.int64), np.diff(S.indptr))
        return row * self.n_m + S.indices, np.clip(-np.expm1(-S.data), 0.0, 1.0) * weight

    def _sparse_parts(self, lo: int, hi: int) -> tuple[int, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The interest and social parts of rows ``lo:hi``, offsets from row ``lo``, made a chunk of
        :data:`SPARSE_CHUNK` rows at a time (fewer sparse products than one per block, and less
        memory than one for all); returns the chunk's first row and the parts. Each thread
        keeps its own chunk, so that threads may score blocks side by side."""
        chunk = getattr(self._local, "chunk", None)
        if chunk is None or not (chunk[0] <= lo and hi <= chunk[1]):
            end = max(hi, min(lo + SPARSE_CHUNK, len(self.pos)))
            interests = self._sparse_part(self.x_interests[lo:end] @ self.interests_mentors, self.w[2])
            social = self._sparse_part((self.x_social[lo:end] @ self.knows_mentors) + self.direct[lo:end], self.w[4])
            chunk = self._local.chunk = (lo, end, interests, social)
        return chunk[0], chunk[2], chunk[3]

    def _language_tables(self, newcomers: list[Newcomer], weight: float) -> None:
        index, profile = self.index, self.profile
        n_lang = len(index.languages)
        ML = index.mentor_languages.tocsr()
        ML.sort_indices()
        levels, code_of = np.unique(ML.data, return_inverse=True)
        n_lv = len(levels)
        codes = ML.indices.astype(np.int64) * n_lv + code_of.reshape(-1).astype(np.int64)
        pad = n_lang * n_lv  # a column of zeros
        counts = np.diff(ML.indptr)
        self.lang_rounds: list[tuple[np.ndarray | None, np.ndarray]] = []
        for d in range(int(counts.max()) if len(counts) else 0):
            has = counts > d
            col = np.full(self.n_m, pad, dtype=np.int64)
            col[has] = codes[ML.indptr[:-1][has] + d]
            self.lang_rounds.append((None, col) if d == 0 or has.all() else (np.flatnonzero(has), col[has]))
        classes: dict[tuple[tuple[str, str], ...], int] = {}
        pairs: dict[tuple[str, str], int] = {}  # (code, level) -> row of pair_best
        pair_best: list[np.ndarray] = []
        self.lang_class = np.empty(len(newcomers), dtype=np.int64)
        class_of: list[int] = []
        pair_of: list[int] = []
        for r, nc in enumerate(newcomers):
            key = tuple(sorted(nc.languages.items()))
            c = classes.get(key)
            if c is None:
                c = classes[key] = len(classes)
                for item in key:
                    k = pairs.get(item)
                    if k is None:
                        k = pairs[item] = len(pair_best)
                        j, credit = index.related_languages(item[0], profile.majority_language,
                                                            profile.majority_language_credit)
                        row = np.zeros(n_lang)
                        np.maximum.at(row, j, credit * PROFICIENCY.get(item[1], 0.0))
                        pair_best.append(row)
                    class_of.append(c)
                    pair_of.append(k)
            self.lang_class[r] = c
        best = np.zeros((len(classes), n_lang))
        if pair_of:
            np.maximum.at(best, np.asarray(class_of), np.asarray(pair_best)[np.asarray(pair_of)])
        table = np.zeros((len(classes), pad + 1))
        table[:, :pad] = (np.clip(best.reshape(len(classes), n_lang, 1) * levels[None, None, :], 0.0, 1.0)
                          * weight).reshape(len(classes), pad)
        self.lang_table = table

    def _goal_tables(self, newcomers: list[Newcomer], weight: float) -> None:
        index, n_m = self.index, self.n_m
        keys: dict[tuple[tuple[Goal, ...], bool, int | None], int] = {}
        iscos: dict[str | None, int] = {None: 0}
        goal_class = np.empty(len(newcomers), dtype=np.int64)
        isco_class = np.zeros(len(newcomers), dtype=np.int64)
        for r, nc in enumerate(newcomers):
            own = bool(nc.isco) and not OWN_OCCUPATION_GOALS.isdisjoint(nc.goals)
            goal_class[r] = keys.setdefault(
                (nc.goals, own, nc.education if Goal.EDUCATION in nc.goals else None), len(keys))
            if own:
                isco_class[r] = iscos.setdefault(nc.isco, len(iscos))
        rel = np.asarray([0.0, *(ISCO_RELATION[name] for name in _RELATIONS)])[:, None]
        start = np.zeros(len(keys), dtype=np.int64)
        tables = []
        rows = 0
        for (goals, own_used, education), c in keys.items():
            start[c] = rows * n_m
            rows += 5 if own_used else 1
            own = np.broadcast_to(rel, (5, n_m)) if own_used else None
            rest = np.ones((5 if own_used else 1, n_m))
            for goal in goals:
                rest = np.minimum(rest, goal_rest(index, goal, own, education))
            tables.append(np.clip(1.0 - rest, 0.0, 1.0) * weight)
        self.goal_table = np.concatenate([t.reshape(-1) for t in tables]) if tables else np.zeros(0)
        self.goal_start = start[goal_class]
        self.goal_any = np.asarray([bool(k[0]) for k in keys], dtype=bool)[goal_class]
        # per newcomer occupation (with an own-occupation goal): level * mentors + mentor
        kind = np.int32 if len(self.goal_table) < 2**31 else np.int64
        offsets = np.empty((len(iscos), n_m), dtype=kind)
        for isco, c in iscos.items():
            level = np.zeros(n_m, dtype=np.int64)
            if isco:
                for d in range(1, min(len(isco), 4) + 1):
                    level[index.isco[d - 1] == int(isco[:d])] = d
            offsets[c] = level * n_m + np.arange(n_m)
        self.isco_offsets = offsets
        self.isco_class = isco_class

    # -- a block

    def scores(self, lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
        """The ``(hi - lo, mentors)`` scores of newcomers ``lo:hi`` (positions in the list given)."""
        n_m, B = self.n_m, hi - lo
        score = np.zeros((B, n_m)) if out is None else out[:B]
        # language
        lang = self.lang_table[self.lang_class[lo:hi]]
        for r, (mentors, col) in enumerate(self.lang_rounds):
            if mentors is None:
                if r == 0:
                    np.take(lang, col, axis=1, out=score)
                else:
                    np.maximum(score, lang[:, col], out=score)
            else:
                score[:, mentors] = np.maximum(score[:, mentors], lang[:, col])
        if not self.lang_rounds:
            score[...] = 0.0
        # goals
        if self.goal_any[lo:hi].any():
            flat = self.isco_offsets[self.isco_class[lo:hi]]
            flat += self.goal_start[lo:hi, None].astype(flat.dtype)
            score += self.goal_table[flat]
        flat_score = score.reshape(-1)
        first, interests, social = self._sparse_parts(lo, hi)
        self._add_sparse(flat_score, interests, lo - first, hi - first)
        score += self.hood_table[self.hood_row[lo:hi]]
        self._add_sparse(flat_score, social, lo - first, hi - first)
        # bridging
        bridge = self.bridge[lo:hi]
        if bridge.any():
            score += np.where(self.external[self.community_row[lo:hi]], bridge[:, None], 0.0)
        # availability
        shared = np.bitwise_count(self.slots[lo:hi, None] & self.mentor_slots[None, :])
        np.minimum(shared, ENOUGH_SLOTS, out=shared)
        flat = self.avail_columns + self.avail_offset[lo:hi, None]
        flat += shared
        score += self.availability[flat]
        return score

    def _add_sparse(self, flat_score: np.ndarray, part: tuple[np.ndarray, np.ndarray], lo: int, hi: int) -> None:
        """Add the entries of rows ``lo:hi`` of a part (row offsets relative to its chunk)."""
        flat, value = part
        a, b = np.searchsorted(flat, (lo * self.n_m, hi * self.n_m))
        if b > a:
            flat_score[flat[a:b] - lo * self.n_m] += value[a:b]
