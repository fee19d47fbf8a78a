"""Erasure: the person, their relationships and mentorships, gone in one transaction."""

from __future__ import annotations

import pytest

from graphsvc.errors import NotFoundError
from graphsvc.model import Label
from graphsvc.store import Store
from tests.factories import knows, node, person, rel

SECRET = "samira.secret@example.org"


def _seed(store: Store) -> None:
    store.bulk_upsert([
        person("s", "Samira Haddad", contact={"email": SECRET, "phone": "+1 555 0199"}, sensitive={"origin_country": "SY"}),
        person("m", "Mentor"), person("x", "Other"),
        node(Label.MENTORSHIP, id="ms1", status="active", reasons=["Samira Haddad wants nursing"]),
        node(Label.MENTORSHIP, id="ms2", status="active"),
        node(Label.CIRCLE, id="c1", name="Walkers"),
        node(Label.LANGUAGE, id="ara"),
    ], [knows("s", "m"), knows("m", "x"), rel("SPEAKS", "s", "ara"), rel("MEMBER_OF", "s", "c1"),
        rel("MENTEE_IN", "s", "ms1"), rel("MENTOR_IN", "m", "ms1"),
        rel("MENTOR_IN", "m", "ms2"), rel("MENTEE_IN", "x", "ms2")])


def test_erasure_leaves_nothing_of_the_person(store: Store) -> None:
    _seed(store)
    report = store.erase_person("s")
    assert (report.nodes_deleted, report.rels_deleted) == (2, 5)  # s and ms1; KNOWS, SPEAKS, MEMBER_OF, MENTEE_IN, MENTOR_IN(ms1)
    assert store.get(Label.PERSON, "s") is None
    assert store.get(Label.MENTORSHIP, "ms1") is None
    G = store.project()
    assert "Person:s" not in G
    assert "Samira" not in repr(list(G.nodes(data=True)))
    assert all("s" not in (r.start, r.end) for n in ("m", "ara", "c1") for r in store.relationships(
        {"m": Label.PERSON, "ara": Label.LANGUAGE, "c1": Label.CIRCLE}[n], n))


def test_erasure_keeps_everyone_else(store: Store) -> None:
    _seed(store)
    store.erase_person("s")
    assert store.get(Label.MENTORSHIP, "ms2") is not None
    assert {(r.start, r.end) for r in store.relationships(Label.PERSON, "m")} == {("m", "x"), ("m", "ms2")}
    assert store.get(Label.CIRCLE, "c1") is not None and store.get(Label.LANGUAGE, "ara") is not None


def test_erasing_an_unknown_person_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError) as err:
        store.erase_person("nobody")
    assert err.value.field == "id"
