"""The matching index: what scoring needs from a projection, read once into arrays.

:meth:`MatchingIndex.build` reads a NetworkX projection in the store's shape (nodes keyed
``'Label:id'`` with ``label``, ``id`` and nested properties; edges with ``type``, props
and, for directed types, ``start``) in one pass over its nodes and one over its edges,
and keeps:

- people (sorted by id): name, neighborhood, free time slots as a 21-bit mask, spoken
  languages, interests, and their community under both definitions of
  :attr:`~graphsvc.analysis.profile.ProgramProfile.community_attribute` (native language
  folded to its macrolanguage, the smallest code if several; origin country where the
  projection holds it, that is, where the person consented to the matching purpose);
- KNOWS as a symmetric scipy CSR matrix of trust, and the Adamic-Adar weight
  ``1 / log(degree)`` of every person as a go-between (0 below degree 2);
- mentors (people with the MENTOR role, sorted by id, so that an array position orders
  as the id does): consent to matching, capacity, active mentorships (MENTOR_IN a
  Mentorship whose status is ``active``), languages as a CSR matrix of proficiency,
  ISCO-08 prefixes, ISCED level, per-goal occupation and affiliation credits
  (:mod:`graphsvc.analysis.goals`), interests as a binary CSR matrix;
- interests: how many people hold each, and a rarity weight
  ``r = log(N / df) / log(N)`` (N people, df holding it; an interest only two people
  share has r near 1, one everybody has r = 0);
- neighborhoods: names, adjacency, and a centroid (the mean of the outer ring's
  vertices of the GeoJSON geometry, if any);
- mentorships with an ``end_reason``: the reasons per (mentee, mentor) pair.

The index holds the graph it was built from (for names and explanations) and assumes
the graph is not changed afterwards: build a new index for a new projection. Building
is linear in the size of the projection; nothing in it depends on set or hash order.

Examples
--------
>>> import networkx as nx
>>> G = nx.Graph()
>>> G.add_node("Person:m", label="Person", id="m", name="Samir", roles=["MENTOR"],
...            mentor_capacity=2, consent={"matching": True})
>>> MatchingIndex.build(G).mentor_ids
('m',)
"""

from __future__ import annotations

import gc
import json
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graphsvc.analysis.goals import (
    AFFILIATION_SHARE,
    GOALS,
    affiliation_credit,
    occupation_credit,
)
from graphsvc.analysis.languages import PROFICIENCY, fold, pair_credit
from graphsvc.model.nodes import Goal, Label, MentorshipStatus, Role, TimeSlot
from graphsvc.model.relationships import RelType

SLOTS: tuple[str, ...] = tuple(str(slot) for slot in TimeSlot)
_KNOWS, _SPEAKS, _INTERESTED_IN, _LIVES_IN = (str(t) for t in (RelType.KNOWS, RelType.SPEAKS, RelType.INTERESTED_IN,
                                                                 RelType.LIVES_IN))
_AFFILIATED_WITH, _MENTOR_IN, _MENTEE_IN, _ADJACENT_TO = (
    str(t) for t in (RelType.AFFILIATED_WITH, RelType.MENTOR_IN, RelType.MENTEE_IN, RelType.ADJACENT_TO))
_SLOT_BIT = {slot: 1 << i for i, slot in enumerate(SLOTS)}
COMMUNITY_ATTRIBUTES = ("native_language", "origin_country")


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def slot_mask(slots: Any) -> int:
    """The 21-bit mask of a list of time slots (unknown names are ignored)."""
    mask = 0
    for slot in slots or ():
        mask |= _SLOT_BIT.get(str(slot), 0)
    return mask


def mask_slots(mask: int) -> tuple[str, ...]:
    """The time slots of a mask, in week order."""
    return tuple(slot for slot, bit in _SLOT_BIT.items() if mask & bit)


def _centroid(geometry: Any) -> tuple[float, float]:
    """(lat, lon) of a GeoJSON Polygon or MultiPolygon (dict or JSON text); NaN if none."""
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except json.JSONDecodeError:
            return math.nan, math.nan
    if not isinstance(geometry, dict):
        return math.nan, math.nan
    coords = geometry.get("coordinates") or []
    rings = [coords[0]] if geometry.get("type") == "Polygon" and coords else [p[0] for p in coords if p]
    points = [pt for ring in rings for pt in (ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring)]
    if not points:
        return math.nan, math.nan
    return sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points)


def haversine_km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distances in km from one point to many (NaN where unknown)."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - math.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _isco_prefixes(code: str | None) -> list[int]:
    """``'2221'`` -> ``[2, 22, 222, 2221]``; missing digits are -1."""
    code = code or ""
    return [int(code[:n]) if len(code) >= n else -1 for n in range(1, 5)]


def _sorted_csr(rows: list[list[tuple[int, float]]], n_cols: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indices: list[int] = []
    data: list[float] = []
    for i, row in enumerate(rows):
        row = sorted(row)
        indices.extend(c for c, _ in row)
        data.extend(v for _, v in row)
        indptr[i + 1] = len(indices)
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32), indptr), shape=(len(rows), n_cols))


@dataclass(frozen=True, eq=False)
class MatchingIndex:
    """Features of a projection for scoring (see the module docstring). Build with :meth:`build`."""

    G: nx.Graph
    # people
    person_ids: tuple[str, ...]
    person_pos: Mapping[str, int]
    hood: np.ndarray  # int32, -1: unknown
    slots: np.ndarray  # int64 masks
    languages_of: tuple[dict[str, str], ...]  # code -> level
    interests_of: tuple[tuple[int, ...], ...]  # interest positions
    community: Mapping[str, np.ndarray]  # attribute -> int32 codes, -1: unknown
    community_names: Mapping[str, tuple[str, ...]]
    knows: sp.csr_matrix  # people x people, trust
    via_weight: np.ndarray  # 1 / log(degree) for degree >= 2
    # mentors
    mentor_ids: tuple[str, ...]
    mentor_person: np.ndarray  # mentor position -> person position
    mentor_at: np.ndarray  # person position -> mentor position, -1
    mentor_consent: np.ndarray  # bool
    capacity: np.ndarray  # int
    active: np.ndarray  # int
    mentor_languages: sp.csc_matrix  # mentors x languages, proficiency weight (by column: who speaks it)
    isco: np.ndarray  # 4 x mentors: the ISCO-08 code's 1- to 4-digit prefixes as integers, -1: none
    education: np.ndarray  # int, -1: unknown
    goal_occupation: np.ndarray  # goals x mentors (a row per goal, contiguous)
    goal_affiliation: np.ndarray  # goals x mentors
    mentor_interests: sp.csc_matrix  # mentors x interests, 0/1 (by column: who holds it)
    goal_rest: np.ndarray  # goals x mentors: (1 - occupation) * (1 - 0.6 affiliation)
    mentor_hood: np.ndarray  # int, -1: unknown
    mentor_slots: np.ndarray  # int64 masks
    mentor_community: Mapping[str, np.ndarray]
    remaining: np.ndarray  # capacity minus active mentorships, at least 0
    free_share: np.ndarray  # remaining / capacity (0 for capacity 0)
    # vocabularies
    languages: tuple[str, ...]
    interests: tuple[str, ...]
    interest_people: np.ndarray  # people holding each interest
    interest_rarity: np.ndarray  # r in [0, 1)
    hoods: tuple[str, ...]
    hood_adjacent: tuple[frozenset[int], ...]
    hood_centroid: np.ndarray  # hoods x (lat, lon), NaN: unknown
    ended: Mapping[int, tuple[tuple[int, str], ...]]  # mentee person -> ((mentor person, end reason), ...)
    _related: dict[tuple[str, str | None, float], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False)

    def node(self, label: Label | str, id: str) -> dict[str, Any]:
        """The attributes of a node of the projection (empty if it is not there)."""
        return self.G.nodes.get(f"{label}:{id}", {})

    def name(self, person: int) -> str:
        """A person's name by position."""
        return str(self.node(Label.PERSON, self.person_ids[person]).get("name") or self.person_ids[person])

    def related_languages(self, code: str, majority: str | None, majority_credit: float) -> tuple[np.ndarray, np.ndarray]:
        """Language positions that serve a newcomer's ``code``, and their credit (cached)."""
        key = (code, majority, majority_credit)
        hit = self._related.get(key)
        if hit is None:
            pairs = [(j, pair_credit(code, other, majority, majority_credit)) for j, other in enumerate(self.languages)]
            pairs = [(j, c) for j, c in pairs if c > 0]
            hit = (np.asarray([j for j, _ in pairs], dtype=np.int64), np.asarray([c for _, c in pairs], dtype=np.float64))
            self._related[key] = hit
        return hit

    @classmethod
    def build(cls, G: nx.Graph) -> MatchingIndex:
        """Read a projection into a :class:`MatchingIndex` (one pass over nodes, one over edges).

        Python's cyclic garbage collector is paused while the index is built: the build
        makes hundreds of thousands of small containers, and each full collection would
        traverse the whole projection (several seconds at 100,000 people).
        """
        with _gc_paused():
            return cls._build(G)

    @classmethod
    def _build(cls, G: nx.Graph) -> MatchingIndex:
        people: dict[str, dict[str, Any]] = {}
        person_keys: dict[str, str] = {}
        hood_keys: dict[str, str] = {}
        by_label: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for key, attrs in G.nodes(data=True):
            label = attrs.get("label") or str(key).partition(":")[0]
            node_id = str(attrs.get("id") or str(key).partition(":")[2])
            if label == Label.PERSON:
                people[node_id], person_keys[node_id] = attrs, key
            else:
                by_label[label][node_id] = attrs
                if label == Label.NEIGHBORHOOD:
                    hood_keys[node_id] = key
        person_ids = tuple(sorted(people))
        pos = {pid: i for i, pid in enumerate(person_ids)}
        key_pos = {person_keys[pid]: i for i, pid in enumerate(person_ids)}
        n = len(person_ids)
        hood_ids = tuple(sorted(by_label[Label.NEIGHBORHOOD]))
        hood_pos = {h: i for i, h in enumerate(hood_ids)}
        languages = sorted(by_label[Label.LANGUAGE])
        interests = tuple(sorted(by_label[Label.INTEREST]))
        interest_pos = {s: i for i, s in enumerate(interests)}

        speaks: list[dict[str, str]] = [{} for _ in range(n)]
        likes: list[list[int]] = [[] for _ in range(n)]
        lives: list[list[str]] = [[] for _ in range(n)]
        affiliations: dict[int, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        knows_i: list[int] = []
        knows_j: list[int] = []
        trust: list[float] = []
        adjacent: list[set[int]] = [set() for _ in hood_ids]
        roles_in: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"mentor": [], "mentee": []})

        # Edges, read from each person's adjacency (and each neighborhood's, for ADJACENT_TO):
        # quicker than G.edges(data=True), which keeps a set of the edges it has seen.
        adj = G._adj  # the plain dict of dicts under G.adj: its read-only views cost a third of the build
        for i, pid in enumerate(person_ids):
            key = person_keys[pid]
            for other, attrs in adj[key].items():
                kind = attrs.get("type")
                if kind == _KNOWS:
                    j = key_pos.get(other)
                    if j is not None and i < j:
                        knows_i.append(i)
                        knows_j.append(j)
                        trust.append(float(attrs.get("trust", 0.5)))
                    continue
                if attrs.get("start", key) != key:
                    continue  # a directed relationship that ends at this person
                label, _, end_id = other.partition(":")
                if kind == _SPEAKS:
                    speaks[i][end_id] = str(attrs.get("level", "conversational"))
                elif kind == _INTERESTED_IN:
                    k = interest_pos.get(end_id)
                    if k is not None:
                        likes[i].append(k)
                elif kind == _LIVES_IN:
                    if end_id in hood_pos:
                        lives[i].append(end_id)
                elif kind == _AFFILIATED_WITH:
                    affiliations[i].append((label, end_id, attrs))
                elif (kind == _MENTOR_IN or kind == _MENTEE_IN) and label == Label.MENTORSHIP:
                    roles_in[end_id]["mentor" if kind == _MENTOR_IN else "mentee"].append(i)
        for h, hood_id in enumerate(hood_ids):
            for other, attrs in adj[hood_keys[hood_id]].items():
                label, _, end_id = other.partition(":")
                if attrs.get("type") == _ADJACENT_TO and end_id in hood_pos and end_id != hood_id:
                    adjacent[h].add(hood_pos[end_id])

        hood = np.full(n, -1, dtype=np.int32)
        slots = np.zeros(n, dtype=np.int64)
        native = np.full(n, -1, dtype=np.int32)
        origin = np.full(n, -1, dtype=np.int32)
        native_names: dict[str, int] = {}
        origin_names: dict[str, int] = {}
        for i, pid in enumerate(person_ids):
            attrs = people[pid]
            if lives[i]:
                hood[i] = hood_pos[min(lives[i])]
            slots[i] = slot_mask(attrs.get("availability"))
            mother = sorted(fold(code) for code, level in speaks[i].items() if level == "native")
            if mother:
                native[i] = native_names.setdefault(mother[0], len(native_names))
            country = (attrs.get("sensitive") or {}).get("origin_country")
            if country:
                origin[i] = origin_names.setdefault(str(country), len(origin_names))

        # KNOWS: symmetric trust matrix, Adamic-Adar weights of go-betweens
        ki, kj, kt = np.asarray(knows_i, dtype=np.int64), np.asarray(knows_j, dtype=np.int64), np.asarray(trust)
        knows = sp.coo_matrix((np.concatenate([kt, kt]), (np.concatenate([ki, kj]), np.concatenate([kj, ki]))),
                              shape=(n, n)).tocsr()
        knows.sum_duplicates()
        knows.sort_indices()
        degree = np.diff(knows.indptr)
        via_weight = np.zeros(n)
        many = degree >= 2
        via_weight[many] = 1.0 / np.log(degree[many])

        # mentorships: active counts, end reasons per pair
        active_of: dict[int, int] = defaultdict(int)
        ended: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for ms_id in sorted(roles_in):
            attrs = by_label[Label.MENTORSHIP].get(ms_id, {})
            sides = roles_in[ms_id]
            if attrs.get("status") == MentorshipStatus.ACTIVE:
                for m in sides["mentor"]:
                    active_of[m] += 1
            reason = attrs.get("end_reason")
            if reason:
                for mentee in sides["mentee"]:
                    ended[mentee].extend((m, str(reason)) for m in sides["mentor"])

        # mentors
        mentor_person = np.asarray(
            [i for i, pid in enumerate(person_ids) if Role.MENTOR in (people[pid].get("roles") or ())], dtype=np.int64)
        n_m = len(mentor_person)
        mentor_at = np.full(n, -1, dtype=np.int64)
        mentor_at[mentor_person] = np.arange(n_m)
        language_pos = {code: j for j, code in enumerate(languages)}
        consent = np.zeros(n_m, dtype=bool)
        capacity = np.zeros(n_m, dtype=np.int64)
        active = np.zeros(n_m, dtype=np.int64)
        isco = np.full((n_m, 4), -1, dtype=np.int64)
        education = np.full(n_m, -1, dtype=np.int64)
        goal_occupation = np.zeros((n_m, len(GOALS)))
        goal_affiliation = np.zeros((n_m, len(GOALS)))
        lang_rows: list[list[tuple[int, float]]] = []
        interest_rows: list[list[tuple[int, float]]] = []
        for m, i in enumerate(mentor_person.tolist()):
            attrs = people[person_ids[i]]
            consent[m] = bool((attrs.get("consent") or {}).get("matching", False))
            capacity[m] = int(attrs.get("mentor_capacity") or 0)
            active[m] = active_of.get(i, 0)
            code = (attrs.get("occupation") or {}).get("isco08")
            isco[m] = _isco_prefixes(code)
            if attrs.get("education_level") is not None:
                education[m] = int(attrs["education_level"])
            links = affiliations.get(i, ())
            for g, goal in enumerate(GOALS):
                goal_occupation[m, g] = occupation_credit(code, goal)
                goal_affiliation[m, g] = max((_affiliation(by_label, label, oid, a, goal) for label, oid, a in links),
                                             default=0.0)
            lang_rows.append([(language_pos[c], PROFICIENCY.get(level, 0.0)) for c, level in speaks[i].items()
                              if c in language_pos])
            interest_rows.append([(k, 1.0) for k in sorted(set(likes[i]))])

        mentor_languages = _sorted_csr(lang_rows, len(languages)).tocsc()
        mentor_languages.sort_indices()
        mentor_interests = _sorted_csr(interest_rows, len(interests)).tocsc()
        mentor_interests.sort_indices()
        remaining = np.maximum(capacity - active, 0)
        free_share = np.where(capacity > 0, remaining / np.maximum(capacity, 1), 0.0)
        interest_people = np.zeros(len(interests), dtype=np.int64)
        for row in likes:
            for k in set(row):
                interest_people[k] += 1
        total = max(n, 2)
        rarity = np.log(total / np.maximum(interest_people, 1)) / math.log(total)
        centroid = np.asarray([_centroid(by_label[Label.NEIGHBORHOOD][h].get("geometry")) for h in hood_ids],
                              dtype=np.float64).reshape(len(hood_ids), 2)
        return cls(
            G=G, person_ids=person_ids, person_pos=pos, hood=hood, slots=slots,
            languages_of=tuple(speaks), interests_of=tuple(tuple(sorted(set(row))) for row in likes),
            community={"native_language": native, "origin_country": origin},
            community_names={"native_language": tuple(native_names), "origin_country": tuple(origin_names)},
            knows=knows, via_weight=via_weight,
            mentor_ids=tuple(person_ids[i] for i in mentor_person.tolist()), mentor_person=mentor_person,
            mentor_at=mentor_at, mentor_consent=consent, capacity=capacity, active=active,
            mentor_languages=mentor_languages, isco=np.ascontiguousarray(isco.T), education=education,
            goal_occupation=np.ascontiguousarray(goal_occupation.T),
            goal_affiliation=np.ascontiguousarray(goal_affiliation.T), mentor_interests=mentor_interests,
            goal_rest=np.ascontiguousarray(((1.0 - goal_occupation) * (1.0 - AFFILIATION_SHARE * goal_affiliation)).T),
            mentor_hood=hood[mentor_person], mentor_slots=slots[mentor_person],
            mentor_community={"native_language": native[mentor_person], "origin_country": origin[mentor_person]},
            remaining=remaining, free_share=free_share,
            languages=tuple(languages), interests=interests, interest_people=interest_people,
            interest_rarity=np.clip(rarity, 0.0, 1.0 - 1e-9), hoods=hood_ids,
            hood_adjacent=tuple(frozenset(a) for a in adjacent), hood_centroid=centroid,
            ended={k: tuple(v) for k, v in ended.items()},
        )


def _affiliation(by_label: Mapping[str, Mapping[str, dict[str, Any]]], label: str, node_id: str,
                 attrs: Mapping[str, Any], goal: Goal) -> float:
    target = by_label.get(label, {}).get(node_id, {})
    return affiliation_credit(str(attrs.get("role", "member_of")), label, target.get("kind"), target.get("sector"), goal)
