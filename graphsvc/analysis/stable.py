"""The stable mode of cohort matching: hospital/residents with capacities.

Newcomer-proposing deferred acceptance (Gale and Shapley, 1962): newcomers propose down
their lists, each mentor holds the best proposals up to their free places and rejects the
rest. The result has no blocking pair and is the best stable matching for every newcomer.
Preference lists are given, or derived from the scores (each side ranks by score, ties by
id). Used by :func:`graphsvc.analysis.matching.match_cohort` with ``mode="stable"``.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from graphsvc.analysis.matching import UnmatchedReason
from graphsvc.errors import InvalidInputError

if TYPE_CHECKING:
    from graphsvc.analysis.matching import _Problem


def deferred_acceptance(p: _Problem, newcomer_prefs: Sequence[Sequence[int]] | None, mentor_prefs: Sequence[Sequence[int]] | None,
                        newcomer_ids: Sequence[str], mentor_ids: Sequence[str]) -> tuple[np.ndarray, dict[int, UnmatchedReason]]:
    """Newcomer-proposing deferred acceptance with capacities: which mentor each newcomer
    holds (-1: none), and why the others have none."""
    n, m = len(p.indptr) - 1, len(p.capacity)
    rows, cols, cap = p.rows, p.indices, p.capacity
    if newcomer_prefs is None:
        order = np.lexsort((_id_rank(mentor_ids)[cols], -p.score, rows))
        ni, nj = rows[order], cols[order]
    else:
        ni, nj = _flat_prefs(newcomer_prefs, n, m, "newcomer_prefs")
    if mentor_prefs is None:
        order = np.lexsort((_id_rank(newcomer_ids)[rows], -p.score, cols))
        mj, mi = cols[order], rows[order]
    else:
        mj, mi = _flat_prefs(mentor_prefs, m, n, "mentor_prefs")
    mpos = np.arange(len(mj)) - np.searchsorted(mj, mj)  # a mentor's list is contiguous: position within it
    mkey = mi * m + mj
    by_key = np.argsort(mkey)
    key = ni * m + nj  # newcomers' lists, in order
    ok = rows[cap[cols] > 0] * m + cols[cap[cols] > 0]  # sorted (canonical CSR)
    keep = _member(key, ok) & _member(key, mkey[by_key])
    at = np.minimum(np.searchsorted(mkey[by_key], key), max(len(mkey) - 1, 0))
    split = np.cumsum(np.bincount(ni[keep], minlength=n))[:-1]
    proposals = [x.tolist() for x in np.split(nj[keep], split)]
    their_rank = [x.tolist() for x in np.split(mpos[by_key][at][keep], split)]  # how the mentor ranks the proposer
    capacity = cap.tolist()
    held: list[list[tuple[int, int]]] = [[] for _ in range(m)]  # heaps of (-rank, newcomer): worst on top
    nxt = [0] * n
    queue = deque(range(n))
    while queue:
        i = queue.popleft()
        mine, ranks = proposals[i], their_rank[i]
        while nxt[i] < len(mine):
            j, r = mine[nxt[i]], ranks[nxt[i]]
            nxt[i] += 1
            if len(held[j]) < capacity[j]:
                heapq.heappush(held[j], (-r, i))
                break
            if -held[j][0][0] > r:
                queue.append(heapq.heapreplace(held[j], (-r, i))[1])
                break
    owner = np.full(n, -1, dtype=np.int64)
    for j, heap in enumerate(held):
        for _, i in heap:
            owner[i] = j
    lost = {i: UnmatchedReason.REJECTED if proposals[i] else UnmatchedReason.NOT_MUTUALLY_ACCEPTABLE
            for i in np.flatnonzero(owner < 0).tolist()}
    return owner, lost


def _member(x: np.ndarray, sorted_: np.ndarray) -> np.ndarray:
    """``np.isin(x, sorted_)`` for a sorted second array, by binary search."""
    if not len(sorted_):
        return np.zeros(len(x), dtype=bool)
    return sorted_[np.minimum(np.searchsorted(sorted_, x), len(sorted_) - 1)] == x


def _id_rank(ids: Sequence[str]) -> np.ndarray:
    rank = np.empty(len(ids), dtype=np.int64)
    rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    return rank


def _flat_prefs(prefs: Sequence[Sequence[int]], n: int, m: int, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Preference lists as (owner, item) arrays in list order; checked."""
    if len(prefs) != n:
        raise InvalidInputError(f"{field} must hold {n} lists", field=field)
    lens = np.fromiter((len(x) for x in prefs), np.int64, n)
    items = np.fromiter((x for lst in prefs for x in lst), np.int64, int(lens.sum()))
    owner = np.repeat(np.arange(n), lens)
    bad = (items < 0) | (items >= m)
    key = np.sort(owner * m + np.clip(items, 0, max(m - 1, 0)))
    dup = np.zeros(len(items), dtype=bool)
    dup[1:] = key[1:] == key[:-1]
    if np.any(bad) or np.any(dup):
        row = int(owner[np.argmax(bad)] if np.any(bad) else key[np.argmax(dup)] // m)
        raise InvalidInputError(f"indices must be distinct and in [0, {m})", field=field, row=row)
    return owner, items
