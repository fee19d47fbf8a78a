"""Relationships: create, update, remove; KNOWS is stored once and found from both ends."""

from __future__ import annotations

import asyncio

import pytest

from graphsvc.errors import DanglingRelationshipError, NotFoundError
from graphsvc.model import Label, RelType
from graphsvc.store import Store
from tests.factories import knows, node, person, rel


@pytest.fixture
def two(store: Store) -> Store:
    store.bulk_upsert([person("a"), person("b")])
    return store


def test_knows_a_b_then_b_a_is_one_relationship(two: Store) -> None:
    two.connect(knows("a", "b", 0.4))
    two.connect(knows("b", "a", 0.9, context="work"))
    from_a = two.relationships(Label.PERSON, "a")
    from_b = two.relationships(Label.PERSON, "b")
    assert from_a == from_b
    assert len(from_a) == 1
    assert from_a[0].props == {"trust": 0.9, "context": "work"}
    assert len(two.project().edges) == 1


def test_update_replaces_props_and_needs_an_existing_relationship(two: Store) -> None:
    with pytest.raises(NotFoundError):
        two.update_relationship(knows("a", "b", 0.3))
    two.connect(knows("a", "b", 0.3, context="school"))
    two.update_relationship(knows("b", "a", 0.6))
    got = two.get_relationship(knows("a", "b"))
    assert got is not None and got.props == {"trust": 0.6}


def test_disconnect_from_either_end(two: Store) -> None:
    two.connect(knows("a", "b"))
    assert two.disconnect(knows("b", "a")) is True
    assert two.relationships(Label.PERSON, "a") == []
    assert two.disconnect(knows("a", "b")) is False
    assert two.get(Label.PERSON, "a") is not None  # the people stay


def test_dangling_relationship_is_refused_naming_the_end(two: Store) -> None:
    with pytest.raises(DanglingRelationshipError) as err:
        two.connect(knows("a", "ghost"))
    assert err.value.value == "ghost"
    assert err.value.field in ("start", "end")
    assert two.relationships(Label.PERSON, "a") == []


def test_relationship_to_a_node_of_another_label_with_that_id_dangles(two: Store) -> None:
    two.upsert(node(Label.CIRCLE, id="c1", name="Walkers"))
    with pytest.raises(DanglingRelationshipError) as err:
        two.connect(rel("SPEAKS", "a", "ara"))
    assert err.value.field == "end" and err.value.value == "ara"


def test_directed_relationships_and_both_affiliation_targets(two: Store) -> None:
    two.bulk_upsert([
        node(Label.LANGUAGE, id="ara"),
        node(Label.ORGANIZATION, id="o1", name="Hospital", kind="employer"),
        node(Label.INSTITUTION, id="i1", name="Library", kind="library"),
        node(Label.NEIGHBORHOOD, id="n1", name="Riverside"),
        node(Label.NEIGHBORHOOD, id="n2", name="Oldtown"),
    ])
    two.bulk_upsert(rels=[
        rel("SPEAKS", "a", "ara", props={"level": "native"}),
        rel("AFFILIATED_WITH", "a", "o1", end_label="Organization", props={"role": "works_at"}),
        rel("AFFILIATED_WITH", "a", "i1", end_label="Institution", props={"role": "uses"}),
        rel("LIVES_IN", "a", "n1"),
        rel("OPERATES", "o1", "i1"),
        rel("LOCATED_IN", "i1", "n1"),
        rel("ADJACENT_TO", "n2", "n1"),
    ])
    types = {(r.type, r.end_label) for r in two.relationships(Label.PERSON, "a")}
    assert types == {
        (RelType.SPEAKS, Label.LANGUAGE), (RelType.AFFILIATED_WITH, Label.ORGANIZATION),
        (RelType.AFFILIATED_WITH, Label.INSTITUTION), (RelType.LIVES_IN, Label.NEIGHBORHOOD),
    }
    # found from the end too, and filtered by type
    assert [r.start for r in two.relationships(Label.LANGUAGE, "ara")] == ["a"]
    assert [(r.start, r.end) for r in two.relationships(Label.NEIGHBORHOOD, "n2", [RelType.ADJACENT_TO])] == [("n1", "n2")]
    assert two.relationships(Label.NEIGHBORHOOD, "n1", [RelType.LOCATED_IN])[0].start == "i1"


def test_relationships_of_both_ends_at_once_lists_each_once(two: Store) -> None:
    two.upsert(node(Label.ORGANIZATION, id="o1", name="Hospital", kind="employer"))
    two.connect(rel("AFFILIATED_WITH", "a", "o1", end_label="Organization"))
    grouped = two.relationships_of([(Label.PERSON, "a"), (Label.ORGANIZATION, "o1"), (Label.PERSON, "b")])
    assert [r.end for r in grouped[(Label.PERSON, "a")]] == ["o1"]
    assert [r.start for r in grouped[(Label.ORGANIZATION, "o1")]] == ["a"]
    assert grouped[(Label.PERSON, "b")] == []


def test_several_relationships_are_read_at_once_in_order_with_their_stored_props(store: Store) -> None:
    for id in ("a", "b", "c"):
        store.upsert(person(id))
    store.upsert(node("Language", id="ara"))
    store.connect(knows("a", "b", trust=0.9, context="ESL class"))
    store.connect(knows("c", "b", trust=0.2))
    store.connect(rel("SPEAKS", "a", "ara", props={"level": "native"}))
    asked = [knows("b", "c"), knows("a", "c"), rel("SPEAKS", "a", "ara"), knows("b", "a")]
    got = store.get_relationships(asked)
    assert [r and (r.start, r.end, r.props) for r in got] == [
        ("b", "c", {"trust": 0.2}), None, ("a", "ara", {"level": "native"}), ("a", "b", {"trust": 0.9, "context": "ESL class"})]
    assert got == [store.get_relationship(r) for r in asked]
    assert store.get_relationships([]) == []


def test_around_reads_nodes_with_their_relationships_and_the_most_trusted_acquaintances(store: Store) -> None:
    store.bulk_upsert(
        [*(person(id) for id in ("a", "b", "c", "d", "e")), node("Language", id="ara"), node("Language", id="tir"),
         node("Interest", id="chess", name="Chess")],
        [knows("a", "b", 0.4), knows("c", "a", 0.9), knows("a", "d", 0.4), knows("e", "a", 0.1), knows("b", "c", 0.7),
         rel("SPEAKS", "a", "ara", props={"level": "native"}), rel("SPEAKS", "b", "tir"), rel("INTERESTED_IN", "a", "chess")],
    )
    types = [RelType.KNOWS, RelType.SPEAKS, RelType.INTERESTED_IN]
    keys = [(Label.PERSON, "a"), (Label.PERSON, "b")]
    everything = store.relationships_of(keys, types)
    # all languages and interests; acquaintances by trust, then id: a's are c, b, d, e, and b's are c, a
    trusted = {"a": ["c", "b", "d", "e"], "b": ["c", "a"]}
    for most_trusted in (None, 0, 2):
        got = store.around(Label.PERSON, ["a", "b", "ghost"], types, most_trusted=most_trusted)
        assert got.nodes == store.get_nodes(keys)
        # the relationships as relationships_of gives them, of KNOWS only those to the most trusted
        kept = {id: set(ps[:most_trusted]) for id, ps in trusted.items()}
        assert got.rels == {
            (label, id): [r for r in rels if r.type is not RelType.KNOWS or {r.start, r.end} - {id} <= kept[id]]
            for (label, id), rels in everything.items()
        }, most_trusted
        expected = {(Label.LANGUAGE, "ara"), (Label.LANGUAGE, "tir"), (Label.INTEREST, "chess")}
        expected |= {(Label.PERSON, p) for ps in kept.values() for p in ps}
        assert set(got.ends) == expected, most_trusted
        assert got.ends == store.get_nodes(list(expected))
    assert store.around(Label.PERSON, ["a", "b"], types).rels == everything
    assert store.around(Label.PERSON, [], types).nodes == {}
    only_knows = store.around(Label.PERSON, ["e"], [RelType.KNOWS], most_trusted=1)
    assert [r.start for r in only_knows.rels[(Label.PERSON, "e")]] == ["a"] and set(only_knows.ends) == {(Label.PERSON, "a")}
    # a relationship between two of the nodes asked for counts for each of them on its own
    both = store.around(Label.PERSON, ["b", "c"], [RelType.KNOWS], most_trusted=1)
    assert [(r.start, r.end) for r in both.rels[(Label.PERSON, "b")]] == [("b", "c")]
    assert [(r.start, r.end) for r in both.rels[(Label.PERSON, "c")]] == [("a", "c")]


def test_around_async_answers_as_around_in_any_event_loop(store: Store) -> None:
    """The API's hot path reads from its event loop (Neo4j: the driver's asyncio API, one per
    loop, released by ``close_async``): the same answers as ``around``, in one loop after
    another, and it sees what was written just before."""
    store.bulk_upsert(
        [*(person(id) for id in ("a", "b", "c")), node("Language", id="ara")],
        [knows("a", "b", 0.4), knows("c", "a", 0.9), rel("SPEAKS", "a", "ara", props={"level": "native"})],
    )
    types = [RelType.KNOWS, RelType.SPEAKS]

    async def read(ids: list[str], most_trusted: int | None) -> object:
        try:
            return await store.around_async(Label.PERSON, ids, types, most_trusted=most_trusted)
        finally:
            await store.close_async()

    for ids, most_trusted in ((["a", "b", "ghost"], None), (["a"], 1), ([], 2), (["a", "a"], 0)):
        assert asyncio.run(read(ids, most_trusted)) == store.around(Label.PERSON, ids, types, most_trusted=most_trusted)
    store.connect(knows("a", "c", 1.0))  # a write, then a read in a new loop
    got = asyncio.run(read(["a"], 1))
    assert [(r.start, r.end, r.props["trust"]) for r in got.rels[(Label.PERSON, "a")] if r.type is RelType.KNOWS] == [("a", "c", 1.0)]
