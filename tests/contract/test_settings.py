"""Program settings beside the graph: stored, replaced, never part of the graph."""

from __future__ import annotations

import json

from graphsvc.model import Label
from graphsvc.store import Store
from graphsvc.store.types import ProjectionSpec


def test_settings_are_stored_replaced_and_kept_apart_from_the_graph(store: Store) -> None:
    assert store.get_setting("matching.profile") is None
    store.put_setting("matching.profile", json.dumps({"weights": {"language": 3}}))
    store.put_setting("matching.exclusions", "[]")
    assert json.loads(store.get_setting("matching.profile") or "") == {"weights": {"language": 3}}
    store.put_setting("matching.profile", '{"weights": {"language": 1}, "name": "نساء"}')
    assert json.loads(store.get_setting("matching.profile") or "")["name"] == "نساء"
    assert store.get_setting("matching.exclusions") == "[]"
    assert all(store.count_nodes(label) == 0 for label in Label)
    assert store.project(ProjectionSpec()).number_of_nodes() == 0
