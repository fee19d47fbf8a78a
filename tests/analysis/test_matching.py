"""Cohort matching: exactness against independent solvers, reasons, stability, determinism."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import maximum_bipartite_matching

from graphsvc.analysis import matching
from graphsvc.analysis.matching import MatchingResult, UnmatchedReason, match_cohort
from graphsvc.errors import InvalidInputError

# -- helpers ----------------------------------------------------------------------------------


def ids(prefix: str, k: int) -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(k)]


def run(scores: sp.csr_matrix, cap, waited, **kw) -> MatchingResult:
    n, m = scores.shape
    return match_cohort(scores, np.asarray(cap), np.asarray(waited), newcomer_ids=ids("n", n), mentor_ids=ids("m", m), **kw)


def assignment(res: MatchingResult) -> dict[int, int]:
    return {int(p.newcomer_id[1:]): int(p.mentor_id[1:]) for p in res.pairs}


def random_instance(rng: np.random.Generator, n: int, m: int, density: float, tiers: int, int_scores: bool = False):
    """A csr with explicit entries for the eligible pairs (about a tenth of them scoring exactly 0)."""
    mask = rng.random((n, m)) < density
    r, c = np.nonzero(mask)
    s = rng.integers(0, 10, len(r)).astype(float) if int_scores else np.round(rng.random(len(r)), 3)
    s[rng.random(len(r)) < 0.1] = 0.0
    scores = sp.csr_matrix((s, (r, c)), shape=(n, m))
    assert scores.nnz == len(r)  # explicit zeros kept
    cap = rng.integers(0, 3, m)
    waited = rng.integers(0, tiers, n) * 7
    return scores, cap, waited


def check_feasible(scores: sp.csr_matrix, cap, res: MatchingResult) -> None:
    a = assignment(res)
    eligible = set(zip(*[x.tolist() for x in scores.nonzero()], strict=True)) | {
        (i, int(j)) for i in range(scores.shape[0]) for j in scores.indices[scores.indptr[i]:scores.indptr[i + 1]]}
    assert all((i, j) in eligible for i, j in a.items())
    load = np.bincount(list(a.values()), minlength=len(cap))
    assert np.all(load <= cap)
    assert [(m.used, m.capacity) for m in res.mentor_load] == list(zip(load.tolist(), list(cap), strict=True))


# -- an independent exact solver: integer programs (HiGHS), the objectives one after the other ---


class Milp:
    """Lexicographic optimum by definition: max cardinality, then for each wait threshold
    (longest first) the most matched among those who waited at least that long, then score."""

    def __init__(self, scores: sp.csr_matrix, cap, waited) -> None:
        coo = scores.tocoo()
        self.r, self.c, self.s = coo.row, coo.col, coo.data
        n, m = scores.shape
        k = len(self.r)
        rows = sp.csr_matrix((np.ones(k), (self.r, np.arange(k))), shape=(n, k))
        cols = sp.csr_matrix((np.ones(k), (self.c, np.arange(k))), shape=(m, k))
        self.constraints = [LinearConstraint(rows, 0, 1), LinearConstraint(cols, 0, np.asarray(cap, float))]
        self.waited = np.asarray(waited)

    def _best(self, objective: np.ndarray) -> tuple[float, np.ndarray]:
        res = milp(-objective, integrality=np.ones(len(objective)), bounds=Bounds(0, 1),
                   constraints=self.constraints, options={"mip_rel_gap": 0})
        assert res.success, res.message
        return -res.fun, res.x

    def _fix(self, objective: np.ndarray, value: float) -> None:
        self.constraints.append(LinearConstraint(objective[None, :], value - 1e-6, value + 1e-6))

    def solve(self) -> tuple[int, dict[int, int], float]:
        if not len(self.r):
            return 0, {}, 0.0
        ones = np.ones(len(self.r))
        card, _ = self._best(ones)
        self._fix(ones, round(card))
        prefix = {}
        for d in sorted(set(self.waited.tolist()), reverse=True):
            obj = (self.waited[self.r] >= d).astype(float)
            prefix[d], _ = self._best(obj)
            prefix[d] = round(prefix[d])
            self._fix(obj, prefix[d])
        score, _ = self._best(self.s.astype(float))
        return round(card), prefix, score


def prefix_counts(res: MatchingResult, waited) -> dict[int, int]:
    got = np.asarray(waited)[sorted(assignment(res))]
    return {d: int(np.sum(got >= d)) for d in sorted(set(np.asarray(waited).tolist()), reverse=True)}


@pytest.fixture(params=["auto", "mirror", "dummies"])
def stage2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with each of stage 2's block forms (chosen by size; forced here)."""
    ratio = {"auto": matching._GADGET_RATIO, "mirror": -1.0, "dummies": np.inf}[request.param]
    monkeypatch.setattr(matching, "_GADGET_RATIO", ratio)
    return request.param


@pytest.mark.parametrize("seed", range(40))
def test_optimal_equals_the_integer_program(seed: int, stage2: str) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 14)), int(rng.integers(1, 6))
    scores, cap, waited = random_instance(rng, n, m, float(rng.uniform(0.2, 0.7)), int(rng.integers(1, 4)))
    res = run(scores, cap, waited)
    check_feasible(scores, cap, res)
    card, prefix, score = Milp(scores, cap, waited).solve()
    assert res.summary.matched == card
    if card:
        assert prefix_counts(res, waited) == prefix
    assert res.summary.total_score == pytest.approx(score, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_optimal_equals_the_integer_program_medium(seed: int, stage2: str) -> None:
    rng = np.random.default_rng(100 + seed)
    scores, cap, waited = random_instance(rng, 120, 30, 0.08, 4 if seed % 2 else 12)
    res = run(scores, cap, waited)
    check_feasible(scores, cap, res)
    card, prefix, score = Milp(scores, cap, waited).solve()
    assert res.summary.matched == card
    assert prefix_counts(res, waited) == prefix
    assert res.summary.total_score == pytest.approx(score, abs=1e-6)


def networkx_optimum(scores: sp.csr_matrix, cap, waited) -> tuple[int, int]:
    """max_weight_matching on the slot-expanded graph, the three objectives in one exact integer weight."""
    n = scores.shape[0]
    tiers = sorted(set(np.asarray(waited).tolist()))
    base = n + 1
    top = int(scores.data.max(initial=0)) * n + 1
    big = top * base ** len(tiers)
    G = nx.Graph()
    coo = scores.tocoo()
    for i, j, s in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
        tier = tiers.index(int(waited[i]))
        for k in range(int(cap[j])):
            G.add_edge(("n", i), ("m", j, k), weight=big + top * base ** tier + int(s))
    M = nx.max_weight_matching(G)
    total = sum(G.edges[e]["weight"] for e in M)
    return len(M), total


@pytest.mark.parametrize("seed", range(15))
def test_optimal_equals_networkx_on_slots(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    scores, cap, waited = random_instance(rng, int(rng.integers(2, 9)), int(rng.integers(1, 4)), 0.5, 3, int_scores=True)
    res = run(scores, cap, waited)
    size, total = networkx_optimum(scores, cap, waited)
    tiers = sorted(set(np.asarray(waited).tolist()))
    n = scores.shape[0]
    top = int(scores.data.max(initial=0)) * n + 1
    big = top * (n + 1) ** len(tiers)
    mine = sum(big + top * (n + 1) ** tiers.index(int(waited[i])) for i in assignment(res)) + round(res.summary.total_score)
    assert res.summary.matched == size
    assert mine == total


# -- properties and small cases by hand --------------------------------------------------------


def test_everyone_matched_when_a_perfect_matching_exists() -> None:
    rng = np.random.default_rng(7)
    n, m = 60, 40
    cap = rng.integers(1, 4, m)
    slots = np.repeat(np.arange(m), cap)
    assert len(slots) >= n
    planted = rng.permutation(slots)[:n]
    extra = rng.random((n, m)) < 0.1
    extra[np.arange(n), planted] = True
    r, c = np.nonzero(extra)
    scores = sp.csr_matrix((rng.random(len(r)), (r, c)), shape=(n, m))
    res = run(scores, cap, rng.integers(0, 50, n))
    assert res.summary.matched == n and not res.unmatched
    check_feasible(scores, cap, res)


def test_longer_wait_wins_the_last_slot_over_a_higher_score() -> None:
    scores = sp.csr_matrix(np.array([[0.9], [0.1]]))
    res = run(scores, [1], [3, 30])
    assert assignment(res) == {1: 0}
    assert res.unmatched[0].newcomer_id == "n000"
    assert res.unmatched[0].reason is UnmatchedReason.LOST_TO_LONGER_WAIT


def test_equal_wait_is_decided_by_score() -> None:
    scores = sp.csr_matrix(np.array([[0.9], [0.1]]))
    res = run(scores, [1], [30, 30])
    assert assignment(res) == {0: 0}
    assert res.unmatched[0].reason is UnmatchedReason.LOST_ON_SCORE


def test_cardinality_comes_before_priority_and_score() -> None:
    # n0 waited longest and could take either mentor; n1 and n2 have one mentor each.
    scores = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.2, 0.0, 0.0], [0.0, 0.3, 0.0]]))
    scores = sp.csr_matrix((scores.data[scores.data > 0], scores.indices[scores.data > 0], [0, 2, 3, 4]), shape=(3, 3))
    res = run(scores, [1, 1, 0], [100, 1, 1])
    assert res.summary.matched == 2
    assert 0 in assignment(res)


def test_explicit_zero_scores_are_eligible_and_missing_entries_are_not() -> None:
    # an explicit 0.0 at (0, 0); (0, 1) and (1, 0) absent; (1, 1) scores 0.5
    scores = sp.csr_matrix((np.array([0.0, 0.5]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2))
    assert scores.nnz == 2
    res = run(scores, [1, 5], [1, 1])
    assert assignment(res) == {0: 0, 1: 1}
    assert res.pairs[0].score == 0.0
    res = run(scores, [0, 5], [1, 1])
    assert assignment(res) == {1: 1}
    assert res.unmatched[0].reason is UnmatchedReason.MENTORS_AT_CAPACITY


def test_reasons_by_hand() -> None:
    rows = [[0.5, 0.5, 0.0], [], [0.0, 0.0, 0.7], [0.9, 0.0, 0.0], [0.0, 0.8, 0.0]]
    cols = [[0, 1], [], [2], [0], [1]]
    data = [v for row, cs in zip(rows, cols, strict=True) for v in np.asarray(row)[cs]]
    indptr = np.cumsum([0] + [len(c) for c in cols])
    scores = sp.csr_matrix((data, np.concatenate(cols).astype(int), indptr), shape=(5, 3))
    res = run(scores, [1, 1, 0], [50, 60, 70, 80, 50])
    reasons = {u.newcomer_id: u.reason for u in res.unmatched}
    assert reasons == {
        "n000": UnmatchedReason.LOST_ON_SCORE,  # n3 (80 days) takes mentor 0; n0 ties n4 on wait for mentor 1
        "n001": UnmatchedReason.NO_ELIGIBLE_MENTOR,
        "n002": UnmatchedReason.MENTORS_AT_CAPACITY,  # its only mentor has no room left
    }
    # n0 and n4 both waited 50 days and compete for mentor 1: n4 scores higher there.
    assert assignment(res) == {3: 0, 4: 1}
    assert res.summary.unmatched == {"no eligible mentor": 1, "eligible mentors all at capacity": 1,
                                     "lost to a newcomer who waited as long, on total score": 1}


def optimal_bases(scores: sp.csr_matrix, cap, waited) -> list[frozenset[int]]:
    """Every priority-optimal matched set, by enumerating subsets (independence by Hopcroft-Karp)."""
    n = scores.shape[0]
    slot_of = np.concatenate(([0], np.cumsum(cap)))
    edges = [(i, int(slot_of[j]) + k) for i in range(n) for j in scores.indices[scores.indptr[i]:scores.indptr[i + 1]]
             for k in range(int(cap[j]))]

    def independent(sub: tuple[int, ...]) -> bool:
        pos = {i: a for a, i in enumerate(sub)}
        e = [(pos[i], s) for i, s in edges if i in pos]
        if not e:
            return not sub
        g = sp.csr_matrix((np.ones(len(e)), tuple(zip(*e, strict=True))), shape=(len(sub), int(slot_of[-1])))
        return bool(np.all(maximum_bipartite_matching(g, perm_type="column") >= 0))

    sets = [frozenset(s) for k in range(n + 1) for s in itertools.combinations(range(n), k) if independent(s)]
    size = max(len(s) for s in sets)
    sets = [s for s in sets if len(s) == size]
    for d in sorted(set(np.asarray(waited).tolist()), reverse=True):
        best = max(sum(waited[i] >= d for i in s) for s in sets)
        sets = [s for s in sets if sum(waited[i] >= d for i in s) == best]
    return sets


@pytest.mark.parametrize("seed", range(25))
def test_lost_reasons_agree_with_enumeration(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    scores, cap, waited = random_instance(rng, int(rng.integers(3, 9)), int(rng.integers(1, 4)), 0.5, 3)
    res = run(scores, cap, waited)
    bases = optimal_bases(scores, cap, waited)
    assert frozenset(assignment(res)) in bases
    possible = frozenset().union(*bases)
    for u in res.unmatched:
        i = int(u.newcomer_id[1:])
        if u.reason in (UnmatchedReason.LOST_ON_SCORE, UnmatchedReason.LOST_TO_LONGER_WAIT):
            assert (u.reason is UnmatchedReason.LOST_ON_SCORE) == (i in possible)


def test_summary_and_bridging() -> None:
    scores = sp.csr_matrix(np.array([[0.9, 0.2], [0.4, 0.8], [0.3, 0.1]]))
    bridging = sp.csr_matrix(np.array([[True, False], [False, False], [False, True]]))
    res = run(scores, [1, 1], [5, 5, 1], bridging=bridging)
    assert assignment(res) == {0: 0, 1: 1}
    assert [p.bridging for p in res.pairs] == [True, False]
    s = res.summary
    assert (s.matched, s.bridging_share, s.slots_used, s.slots_total, s.mentors_full) == (2, 0.5, 2, 2, 2)
    assert s.total_score == pytest.approx(1.7)
    assert s.score == pytest.approx({"min": 0.8, "p25": 0.825, "median": 0.85, "p75": 0.875, "max": 0.9, "mean": 0.85})
    d = json.loads(json.dumps(res.to_dict()))
    assert d["unmatched"] == [{"newcomer_id": "n002", "reason": "lost to a newcomer who waited longer"}]
    assert d["summary"]["solver"].startswith("priority greedy")
    assert run(scores, [1, 1], [5, 5, 1], bridging=bridging.toarray()).pairs == res.pairs


def test_empty_cohort_and_no_capacity() -> None:
    res = run(sp.csr_matrix((0, 3)), [1, 1, 1], [])
    assert res.pairs == () and res.summary.score is None
    res = run(sp.csr_matrix(np.ones((2, 2))), [0, 0], [1, 2])
    assert {u.reason for u in res.unmatched} == {UnmatchedReason.MENTORS_AT_CAPACITY}


def test_same_input_same_output() -> None:
    rng = np.random.default_rng(11)
    scores, cap, waited = random_instance(rng, 300, 60, 0.1, 3)
    scores.data[:] = np.round(scores.data, 1)  # many ties
    a, b = run(scores, cap, waited).to_dict(), run(scores, cap, waited).to_dict()
    for d in (a, b):
        d["summary"].pop("seconds")
    assert a == b


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"scores": np.ones((2, 2))}, "scores"),
    ({"scores": sp.csr_matrix(-np.ones((2, 2)))}, "scores"),
    ({"scores": sp.csr_matrix(np.ones((3, 2)))}, "scores"),
    ({"capacity": np.array([1, -1])}, "capacity"),
    ({"capacity": np.array([1.5, 1])}, "capacity"),
    ({"waited_days": np.array([1.0, np.nan])}, "waited_days"),
    ({"mode": "greedy"}, "mode"),
    ({"newcomer_prefs": [[0], [1]]}, "mode"),
    ({"mode": "stable", "mentor_prefs": [[0, 0], [1]]}, "mentor_prefs"),
    ({"mode": "stable", "newcomer_prefs": [[0]]}, "newcomer_prefs"),
    ({"bridging": np.ones((1, 2), dtype=bool)}, "bridging"),
])
def test_invalid_input(kwargs: dict, field: str) -> None:
    args = {"scores": sp.csr_matrix(np.ones((2, 2))), "capacity": np.array([1, 1]), "waited_days": np.array([1, 2])}
    args.update(kwargs)
    with pytest.raises(InvalidInputError) as err:
        match_cohort(args.pop("scores"), args.pop("capacity"), args.pop("waited_days"),
                     newcomer_ids=["a", "b"], mentor_ids=["x", "y"], **args)
    assert err.value.field == field


def test_coo_input_keeps_explicit_zeros_and_refuses_duplicates() -> None:
    coo = sp.coo_matrix((np.array([0.0, 0.4]), (np.array([0, 1]), np.array([1, 0]))), shape=(2, 2))
    res = run(coo, [1, 1], [1, 1])
    assert assignment(res) == {0: 1, 1: 0}
    dup = sp.coo_matrix((np.array([0.5, 0.5]), (np.array([0, 0]), np.array([1, 1]))), shape=(2, 2))
    with pytest.raises(InvalidInputError):
        run(dup, [1, 1], [1, 1])


def test_duplicate_pairs_and_ids_are_rejected() -> None:
    dup = sp.csr_matrix((np.array([1.0, 2.0]), np.array([0, 0]), np.array([0, 2, 2])), shape=(2, 2))
    with pytest.raises(InvalidInputError):
        match_cohort(dup, [1, 1], [1, 2], newcomer_ids=["a", "b"], mentor_ids=["x", "y"])
    with pytest.raises(InvalidInputError):
        match_cohort(sp.csr_matrix(np.ones((2, 2))), [1, 1], [1, 2], newcomer_ids=["a", "a"], mentor_ids=["x", "y"])


# -- stable mode ------------------------------------------------------------------------------


def blocking_pairs(owner: dict[int, int], npref, mpref, cap) -> list[tuple[int, int]]:
    held: dict[int, list[int]] = {}
    for i, j in owner.items():
        held.setdefault(j, []).append(i)
    out = []
    for i, lst in enumerate(npref):
        for j in lst:
            if owner.get(i) == j:
                break  # i prefers its mentor to everyone after it
            if i not in mpref[j]:
                continue
            mine = held.get(j, [])
            if len(mine) < cap[j] or any(mpref[j].index(i) < mpref[j].index(x) for x in mine):
                out.append((i, j))
    return out


def stable_matchings(n: int, m: int, npref, mpref, cap) -> list[dict[int, int]]:
    acceptable = [[j for j in npref[i] if i in mpref[j]] for i in range(n)]
    found = []
    for choice in itertools.product(*[[None, *a] for a in acceptable]):
        owner = {i: j for i, j in enumerate(choice) if j is not None}
        if np.any(np.bincount(list(owner.values()), minlength=m) > cap):
            continue
        if not blocking_pairs(owner, npref, mpref, cap):
            found.append(owner)
    return found


def full_scores(n: int, m: int) -> sp.csr_matrix:
    return sp.csr_matrix(np.ones((n, m)))


def test_stable_gale_shapley_1962_example() -> None:
    # Gale & Shapley's 3x3 example: each side's first choices differ; three stable matchings.
    npref = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    mpref = [[1, 2, 0], [2, 0, 1], [0, 1, 2]]
    res = run(full_scores(3, 3), [1, 1, 1], [0, 0, 0], mode="stable", newcomer_prefs=npref, mentor_prefs=mpref)
    assert assignment(res) == {0: 0, 1: 1, 2: 2}  # newcomer-optimal: everyone gets a first choice
    assert len(stable_matchings(3, 3, npref, mpref, np.ones(3, int))) == 3
    assert res.summary.solver.startswith("newcomer-proposing")


def test_stable_hospitals_residents_with_capacity() -> None:
    # Two mentors of capacity 2 and 1; mentor 0 prefers n3 over everyone.
    npref = [[0, 1], [0, 1], [1, 0], [1, 0]]
    mpref = [[3, 0, 1, 2], [0, 1, 2, 3]]
    res = run(full_scores(4, 2), [2, 1], [0] * 4, mode="stable", newcomer_prefs=npref, mentor_prefs=mpref)
    # n0, n1 propose to 0 (held); n2, n3 propose to 1 -> keeps n2; n3 goes to 0, which drops n1;
    # n1 proposes to 1, which prefers n1 to n2; n2 proposes to 0, which prefers n0 and n3.
    assert assignment(res) == {0: 0, 3: 0, 1: 1}
    assert res.unmatched[0].reason is UnmatchedReason.REJECTED


@pytest.mark.parametrize("seed", range(40))
def test_stable_has_no_blocking_pair_and_is_newcomer_optimal(seed: int) -> None:
    rng = np.random.default_rng(400 + seed)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    eligible = rng.random((n, m)) < 0.8
    r, c = np.nonzero(eligible)
    scores = sp.csr_matrix((np.zeros(len(r)), (r, c)), shape=(n, m))
    cap = rng.integers(0, 3, m)
    npref = [[int(j) for j in rng.permutation(m) if rng.random() < 0.8] for _ in range(n)]
    mpref = [[int(i) for i in rng.permutation(n) if rng.random() < 0.8] for _ in range(m)]
    res = run(scores, cap, np.zeros(n), mode="stable", newcomer_prefs=npref, mentor_prefs=mpref)
    check_feasible(scores, cap, res)
    owner = assignment(res)
    # only eligible, capacitated pairs count as acceptable
    mpref_ok = [[i for i in mpref[j] if eligible[i, j] and cap[j] > 0] for j in range(m)]
    assert not blocking_pairs(owner, npref, mpref_ok, cap)
    for i, j in owner.items():
        assert j in npref[i] and i in mpref_ok[j]
    rank = [{j: k for k, j in enumerate(lst)} for lst in npref]
    for other in stable_matchings(n, m, npref, mpref_ok, cap):
        for i in range(n):  # newcomer-optimal: nobody does better in another stable matching
            assert (i in owner) >= (i in other)
            if i in other:
                assert rank[i][owner[i]] <= rank[i][other[i]]


def test_stable_prefs_from_scores_ties_by_id() -> None:
    scores = sp.csr_matrix(np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.3]]))
    res = run(scores, [1, 1], [0, 0, 0], mode="stable")
    # newcomer 0 is indifferent and takes the smaller id (m000); mentor 0 prefers n1 (0.9);
    # n0 then goes to m001, which prefers n0 (0.5) over n2 (0.3).
    assert assignment(res) == {1: 0, 0: 1}
    assert [u.reason for u in res.unmatched] == [UnmatchedReason.REJECTED]
    res = run(scores, [0, 1], [0, 0, 0], mode="stable")
    assert len(res.pairs) == 1


def test_stable_reasons() -> None:
    scores = sp.csr_matrix(np.ones((3, 1)))
    res = run(scores, [1], [0, 0, 0], mode="stable", newcomer_prefs=[[0], [0], []], mentor_prefs=[[1, 0]])
    assert assignment(res) == {1: 0}
    assert {u.newcomer_id: u.reason for u in res.unmatched} == {
        "n000": UnmatchedReason.REJECTED, "n002": UnmatchedReason.NOT_MUTUALLY_ACCEPTABLE}


def test_capacity_above_the_eligible_count() -> None:
    scores = sp.csr_matrix(np.array([[0.5, 0.1], [0.7, 0.2], [0.0, 0.9]]))
    res = run(scores, [5, 1], [1, 2, 3])
    assert assignment(res) == {0: 0, 1: 0, 2: 1}
    assert [(m.used, m.capacity) for m in res.mentor_load] == [(2, 5), (1, 1)]
    assert (res.summary.slots_used, res.summary.slots_total, res.summary.mentors_full) == (3, 6, 1)
