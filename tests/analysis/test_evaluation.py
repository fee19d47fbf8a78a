"""Evaluation helpers: ranking metrics by hand, the baselines on a tiny projection, fairness
quartiles, and the baselines against the demo community's planted matches."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graphsvc.analysis.evaluation import (
    evaluate,
    fairness,
    jaccard_ranker,
    mean,
    median_gap,
    ndcg_at_k,
    precision_at_k,
    random_ranker,
    recall_at_k,
)
from graphsvc.store import ProjectionSpec, open_store
from loaders.demo import generate
from loaders.pipeline import load
from tests.analysis import mentor, newcomer, project
from tests.factories import knows, node, rel

LOG3 = math.log2(3)  # the discount of the second place: DCG = 1 + 1/log2(3) + 1/log2(4) + ...


# ---------------------------------------------------------------------------- metrics


@pytest.mark.parametrize(("ranked", "relevant", "k", "precision", "recall", "ndcg"), [
    (["a", "b", "c", "d", "e"], {"a", "c"}, 5, 2 / 5, 1.0, (1 + 1 / 2) / (1 + 1 / LOG3)),
    (["a", "b", "c", "d", "e"], {"a", "c"}, 1, 1.0, 1 / 2, 1.0),
    (["b", "a"], {"a"}, 2, 1 / 2, 1.0, 1 / LOG3),
    (["x", "a", "b"], {"a", "b"}, 3, 2 / 3, 1.0, (1 / LOG3 + 1 / 2) / (1 + 1 / LOG3)),
    (["x", "a", "b"], {"a", "b", "c"}, 2, 1 / 2, 1 / 3, (1 / LOG3) / (1 + 1 / LOG3)),
    (["a", "x", "b"], {"a", "b", "c"}, 3, 2 / 3, 2 / 3, (1 + 1 / 2) / (1 + 1 / LOG3 + 1 / 2)),
    # more relevant than k: the ideal ranking fills only k places
    (["a", "b"], {"a", "b", "c", "d"}, 2, 1.0, 1 / 2, 1.0),
    # fewer results than k: the empty places are misses for precision, not for NDCG
    (["a"], {"a"}, 5, 1 / 5, 1.0, 1.0),
    (["x", "a"], {"a", "b"}, 5, 1 / 5, 1 / 2, (1 / LOG3) / (1 + 1 / LOG3)),
    ([], {"a"}, 3, 0.0, 0.0, 0.0),
    # nothing relevant found, or nothing relevant at all
    (["x", "y"], {"a"}, 2, 0.0, 0.0, 0.0),
    (["x", "y"], set(), 2, 0.0, 0.0, 0.0),
    # a mentor listed twice counts once
    (["a", "a"], {"a"}, 2, 1 / 2, 1.0, 1.0),
])
def test_metrics_by_hand(ranked: list[str], relevant: set[str], k: int, precision: float, recall: float,
                         ndcg: float) -> None:
    assert precision_at_k(ranked, relevant, k) == pytest.approx(precision)
    assert recall_at_k(ranked, relevant, k) == pytest.approx(recall)
    assert ndcg_at_k(ranked, relevant, k) == pytest.approx(ndcg)


def test_metric_values_in_numbers() -> None:
    assert ndcg_at_k(["x", "a", "b"], {"a", "b"}, 3) == pytest.approx(0.693426, abs=1e-6)
    assert ndcg_at_k(["a", "x", "b"], {"a", "b", "c"}, 3) == pytest.approx(0.703918, abs=1e-6)


@pytest.mark.parametrize("metric", [precision_at_k, recall_at_k, ndcg_at_k])
def test_k_must_be_positive(metric: Any) -> None:
    with pytest.raises(ValueError, match="k must be"):
        metric(["a"], {"a"}, 0)


def test_mean() -> None:
    assert mean([1.0, 0.0, 0.5]) == 0.5
    assert mean(x / 4 for x in range(4)) == 0.375
    assert math.isnan(mean([]))


def test_evaluate_averages_over_newcomers_with_truth() -> None:
    truth = {"n1": {"m1"}, "n2": {"m2", "m3"}, "n3": set()}
    calls: list[str] = []

    def perfect(n: str) -> list[str]:
        calls.append(n)
        return {"n1": ["m1", "m2"], "n2": ["m2", "m3"]}[n]

    rankers = {"perfect": perfect, "reversed": lambda n: {"n1": ["m2", "m1"], "n2": ["m1", "m3", "m2"]}[n]}
    results = evaluate(rankers, truth, k=2)
    assert calls == ["n1", "n2"]  # once each, sorted, and not for a newcomer without truth
    assert results["perfect"] == {"precision@2": 0.75, "recall@2": 1.0, "ndcg@2": 1.0, "n": 2}
    worse = results["reversed"]
    assert worse["n"] == 2
    assert worse["precision@2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert worse["recall@2"] == pytest.approx((1 + 1 / 2) / 2)
    assert worse["ndcg@2"] == pytest.approx((1 / LOG3 + (1 / LOG3) / (1 + 1 / LOG3)) / 2)
    empty = evaluate(rankers, {"n3": set()}, k=2)["perfect"]
    assert empty["n"] == 0 and math.isnan(empty["precision@2"])
    with pytest.raises(ValueError):
        evaluate(rankers, truth, k=0)


# ---------------------------------------------------------------------------- baselines


INTERESTS = {  # Jaccard with n's {chess, music}
    "n": ("chess", "music"),
    "a": ("music", "dance"),  # 1/3
    "b": ("chess", "music"),  # 1
    "c": ("yoga",),  # 0
    "e": ("chess", "music", "dance", "yoga"),  # 2/4
    "f": ("music",),  # 1/2, ties with e: by id
    "d": ("chess", "music"),  # 1, but not an eligible mentor
    "q": (),  # a newcomer without interests
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> nx.Graph:
    people = [newcomer("n", "Nadia"), newcomer("q", "Quentin"), newcomer("d", "Dara")]
    people += [mentor(m, m.upper()) for m in ("a", "b", "c", "e", "f")]
    interests = sorted({i for names in INTERESTS.values() for i in names})
    nodes = [*people, *(node("Interest", id=i, name=i.title(), category="hobby") for i in interests)]
    rels = [rel("INTERESTED_IN", p, i) for p, names in INTERESTS.items() for i in names]
    rels += [knows("n", "a"), knows("n", "c")]  # other edges are not interests
    return project(tmp_path_factory.mktemp("tiny"), nodes, rels)


ELIGIBLE = ["a", "b", "c", "e", "f", "g"]  # g is not in the projection


def test_tiny_projection_has_the_expected_shape(tiny: nx.Graph) -> None:
    assert tiny.nodes["Person:a"]["roles"] == ["MENTOR"]
    assert tiny.nodes["Person:a"]["consent"]["matching"] is True
    assert tiny.edges["Person:n", "Interest:chess"]["type"] == "INTERESTED_IN"


def test_jaccard_ranker_by_hand(tiny: nx.Graph) -> None:
    rank = jaccard_ranker(tiny, ELIGIBLE)
    assert rank("n") == ["b", "e", "f", "a", "c"]
    assert rank("q") == ["a", "b", "c", "e", "f"]  # nothing shared: by id
    assert rank("nobody") == ["a", "b", "c", "e", "f"]
    assert rank("b") == ["e", "f", "a", "c"]  # b as the newcomer: never ranked itself
    assert jaccard_ranker(tiny, ["d", "a"])("n") == ["d", "a"]


def test_random_ranker_is_a_deterministic_permutation(tiny: nx.Graph) -> None:
    rank = random_ranker(tiny, ELIGIBLE, seed=3)
    first = rank("n")
    assert sorted(first) == ["a", "b", "c", "e", "f"]
    assert rank("q") and rank("n") == first  # the order of calls does not matter
    assert random_ranker(tiny, list(reversed(ELIGIBLE)), seed=3)("n") == first
    assert sorted(rank("a")) == ["b", "c", "e", "f"]  # never the newcomer themselves
    orders = {tuple(random_ranker(tiny, ELIGIBLE, seed=s)("n")) for s in range(20)}
    assert len(orders) > 5


def test_evaluate_baselines_on_the_tiny_graph(tiny: nx.Graph) -> None:
    rankers = {"jaccard": jaccard_ranker(tiny, ELIGIBLE), "random": random_ranker(tiny, ELIGIBLE, seed=1)}
    results = evaluate(rankers, {"n": {"b"}}, k=1)
    assert results["jaccard"] == {"precision@1": 1.0, "recall@1": 1.0, "ndcg@1": 1.0, "n": 1}
    assert results["random"]["n"] == 1


# ---------------------------------------------------------------------------- fairness


def test_fairness_medians_and_quartiles() -> None:
    groups = {"a": "x", "b": "x", "c": "x", "d": "x", "e": "y", "f": "z"}
    scores = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 10.0, "g": 5.0}  # f has no score, g no group
    stats = fairness(groups, scores)
    assert list(stats) == ["x", "y"]
    assert stats["x"] == {"n": 4, "median": 2.5, "p25": 1.75, "p75": 3.25}
    assert stats["y"] == {"n": 1, "median": 10.0, "p25": 10.0, "p75": 10.0}
    assert fairness({"a": "x", "b": "x", "c": "x"}, {"a": 3.0, "b": 1.0, "c": 2.0})["x"]["median"] == 2.0
    assert median_gap(stats) == 7.5
    assert median_gap(stats, min_n=2) == 0.0
    assert math.isnan(median_gap({}))
    assert fairness({}, scores) == {}


# ---------------------------------------------------------------------------- the demo's planted matches


def test_baselines_on_planted_matches(tmp_path: Path) -> None:
    """Shared interests alone find planted mentors (whose rarest interests were copied)
    far better than chance: the planted truth carries signal, and the metrics see it."""
    answers: list[dict[str, Any]] = []
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    try:
        report = load(store, generate(800, seed=5, plant=0.5, answers=answers.append))
        assert not report.errors
        G = store.project(ProjectionSpec(purpose="matching"))
    finally:
        store.close()
    people = {attrs["id"]: attrs for _, attrs in G.nodes(data=True) if attrs["label"] == "Person"}
    eligible = [p for p, a in people.items()
                if "MENTOR" in a["roles"] and a["consent"]["matching"] and a.get("mentor_capacity", 0) >= 1]
    truth: dict[str, set[str]] = {}
    for a in answers:
        truth.setdefault(a["newcomer"], set()).add(a["mentor"])
    assert truth and all(m in eligible for ms in truth.values() for m in ms)
    results = evaluate({"random": random_ranker(G, eligible, seed=0), "jaccard": jaccard_ranker(G, eligible)},
                       truth, k=10)
    assert results["jaccard"]["n"] == results["random"]["n"] == len(truth)
    assert results["jaccard"]["recall@10"] > 2 * results["random"]["recall@10"], results
