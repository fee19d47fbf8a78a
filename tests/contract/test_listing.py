"""Filtered listing with keyset cursors, stable under concurrent inserts."""

from __future__ import annotations

import pytest

from graphsvc.errors import InvalidInputError
from graphsvc.model import Label
from graphsvc.store import NodeFilter, Order, Store
from tests.factories import node, person, rel


def _all(store: Store, label: Label, flt: NodeFilter | None = None, first: int = 2, order: Order = Order.NAME) -> list[str]:
    ids, after = [], None
    while True:
        page = store.list_nodes(label, flt, first=first, after=after, order=order)
        ids += [n.id for n in page.items]
        if not page.has_next_page:
            return ids
        after = page.end_cursor


@pytest.fixture
def community(store: Store) -> Store:
    store.bulk_upsert([
        person("p1", "Zainab", roles={"NEWCOMER"}),
        person("p2", "amal", roles={"NEWCOMER"}),
        person("p3", "Ámal", roles={"MENTOR", "PROFESSIONAL"}),
        person("p4", "Bohdan", roles={"MENTOR"}),
        person("p5", "Amir", roles={"RESIDENT"}),
        person("p6", "Олена", roles={"NEWCOMER"}, consent={"directory": True}),
        node(Label.LANGUAGE, id="ara"),
        node(Label.LANGUAGE, id="ukr"),
        node(Label.INTEREST, id="chess", name="Chess"),
        node(Label.NEIGHBORHOOD, id="n1", name="Riverside"),
        node(Label.INSTITUTION, id="i1", name="Library", kind="library"),
        node(Label.ORGANIZATION, id="o1", name="Hospital", kind="employer"),
    ])
    store.bulk_upsert(rels=[
        rel("SPEAKS", "p1", "ara"), rel("SPEAKS", "p2", "ara"), rel("SPEAKS", "p3", "ara"),
        rel("SPEAKS", "p4", "ukr"), rel("SPEAKS", "p6", "ukr"),
        rel("INTERESTED_IN", "p2", "chess"), rel("INTERESTED_IN", "p4", "chess"),
        rel("LIVES_IN", "p1", "n1"), rel("LIVES_IN", "p4", "n1"), rel("LOCATED_IN", "i1", "n1"),
        rel("AFFILIATED_WITH", "p3", "o1", end_label="Organization"), rel("AFFILIATED_WITH", "p5", "i1", end_label="Institution"),
    ])
    return store


def test_order_by_name_is_case_insensitive_then_by_id(community: Store) -> None:
    assert _all(community, Label.PERSON) == ["p2", "p5", "p4", "p1", "p3", "p6"]
    assert _all(community, Label.PERSON, order=Order.ID) == ["p1", "p2", "p3", "p4", "p5", "p6"]


@pytest.mark.parametrize("flt,expected", [
    (NodeFilter(role="NEWCOMER"), {"p1", "p2", "p6"}),
    (NodeFilter(role="MENTOR"), {"p3", "p4"}),
    (NodeFilter(language="ara"), {"p1", "p2", "p3"}),
    (NodeFilter(language="UKR", role="MENTOR"), {"p4"}),
    (NodeFilter(interest="chess"), {"p2", "p4"}),
    (NodeFilter(neighborhood="n1"), {"p1", "p4"}),
    (NodeFilter(name_prefix="am"), {"p2", "p5"}),
    (NodeFilter(name_prefix="ОЛ"), {"p6"}),
    (NodeFilter(name_prefix="x"), set()),
    (NodeFilter(language="ara", interest="chess", role="NEWCOMER"), {"p2"}),
    (NodeFilter(organization="o1"), {"p3"}),
    (NodeFilter(organization="i1"), set()),  # an institution is not an organization
    (NodeFilter(directory_or="p1"), {"p1", "p6"}),
    (NodeFilter(directory_or=""), {"p6"}),
])
def test_filters(community: Store, flt: NodeFilter, expected: set[str]) -> None:
    ids = _all(community, Label.PERSON, flt)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert community.count_nodes(Label.PERSON, flt) == len(expected)


def test_neighborhood_filter_finds_institutions_too(community: Store) -> None:
    assert _all(community, Label.INSTITUTION, NodeFilter(neighborhood="n1")) == ["i1"]


def test_pages_are_stable_under_concurrent_inserts(community: Store) -> None:
    before = _all(community, Label.PERSON)
    page = community.list_nodes(Label.PERSON, first=3)
    # others insert, before and after the cursor, while we page
    community.bulk_upsert([person("q1", "Aaron"), person("q2", "Zed"), person("q3", "Bob")])
    seen = [n.id for n in page.items]
    after = page.end_cursor
    while after:
        page = community.list_nodes(Label.PERSON, first=3, after=after)
        seen += [n.id for n in page.items]
        after = page.end_cursor if page.has_next_page else None
    assert len(seen) == len(set(seen)), "no item twice"
    assert [i for i in seen if i in before] == before, "none skipped, order kept"
    assert "q1" not in seen and "q2" in seen  # inserted behind the cursor: not seen; ahead: seen


def test_empty_listing_and_last_page(store: Store) -> None:
    page = store.list_nodes(Label.PERSON)
    assert page.items == [] and page.end_cursor is None and not page.has_next_page


@pytest.mark.parametrize("first", [0, -1, 1001, True])
def test_page_size_is_bounded(store: Store, first: int) -> None:
    with pytest.raises(InvalidInputError) as err:
        store.list_nodes(Label.PERSON, first=first)
    assert err.value.field == "first"


@pytest.mark.parametrize("cursor", ["garbage", "", "W10", "bnVsbA"])
def test_bad_cursor_is_a_clear_error(store: Store, cursor: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        store.list_nodes(Label.PERSON, after=cursor or "=")
    assert err.value.field == "after"


def test_bad_filter_values_name_the_field() -> None:
    with pytest.raises(InvalidInputError) as err:
        NodeFilter(language="arabic")
    assert err.value.field == "language"
    with pytest.raises(InvalidInputError) as err:
        NodeFilter(role="KING")  # type: ignore[arg-type]
    assert err.value.field == "role"
