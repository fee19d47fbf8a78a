"""The HSDS 3.0 reader: the official examples, CSV and JSON alike, and a dataset of our own."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from graphsvc.model import Label, Neighborhood, RelType, parse_node, parse_rel
from loaders.hsds import looks_like_hsds, read_hsds
from loaders.items import Item, Problem, Severity

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "hsds-3.0-examples"  # the official examples, copied


ORG = "hsds:d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
PLACE = "hsds:3a19ff88-4620-4d17-9830-ac1d859eb5d5"
# The official example in every form that carries its organization, location and service.
FULL_FORMS = ["csv", "organization_full.json", "service_full.json", "service_at_location_full.json", "tabular.json"]


def read(path: Path, **kwargs: Any) -> tuple[list[Item], list[Problem]]:
    """The items (each checked to be valid model input) and the problems of a dataset."""
    stream = list(read_hsds(path, **kwargs))
    items = [x for x in stream if isinstance(x, Item)]
    for item in items:
        if item.is_node:
            parse_node(item.kind, item.data, row=item.row)
        else:
            parse_rel(item.data, row=item.row)
    return items, [x for x in stream if isinstance(x, Problem)]


def of(items: list[Item], kind: Label | RelType) -> list[dict[str, Any]]:
    return [item.data for item in items if item.kind == kind]


def rels(items: list[Item], kind: RelType) -> set[tuple[str, str]]:
    return {(data["start"], data["end"]) for data in of(items, kind)}


# --- the official examples ----------------------------------------------------------------


@pytest.mark.parametrize("form", FULL_FORMS)
def test_official_example_loads(form: str) -> None:
    items, problems = read(EXAMPLES / form)

    assert of(items, Label.ORGANIZATION) == [
        {"id": ORG, "name": "Example Organization Inc.", "kind": "nonprofit", "website": "http://example.com"}
    ]
    [place] = of(items, Label.INSTITUTION)
    assert place == {
        "id": PLACE,
        "name": "MyCity Civic Center",
        "kind": "community_center",
        "address": "1-30 Main Street, MyVillage, MyCity, MyState ABC 1234, US",
        "services": ["Community Counselling"],
        "hours": "Thu, Fri 10:00-18:00",
    }
    assert "latitude" not in place and "longitude" not in place
    assert of(items, Label.LANGUAGE) == [{"id": "urd"}]
    assert rels(items, RelType.OPERATES) == {(ORG, PLACE)}
    assert rels(items, RelType.SERVES_LANGUAGE) == {(PLACE, "urd")}

    file = "locations.csv" if form == "csv" else form
    row = 2 if form == "csv" else 1
    coordinates = {p.column: p for p in problems if p.column in ("latitude", "longitude")}
    assert {column: str(p.value) for column, p in coordinates.items()} == {"latitude": "100", "longitude": "101"}
    for p in coordinates.values():
        assert (p.file, p.row, p.severity) == (file, row, Severity.WARNING)
    assert "out of range" in coordinates["latitude"].reason
    assert not [p for p in problems if p.severity is Severity.ERROR]


def test_official_csv_names_the_unknown_operator_and_falls_back_to_the_services() -> None:
    # locations.csv says organization 985e4a42-..., which no organizations.csv row has;
    # the location's service belongs to d9d5e0f5-..., as the JSON form nests it.
    items, problems = read(EXAMPLES / "csv")
    [p] = [p for p in problems if p.column == "organization_id"]
    assert (p.file, p.row, p.value, p.severity) == (
        "locations.csv", 2, "985e4a42-bd9f-4edc-911d-0243a4640aca", Severity.WARNING)
    assert rels(items, RelType.OPERATES) == {(ORG, PLACE)}


@pytest.mark.parametrize("form", FULL_FORMS[1:])
def test_csv_and_json_forms_give_the_same_items(form: str) -> None:
    def content(path: Path) -> list[tuple[str, str]]:
        return [(item.kind.value, json.dumps(item.data, sort_keys=True)) for item in read(path)[0]]

    assert content(EXAMPLES / form) == content(EXAMPLES / "csv")


def test_official_location_and_organization_list() -> None:
    items, problems = read(EXAMPLES / "location.json")
    assert [item.kind for item in items] == [Label.INSTITUTION, Label.LANGUAGE, RelType.SERVES_LANGUAGE]
    assert {p.column for p in problems} == {"latitude", "longitude"}

    items, problems = read(EXAMPLES / "organization_list.json")  # a {"contents": [...]} page
    assert [(item.kind, item.data["id"], item.file, item.row) for item in items] == [
        (Label.ORGANIZATION, ORG, "organization_list.json", 1)
    ]
    assert problems == []


def test_looks_like_hsds(tmp_path: Path) -> None:
    for form in ["csv", "organization_full.json", "organization_list.json", "location.json", *FULL_FORMS]:
        assert looks_like_hsds(EXAMPLES / form), form
    assert not looks_like_hsds(EXAMPLES / "base.json")
    bundle = {"format": "graphsvc-bundle", "version": 1, "organizations": [{"id": "o1", "name": "A", "kind": "faith"}]}
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / "broken.json").write_text("{")
    assert not looks_like_hsds(tmp_path / "bundle.json")
    assert not looks_like_hsds(tmp_path / "broken.json")
    assert not looks_like_hsds(tmp_path)  # a folder without organizations.csv and locations.csv


# --- a dataset of our own ----------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


def square(lon: float, lat: float, size: float) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


# Riverside is a square with a hole; the Island fills the hole (and has a second part far
# away); Old Town has no geometry and is found by the text of an address.
NEIGHBORHOODS: list[Any] = [
    {"id": "n-1-river", "name": "Riverside", "city": "Springfield",
     "geometry": {"type": "Polygon", "coordinates": [square(13.0, 52.0, 1.0), square(13.4, 52.4, 0.2)]}},
    Neighborhood(id="n-2-island", name="Island", geometry={
        "type": "MultiPolygon", "coordinates": [[square(13.4, 52.4, 0.2)], [square(20.0, 40.0, 1.0)]]}),
    {"id": "n-3-old", "name": "Old Town", "city": "Springfield"},
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    write_csv(tmp_path / "organizations.csv", [
        ["id", "name", "description", "website"],
        ["o1", "Westside Library Foundation", "Friends of the library.\nRaises funds\nfor branches.",
         "https://westside.example.org"],
        ["o2", "St. Mark's Church", "A parish", ""],
        ["o3", "City of Springfield", "Municipal services", "not a web address"],
    ], encoding="utf-8-sig")  # with a byte order mark
    write_csv(tmp_path / "locations.csv", [
        ["id", "organization_id", "location_type", "name", "latitude", "longitude"],
        ["l1", "o1", "physical", "Westside Library", "52.5", "13.5"],  # in the hole: the Island
        ["l2", "o2", "physical", "St. Mark's Church Hall", "52.1", "13.1"],  # Riverside
        ["l3", "o3", "", "Springfield Town Hall", "", ""],  # no coordinates: Old Town by address
        ["l4", "o3", "virtual", "Online Permits Office", "", ""],  # not a place
        ["l5", "o1", "physical", "Eastside Branch Library", "48.1", "11.5"],  # in no neighborhood
        ["l6", "", "physical", "Newcomer Welcome Centre", "north", "13.0"],  # not a number
        ["l7", "o2", "physical", "Mosque Annex", "0", "0.0"],  # a placeholder
    ])
    write_csv(tmp_path / "addresses.csv", [
        ["id", "location_id", "address_1", "address_2", "city", "state_province", "postal_code", "country",
         "address_type"],
        ["a1", "l3", "PO Box 5", "", "Springfield", "IL", "62705", "US", "postal"],
        ["a2", "l3", "1 Main St", "Old Town", "Springfield", "IL", "62701", "US", "physical"],
        ["a3", "l6", "9 Side St", "Oldtownship", "Springfield", "IL", "", "US", "physical"],
    ])
    write_csv(tmp_path / "services.csv", [
        ["id", "organization_id", "name", "status"],
        ["s1", "o1", "Homework Help", "active"],
        ["s2", "o1", "Citizenship Classes", "active"],
        ["s3", "o2", "Food Bank", "inactive"],
        ["s4", "o3", "Permits", "active"],
    ])
    write_csv(tmp_path / "service_at_location.csv", [
        ["id", "service_id", "location_id"],
        ["sal1", "s1", "l1"], ["sal2", "s2", "l1"], ["sal3", "s3", "l2"], ["sal4", "s4", "l3"],
    ])
    write_csv(tmp_path / "schedules.csv", [
        ["id", "location_id", "service_at_location_id", "freq", "byday", "opens_at", "closes_at", "description"],
        ["h1", "l1", "", "WEEKLY", "MO,TU,WE", "09:00", "17:00", ""],
        ["h2", "l1", "", "", "SA", "10:00:00", "14:00:00", ""],
        ["h3", "", "sal4", "", "", "", "", "By appointment only"],
    ])
    write_csv(tmp_path / "phones.csv", [["id", "location_id", "number"], ["p1", "l2", "555-1234"]])
    write_csv(tmp_path / "languages.csv", [
        ["id", "location_id", "service_id", "phone_id", "name", "code"],
        ["g1", "l1", "", "", "English", "en"],  # ISO 639-1
        ["g2", "", "s2", "", "Arabic", "ar"],  # through a service at l1
        ["g3", "l2", "", "", "Elvish", "zz"],  # unknown
        ["g4", "", "", "p1", "Ukrainian", "uk"],  # through a phone at l2
        ["g5", "l3", "", "", "", "spa"],  # ISO 639-3
    ])
    return tmp_path


def test_own_dataset_maps_as_expected(dataset: Path) -> None:
    items, problems = read(dataset, neighborhoods=NEIGHBORHOODS, city="Springfield")

    orgs = {item.data["id"]: item for item in items if item.kind == Label.ORGANIZATION}
    assert {k: (v.data["kind"], v.data.get("website")) for k, v in orgs.items()} == {
        "hsds:o1": ("nonprofit", "https://westside.example.org"),
        "hsds:o2": ("faith", None),
        "hsds:o3": ("government", None),
    }
    # Rows are the lines records start on: o1's description spans lines 2-4.
    assert {k: (v.file, v.row) for k, v in orgs.items()} == {
        "hsds:o1": ("organizations.csv", 2), "hsds:o2": ("organizations.csv", 5), "hsds:o3": ("organizations.csv", 6)}

    places = {data["id"]: data for data in of(items, Label.INSTITUTION)}
    assert sorted(places) == ["hsds:l1", "hsds:l2", "hsds:l3", "hsds:l5", "hsds:l6", "hsds:l7"]  # not l4
    assert {k: v["kind"] for k, v in places.items()} == {
        "hsds:l1": "library", "hsds:l2": "place_of_worship", "hsds:l3": "government_office",
        "hsds:l5": "library", "hsds:l6": "settlement_agency", "hsds:l7": "place_of_worship"}
    assert places["hsds:l1"]["services"] == ["Citizenship Classes", "Homework Help"]
    assert places["hsds:l1"]["hours"] == "Mon, Tue, Wed 09:00-17:00; Sat 10:00-14:00"
    assert (places["hsds:l1"]["latitude"], places["hsds:l1"]["longitude"]) == (52.5, 13.5)
    assert "services" not in places["hsds:l2"]  # its one service is inactive
    assert places["hsds:l3"]["address"] == "1 Main St, Old Town, Springfield, IL 62701, US"  # physical first
    assert places["hsds:l3"]["hours"] == "By appointment only"  # from its service at location
    assert "latitude" not in places["hsds:l6"] and "latitude" not in places["hsds:l7"]

    assert rels(items, RelType.OPERATES) == {
        ("hsds:o1", "hsds:l1"), ("hsds:o2", "hsds:l2"), ("hsds:o3", "hsds:l3"), ("hsds:o1", "hsds:l5"),
        ("hsds:o2", "hsds:l7")}
    assert rels(items, RelType.SERVES_LANGUAGE) == {
        ("hsds:l1", "eng"), ("hsds:l1", "ara"), ("hsds:l2", "ukr"), ("hsds:l3", "spa")}
    assert [data["id"] for data in of(items, Label.LANGUAGE)] == ["ara", "eng", "spa", "ukr"]
    assert rels(items, RelType.LOCATED_IN) == {
        ("hsds:l1", "n-2-island"), ("hsds:l2", "n-1-river"), ("hsds:l3", "n-3-old")}  # l6: "Oldtownship"

    found = {(p.file, p.row, p.column, str(p.value)) for p in problems}
    assert found == {
        ("organizations.csv", 6, "website", "not a web address"),
        ("languages.csv", 4, "code", "zz"),
        ("locations.csv", 6, "latitude,longitude", "48.1,11.5"),
        ("locations.csv", 7, "latitude", "north"),
        ("locations.csv", 7, "longitude", "13.0"),
        ("locations.csv", 8, "latitude", "0"),
        ("locations.csv", 8, "longitude", "0.0"),
    }
    assert all(p.severity is Severity.WARNING for p in problems)


def test_output_is_ordered_and_deterministic(dataset: Path) -> None:
    first = list(read_hsds(dataset, neighborhoods=NEIGHBORHOODS))
    assert first == list(read_hsds(dataset, neighborhoods=NEIGHBORHOODS))
    kinds = ["problem" if isinstance(x, Problem) else "node" if x.is_node else "rel" for x in first]
    assert kinds == sorted(kinds, key=["problem", "node", "rel"].index)
    items = [x for x in first if isinstance(x, Item)]
    for kind in {item.kind for item in items}:
        keys = [(item.data["id"],) if item.is_node else (item.data["start"], item.data["end"])
                for item in items if item.kind == kind]
        assert keys == sorted(keys)


def test_city_leaves_out_other_cities(dataset: Path) -> None:
    items, _ = read(dataset, neighborhoods=NEIGHBORHOODS, city="Shelbyville")
    assert rels(items, RelType.LOCATED_IN) == {("hsds:l1", "n-2-island")}  # the Island has no city


def test_json_rows_are_positions_in_the_top_level_list(tmp_path: Path) -> None:
    orgs = [
        {"id": "a", "name": "Alpha Settlement Services", "description": "helps newcomers"},
        {"id": "b", "name": "Beta Association", "description": "a club", "url": "http://beta.example",
         "locations": [{"id": "x", "name": "Beta Library", "latitude": 52.52, "longitude": 13.40,
                        "languages": [{"id": "l", "code": "pt-BR"}]}]},
    ]
    (tmp_path / "orgs.json").write_text(json.dumps(orgs))
    items, problems = read(tmp_path / "orgs.json")
    assert problems == []
    assert [(item.kind, item.file, item.row) for item in items] == [
        (Label.ORGANIZATION, "orgs.json", 1), (Label.ORGANIZATION, "orgs.json", 2),
        (Label.INSTITUTION, "orgs.json", 2), (Label.LANGUAGE, "orgs.json", 2),
        (RelType.SERVES_LANGUAGE, "orgs.json", 2), (RelType.OPERATES, "orgs.json", 2),
    ]
    assert of(items, Label.INSTITUTION)[0]["latitude"] == 52.52
    assert of(items, Label.LANGUAGE) == [{"id": "por"}]
    assert of(items, Label.ORGANIZATION)[1]["website"] == "http://beta.example"


def test_missing_id_column_is_an_error_and_the_file_is_not_read(dataset: Path) -> None:
    write_csv(dataset / "organizations.csv", [["name", "description"], ["Nameless", "no id"]])
    items, problems = read(dataset)
    [error] = [p for p in problems if p.severity is Severity.ERROR]
    assert (error.file, error.row, error.column) == ("organizations.csv", 1, "id")
    assert of(items, Label.ORGANIZATION) == []
    assert of(items, Label.INSTITUTION)  # the other files are still read


def test_empty_id_is_an_error_for_that_record(dataset: Path) -> None:
    write_csv(dataset / "organizations.csv", [["id", "name"], ["", "No id"], ["o9", "Has one"]])
    items, problems = read(dataset)
    [error] = [p for p in problems if p.severity is Severity.ERROR]
    assert (error.file, error.row, error.column) == ("organizations.csv", 2, "id")
    assert [data["id"] for data in of(items, Label.ORGANIZATION)] == ["hsds:o9"]
