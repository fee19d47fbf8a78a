"""The bundle and CSV folder formats: reading what users write, writing what loads back."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from graphsvc.model import Label, RelType, parse_node, parse_rel
from loaders.bundle import (
    BundleWriter,
    bundle_json_schema,
    looks_like_bundle,
    read_bundle,
)
from loaders.columns import node_to_row, row_to_node_data, split_list
from loaders.csv_folder import CsvFolderWriter, read_csv_folder
from loaders.items import Item, Problem, Severity
from tests.factories import knows, node, person, rel

ROOT = Path(__file__).resolve().parents[2]


def items_of(entries: list[Item | Problem]) -> list[Item]:
    return [e for e in entries if isinstance(e, Item)]


def problems_of(entries: list[Item | Problem]) -> list[Problem]:
    return [e for e in entries if isinstance(e, Problem)]


AMAL = person(
    "amal", "أمل حداد", roles={"NEWCOMER"}, goals={"employment", "language"}, arrival_date="2025-03-01",
    consent={"matching": True, "directory": True, "sensitive_purposes": {"matching"}},
    contact={"email": "amal@example.org", "phone": "+1 555 0100"}, sensitive={"origin_country": "EG"},
    availability={"sat_morning", "mon_evening"},
)
HOOD = node("Neighborhood", id="riverside", name="Riverside", city="Lakeview",
            geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
INST = node("Institution", id="lib", name="Central Library", kind="library", latitude=45.5, longitude=-73.6,
            services=("ESL; conversation circle", "job search help"), hours="Mo-Fr 09:00-18:00")


def test_csv_cells_round_trip_through_the_model() -> None:
    for original in (AMAL, HOOD, INST):
        row = node_to_row(original, include_hidden=True)
        assert all(isinstance(v, str) for v in row.values())
        again = parse_node(original.label, row_to_node_data(original.label, row))
        assert again == original


def test_hidden_columns_are_left_out_unless_asked_for() -> None:
    row = node_to_row(AMAL)
    assert not any(c.startswith(("contact.", "sensitive.")) for c in row)
    assert row["consent.matching"] == "true"
    assert "contact.email" in node_to_row(AMAL, include_hidden=True)


def test_list_cells_accept_semicolons_and_json_arrays() -> None:
    assert split_list(" a ; b;;c ") == ["a", "b", "c"]
    assert split_list('["x; y", "z"]') == ["x; y", "z"]
    assert node_to_row(INST)["services"] == '["ESL; conversation circle", "job search help"]'


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_folder_reads_bom_semicolons_multiline_cells_and_shorthands(tmp_path: Path) -> None:
    write(tmp_path / "people.csv",
          "\ufeffid;name;roles;consent.matching;languages;interests;neighborhood\n"
          'amal;"Amal\nHaddad";NEWCOMER;yes;"arz:native; eng:basic";chess;riverside\n'
          "ሰላም;ሰላም ተስፋይ;NEWCOMER;no;tir;;\n")
    write(tmp_path / "knows.csv", "start,end,trust,context\nሰላም,amal,0.7,\"ESL class, Tuesdays\"\n")
    entries = list(read_csv_folder(tmp_path))
    assert problems_of(entries) == []
    items = items_of(entries)
    people = [parse_node(i.kind, i.data) for i in items if i.kind is Label.PERSON]
    assert [p.name for p in people] == ["Amal\nHaddad", "ሰላም ተስፋይ"]
    assert people[0].consent.matching and not people[1].consent.matching
    assert [i.row for i in items if i.kind is Label.PERSON] == [2, 4]  # the line where each record starts
    rels = [parse_rel(i.data) for i in items if not i.is_node]
    assert {(r.type, r.start, r.end) for r in rels} == {
        (RelType.SPEAKS, "amal", "arz"), (RelType.SPEAKS, "amal", "eng"), (RelType.SPEAKS, "ሰላም", "tir"),
        (RelType.INTERESTED_IN, "amal", "chess"), (RelType.LIVES_IN, "amal", "riverside"), (RelType.KNOWS, "amal", "ሰላም"),
    }
    assert next(r for r in rels if r.end == "arz").props == {"level": "native"}
    assert {i.data["id"] for i in items if i.implied} == {"arz", "eng", "tir"}


def test_csv_header_problems_name_file_and_column(tmp_path: Path) -> None:
    write(tmp_path / "people.csv", "id,name,favourite_colour\np1,A,blue\n")
    write(tmp_path / "speaks.csv", "start,level\np1,native\n")
    write(tmp_path / "notes.csv", "x\n1\n")
    problems = problems_of(list(read_csv_folder(tmp_path)))
    found = {(p.file, p.column, p.severity) for p in problems}
    assert ("people.csv", "favourite_colour", Severity.ERROR) in found
    assert ("speaks.csv", "end", Severity.ERROR) in found
    assert ("notes.csv", None, Severity.WARNING) in found


def test_csv_ragged_row_and_bad_encoding_are_problems(tmp_path: Path) -> None:
    write(tmp_path / "people.csv", "id,name\np1,A\np2,B,extra\n")
    write(tmp_path / "interests.csv", "id,name\nchess,Échecs\n", encoding="latin-1")
    problems = problems_of(list(read_csv_folder(tmp_path)))
    assert any(p.file == "people.csv" and p.row == 3 and "3 cells" in p.reason for p in problems)
    assert any(p.file == "interests.csv" and "UTF-8" in p.reason for p in problems)


def test_csv_folder_writer_round_trips(tmp_path: Path) -> None:
    nodes = [AMAL, HOOD, INST, node("Language", id="arz"), node("Organization", id="acme", name="Acme", kind="employer")]
    rels = [rel("SPEAKS", "amal", "arz", props={"level": "native"}), rel("LIVES_IN", "amal", "riverside"),
            rel("AFFILIATED_WITH", "amal", "acme", end_label="Organization", props={"role": "works_at", "since": "2025-05-01"}),
            knows("amal", "zed", 0.25, context="work")]
    with CsvFolderWriter(tmp_path, include_hidden=True) as writer:
        for n in nodes:
            writer.node(n)
        for r in rels:
            writer.rel(r)
    items = items_of(list(read_csv_folder(tmp_path)))
    assert sorted((parse_node(i.kind, i.data) for i in items if i.is_node), key=lambda n: (n.label, n.id)) == sorted(nodes, key=lambda n: (n.label, n.id))
    assert sorted(parse_rel(i.data).key for i in items if not i.is_node) == sorted(r.key for r in rels)
    assert {parse_rel(i.data).key: parse_rel(i.data).props for i in items if not i.is_node} == {r.key: r.props for r in rels}


def test_bundle_writer_round_trips_and_matches_its_json_schema(tmp_path: Path) -> None:
    nodes = [AMAL, HOOD, INST, node("Language", id="arz")]
    rels = [rel("SPEAKS", "amal", "arz"), rel("AFFILIATED_WITH", "amal", "lib", end_label="Institution")]
    out = io.StringIO()
    writer = BundleWriter(out, include_hidden=True)
    for n in nodes:
        writer.node(n)
    for r in rels:
        writer.rel(r)
    writer.close()
    document = json.loads(out.getvalue())
    jsonschema.validate(document, bundle_json_schema())
    path = tmp_path / "b.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert looks_like_bundle(path)
    items = items_of(list(read_bundle(path)))
    assert [parse_node(i.kind, i.data) for i in items if i.is_node] == [AMAL, INST, node("Language", id="arz"), HOOD]
    assert [parse_rel(i.data) for i in items if not i.is_node] == rels
    assert items[0].file == "b.json#people" and items[0].row == 1


def test_the_json_schema_rejects_what_the_model_rejects() -> None:
    schema = bundle_json_schema()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"format": "graphsvc-bundle", "version": 1, "relationships": [{"type": "KNOWS", "start": "a", "end": "b", "props": {"trust": 2}}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"people": [{"id": "a", "name": "A", "shoe_size": 44}]}, schema)


def test_the_published_json_schema_is_current() -> None:
    published = json.loads((ROOT / "schema" / "bundle.schema.json").read_text(encoding="utf-8"))
    assert published == json.loads(json.dumps(bundle_json_schema())), "run: graphsvc export-schema"


@pytest.mark.parametrize(("text", "reason"), [
    ("{not json", "is not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"format": "graphsvc-bundle", "version": 7}', "is not a graphsvc-bundle version 1"),
])
def test_a_broken_bundle_is_one_clear_problem(tmp_path: Path, text: str, reason: str) -> None:
    path = write(tmp_path / "b.json", text)
    problems = problems_of(list(read_bundle(path)))
    assert len(problems) == 1 and reason in problems[0].reason


def test_bundle_entries_are_located(tmp_path: Path) -> None:
    path = write(tmp_path / "b.json", json.dumps({"people": [{"id": "a", "name": "A"}, 7], "pets": [], "relationships": [{"type": "LIKES"}]}))
    entries = list(read_bundle(path))
    problems = {(p.file, p.row, p.column) for p in problems_of(entries)}
    assert problems == {("b.json", None, "pets"), ("b.json#people", 2, None), ("b.json#relationships", 1, "type")}


def test_every_column_and_file_is_documented() -> None:
    from loaders.columns import NODE_FILES, REL_FILES, node_columns, rel_columns

    doc = (ROOT / "docs" / "import-formats.md").read_text(encoding="utf-8")
    for label, stem in NODE_FILES.items():
        assert f"`{stem}.csv`" in doc
        for column in node_columns(label)[0]:
            assert f"`{column}`" in doc, f"{stem}.csv column {column} is not in docs/import-formats.md"
    for type, stem in REL_FILES.items():
        assert f"`{stem}.csv`" in doc
        for column in rel_columns(type):
            assert f"`{column}`" in doc, f"{stem}.csv column {column} is not in docs/import-formats.md"


def test_a_large_file_read_in_spans_reads_as_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file is cut into spans of whole lines only where every line is a record; each
    span numbers its rows as the file does, and a bad header is reported once."""
    import loaders.csv_folder as csv_folder
    from loaders.items import Part, expand

    monkeypatch.setattr(csv_folder, "SPAN_BYTES", 200)
    people = "id,name,roles\n" + "".join(f"p{i},Person {i},RESIDENT\n" + ("\n" if i % 7 == 0 else "") for i in range(100))
    knows = "start,end,trust\n" + "".join(f"p{i},p{i + 1},{'0.5' if i % 9 else 'lots'}\n" for i in range(99)) + "p1,p2,0.5,extra"
    quoted = "start,end\n" + "".join(f'p{i},"p{i + 2}"\n' for i in range(98))
    (tmp_path / "people.csv").write_text(people, encoding="utf-8")
    (tmp_path / "knows.csv").write_text(knows, encoding="utf-8")
    (tmp_path / "mentee_in.csv").write_text(quoted, encoding="utf-8")
    parts = [p for p in csv_folder.csv_folder_parts(tmp_path) if isinstance(p, Part)]
    spans = {name: sum(p.file == name for p in parts) for name in ("people.csv", "knows.csv", "mentee_in.csv")}
    assert spans["people.csv"] > 3 and spans["knows.csv"] > 3 and spans["mentee_in.csv"] == 1  # quotes: read whole

    def seen(entries: Any) -> list[tuple[Any, ...]]:
        return [(e.file, e.row, e.data) if not isinstance(e, Problem) else e for e in entries]

    whole = [e for path, kind in csv_folder._ordered(tmp_path) for e in csv_folder.read_csv_file(path, kind)]
    assert seen(expand(parts)) == seen(whole)
    assert any(isinstance(e, Problem) and e.row == 101 for e in whole)  # the last line, with a cell too many

    (tmp_path / "knows.csv").write_text("start,end,colour\n" + "p1,p2,blue\n" * 100, encoding="utf-8")
    parts = [p for p in csv_folder.csv_folder_parts(tmp_path) if isinstance(p, Part) and p.file == "knows.csv"]
    assert len(parts) > 3
    assert [(p.file, p.row, p.column) for p in expand(parts)] == [("knows.csv", 1, "colour")]
