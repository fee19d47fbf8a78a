"""k-hop neighbourhoods and shortest KNOWS paths, checked against NetworkX."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphsvc.errors import InvalidInputError, NotFoundError
from graphsvc.model import Label, RelType
from graphsvc.store import Store
from tests.factories import knows, knows_graph, node, rel

#   a - b - c - d        a..d: one path of 3 hops
#    \     /             a..c: two paths of 2 hops (via b, via e)
#      e                 f: alone
EDGES = [("a", "b"), ("b", "c"), ("c", "d"), ("a", "e"), ("e", "c")]


@pytest.fixture
def chain(store: Store) -> Store:
    nodes, rels = knows_graph(EDGES)
    store.bulk_upsert(nodes + [node(Label.PERSON, id="f", name="F"), node(Label.LANGUAGE, id="ara")], rels)
    store.bulk_upsert(rels=[rel("SPEAKS", "a", "ara"), rel("SPEAKS", "d", "ara")])
    return store


def test_chains_go_around_people_who_refused_to_be_intermediaries(store: Store) -> None:
    nodes, rels = knows_graph(EDGES, refuse={"e", "a"})
    store.bulk_upsert(nodes, rels)
    assert store.shortest_paths("a", "c") == [["a", "b", "c"]]  # not via e; a is an end, not inside
    assert store.shortest_paths("e", "d") == [["e", "c", "d"]]
    nodes, rels = knows_graph(EDGES, refuse={"b", "e"})
    store.bulk_upsert(nodes, rels)  # both ways from a to c now pass someone who refused
    assert store.shortest_paths("a", "d") == [] and store.shortest_paths("a", "b") == [["a", "b"]]


def test_shortest_paths_hand_checked(chain: Store) -> None:
    assert chain.shortest_paths("a", "c") == [["a", "b", "c"], ["a", "e", "c"]]
    assert chain.shortest_paths("d", "a") == [["d", "c", "b", "a"], ["d", "c", "e", "a"]]
    assert chain.shortest_paths("a", "b") == [["a", "b"]]
    assert chain.shortest_paths("a", "a") == [["a"]]
    assert chain.shortest_paths("a", "c", limit=1) == [["a", "b", "c"]]


def test_hop_limit_and_unreachable(chain: Store) -> None:
    assert chain.shortest_paths("a", "d", max_hops=2) == []
    assert chain.shortest_paths("a", "d", max_hops=3) == [["a", "b", "c", "d"], ["a", "e", "c", "d"]]
    assert chain.shortest_paths("a", "f") == []


def test_paths_only_follow_knows(chain: Store) -> None:
    # a and d both speak Arabic, but that is not an acquaintance
    assert chain.shortest_paths("a", "d") == [["a", "b", "c", "d"], ["a", "e", "c", "d"]]


def test_path_arguments_are_checked(chain: Store) -> None:
    with pytest.raises(NotFoundError) as err:
        chain.shortest_paths("a", "nobody")
    assert err.value.field == "to"
    with pytest.raises(InvalidInputError) as err2:
        chain.shortest_paths("a", "b", max_hops=7)
    assert err2.value.field == "max_hops"


def test_k_hop_neighborhood(chain: Store) -> None:
    one = chain.neighborhood(Label.PERSON, "a", hops=1, types=[RelType.KNOWS])
    assert {n.id for n in one.nodes} == {"a", "b", "e"}
    assert {(r.start, r.end) for r in one.rels} == {("a", "b"), ("a", "e")}
    two = chain.neighborhood(Label.PERSON, "a", hops=2, types=[RelType.KNOWS])
    assert {n.id for n in two.nodes} == {"a", "b", "e", "c"}
    assert len(two.rels) == 4  # b-c and e-c come in; c-d does not
    everything = chain.neighborhood(Label.PERSON, "a", hops=1)
    assert {n.id for n in everything.nodes} == {"a", "b", "e", "ara"}
    zero = chain.neighborhood(Label.PERSON, "a", hops=0)
    assert [n.id for n in zero.nodes] == ["a"] and zero.rels == []
    with pytest.raises(NotFoundError):
        chain.neighborhood(Label.PERSON, "nobody")


edge_lists = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 11)).filter(lambda e: e[0] != e[1]), min_size=1, max_size=30
)


@given(edges=edge_lists, pair=st.tuples(st.integers(0, 11), st.integers(0, 11)),
       refuse=st.sets(st.integers(0, 11), max_size=4))
def test_shortest_paths_agree_with_networkx(store: Store, edges: list[tuple[int, int]], pair: tuple[int, int],
                                            refuse: set[int]) -> None:
    """Against NetworkX on the graph without the people who refused to be intermediaries
    (the two ends stay, whatever they chose)."""
    store.clear()
    named = [(f"v{u:02d}", f"v{v:02d}") for u, v in edges]
    refused = {f"v{i:02d}" for i in refuse}
    nodes, rels = knows_graph(named, refuse=refused)
    store.bulk_upsert(nodes, {r.key: r for r in rels}.values())
    a, b = f"v{pair[0]:02d}", f"v{pair[1]:02d}"
    G = nx.Graph(named)
    if a not in G or b not in G:
        return
    G.remove_nodes_from(refused - {a, b})
    try:
        expected = sorted(nx.all_shortest_paths(G, a, b))
    except nx.NetworkXNoPath:
        expected = []
    expected = [p for p in expected if len(p) - 1 <= 6]
    assert store.shortest_paths(a, b, limit=1000) == expected


def test_paths_come_with_their_hops_as_stored(chain: Store) -> None:
    chain.connect(knows("c", "b", trust=0.9, context="choir"))  # stored as b-c, whichever way it is given
    for a, b, hops, limit in (("d", "a", 4, 10), ("a", "c", 4, 1), ("a", "d", 2, 10), ("a", "f", 4, 10), ("a", "a", 4, 10)):
        got = chain.paths_with_hops(a, b, max_hops=hops, limit=limit)
        assert [path for path, _ in got] == chain.shortest_paths(a, b, max_hops=hops, limit=limit)
        for path, rels in got:
            assert rels == [chain.get_relationship(knows(u, v)) for u, v in itertools.pairwise(path)]
    (path, rels), _ = chain.paths_with_hops("d", "a")
    assert path == ["d", "c", "b", "a"] and [(r.start, r.end, r.props.get("context")) for r in rels] == [("c", "d", None), ("b", "c", "choir"), ("a", "b", None)]
    with pytest.raises(NotFoundError) as err:
        chain.paths_with_hops("nobody", "a")
    assert err.value.field == "from"
