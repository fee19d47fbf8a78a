"""Evaluating mentor rankings against known good matches, and how scores spread over groups.

Pure functions, nothing read or written: a *ranker* maps a newcomer's id to mentor ids,
best first; the *truth* maps newcomers to the mentors known to be good for them (the
pairs planted by the demo generator, :func:`loaders.demo.generate` with ``plant``, or
mentorships that went well). :func:`evaluate` compares rankers on the same newcomers with
precision, recall and NDCG at ``k``. Two baselines, built from a projection
(:meth:`graphsvc.store.base.Store.project`), show what a scoring model must beat:
:func:`random_ranker` and :func:`jaccard_ranker` (shared interests alone). The eligible
mentors are handed in, so that every ranker sees the same hard filters.

:func:`fairness` summarizes match scores per group of newcomers (community of origin,
language): quartiles per group, and :func:`median_gap` the distance between the best-
and the worst-served group's median.

Conventions: relevance is binary; a ranking shorter than ``k`` counts its missing places
as misses (precision divides by ``k``); a mentor listed twice counts once; a newcomer
with no relevant mentor has recall and NDCG 0 and is left out of :func:`evaluate`.

Examples
--------
>>> precision_at_k(["a", "b", "c"], {"a", "c", "z"}, 2)
0.5
>>> round(ndcg_at_k(["b", "a"], {"a"}, 2), 4)
0.6309

References
----------
.. [1] Järvelin, K., Kekäläinen, J. (2002). Cumulated gain-based evaluation of IR
   techniques. ACM Transactions on Information Systems 20(4), 422-446.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from graphsvc.model.nodes import Label
from graphsvc.model.relationships import RelType

__all__ = [
    "Ranker", "evaluate", "fairness", "jaccard_ranker", "mean", "median_gap", "ndcg_at_k", "precision_at_k",
    "random_ranker", "recall_at_k",
]

#: newcomer id -> mentor ids, best first
Ranker = Callable[[str], Sequence[str]]


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be 1 or more (not {k})")


def _hits(ranked: Sequence[str], relevant: Collection[str], k: int) -> list[bool]:
    """Whether each of the first ``k`` places holds a relevant mentor not listed before."""
    seen: set[str] = set()
    hits = []
    for mentor in ranked[:k]:
        hits.append(mentor in relevant and mentor not in seen)
        seen.add(mentor)
    return hits


def precision_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """The share of the first ``k`` places that hold a relevant mentor.

    Parameters
    ----------
    ranked : mentor ids, best first; fewer than ``k`` leave places empty, which count as misses
    relevant : the mentors known to be good
    k : the number of places looked at, 1 or more

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> precision_at_k(["a", "b"], {"a"}, 4)
    0.25
    """
    _check_k(k)
    return sum(_hits(ranked, relevant, k)) / k


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """The share of the relevant mentors found in the first ``k`` places; 0 if there are none.

    Examples
    --------
    >>> recall_at_k(["a", "b", "c"], {"c", "d"}, 3)
    0.5
    """
    _check_k(k)
    if not relevant:
        return 0.0
    return sum(_hits(ranked, relevant, k)) / len(relevant)


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Normalized discounted cumulative gain with binary relevance [1]_.

    ``DCG = sum(1 / log2(i + 1))`` over the places ``i = 1..k`` holding a relevant
    mentor, divided by the DCG of an ideal ranking, which has its ``min(k, |relevant|)``
    first places relevant. 0 if there is no relevant mentor.

    Examples
    --------
    >>> ndcg_at_k(["a", "b"], {"a"}, 2)
    1.0
    >>> round(ndcg_at_k(["x", "a", "b"], {"a", "b"}, 3), 4)
    0.6934
    """
    _check_k(k)
    if not relevant:
        return 0.0
    dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(_hits(ranked, relevant, k)) if hit)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def mean(values: Iterable[float]) -> float:
    """The arithmetic mean; NaN for no values.

    >>> mean([1.0, 0.0, 0.5])
    0.5
    """
    items = list(values)
    return math.fsum(items) / len(items) if items else math.nan


def evaluate(rankers: Mapping[str, Ranker], truth: Mapping[str, Collection[str]],
             k: int = 5) -> dict[str, dict[str, float]]:
    """Each ranker's precision, recall and NDCG at ``k``, averaged over the newcomers.

    Parameters
    ----------
    rankers : name -> ranker, each called once per newcomer
    truth : newcomer id -> the mentors known to be good for them; newcomers with none
        are left out
    k : the number of places looked at

    Returns
    -------
    dict
        name -> ``{"precision@k": ..., "recall@k": ..., "ndcg@k": ..., "n": ...}`` with
        ``k`` the number (``"precision@5"``), ``n`` the newcomers averaged over (NaN
        averages when it is 0).

    Examples
    --------
    >>> truth = {"n1": {"m1"}, "n2": {"m2"}}
    >>> evaluate({"fixed": lambda n: ["m1", "m2"]}, truth, k=1)["fixed"]
    {'precision@1': 0.5, 'recall@1': 0.5, 'ndcg@1': 0.5, 'n': 2}
    """
    _check_k(k)
    newcomers = [n for n in sorted(truth) if truth[n]]
    results: dict[str, dict[str, Any]] = {}
    for name, rank in rankers.items():
        rows = [(precision_at_k(ranked, truth[n], k), recall_at_k(ranked, truth[n], k), ndcg_at_k(ranked, truth[n], k))
                for n in newcomers for ranked in (rank(n),)]
        results[name] = {f"precision@{k}": mean(r[0] for r in rows), f"recall@{k}": mean(r[1] for r in rows),
                         f"ndcg@{k}": mean(r[2] for r in rows), "n": len(rows)}
    return results


# ----------------------------------------------------------------------------- baselines


def _key(person: str) -> str:
    """A person's node in a projection (as :func:`graphsvc.store.types.node_key` makes it)."""
    return f"{Label.PERSON}:{person}"


def _present(G: nx.Graph, eligible_mentors: Iterable[str]) -> list[str]:
    """The eligible mentors that are people of the projection, by id."""
    return sorted({m for m in eligible_mentors if _key(m) in G})


def random_ranker(G: nx.Graph, eligible_mentors: Iterable[str], seed: int) -> Ranker:
    """A ranker listing the eligible mentors in random order.

    The order depends only on ``seed`` and the newcomer (not on the order of calls, nor
    on string hashing): the same newcomer gets the same list every time.

    Parameters
    ----------
    G : a projection with people as ``'Person:<id>'``; mentors not in it are left out
    eligible_mentors : ids of the mentors who pass the hard filters
    seed : of the order

    Examples
    --------
    >>> G = nx.Graph([("Person:m1", "Person:m2"), ("Person:m3", "Person:n")])
    >>> rank = random_ranker(G, ["m1", "m2", "m3"], seed=1)
    >>> sorted(rank("n")) == ["m1", "m2", "m3"] and rank("n") == rank("n")
    True
    """
    mentors = _present(G, eligible_mentors)

    def rank(newcomer: str) -> list[str]:
        order = [m for m in mentors if m != newcomer]
        random.Random(f"random-ranker:{seed}:{newcomer}").shuffle(order)  # str seeds hash with sha512
        return order

    return rank


def _interests(G: nx.Graph, person: str) -> frozenset[str]:
    u = _key(person)
    if u not in G:
        return frozenset()
    return frozenset(v for v, attrs in G.adj[u].items() if attrs.get("type") == RelType.INTERESTED_IN)


def jaccard_ranker(G: nx.Graph, eligible_mentors: Iterable[str]) -> Ranker:
    """A ranker by shared interests alone: the Jaccard index of the newcomer's and the
    mentor's interests (``INTERESTED_IN`` edges), highest first, ties by mentor id.

    Mentors sharing nothing come last, by id; a newcomer without interests gets every
    mentor by id.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edges_from([("Person:n", "Interest:chess"), ("Person:n", "Interest:music"),
    ...                   ("Person:a", "Interest:music"), ("Person:a", "Interest:dance"),
    ...                   ("Person:b", "Interest:chess"), ("Person:b", "Interest:music"),
    ...                   ("Person:c", "Interest:yoga")], type="INTERESTED_IN")
    >>> jaccard_ranker(G, ["a", "b", "c"])("n")
    ['b', 'a', 'c']
    """
    mentors = _present(G, eligible_mentors)
    sets = {m: _interests(G, m) for m in mentors}
    having: dict[str, list[str]] = {}  # interest -> mentors, so a newcomer costs only the shared ones
    for m in mentors:
        for interest in sets[m]:
            having.setdefault(interest, []).append(m)

    def rank(newcomer: str) -> list[str]:
        mine = _interests(G, newcomer)
        shared: dict[str, int] = {}
        for interest in mine:
            for m in having.get(interest, ()):
                shared[m] = shared.get(m, 0) + 1
        shared.pop(newcomer, None)
        scored = sorted(shared, key=lambda m: (-shared[m] / (len(mine) + len(sets[m]) - shared[m]), m))
        return scored + [m for m in mentors if m not in shared and m != newcomer]

    return rank


# ----------------------------------------------------------------------------- fairness


def fairness(groups: Mapping[str, str], scores: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Match scores per group: how many, the median and the quartiles.

    Parameters
    ----------
    groups : newcomer id -> group (community of origin, language, ...)
    scores : newcomer id -> match score (the best suggestion's, say); newcomers without
        a group or without a score are left out

    Returns
    -------
    dict
        group -> ``{"n", "median", "p25", "p75"}``, groups in sorted order; quartiles
        interpolate linearly between scores (as :func:`numpy.percentile` does).

    Examples
    --------
    >>> fairness({"a": "x", "b": "x", "c": "y"}, {"a": 0.25, "b": 0.75, "c": 1.0})
    {'x': {'n': 2, 'median': 0.5, 'p25': 0.375, 'p75': 0.625}, 'y': {'n': 1, 'median': 1.0, 'p25': 1.0, 'p75': 1.0}}
    """
    by_group: dict[str, list[float]] = {}
    for newcomer in sorted(groups.keys() & scores.keys()):
        by_group.setdefault(groups[newcomer], []).append(float(scores[newcomer]))
    stats: dict[str, dict[str, float]] = {}
    for group in sorted(by_group):
        p25, median, p75 = (float(q) for q in np.percentile(by_group[group], [25, 50, 75]))
        stats[group] = {"n": len(by_group[group]), "median": median, "p25": p25, "p75": p75}
    return stats


def median_gap(stats: Mapping[str, Mapping[str, float]], min_n: int = 1) -> float:
    """The highest group median minus the lowest, over the groups of :func:`fairness`
    with at least ``min_n`` newcomers (a tiny group's median says little); NaN if none.

    >>> stats = {"x": {"n": 2, "median": 0.5}, "y": {"n": 1, "median": 1.0}}
    >>> median_gap(stats), median_gap(stats, min_n=2)
    (0.5, 0.0)
    """
    medians = [s["median"] for s in stats.values() if s["n"] >= min_n]
    return max(medians) - min(medians) if medians else math.nan
