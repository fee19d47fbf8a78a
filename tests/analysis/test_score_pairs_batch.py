"""The batched ``score_pairs`` against the per-newcomer definition (``_score_pairs_reference``).

Random projections (:func:`bench.cohort.synthetic_graph`, with its edge cases: people who
are newcomer and mentor, no consent, no role, capacity 0, active and ended mentorships of
every reason, neighborhoods without geometry, people without languages) and one projected
from a real SQLite store; several profiles, exclusions, column choices and ``top``. The
two must give the same entries, the same scores to 1e-12 (in fact the same floats), the
same bridging and the same ``not_eligible``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from bench.cohort import synthetic_graph
from graphsvc.analysis import (
    MatchingIndex,
    PairScores,
    ProgramProfile,
    score_pairs,
    suggest,
)
from graphsvc.analysis.factors import newcomer_of, newcomers_of
from graphsvc.analysis.suggest import _score_pairs_reference
from graphsvc.errors import NotFoundError
from tests.analysis import (
    language,
    mentor,
    mentorship,
    neighborhood,
    newcomer,
    project,
    speaks,
)
from tests.factories import knows, node, rel

suggest_module = importlib.import_module("graphsvc.analysis.suggest")
factors_module = importlib.import_module("graphsvc.analysis.factors")


def assert_same(got: PairScores, want: PairScores) -> None:
    assert got.newcomer_ids == want.newcomer_ids and got.mentor_ids == want.mentor_ids
    assert got.not_eligible == want.not_eligible
    assert got.scores.shape == want.scores.shape
    np.testing.assert_array_equal(got.scores.indptr, want.scores.indptr)
    np.testing.assert_array_equal(got.scores.indices, want.scores.indices)
    np.testing.assert_allclose(got.scores.data, want.scores.data, rtol=0, atol=1e-12)
    assert np.array_equal(got.scores.data, want.scores.data)  # the same floats, in fact
    np.testing.assert_array_equal(got.bridging.indptr, want.bridging.indptr)
    np.testing.assert_array_equal(got.bridging.indices, want.bridging.indices)
    np.testing.assert_array_equal(got.bridging.data, want.bridging.data)
    np.testing.assert_array_equal(got.remaining, want.remaining)


@pytest.fixture(scope="module")
def random_index() -> MatchingIndex:
    return MatchingIndex.build(synthetic_graph(260, 90, seed=7, knows=8.0, hoods=30, interests=25, edge_cases=True))


def everyone(index: MatchingIndex) -> list[str]:
    """Every person as a newcomer candidate: newcomers, mentors (not_newcomer), both."""
    return list(index.person_ids)


PROFILES: list[dict[str, Any]] = [
    {},
    {"bridging": 1.0},
    {"community_attribute": "origin_country", "bridging": 0.7},
    {"min_score": 0.25},
    {"min_score": 0.4, "language": 2.0, "social": 3.0, "majority_language": None},
    {"excluded_end_reasons": ["conduct", "mismatch", "schedule", "withdrew", "other", "goals_met", "moved_away"]},
    {"excluded_end_reasons": [], "distance_scale_km": 0.5, "majority_language_credit": 0.0},
    {"language": 0.0, "goals_occupation": 1.0, "interests": 0.0, "geography": 0.0, "social": 0.0, "bridging": 0.0,
     "availability_capacity": 0.0},
]


@pytest.mark.parametrize("data", PROFILES, ids=[str(i) for i in range(len(PROFILES))])
def test_profiles(random_index: MatchingIndex, data: dict[str, Any]) -> None:
    profile = ProgramProfile.model_validate(data)
    ids = everyone(random_index)
    assert_same(score_pairs(random_index, ids, profile), _score_pairs_reference(random_index, ids, profile))


@pytest.mark.parametrize("top", [1, 3, 50, 1000, 0])
def test_top(random_index: MatchingIndex, top: int) -> None:
    ids = everyone(random_index)
    for profile in (ProgramProfile(), ProgramProfile(min_score=0.2)):
        assert_same(score_pairs(random_index, ids, profile, top=top),
                    _score_pairs_reference(random_index, ids, profile, top=top))


def test_top_breaks_ties_by_column(tmp_path: Path) -> None:
    """Mentors who score the same: the first columns win, in the caller's column order."""
    nodes = [newcomer("n", "N"), *(mentor(f"m{i}", f"M{i}") for i in range(6))]
    index = MatchingIndex.build(project(tmp_path, nodes))
    for columns in (None, ["m5", "m2", "m0", "m3"]):
        got = score_pairs(index, ["n"], mentor_ids=columns, top=2)
        assert_same(got, _score_pairs_reference(index, ["n"], mentor_ids=columns, top=2))
        assert list(got.scores.indices) == [0, 1]


def test_exclusions_and_columns(random_index: MatchingIndex) -> None:
    ids = everyone(random_index)
    mentors = random_index.mentor_ids
    newcomers = [i for i in ids if i.startswith("n")]
    exclusions: list[str | tuple[str, str]] = [mentors[0], mentors[5], "nobody",
                                               *((newcomers[k], mentors[k % len(mentors)]) for k in range(0, 60, 3)),
                                               (newcomers[1], "nobody"), ("nobody", mentors[2])]
    columns = [mentors[7], "unknown-id", mentors[3], mentors[0], newcomers[0], mentors[7], *mentors[20:40]]
    for kwargs in ({"exclusions": exclusions}, {"mentor_ids": columns}, {"mentor_ids": columns, "exclusions": exclusions},
                   {"mentor_ids": [], "exclusions": exclusions}, {"mentor_ids": columns, "top": 2},
                   {"exclusions": [tuple(p) for p in exclusions if not isinstance(p, str)], "top": 4}):
        for profile in (ProgramProfile(), ProgramProfile(min_score=0.3, community_attribute="origin_country")):
            assert_same(score_pairs(random_index, ids, profile, **kwargs),  # type: ignore[arg-type]
                        _score_pairs_reference(random_index, ids, profile, **kwargs))  # type: ignore[arg-type]


def test_newcomer_lists(random_index: MatchingIndex) -> None:
    ids = everyone(random_index)
    rng = np.random.default_rng(3)
    picked = [ids[i] for i in rng.choice(len(ids), 80)]  # duplicates and an unordered list
    for newcomer_ids in (picked, [], picked[:1], [i for i in ids if i.startswith("m")]):
        assert_same(score_pairs(random_index, newcomer_ids), _score_pairs_reference(random_index, newcomer_ids))
    with pytest.raises(NotFoundError) as got:
        score_pairs(random_index, [*ids[:3], "nobody", "nobody-else"])
    with pytest.raises(NotFoundError) as want:
        _score_pairs_reference(random_index, [*ids[:3], "nobody", "nobody-else"])
    assert got.value.to_dict() == want.value.to_dict()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seeds(seed: int) -> None:
    G = synthetic_graph(120, 60, seed=seed, knows=float(seed * 4), hoods=9 * seed, interests=10 * seed,
                        edge_cases=seed != 2)
    index = MatchingIndex.build(G)
    ids = everyone(index)
    profile = ProgramProfile(bridging=0.3 * seed, community_attribute="origin_country" if seed == 3 else "native_language")
    assert_same(score_pairs(index, ids, profile), _score_pairs_reference(index, ids, profile))


def test_agrees_with_suggest(random_index: MatchingIndex) -> None:
    pairs = score_pairs(random_index, everyone(random_index))
    for newcomer_id in [i for i in everyone(random_index) if i.startswith("n")][:40]:
        if newcomer_id in pairs.not_eligible:
            continue
        for s in suggest(random_index, newcomer_id, k=100):
            assert pairs.score(newcomer_id, s.mentor_id) == s.score


def test_newcomers_of_equals_newcomer_of(random_index: MatchingIndex) -> None:
    ids = everyone(random_index)
    assert newcomers_of(random_index, ids) == [newcomer_of(random_index, i) for i in ids]
    with pytest.raises(NotFoundError, match="nobody"):
        newcomers_of(random_index, ["nobody"])


def test_odd_goals_and_occupations() -> None:
    """Goals that are not goals, unhashable goal lists, short and long ISCO codes, no mentors."""
    G = synthetic_graph(40, 20, seed=5, edge_cases=True)
    people = [k for k, a in G.nodes(data=True) if a.get("label") == "Person"]
    for i, key in enumerate(people):
        attrs = G.nodes[key]
        if i % 5 == 0:
            attrs["goals"] = ["employment", "flying", "business"]
        if i % 7 == 0:
            attrs["occupation"] = {"isco08": ["2", "22", "222", "2221", "1"][i % 5]}
        if i % 11 == 0:
            attrs.pop("occupation", None)
            attrs["goals"] = ["employment", "education"]
    index = MatchingIndex.build(G)
    ids = everyone(index)
    assert_same(score_pairs(index, ids), _score_pairs_reference(index, ids))
    assert newcomers_of(index, ids) == [newcomer_of(index, i) for i in ids]
    empty = MatchingIndex.build(nx.Graph(G.subgraph([k for k in G if not k.startswith("Person:m")])))
    ids = everyone(empty)
    assert_same(score_pairs(empty, ids), _score_pairs_reference(empty, ids))


def test_through_a_real_store(tmp_path: Path) -> None:
    """A projection of a real SQLite store: macrolanguages, neighborhoods, KNOWS, mentorships."""
    ms, ms_rels = mentorship("ms1", "m1", "n1", "ended", "mismatch")
    active, active_rels = mentorship("ms2", "m2", "n2", "active")
    nodes = [
        newcomer("n1", "Amal", goals={"employment", "language"}, occupation={"isco08": "2221"},
                 availability={"mon_morning", "tue_evening"}, education_level=5),
        newcomer("n2", "Bo", goals={"education"}, education_level=3, availability={"mon_morning"}),
        newcomer("n3", "Cy"),
        mentor("m1", "Samir", occupation={"isco08": "2211"}, availability={"mon_morning", "tue_evening"}),
        mentor("m2", "Ruth", capacity=3, education_level=7, occupation={"isco08": "2310"}),
        mentor("m3", "Lena", capacity=1, occupation={"isco08": "2221"}),
        language("ara"), language("arz"), language("apc"), language("eng"),
        neighborhood("h1", "North", 52.5, 13.4), neighborhood("h2", "South", 52.49, 13.4),
        node("Interest", id="chess", name="chess"), node("Interest", id="football", name="football"),
        ms, active,
    ]
    rels = [
        speaks("n1", "arz"), speaks("n1", "eng", "basic"), speaks("m1", "ara"), speaks("m1", "eng", "fluent"),
        speaks("n2", "eng"), speaks("m2", "eng"), speaks("m3", "apc"), speaks("n3", "ara", "fluent"),
        rel("LIVES_IN", "n1", "h1"), rel("LIVES_IN", "m1", "h1"), rel("LIVES_IN", "m2", "h2"),
        rel("LIVES_IN", "n2", "h2"), rel("ADJACENT_TO", "h1", "h2"),
        rel("INTERESTED_IN", "n1", "chess"), rel("INTERESTED_IN", "m3", "chess"),
        rel("INTERESTED_IN", "n2", "football"), rel("INTERESTED_IN", "m2", "football"),
        knows("n1", "n2", 0.9), knows("n2", "m2", 0.8), knows("n1", "m3", 0.4), knows("n3", "n1", 0.2),
        *ms_rels, *active_rels,
    ]
    index = MatchingIndex.build(project(tmp_path, nodes, rels))
    ids = ["n1", "n2", "n3", "m1"]
    for profile in (ProgramProfile(), ProgramProfile(bridging=1.0, community_attribute="origin_country"),
                    ProgramProfile(min_score=0.1), ProgramProfile(excluded_end_reasons=[])):
        for top in (None, 1):
            assert_same(score_pairs(index, ids, profile, top=top), _score_pairs_reference(index, ids, profile, top=top))


@pytest.mark.parametrize("chunk", [1, 23, 64, 10_000])
def test_many_blocks_and_chunks(random_index: MatchingIndex, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Blocks of 16 rows, sparse products in chunks that blocks straddle (23 is no multiple of 16)."""
    monkeypatch.setattr(suggest_module, "_BLOCK_ENTRIES", 1)
    monkeypatch.setattr(factors_module, "SPARSE_CHUNK", chunk)
    ids = everyone(random_index)
    for profile, kwargs in ((ProgramProfile(), {}), (ProgramProfile(min_score=0.3), {"top": 5}),
                            (ProgramProfile(bridging=1.0), {"exclusions": [random_index.mentor_ids[1]]})):
        assert_same(score_pairs(random_index, ids, profile, **kwargs),  # type: ignore[arg-type]
                    _score_pairs_reference(random_index, ids, profile, **kwargs))  # type: ignore[arg-type]



@pytest.mark.parametrize("kwargs", [{}, {"top": 3}, {"profile": ProgramProfile(min_score=0.3)}],
                         ids=["all", "top", "min_score"])
def test_blocks_on_threads(random_index: MatchingIndex, monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any]) -> None:
    """Small blocks and sparse chunks, scored on three threads: the same pairs as one newcomer at a time."""
    ids = everyone(random_index)
    monkeypatch.setattr(suggest_module, "_BLOCK_ENTRIES", 16 * len(random_index.mentor_ids))  # 16 rows a block
    monkeypatch.setattr(suggest_module, "_BLOCKS_PER_THREAD", 1)
    monkeypatch.setattr(factors_module, "SPARSE_CHUNK", 40)  # chunks that blocks and threads cut across
    calls: list[int] = []
    threaded = suggest_module.map_blocks

    def on_three(fn: Any, starts: Any, threads: int | None = None) -> Any:
        calls.append(len(starts))
        return threaded(fn, starts, threads=3)

    monkeypatch.setattr(suggest_module, "map_blocks", on_three)
    assert_same(score_pairs(random_index, ids, **kwargs), _score_pairs_reference(random_index, ids, **kwargs))
    assert calls and calls[0] >= 3 * 4  # several blocks for each thread


def test_map_blocks_keeps_order() -> None:
    starts = list(range(0, 400, 7))
    assert suggest_module.map_blocks(lambda lo: lo * 2, starts, threads=3) == [lo * 2 for lo in starts]
    assert suggest_module.map_blocks(lambda lo: lo, starts[:5], threads=3) == starts[:5]  # too few blocks: one thread
