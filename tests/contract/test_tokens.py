"""API tokens: issued once, stored hashed, revocable, tied to a person where the role needs one."""

from __future__ import annotations

import pytest

from graphsvc.auth import (
    ApiRole,
    authenticate,
    cached_principal,
    issue_token,
    revoke_token,
)
from graphsvc.errors import InvalidInputError
from graphsvc.store import Store
from tests.factories import person


def test_issue_authenticate_revoke(store: Store) -> None:
    store.upsert(person("amal"))
    secret, record = issue_token(store, "newcomer", person_id="amal", name="Amal's phone")
    principal = authenticate(store, secret)
    assert principal is not None
    assert (principal.role, principal.person_id, principal.token_id) == (ApiRole.NEWCOMER, "amal", record.id)
    assert store.revoke_token(record.id) is True
    assert authenticate(store, secret) is None
    assert store.revoke_token(record.id) is False
    assert [t.revoked_at is not None for t in store.list_tokens()] == [True]


def test_only_the_hash_is_stored(store: Store) -> None:
    secret, _ = issue_token(store, "coordinator")
    for record in store.list_tokens():
        assert secret not in repr(record)
        assert secret.split("_", 2)[2] not in repr(record)  # gs_<id>_<secret>: the secret may itself hold "_"


@pytest.mark.parametrize("guess", ["", "gs_", "gs_abc_def", "Bearer x", "gs_" + "0" * 60])
def test_unknown_tokens_authenticate_nobody(store: Store, guess: str) -> None:
    issue_token(store, "coordinator")
    assert authenticate(store, guess) is None


def test_a_tampered_token_fails(store: Store) -> None:
    secret, _ = issue_token(store, "partner")
    assert authenticate(store, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None


def test_roles_and_people_must_fit(store: Store) -> None:
    with pytest.raises(InvalidInputError) as err:
        issue_token(store, "mentor")
    assert err.value.field == "person"
    with pytest.raises(InvalidInputError) as err:
        issue_token(store, "mentor", person_id="ghost")
    assert err.value.field == "person"
    with pytest.raises(InvalidInputError) as err:
        issue_token(store, "partner", person_id="ghost")
    assert err.value.field == "person"
    with pytest.raises(InvalidInputError) as err:
        issue_token(store, "king")
    assert store.list_tokens() == []


def test_the_api_token_cache_forgets_a_token_revoked_in_this_process(store: Store) -> None:
    secret, record = issue_token(store, "coordinator")
    assert authenticate(store, secret, cache=True) is not None
    assert cached_principal(store, secret) is not None  # the API asks the store no more for a while
    assert revoke_token(store, record.id) is True
    assert cached_principal(store, secret) is None
    assert authenticate(store, secret, cache=True) is None
