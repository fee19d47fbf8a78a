"""The role matrix: who sees which person, and which private and sensitive fields."""

from __future__ import annotations

import pytest

from tests.api.conftest import Live

PERSON = "query($k: String!) { person(key: $k) { name contact { email } sensitive { originCountry faith } } }"

# (viewer, person) -> (visible, contact visible, sensitive visible)
MATRIX = [
    ("coordinator", "amal", (True, True, True)),
    ("amal", "amal", (True, True, True)),  # themself
    ("samir", "amal", (True, True, False)),  # active mentorship: contact yes, sensitive no
    ("amal", "samir", (True, True, False)),
    ("olga", "amal", (True, False, False)),  # public profile only
    ("hidden", "amal", (True, False, False)),
    ("partner", "amal", (False, False, False)),  # no person data at all
    (None, "amal", (False, False, False)),  # anonymous
    ("coordinator", "hidden", (True, True, False)),  # no sensitive data stored
    ("hidden", "hidden", (True, True, False)),
    ("olga", "hidden", (False, False, False)),  # no directory consent: invisible
    ("samir", "hidden", (False, False, False)),
]


@pytest.mark.parametrize("viewer,key,expected", MATRIX, ids=[f"{v}-sees-{k}" for v, k, _ in MATRIX])
def test_role_matrix(live: Live, viewer: str | None, key: str, expected: tuple[bool, bool, bool]) -> None:
    response = live.post(PERSON, {"k": key}, who=viewer)
    assert response.status_code == 200
    person = response.json()["data"]["person"]
    visible, contact, sensitive = expected
    assert (person is not None) == visible
    if person is not None:
        assert (person["contact"] is not None) == contact
        has_sensitive = person["sensitive"] is not None and any(person["sensitive"].values())
        assert has_sensitive == sensitive


def test_listings_hide_people_without_directory_consent(live: Live) -> None:
    q = "{ people(first: 50) { totalCount edges { node { key } } } }"
    everyone = live.data(q)["people"]
    assert everyone["totalCount"] == 4
    as_olga = live.data(q, who="olga")["people"]
    assert {e["node"]["key"] for e in as_olga["edges"]} == {"amal", "samir", "olga"}
    assert as_olga["totalCount"] == 3
    as_hidden = live.data(q, who="hidden")["people"]
    assert "hidden" in {e["node"]["key"] for e in as_hidden["edges"]}


def test_acquaintances_through_hidden_people_are_left_out(live: Live) -> None:
    q = '{ person(key: "olga") { knows { edges { node { person { key } } } } } }'
    seen = {e["node"]["person"]["key"] for e in live.data(q, who="samir")["person"]["knows"]["edges"]}
    assert seen == {"samir"}
    seen = {e["node"]["person"]["key"] for e in live.data(q)["person"]["knows"]["edges"]}
    assert seen == {"samir", "hidden"}


def test_partners_get_places_and_counts_but_no_people(live: Live) -> None:
    data = live.data("{ institutions { edges { node { name } } } counts { type count } }", who="partner")
    assert data["institutions"]["edges"][0]["node"]["name"] == "Riverside Library"
    assert {c["type"]: c["count"] for c in data["counts"]}["PERSON"] == 4
    response = live.post("{ people { totalCount } }", who="partner")
    assert response.json()["errors"][0]["extensions"]["code"] == "forbidden"
    assert live.post('{ neighborhoods { edges { node { residents { name } } } } }', who="partner").json()["data"]["neighborhoods"]["edges"][0]["node"]["residents"] == []


def test_anonymous_sees_nothing_by_default(live: Live) -> None:
    response = live.post("{ institutions { totalCount } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "forbidden"


@pytest.mark.parametrize("token", ["gs_nope_nope", "not-a-token"])
def test_bad_tokens_are_401(live: Live, token: str) -> None:
    import httpx

    response = httpx.post(live.url, json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_only_coordinators_write(live: Live) -> None:
    m = 'mutation { upsertNode(type: PERSON, data: {id: "x", name: "X"}) { __typename ... on Problem { code } } }'
    for who in ("amal", "samir", "partner", None):
        assert live.post(m, who=who).json()["data"]["upsertNode"] == {"__typename": "Problem", "code": "FORBIDDEN"}
    assert live.data(m)["upsertNode"]["__typename"] == "NodePayload"


def test_the_operator_can_open_institutions_to_anonymous_callers(store) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from graphsvc.api.context import Context
    from graphsvc.api.schema import build_schema
    from graphsvc.auth import ANONYMOUS
    from graphsvc.services.access import Policy
    from tests.api.conftest import seed

    seed(store)
    schema = build_schema()
    query = "{ institutions { edges { node { name } } } }"
    for open_view, expected in ((True, [{"node": {"name": "Riverside Library"}}]), (False, None)):
        context = Context(store=store, principal=ANONYMOUS, policy=Policy(ANONYMOUS, public_institutions=open_view))
        result = asyncio.run(schema.execute(query, context_value=context))
        assert (result.data["institutions"]["edges"] if result.data else None) == expected
    people = asyncio.run(schema.execute("{ people { totalCount } }", context_value=Context(
        store=store, principal=ANONYMOUS, policy=Policy(ANONYMOUS, public_institutions=True))))
    assert people.errors and people.errors[0].original_error.code == "forbidden"  # type: ignore[union-attr]


def test_reverse_links_from_places_respect_visibility(live: Live) -> None:
    q = '''{ organizations { edges { node { name people { key } } } }
            neighborhoods { edges { node { residents { key } institutions { name } } } }
            people(filter: {organization: "hosp"}) { edges { node { key affiliations { role organization { name } } } } } }'''
    data = live.data(q)
    assert data["organizations"]["edges"][0]["node"]["people"] == [{"key": "samir"}]
    hood = data["neighborhoods"]["edges"][0]["node"]
    assert hood["residents"] == [{"key": "amal"}] and hood["institutions"] == [{"name": "Riverside Library"}]
    assert data["people"]["edges"] == [{"node": {"key": "samir", "affiliations": [{"role": "works_at", "organization": {"name": "General Hospital"}}]}}]
    as_partner = live.data("{ organizations { edges { node { people { key } } } } }", who="partner")
    assert as_partner["organizations"]["edges"][0]["node"]["people"] == []
