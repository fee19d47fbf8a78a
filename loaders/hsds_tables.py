"""HSDS 3.0 read into tables: the CSV folder and the JSON forms flattened the same way.

Both forms become the same HSDS tables (``organizations``, ``locations``, ``services``,
...), each row remembering its file and row, so :mod:`loaders.hsds` maps both with one
mapping.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.items import Problem, Severity

#: The tables read, with the columns this reader cannot do without. A file without one
#: of them is not read (an ERROR); a record with an empty one is left out (an ERROR).
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name"),
    "locations": ("id",),
    "services": ("id", "name"),
    "service_at_location": ("service_id", "location_id"),
    "addresses": ("location_id",),
    "phones": ("id",),
    "schedules": (),
    "languages": (),
    "attributes": ("link_id", "taxonomy_term_id"),
    "taxonomy_terms": ("id", "name"),
}

HSDS_KEYS = frozenset({
    "location_type", "service_at_locations", "organization_identifiers", "legal_status",
    "year_incorporated", "tax_status", "alternate_name", "addresses", "accessibility",
    "service_areas", "interpretation_services", "eligibility_description",
})


# --- -----------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    data: dict[str, Any]
    file: str
    row: int | None

    def get(self, column: str) -> str:
        return cell_text(self.data.get(column))

    def problem(self, column: str, value: Any, reason: str, severity: Severity = Severity.WARNING) -> Problem:
        return Problem(self.file, self.row, column, value, reason, severity)


def cell_text(value: Any) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


def _nested(record: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = record.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class Tables:
    """The HSDS tables of one dataset, read from CSV or flattened from JSON."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.problems: list[Problem] = []
        self.file: str = ""  # where the record being read is
        self.row: int | None = None

    def error(self, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, self.row, column, None, reason, Severity.ERROR))

    def add(self, table: str, data: Mapping[str, Any]) -> Row | None:
        record = Row({k: v for k, v in data.items() if not isinstance(v, dict | list)}, self.file, self.row)
        for column in TABLES[table]:
            if not record.get(column):
                self.error(column, f"this record of {table} has no {column}; it is left out")
                return None
        self.rows[table].append(record)
        return record

    # JSON: each nested record gets the link to its parent that the CSV form spells out.

    def organization(self, org: dict[str, Any]) -> None:
        if (record := self.add("organizations", org)) is None:
            return
        link = {"organization_id": record.get("id")}
        for location in _nested(org, "locations"):
            self.location({**location, **link})
        for service in _nested(org, "services"):
            self.service({**service, **link})

    def service(self, service: dict[str, Any]) -> None:
        if isinstance(org := service.get("organization"), dict):
            self.organization(org)
            service = {**service, "organization_id": cell_text(org.get("id"))}
        if (record := self.add("services", service)) is None:
            return
        link = {"service_id": record.get("id")}
        self.children(service, link)
        for at in _nested(service, "service_at_locations"):
            self.service_at_location({**at, **link})

    def service_at_location(self, at: dict[str, Any]) -> None:
        if isinstance(location := at.get("location"), dict):
            self.location(location)
            at = {**at, "location_id": cell_text(location.get("id"))}
        if isinstance(service := at.get("service"), dict):
            self.service(service)
            at = {**at, "service_id": cell_text(service.get("id"))}
        if (record := self.add("service_at_location", at)) is not None:
            self.children(at, {"service_at_location_id": record.get("id")})

    def location(self, location: dict[str, Any]) -> None:
        if (record := self.add("locations", location)) is None:
            return
        link = {"location_id": record.get("id")}
        for address in _nested(location, "addresses"):
            self.add("addresses", {**address, **link})
        self.children(location, link)

    def children(self, parent: dict[str, Any], link: dict[str, str]) -> None:
        """The schedules, languages, phones (with theirs) and taxonomy terms of a record."""
        for schedule in _nested(parent, "schedules"):
            self.add("schedules", {**schedule, **link})
        for language in _nested(parent, "languages"):
            self.add("languages", {**language, **link})
        for phone in _nested(parent, "phones"):
            if (record := self.add("phones", {**phone, **link})) is not None:
                for language in _nested(phone, "languages"):
                    self.add("languages", {**language, "phone_id": record.get("id")})
        for attribute in _nested(parent, "attributes"):
            if isinstance(term := attribute.get("taxonomy_term"), dict) and self.add("taxonomy_terms", term):
                attribute = {**attribute, "taxonomy_term_id": cell_text(term.get("id"))}
            self.add("attributes", {**attribute, "link_id": next(iter(link.values()))})


def read_folder(folder: Path, tables: Tables) -> None:
    if not any((folder / f"{name}.csv").is_file() for name in ("organizations", "locations")):
        tables.file = folder.name
        tables.error(None, "an HSDS folder needs organizations.csv or locations.csv")
    for table in TABLES:
        if (folder / f"{table}.csv").is_file():
            _read_csv(folder / f"{table}.csv", table, tables)


def _read_csv(file: Path, table: str, tables: Tables) -> None:
    """Each record with the line it starts on (``line_num``: the lines read so far)."""
    tables.file, tables.row = file.name, 1
    try:
        with file.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [name.strip() for name in next(reader, [])]
            missing = [column for column in TABLES[table] if column not in header]
            for column in missing:
                tables.error(column, f"the column '{column}' is missing; {file.name} is not read")
            if missing:
                return
            tables.row = reader.line_num + 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    tables.add(table, dict(zip(header, cells)))
                tables.row = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        tables.row = None if isinstance(exc, UnicodeDecodeError) else tables.row  # decoded in blocks
        tables.error(None, f"cannot be read as UTF-8 CSV ({exc}); the rest of {file.name} is not read")


def read_json(file: Path, tables: Tables) -> None:
    tables.file, tables.row = file.name, None
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        tables.error(None, f"cannot be read as JSON ({exc})")
        return
    if isinstance(data, dict) and any(str(key).endswith(".csv") for key in data):  # the tabular form
        for name, rows in data.items():
            if (table := name.removesuffix(".csv")) in TABLES and isinstance(rows, list):
                for tables.row, record in enumerate(rows, 1):
                    if isinstance(record, dict):
                        tables.add(table, record)
        return
    if isinstance(data, dict) and isinstance(data.get("contents"), list):  # a page of a list
        data = data["contents"]
    for tables.row, record in enumerate(data if isinstance(data, list) else [data], 1):
        if not isinstance(record, dict):
            tables.error(None, "not an HSDS object (organization, location, service, service at location)")
        elif "location" in record or "service" in record:
            tables.service_at_location(record)
        elif {"service_at_locations", "status", "organization", "program"} & record.keys():
            tables.service(record)
        elif {"location_type", "latitude", "longitude", "addresses"} & record.keys():
            tables.location(record)
        else:
            tables.organization(record)
