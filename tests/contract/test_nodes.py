"""Nodes: upsert, get, delete for every label; upsert is idempotent by id."""

from __future__ import annotations

import pytest

from graphsvc.model import Label, Person
from graphsvc.store import Store
from tests.factories import knows, node, person, without_timestamps

ONE_OF_EACH = {
    Label.PERSON: {"id": "p1", "name": "Amal Haddad", "roles": ["NEWCOMER"], "goals": ["employment"]},
    Label.ORGANIZATION: {"id": "o1", "name": "Riverside Hospital", "kind": "employer", "website": "https://example.org"},
    Label.INSTITUTION: {"id": "i1", "name": "Central Library", "kind": "library", "latitude": 45.5, "longitude": -73.6, "services": ["ESL"]},
    Label.INTEREST: {"id": "chess", "name": "Chess"},
    Label.LANGUAGE: {"id": "tir"},
    Label.NEIGHBORHOOD: {"id": "n1", "name": "Riverside", "city": "Lakeview", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
    Label.MENTORSHIP: {"id": "m1", "status": "active", "score": 0.8, "reasons": ["Both speak Arabic"]},
    Label.CIRCLE: {"id": "c1", "name": "Tuesday walkers", "theme": "walking"},
}


@pytest.mark.parametrize("label", list(Label))
def test_upsert_then_get_returns_the_node(store: Store, label: Label) -> None:
    n = node(label, **ONE_OF_EACH[label])
    assert store.upsert(n) == "created"
    got = store.get(label, n.id)
    assert got is not None
    assert without_timestamps(got) == n
    assert got.created_at is not None and got.created_at == got.updated_at


@pytest.mark.parametrize("label", list(Label))
def test_delete_removes_the_node(store: Store, label: Label) -> None:
    n = node(label, **ONE_OF_EACH[label])
    store.upsert(n)
    assert store.delete(label, n.id) is True
    assert store.get(label, n.id) is None
    assert store.delete(label, n.id) is False


def test_upsert_is_idempotent_and_keeps_created_at(store: Store) -> None:
    p = person("p1", "Amal")
    assert store.upsert(p) == "created"
    first = store.get(Label.PERSON, "p1")
    assert store.upsert(p) == "unchanged"
    again = store.get(Label.PERSON, "p1")
    assert again == first  # nothing moved, not even updated_at
    assert store.upsert(p.model_copy(update={"name": "Amal H."})) == "updated"
    changed = store.get(Label.PERSON, "p1")
    assert changed is not None and first is not None
    assert changed.name == "Amal H."
    assert changed.created_at == first.created_at
    assert changed.updated_at is not None and changed.updated_at > first.updated_at  # type: ignore[operator]


def test_upsert_replaces_fields_left_out(store: Store) -> None:
    store.upsert(person("p1", contact={"email": "a@example.org"}, mentor_capacity=2))
    store.upsert(person("p1"))
    got = store.get(Label.PERSON, "p1")
    assert got is not None and got.contact is None and got.mentor_capacity == 0


def test_same_id_under_two_labels_is_two_nodes(store: Store) -> None:
    store.upsert(person("x"))
    store.upsert(node(Label.CIRCLE, id="x", name="Circle x"))
    assert isinstance(store.get(Label.PERSON, "x"), Person)
    assert store.get(Label.CIRCLE, "x") is not None
    store.delete(Label.CIRCLE, "x")
    assert store.get(Label.PERSON, "x") is not None


def test_get_missing_is_none(store: Store) -> None:
    assert store.get(Label.PERSON, "nobody") is None
    assert store.get_many(Label.PERSON, ["nobody"]) == {}


def test_get_many_returns_those_that_exist(store: Store) -> None:
    store.bulk_upsert([person("a"), person("b"), person("c")])
    assert sorted(store.get_many(Label.PERSON, ["a", "c", "zz", "a"])) == ["a", "c"]


def test_deleting_a_node_removes_its_relationships(store: Store) -> None:
    store.bulk_upsert([person("a"), person("b"), person("c")], [knows("a", "b"), knows("b", "c")])
    store.delete(Label.PERSON, "b")
    assert store.relationships(Label.PERSON, "a") == []
    assert store.relationships(Label.PERSON, "c") == []


def test_bootstrap_is_idempotent(store: Store) -> None:
    store.upsert(person("a"))
    store.bootstrap()
    store.bootstrap()
    assert store.get(Label.PERSON, "a") is not None


@pytest.mark.parametrize("hostile", [
    "x'}) DETACH DELETE n //",
    "a\"; DROP TABLE nodes; --",
    "$id",
    "{label}",
])
def test_ids_and_names_are_data_never_query_text(store: Store, hostile: str) -> None:
    store.upsert(person("bystander"))
    store.upsert(person(hostile, hostile))
    got = store.get(Label.PERSON, hostile)
    assert got is not None and got.name == hostile
    assert store.delete(Label.PERSON, hostile)
    assert store.get(Label.PERSON, "bystander") is not None
