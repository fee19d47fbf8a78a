"""Read an Open Referral HSDS 3.0 dataset: organizations and the places they run.

HSDS (the Human Services Data Specification, https://docs.openreferral.org) comes as a
folder of CSV files or as the JSON its API returns. Both are first flattened into the
same HSDS tables (``organizations``, ``locations``, ``services``, ...), so one mapping
serves both and the two forms of one dataset give the same items:

- an organization becomes an Organization ``hsds:<id>`` (the prefix keeps HSDS ids
  apart from a program's own ids), its kind guessed from its name, then its description
  and legal status (``nonprofit`` when nothing says otherwise);
- a physical location becomes an Institution ``hsds:<id>``: its address (a physical
  address before a postal one), coordinates, the names of the services at it, a summary
  of its schedules, and a kind guessed from its name, taxonomy terms, services and
  description (``community_center`` when nothing says otherwise). Its organization
  ``OPERATES`` it; it ``SERVES_LANGUAGE`` the languages of the location, of its
  services and of their phones, in ISO 639-3; it is ``LOCATED_IN`` the neighborhood
  whose polygon holds it or, without coordinates, the one its address names.

Where things are: for CSV, ``row`` is the physical line on which a record starts (the
header is line 1, so the first record is line 2, and a quoted cell that spans lines
moves the records after it down), so an editor opens the file at the record. For JSON,
``row`` is the 1-based position in the top-level list (1 for a single object), and a
nested record has the row of the top-level object it is in.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry

from graphsvc.model import (
    InstitutionKind,
    Label,
    Neighborhood,
    OrganizationKind,
    RelType,
)
from loaders.items import Item, Problem, Severity

PREFIX = "hsds:"

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

_HSDS_KEYS = frozenset({
    "location_type", "service_at_locations", "organization_identifiers", "legal_status",
    "year_incorporated", "tax_status", "alternate_name", "addresses", "accessibility",
    "service_areas", "interpretation_services", "eligibility_description",
})


def _rules(*pairs: tuple[Any, str]) -> tuple[tuple[Any, re.Pattern[str]], ...]:
    return tuple((kind, re.compile(rf"\b(?:{words})", re.IGNORECASE)) for kind, words in pairs)


# Text by text (the name before the description), the first rule that matches wins.
_ORGANIZATION_KINDS = _rules(
    (OrganizationKind.UNIVERSITY, r"universit|college\b|polytechnic|hochschule"),
    (OrganizationKind.SCHOOL, r"school|academy\b|kindergarten"),
    (OrganizationKind.FAITH, r"church|mosque|masjid|synagogue|temple|gurdwara|parish|diocese|congregation"),
    (OrganizationKind.GOVERNMENT, r"government|municipal|ministry of|city of|county of|department of"),
    (OrganizationKind.NONPROFIT, r"non-?profit|not-for-profit|charit|foundation\b|association\b|ngo\b"),
    (OrganizationKind.BUSINESS, r"for-profit|llc\b|gmbh\b|ltd\b|plc\b|limited company|corporation\b"),
)
_INSTITUTION_KINDS = _rules(
    (InstitutionKind.PLACE_OF_WORSHIP, r"church|mosque|masjid|synagogue|temple|gurdwara|parish|chapel|cathedral"),
    (InstitutionKind.LIBRARY, r"librar|bibliot"),
    (InstitutionKind.SCHOOL, r"school|academy\b|college\b|universit|kindergarten"),
    (InstitutionKind.CLINIC, r"clinic|hospital|health\b|medical|dental|pharmac"),
    (InstitutionKind.SETTLEMENT_AGENCY, r"settlement|immigra|refugee|newcomer|migrant|asylum"),
    (InstitutionKind.CULTURAL_CENTER, r"cultur|museum|heritage|arts? cent"),
    (InstitutionKind.GOVERNMENT_OFFICE, r"city hall|town hall|government|municipal|ministry|embassy|consulate"),
    (InstitutionKind.COMMUNITY_CENTER, r"community cent|neighbou?rhood (?:house|cent)|civic cent"),
)
_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
_WEB = re.compile(r"^https?://\S{1,490}$")  # as the model takes it
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})")


def looks_like_hsds(path: Path | str) -> bool:
    """Whether ``path`` is an HSDS dataset: a folder holding ``organizations.csv`` and
    ``locations.csv``, or a JSON file of HSDS records (an organization, location, service
    or service at location, a list or a ``{"contents": [...]}`` page of them, or the
    ``{"organizations.csv": [...]}`` tabular form)."""
    path = Path(path)
    if path.is_dir():
        return (path / "organizations.csv").is_file() and (path / "locations.csv").is_file()
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False
    if isinstance(data, dict) and "organizations.csv" in data:
        return True
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    first = data[0] if isinstance(data, list) and data else data
    if not isinstance(first, dict) or "id" not in first:
        return False
    service_at_location = isinstance(first.get("location"), dict) or isinstance(first.get("service"), dict)
    return service_at_location or bool(_HSDS_KEYS & first.keys())


def read_hsds(
    path: Path | str,
    *,
    neighborhoods: Sequence[Neighborhood | Mapping[str, Any]] = (),
    city: str | None = None,
) -> Iterator[Item | Problem]:
    """The items of an HSDS dataset (a CSV folder or a JSON file), with its problems.

    Problems come first, then nodes (Organization, Institution, Language), then
    relationships (LOCATED_IN, SERVES_LANGUAGE, OPERATES), each kind sorted by id.
    ``neighborhoods`` (models, or dicts with ``id``, ``name``, ``city``, ``geometry``)
    place institutions; ``city`` names the city they are in: neighborhoods of another
    city are ignored, and an address in another city is matched to none.
    """
    path = Path(path)
    tables = _Tables()
    if path.is_dir():
        _read_folder(path, tables)
    else:
        _read_json(path, tables)
    mapping = _Mapping(tables, _areas(neighborhoods, city), city)
    yield from dict.fromkeys(tables.problems + mapping.problems)
    yield from mapping.items()


# --- reading: CSV and JSON into the same tables -----------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    data: dict[str, Any]
    file: str
    row: int | None

    def get(self, column: str) -> str:
        return _text(self.data.get(column))

    def problem(self, column: str, value: Any, reason: str, severity: Severity = Severity.WARNING) -> Problem:
        return Problem(self.file, self.row, column, value, reason, severity)


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


def _nested(record: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = record.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class _Tables:
    """The HSDS tables of one dataset, read from CSV or flattened from JSON."""

    def __init__(self) -> None:
        self.rows: dict[str, list[_Row]] = defaultdict(list)
        self.problems: list[Problem] = []
        self.file: str = ""  # where the record being read is
        self.row: int | None = None

    def error(self, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, self.row, column, None, reason, Severity.ERROR))

    def add(self, table: str, data: Mapping[str, Any]) -> _Row | None:
        record = _Row({k: v for k, v in data.items() if not isinstance(v, dict | list)}, self.file, self.row)
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
            service = {**service, "organization_id": _text(org.get("id"))}
        if (record := self.add("services", service)) is None:
            return
        link = {"service_id": record.get("id")}
        self.children(service, link)
        for at in _nested(service, "service_at_locations"):
            self.service_at_location({**at, **link})

    def service_at_location(self, at: dict[str, Any]) -> None:
        if isinstance(location := at.get("location"), dict):
            self.location(location)
            at = {**at, "location_id": _text(location.get("id"))}
        if isinstance(service := at.get("service"), dict):
            self.service(service)
            at = {**at, "service_id": _text(service.get("id"))}
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
                attribute = {**attribute, "taxonomy_term_id": _text(term.get("id"))}
            self.add("attributes", {**attribute, "link_id": next(iter(link.values()))})


def _read_folder(folder: Path, tables: _Tables) -> None:
    if not any((folder / f"{name}.csv").is_file() for name in ("organizations", "locations")):
        tables.file = folder.name
        tables.error(None, "an HSDS folder needs organizations.csv or locations.csv")
    for table in TABLES:
        if (folder / f"{table}.csv").is_file():
            _read_csv(folder / f"{table}.csv", table, tables)


def _read_csv(file: Path, table: str, tables: _Tables) -> None:
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


def _read_json(file: Path, tables: _Tables) -> None:
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


# --- small pure helpers ------------------------------------------------------------------

Polygon = list[list[tuple[float, float]]]  # rings of (lon, lat): the outer ring, then holes


@dataclass(frozen=True, slots=True)
class _Area:
    id: str
    name: str
    city: str
    polygons: list[Polygon]


def _areas(neighborhoods: Sequence[Neighborhood | Mapping[str, Any]], city: str | None) -> list[_Area]:
    areas = []
    for n in neighborhoods:
        values = n if isinstance(n, Mapping) else n.model_dump()
        area = _Area(_text(values.get("id")), _text(values.get("name")), _text(values.get("city")),
                     _polygons(values.get("geometry")))
        if area.id and area.name and not (city and area.city and area.city.casefold() != city.casefold()):
            areas.append(area)
    return sorted(areas, key=lambda a: a.id)


def _polygons(geometry: Any) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon (or its JSON text); else none."""
    try:
        if isinstance(geometry, str):
            geometry = json.loads(geometry)
        kind, coordinates = geometry["type"], geometry["coordinates"]
        polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
        return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in polygons]
    except (TypeError, ValueError, KeyError, IndexError):
        return []


def _in_ring(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """Even-odd rule: a ray from the point crosses the ring an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _contains(polygon: Polygon, x: float, y: float) -> bool:
    """Inside the outer ring and outside every hole."""
    return bool(polygon) and _in_ring(x, y, polygon[0]) and not any(_in_ring(x, y, h) for h in polygon[1:])


def _guess(rules: tuple[tuple[Any, re.Pattern[str]], ...], texts: Iterable[str], default: Any) -> Any:
    for text in texts:
        for kind, pattern in rules:
            if pattern.search(text):
                return kind
    return default


def _iso639_3(code: str) -> str | None:
    """The ISO 639-3 code for an ISO 639-1, 639-2/T, 639-2/B or 639-3 code, or a language
    tag (``pt-BR``: its language); for anything else, the language so named."""
    if not (tag := _LANGUAGE_TAG.match(code)):
        return _language_named(code)
    languages: Any = pycountry.languages
    code = tag.group(1).lower()
    entry = languages.get(alpha_2=code) if len(code) == 2 else (
        languages.get(alpha_3=code) or languages.get(bibliographic=code))
    return getattr(entry, "alpha_3", None)


def _language_named(name: str) -> str | None:
    """The ISO 639-3 code of a language by its English reference name (``Urdu``)."""
    languages: Any = pycountry.languages
    return getattr(languages.get(name=name), "alpha_3", None)


def _address(row: _Row) -> str:
    region = " ".join(filter(None, (row.get("state_province"), row.get("postal_code"))))
    parts = (row.get("address_1"), row.get("address_2"), row.get("city"), region, row.get("country"))
    return ", ".join(part for part in parts if part)


def _hhmm(value: str) -> str:
    return f"{int(m.group(1)):02d}:{m.group(2)}" if (m := _TIME.match(value)) else value


def _hours(schedules: Iterable[_Row]) -> str | None:
    """``Thu, Fri 10:00-18:00``, one part per schedule; a schedule's description where it
    has neither days nor times."""
    parts = []
    for s in schedules:
        days = ", ".join(_DAYS.get(d.strip().upper(), d.strip()) for d in s.get("byday").split(",") if d.strip())
        opens, closes = _hhmm(s.get("opens_at")), _hhmm(s.get("closes_at"))
        times = f"{opens}-{closes}" if opens and closes else f"from {opens}" if opens else f"until {closes}" if closes else ""
        text = " ".join(filter(None, (days, times)))
        if text and s.get("freq").upper() not in ("", "WEEKLY"):
            text += f" ({s.get('freq').lower()})"
        parts.append(text or s.get("description"))
    return "; ".join(dict.fromkeys(part for part in parts if part))[:2000] or None


def _by_id(rows: list[_Row]) -> dict[str, _Row]:
    """The first record of each id, sorted by id (JSON repeats nested records)."""
    found: dict[str, _Row] = {}
    for row in rows:
        found.setdefault(row.get("id"), row)
    return dict(sorted(found.items()))


def _index(rows: Iterable[_Row], keys: Callable[[_Row], Iterable[Any]]) -> dict[Any, list[_Row]]:
    index: dict[Any, list[_Row]] = defaultdict(list)
    for row in rows:
        for key in keys(row):
            index[key].append(row)
    return index


def _owners(row: _Row, phones: Mapping[str, list[_Row]]) -> set[tuple[str, str]]:
    """What a language or schedule belongs to (locations, services, services at
    locations), directly or through its phone."""
    owners = {(c, row.get(c)) for c in ("location_id", "service_id", "service_at_location_id") if row.get(c)}
    for phone in phones.get(row.get("phone_id"), []) if row.get("phone_id") else []:
        owners |= _owners(phone, {})
    return owners


# --- mapping: tables into items ----------------------------------------------------------


class _Mapping:
    """The items and problems of one dataset's tables."""

    def __init__(self, tables: _Tables, areas: list[_Area], city: str | None) -> None:
        rows = tables.rows
        self.areas, self.city = areas, city
        self.problems: list[Problem] = []
        self.nodes: dict[tuple[Label, str], Item] = {}
        self.rels: dict[tuple[RelType, str, str], Item] = {}
        self.organizations = _by_id(rows["organizations"])
        self.services = _by_id(rows["services"])
        self.at_location = _index(rows["service_at_location"], lambda r: [r.get("location_id")])
        self.addresses = _index(rows["addresses"], lambda r: [r.get("location_id")])
        phones = _index(rows["phones"], lambda r: [r.get("id")])
        self.languages = _index(rows["languages"], lambda r: _owners(r, phones))
        self.schedules = _index(sorted(rows["schedules"], key=lambda r: r.get("id")), lambda r: _owners(r, {}))
        self.attributes = _index(rows["attributes"], lambda r: [r.get("link_id")])
        self.terms = {term.get("id"): term.get("name") for term in rows["taxonomy_terms"]}
        for org in self.organizations.values():
            self.organization(org)
        for location in _by_id(rows["locations"]).values():
            if location.get("location_type").lower() in ("", "physical"):
                self.institution(location)

    def items(self) -> Iterator[Item]:
        labels, types = list(Label), list(RelType)
        yield from (self.nodes[k] for k in sorted(self.nodes, key=lambda k: (labels.index(k[0]), k[1])))
        yield from (self.rels[k] for k in sorted(self.rels, key=lambda k: (types.index(k[0]), k[1], k[2])))

    def node(self, label: Label, data: dict[str, Any], source: _Row) -> None:
        self.nodes.setdefault((label, data["id"]), Item(label, data, source.file, source.row, raw=source.data))

    def rel(self, kind: RelType, start: str, end: str, source: _Row) -> None:
        data = {"type": kind.value, "start": start, "end": end}
        self.rels.setdefault((kind, start, end), Item(kind, data, source.file, source.row, raw=source.data))

    def organization(self, org: _Row) -> None:
        texts = (org.get(c) for c in ("name", "alternate_name", "description", "legal_status", "tax_status"))
        kind = _guess(_ORGANIZATION_KINDS, texts, OrganizationKind.NONPROFIT)
        data = {"id": PREFIX + org.get("id"), "name": org.get("name"), "kind": kind.value}
        if website := self.website(org):
            data["website"] = website
        self.node(Label.ORGANIZATION, data, org)

    def website(self, org: _Row) -> str | None:
        column = "website" if org.get("website") else "url"
        if not (value := org.get(column)) or _WEB.match(value):
            return value or None
        self.problems.append(org.problem(column, value, "not an http(s) address; the website is left out"))
        return None

    def institution(self, location: _Row) -> None:
        lid = location.get("id")
        if not (name := location.get("name") or location.get("alternate_name")):
            reason = "a location needs a name or alternate_name; it is left out"
            self.problems.append(location.problem("name", None, reason, Severity.ERROR))
            return
        ats = sorted(self.at_location.get(lid, []), key=lambda at: at.get("id"))
        services = [self.services[s] for s in dict.fromkeys(at.get("service_id") for at in ats) if s in self.services]
        offered = sorted({s.get("name") for s in services if s.get("status").lower() not in ("inactive", "defunct")})
        links = [lid, *(s.get("id") for s in services)]
        terms = sorted({self.terms[t] for i in links for a in self.attributes.get(i, [])
                        if (t := a.get("taxonomy_term_id")) in self.terms})
        texts = [name, location.get("alternate_name"), *terms, *offered, location.get("description")]
        kind = _guess(_INSTITUTION_KINDS, texts, InstitutionKind.COMMUNITY_CENTER)
        data: dict[str, Any] = {"id": PREFIX + lid, "name": name, "kind": kind.value}
        address = min(self.addresses.get(lid, []), default=None, key=lambda a: (
            a.get("address_type").lower() != "physical", a.get("address_type").lower() != "postal", a.get("id")))
        if address and _address(address):
            data["address"] = _address(address)
        if point := self.coordinates(location):
            data["latitude"], data["longitude"] = point
        if offered:
            data["services"] = offered
        schedules = self.schedules.get(("location_id", lid)) or [
            s for at in ats for s in self.schedules.get(("service_at_location_id", at.get("id")), [])]
        if hours := _hours(schedules):
            data["hours"] = hours
        self.node(Label.INSTITUTION, data, location)
        for org in self.operators(location, services):
            self.rel(RelType.OPERATES, PREFIX + org, data["id"], location)
        owners = [("location_id", lid), *(("service_id", s.get("id")) for s in services),
                  *(("service_at_location_id", at.get("id")) for at in ats)]
        for language in (row for owner in owners for row in self.languages.get(owner, [])):
            if code := self.language(language):
                self.node(Label.LANGUAGE, {"id": code}, language)
                self.rel(RelType.SERVES_LANGUAGE, data["id"], code, language)
        if area := self.neighborhood(location, point, address):
            self.rel(RelType.LOCATED_IN, data["id"], area.id, location)

    def operators(self, location: _Row, services: list[_Row]) -> list[str]:
        """The location's organization, or else the organizations of its services."""
        org = location.get("organization_id")
        if org in self.organizations:
            return [org]
        found = sorted({s.get("organization_id") for s in services} & self.organizations.keys())
        if org:
            then = f"the operator is taken from its services ({', '.join(found)})" if found else "it has no operator"
            self.problems.append(location.problem("organization_id", org, f"no organization has this id; {then}"))
        return found

    def coordinates(self, location: _Row) -> tuple[float, float] | None:
        """Valid WGS84 coordinates; else ``None``, with a WARNING for each value left out."""
        values: dict[str, float] = {}
        wrong: dict[str, str] = {}
        for column, limit in (("latitude", 90), ("longitude", 180)):
            if text := location.get(column):
                try:
                    value = float(text)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    wrong[column] = "not a number"
                elif abs(value) > limit:
                    wrong[column] = f"out of range for WGS84 (-{limit} to {limit})"
                else:
                    values[column] = value
        if len(values) == 2 and values["latitude"] == values["longitude"] == 0:
            wrong = dict.fromkeys(values, '0,0 ("Null Island") is a placeholder, not a place')
        elif len(values) == 2:
            return values["latitude"], values["longitude"]
        for column in ("latitude", "longitude"):
            other = "longitude" if column == "latitude" else "latitude"
            if column in wrong:
                reason = f"{wrong[column]}; the location is kept without coordinates"
            elif column in values:
                reason = f"left out with the {other}, which is {'invalid' if wrong else 'missing'}"
            else:
                continue
            self.problems.append(location.problem(column, location.get(column), reason))
        return None

    def language(self, row: _Row) -> str | None:
        """The ISO 639-3 code of a language record, from its code or else its name."""
        code, name = row.get("code"), row.get("name")
        found = (_iso639_3(code) if code else None) or (_language_named(name) if name else None)
        if found is None and (code or name):
            reason = "not an ISO 639 language code or English language name; the language is left out"
            self.problems.append(row.problem("code" if code else "name", code or name, reason))
        return found

    def neighborhood(self, location: _Row, point: tuple[float, float] | None, address: _Row | None) -> _Area | None:
        """The area whose polygon holds the point; without a point, the area the address
        names (its address_2, city or region, as a whole word; the longest name wins)."""
        if point and (shaped := [area for area in self.areas if area.polygons]):
            lat, lon = point
            found = next((a for a in shaped if any(_contains(p, lon, lat) for p in a.polygons)), None)
            if found is None:
                reason = "in none of the neighborhoods given; not LOCATED_IN any"
                self.problems.append(location.problem("latitude,longitude", f"{lat},{lon}", reason))
            return found
        town = address.get("city").casefold() if address else ""
        if address is None or (self.city and town and town != self.city.casefold()):
            return None
        text = " ".join(address.get(c) for c in ("address_2", "city", "region")).casefold()
        named = [a for a in self.areas if re.search(rf"(?<!\w){re.escape(a.name.casefold())}(?!\w)", text)
                 and not (a.city and town and a.city.casefold() != town)]
        return min(named, key=lambda a: (-len(a.name), a.id), default=None)
