"""Bulk upserts: batches are atomic; a bad row stores nothing of its batch."""

from __future__ import annotations

import gc
import random
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from graphsvc.errors import DanglingRelationshipError, DuplicateIdError
from graphsvc.model import Label, RelType
from graphsvc.store import Store, base
from graphsvc.store import neo4j as neo4j_store
from graphsvc.store.base import GC_FULL_AFTER
from graphsvc.store.types import LoadMemory
from tests.factories import knows, node, people, person, rel


def test_bulk_load_counts_created_updated_unchanged(store: Store) -> None:
    ids = [f"p{i:03d}" for i in range(120)]
    edges = [knows(ids[i], ids[i + 1]) for i in range(119)]
    result = store.bulk_upsert(people(ids), edges, batch_size=50)
    assert (result.created, result.updated, result.unchanged, result.rels_written) == (120, 0, 0, 119)
    assert result.batches == 3 + 3
    again = store.bulk_upsert(people(ids[:10]) + [person("p010", "Renamed")], batch_size=50)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 10)
    assert len(store.project().edges) == 119


def test_relationships_may_point_at_nodes_of_the_same_batch(store: Store) -> None:
    result = store.write_batch([person("a"), person("b")], [knows("a", "b")])
    assert result.created == 2 and result.rels_written == 1


def test_a_batch_with_one_dangling_row_stores_nothing_of_that_batch(store: Store) -> None:
    store.bulk_upsert(people(["a", "b", "c", "d"]))
    good_batch = [knows("a", "b")]
    bad_batch = [knows("b", "c"), knows("c", "ghost"), knows("c", "d")]
    with pytest.raises(DanglingRelationshipError) as err:
        store.bulk_upsert(rels=good_batch + bad_batch, batch_size=1)
    assert err.value.row == 2 and err.value.value == "ghost"
    # batch size 1: the rows before the bad one each were their own batch
    found = {(r.start, r.end) for r in store.relationships(Label.PERSON, "c")}
    assert found == {("b", "c")}


def test_a_bad_row_in_the_middle_of_a_batch_rolls_the_whole_batch_back(store: Store) -> None:
    nodes = people(["a", "b", "c", "d"])
    rels = [knows("a", "b"), knows("b", "c"), knows("c", "ghost"), knows("c", "d")]
    with pytest.raises(DanglingRelationshipError) as err:
        store.write_batch(nodes, rels)
    assert err.value.row == 2 and err.value.field == "end"
    assert store.get(Label.PERSON, "a") is None  # nodes of the batch are gone too
    assert store.project().number_of_nodes() == 0


def test_a_later_bad_batch_leaves_earlier_batches_whole(store: Store) -> None:
    store.bulk_upsert(people(["a", "b", "c", "d"]))
    rels = [knows("a", "b"), knows("a", "c"), knows("a", "d"), rel("SPEAKS", "a", "ara")]
    with pytest.raises(DanglingRelationshipError) as err:
        store.bulk_upsert(rels=rels, batch_size=2)
    assert err.value.row == 3
    assert {r.end for r in store.relationships(Label.PERSON, "a", [RelType.KNOWS])} == {"b", "c"}


def test_duplicate_ids_in_one_batch_are_refused(store: Store) -> None:
    with pytest.raises(DuplicateIdError) as err:
        store.bulk_upsert([person("a"), person("b"), person("a", "Other")])
    assert err.value.row == 2 and err.value.field == "id" and err.value.value == "a"
    assert store.get(Label.PERSON, "a") is None


def test_a_later_batch_with_a_duplicate_leaves_earlier_batches_whole(store: Store) -> None:
    # a store may check the next batch while it writes this one: the error still comes in order
    with pytest.raises(DuplicateIdError) as err:
        store.bulk_upsert([person("a"), person("b"), person("c"), person("c", "Other")], batch_size=2)
    assert (err.value.row, err.value.field) == (3, "id")
    assert sorted(store.get_many(Label.PERSON, ["a", "b", "c"])) == ["a", "b"]
    store.bulk_upsert(people(["c", "d"]))
    rels = [knows("a", "b"), knows("a", "c"), knows("a", "d"), knows("d", "a"), knows("b", "c")]
    with pytest.raises(DuplicateIdError) as err:
        store.bulk_upsert(rels=rels, batch_size=2)
    assert (err.value.row, err.value.field) == (3, "rel")
    assert {r.end for r in store.relationships(Label.PERSON, "a", [RelType.KNOWS])} == {"b", "c"}
    assert {(r.start, r.end) for r in store.relationships(Label.PERSON, "c")} == {("a", "c")}  # b-c came after


def test_duplicate_relationship_in_one_batch_is_refused_even_reversed(store: Store) -> None:
    store.bulk_upsert(people(["a", "b"]))
    with pytest.raises(DuplicateIdError) as err:
        store.write_batch(rels=[knows("a", "b", 0.2), knows("b", "a", 0.9)])
    assert err.value.row == 1
    assert store.relationships(Label.PERSON, "a") == []


def test_large_windows_give_the_same_graph_and_upsert_as_batch_after_batch(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of 60 relationships in batches of 5 (on Neo4j: two sessions on node-disjoint
    blocks): every relationship once, props replaced on a second load; a window with a
    dangling end or a pair given twice is written batch after batch, as before."""
    monkeypatch.setattr(neo4j_store, "PARALLEL_WINDOW", 60)
    blocks: list[int] = []
    if isinstance(store, neo4j_store.Neo4jStore):
        real = store._write_blocks
        monkeypatch.setattr(store, "_write_blocks", lambda parts, size, memory: blocks.append(sum(map(len, parts.values()))) or real(parts, size, memory))
    ids = [f"p{i:02d}" for i in range(40)]
    rng = random.Random(5)
    pairs = sorted({tuple(sorted(rng.sample(ids, 2))) for _ in range(150)})
    edges = [knows(a, b, round(rng.random(), 2)) for a, b in pairs]
    speaks = [rel("SPEAKS", p, ("ara", "eng", "fra")[i % 3], props={"level": "fluent"}) for i, p in enumerate(ids)]
    result = store.bulk_upsert(people(ids) + [node("Language", id=c) for c in ("ara", "eng", "fra")], edges + speaks,
                               batch_size=5)
    assert result.rels_written == len(edges) + len(speaks)
    graph = store.project()
    assert graph.number_of_edges() == len(edges) + len(speaks)
    want = {(e.start, e.end): e.props["trust"] for e in edges}
    got = {tuple(sorted((graph.nodes[u]["id"], graph.nodes[v]["id"]))): d["trust"]
           for u, v, d in graph.edges(data=True) if d["type"] == "KNOWS"}
    assert got == want
    changed = [knows(e.start, e.end, 0.01) for e in edges]
    store.bulk_upsert(rels=changed, batch_size=5)
    assert {d["trust"] for _, _, d in store.project().edges(data=True) if d["type"] == "KNOWS"} == {0.01}
    assert store.project().number_of_edges() == len(edges) + len(speaks)
    bad = changed[:70] + [knows("p00", "ghost")] + changed[70:]
    with pytest.raises(DanglingRelationshipError) as err:
        store.bulk_upsert(rels=bad, batch_size=5)
    assert err.value.row == 70 and err.value.value == "ghost"
    twice = changed[:30] + [knows(changed[0].start, changed[0].end, 0.5)] + changed[30:]  # within the first window
    store.bulk_upsert(rels=twice, batch_size=5)  # given twice in different batches: the later wins
    assert store.get_relationship(changed[0]).props["trust"] == 0.5  # type: ignore[union-attr]
    if isinstance(store, neo4j_store.Neo4jStore):
        def windows(rels: list[Any]) -> list[int]:
            return [len(rels[k:k + 60]) for k in range(0, len(rels), 60) if len(rels[k:k + 60]) >= 4 * 5]
        assert blocks == windows(edges + speaks) + windows(changed) + [60] + windows(twice)[1:]


@pytest.mark.parametrize("window", [60, 100_000])
def test_a_load_that_creates_nodes_connects_each_pair_once(store: Store, monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    """Relationships to nodes the same load created (on Neo4j written without MERGE) next to
    relationships among nodes that were there before: a pair given again in a later batch or
    window, reversed or not, is still one relationship, with the later props."""
    monkeypatch.setattr(neo4j_store, "PARALLEL_WINDOW", window)
    old = [f"o{i:02d}" for i in range(10)]
    store.bulk_upsert(people(old), [knows(old[i], old[i + 1], 0.3) for i in range(9)])
    new = [f"n{i:02d}" for i in range(30)]
    rng = random.Random(11)
    pairs = sorted({tuple(sorted(rng.sample(old + new, 2))) for _ in range(120)} | {("o00", "o01"), ("n00", "o00")})
    edges = [knows(a, b, 0.5) for a, b in pairs]
    again = [knows("o01", "o00", 0.7), knows("o00", "n00", 0.8), knows(edges[3].end, edges[3].start, 0.9)]
    result = store.bulk_upsert(people(old + new), edges + again, batch_size=5)
    assert result.created == len(new) and result.rels_written == len(edges) + len(again)
    want = {(f"o{i:02d}", f"o{i + 1:02d}"): 0.3 for i in range(9)} | {pair: 0.5 for pair in pairs}
    want |= {("o00", "o01"): 0.7, ("n00", "o00"): 0.8, (edges[3].start, edges[3].end): 0.9}
    graph = store.project()
    got = [(tuple(sorted((graph.nodes[u]["id"], graph.nodes[v]["id"]))), d["trust"]) for u, v, d in graph.edges(data=True)]
    assert len(got) == len(want) and dict(got) == want
    assert len(store.relationships(Label.PERSON, "o00", [RelType.KNOWS])) == len({p for p in want if "o00" in p})


def test_batches_of_one_load_share_what_it_created(store: Store) -> None:
    """write_batch with one LoadMemory per load (as the loaders do): a node created in one
    batch, connected in two later ones, the second time reversed, is connected once."""
    memory = LoadMemory()
    store.write_batch([person("a"), person("b")], [knows("a", "b", 0.1)], memory=memory)
    store.write_batch([person("c")], [knows("a", "c", 0.2)], memory=memory)
    store.write_batch([], [knows("c", "a", 0.4), knows("b", "a", 0.5)], memory=memory)
    assert {(r.start, r.end, r.props["trust"]) for r in store.relationships(Label.PERSON, "a")} == {("a", "b", 0.5), ("a", "c", 0.4)}
    store.write_batch([person("a", "Again")], [knows("a", "c", 0.6)], memory=LoadMemory())  # a new load
    assert len(store.relationships(Label.PERSON, "a")) == 2


def test_node_windows_give_each_id_once_and_the_later_row_wins(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of 60 nodes in batches of 5 (on Neo4j: two halves written side by side): all
    nodes stored once; an id given again in a later batch of the same window wins."""
    monkeypatch.setattr(neo4j_store, "PARALLEL_WINDOW", 60)
    ids = [f"p{i:03d}" for i in range(130)]
    result = store.bulk_upsert(people(ids), batch_size=5)
    assert (result.created, result.updated, result.unchanged) == (130, 0, 0)
    assert store.count_nodes(Label.PERSON) == 130
    again = people(ids[:40]) + [person("p003", "Later")] + people(ids[40:])
    result = store.bulk_upsert(again, batch_size=5)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 130)  # p003 unchanged, then renamed
    assert store.get(Label.PERSON, "p003").name == "Later"  # type: ignore[union-attr]


def test_a_load_that_remembers_no_more_relationships_merges_the_rest(store: Store) -> None:
    """Past the memory's limit, relationships to nodes the load created are merged: given
    again later in the load, they are still connected once."""
    memory = LoadMemory(limit=2)
    store.write_batch(people(["a", "b", "c", "d"]), [knows("a", "b"), knows("a", "c"), knows("a", "d")], memory=memory)
    store.write_batch([person("e")], [knows("a", "e", 0.2)], memory=memory)
    store.write_batch([], [knows("e", "a", 0.9), knows("c", "a", 0.4)], memory=memory)
    found = {(r.start, r.end): r.props["trust"] for r in store.relationships(Label.PERSON, "a")}
    assert len(store.relationships(Label.PERSON, "a")) == 4 and found[("a", "e")] == 0.9 and found[("a", "c")] == 0.4


def test_a_bulk_load_pauses_full_garbage_collections_and_leaves_the_collector_as_it_found_it(store: Store) -> None:
    seen: list[tuple[int, int, int]] = []

    def nodes(ids: list[str]) -> Iterator[Any]:
        for n in people(ids):
            seen.append(gc.get_threshold())
            yield n

    before = gc.get_threshold()
    store.bulk_upsert(nodes(["a", "b", "c"]), [knows("a", "b")], batch_size=2)
    assert seen == [(before[0], before[1], GC_FULL_AFTER)] * 3  # young collections go on
    assert gc.get_threshold() == before
    with pytest.raises(DanglingRelationshipError):
        store.bulk_upsert(rels=[knows("a", "ghost")])
    assert gc.get_threshold() == before  # after a failed load too
    gc.set_threshold(500, 5, 5)
    try:
        store.bulk_upsert(people(["d"]))
        assert gc.get_threshold() == (500, 5, 5)  # the application's own settings come back
    finally:
        gc.set_threshold(*before)


def test_a_long_load_frees_cyclic_garbage_as_it_goes_and_unfreezes_what_it_froze(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    class Cycle:
        me: Any = None

    made: list[weakref.ref[Cycle]] = []

    def nodes() -> Iterator[Any]:
        for n in people(["a", "b", "c", "d", "e", "f"]):
            if not made:  # garbage made during the load, that only a collection frees
                cycle = Cycle()
                cycle.me = cycle
                made.append(weakref.ref(cycle))
                del cycle
            yield n

    monkeypatch.setattr(base, "GC_FULL_EVERY_ROWS", 2)
    before = gc.get_threshold()
    gc.set_threshold(0, before[1], before[2])  # no automatic collection at all: only the load's own
    try:
        store.bulk_upsert(nodes(), batch_size=2)
        assert made[0]() is None
        assert gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*before)


def test_a_node_deleted_between_two_batches_of_a_load_is_not_connected(store: Store) -> None:
    # what a load remembers of the nodes it wrote must not outlive them
    memory = LoadMemory()
    store.write_batch(people(["a", "b"]), [knows("a", "b")], memory=memory)
    assert store.delete(Label.PERSON, "b")
    store.write_batch([person("c")], memory=memory)  # a new node, possibly where b was
    with pytest.raises(DanglingRelationshipError) as err:
        store.write_batch(rels=[knows("a", "c"), knows("a", "b")], memory=memory)
    assert (err.value.row, err.value.value) == (1, "b")
    assert store.relationships(Label.PERSON, "a") == []
    store.write_batch(rels=[knows("a", "c")], memory=memory)  # the load goes on after the error
    assert [(r.start, r.end) for r in store.relationships(Label.PERSON, "c")] == [("a", "c")]
