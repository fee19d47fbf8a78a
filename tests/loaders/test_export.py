"""Exports from each store: bundle and CSV round-trip through import; GraphML and GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from graphsvc.model import Label
from graphsvc.store import open_store
from graphsvc.store.base import Store
from loaders.export import ExportFormat, export
from loaders.pipeline import load
from loaders.sources import read
from tests.factories import knows, node, person, rel

SQUARE = {"type": "Polygon", "coordinates": [[[-73.7, 45.4], [-73.5, 45.4], [-73.5, 45.6], [-73.7, 45.6], [-73.7, 45.4]]]}


def seed(store: Store) -> None:
    store.bulk_upsert(
        [
            person("amal", "أمل", roles={"NEWCOMER"}, contact={"email": "amal@example.org"}, sensitive={"origin_country": "EG"},
                   consent={"matching": True, "sensitive_purposes": {"matching"}}),
            person("samir", "Samir", roles={"MENTOR"}, mentor_capacity=2),
            node("Language", id="arz"),
            node("Neighborhood", id="riverside", name="Riverside", geometry=SQUARE),
            node("Institution", id="lib", name="Library", kind="library", latitude=45.5, longitude=-73.6, services=["ESL"]),
            node("Institution", id="clinic", name="Clinic", kind="clinic"),
            node("Organization", id="city", name="City", kind="government"),
        ],
        [knows("samir", "amal", 0.7, context="ESL"), rel("SPEAKS", "amal", "arz"), rel("LOCATED_IN", "lib", "riverside"),
         rel("OPERATES", "city", "lib"), rel("AFFILIATED_WITH", "samir", "lib", end_label="Institution")],
    )


def snapshot(store: Store) -> tuple[list, list]:
    from loaders.export import iter_nodes, iter_rels

    strip = {"created_at": None, "updated_at": None}
    nodes = sorted((n.model_copy(update=strip) for n in iter_nodes(store, list(Label))), key=lambda n: (n.label, n.id))
    rels = sorted(iter_rels(store, list(Label)), key=lambda r: r.key)
    return nodes, rels


@pytest.mark.parametrize("format", [ExportFormat.BUNDLE, ExportFormat.CSV])
def test_export_then_import_gives_the_same_graph(store: Store, tmp_path: Path, format: ExportFormat) -> None:
    seed(store)
    target = tmp_path / ("out.json" if format is ExportFormat.BUNDLE else "out")
    counts = export(store, target, format, include_hidden=True)
    assert counts == {"nodes": 7, "relationships": 5}
    with open_store(f"sqlite:///{tmp_path}/copy.db") as copy:
        report = load(copy, read(target))
        assert report.errors == [] and report.created == 7
        assert snapshot(copy) == snapshot(store)
    again = load(store, read(target))  # and into the store it came from: nothing changes
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)


def test_private_and_sensitive_fields_stay_out_unless_asked_for(store: Store, tmp_path: Path) -> None:
    seed(store)
    export(store, tmp_path / "public.json", ExportFormat.BUNDLE)
    text = (tmp_path / "public.json").read_text(encoding="utf-8")
    assert "amal@example.org" not in text and '"EG"' not in text and "contact" not in text
    export(store, tmp_path / "public", ExportFormat.CSV)
    assert "amal@example.org" not in (tmp_path / "public" / "people.csv").read_text(encoding="utf-8")
    export(store, tmp_path / "full.json", ExportFormat.BUNDLE, include_hidden=True)
    assert "amal@example.org" in (tmp_path / "full.json").read_text(encoding="utf-8")


def test_a_part_of_the_graph(store: Store, tmp_path: Path) -> None:
    seed(store)
    counts = export(store, tmp_path / "places.json", ExportFormat.BUNDLE, labels=[Label.INSTITUTION, Label.NEIGHBORHOOD])
    assert counts == {"nodes": 3, "relationships": 1}  # only LOCATED_IN has both ends inside
    document = json.loads((tmp_path / "places.json").read_text(encoding="utf-8"))
    assert set(document) == {"format", "version", "institutions", "neighborhoods", "relationships"}


def test_graphml_is_readable_by_networkx_without_private_fields(store: Store, tmp_path: Path) -> None:
    seed(store)
    export(store, tmp_path / "g.graphml", ExportFormat.GRAPHML)
    G = nx.read_graphml(tmp_path / "g.graphml")
    assert G.number_of_nodes() == 7 and G.has_edge("Person:amal", "Person:samir")
    assert G.edges["Person:amal", "Person:samir"]["trust"] == 0.7
    assert G.nodes["Person:amal"]["roles"] == "NEWCOMER"
    assert not any(k.startswith(("contact", "sensitive")) for _, d in G.nodes(data=True) for k in d)


def test_geojson_is_rfc_7946(store: Store, tmp_path: Path) -> None:
    seed(store)
    export(store, tmp_path / "places.geojson", ExportFormat.GEOJSON)
    doc = json.loads((tmp_path / "places.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in doc["features"]}
    assert set(by_id) == {"Institution:lib", "Institution:clinic", "Neighborhood:riverside"}
    assert by_id["Institution:lib"]["geometry"] == {"type": "Point", "coordinates": [-73.6, 45.5]}  # [lon, lat]
    assert by_id["Institution:clinic"]["geometry"] is None
    assert by_id["Neighborhood:riverside"]["geometry"] == SQUARE
    assert by_id["Institution:lib"]["properties"]["services"] == ["ESL"]
