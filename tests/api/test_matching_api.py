"""Mentor matching through HTTP on each store: suggestions, profile, proposals, accept, end."""

from __future__ import annotations

import pytest

from graphsvc.services import matching as svc
from tests.api.conftest import Live
from tests.factories import knows, person, rel

YES = {"matching": True, "directory": True}
SUGGEST = """query($n: String!) { mentorSuggestions(newcomer: $n, first: 3) {
    score explanation mentor { key name } contributions { factor weight value contribution } } }"""
PROPOSE = """mutation { proposeCohortMatching { ... on CohortProposal { summary
    pairs { newcomer { key } mentor { key } score bridging explanation } unmatched { newcomer { key } reason } }
    ... on Problem { code message } } }"""


def more(live: Live) -> None:
    live.store.bulk_upsert(
        [person("nadia", "Nadia Saleh", roles={"NEWCOMER"}, goals={"employment"}, occupation={"isco08": "2221"}, consent=YES),
         person("yusuf", "Yusuf Amin", roles={"MENTOR"}, mentor_capacity=1, occupation={"isco08": "2221", "title": "nurse"}, consent=YES),
         person("rita", "Rita Gomez", roles={"MENTOR"}, mentor_capacity=2, consent=YES)],
        [rel("SPEAKS", "nadia", "ara", props={"level": "native"}), rel("SPEAKS", "yusuf", "ara", props={"level": "fluent"}),
         rel("LIVES_IN", "nadia", "riverside"), rel("LIVES_IN", "yusuf", "riverside"), knows("nadia", "rita", 0.5)],
    )


def test_suggestions_with_reasons_and_who_may_see_them(live: Live) -> None:
    more(live)
    found = live.data(SUGGEST, {"n": "nadia"})["mentorSuggestions"]
    assert [s["mentor"]["key"] for s in found] == ["yusuf", "rita"]  # samir and olga gave no matching consent
    best = found[0]
    assert "Arabic" in best["explanation"] and "Yusuf Amin" in best["explanation"]
    assert abs(sum(c["contribution"] for c in best["contributions"]) - best["score"]) < 1e-6
    assert {c["factor"] for c in best["contributions"]} >= {"language", "geography", "goals_occupation"}
    for who in ("partner", "samir", "amal"):
        body = live.post(SUGGEST, {"n": "nadia"}, who=who).json()
        assert body["errors"][0]["extensions"]["code"] == "forbidden", who
    # a newcomer sees their own suggestions only when the program allows it
    nadia = live.store  # a token for nadia
    from graphsvc.auth import issue_token

    live.tokens["nadia"] = issue_token(nadia, "newcomer", person_id="nadia")[0]
    assert live.post(SUGGEST, {"n": "nadia"}, who="nadia").json()["errors"][0]["extensions"]["code"] == "forbidden"
    changed = live.data('mutation { updateProgramProfile(changes: {allow_newcomer_view: true}) { ... on ProfilePayload { profile { settings } } } }')
    assert changed["updateProgramProfile"]["profile"]["settings"]["allow_newcomer_view"] is True
    assert [s["mentor"]["key"] for s in live.data(SUGGEST, {"n": "nadia"}, who="nadia")["mentorSuggestions"]] == ["yusuf", "rita"]
    assert live.post(SUGGEST, {"n": "amal"}, who="nadia").json()["errors"][0]["extensions"]["code"] == "forbidden"


def test_profile_changes_are_validated_and_change_the_scores(live: Live) -> None:
    more(live)
    before = live.data(SUGGEST, {"n": "nadia"})["mentorSuggestions"][0]
    bad = live.data('mutation { updateProgramProfile(changes: {language: -2}) { ... on Problem { code field } } }')
    assert bad["updateProgramProfile"] == {"code": "INVALID", "field": "language"}
    live.data('mutation { updateProgramProfile(changes: {language: 0}) { __typename } }')
    after = live.data(SUGGEST, {"n": "nadia"})["mentorSuggestions"][0]
    lang = next(c for c in before["contributions"] if c["factor"] == "language")["contribution"]
    assert lang > 0 and abs(after["score"] - (before["score"] - lang)) < 1e-6
    profile = live.data("{ programProfile { factors { factor weight } } }")["programProfile"]["factors"]
    assert {f["factor"]: f["weight"] for f in profile}["language"] == 0
    assert live.post("{ programProfile { settings } }", who="partner").json()["errors"][0]["extensions"]["code"] == "forbidden"


def test_propose_accept_end_and_rematch(live: Live) -> None:
    more(live)
    proposal = live.data(PROPOSE)["proposeCohortMatching"]
    pairs = {(p["newcomer"]["key"], p["mentor"]["key"]) for p in proposal["pairs"]}
    assert pairs == {("nadia", "yusuf")}  # amal already has an active mentorship; hidden gave no consent
    assert proposal["summary"]["matched"] == 1 and proposal["pairs"][0]["explanation"]
    assert live.store.count_nodes("Mentorship") == 1  # only the seeded one: a proposal stores nothing

    accept = """mutation($p: [MatchInput!]!) { acceptMatching(pairs: $p) {
        ... on AcceptedMatching { mentorships { key status startedAt } } ... on Problem { code field row message } } }"""
    over = live.data(accept, {"p": [{"newcomer": "nadia", "mentor": "yusuf"}, {"newcomer": "amal", "mentor": "yusuf"}]})
    assert over["acceptMatching"]["code"] == "CONFLICT" and over["acceptMatching"]["row"] == 1
    assert live.store.count_nodes("Mentorship") == 1  # nothing from the refused batch
    made = live.data(accept, {"p": [{"newcomer": "nadia", "mentor": "yusuf", "reason": "both nurses"}]})["acceptMatching"]["mentorships"]
    assert [m["status"] for m in made] == ["ACTIVE"]
    forbidden = live.post(accept, {"p": [{"newcomer": "nadia", "mentor": "rita"}]}, who="samir").json()
    assert forbidden["data"]["acceptMatching"]["code"] == "FORBIDDEN"

    assert live.data(PROPOSE)["proposeCohortMatching"]["pairs"] == []  # nadia is mentored now
    end = """mutation($id: String!) { endMentorship(id: $id, reason: SCHEDULE) {
        ... on MentorshipPayload { mentorship { status endReason } } ... on Problem { code } } }"""
    ended = live.data(end, {"id": made[0]["key"]})["endMentorship"]
    assert ended == {"mentorship": {"status": "ENDED", "endReason": "SCHEDULE"}}
    assert live.data(end, {"id": made[0]["key"]})["endMentorship"] == {"code": "CONFLICT"}
    again = {(p["newcomer"]["key"], p["mentor"]["key"]) for p in live.data(PROPOSE)["proposeCohortMatching"]["pairs"]}
    assert again == {("nadia", "yusuf")}  # a schedule ending does not exclude the pair


def test_exclusions_keep_a_mentor_out(live: Live) -> None:
    more(live)
    live.data('mutation { setMatchingExclusion(mentor: "yusuf", newcomer: "nadia") { __typename } }')
    assert [s["mentor"]["key"] for s in live.data(SUGGEST, {"n": "nadia"})["mentorSuggestions"]] == ["rita"]
    live.data('mutation { setMatchingExclusion(mentor: "yusuf", newcomer: "nadia", excluded: false) { __typename } }')
    assert live.data(SUGGEST, {"n": "nadia"})["mentorSuggestions"][0]["mentor"]["key"] == "yusuf"


def test_explanations_are_made_once_and_only_when_asked_for(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    more(live)
    live.store.bulk_upsert([person("omar", "Omar Haddad", roles={"NEWCOMER"}, consent=YES)],
                           [rel("SPEAKS", "omar", "ara", props={"level": "native"})])
    calls: list[int] = []
    made = svc.Proposal.explanations

    def counted(self: svc.Proposal) -> dict[tuple[str, str], str]:
        calls.append(len(self.result.pairs))
        return made(self)

    monkeypatch.setattr(svc.Proposal, "explanations", counted)
    bare = "mutation { proposeCohortMatching { ... on CohortProposal { pairs { newcomer { key } mentor { key } } } } }"
    assert len(live.data(bare)["proposeCohortMatching"]["pairs"]) == 2
    assert calls == []
    pairs = live.data(PROPOSE)["proposeCohortMatching"]["pairs"]
    assert len(pairs) == 2 and all(p["explanation"] for p in pairs)
    assert calls == [2]  # one call for all the pairs
