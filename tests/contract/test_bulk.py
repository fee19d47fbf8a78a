"""Bulk upserts: batches are atomic; a bad row stores nothing of its batch."""

from __future__ import annotations

import pytest

from graphsvc.errors import DanglingRelationshipError, DuplicateIdError
from graphsvc.model import Label, RelType
from graphsvc.store import Store
from tests.factories import knows, people, person, rel


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


def test_duplicate_relationship_in_one_batch_is_refused_even_reversed(store: Store) -> None:
    store.bulk_upsert(people(["a", "b"]))
    with pytest.raises(DuplicateIdError) as err:
        store.write_batch(rels=[knows("a", "b", 0.2), knows("b", "a", 0.9)])
    assert err.value.row == 1
    assert store.relationships(Label.PERSON, "a") == []
