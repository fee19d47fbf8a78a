"""Projections: the part of the store an analysis needs, fresh after every write."""

from __future__ import annotations

from graphsvc.model import Label, RelType
from graphsvc.store import ProjectionSpec, Store
from tests.factories import knows, node, person, rel


def _seed(store: Store) -> None:
    store.bulk_upsert([
        person("a", "Amal", roles={"NEWCOMER"}, contact={"email": "amal@example.org", "phone": "+1 555 0100"},
               sensitive={"origin_country": "SY", "faith": "none"}, consent={"matching": True, "sensitive_purposes": {"matching"}}),
        person("b", "Bohdan", roles={"MENTOR"}, mentor_capacity=2, contact={"email": "b@example.org"},
               sensitive={"origin_country": "UA"}),
        person("c", "Chen"),
        person("d", "Dara"),
        node(Label.LANGUAGE, id="ara"),
        node(Label.INTEREST, id="chess", name="Chess"),
    ], [knows("a", "b", 0.8, context="library"), knows("b", "c"), knows("c", "d"),
        rel("SPEAKS", "a", "ara", props={"level": "native"}), rel("INTERESTED_IN", "b", "chess")])


def test_whole_program_projection(store: Store) -> None:
    _seed(store)
    G = store.project()
    assert set(G.nodes) == {"Person:a", "Person:b", "Person:c", "Person:d", "Language:ara", "Interest:chess"}
    assert G.edges["Person:a", "Person:b"] == {"type": "KNOWS", "trust": 0.8, "context": "library"}
    assert G.edges["Person:a", "Language:ara"] == {"type": "SPEAKS", "level": "native", "start": "Person:a"}
    a = G.nodes["Person:a"]
    assert a["label"] == "Person" and a["roles"] == ["NEWCOMER"] and a["consent"]["matching"] is True
    assert G.nodes["Person:b"]["mentor_capacity"] == 2


def test_private_fields_never_enter_a_projection(store: Store) -> None:
    _seed(store)
    G = store.project(ProjectionSpec(purpose="matching"))
    for _, attrs in G.nodes(data=True):
        assert "contact" not in attrs
        assert "amal@example.org" not in repr(attrs)


def test_sensitive_fields_only_for_a_consented_purpose(store: Store) -> None:
    _seed(store)
    assert "sensitive" not in store.project().nodes["Person:a"]
    G = store.project(ProjectionSpec(purpose="matching"))
    assert G.nodes["Person:a"]["sensitive"] == {"origin_country": "SY", "faith": "none"}
    assert "sensitive" not in G.nodes["Person:b"]  # b never consented
    assert "sensitive" not in store.project(ProjectionSpec(purpose="reporting")).nodes["Person:a"]


def test_labels_and_types_choose_the_part(store: Store) -> None:
    _seed(store)
    G = store.project(ProjectionSpec(labels=frozenset({Label.PERSON}), rel_types=frozenset({RelType.KNOWS})))
    assert {G.nodes[n]["label"] for n in G} == {"Person"}
    assert G.number_of_edges() == 3
    H = store.project(ProjectionSpec(rel_types=frozenset({RelType.SPEAKS})))
    assert H.number_of_nodes() == 6 and set(map(frozenset, H.edges)) == {frozenset({"Person:a", "Language:ara"})}


def test_seed_and_hops(store: Store) -> None:
    _seed(store)
    G = store.project(ProjectionSpec(seeds=((Label.PERSON, "a"),), hops=2, rel_types=frozenset({RelType.KNOWS})))
    assert set(G.nodes) == {"Person:a", "Person:b", "Person:c"}
    assert G.number_of_edges() == 2
    H = store.project(ProjectionSpec(seeds=((Label.PERSON, "a"),), hops=1))
    assert set(H.nodes) == {"Person:a", "Person:b", "Language:ara"}


def test_projection_is_the_same_from_every_store(store: Store) -> None:
    _seed(store)
    G = store.project()
    assert list(G.nodes)[:3] == ["Interest:chess", "Language:ara", "Person:a"]
    assert next(iter(G.edges)) == ("Interest:chess", "Person:b")


def test_projection_is_fresh_after_writes(store: Store) -> None:
    _seed(store)
    assert store.project().number_of_edges() == 5
    store.connect(knows("a", "d", 0.1))
    store.upsert(person("c", "Chen Wei"))
    store.delete(Label.INTEREST, "chess")
    G = store.project()
    assert G.has_edge("Person:a", "Person:d")
    assert G.nodes["Person:c"]["name"] == "Chen Wei"
    assert "Interest:chess" not in G and G.number_of_edges() == 5
