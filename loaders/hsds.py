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
from loaders.geo import Polygon, contains, polygons
from loaders.hsds_tables import (
    HSDS_KEYS,
    Row,
    Tables,
    cell_text,
    read_folder,
    read_json,
)
from loaders.items import Item, Problem, Severity

PREFIX = "hsds:"



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
    return service_at_location or bool(HSDS_KEYS & first.keys())


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
    tables = Tables()
    if path.is_dir():
        read_folder(path, tables)
    else:
        read_json(path, tables)
    mapping = _Mapping(tables, _areas(neighborhoods, city), city)
    yield from dict.fromkeys(tables.problems + mapping.problems)
    yield from mapping.items()


# --- small pure helpers ------------------------------------------------------------------

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
        area = _Area(cell_text(values.get("id")), cell_text(values.get("name")), cell_text(values.get("city")),
                     polygons(values.get("geometry")))
        if area.id and area.name and not (city and area.city and area.city.casefold() != city.casefold()):
            areas.append(area)
    return sorted(areas, key=lambda a: a.id)


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


def _address(row: Row) -> str:
    region = " ".join(filter(None, (row.get("state_province"), row.get("postal_code"))))
    parts = (row.get("address_1"), row.get("address_2"), row.get("city"), region, row.get("country"))
    return ", ".join(part for part in parts if part)


def _hhmm(value: str) -> str:
    return f"{int(m.group(1)):02d}:{m.group(2)}" if (m := _TIME.match(value)) else value


def _hours(schedules: Iterable[Row]) -> str | None:
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


def _by_id(rows: list[Row]) -> dict[str, Row]:
    """The first record of each id, sorted by id (JSON repeats nested records)."""
    found: dict[str, Row] = {}
    for row in rows:
        found.setdefault(row.get("id"), row)
    return dict(sorted(found.items()))


def _index(rows: Iterable[Row], keys: Callable[[Row], Iterable[Any]]) -> dict[Any, list[Row]]:
    index: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        for key in keys(row):
            index[key].append(row)
    return index


def _owners(row: Row, phones: Mapping[str, list[Row]]) -> set[tuple[str, str]]:
    """What a language or schedule belongs to (locations, services, services at
    locations), directly or through its phone."""
    owners = {(c, row.get(c)) for c in ("location_id", "service_id", "service_at_location_id") if row.get(c)}
    for phone in phones.get(row.get("phone_id"), []) if row.get("phone_id") else []:
        owners |= _owners(phone, {})
    return owners


# --- mapping: tables into items ----------------------------------------------------------


class _Mapping:
    """The items and problems of one dataset's tables."""

    def __init__(self, tables: Tables, areas: list[_Area], city: str | None) -> None:
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

    def node(self, label: Label, data: dict[str, Any], source: Row) -> None:
        self.nodes.setdefault((label, data["id"]), Item(label, data, source.file, source.row, raw=source.data))

    def rel(self, kind: RelType, start: str, end: str, source: Row) -> None:
        data = {"type": kind.value, "start": start, "end": end}
        self.rels.setdefault((kind, start, end), Item(kind, data, source.file, source.row, raw=source.data))

    def organization(self, org: Row) -> None:
        texts = (org.get(c) for c in ("name", "alternate_name", "description", "legal_status", "tax_status"))
        kind = _guess(_ORGANIZATION_KINDS, texts, OrganizationKind.NONPROFIT)
        data = {"id": PREFIX + org.get("id"), "name": org.get("name"), "kind": kind.value}
        if website := self.website(org):
            data["website"] = website
        self.node(Label.ORGANIZATION, data, org)

    def website(self, org: Row) -> str | None:
        column = "website" if org.get("website") else "url"
        if not (value := org.get(column)) or _WEB.match(value):
            return value or None
        self.problems.append(org.problem(column, value, "not an http(s) address; the website is left out"))
        return None

    def institution(self, location: Row) -> None:
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

    def operators(self, location: Row, services: list[Row]) -> list[str]:
        """The location's organization, or else the organizations of its services."""
        org = location.get("organization_id")
        if org in self.organizations:
            return [org]
        found = sorted({s.get("organization_id") for s in services} & self.organizations.keys())
        if org:
            then = f"the operator is taken from its services ({', '.join(found)})" if found else "it has no operator"
            self.problems.append(location.problem("organization_id", org, f"no organization has this id; {then}"))
        return found

    def coordinates(self, location: Row) -> tuple[float, float] | None:
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

    def language(self, row: Row) -> str | None:
        """The ISO 639-3 code of a language record, from its code or else its name."""
        code, name = row.get("code"), row.get("name")
        found = (_iso639_3(code) if code else None) or (_language_named(name) if name else None)
        if found is None and (code or name):
            reason = "not an ISO 639 language code or English language name; the language is left out"
            self.problems.append(row.problem("code" if code else "name", code or name, reason))
        return found

    def neighborhood(self, location: Row, point: tuple[float, float] | None, address: Row | None) -> _Area | None:
        """The area whose polygon holds the point; without a point, the area the address
        names (its address_2, city or region, as a whole word; the longest name wins)."""
        if point and (shaped := [area for area in self.areas if area.polygons]):
            lat, lon = point
            found = next((a for a in shaped if any(contains(p, lon, lat) for p in a.polygons)), None)
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
