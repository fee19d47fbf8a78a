"""Matching use cases on each store: profile, suggestions, proposals, accepting, ending, rematching."""

from __future__ import annotations

from datetime import date

import pytest

from graphsvc.analysis import NotEligible
from graphsvc.errors import ConflictError, InvalidInputError
from graphsvc.model import EndReason, Label, MentorshipStatus, RelType
from graphsvc.services import matching as svc
from graphsvc.store import Store
from tests.factories import knows, node, person, rel

TODAY = date(2026, 11, 27)


def community(store: Store) -> None:
    yes = {"matching": True, "directory": True}
    store.bulk_upsert(
        [
            node("Language", id="arz"), node("Language", id="ara"), node("Language", id="eng"),
            node("Neighborhood", id="riverside", name="Riverside"), node("Neighborhood", id="hilltop", name="Hilltop"),
            person("amal", "Amal", roles={"NEWCOMER"}, goals={"employment"}, occupation={"isco08": "2221"}, consent=yes),
            person("bilal", "Bilal", roles={"NEWCOMER"}, goals={"employment"}, consent=yes),
            person("carla", "Carla", roles={"NEWCOMER"}, consent={"matching": False}),
            person("samir", "Samir", roles={"MENTOR"}, mentor_capacity=1, occupation={"isco08": "2221"}, consent=yes),
            person("lena", "Lena", roles={"MENTOR"}, mentor_capacity=2, consent=yes),
            person("omar", "Omar", roles={"MENTOR"}, mentor_capacity=3, consent={"matching": False}),
        ],
        [
            rel("SPEAKS", "amal", "arz", props={"level": "native"}), rel("SPEAKS", "samir", "ara", props={"level": "fluent"}),
            rel("SPEAKS", "bilal", "eng", props={"level": "basic"}), rel("SPEAKS", "lena", "eng", props={"level": "native"}),
            rel("LIVES_IN", "amal", "riverside"), rel("LIVES_IN", "samir", "riverside"), rel("ADJACENT_TO", "riverside", "hilltop"),
            knows("amal", "lena", 0.6), knows("samir", "lena", 0.8),
        ],
    )


def test_suggestions_follow_the_stored_profile_and_exclusions(store: Store) -> None:
    community(store)
    index = svc.build_index(store)
    first = svc.suggestions(store, index, "amal")
    assert [s.mentor_id for s in first] == ["samir", "lena"]  # omar has no matching consent
    assert "Arabic" in first[0].explanation
    svc.set_exclusion(store, "samir", "amal", True)
    assert [s.mentor_id for s in svc.suggestions(store, index, "amal")] == ["lena"]
    svc.set_exclusion(store, "samir", "amal", False)
    svc.save_profile(store, {"language": 0.0, "goals_occupation": 0.0})
    assert svc.load_profile(store).language == 0.0
    with pytest.raises(InvalidInputError) as bad:
        svc.save_profile(store, {"social": -1})
    assert bad.value.field == "social"
    with pytest.raises(NotEligible):
        svc.suggestions(store, index, "carla")


def test_a_proposal_is_stored_only_when_accepted_then_ended_and_rematched(store: Store) -> None:
    community(store)
    index = svc.build_index(store)
    proposal = svc.propose(store, index, today=TODAY)
    matched = {p.newcomer_id: p.mentor_id for p in proposal.result.pairs}
    assert matched == {"amal": "samir", "bilal": "lena"}
    assert store.count_nodes(Label.MENTORSHIP) == 0  # nothing stored yet
    assert "Samir" in proposal.explain("amal", "samir").explanation

    done = svc.accept(store, [(p.newcomer_id, p.mentor_id, p.score, None) for p in proposal.result.pairs], today=TODAY)
    assert {m.status for m in done} == {MentorshipStatus.ACTIVE}
    assert [r.end for r in store.relationships(Label.PERSON, "samir", [RelType.MENTOR_IN])] == [svc.mentorship_id("amal", "samir", TODAY)]

    index = svc.build_index(store)
    assert svc.waiting_newcomers(index) == []  # both have active mentorships
    with pytest.raises(ConflictError) as full:
        svc.accept(store, [("amal", "lena", 0.5, None)], today=TODAY)  # amal is already mentored
    assert full.value.row == 0 and full.value.field == "newcomer"

    ended = svc.end_mentorship(store, svc.mentorship_id("amal", "samir", TODAY), EndReason.MISMATCH, today=TODAY)
    assert (ended.status, ended.end_reason) == (MentorshipStatus.ENDED, EndReason.MISMATCH)
    with pytest.raises(ConflictError):
        svc.end_mentorship(store, ended.id, EndReason.OTHER)
    index = svc.build_index(store)
    assert svc.waiting_newcomers(index) == ["amal"]
    again = svc.propose(store, index, today=TODAY)
    assert {(p.newcomer_id, p.mentor_id) for p in again.result.pairs} == {("amal", "lena")}  # not samir: ended for mismatch


def test_accepting_checks_capacity_and_consent_and_stores_nothing_on_failure(store: Store) -> None:
    community(store)
    with pytest.raises(ConflictError) as over:
        svc.accept(store, [("amal", "samir", None, None), ("bilal", "samir", None, None)], today=TODAY)
    assert (over.value.row, over.value.field) == (1, "mentor")
    with pytest.raises(NotEligible):
        svc.accept(store, [("carla", "lena", None, None)], today=TODAY)
    with pytest.raises(InvalidInputError):
        svc.accept(store, [("samir", "lena", None, None)], today=TODAY)  # samir is not a newcomer
    assert store.count_nodes(Label.MENTORSHIP) == 0


def test_a_pruned_candidate_graph_never_leaves_a_newcomer_out_while_a_mentor_is_free(store: Store) -> None:
    yes = {"matching": True}
    store.bulk_upsert(
        [node("Language", id="ara"),
         person("n1", "N1", roles={"NEWCOMER"}, consent=yes), person("n2", "N2", roles={"NEWCOMER"}, consent=yes),
         person("best", "Best", roles={"MENTOR"}, mentor_capacity=1, consent=yes),
         person("other", "Other", roles={"MENTOR"}, mentor_capacity=1, consent=yes)],
        [rel("SPEAKS", p, "ara", props={"level": "native"}) for p in ("n1", "n2", "best")],
    )
    index = svc.build_index(store)
    pruned = svc.propose(store, index, candidates=1, today=TODAY)  # each newcomer's one best: both want "best"
    assert {p.mentor_id for p in pruned.result.pairs} == {"best", "other"} and not pruned.result.unmatched
    assert pruned.result.to_dict()["summary"]["matched"] == 2


def test_accepting_refuses_a_pair_whose_mentorship_ended_for_an_excluded_reason_or_started_today(store: Store) -> None:
    community(store)
    [first] = svc.accept(store, [("amal", "samir", 0.7, None)], today=TODAY)
    svc.end_mentorship(store, first.id, EndReason.CONDUCT, today=TODAY)
    with pytest.raises(NotEligible) as excluded:
        svc.accept(store, [("bilal", "lena", None, None), ("amal", "samir", None, None)], today=date(2026, 12, 1))
    assert (excluded.value.row, excluded.value.field) == (1, "mentor")
    assert store.get(Label.MENTORSHIP, first.id).end_reason is EndReason.CONDUCT  # the ended record is kept whole
    [second] = svc.accept(store, [("bilal", "lena", None, None)], today=TODAY)
    svc.end_mentorship(store, second.id, EndReason.SCHEDULE, today=TODAY)
    with pytest.raises(ConflictError):  # same pair, same day: it would overwrite the ended record
        svc.accept(store, [("bilal", "lena", None, None)], today=TODAY)
    assert store.get(Label.MENTORSHIP, second.id).status is MentorshipStatus.ENDED


def test_a_newcomer_sees_no_origin_country_in_the_facts(store: Store) -> None:
    community(store)
    store.upsert(person("samir", "Samir", roles={"MENTOR"}, mentor_capacity=1, occupation={"isco08": "2221"},
                        consent={"matching": True, "sensitive_purposes": {"matching"}}, sensitive={"origin_country": "EG"}))
    store.upsert(person("amal", "Amal", roles={"NEWCOMER"}, goals={"employment"},
                        consent={"matching": True, "sensitive_purposes": {"matching"}}, sensitive={"origin_country": "SY"}))
    svc.save_profile(store, {"community_attribute": "origin_country", "bridging": 1.0})
    found = svc.suggestions(store, svc.build_index(store), "amal")
    for s in found:
        assert s.facts.bridging.newcomer_community is None and s.facts.bridging.mentor_community is None
        assert "EG" not in s.explanation and "SY" not in s.explanation
