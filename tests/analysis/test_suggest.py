"""Suggestions: hard filters, explanations, determinism, and pair scores for cohort matching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from graphsvc.analysis import (
    SCORE_EPSILON,
    MatchingIndex,
    NotEligible,
    ProgramProfile,
    explain_pair,
    score_pairs,
    suggest,
)
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
from tests.factories import knows, node, person, rel

ROOT = Path(__file__).resolve().parents[2]


def ids(G: nx.Graph, newcomer_id: str = "n", **kwargs: object) -> list[str]:
    return [s.mentor_id for s in suggest(MatchingIndex.build(G), newcomer_id, k=100, **kwargs)]  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- hard filters


@pytest.fixture
def filters_graph(tmp_path: Path) -> nx.Graph:
    conduct, conduct_rels = mentorship("ms-conduct", "ended_conduct", "n", "ended", "conduct")
    schedule, schedule_rels = mentorship("ms-schedule", "ended_schedule", "n", "ended", "schedule")
    full, full_rels = mentorship("ms-full", "full", "other", "active")
    done, done_rels = mentorship("ms-done", "has_room", "other", "completed", "goals_met")
    nodes = [
        newcomer("n", "Amal"), newcomer("other", "Other"),
        newcomer("refuses", "Refuses", consent={"matching": False}), person("resident", "Resident",
                                                                            consent={"matching": True}),
        mentor("ok", "Ok"), mentor("no_consent", "No consent", consent={"matching": False}),
        mentor("not_mentor", "Not a mentor", roles={"RESIDENT", "PROFESSIONAL"}),
        mentor("zero", "Zero", capacity=0), mentor("full", "Full", capacity=1),
        mentor("has_room", "Has room", capacity=1), mentor("ended_conduct", "Conduct"),
        mentor("ended_schedule", "Schedule"), mentor("excluded", "Excluded"), mentor("pair", "Pair"),
        conduct, schedule, full, done,
    ]
    return project(tmp_path, nodes, [*conduct_rels, *schedule_rels, *full_rels, *done_rels])


def test_every_hard_filter(filters_graph: nx.Graph) -> None:
    got = ids(filters_graph, exclusions=["excluded", ("n", "pair"), ("other", "ok")])
    assert got == ["ended_schedule", "has_room", "ok"]
    assert ids(filters_graph) == ["ended_schedule", "excluded", "has_room", "ok", "pair"]


def test_end_reasons_that_exclude_come_from_the_profile(filters_graph: nx.Graph) -> None:
    profile = ProgramProfile(excluded_end_reasons={"schedule"})
    assert ids(filters_graph, profile=profile) == ["ended_conduct", "excluded", "has_room", "ok", "pair"]


@pytest.mark.parametrize(("who", "reason"), [("refuses", "no_consent"), ("resident", "not_newcomer")])
def test_a_newcomer_who_may_not_be_matched_is_told_why(filters_graph: nx.Graph, who: str, reason: str) -> None:
    with pytest.raises(NotEligible) as info:
        suggest(MatchingIndex.build(filters_graph), who)
    assert info.value.reason == reason and info.value.field == "newcomer_id"
    assert info.value.to_dict()["reason"] == reason


def test_unknown_newcomer(filters_graph: nx.Graph) -> None:
    with pytest.raises(NotFoundError):
        suggest(MatchingIndex.build(filters_graph), "nobody")


@pytest.mark.parametrize(("mentor_id", "reason"), [
    ("no_consent", "no_consent"), ("not_mentor", "not_mentor"), ("zero", "no_capacity"), ("full", "no_capacity"),
    ("ended_conduct", "ended"), ("excluded", "excluded"), ("n", "not_mentor"), ("nobody", "not_mentor"),
])
def test_explain_pair_refuses_a_filtered_pair(filters_graph: nx.Graph, mentor_id: str, reason: str) -> None:
    with pytest.raises(NotEligible) as info:
        explain_pair(MatchingIndex.build(filters_graph), "n", mentor_id, exclusions=["excluded"])
    assert info.value.reason == reason


def test_k_and_min_score(filters_graph: nx.Graph) -> None:
    index = MatchingIndex.build(filters_graph)
    assert len(suggest(index, "n", k=2)) == 2
    assert len(suggest(index, "n", ProgramProfile(top_k=3))) == 3
    assert suggest(index, "n", ProgramProfile(min_score=0.9)) == []


# ----------------------------------------------------------------------------- explanations


@pytest.fixture
def amal_graph(tmp_path: Path) -> nx.Graph:
    nodes = [
        newcomer("amal", "Amal", goals={"employment"}, occupation={"isco08": "2221", "title": "Registered nurse"},
                 availability={"mon_morning", "wed_evening"}),
        mentor("samir", "Samir", occupation={"isco08": "2221", "title": "Registered nurse"},
               availability={"mon_morning", "wed_evening"}),
        mentor("ruth", "Ruth", occupation={"isco08": "2411", "title": "Accountant"}),
        person("lena", "Lena", consent={"intermediary": True}), person("omar", "Omar", consent={"intermediary": True}),
        person("zed", "Zed"),
        language("arz"), language("ara"), language("eng"),
        neighborhood("riverside", "Riverside", 44.30, -78.30), neighborhood("old-mill", "Old Mill", 44.30, -78.29),
        node("Interest", id="chess", name="Chess"),
        node("Organization", id="hospital", name="Port Alder General Hospital", kind="employer", sector="health"),
    ]
    rels = [
        speaks("amal", "arz"), speaks("amal", "eng", "basic"), speaks("samir", "ara", "fluent"), speaks("ruth", "eng"),
        rel("LIVES_IN", "amal", "old-mill"), rel("LIVES_IN", "samir", "riverside"),
        rel("ADJACENT_TO", "riverside", "old-mill"),
        rel("INTERESTED_IN", "amal", "chess"), rel("INTERESTED_IN", "samir", "chess"),
        rel("AFFILIATED_WITH", "samir", "hospital", end_label="Organization", props={"role": "works_at"}),
        knows("amal", "lena", 0.9), knows("amal", "omar", 0.7), knows("amal", "zed"),
        knows("samir", "lena", 0.8), knows("samir", "omar", 0.6), knows("samir", "zed"),
    ]
    return project(tmp_path, nodes, rels)


def test_the_explanation_names_the_facts(amal_graph: nx.Graph) -> None:
    [samir, ruth] = suggest(MatchingIndex.build(amal_graph), "amal")
    assert samir.mentor_id == "samir" and ruth.mentor_id == "ruth"
    text = samir.explanation
    assert "both speak Arabic (Amal: Egyptian Arabic, native; Samir: Arabic, fluent)" in text
    assert ("Samir works as a registered nurse (ISCO 2221), the same occupation as Amal (a registered nurse) "
            "and works at Port Alder General Hospital, and Amal wants to find work") in text
    assert "Samir lives next door in Riverside (adjacent to Amal's Old Mill)" in text
    assert "Amal and Samir share 3 acquaintances (Lena, Omar and 1 other)" in text
    assert "both are free on Monday morning and Wednesday evening" in text
    assert "Chess" in text
    assert text.startswith("Samir works as") and text.endswith(".")  # the largest contribution first
    assert " he " not in text and " she " not in text
    facts = samir.facts
    assert facts.occupation.relation == "unit" and facts.geography.relation == "adjacent"
    assert facts.languages[0].kind == "macrolanguage"
    assert facts.social.mutual_count == 3
    assert "both speak English (Amal: basic; Ruth: native)" in ruth.explanation  # a basic shared majority language, said as it is


def test_explain_pair_agrees_with_suggest(amal_graph: nx.Graph) -> None:
    index = MatchingIndex.build(amal_graph)
    for s in suggest(index, "amal"):
        assert explain_pair(index, "amal", s.mentor_id) == s


# ----------------------------------------------------------------------------- determinism


@pytest.fixture
def twins_graph(tmp_path: Path) -> nx.Graph:
    nodes = [newcomer("n", "Amal"), *(mentor(m, "Twin") for m in ["m3", "m1", "m2", "m10"]), language("ara")]
    return project(tmp_path, nodes, [speaks("n", "ara"), *(speaks(m, "ara") for m in ["m3", "m1", "m2", "m10"])])


def test_ties_are_broken_by_mentor_id(twins_graph: nx.Graph) -> None:
    assert ids(twins_graph) == ["m1", "m10", "m2", "m3"]
    assert [s.mentor_id for s in suggest(MatchingIndex.build(twins_graph), "n", k=2)] == ["m1", "m10"]


def test_same_graph_and_profile_same_suggestions(amal_graph: nx.Graph) -> None:
    a = suggest(MatchingIndex.build(amal_graph), "amal")
    b = suggest(MatchingIndex.build(nx.Graph(amal_graph)), "amal")
    assert a == b


_SCRIPT = """
import json, sys
import networkx as nx
from graphsvc.analysis import MatchingIndex, suggest
G = nx.node_link_graph(json.loads(sys.stdin.read()), edges="edges")
print(json.dumps([[s.mentor_id, s.score, s.explanation] for s in suggest(MatchingIndex.build(G), "amal", k=10)]))
"""


def test_no_dependence_on_hash_seeds(amal_graph: nx.Graph) -> None:
    data = json.dumps(nx.node_link_data(amal_graph, edges="edges"))
    outputs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-c", _SCRIPT], input=data, capture_output=True, text=True,
                              env=env, cwd=ROOT, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1


# ----------------------------------------------------------------------------- pair scores


def test_pair_scores_match_the_suggestions(filters_graph: nx.Graph) -> None:
    index = MatchingIndex.build(filters_graph)
    pairs = score_pairs(index, ["n", "other", "refuses"], exclusions=["excluded"])
    assert pairs.newcomer_ids == ("n", "other", "refuses") and pairs.mentor_ids == index.mentor_ids
    assert pairs.not_eligible == {"refuses": "no_consent"}
    row = pairs.scores.getrow(0)
    explicit = {pairs.mentor_ids[j] for j in row.indices}
    assert explicit == {"ended_schedule", "has_room", "ok", "pair"}
    assert np.all(row.data >= SCORE_EPSILON)  # every mentor scores 0 here, and is still an entry
    for s in suggest(index, "n", k=100, exclusions=["excluded"]):
        assert pairs.score("n", s.mentor_id) == pytest.approx(s.score, abs=1e-12)
    assert pairs.score("n", "excluded") is None
    assert pairs.scores.getrow(2).nnz == 0
    other = {pairs.mentor_ids[j] for j in pairs.scores.getrow(1).indices}
    assert "ended_conduct" in other and "full" not in other
    remaining = dict(zip(pairs.mentor_ids, pairs.remaining.tolist(), strict=True))
    assert remaining["full"] == 0 and remaining["has_room"] == 1 and remaining["ok"] == 2
    assert pairs.bridging.nnz == pairs.scores.nnz and not pairs.bridging.data.any()  # nobody's community is known


def test_pair_scores_columns_and_top(amal_graph: nx.Graph) -> None:
    index = MatchingIndex.build(amal_graph)
    pairs = score_pairs(index, ["amal"], mentor_ids=["ruth", "samir", "lena"], top=1)
    assert pairs.mentor_ids == ("ruth", "samir", "lena") and pairs.scores.shape == (1, 3)
    assert list(pairs.scores.getrow(0).indices) == [1]
    full = score_pairs(index, ["amal"])
    assert full.scores.nnz == 2
    assert {full.mentor_ids[j]: bool(b) for j, b in zip(full.bridging.indices, full.bridging.data, strict=True)} == \
        {"ruth": True, "samir": False}  # English vs Arabic as a first language
    assert full.score("amal", "samir") == pytest.approx(suggest(index, "amal")[0].score)
