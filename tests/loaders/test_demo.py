"""The demo community: valid, deterministic, whole, plausible, and streamed in bounded memory."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import tracemalloc
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from graphsvc.model import Label, RelType, parse_node, parse_rel
from loaders.demo import DEFAULT_SPEC, generate, neighborhood_count, write_answers
from loaders.demo_data import MACROLANGUAGES, PLANT_FACTORS
from loaders.items import Item

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small() -> list[Item]:
    return list(generate(300))


@pytest.fixture(scope="module")
def town() -> list[Item]:
    """Big enough for shares and averages to be stable, small enough to be quick."""
    return list(generate(2000, seed=11))


@pytest.fixture(scope="module")
def planted() -> tuple[list[Item], list[dict[str, Any]]]:
    """The town again, with hidden good matches planted for 30% of the eligible newcomers."""
    answers: list[dict[str, Any]] = []
    return list(generate(2000, seed=11, plant=0.3, answers=answers.append)), answers


@pytest.fixture(scope="module")
def planted_items(planted: tuple[list[Item], list[dict[str, Any]]]) -> list[Item]:
    return planted[0]


def _of(items: list[Item], kind: Label | RelType) -> list[dict[str, Any]]:
    return [item.data for item in items if item.kind == kind]


def _native(items: list[Item]) -> dict[str, str]:
    """Each person's mother tongue, which names their community here."""
    return {d["start"]: d["end"] for d in _of(items, RelType.SPEAKS) if d["props"]["level"] == "native"}


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: whether a point is inside a polygon's ring."""
    inside = False
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


# ---------------------------------------------------------------------------- validity


def test_every_item_parses_with_the_model(small: list[Item]) -> None:
    for item in small:
        if item.is_node:
            assert isinstance(item.kind, Label)
            parse_node(item.kind, item.data, row=item.row)
        else:
            assert item.data["type"] == item.kind
            parse_rel(item.data, row=item.row)
    assert {item.file for item in small} == {"demo"}
    assert [item.row for item in small] == list(range(1, len(small) + 1))


def test_sizes_and_bad_arguments() -> None:
    fixed = list(generate(0))
    assert fixed and not any(item.kind == Label.PERSON for item in fixed)
    assert sum(item.kind == Label.PERSON for item in generate(25)) == 25
    with pytest.raises(ValueError):
        list(generate(-1))
    assert neighborhood_count(300) == 12 and neighborhood_count(1_000_000) == 40


# ---------------------------------------------------------------------------- determinism


def test_same_seed_same_items_and_another_seed_others(small: list[Item]) -> None:
    again = list(generate(300))
    assert again == small
    assert [item.data for item in again] == [item.data for item in small]  # Item's == ignores nothing here
    assert list(generate(300, seed=8)) != small


def test_nothing_depends_on_string_hashing() -> None:
    code = (
        "import hashlib; from loaders.demo import generate; "
        "print(hashlib.sha256(repr([(i.kind, i.data) for i in generate(200)]).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout.strip()
        for hash_seed in ("0", "1", "4242")
    }
    here = hashlib.sha256(repr([(i.kind, i.data) for i in generate(200)]).encode()).hexdigest()
    assert digests == {here}


# ---------------------------------------------------------------------------- referential integrity


@pytest.mark.parametrize("fixture", ["small", "town", "planted_items"])
def test_every_relationship_end_was_yielded_before(fixture: str, request: pytest.FixtureRequest) -> None:
    seen: set[tuple[str, str]] = set()
    for item in request.getfixturevalue(fixture):
        if item.is_node:
            key = (str(item.kind), item.data["id"])
            assert key not in seen, f"{key} yielded twice"
            seen.add(key)
        else:
            rel = parse_rel(item.data)
            for label, node_id in ((rel.start_label, rel.start), (rel.end_label, rel.end)):
                assert (str(label), node_id) in seen, f"row {item.row}: {label} {node_id} not yet yielded"


# ---------------------------------------------------------------------------- structure


def test_languages_and_communities(town: list[Item]) -> None:
    languages = {d["id"] for d in _of(town, Label.LANGUAGE)}
    assert {"arz", "apc", "arb", "ara", "tir", "prs", "ukr", "spa", "tgl", "eng"} <= languages
    mother_tongues = Counter(_native(town).values())
    assert {"arz", "apc", "tir", "prs", "ukr", "spa", "tgl", "eng"} <= set(mother_tongues)
    newcomers = {d["id"] for d in _of(town, Label.PERSON) if "NEWCOMER" in d["roles"]}
    english = Counter(d["props"]["level"] for d in _of(town, RelType.SPEAKS)
                      if d["end"] == "eng" and d["start"] in newcomers)
    assert set(english) == {"basic", "conversational", "fluent"}  # newcomers speak it at varying levels
    origins = Counter(d["sensitive"]["origin_country"] for d in _of(town, Label.PERSON)
                      if "origin_country" in d.get("sensitive", {}))
    assert {"EG", "SY", "ER", "AF", "UA", "PH"} <= set(origins)


def test_communities_cluster_in_neighborhoods(town: list[Item]) -> None:
    native = _native(town)
    hood_of = {d["start"]: d["end"] for d in _of(town, RelType.LIVES_IN)}
    for language in ("arz", "tir", "ukr"):
        homes = Counter(hood_of[p] for p, lang in native.items() if lang == language and p in hood_of)
        top_three = sum(n for _, n in homes.most_common(3))
        assert top_three > 0.4 * sum(homes.values()), (language, homes)  # evenly, 3 of 18 would hold 17%


def test_people_roles_consent_and_contact(town: list[Item]) -> None:
    people = _of(town, Label.PERSON)
    assert len(people) == 2000
    today = DEFAULT_SPEC.today
    roles = Counter(role for p in people for role in p["roles"])
    assert all(roles[r] > 100 for r in ("NEWCOMER", "RESIDENT", "PROFESSIONAL", "MENTOR"))
    for p in people:
        if "MENTOR" in p["roles"]:
            assert 1 <= p["mentor_capacity"] <= 3
        else:
            assert p.get("mentor_capacity", 0) == 0
        if "NEWCOMER" in p["roles"]:
            assert p["goals"]
            assert today - timedelta(days=3 * 365 + 31) <= date.fromisoformat(p["arrival_date"]) < today
    mentors = [p for p in people if "MENTOR" in p["roles"]]
    earlier_immigrants = sum("arrival_date" in p for p in mentors)
    assert 0.1 * len(mentors) < earlier_immigrants < 0.9 * len(mentors)  # bonding and bridging mentors
    matching = sum(p["consent"]["matching"] for p in people)
    assert 0.5 * len(people) < matching < 0.95 * len(people)  # most consent, some do not
    consented_origin = sum("matching" in p["consent"]["sensitive_purposes"]
                           for p in people if "origin_country" in p.get("sensitive", {}))
    with_origin = sum("origin_country" in p.get("sensitive", {}) for p in people)
    assert 0 < consented_origin < with_origin
    emails = [p["contact"]["email"] for p in people if "email" in p.get("contact", {})]
    assert emails and all(e.endswith("@example.org") and e.isascii() for e in emails)
    assert len(set(emails)) == len(emails)
    phones = sum("phone" in p.get("contact", {}) for p in people)
    assert 0 < phones < 0.6 * len(people)
    assert {p["occupation"]["isco08"] for p in people if "occupation" in p} >= {"2221", "2512", "2341", "7411", "2411"}
    assert sum(bool(p.get("availability")) for p in people) > 0.5 * len(people)


def test_names_come_from_many_cultures_and_ids_are_ascii(town: list[Item]) -> None:
    names = " ".join(d["name"] for d in _of(town, Label.PERSON))
    for low, high in ((0x0600, 0x06FF), (0x1200, 0x137F), (0x0400, 0x04FF)):  # Arabic, Ge'ez, Cyrillic
        assert any(low <= ord(ch) <= high for ch in names)
    assert all(item.data["id"].isascii() for item in town if item.is_node)


def test_planted_stream_parses_and_has_no_duplicate_relationships(planted_items: list[Item]) -> None:
    for item in planted_items:
        if item.is_node:
            parse_node(Label(item.kind), item.data, row=item.row)
        else:
            parse_rel(item.data, row=item.row)
    keys = [(d["type"], d["start"], d["end"]) for d in (i.data for i in planted_items if not i.is_node)]
    assert len(set(keys)) == len(keys)
    assert [item.row for item in planted_items] == list(range(1, len(planted_items) + 1))


def test_knows_homophily_bridging_and_no_duplicates(town: list[Item]) -> None:
    knows = _of(town, RelType.KNOWS)
    native = _native(town)
    pairs = [(k["start"], k["end"]) for k in knows]
    assert all(a != b for a, b in pairs)
    assert len({frozenset(p) for p in pairs}) == len(pairs)
    mean_degree = 2 * len(knows) / 2000
    assert 8 <= mean_degree <= 12, mean_degree
    across = [k for k in knows if native[k["start"]] != native[k["end"]]]
    within = [k for k in knows if native[k["start"]] == native[k["end"]]]
    assert 0.05 <= len(across) / len(knows) <= 0.30, len(across) / len(knows)
    assert len(within) > 2 * len(across)
    mean_trust = {name: sum(k["props"]["trust"] for k in ties) / len(ties)
                  for name, ties in (("within", within), ("across", across))}
    assert mean_trust["within"] > mean_trust["across"] + 0.1
    contexts = Counter(k["props"]["context"] for k in knows)
    assert {"neighbors", "work", "ESL class", "same mosque", "same church"} <= set(contexts)


def test_institutions_lie_in_their_neighborhood(town: list[Item]) -> None:
    rings = {d["id"]: d["geometry"]["coordinates"][0] for d in _of(town, Label.NEIGHBORHOOD)}
    located = {d["start"]: d["end"] for d in _of(town, RelType.LOCATED_IN)}
    institutions = _of(town, Label.INSTITUTION)
    assert {d["kind"] for d in institutions} >= {
        "library", "clinic", "cultural_center", "settlement_agency", "school", "community_center"}
    for inst in institutions:
        assert _inside(inst["longitude"], inst["latitude"], rings[located[inst["id"]]]), inst["id"]
        assert inst["address"] and inst["services"] and inst["hours"]
    # and no other neighborhood claims it: the polygons tile the city without overlapping
    for inst in institutions:
        holders = [h for h, ring in rings.items() if _inside(inst["longitude"], inst["latitude"], ring)]
        assert holders == [located[inst["id"]]]
    operated = {d["end"] for d in _of(town, RelType.OPERATES)}
    assert operated == {d["id"] for d in institutions}
    served = Counter(d["end"] for d in _of(town, RelType.SERVES_LANGUAGE))
    assert served["eng"] == len(institutions) and len(served) > 3


def test_neighborhoods_touch_where_adjacent(town: list[Item]) -> None:
    hoods = _of(town, Label.NEIGHBORHOOD)
    assert len(hoods) == neighborhood_count(2000)
    corners = {d["id"]: {tuple(p) for p in d["geometry"]["coordinates"][0]} for d in hoods}
    adjacent = _of(town, RelType.ADJACENT_TO)
    assert adjacent
    for d in adjacent:
        assert len(corners[d["start"]] & corners[d["end"]]) == 2  # a shared edge
    for d in hoods:
        for lon, lat in d["geometry"]["coordinates"][0]:
            assert DEFAULT_SPEC.south <= lat <= DEFAULT_SPEC.north and DEFAULT_SPEC.west <= lon <= DEFAULT_SPEC.east


def test_interest_popularity_is_skewed(town: list[Item]) -> None:
    interests = _of(town, Label.INTEREST)
    assert 35 <= len(interests) <= 45
    assert {d["category"] for d in interests} == {"career", "hobby", "cause"}
    counts = Counter(d["end"] for d in _of(town, RelType.INTERESTED_IN))
    ranked = [counts.get(d["id"], 0) for d in interests]
    assert max(ranked) > 10 * max(1, min(ranked))


# ---------------------------------------------------------------------------- bounded memory


def _peak_bytes(people: int) -> int:
    tracemalloc.start()
    try:
        deque(generate(people), maxlen=0)  # consume without keeping
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_people() -> None:
    """8,000 people are ~98,000 items, ~53 MB if held in a list. Streamed, the peak is one
    block's relationships, the fixed nodes and the recent-people queues (~7 MB), and four
    times the people must not cost anywhere near four times the memory. (tracemalloc slows
    generation about fivefold, so the sizes are kept small; the bound is what matters.)"""
    small, large = _peak_bytes(2_000), _peak_bytes(8_000)
    assert large < 1.5 * small, (small, large)
    assert large < 20_000_000, large


# ---------------------------------------------------------------------------- planted matches

#: sha256 of the default stream for (2000, seed=11), taken before planting existed: planting
#: must not change a byte of it (see _digest for what is hashed)
TOWN_DIGEST = "69172013052980eb56ee2e48e7372000adde1b8b442790429acd00336a987d81"


def _digest(items: Iterable[Item]) -> str:
    h = hashlib.sha256()
    for i in items:
        h.update(json.dumps([str(i.kind), i.data, i.row], sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def test_without_planting_the_stream_is_unchanged(town: list[Item]) -> None:
    assert _digest(town) == TOWN_DIGEST
    calls: list[dict[str, Any]] = []
    assert _digest(generate(2000, seed=11, plant=0.0, answers=calls.append)) == TOWN_DIGEST
    assert calls == []


def test_plant_must_be_a_share() -> None:
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="plant"):
            list(generate(10, plant=bad))


def test_planting_is_deterministic(planted: tuple[list[Item], list[dict[str, Any]]]) -> None:
    items, answers = planted
    again: list[dict[str, Any]] = []
    assert list(generate(2000, seed=11, plant=0.3, answers=again.append)) == items
    assert again == answers
    other: list[dict[str, Any]] = []
    deque(generate(2000, seed=12, plant=0.3, answers=other.append), maxlen=0)
    assert other and other != answers


def _person_key(item: Item) -> tuple[str, ...]:
    if item.is_node:
        return (str(item.kind), item.data["id"])
    return (item.data["type"], item.data["start"], item.data["end"])


def test_planting_changes_only_the_planted_newcomers(
        town: list[Item], planted: tuple[list[Item], list[dict[str, Any]]]) -> None:
    items, answers = planted
    newcomers = {a["newcomer"] for a in answers}
    base = {_person_key(i): i.data for i in town}
    # everything of the default stream is there, in the same order, and only planted newcomers changed
    assert [_person_key(i) for i in items if _person_key(i) in base] == [_person_key(i) for i in town]
    for item in items:
        key = _person_key(item)
        if item.kind == Label.PERSON and item.data["id"] in newcomers:
            changed = {k for k in {*item.data, *base[key]} if item.data.get(k) != base[key].get(k)}
            assert changed <= {"occupation", "goals", "education_level", "availability"}
        elif key in base:
            assert item.data == base[key]
        else:  # added: a relationship of a planted newcomer
            assert not item.is_node and newcomers & {item.data["start"], item.data["end"]}


def test_planted_pairs_are_eligible(planted: tuple[list[Item], list[dict[str, Any]]]) -> None:
    items, answers = planted
    people = {d["id"]: d for d in _of(items, Label.PERSON)}
    eligible = [p for p in people.values() if "NEWCOMER" in p["roles"] and p["consent"]["matching"]]
    assert 0.2 * len(eligible) < len(answers) < 0.4 * len(eligible)
    assert len({a["newcomer"] for a in answers}) == len(answers)
    order = {pid: k for k, pid in enumerate(people)}
    assert [order[a["newcomer"]] for a in answers] == sorted(order[a["newcomer"]] for a in answers)
    for a in answers:
        newcomer, mentor = people[a["newcomer"]], people[a["mentor"]]
        assert "NEWCOMER" in newcomer["roles"] and newcomer["consent"]["matching"]
        assert "MENTOR" in mentor["roles"] and mentor["consent"]["matching"] and mentor["mentor_capacity"] >= 1
        assert order[a["mentor"]] < order[a["newcomer"]]  # generated, and yielded, earlier
        assert [f for f in PLANT_FACTORS if f in a["factors"]] == a["factors"]
    per_mentor = Counter(a["mentor"] for a in answers)
    assert all(n <= people[m]["mentor_capacity"] for m, n in per_mentor.items())
    applied = Counter(f for a in answers for f in a["factors"])
    for factor in PLANT_FACTORS:  # noisy: each applied to some planted pairs, none to all
        assert 0.3 * len(answers) < applied[factor] < 0.9 * len(answers), (factor, applied)


class _Town:
    """The stream indexed for checking what two people share, on the scoring model's factors."""

    def __init__(self, items: list[Item]) -> None:
        self.people = {d["id"]: d for d in _of(items, Label.PERSON)}
        self.speaks: dict[str, set[str]] = defaultdict(set)
        self.interests: dict[str, set[str]] = defaultdict(set)
        self.knows: dict[str, set[str]] = defaultdict(set)
        self.adjacent: dict[str, set[str]] = defaultdict(set)
        self.hood = {d["start"]: d["end"] for d in _of(items, RelType.LIVES_IN)}
        for d in _of(items, RelType.SPEAKS):
            if d["end"] != "eng":  # a home language; macrolanguage-aware: arz and arb are both Arabic
                self.speaks[d["start"]].add(MACROLANGUAGES.get(d["end"], d["end"]))
        for d in _of(items, RelType.INTERESTED_IN):
            self.interests[d["start"]].add(d["end"])
        for rel, index in ((RelType.KNOWS, self.knows), (RelType.ADJACENT_TO, self.adjacent)):
            for d in _of(items, rel):
                index[d["start"]].add(d["end"])
                index[d["end"]].add(d["start"])

    def shared(self, n: str, m: str) -> set[str]:
        a, b = self.people[n], self.people[m]
        isco_a, isco_b = (p.get("occupation", {}).get("isco08", "") for p in (a, b))
        hood_a, hood_b = self.hood.get(n), self.hood.get(m)
        checks = {
            "language": bool(self.speaks[n] & self.speaks[m]),
            "goals_occupation": bool(isco_a and isco_a[:2] == isco_b[:2] and "employment" in a["goals"]),
            "interests": bool(self.interests[n] & self.interests[m]),
            "geography": hood_a is not None and (hood_a == hood_b or hood_b in self.adjacent[hood_a]),
            "social": bool(self.knows[n] & self.knows[m]),
            "availability_capacity": bool(set(a.get("availability", ())) & set(b.get("availability", ()))),
        }
        return {factor for factor, holds in checks.items() if holds}


def test_planted_newcomers_resemble_their_mentor(planted: tuple[list[Item], list[dict[str, Any]]]) -> None:
    """What an answer claims holds, and a planted pair shares markedly more than the newcomer
    and a random eligible mentor (2,000 people, plant=0.3: about 4.0 of 6 factors against 1.5)."""
    items, answers = planted
    town = _Town(items)
    mentors = sorted(p for p, d in town.people.items() if "MENTOR" in d["roles"] and d["consent"]["matching"])
    rng = random.Random(0)
    planted_shared, random_shared = [], []
    for a in answers:
        shared = town.shared(a["newcomer"], a["mentor"])
        assert set(a["factors"]) <= shared, (a, shared)
        planted_shared.append(len(shared))
        random_shared.append(len(town.shared(a["newcomer"], rng.choice(mentors))))
    mean_planted, mean_random = sum(planted_shared) / len(answers), sum(random_shared) / len(answers)
    assert mean_planted > mean_random + 1.5, (mean_planted, mean_random)
    assert mean_planted < len(PLANT_FACTORS) - 1  # noisy, not a perfect match


def test_write_answers_writes_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    collected: list[dict[str, Any]] = []
    with write_answers(path) as write:
        for _ in generate(400, seed=2, plant=0.5, answers=lambda a: (collected.append(a), write(a))):
            pass
    assert collected
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == collected
