"""Mentor suggestions for a newcomer, and the pair scores that cohort matching uses.

Build a :class:`~graphsvc.analysis.features.MatchingIndex` once per projection; then

- :func:`suggest` ranks every eligible mentor for one newcomer with a few vectorized
  numpy operations (a few milliseconds for 20,000 mentors) and explains the top ``k``;
- :func:`score_pairs` scores many newcomers against the mentors into a sparse matrix
  (the same scores, so a cohort matching agrees with the suggestions);
- :func:`explain_pair` gives the :class:`Suggestion` of any one eligible pair.

Scores (:mod:`graphsvc.analysis.factors`): ``score = sum(weight_f * value_f)`` with every
``value_f`` in [0, 1], so each contribution lies in ``[0, weight_f]``. The hard filters
are those of :mod:`graphsvc.analysis.eligibility`; a newcomer who may not be matched
raises :class:`~graphsvc.analysis.eligibility.NotEligible`. Suggestions below
``profile.min_score`` are left out.

Determinism: the same graph and profile give the same list. Mentors are held in the
order of their ids, ties in score are broken by the smaller id, and nothing depends on
set or dict order or on hash seeds.

Examples
--------
>>> import networkx as nx
>>> G = nx.Graph()
>>> G.add_node("Person:n", label="Person", id="n", name="Amal", roles=["NEWCOMER"], consent={"matching": True})
>>> G.add_node("Person:m", label="Person", id="m", name="Samir", roles=["MENTOR"],
...            mentor_capacity=1, consent={"matching": True})
>>> G.add_node("Language:ara", label="Language", id="ara", name="Arabic")
>>> G.add_edge("Person:n", "Language:ara", type="SPEAKS", level="native", start="Person:n")
>>> G.add_edge("Person:m", "Language:ara", type="SPEAKS", level="native", start="Person:m")
>>> [s] = suggest(MatchingIndex.build(G), "n")
>>> s.mentor_id, round(s.score, 3), s.explanation
('m', 0.295, 'Both speak Arabic (Amal: native; Samir: native); Samir has 1 of 1 place free.')
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from graphsvc.analysis.eligibility import (
    Exclusions,
    NotEligible,
    _ended_with,
    available_mentors,
    check_newcomer,
    eligible_mentors,
    pair_reason,
)
from graphsvc.analysis.explain import explain
from graphsvc.analysis.factors import (
    CohortFactors,
    Newcomer,
    external_mentors,
    factor_values,
    newcomer_of,
    newcomers_of,
)
from graphsvc.analysis.facts import Facts, pair_facts
from graphsvc.analysis.features import MatchingIndex
from graphsvc.analysis.profile import FACTORS, ProgramProfile

#: Added to every explicit entry of :attr:`PairScores.scores`, so that an eligible pair
#: that scores 0 is still an entry of the sparse matrix (subtract it, or use :meth:`PairScores.score`).
SCORE_EPSILON = 1e-9

ExclusionsLike = Exclusions | Iterable[str | tuple[str, str]] | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested mentor: the score, each factor's contribution, the facts and a sentence."""

    mentor_id: str
    score: float
    contributions: Mapping[str, float]  # factor -> weight * value, in FACTORS order
    facts: Facts
    explanation: str


def _weights(profile: ProgramProfile) -> np.ndarray:
    return np.asarray([profile.weights[f] for f in FACTORS])


def _suggestion(index: MatchingIndex, nc: Newcomer, m: int, contrib: np.ndarray, profile: ProgramProfile) -> Suggestion:
    contributions = {f: float(c) for f, c in zip(FACTORS, contrib, strict=True)}
    facts = pair_facts(index, nc, m, profile)
    return Suggestion(index.mentor_ids[m], float(contrib.sum()), contributions, facts, explain(facts, contributions))


def _ranked(scores: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best of ``candidates`` (mentor positions) by score, ties by position (= id)."""
    if len(candidates) > k:
        threshold = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[scores[candidates] >= threshold]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]


def suggest(index: MatchingIndex, newcomer_id: str, profile: ProgramProfile | None = None, k: int | None = None,
            exclusions: ExclusionsLike = None) -> list[Suggestion]:
    """The top ``k`` mentors for a newcomer, best first.

    Parameters
    ----------
    index : MatchingIndex
        Built once from the projection (:meth:`MatchingIndex.build`).
    newcomer_id : str
        The newcomer's id (not the ``'Person:'`` key).
    profile : ProgramProfile, optional
        Weights and rules; the defaults if omitted.
    k : int, optional
        How many; ``profile.top_k`` if omitted.
    exclusions : iterable of str or (str, str), optional
        Mentor ids excluded for everyone, and (newcomer_id, mentor_id) pairs.

    Returns
    -------
    list of Suggestion
        At most ``k``, scores at least ``profile.min_score``, ties by mentor id.

    Raises
    ------
    NotFoundError
        No such person in the projection.
    NotEligible
        The person is not a newcomer or has not consented to matching (``reason``).
    """
    profile = profile or ProgramProfile()
    k = profile.top_k if k is None else k
    if k < 1:
        raise ValueError(f"k must be 1 or more, not {k}")
    nc = newcomer_of(index, newcomer_id)
    check_newcomer(nc)
    contrib = factor_values(index, nc, profile) * _weights(profile)[:, None]
    scores = contrib.sum(axis=0)
    ok = eligible_mentors(index, nc, profile, Exclusions.of(exclusions)) & (scores >= profile.min_score)
    top = _ranked(scores, np.flatnonzero(ok), k)
    return [_suggestion(index, nc, int(m), contrib[:, m], profile) for m in top]


def explain_pair(index: MatchingIndex, newcomer_id: str, mentor_id: str, profile: ProgramProfile | None = None,
                 exclusions: ExclusionsLike = None) -> Suggestion:
    """The :class:`Suggestion` of one pair (for a cohort matching's reasons), whatever its rank.

    Raises :class:`NotEligible` (``reason`` as in :func:`~graphsvc.analysis.eligibility.pair_reason`)
    if the pair fails a hard filter; ``profile.min_score`` does not apply here.
    """
    profile = profile or ProgramProfile()
    nc = newcomer_of(index, newcomer_id)
    check_newcomer(nc)
    reason = pair_reason(index, nc, mentor_id, profile, Exclusions.of(exclusions))
    if reason is not None:
        raise NotEligible(f"'{mentor_id}' may not be suggested to '{newcomer_id}': {reason}", reason=reason,
                          field="mentor_id", value=mentor_id)
    m = int(index.mentor_at[index.person_pos[mentor_id]])
    contrib = factor_values(index, nc, profile)[:, m] * _weights(profile)
    return _suggestion(index, nc, m, contrib, profile)


@dataclass(frozen=True, slots=True)
class PairScores:
    """Scores of newcomers (rows) against mentors (columns).

    ``scores`` holds an explicit entry exactly for each eligible pair scoring at least
    ``profile.min_score`` (and among a row's ``top`` best, if given); its value is the
    score plus :data:`SCORE_EPSILON`. Rows of newcomers who may not be matched are empty
    and their reasons are in ``not_eligible``. ``bridging`` has the same entries, true
    where the mentor's community (``profile.community_attribute``) is known and differs
    from the newcomer's; ``remaining`` is each column's free places (capacity minus
    active mentorships; 0 for a column that is not a mentor). These are the inputs of
    :func:`graphsvc.analysis.matching.match_cohort`.
    """

    scores: sp.csr_matrix
    newcomer_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]
    not_eligible: Mapping[str, str]
    bridging: sp.csr_matrix
    remaining: np.ndarray

    def score(self, newcomer_id: str, mentor_id: str) -> float | None:
        """The score of a pair, or ``None`` if it is not an entry (not eligible or filtered)."""
        i, j = self.newcomer_ids.index(newcomer_id), self.mentor_ids.index(mentor_id)
        lo, hi = self.scores.indptr[i], self.scores.indptr[i + 1]
        hit = np.flatnonzero(self.scores.indices[lo:hi] == j)
        return float(self.scores.data[lo + hit[0]] - SCORE_EPSILON) if len(hit) else None

    def true_scores(self) -> sp.csr_matrix:
        """``scores`` without :data:`SCORE_EPSILON`: the scores themselves, every eligible
        pair still an entry (a zero score stays an explicit zero)."""
        out = self.scores.copy()
        out.data = np.maximum(out.data - SCORE_EPSILON, 0.0)
        return out


def score_pairs(index: MatchingIndex, newcomer_ids: Sequence[str], profile: ProgramProfile | None = None,
                mentor_ids: Sequence[str] | None = None, exclusions: ExclusionsLike = None,
                top: int | None = None) -> PairScores:
    """Score newcomers against mentors into a sparse matrix (see :class:`PairScores`).

    ``mentor_ids`` chooses and orders the columns (default: every mentor of the index,
    by id); an id that is not a mentor of the index gets an empty column. ``top`` keeps
    only each row's best ``top`` entries (ties by column order). Unknown newcomer ids
    raise :class:`~graphsvc.errors.NotFoundError`. Contributions of one pair:
    :func:`explain_pair`.

    Newcomers are scored in blocks of rows against all mentors at once
    (:class:`~graphsvc.analysis.factors.CohortFactors`); the scores are the same floats
    as :func:`suggest`'s, one newcomer at a time.
    """
    profile = profile or ProgramProfile()
    excl = Exclusions.of(exclusions)
    columns = tuple(index.mentor_ids if mentor_ids is None else mentor_ids)
    if mentor_ids is None:
        col_m = np.arange(len(columns), dtype=np.int64)
    else:
        col_m = np.asarray([index.mentor_at[index.person_pos[c]] if c in index.person_pos else -1 for c in columns],
                           dtype=np.int64)
    known = col_m >= 0
    refused: dict[str, str] = {}
    rows: list[int] = []
    newcomers: list[Newcomer] = []
    for r, nc in enumerate(newcomers_of(index, newcomer_ids)):
        try:
            check_newcomer(nc)
        except NotEligible as exc:
            refused[nc.id] = exc.reason
            continue
        rows.append(r)
        newcomers.append(nc)
    shape = (len(newcomer_ids), len(columns))
    # the columns that any newcomer may get: a mentor of the index, consent, free places, not excluded for all
    base = available_mentors(index)
    for mentor in excl.mentors:
        pos = index.person_pos.get(mentor)
        if pos is not None and index.mentor_at[pos] >= 0:
            base[index.mentor_at[pos]] = False
    sel = np.flatnonzero(known)
    sel = sel[base[col_m[sel]]]
    sel_m = col_m[sel]
    blocked = _blocked(index, newcomers, profile, excl, sel_m)
    n_sel, kind = len(sel), np.int32 if len(columns) < 2**31 else np.int64
    counts = np.zeros(len(newcomer_ids), dtype=np.int64)
    # Without min_score and top, a row's entries are known in advance (the columns less the
    # blocked ones), so blocks write straight into the result; otherwise they are collected.
    known_counts = profile.min_score <= 0 and top is None
    if known_counts:
        row_counts = np.full(len(newcomers), n_sel, dtype=np.int64)
        for r, cols in blocked.items():
            row_counts[r] -= len(cols)
        counts[rows] = row_counts
    ptr = np.concatenate(([0], np.cumsum(counts)))
    total = int(ptr[-1]) if known_counts else 0
    data, indices, external = np.empty(total), np.empty(total, dtype=kind), np.empty(total, dtype=bool)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if newcomers and n_sel:
        factors = CohortFactors(index, newcomers, profile)
        ext_sel = factors.external[:, sel_m]
        step = max(16, min(1024, _BLOCK_ENTRIES // max(len(index.mentor_ids), 1)))
        sel_kind = sel.astype(kind)
        gather = mentor_ids is not None or n_sel != len(index.mentor_ids)

        local = threading.local()  # each thread's block buffer

        def block_entries(lo: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
            hi = min(lo + step, len(newcomers))
            if getattr(local, "buffer", None) is None:
                local.buffer = np.empty((step, len(index.mentor_ids)))
            score = factors.scores(lo, hi, local.buffer)
            block = score[:, sel_m] if gather else score
            keep = block >= profile.min_score if profile.min_score > 0 else None
            for b in range(hi - lo):
                if lo + b in blocked:
                    if keep is None:
                        keep = np.ones(block.shape, dtype=bool)
                    keep[b, blocked[lo + b]] = False
            if top is not None:
                keep = _top_mask(block, keep, top)
            ext = ext_sel[factors.community_row[lo:hi]]
            if not known_counts:
                if keep is None:
                    counts[rows[lo:hi]] = n_sel
                    return (block + SCORE_EPSILON).reshape(-1), np.tile(sel_kind, hi - lo), ext.reshape(-1)
                counts[rows[lo:hi]] = keep.sum(axis=1)
                return block[keep] + SCORE_EPSILON, np.broadcast_to(sel_kind, block.shape)[keep], ext[keep]
            start, end = ptr[rows[lo]], ptr[rows[hi - 1] + 1]
            if keep is None:
                np.add(block, SCORE_EPSILON, out=data[start:end].reshape(block.shape))
                indices[start:end].reshape(block.shape)[...] = sel_kind
                external[start:end] = ext.reshape(-1)
            else:
                np.add(block[keep], SCORE_EPSILON, out=data[start:end])
                indices[start:end] = np.broadcast_to(sel_kind, block.shape)[keep]
                external[start:end] = ext[keep]
            return None

        results = map_blocks(block_entries, range(0, len(newcomers), step))
        parts = [r for r in results if r is not None]
    if not known_counts:
        ptr = np.concatenate(([0], np.cumsum(counts)))
        if parts:
            data, indices, external = (np.concatenate([p[k] for p in parts]) for k in range(3))  # type: ignore[assignment]
    matrix = sp.csr_matrix((data, indices, ptr), shape=shape)
    bridging = sp.csr_matrix((external, indices.copy(), ptr.copy()), shape=shape)
    remaining = np.where(known, index.remaining[np.maximum(col_m, 0)], 0)
    return PairScores(matrix, tuple(newcomer_ids), columns, refused, bridging, remaining)


def _blocked(index: MatchingIndex, newcomers: Sequence[Newcomer], profile: ProgramProfile, excl: Exclusions,
             sel_m: np.ndarray) -> dict[int, np.ndarray]:
    """Newcomer (list position) -> the positions in ``sel_m`` (mentor positions) they may not
    get: themselves, an ended mentorship, a coordinator's exclusion of the pair."""
    where_m: dict[int, list[int]] = {}
    for k, m in enumerate(sel_m.tolist()):
        where_m.setdefault(m, []).append(k)
    by_newcomer: dict[str, set[str]] = {}
    for n, m in excl.pairs:
        by_newcomer.setdefault(n, set()).add(m)
    me = index.mentor_at[np.asarray([nc.pos for nc in newcomers], dtype=np.int64)].tolist()
    out = {}
    for r, nc in enumerate(newcomers):
        if me[r] < 0 and nc.pos not in index.ended and nc.id not in by_newcomer:
            continue
        mentors = {me[r]} if me[r] >= 0 else set()
        mentors.update(m for m, _ in _ended_with(index, nc, profile))
        for mentor in by_newcomer.get(nc.id, ()):
            pos = index.person_pos.get(mentor)
            if pos is not None and index.mentor_at[pos] >= 0:
                mentors.add(int(index.mentor_at[pos]))
        cols = sorted(k for m in mentors for k in where_m.get(m, ()))
        if cols:
            out[r] = np.asarray(cols, dtype=np.int64)
    return out


#: Scores computed at once: rows per block are this over the number of mentors (16 to 1024).
_BLOCK_ENTRIES = 1 << 16
#: Blocks per thread below which the blocks are scored in the calling thread alone.
_BLOCKS_PER_THREAD = 8
_T = TypeVar("_T")


def map_blocks(fn: Callable[[int], _T], starts: Sequence[int], threads: int | None = None) -> list[_T]:
    """``[fn(lo) for lo in starts]``, on up to ``threads`` threads (default: the CPUs this
    process may use) when there are enough blocks; each thread takes a contiguous run of
    blocks, in order, so that its sparse chunks are made once. NumPy releases the GIL in
    the array work that dominates a block, so the threads run side by side."""
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = max(1, min(threads, len(starts) // _BLOCKS_PER_THREAD))
    if threads == 1:
        return [fn(lo) for lo in starts]
    runs = [starts[k * len(starts) // threads:(k + 1) * len(starts) // threads] for k in range(threads)]
    with ThreadPoolExecutor(threads, thread_name_prefix="score-blocks") as pool:
        return [r for part in pool.map(lambda run: [fn(lo) for lo in run], runs) for r in part]


def _top_mask(block: np.ndarray, keep: np.ndarray | None, top: int) -> np.ndarray | None:
    """Each row's best ``top`` entries of ``keep`` (``None``: all) by score, ties by column."""
    if top < 1:  # as the per-newcomer version does: lexsort(...)[:top]
        ok = np.ones(block.shape, dtype=bool) if keep is None else keep
        for b in range(len(block)):
            cols = np.flatnonzero(ok[b])
            if len(cols) > top:
                ok[b, cols] = False
                ok[b, cols[np.lexsort((cols, -block[b, cols]))[:top]]] = True
        return ok
    n = block.shape[1]
    if top >= n:
        return keep
    masked = block if keep is None else np.where(keep, block, -np.inf)
    kth = np.partition(masked, n - top, axis=1)[:, n - top]  # each row's top-th largest
    out = masked >= kth[:, None]
    if keep is not None:
        few = keep.sum(axis=1) <= top  # rows with no more than top entries keep them all
        out &= keep
        out[few] = keep[few]
    # ties at the threshold may make a row longer than top: keep its first columns
    for b in np.flatnonzero(out.sum(axis=1) > top).tolist():
        cols = np.flatnonzero(out[b])
        out[b, cols] = False
        out[b, cols[np.lexsort((cols, -block[b, cols]))[:top]]] = True
    return out


def _score_pairs_reference(index: MatchingIndex, newcomer_ids: Sequence[str], profile: ProgramProfile | None = None,
                mentor_ids: Sequence[str] | None = None, exclusions: ExclusionsLike = None,
                top: int | None = None) -> PairScores:
    """:func:`score_pairs` one newcomer at a time with :func:`factor_values` (the
    definition that the batched version is tested against; slow for large cohorts)."""
    profile = profile or ProgramProfile()
    excl = Exclusions.of(exclusions)
    weights = _weights(profile)[:, None]
    columns = tuple(index.mentor_ids if mentor_ids is None else mentor_ids)
    if mentor_ids is None:
        col_m = np.arange(len(columns))
    else:
        col_m = np.asarray([index.mentor_at[index.person_pos[c]] if c in index.person_pos else -1 for c in columns],
                           dtype=np.int64)
    known = col_m >= 0
    indptr, indices, data, external = [0], [], [], []
    refused: dict[str, str] = {}
    for newcomer_id in newcomer_ids:
        nc = newcomer_of(index, newcomer_id)
        try:
            check_newcomer(nc)
        except NotEligible as exc:
            refused[newcomer_id] = exc.reason
            indptr.append(indptr[-1])
            continue
        scores = (factor_values(index, nc, profile) * weights).sum(axis=0)
        ok = eligible_mentors(index, nc, profile, excl) & (scores >= profile.min_score)
        cols = np.flatnonzero(known)
        cols = cols[ok[col_m[cols]]]
        col_scores = scores[col_m[cols]]
        if top is not None and len(cols) > top:
            order = np.lexsort((cols, -col_scores))[:top]
            cols, col_scores = cols[np.sort(order)], col_scores[np.sort(order)]
        indices.append(cols)
        data.append(col_scores + SCORE_EPSILON)
        external.append(external_mentors(index, nc, profile.community_attribute)[col_m[cols]])
        indptr.append(indptr[-1] + len(cols))
    shape = (len(newcomer_ids), len(columns))
    ptr = np.asarray(indptr, dtype=np.int64)
    idx = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    matrix = sp.csr_matrix((np.concatenate(data) if data else np.zeros(0), idx, ptr), shape=shape)
    bridging = sp.csr_matrix((np.concatenate(external) if external else np.zeros(0, bool), idx.copy(), ptr.copy()),
                             shape=shape)
    remaining = np.where(known, index.remaining[np.maximum(col_m, 0)], 0)
    return PairScores(matrix, tuple(newcomer_ids), columns, refused, bridging, remaining)
