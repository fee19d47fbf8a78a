"""The demo community: a fictional mid-sized city, its newcomers, residents and places.

``generate(people, seed)`` streams :class:`~loaders.items.Item` like any other reader
(``file="demo"``, ``row`` a running index): first the fixed nodes (languages, interests,
neighborhoods, organizations, institutions) and their relationships, then people in
blocks, each block's people before the block's relationships. Every relationship ends at
a node already yielded, so a consumer may check ends as it goes.

Memory stays bounded however many people are asked for: nothing refers back to all
people. A KNOWS tie goes from a new person to someone generated earlier, picked from
short "recently seen" queues per (community, neighborhood), community, neighborhood and
organization; duplicate pairs are avoided per person, since a pair is only ever drawn by
its later member. Everything is drawn from ``random.Random`` instances seeded from
``seed`` (never the global one), with no dependence on set order or string hashing, so
the same ``(people, seed)`` gives the same stream.

With ``plant`` > 0, some newcomers get a hidden "good match": a mentor generated earlier
whom they are made to resemble on several of the scoring factors, each applied by chance
(:data:`~loaders.demo_data.PLANT_FACTORS`). The pairs go to an ``answers`` callback
(:func:`write_answers` writes them as JSON lines), for evaluating mentor suggestions
against a known truth. Planting draws from its own ``random.Random`` and changes only the
planted newcomers (attributes, and relationships added), so everyone else is exactly as
without it.

The city, its places, organizations and people are invented; e-mail addresses use the
reserved ``example.org`` domain and phone numbers the fictional 555-01xx range.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphsvc.model import Label, RelType
from loaders.demo_data import (
    BRIDGE_FAR,
    BRIDGE_NEAR,
    CAREER,
    COMMUNITIES,
    EMPLOYERS,
    FAITH_PLACE,
    GOALS,
    INSTITUTIONS,
    INTERESTS,
    LANGUAGES,
    LEVELS_EDU,
    NEIGHBORHOOD_NAMES,
    OCCUPATIONS,
    SLOTS,
    STREETS,
    TRUST,
    WORDS,
    Community,
)
from loaders.demo_draw import cumulative, draw, one, pick
from loaders.demo_plant import Answer, Planter, write_answers
from loaders.items import Item

__all__ = [
    "COMMUNITIES", "DEFAULT_SPEC", "INTERESTS", "LANGUAGES", "OCCUPATIONS", "Community", "DemoSpec",
    "generate", "neighborhood_count", "person_id", "write_answers",
]

FILE = "demo"
Entry = tuple[Label | RelType, dict[str, Any]]

# ----------------------------------------------------------------------------- constants


@dataclass(frozen=True, slots=True)
class DemoSpec:
    """The knobs of the demo community."""

    city: str = "Port Alder"
    #: the city's box (lat/lon degrees): about 13 km by 14 km at mid-latitudes; the layout is invented
    south: float = 44.28
    north: float = 44.40
    west: float = -78.44
    east: float = -78.26
    today: date = date(2025, 9, 1)  # "now" for arrival dates and tie ages, fixed for determinism
    communities: tuple[Community, ...] = COMMUNITIES
    ties: float = 6.0  # mean KNOWS drawn per person towards earlier people: mean degree about twice this
    max_ties: int = 30  # cap on those, so a million people stays feasible
    bridging: float = 0.10  # share of ties deliberately drawn across communities (work ties add a little)
    work: float = 0.10  # share of ties drawn among people of the same organization
    closure: float = 0.6  # chance that a close tie brings a friend of that friend along
    block: int = 1000  # people per block: a block's people are yielded before its relationships
    memory: int = 32  # recent people remembered per (community, neighborhood) as tie partners


DEFAULT_SPEC = DemoSpec()


def neighborhood_count(people: int) -> int:
    """12 neighborhoods for a few hundred people, growing with the log of the size to 40 at a million."""
    scale = (math.log10(max(people, 1)) - 2.5) / 3.5
    return 12 + round(28 * min(1.0, max(0.0, scale)))


def person_id(index: int) -> str:
    """``p000123``; zero-padded to six digits, so ids sort as indices do up to a million."""
    return f"p{index:06d}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")


# ----------------------------------------------------------------------------- the city


@dataclass(slots=True)
class _City:
    """The fixed part of the community, and the tables people are drawn from."""

    fixed: list[Entry]  # nodes, then their relationships
    hoods: list[str]  # neighborhood ids
    hood_cum: list[list[float]]  # per community: cumulative neighborhood weights (communities cluster)
    employers: dict[str, list[tuple[str, str]]]  # sector -> [(id, label)]
    places: dict[tuple[str, int], list[str]]  # (institution kind, neighborhood) -> institution ids
    settlement: list[str]
    cultural: list[str | None]  # per community: its cultural center
    language_school: str
    higher_ed: list[str]
    adjacent: list[tuple[int, ...]]  # per neighborhood: the indices of those it touches


def _polygon_point(quad: Sequence[tuple[float, float]], u: float, v: float) -> tuple[float, float]:
    """The point at ``(u, v)`` in [0, 1]^2 of a quadrilateral (SW, SE, NE, NW), bilinearly;
    inside it when the quadrilateral is convex."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    a, b, c, d = (1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def _build_city(people: int, spec: DemoSpec, rng: random.Random) -> _City:
    nodes: list[Entry] = [(Label.LANGUAGE, {"id": code}) for code in LANGUAGES]
    nodes += [(Label.INTEREST, {"id": slug, "name": name, "category": cat}) for slug, name, cat in INTERESTS]
    rels: list[Entry] = []

    # Neighborhoods: a grid of quadrilaterals over the city's box. Inner vertices are moved by
    # up to a fifth of a cell, which keeps every cell convex; cells share their vertices, so
    # they tile the city and touching cells are exactly the grid neighbors.
    n = neighborhood_count(people)
    rows = max(1, round(math.sqrt(n)))
    cols = math.ceil(n / rows)
    dlat, dlon = (spec.north - spec.south) / rows, (spec.east - spec.west) / cols

    def vertex(r: int, c: int) -> tuple[float, float]:
        lat, lon = spec.south + r * dlat, spec.west + c * dlon
        if 0 < r < rows and 0 < c < cols:
            lat += rng.uniform(-0.18, 0.18) * dlat
            lon += rng.uniform(-0.18, 0.18) * dlon
        return round(lon, 6), round(lat, 6)

    grid = [[vertex(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    names = list(NEIGHBORHOOD_NAMES)
    rng.shuffle(names)
    quads, hoods = [], []
    for k in range(n):
        r, c = divmod(k, cols)
        quad = (grid[r][c], grid[r][c + 1], grid[r + 1][c + 1], grid[r + 1][c])  # counterclockwise
        ring = [list(p) for p in (*quad, quad[0])]
        hoods.append(f"nb-{_slug(names[k])}")
        quads.append(quad)
        nodes.append((Label.NEIGHBORHOOD, {"id": hoods[k], "name": names[k], "city": spec.city,
                                           "geometry": {"type": "Polygon", "coordinates": [ring]}}))
    pairs = [(k, k + 1) for k in range(n - 1) if (k + 1) % cols] + [(k, k + cols) for k in range(n - cols)]
    for a, b in sorted(pairs):
        start, end = sorted((hoods[a], hoods[b]))  # undirected: stored from the smaller id
        rels.append((RelType.ADJACENT_TO, {"type": "ADJACENT_TO", "start": start, "end": end}))

    # Communities cluster: each community of origin has two or three neighboring home cells.
    homes: list[list[int]] = []
    hood_cum = []
    for com in spec.communities:
        weights = [1.0] * n
        home: list[int] = []
        if com.countries:
            start = rng.randrange(n)
            near = [b for a, b in pairs if a == start] + [a for a, b in pairs if b == start]
            home = [start, *rng.sample(sorted(near), min(2, len(near)))]
            for j, h in enumerate(home):
                weights[h] += 12.0 if j == 0 else 6.0
        homes.append(home)
        hood_cum.append(cumulative(weights))

    # Organizations: the city's own, the communities' associations, and employers.
    used: dict[str, int] = {}
    employers: dict[str, list[tuple[str, str]]] = {sector: [] for sector in (*EMPLOYERS, "education", "social", "public")}

    def org(name: str, kind: str, sector: str | None) -> str:
        slug = _slug(name)
        used[slug] = used.get(slug, 0) + 1
        oid = f"org-{slug}" if used[slug] == 1 else f"org-{slug}-{used[slug]}"
        data = {"id": oid, "name": name, "kind": kind, "website": f"https://{slug}.example.org"}
        if sector:
            data["sector"] = sector
            employers.setdefault(sector, []).append((oid, "Organization"))
        nodes.append((Label.ORGANIZATION, data))
        return oid

    city = spec.city
    operators = {
        "city": org(f"City of {city}", "government", "public"),
        "library": org(f"{city} Public Library", "government", "public"),
        "health": org(f"{city} Community Health Centres", "nonprofit", "health"),
        "schools": org(f"{city} District School Board", "government", "education"),
        "settlement": org(f"{city} Newcomer Services", "nonprofit", "social"),
    }
    org(f"{city} General Hospital", "employer", "health")
    higher_ed = [org(f"University of {city}", "university", "education"),
                 org(f"{city.split()[-1]} Valley College", "university", "education")]
    language_school = org(f"{city} Adult Language Institute", "school", "education")
    associations = [org(com.association[0], "nonprofit", "social") if com.association[0] else None
                    for com in spec.communities]
    sectors = list(EMPLOYERS)
    sector_cum = cumulative([EMPLOYERS[s][0] for s in sectors])
    families = [f for com in spec.communities for f, _ in com.family]
    for e in range(min(600, max(2 * len(sectors), people // 150))):  # every sector has employers
        sector = sectors[e] if e < len(sectors) else pick(rng, sectors, sector_cum)
        templates = EMPLOYERS[sector][1]
        for _attempt in range(8):
            name = rng.choice(templates).format(
                f=rng.choice(families), w=rng.choice(WORDS), p=rng.choice((city, *names[:n])))
            if _slug(name) not in used:
                break
        org(name, "business" if sector in ("legal", "finance") and rng.random() < 0.5 else "employer", sector)

    # Institutions: a school in every neighborhood, other kinds by chance (each kind at least
    # once), settlement agencies mostly where communities live, a cultural center per community.
    places: dict[tuple[str, int], list[str]] = {}
    settlement: list[str] = []
    cultural: list[str | None] = [None] * len(spec.communities)
    everywhere = sorted({h for home in homes for h in home})
    must = {kind: rng.randrange(n) for kind in INSTITUTIONS}
    for k in range(n):
        planned: list[tuple[str, int | None]] = []
        for kind, (chance, *_) in INSTITUTIONS.items():
            if kind == "settlement_agency":
                chance = 0.8 if k in everywhere else 0.1
            if kind != "cultural_center" and (k == must[kind] or rng.random() < chance):
                planned.append((kind, None))
        planned += [("cultural_center", ci) for ci, home in enumerate(homes) if home and home[0] == k]
        for kind, ci in planned:
            _, template, operator, hours, services = INSTITUTIONS[kind]
            if ci is None:
                name = template.format(nb=names[k], city=city)
                op = operators[operator]
            else:
                name, op = spec.communities[ci].association[1], associations[ci]
            iid = f"inst-{_slug(name)}"
            lon, lat = _polygon_point(quads[k], rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8))
            offered = [s for s in services if rng.random() < 0.6] or [services[0]]
            nodes.append((Label.INSTITUTION, {
                "id": iid, "name": name, "kind": kind,
                "address": f"{rng.randint(10, 2400)} {rng.choice(STREETS)}, {city}",
                "latitude": round(lat, 6), "longitude": round(lon, 6),
                "services": offered, "hours": rng.choice(hours)}))
            places.setdefault((kind, k), []).append(iid)
            if kind == "settlement_agency":
                settlement.append(iid)
            if ci is not None:
                cultural[ci] = iid
            rels.append((RelType.LOCATED_IN, {"type": "LOCATED_IN", "start": iid, "end": hoods[k]}))
            if op is not None:
                rels.append((RelType.OPERATES, {"type": "OPERATES", "start": op, "end": iid}))
            served = ["eng"]
            if ci is not None:
                com = spec.communities[ci]
                served += [com.native, *(code for code in com.served if code != com.native)]
            else:
                chance = {"settlement_agency": 0.8, "library": 0.5, "clinic": 0.45, "school": 0.35}.get(kind, 0.3)
                for com, home in zip(spec.communities, homes, strict=True):
                    if k in home and rng.random() < chance:
                        served.append(rng.choice(com.served))
                if kind == "library" and rng.random() < 0.4:
                    served.append("fra")
            for code in dict.fromkeys(served):
                rels.append((RelType.SERVES_LANGUAGE, {"type": "SERVES_LANGUAGE", "start": iid, "end": code}))
    adjacent = [tuple(sorted({b for a, b in pairs if a == k} | {a for a, b in pairs if b == k})) for k in range(n)]
    return _City(nodes + rels, hoods, hood_cum, employers, places, settlement, cultural, language_school, higher_ed,
                 adjacent)


# ----------------------------------------------------------------------------- people

#: What a person leaves behind for later people to tie to: ``(id, community, neighborhood,
#: earliest tie date as an ordinal, faith, newcomer)``. Flat, so that remembering someone's
#: friends never keeps a chain of older people alive.
Core = tuple[str, int, int, int, str, bool]
Remembered = tuple[Core, tuple[Core, ...]]
Occupation = tuple[str, str, str, float]

_CHRISTIAN = ("Christian", "Catholic", "Protestant", "Iglesia ni Cristo")
_SLOT_DAY = cumulative([3 if i < 15 and i % 3 < 2 else 1 for i in range(21)])  # weekday daytime
_SLOT_OFF = cumulative([3 if i >= 15 or i % 3 == 2 else 1 for i in range(21)])  # evenings, weekends
_INSTITUTION_SECTOR = {"health": "clinic", "education": "school", "public": "library", "social": "settlement_agency"}
_FIRST_JOBS = ("hospitality", "retail", "transport", "manufacturing")
_AREA_CODES = ("613", "705", "905")
_HISTORY_DAYS = 31 * 365  # the oldest date anything refers to: arrivals 30 years back


def _faith_place(faith: str) -> str | None:
    if any(word in faith for word in _CHRISTIAN):
        return "same church"
    return FAITH_PLACE.get(faith)


class _Population:
    """Draws people one at a time, remembering only a bounded window of recent people."""

    def __init__(self, city: _City, spec: DemoSpec, seed: int, plant: float = 0.0) -> None:
        self.city, self.spec = city, spec
        self.rng = random.Random(f"graphsvc-demo:{seed}:people")  # str seeds are hashed with sha512
        self.today = spec.today.toordinal()
        self.base = self.today - _HISTORY_DAYS
        self.iso = [date.fromordinal(d).isoformat() for d in range(self.base, self.today + 1)]
        self.com_cum = cumulative([com.share for com in spec.communities])
        self.occ_cum, self.faith_cum, self.country_cum = [], [], []
        for com in spec.communities:
            extra = dict(com.occupations)
            self.occ_cum.append(cumulative([w + extra.get(code, 0) for code, _, _, w in OCCUPATIONS]))
            self.faith_cum.append(cumulative([w for _, w in com.faiths]))
            self.country_cum.append(cumulative([w for _, w in com.countries]))
        # Zipf-like popularity (s = 1.3) over a shuffled order of the interests: a few are
        # everyone's, the last are some forty times rarer than the first.
        rank = list(range(len(INTERESTS)))
        self.rng.shuffle(rank)
        popularity = [1 / (rank[k] + 1) ** 1.3 for k in range(len(INTERESTS))]
        self.interest_cum = cumulative(popularity)
        self.places = {faith: _faith_place(faith) for com in spec.communities for faith, _ in com.faiths}
        self.hood_count = len(city.hoods)
        m = spec.memory
        self.by_cell: list[deque[Remembered]] = [deque(maxlen=m) for _ in range(len(spec.communities) * self.hood_count)]
        self.by_com: list[deque[Remembered]] = [deque(maxlen=2 * m) for _ in spec.communities]
        self.by_hood: list[deque[Remembered]] = [deque(maxlen=2 * m) for _ in city.hoods]
        self.everyone: deque[Remembered] = deque(maxlen=4 * m)
        self.by_org: dict[str, deque[Remembered]] = {}  # bounded: organizations and institutions are
        self.planter = Planter(city, spec, seed, plant, popularity) if plant > 0 else None
        self.answer: Answer | None = None  # the pair planted for the last person drawn, if any

    def person(self, i: int, rels: list[Entry]) -> dict[str, Any]:
        """Person ``i``'s node; their relationships are appended to ``rels``."""
        rng, spec, city, today = self.rng, self.spec, self.city, self.today
        first_rel = len(rels)
        c = draw(rng, self.com_cum)
        com = spec.communities[c]
        h = draw(rng, city.hood_cum[c])
        pid = person_id(i)
        immigrant = bool(com.countries)
        newcomer = immigrant and rng.random() < com.newcomer_share

        r = rng.random()
        gender = "female" if r < 0.49 else "male" if r < 0.98 else "non-binary"
        firsts = com.female if gender == "female" or (gender == "non-binary" and r < 0.99) else com.male
        first, family = one(rng, firsts), one(rng, com.family)
        latin = f"{first[0]} {family[0]}"
        own = com.script and first[1] and family[1] and rng.random() < com.script
        node: dict[str, Any] = {"id": pid, "name": f"{first[1]} {family[1]}" if own else latin}

        arrival = None
        if newcomer:
            arrival = today - 30 - int(rng.random() * 3 * 365)
        elif immigrant:
            arrival = today - 4 * 365 - int(rng.random() * 26 * 365)
        occupation = pick(rng, OCCUPATIONS, self.occ_cum[c]) if rng.random() < (0.6 if newcomer else 0.8) else None
        mentor = not newcomer and rng.random() < (0.35 if occupation else 0.15)
        roles = ["NEWCOMER"] if newcomer else ["RESIDENT"]
        if occupation and not newcomer:
            roles.append("PROFESSIONAL")
        if mentor:
            roles.append("MENTOR")
        node["roles"] = sorted(roles)
        if arrival is not None:
            node["arrival_date"] = self.iso[arrival - self.base]
        goals = ([g for g, p in GOALS if rng.random() < p] or ["employment"]) if newcomer else []
        if goals:
            node["goals"] = goals
        if occupation:
            node["occupation"] = {"isco08": occupation[0], "title": occupation[1]}
        edu = one(rng, LEVELS_EDU[occupation[0][0]] if occupation else (2, 3, 4, 5, 6))
        if rng.random() < 0.85:
            node["education_level"] = edu
        if mentor:
            capacity = rng.random()
            node["mentor_capacity"] = 1 if capacity < 0.5 else 2 if capacity < 0.85 else 3
        count = 2 + int(rng.random() * 5) if newcomer or mentor else int(rng.random() * 3) if rng.random() < 0.5 else 0
        week = _SLOT_DAY if newcomer else _SLOT_OFF
        slots = {draw(rng, week) for _ in range(count)}
        if slots:
            node["availability"] = [SLOTS[s] for s in sorted(slots)]

        faith = pick(rng, com.faiths, self.faith_cum[c])[0]
        sensitive: dict[str, Any] = {}
        if immigrant and rng.random() < 0.9:
            sensitive["origin_country"] = pick(rng, com.countries, self.country_cum[c])[0]
        if rng.random() < 0.85:
            sensitive["gender"] = gender
        if rng.random() < 0.35:
            sensitive["faith"] = faith
        purposes = [p for p, chance in (("matching", 0.45), ("reporting", 0.3)) if sensitive and rng.random() < chance]
        node["consent"] = {
            "matching": rng.random() < (0.85 if newcomer else 0.9 if mentor else 0.55),
            "intermediary": rng.random() < 0.6,
            "directory": rng.random() < 0.65,
            "sensitive_purposes": purposes,
        }
        contact = {}
        if rng.random() < 0.9:
            contact["email"] = f"{_slug(latin).replace('-', '.')}.{i}@example.org"
        if rng.random() < 0.35:
            contact["phone"] = f"+1 {one(rng, _AREA_CODES)} 555 01{int(rng.random() * 100):02d}"
        if contact:
            node["contact"] = contact
        if sensitive:
            node["sensitive"] = sensitive

        if rng.random() < 0.97:
            rels.append((RelType.LIVES_IN, {"type": "LIVES_IN", "start": pid, "end": city.hoods[h]}))
        self._speaks(pid, com, newcomer, arrival, edu, rels)
        self._interests(pid, occupation, rels)
        org = self._affiliations(pid, h, c, occupation, newcomer, mentor, goals, arrival, rels)
        core: Core = (pid, c, h, arrival if arrival is not None else today - 25 * 365, faith, newcomer)
        remembered = (core, self._ties(core, org, mentor, rels))
        for queue in (self.by_cell[c * self.hood_count + h], self.by_com[c], self.by_hood[h], self.everyone):
            queue.append(remembered)
        if org is not None:
            self.by_org.setdefault(org, deque(maxlen=16)).append(remembered)
        if self.planter is not None:  # after the queues: what later people see stays as without planting
            self.answer = self.planter.see(node, core, remembered[1], rels, first_rel)
        return node

    def _speaks(self, pid: str, com: Community, newcomer: bool, arrival: int | None, edu: int,
                rels: list[Entry]) -> None:
        rng = self.rng
        levels = {com.native: "native"}
        for code, chance, choices in com.languages:
            if code not in levels and rng.random() < chance:
                levels[code] = one(rng, choices)
        if arrival is not None and "eng" not in levels:  # English improves with the years here
            years = (self.today - arrival) / 365
            score = rng.random() + 0.25 * years + (0.15 if edu >= 6 else 0.0) if newcomer else 0.75 + rng.random()
            levels["eng"] = "basic" if score < 0.5 else "conversational" if score < 0.95 else "fluent"
        for code, level in levels.items():
            rels.append((RelType.SPEAKS, {"type": "SPEAKS", "start": pid, "end": code, "props": {"level": level}}))

    def _interests(self, pid: str, occupation: Occupation | None, rels: list[Entry]) -> None:
        rng = self.rng
        chosen = [pick(rng, INTERESTS, self.interest_cum)[0] for _ in range(1 + int(rng.random() * 4))]
        if occupation and occupation[2] in CAREER and rng.random() < 0.5:
            chosen.append(CAREER[occupation[2]])
        for slug in dict.fromkeys(chosen):
            rels.append((RelType.INTERESTED_IN, {"type": "INTERESTED_IN", "start": pid, "end": slug}))

    def _since(self, earliest: int | None, years: int = 15) -> str:
        low = max(earliest or 0, self.today - years * 365)
        return self.iso[low - self.base + int(self.rng.random() * (self.today - low))]

    def _affiliations(self, pid: str, h: int, c: int, occupation: Occupation | None, newcomer: bool,
                      mentor: bool, goals: list[str], arrival: int | None, rels: list[Entry]) -> str | None:
        """Work, study, services used, volunteering; returns the place whose people this person meets."""
        rng, city = self.rng, self.city
        links: list[tuple[str, str, str]] = []  # (end, end label, role)
        if occupation and not newcomer and rng.random() < 0.8:
            sector = occupation[2]
            local = city.places.get((_INSTITUTION_SECTOR.get(sector, ""), h))
            if local and rng.random() < 0.35:
                links.append((one(rng, local), "Institution", "works_at"))
            else:
                links.append((*one(rng, city.employers[sector]), "works_at"))
        elif newcomer and rng.random() < 0.3:  # a first job, often not in one's own field
            links.append((*one(rng, city.employers[one(rng, _FIRST_JOBS)]), "works_at"))
        if newcomer and "language" in goals and rng.random() < 0.6:
            links.append((city.language_school, "Organization", "studies_at"))
        if newcomer and "education" in goals and rng.random() < 0.5:
            links.append((one(rng, city.higher_ed), "Organization", "studies_at"))
        if newcomer and rng.random() < 0.5:
            agencies = city.places.get(("settlement_agency", h)) or city.settlement
            links.append((one(rng, agencies), "Institution", "uses"))
        if mentor and rng.random() < 0.3:
            centers = [*city.places.get(("community_center", h), ()), *filter(None, [city.cultural[c]])]
            if centers:
                links.append((one(rng, centers), "Institution", "volunteers_at"))
        meet = None
        for end, label, role in links:
            rels.append((RelType.AFFILIATED_WITH, {
                "type": "AFFILIATED_WITH", "start": pid, "end": end, "end_label": label,
                "props": {"role": role, "since": self._since(arrival)}}))
            if meet is None and role in ("works_at", "studies_at"):
                meet = end
        return meet

    def _ties(self, me: Core, org: str | None, mentor: bool, rels: list[Entry]) -> tuple[Core, ...]:
        """KNOWS towards people generated earlier: mostly within community and neighborhood,
        some among people of the same workplace or school, a few deliberately across."""
        rng, spec = self.rng, self.spec
        c, h = me[1], me[2]
        mean = spec.ties * (0.6 if me[5] else 1.0) * (1.5 if mentor else 1.0)
        want = min(spec.max_ties, int(rng.paretovariate(2.5) * mean * 0.6))  # heavy-tailed, mean ~ mean
        cell, com = self.by_cell[c * self.hood_count + h], self.by_com[c]
        bonding = spec.communities[c].bonding
        friends: list[Core] = []
        mine: set[str] = set()
        for _ in range(2 * want + 2):
            if len(friends) >= want:
                break
            r = rng.random()
            if org is not None and r < spec.work:
                kind, pool = "work", self.by_org.get(org)
            elif r < spec.work + spec.bridging:
                kind, pool = "bridge", self.by_hood[h] if rng.random() < 0.6 else self.everyone
            elif r < spec.work + spec.bridging + 0.25:
                kind, pool = "community", com
            else:
                kind, pool = "cell", cell
            if not pool:
                kind, pool = ("community", com) if com else ("bridge", self.everyone)
                if not pool:
                    break
            entry = one(rng, pool)
            if kind == "bridge":
                for _retry in range(3):
                    if entry[0][1] != c:
                        break
                    entry = one(rng, pool)
                else:
                    continue
            other = entry[0]
            if other[0] in mine:
                continue
            self._knows(me, other, kind, self._context(kind, me, other, pool is self.everyone, org, bonding), rels)
            mine.add(other[0])
            friends.append(other)
            if kind in ("cell", "community") and entry[1] and rng.random() < spec.closure and len(friends) < want:
                fof = one(rng, entry[1])
                if fof[0] not in mine:
                    self._knows(me, fof, "closure", "friend of a friend", rels)
                    mine.add(fof[0])
                    friends.append(fof)
        return tuple(friends)

    def _context(self, kind: str, me: Core, other: Core, far: bool, org: str | None, bonding: tuple[str, ...]) -> str:
        rng, city = self.rng, self.city
        if kind == "work":
            return "ESL class" if org == city.language_school else "university" if org in city.higher_ed else "work"
        if kind == "bridge":
            if far:
                return one(rng, BRIDGE_FAR)
            return "ESL class" if me[5] and other[5] and rng.random() < 0.4 else one(rng, BRIDGE_NEAR)
        r = rng.random()
        place = self.places[me[4]] if me[4] == other[4] else None
        if place and r < 0.35:
            return place
        if kind == "cell" and r < 0.65:
            return "neighbors"
        return one(rng, bonding)

    def _knows(self, me: Core, other: Core, kind: str, context: str, rels: list[Entry]) -> None:
        rng = self.rng
        low, spread = TRUST[kind]
        earliest = max(me[3], other[3])
        since = earliest + int(rng.random() * (self.today - earliest))
        rels.append((RelType.KNOWS, {  # other is older, so its id is the smaller: stored as given
            "type": "KNOWS", "start": other[0], "end": me[0],
            "props": {"trust": round(low + spread * rng.random(), 2), "context": context,
                      "since": self.iso[since - self.base]}}))


# ----------------------------------------------------------------------------- the stream


def generate(people: int, seed: int = 7, spec: DemoSpec = DEFAULT_SPEC, *, plant: float = 0.0,
             answers: Callable[[Answer], None] | None = None) -> Iterator[Item]:
    """Stream a demo community of ``people`` people as items (``file="demo"``, ``row`` 1, 2, ...).

    Fixed nodes and their relationships come first, then people in blocks of
    ``spec.block``: a block's people, then the block's relationships. Every relationship
    ends at a node already yielded. The same ``(people, seed, spec, plant)`` gives the
    same items.

    ``plant`` is the share of newcomers who consent to matching that get a planted
    mentor: one generated earlier (a MENTOR who consents to matching, with a place left)
    whom the newcomer is made to resemble, each factor of
    :data:`~loaders.demo_data.PLANT_FACTORS` by its chance. ``answers`` is called with
    ``{"newcomer": id, "mentor": id, "factors": [...]}`` for each planted pair, in stream
    order, just before the newcomer is yielded (see :func:`write_answers`). With
    ``plant=0`` the stream is the same as without these arguments, and with any ``plant``
    every person but the planted newcomers is too.

    >>> items = list(generate(50, seed=1))
    >>> items[0].kind, items[0].data
    (<Label.LANGUAGE: 'Language'>, {'id': 'eng'})
    >>> sum(item.kind is Label.PERSON for item in items)
    50
    >>> planted = []
    >>> _ = list(generate(300, seed=1, plant=0.5, answers=planted.append))
    >>> sorted(planted[0])
    ['factors', 'mentor', 'newcomer']
    """
    if people < 0 or spec.block < 1:
        raise ValueError(f"people must be 0 or more (not {people}), and spec.block 1 or more")
    if not 0.0 <= plant <= 1.0:
        raise ValueError(f"plant is a share of newcomers, from 0 to 1 (not {plant})")
    city = _build_city(people, spec, random.Random(f"graphsvc-demo:{seed}:city"))
    row = 0
    for kind, data in city.fixed:
        row += 1
        yield Item(kind, data, FILE, row)
    population = _Population(city, spec, seed, plant)
    for start in range(0, people, spec.block):
        rels: list[Entry] = []
        for i in range(start, min(people, start + spec.block)):
            row += 1
            node = population.person(i, rels)
            if population.answer is not None and answers is not None:
                answers(population.answer)
            yield Item(Label.PERSON, node, FILE, row)
        for kind, data in rels:
            row += 1
            yield Item(kind, data, FILE, row)
