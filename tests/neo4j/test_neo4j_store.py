"""What only the Neo4j store promises: driver errors become graphsvc's own."""

from __future__ import annotations

import pytest

from graphsvc.errors import StoreError
from graphsvc.settings import Settings
from graphsvc.store import open_store
from tests.conftest import _neo4j_settings

pytestmark = pytest.mark.neo4j


def test_a_missing_database_is_a_store_error_not_a_driver_error(neo4j_uri: str) -> None:
    settings = Settings(**{**_neo4j_settings().model_dump(), "neo4j_database": "nosuchdatabase"})
    with pytest.raises(StoreError) as err:
        open_store(neo4j_uri, settings)
    assert "neo4j" not in type(err.value).__module__


def test_schema_has_a_uniqueness_constraint_per_label(neo4j_store) -> None:  # type: ignore[no-untyped-def]
    from graphsvc.model import Label

    records = neo4j_store._read("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type RETURN *")
    unique = {(r["labelsOrTypes"][0], tuple(r["properties"])) for r in records if r["type"] == "UNIQUENESS"}
    assert {(label.value, ("id",)) for label in Label} <= unique
