"""Cohort matching: assign newcomers to mentors within the mentors' remaining capacity.

A pure function of a sparse score matrix (rows: newcomers, columns: mentors; an explicit
entry, zero included, for exactly each eligible pair). It proposes; nothing is stored
until a coordinator accepts the proposal.

``mode="optimal"`` solves, exactly, the lexicographic objective

1. the most newcomers matched;
2. among those, priority by waiting time: for every threshold ``d``, as many newcomers
   who waited at least ``d`` days as possible (the matched set is *Gale-optimal*; no
   longer-waiting newcomer is left out for a shorter-waiting one who could be dropped
   in exchange). Newcomers who waited equally long are one tier and compete on score;
3. among those, the largest total score.

Why this is exact. The sets of newcomers that can be matched together are the
independent sets of a transversal matroid (one element per newcomer, one slot per unit of
capacity). Give tier ``t`` (1 = shortest wait) the integer weight ``w = t``. For a matroid
and weights that are positive and strictly increasing with wait, the maximum-weight
independent sets are exactly the Gale-optimal bases, so (1)+(2) is "maximize the sum of
``w`` over matched newcomers", a b-matching LP whose integers stay small (exact in
floating point). Stage 1 solves it with the matroid greedy: newcomers in order of
decreasing wait, each kept if an augmenting path reaches a free slot. A search that fails
visits a closed set of full mentors that no later augmenting path can enter, so those
mentors are never searched again, and each gets the dual ``v_j = w`` of the newcomer that
failed (the highest weight of an unmatched newcomer reaching ``j``). With
``u_i = w_i - v_{mentor(i)}`` for matched and ``0`` for unmatched newcomers, ``(u, v)`` is
dual feasible and complementary to the greedy matching, hence optimal. By complementary
slackness a matching is optimal for (1)+(2) iff it uses only *tight* pairs
(``u_i + v_j = w_i``), matches every newcomer with ``u_i > 0`` and fills every mentor with
``v_j > 0``. Tight pairs join newcomers of *level* ``w_i - u_i`` to mentors with
``v_j`` equal to that level, so stage 2 splits into independent levels, the blocks of one
``scipy.sparse.csgraph.min_weight_full_bipartite_matching`` (LAPJVsp) in which every row
is matched. At level 0 the rows are the newcomers (all forced), the columns the slots
(free). At level ``l > 0`` every slot is to be filled and newcomers who waited longer
than ``l`` are forced; of those who waited exactly ``l``, dummy vertices take the ones
left out (shared dummy columns, filler rows, or a mirror copy of the block, whichever is
smallest). Forcing is by structure, never by a big weight, so stage 2 maximizes the plain
score: (3) is exact, scores being compared in floating point.

``mode="stable"`` is hospitals/residents with capacities: newcomer-proposing deferred
acceptance (Gale and Shapley 1962), newcomer-optimal among stable matchings. A pair is
acceptable when it is eligible, the mentor has capacity, and each lists the other.
Without explicit preference lists both sides rank by score (highest first, ties by id).

References
----------
Gale, D., Shapley, L. S. (1962). College admissions and the stability of marriage.
Gale, D. (1968). Optimal assignments in an ordered set (Gale-optimal bases).
Jonker, R., Volgenant, A. (1987). A shortest augmenting path algorithm for dense and
sparse linear assignment problems.

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> scores = sp.csr_matrix(np.array([[0.9, 0.5], [0.8, 0.0]]))
>>> res = match_cohort(scores, [1, 0], [10, 40], newcomer_ids=["a", "b"], mentor_ids=["x", "y"])
>>> [(p.newcomer_id, p.mentor_id) for p in res.pairs], [(u.newcomer_id, str(u.reason)) for u in res.unmatched]
([('b', 'x')], [('a', 'lost to a newcomer who waited longer')])
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    min_weight_full_bipartite_matching,
)

from graphsvc.errors import InvalidInputError

__all__ = ["MatchingResult", "MatchingSummary", "MentorLoad", "Pair", "Unmatched", "UnmatchedReason", "match_cohort"]

OPTIMAL_SOLVER = "priority greedy (transversal matroid) + LAPJVsp on the tight pairs (scipy min_weight_full_bipartite_matching)"
_GADGET_RATIO = 1.0  # stage 2: dummy blocks up to this many edges per real edge of a level, else a mirror
STABLE_SOLVER = "newcomer-proposing deferred acceptance (hospitals/residents)"


class UnmatchedReason(StrEnum):
    """Why a newcomer is left without a mentor."""

    NO_ELIGIBLE_MENTOR = "no eligible mentor"
    MENTORS_AT_CAPACITY = "eligible mentors all at capacity"
    LOST_TO_LONGER_WAIT = "lost to a newcomer who waited longer"
    LOST_ON_SCORE = "lost to a newcomer who waited as long, on total score"
    NOT_MUTUALLY_ACCEPTABLE = "no mutually acceptable mentor"
    REJECTED = "rejected by every acceptable mentor for newcomers it prefers"


@dataclass(frozen=True)
class Pair:
    newcomer_id: str
    mentor_id: str
    score: float
    bridging: bool | None


@dataclass(frozen=True)
class Unmatched:
    newcomer_id: str
    reason: UnmatchedReason


@dataclass(frozen=True)
class MentorLoad:
    mentor_id: str
    used: int
    capacity: int


@dataclass(frozen=True)
class MatchingSummary:
    matched: int
    unmatched: dict[str, int]
    total_score: float
    score: dict[str, float] | None
    bridging_share: float | None
    slots_used: int
    slots_total: int
    mentors_full: int
    solver: str
    seconds: float


@dataclass(frozen=True)
class MatchingResult:
    """A proposal: pairs (by newcomer order), unmatched newcomers with reasons, loads, summary."""

    mode: str
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    mentor_load: tuple[MentorLoad, ...]
    summary: MatchingSummary

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for the API and the CLI)."""
        return {
            "mode": self.mode,
            "pairs": [asdict(p) for p in self.pairs],
            "unmatched": [{"newcomer_id": u.newcomer_id, "reason": str(u.reason)} for u in self.unmatched],
            "mentor_load": [asdict(m) for m in self.mentor_load],
            "summary": asdict(self.summary),
        }


@dataclass(frozen=True)
class _Problem:
    indptr: np.ndarray  # CSR of the eligible pairs, canonical (explicit zeros kept)
    indices: np.ndarray
    score: np.ndarray
    capacity: np.ndarray
    weight: np.ndarray  # priority tier, 1 = shortest wait

    @property
    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))


def match_cohort(scores: Any, capacity: Any, waited_days: Any, *, newcomer_ids: Sequence[str],
                 mentor_ids: Sequence[str], bridging: Any = None, mode: Literal["optimal", "stable"] = "optimal",
                 newcomer_prefs: Sequence[Sequence[int]] | None = None,
                 mentor_prefs: Sequence[Sequence[int]] | None = None) -> MatchingResult:
    """Match a cohort of newcomers to mentors (see the module docstring for the objectives).

    Parameters
    ----------
    scores : scipy sparse matrix or array, shape (n_newcomers, n_mentors)
        An explicit entry (the score, >= 0; zero is a score) for exactly each eligible pair.
    capacity : int array, shape (n_mentors,)
        Each mentor's remaining capacity (>= 0).
    waited_days : array, shape (n_newcomers,)
        How long each newcomer has waited; longer waits have priority.
    newcomer_ids, mentor_ids : sequences of str
        Ids of the rows and columns, unique.
    bridging : sparse or dense bool matrix of the same shape, optional
        Which pairs are bridging (for the summary and the pairs).
    mode : "optimal" or "stable"
    newcomer_prefs, mentor_prefs : lists of lists of int, optional (stable mode only)
        Column indices in each newcomer's order of preference, row indices in each
        mentor's; derived from the scores when not given.

    Returns
    -------
    MatchingResult
        Raises :class:`~graphsvc.errors.InvalidInputError` for malformed input.
    """
    start = time.perf_counter()
    problem = _problem(scores, capacity, waited_days, len(newcomer_ids), len(mentor_ids))
    _check_ids(newcomer_ids, "newcomer_ids")
    _check_ids(mentor_ids, "mentor_ids")
    if mode == "optimal":
        if newcomer_prefs is not None or mentor_prefs is not None:
            raise InvalidInputError("preference lists are for mode='stable'", field="mode", value=mode)
        # a mentor takes at most its eligible newcomers: fewer slots, same solutions
        clipped = replace(problem, capacity=np.minimum(problem.capacity, np.bincount(problem.indices, minlength=len(mentor_ids))))
        owner, v, tight = _optimal(clipped)
        lost = _lost_reasons(clipped, owner, v, tight)
        solver = OPTIMAL_SOLVER
    elif mode == "stable":
        from graphsvc.analysis.stable import deferred_acceptance

        owner, lost = deferred_acceptance(problem, newcomer_prefs, mentor_prefs, newcomer_ids, mentor_ids)
        solver = STABLE_SOLVER
    else:
        raise InvalidInputError("mode must be 'optimal' or 'stable'", field="mode", value=mode)
    return _result(problem, owner, lost, bridging, newcomer_ids, mentor_ids, mode, solver, start)


# -- input ------------------------------------------------------------------------------------


def _problem(scores: Any, capacity: Any, waited_days: Any, n: int, m: int) -> _Problem:
    if not sp.issparse(scores):
        raise InvalidInputError("scores must be a scipy sparse matrix (explicit entries = eligible pairs)", field="scores")
    if scores.shape != (n, m):
        raise InvalidInputError(f"scores has shape {scores.shape}, ids give ({n}, {m})", field="scores")
    coo = sp.coo_array(scores)  # every stored entry, explicit zeros and duplicates included
    if len(_unique(coo.row.astype(np.int64) * m + coo.col)) != coo.nnz:
        raise InvalidInputError("scores holds a pair twice", field="scores")
    csr = coo.tocsr()
    csr.sort_indices()
    score = np.asarray(csr.data, dtype=np.float64)
    if not np.all(np.isfinite(score)) or np.any(score < 0):
        raise InvalidInputError("scores must be finite and >= 0", field="scores")
    cap = np.asarray(capacity)
    if cap.shape != (m,) or (cap.size and (not np.issubdtype(cap.dtype, np.integer) or cap.min() < 0)):
        raise InvalidInputError(f"capacity must be {m} integers >= 0", field="capacity")
    waited = np.asarray(waited_days, dtype=np.float64)
    if waited.shape != (n,) or not np.all(np.isfinite(waited)):
        raise InvalidInputError(f"waited_days must be {n} finite numbers", field="waited_days")
    _, tier = np.unique(waited, return_inverse=True)
    return _Problem(csr.indptr.astype(np.int64), csr.indices.astype(np.int64), score, cap.astype(np.int64),
                    tier.astype(np.int64) + 1)


def _check_ids(ids: Sequence[str], field: str) -> None:
    if len(set(ids)) != len(ids):
        raise InvalidInputError("ids must be unique", field=field)


def _unique(x: np.ndarray) -> np.ndarray:
    """``np.unique(x)`` by sorting: NumPy 2's hash-based ``unique`` is tens of times slower on
    integers spread over a wide range (pair keys ``row * m + col``)."""
    x = np.sort(x, kind="stable")
    return x[np.concatenate(([True], x[1:] != x[:-1]))] if x.size else x


def _ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + k) for s, k in zip(starts, lens)])``, vectorized."""
    total = int(lens.sum())
    offsets = np.repeat(starts - np.cumsum(lens) + lens, lens)
    return offsets + np.arange(total)


# -- optimal mode -----------------------------------------------------------------------------


def _optimal(p: _Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage 1 (greedy + duals), stage 2 (LAPJVsp per level); returns owner, v, tight mask."""
    owner, v = _priority_greedy(p)
    rows, cols, w, cap = p.rows, p.indices, p.weight, p.capacity
    matched = owner >= 0
    level = np.where(matched, v[np.maximum(owner, 0)], w)
    usable = cap[cols] > 0
    if np.any(level > w) or np.any(v[cols[usable]] < level[rows[usable]]):  # u >= 0, u_i + v_j >= w_i
        raise AssertionError("stage 1 duals are infeasible")
    load = np.bincount(owner[matched], minlength=len(cap))
    if np.any((v > 0) & (load < cap)):
        raise AssertionError("stage 1 leaves a mentor with a positive dual unfilled")
    tight = usable & (v[cols] == level[rows])
    return _by_level(p, tight, level, matched & (w > level), v), v, tight


def _priority_greedy(p: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """The matroid greedy by decreasing wait, with augmenting paths; and the mentor duals."""
    n, m = len(p.indptr) - 1, len(p.capacity)
    cap, w = p.capacity, p.weight
    keep = cap[p.indices] > 0
    ip = np.concatenate(([0], np.cumsum(np.bincount(p.rows[keep], minlength=n))))
    ix = p.indices[keep]
    slot0 = np.concatenate(([0], np.cumsum(cap)))
    occupant = np.full(int(slot0[-1]), -1, dtype=np.int64)  # a mentor's newcomers packed first
    where = np.full(n, -1, dtype=np.int64)
    load = np.zeros(m, np.int64)
    owner = np.full(n, -1, dtype=np.int64)
    dead = np.zeros(m, dtype=bool)
    v = np.zeros(m, dtype=np.int64)
    seen = np.full(m, -1, dtype=np.int64)
    via = np.full(m, -1, dtype=np.int64)

    demand = np.bincount(ix, minlength=m)  # newcomers still to come who are eligible for each mentor
    for i in np.argsort(-w, kind="stable").tolist():
        nb = ix[ip[i]:ip[i + 1]]
        if not nb.size:
            continue
        demand[nb] -= 1
        free = nb[load[nb] < cap[nb]]
        if free.size:  # the least demanded free mentor: fewer and shorter augmenting paths later
            j = int(free[np.argmin(demand[free])])
            occupant[slot0[j] + load[j]], where[i], owner[i] = i, slot0[j] + load[j], j
            load[j] += 1
            continue
        frontier = nb[~dead[nb]]
        seen[frontier], via[frontier] = i, i
        reached, end = [frontier], -1
        while frontier.size:
            xs = occupant[_ranges(slot0[frontier], cap[frontier])]
            lens = ip[xs + 1] - ip[xs]
            js, src = ix[_ranges(ip[xs], lens)], np.repeat(xs, lens)
            new = (seen[js] != i) & ~dead[js]
            js, first = np.unique(js[new], return_index=True)
            seen[js], via[js] = i, src[new][first]
            reached.append(js)
            free = js[load[js] < cap[js]]
            if free.size:
                end = int(free[0])
                break
            frontier = js
        if end < 0:  # no augmenting path, now or later: these mentors are closed for good
            closed = np.concatenate(reached)
            dead[closed], v[closed] = True, w[i]
            continue
        j, pos = end, slot0[end] + load[end]
        load[end] += 1
        while True:  # augment: each newcomer on the path takes the place of the next one
            x = int(via[j])
            old, prev = int(where[x]), int(owner[x])
            occupant[pos], where[x], owner[x] = x, pos, j
            if prev < 0:
                break
            j, pos = prev, old
    return owner, v


def _by_level(p: _Problem, tight: np.ndarray, level: np.ndarray, forced: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Stage 2: the best total score over the tight pairs, each level a block of one LAPJVsp.

    Level 0: rows are its newcomers (all forced), columns the slots of mentors with
    ``v = 0``. Level ``l > 0``: every slot of a mentor with ``v = l`` is to be filled and
    its ``f`` forced newcomers matched; of its ``o`` optional ones, ``g = slots - f`` are
    matched and ``q = o - g`` are not. With ``f = 0`` the slots are the rows. Otherwise the
    block is square (a perfect matching) and either ``q`` shared dummy columns, or ``g``
    filler rows over private dummies, take the optional newcomers left out (``o * min(q, g)``
    extra edges), or, when that is larger than the block itself, a mirror copy (a dummy
    row per slot and column per newcomer, joined wherever the real pair is) does. Every
    row is matched in all of them, so one constant added to every cost changes nothing.
    """
    n, cap = len(p.indptr) - 1, p.capacity
    r, c, s = p.rows[tight], p.indices[tight], p.score[tight]
    k = cap[c]
    slot0 = np.concatenate(([0], np.cumsum(cap)))
    r, s, slot = np.repeat(r, k), np.repeat(s, k), np.repeat(slot0[c], k) + _ranges(np.zeros(len(k), np.int64), k)
    mentor_of = np.repeat(np.arange(len(cap)), cap)
    owner = np.full(n, -1, dtype=np.int64)
    if not r.size:
        return owner
    top = float(s.max()) + 1.0
    lv = level[r]
    order = np.argsort(lv, kind="stable")
    levels, first = np.unique(lv[order], return_index=True)
    slots_at = {int(lvl): np.flatnonzero(v[mentor_of] == lvl) for lvl in levels if lvl > 0}
    parts: list[tuple[np.ndarray, ...]] = []  # per block: R, C, cost, newcomer, slot (-1 on dummy edges)
    n_rows = n_cols = 0
    node_at, slot_at = np.empty(n, np.int64), np.empty(len(mentor_of), np.int64)  # positions within a block
    for lvl, e in zip(levels.tolist(), np.split(order, first[1:]), strict=True):
        nodes = _unique(r[e])
        slots = _unique(slot[e]) if lvl == 0 else slots_at[lvl]
        a, b = len(nodes), len(slots)
        node_at[nodes], slot_at[slots] = np.arange(a), np.arange(b)
        i, j = node_at[r[e]], slot_at[slot[e]]
        opt = np.flatnonzero(~forced[nodes]) if lvl else np.zeros(0, np.int64)
        o, f = len(opt), a - len(opt)
        q, g = a - b, b - f
        if lvl == 0:
            R, C, shape = i, j, (a, b)
        elif f == 0:
            R, C, shape = j, i, (b, a)
        elif o * min(q, g) <= _GADGET_RATIO * len(e):
            if q <= g:
                R, C = np.concatenate((i, np.repeat(opt, q))), np.concatenate((j, b + np.tile(np.arange(q), o)))
            else:
                R = np.concatenate((i, opt, a + np.repeat(np.arange(g), o)))
                C = np.concatenate((j, b + np.arange(o), b + np.tile(np.arange(o), g)))
            shape = (a, b + q) if q <= g else (a + g, b + o)
        else:
            R, C, shape = np.concatenate((i, opt, a + j)), np.concatenate((j, b + opt, b + i)), (a + b, a + b)
        cost = np.concatenate((top - s[e], np.full(len(R) - len(e), top)))  # >= 1: LAPJVsp takes no zeros
        pad = np.full(len(R) - len(e), -1)
        parts.append((R + n_rows, C + n_cols, cost, np.concatenate((r[e], pad)), np.concatenate((slot[e], pad))))
        n_rows, n_cols = n_rows + shape[0], n_cols + shape[1]
    R, C, cost, newcomer, at = (np.concatenate(x) for x in zip(*parts, strict=True))
    edge = sp.csr_array((np.arange(1, len(R) + 1), (R, C)), shape=(n_rows, n_cols))  # edge number + 1
    if n_rows > n_cols or edge.nnz != len(R):  # (building it sums any pair given twice)
        raise AssertionError("stage 2 is malformed")
    rr, cc = _assign(R, C, cost, n_rows, n_cols)
    chosen = np.asarray(edge[rr, cc]).ravel() - 1
    real = chosen[newcomer[chosen] >= 0]
    owner[newcomer[real]] = mentor_of[at[real]]
    return owner


def _assign(R: np.ndarray, C: np.ndarray, cost: np.ndarray, n_rows: int, n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """LAPJVsp, every row matched, one connected component at a time.

    Each of its shortest-path steps scans every column, so small components are far
    cheaper alone (cohorts fall apart by language or city; levels are apart anyway).
    """
    A = sp.csr_array((np.ones(len(R)), (R, n_rows + C)), shape=(n_rows + n_cols,) * 2)
    k, label = connected_components(A, directed=False)
    row_of, col_of = np.argsort(label[:n_rows], kind="stable"), np.argsort(label[n_rows:], kind="stable")
    row_end, col_end = np.cumsum(np.bincount(label[:n_rows], minlength=k)), np.cumsum(np.bincount(label[n_rows:], minlength=k))
    by_edge = np.argsort(label[R], kind="stable")
    edge_end = np.cumsum(np.bincount(label[R], minlength=k))
    out_r, out_c = [], []
    for comp in range(k):
        rows = row_of[(row_end[comp - 1] if comp else 0):row_end[comp]]
        if not rows.size:
            continue
        cols = col_of[(col_end[comp - 1] if comp else 0):col_end[comp]]
        e = by_edge[(edge_end[comp - 1] if comp else 0):edge_end[comp]]
        G = sp.csr_array((cost[e], (np.searchsorted(rows, R[e]), np.searchsorted(cols, C[e]))), shape=(len(rows), len(cols)))
        rr, cc = min_weight_full_bipartite_matching(G)
        out_r.append(rows[rr])
        out_c.append(cols[cc])
    return np.concatenate(out_r), np.concatenate(out_c)


def _lost_reasons(p: _Problem, owner: np.ndarray, v: np.ndarray, tight: np.ndarray) -> dict[int, UnmatchedReason]:
    """Unmatched newcomers who had room: lost to a longer wait, or to an equal wait on score.

    An unmatched newcomer ``i`` belongs to some priority-optimal matched set iff an
    alternating path from ``i`` ends at a matched newcomer of ``i``'s own tier; every edge
    of such a path is tight (the exchanged matching is optimal too), so the search runs
    on tight pairs: mentors hosting a newcomer with ``u = 0`` are targets, and a mentor is
    *good* if a tight pair of one of its newcomers leads to a good mentor.
    """
    m = len(p.capacity)
    rows, cols, w = p.rows[tight], p.indices[tight], p.weight
    matched = owner >= 0
    level = np.where(matched, v[np.maximum(owner, 0)], w)
    targets = _unique(owner[matched & (w == level)])
    at = owner[rows]
    step = (at >= 0) & (at != cols)
    src = np.concatenate((cols[step], np.full(len(targets), m)))  # reversed: j' -> j, plus a source m
    dst = np.concatenate((at[step], targets))
    G = sp.csr_array((np.ones(len(src)), (src, dst)), shape=(m + 1, m + 1))
    good = np.zeros(m + 1, dtype=bool)
    good[breadth_first_order(G, m, directed=True, return_predecessors=False)] = True
    on_score = np.zeros(len(owner), dtype=bool)
    on_score[rows[good[cols] & (at < 0)]] = True
    return {i: UnmatchedReason.LOST_ON_SCORE if on_score[i] else UnmatchedReason.LOST_TO_LONGER_WAIT
            for i in np.flatnonzero(~matched).tolist()}


# -- stable mode ------------------------------------------------------------------------------


# -- result -----------------------------------------------------------------------------------


def _result(p: _Problem, owner: np.ndarray, lost: dict[int, UnmatchedReason], bridging: Any,
            newcomer_ids: Sequence[str], mentor_ids: Sequence[str], mode: str, solver: str,
            start: float) -> MatchingResult:
    n, m = len(p.indptr) - 1, len(p.capacity)
    cap = p.capacity
    load = np.bincount(owner[owner >= 0], minlength=m)
    if np.any(load > cap):
        raise AssertionError("a mentor's capacity is exceeded")
    rows = p.rows
    nc = np.flatnonzero(owner >= 0)
    key = rows * m + p.indices  # sorted: the CSR is canonical
    at = np.searchsorted(key, nc * m + owner[nc])
    if np.any(key[np.minimum(at, len(key) - 1)] != nc * m + owner[nc]) if nc.size else False:
        raise AssertionError("a pair that is not eligible was matched")
    score = p.score[at]
    bridge = _bridging(bridging, nc, owner[nc], n, m)
    pairs = tuple(Pair(newcomer_ids[i], mentor_ids[j], float(s), None if bridge is None else bool(b))
                  for i, j, s, b in zip(nc.tolist(), owner[nc].tolist(), score.tolist(),
                                        [None] * len(nc) if bridge is None else bridge.tolist(), strict=True))
    has_room = np.zeros(n, dtype=bool)
    has_room[rows[cap[p.indices] > 0]] = True
    unmatched = []
    for i in np.flatnonzero(owner < 0).tolist():
        if p.indptr[i] == p.indptr[i + 1]:
            reason = UnmatchedReason.NO_ELIGIBLE_MENTOR
        elif not has_room[i]:
            reason = UnmatchedReason.MENTORS_AT_CAPACITY
        else:
            reason = lost[i]
        unmatched.append(Unmatched(newcomer_ids[i], reason))
    count = Counter(u.reason for u in unmatched)
    by_reason = {str(r): count[r] for r in UnmatchedReason}
    summary = MatchingSummary(
        matched=len(pairs),
        unmatched={k: c for k, c in by_reason.items() if c},
        total_score=float(score.sum()),
        score=_distribution(score),
        bridging_share=None if bridge is None or not len(bridge) else float(bridge.mean()),
        slots_used=int(load.sum()),
        slots_total=int(cap.sum()),
        mentors_full=int(np.sum((load == cap) & (cap > 0))),
        solver=solver,
        seconds=time.perf_counter() - start,
    )
    loads = tuple(MentorLoad(mentor_ids[j], int(load[j]), int(cap[j])) for j in range(m))
    return MatchingResult(mode, pairs, tuple(unmatched), loads, summary)


def _bridging(bridging: Any, rows: np.ndarray, cols: np.ndarray, n: int, m: int) -> np.ndarray | None:
    if bridging is None:
        return None
    if np.shape(bridging) != (n, m):
        raise InvalidInputError(f"bridging must have shape ({n}, {m})", field="bridging")
    if len(rows) == 0:
        return np.zeros(0, dtype=bool)
    if sp.issparse(bridging):  # a csr_matrix lookup gives a 1 x k matrix whatever k is
        return np.asarray(sp.csr_matrix(bridging)[rows, cols]).ravel().astype(bool)
    return np.asarray(bridging, dtype=bool)[rows, cols]


def _distribution(score: np.ndarray) -> dict[str, float] | None:
    if not score.size:
        return None
    q = np.percentile(score, [0, 25, 50, 75, 100])
    return {"min": float(q[0]), "p25": float(q[1]), "median": float(q[2]), "p75": float(q[3]),
            "max": float(q[4]), "mean": float(score.mean())}
