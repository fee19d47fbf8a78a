"""The scoring model: each factor on a small hand-checked graph, the profile, the bounds."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from graphsvc.analysis import (
    FACTORS,
    MatchingIndex,
    ProgramProfile,
    Suggestion,
    suggest,
)
from graphsvc.analysis.features import SLOTS
from graphsvc.analysis.goals import isco_relation
from graphsvc.analysis.languages import (
    MatchKind,
    fold,
    macrolanguage,
    match_kind,
    pair_value,
)
from graphsvc.model import EndReason
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


def ranked(G: nx.Graph, newcomer_id: str = "n", profile: ProgramProfile | None = None) -> dict[str, Suggestion]:
    """Every eligible mentor's suggestion, by mentor id."""
    return {s.mentor_id: s for s in suggest(MatchingIndex.build(G), newcomer_id, profile, k=100)}


def order(G: nx.Graph, profile: ProgramProfile | None = None) -> list[str]:
    return [s.mentor_id for s in suggest(MatchingIndex.build(G), "n", profile, k=100)]


# ----------------------------------------------------------------------------- profile


def test_default_weights_sum_to_one_and_are_documented() -> None:
    p = ProgramProfile()
    assert math.isclose(p.total_weight, 1.0)
    assert list(p.weights) == list(FACTORS)
    for factor in FACTORS:
        assert ProgramProfile.model_fields[factor].description


@pytest.mark.parametrize(("data", "field"), [
    ({"language": -0.1}, "language"),
    ({"bridging": float("nan")}, "bridging"),
    ({"top_k": 0}, "top_k"),
    ({"excluded_end_reasons": ["rude"]}, "excluded_end_reasons"),
    ({"community_attribute": "faith"}, "community_attribute"),
    ({"majority_language": "english"}, "majority_language"),
    ({"colour": "blue"}, "colour"),
])
def test_profile_validation_errors_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ProgramProfile.model_validate(data)
    assert info.value.errors()[0]["loc"][0] == field


def test_profile_round_trip_and_frozen() -> None:
    p = ProgramProfile(social=0.4, excluded_end_reasons={"conduct", "withdrew", "mismatch"},
                       community_attribute="origin_country", min_score=0.1, top_k=3)
    dumped = p.model_dump(mode="json")
    assert dumped["excluded_end_reasons"] == ["conduct", "mismatch", "withdrew"]
    assert ProgramProfile.model_validate(dumped) == p
    assert ProgramProfile.model_validate(p.model_dump()) == p
    assert EndReason.WITHDREW in p.excluded_end_reasons
    with pytest.raises(ValidationError):
        p.social = 1.0  # type: ignore[misc]


# ----------------------------------------------------------------------------- languages


def test_macrolanguages_come_from_iso_639_3() -> None:
    assert macrolanguage("arz") == macrolanguage("apc") == "ara"
    assert macrolanguage("prs") == "fas" and macrolanguage("cmn") == "zho"
    assert macrolanguage("eng") is None and macrolanguage("ara") is None
    assert fold("arz") == "ara" and fold("tir") == "tir"
    assert match_kind("arz", "ara") is MatchKind.MACROLANGUAGE
    assert match_kind("ara", "arz") is MatchKind.VARIETY
    assert match_kind("arz", "apc") is MatchKind.SIBLING
    assert match_kind("arz", "eng") is None
    assert pair_value("arz", "native", "ara", "basic") == pytest.approx(0.8 * 0.3)
    assert pair_value("eng", "basic", "eng", "native", "eng", 0.5) == pytest.approx(0.15)


def _language_graph(tmp_path: Path, newcomer_langs: dict[str, str]) -> nx.Graph:
    codes = ["ara", "arz", "apc", "eng"]
    people = [newcomer("n", "Amal"), *(mentor(f"m_{c}", f"Mentor {c}") for c in codes)]
    rels = [speaks("n", c, level) for c, level in newcomer_langs.items()]
    rels += [speaks(f"m_{c}", c, "fluent") for c in codes]
    return project(tmp_path, [*people, *map(language, codes)], rels)


def test_macrolanguage_matching_both_directions_weighted_by_proficiency(tmp_path: Path) -> None:
    G = _language_graph(tmp_path, {"arz": "native"})
    got = {m: s.contributions["language"] for m, s in ranked(G).items()}
    w = ProgramProfile().language
    assert got == pytest.approx({"m_arz": w * 0.9, "m_ara": w * 0.8 * 0.9, "m_apc": w * 0.5 * 0.9, "m_eng": 0.0})

    H = _language_graph(tmp_path / "other", {"ara": "conversational"})
    got = {m: s.contributions["language"] for m, s in ranked(H).items()}
    assert got == pytest.approx({"m_ara": w * 0.6 * 0.9, "m_arz": w * 0.6 * 0.6 * 0.9,
                                 "m_apc": w * 0.6 * 0.6 * 0.9, "m_eng": 0.0})


def test_majority_language_counts_less_than_a_home_language(tmp_path: Path) -> None:
    G = _language_graph(tmp_path, {"arz": "basic", "eng": "fluent"})
    got = {m: s.contributions["language"] / ProgramProfile().language for m, s in ranked(G).items()}
    assert got["m_eng"] == pytest.approx(0.5 * 0.9 * 0.9)
    assert got["m_arz"] == pytest.approx(0.3 * 0.9)
    full = ranked(G, profile=ProgramProfile(majority_language_credit=1.0))
    assert full["m_eng"].contributions["language"] == pytest.approx(0.25 * 0.81)
    assert ranked(G, profile=ProgramProfile(majority_language=None))["m_eng"].contributions["language"] == \
        pytest.approx(0.25 * 0.81)


# ----------------------------------------------------------------------------- goals


def test_isco_unit_beats_sub_major_beats_major(tmp_path: Path) -> None:
    codes = {"unit": "2221", "minor": "2222", "sub": "2211", "major": "2611", "none": "5120"}
    people = [newcomer("n", "Amal", goals={"employment"}, occupation={"isco08": "2221", "title": "Nurse"})]
    people += [mentor(k, k.title(), occupation={"isco08": c}) for k, c in codes.items()]
    got = {m: s.contributions["goals_occupation"] / 0.2 for m, s in ranked(project(tmp_path, people)).items()}
    assert got == pytest.approx({"unit": 1.0, "minor": 0.85, "sub": 0.7, "major": 0.4, "none": 0.0})
    assert isco_relation("2221", "22") == "sub_major"


def test_goals_against_occupation_education_and_affiliations(tmp_path: Path) -> None:
    nodes = [
        newcomer("n", "Amal", goals={"education", "health"}, education_level=4),
        mentor("nurse", "Samir", occupation={"isco08": "2221", "title": "Registered nurse"}),
        mentor("grad", "Lena", education_level=7),
        mentor("student", "Omar", education_level=4),
        mentor("lecturer", "Chen", occupation={"isco08": "2310"}, education_level=8),
        node("Organization", id="uni", name="University of Port Alder", kind="university"),
    ]
    rels = [rel("AFFILIATED_WITH", "student", "uni", end_label="Organization", props={"role": "studies_at"})]
    got = {m: s for m, s in ranked(project(tmp_path, nodes, rels)).items()}
    value = {m: s.contributions["goals_occupation"] / 0.2 for m, s in got.items()}
    assert value["nurse"] == pytest.approx(1.0)  # health professional, for a health goal
    assert value["grad"] == pytest.approx(0.5)  # education part only: ISCED 7 > 4
    assert value["student"] == pytest.approx(1 - (1 - 0.6) * (1 - 0.5 * 0.6))  # university + same level
    assert value["lecturer"] == pytest.approx(1 - 0 * 0.5)  # university teacher 231 -> 1.0
    assert got["nurse"].facts.occupation.goal == "health"
    assert got["student"].facts.occupation.affiliation == ("University of Port Alder", "studies_at", "university")


# ----------------------------------------------------------------------------- interests


def test_a_rare_shared_interest_outranks_a_common_one(tmp_path: Path) -> None:
    nodes = [newcomer("n", "Amal"), mentor("a", "Rare"), mentor("b", "Common"),
             node("Interest", id="falconry", name="Falconry"), node("Interest", id="cooking", name="Cooking"),
             *(person(f"x{i}") for i in range(8))]
    rels = [rel("INTERESTED_IN", "n", "falconry"), rel("INTERESTED_IN", "n", "cooking"),
            rel("INTERESTED_IN", "a", "falconry"), rel("INTERESTED_IN", "b", "cooking"),
            *(rel("INTERESTED_IN", f"x{i}", "cooking") for i in range(8))]
    got = ranked(project(tmp_path, nodes, rels))
    n_people = 11
    rare = math.log(n_people / 2) / math.log(n_people)
    common = math.log(n_people / 10) / math.log(n_people)
    assert got["a"].contributions["interests"] == pytest.approx(0.1 * rare)
    assert got["b"].contributions["interests"] == pytest.approx(0.1 * common)
    assert got["a"].score > got["b"].score
    assert [f.slug for f in got["a"].facts.interests] == ["falconry"]


# ----------------------------------------------------------------------------- geography


def test_same_beats_adjacent_beats_far(tmp_path: Path) -> None:
    nodes = [newcomer("n", "Amal"), mentor("same", "Same"), mentor("adj", "Adjacent"), mentor("far", "Far"),
             mentor("nowhere", "Nowhere"),
             neighborhood("h1", "Riverside", 44.30, -78.30), neighborhood("h2", "Old Mill", 44.30, -78.29),
             neighborhood("h3", "Lakeview", 44.40, -78.30)]
    rels = [rel("LIVES_IN", "n", "h1"), rel("LIVES_IN", "same", "h1"), rel("LIVES_IN", "adj", "h2"),
            rel("LIVES_IN", "far", "h3"), rel("ADJACENT_TO", "h1", "h2")]
    got = ranked(project(tmp_path, nodes, rels))
    value = {m: s.contributions["geography"] / 0.1 for m, s in got.items()}
    d = 0.10 * math.pi / 180 * 6371.0088  # 0.1 degrees of latitude, in km
    assert value == pytest.approx({"same": 1.0, "adj": 0.7, "far": 0.5 * math.exp(-d / 3.0), "nowhere": 0.0})
    assert got["far"].facts.geography.distance_km == pytest.approx(round(d, 1))
    assert got["adj"].facts.geography.relation == "adjacent"
    wider = ranked(project(tmp_path / "again", nodes, rels), profile=ProgramProfile(distance_scale_km=30))
    assert wider["far"].contributions["geography"] == pytest.approx(0.1 * 0.5 * math.exp(-d / 30))


# ----------------------------------------------------------------------------- social


def test_mutual_acquaintances_raise_the_score(tmp_path: Path) -> None:
    nodes = [newcomer("n", "Amal"), mentor("a", "Warm"), mentor("b", "Cold"), mentor("c", "Friend"),
             person("w1", "Lena", consent={"intermediary": True}), person("w2", "Omar")]
    rels = [knows("n", "w1", 1.0), knows("n", "w2", 1.0), knows("a", "w1", 1.0), knows("a", "w2", 1.0),
            knows("n", "c", 0.8)]
    got = ranked(project(tmp_path, nodes, rels))
    assert got["a"].contributions["social"] == pytest.approx(0.15 * (1 - math.exp(-2 / math.log(2))))
    assert got["b"].contributions["social"] == 0.0
    assert got["c"].contributions["social"] == pytest.approx(0.15 * (1 - math.exp(-0.8)))
    assert got["a"].score > got["b"].score
    facts = got["a"].facts.social
    assert facts.mutual_count == 2 and facts.mutual_names == ("Lena",)  # Omar gave no consent to be named
    assert got["c"].facts.social.direct


# ----------------------------------------------------------------------------- bridging


def _bridging_graph(tmp_path: Path) -> nx.Graph:
    nodes = [newcomer("n", "Amal", consent={"matching": True, "sensitive_purposes": {"matching"}},
                      sensitive={"origin_country": "EG"}),
             mentor("x", "Inside", consent={"matching": True, "sensitive_purposes": {"matching"}},
                    sensitive={"origin_country": "SY"}),
             mentor("y", "Outside", sensitive={"origin_country": "CA"}),  # no consent: origin unknown
             person("f1", "Friend 1"), person("f2", "Friend 2"), *map(language, ["arz", "apc", "eng", "ara"])]
    rels = [speaks("n", "arz"), speaks("n", "eng", "fluent"), speaks("x", "apc"), speaks("y", "eng"),
            speaks("f1", "arz"), speaks("f2", "ara"), knows("n", "f1"), knows("n", "f2")]
    return project(tmp_path, nodes, rels)


def test_bridging_weight_changes_the_ranking_predictably(tmp_path: Path) -> None:
    G = _bridging_graph(tmp_path)
    low, high = ProgramProfile(bridging=0.0), ProgramProfile(bridging=1.0)
    assert order(G, low) == ["x", "y"]  # Levantine vs English: 0.5 vs 0.45 of the language weight
    assert order(G, high) == ["y", "x"]
    got = ranked(G, profile=high)
    assert got["y"].contributions["bridging"] == pytest.approx(1.0)  # all of Amal's ties are Arabic-speaking
    assert got["x"].contributions["bridging"] == 0.0
    facts = got["y"].facts.bridging
    assert (facts.newcomer_community, facts.mentor_community, facts.external) == ("ara", "eng", True)
    assert (facts.ei_before, facts.ei_after) == (-1.0, pytest.approx(-1 / 3))


def test_bridging_by_origin_country_uses_only_consented_origins(tmp_path: Path) -> None:
    G = _bridging_graph(tmp_path)
    got = ranked(G, profile=ProgramProfile(bridging=1.0, community_attribute="origin_country"))
    assert got["x"].contributions["bridging"] == pytest.approx(1.0)  # SY is not EG; Amal knows no one of known origin
    assert got["y"].contributions["bridging"] == 0.0  # y's origin is not in a matching projection
    assert "Syria" not in got["x"].explanation and "SY" not in got["x"].explanation


# ----------------------------------------------------------------------------- availability


def test_availability_overlap_and_remaining_capacity(tmp_path: Path) -> None:
    ms, ms_rels = mentorship("ms1", "b", "other", "active")
    nodes = [newcomer("n", "Amal", availability={"mon_morning", "tue_morning"}),
             mentor("a", "Both", availability={"mon_morning", "tue_morning", "sun_evening"}),
             mentor("b", "One", availability={"mon_morning"}), mentor("c", "None"),
             newcomer("other", "Other"), ms]
    got = ranked(project(tmp_path, nodes, ms_rels))
    value = {m: s.contributions["availability_capacity"] / 0.15 for m, s in got.items()}
    assert value == pytest.approx({"a": 0.7 + 0.3, "b": 0.7 * 0.5 + 0.3 * 0.5, "c": 0.3})
    assert got["a"].facts.availability.shared_slots == ("mon_morning", "tue_morning")
    assert got["b"].facts.availability.remaining == 1


# ----------------------------------------------------------------------------- weights and bounds


def _rich_graph(tmp_path: Path) -> nx.Graph:
    nodes = [newcomer("n", "Amal", goals={"employment"}, occupation={"isco08": "2221"},
                      availability={"mon_morning"}),
             mentor("a", "Samir", occupation={"isco08": "2221"}, availability={"mon_morning"}),
             mentor("b", "Lena", occupation={"isco08": "2211"}),
             person("w", "Omar"), language("ara"), node("Interest", id="chess", name="Chess"),
             neighborhood("h1", "Riverside", 44.3, -78.3)]
    rels = [speaks("n", "ara"), speaks("a", "ara", "fluent"), speaks("b", "ara", "basic"),
            rel("INTERESTED_IN", "n", "chess"), rel("INTERESTED_IN", "b", "chess"),
            rel("LIVES_IN", "n", "h1"), rel("LIVES_IN", "a", "h1"), knows("n", "w"), knows("w", "a"), knows("w", "b")]
    return project(tmp_path, nodes, rels)


@pytest.mark.parametrize("factor", FACTORS)
def test_changing_one_weight_changes_exactly_that_contribution(tmp_path: Path, factor: str) -> None:
    G = _rich_graph(tmp_path)
    base = ranked(G)
    doubled = ranked(G, profile=ProgramProfile(**{factor: 2 * ProgramProfile().weights[factor]}))
    for m, s in base.items():
        t = doubled[m]
        for f in FACTORS:
            expected = 2 * s.contributions[f] if f == factor else s.contributions[f]
            assert t.contributions[f] == pytest.approx(expected)
        assert t.score == pytest.approx(s.score + s.contributions[factor])


_LANGS = ["ara", "arz", "apc", "eng", "fas", "prs"]
_LEVELS = ["native", "fluent", "conversational", "basic"]


@st.composite
def small_projections(draw: st.DrawFn) -> nx.Graph:
    """Random graphs in the projection's shape (built directly: quicker than a store per example)."""
    G = nx.Graph()
    n_people = draw(st.integers(2, 9))
    for code in _LANGS:
        G.add_node(f"Language:{code}", label="Language", id=code)
    for i in range(3):
        G.add_node(f"Interest:i{i}", label="Interest", id=f"i{i}", name=f"Interest {i}")
        G.add_node(f"Neighborhood:h{i}", label="Neighborhood", id=f"h{i}", name=f"Hood {i}",
                   geometry={"type": "Polygon", "coordinates": [[[i * 0.02, 0], [i * 0.02 + 0.01, 0],
                                                                  [i * 0.02, 0.01], [i * 0.02, 0]]]})
    G.add_edge("Neighborhood:h0", "Neighborhood:h1", type="ADJACENT_TO")
    for i in range(n_people):
        key = f"Person:p{i}"
        G.add_node(key, label="Person", id=f"p{i}", name=f"P{i}",
                   roles=["NEWCOMER"] if i == 0 else draw(st.sampled_from([["MENTOR"], ["RESIDENT"]])),
                   goals=draw(st.lists(st.sampled_from(["employment", "education", "health", "social"]), max_size=2)),
                   occupation={"isco08": draw(st.sampled_from(["2221", "2211", "22", "5120", "2310"]))},
                   education_level=draw(st.integers(0, 8)), mentor_capacity=draw(st.integers(0, 3)),
                   availability=draw(st.lists(st.sampled_from(SLOTS[:5]), max_size=3, unique=True)),
                   consent={"matching": True, "intermediary": draw(st.booleans())})
        for code in draw(st.lists(st.sampled_from(_LANGS), max_size=3, unique=True)):
            G.add_edge(key, f"Language:{code}", type="SPEAKS", level=draw(st.sampled_from(_LEVELS)), start=key)
        for k in draw(st.lists(st.integers(0, 2), max_size=2, unique=True)):
            G.add_edge(key, f"Interest:i{k}", type="INTERESTED_IN", start=key)
        hood = draw(st.integers(-1, 2))
        if hood >= 0:
            G.add_edge(key, f"Neighborhood:h{hood}", type="LIVES_IN", start=key)
    for _ in range(draw(st.integers(0, 12))):
        a, b = draw(st.integers(0, n_people - 1)), draw(st.integers(0, n_people - 1))
        if a != b:
            G.add_edge(f"Person:p{a}", f"Person:p{b}", type="KNOWS", trust=draw(st.floats(0, 1)))
    return G


weights = st.floats(0.0, 5.0, allow_nan=False)


@given(G=small_projections(), w=st.fixed_dictionaries({f: weights for f in FACTORS}),
       attribute=st.sampled_from(["native_language", "origin_country"]))
def test_contributions_sum_to_the_score_and_stay_within_their_weight(
        G: nx.Graph, w: dict[str, float], attribute: str) -> None:
    profile = ProgramProfile(**w, community_attribute=attribute)
    for s in suggest(MatchingIndex.build(G), "p0", profile, k=20):
        assert math.isclose(sum(s.contributions.values()), s.score, rel_tol=1e-12, abs_tol=1e-12)
        for f, c in s.contributions.items():
            assert 0.0 <= c <= w[f]
        assert s.explanation.endswith(".")
