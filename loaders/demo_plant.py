"""Planted matches for the demo community: hidden good pairs to evaluate suggestions with.

A share of newcomers who consent to matching is made to resemble a mentor generated
earlier, on several of the scoring model's factors (each with a chance, as noise), and the
pair is reported to an ``answers`` callback (:func:`write_answers` writes them as JSON
lines). See :class:`Planter`.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphsvc.model import RelType
from loaders.demo_data import (
    BRIDGE_FAR,
    GOALS,
    INTERESTS,
    LEVELS_EDU,
    MACROLANGUAGES,
    OCCUPATIONS,
    PLANT_FACTORS,
    SLOTS,
    TRUST,
)
from loaders.demo_draw import one

if TYPE_CHECKING:
    from loaders.demo import Core, DemoSpec, Entry, _City

Answer = dict[str, Any]  # {"newcomer": id, "mentor": id, "factors": [factor names]}


@dataclass(slots=True)
class PlantedMentor:
    """What planting needs of an eligible mentor (MENTOR, consent to matching, places left)."""

    id: str
    hood: int | None  # None for a mentor who gave no neighborhood
    languages: tuple[str, ...]  # the native one first
    isco: str | None
    interests: tuple[str, ...]  # the rarest first
    slots: tuple[str, ...]
    friends: tuple[Core, ...]  # the earlier people they know
    left: int  # places not yet taken by a planted newcomer


class Planter:
    """Plants hidden good matches: a newcomer made to resemble a mentor generated earlier.

    It draws only from its own ``random.Random`` and changes only the newcomer being drawn
    (their node and their relationships, none yet yielded), after the recent-people queues
    have taken them: everyone else, and who ties to whom, stay as without planting. A
    planted newcomer's own ties and services stay those first drawn. Mentors are
    remembered in short queues (the most recent, and per neighborhood), so memory stays
    bounded; a mentor gets no more planted newcomers than their capacity.
    """

    def __init__(self, city: _City, spec: DemoSpec, seed: int, share: float, popularity: list[float]) -> None:
        self.rng = random.Random(f"graphsvc-demo:{seed}:plant")
        self.city, self.share, self.today = city, share, spec.today.toordinal()
        self.popularity = {slug: w for (slug, _, _), w in zip(INTERESTS, popularity, strict=True)}
        self.hood_index = {hood: k for k, hood in enumerate(city.hoods)}
        self.recent: deque[PlantedMentor] = deque(maxlen=4 * spec.memory)
        self.by_hood: list[deque[PlantedMentor]] = [deque(maxlen=max(1, spec.memory // 4)) for _ in city.hoods]

    def see(self, node: dict[str, Any], core: Core, friends: tuple[Core, ...], rels: list[Entry],
            first: int) -> Answer | None:
        """Remember an eligible mentor, or perhaps plant one for an eligible newcomer;
        ``rels[first:]`` are the person's relationships."""
        roles, consent = node["roles"], node["consent"]["matching"]
        if "MENTOR" in roles and consent and node.get("mentor_capacity", 0) >= 1:
            self._remember(node, friends, rels[first:])
        elif "NEWCOMER" in roles and consent and self.rng.random() < self.share:
            return self._plant(node, core, friends, rels, first)
        return None

    def _remember(self, node: dict[str, Any], friends: tuple[Core, ...], mine: list[Entry]) -> None:
        hood = next((self.hood_index[d["end"]] for kind, d in mine if kind is RelType.LIVES_IN), None)
        interests = [d["end"] for kind, d in mine if kind is RelType.INTERESTED_IN]
        occupation = node.get("occupation")
        mentor = PlantedMentor(
            node["id"], hood, tuple(d["end"] for kind, d in mine if kind is RelType.SPEAKS),
            occupation["isco08"] if occupation else None,
            tuple(sorted(interests, key=lambda slug: (self.popularity[slug], slug))),
            tuple(node.get("availability", ())), friends, node["mentor_capacity"])
        self.recent.append(mentor)
        if hood is not None:
            self.by_hood[hood].append(mentor)

    def _plant(self, node: dict[str, Any], core: Core, friends: tuple[Core, ...], rels: list[Entry],
               first: int) -> Answer | None:
        rng = self.rng
        chosen = [factor for factor, chance in PLANT_FACTORS.items() if rng.random() < chance]
        candidates = [m for m in self.recent if m.left]
        if "geography" in chosen:  # the mentor is picked nearby, rather than the newcomer moved
            h = core[2]
            near = {m.id: m for k in (h, *self.city.adjacent[h]) for m in self.by_hood[k] if m.left}
            if near:
                candidates = [near[key] for key in sorted(near)]
            else:
                chosen.remove("geography")
        if "language" in chosen:  # one with a home language besides the local one, where there is one
            candidates = [m for m in candidates if any(code != "eng" for code in m.languages)] or candidates
        if not candidates:
            return None
        mentor = one(rng, candidates)
        mentor.left -= 1
        applied = [factor for factor in chosen if self._apply(factor, node, core, friends, mentor, rels, first)]
        return {"newcomer": node["id"], "mentor": mentor.id, "factors": applied}

    def _apply(self, factor: str, node: dict[str, Any], core: Core, friends: tuple[Core, ...], mentor: PlantedMentor,
               rels: list[Entry], first: int) -> bool:
        """Make the newcomer resemble the mentor on one factor; whether it could be done."""
        rng, pid = self.rng, node["id"]
        own = {(kind, d["end"]) for kind, d in rels[first:] if d["start"] == pid}
        if factor == "language":  # a home language in common, or one of the same macrolanguage
            home = [code for code in mentor.languages if code != "eng"]
            if not home:
                return False
            spoken = {MACROLANGUAGES.get(code, code) for kind, code in own if kind is RelType.SPEAKS}
            if not spoken & {MACROLANGUAGES.get(code, code) for code in home}:
                rels.append((RelType.SPEAKS, {"type": "SPEAKS", "start": pid, "end": home[0],
                                              "props": {"level": one(rng, ("conversational", "fluent"))}}))
        elif factor == "goals_occupation":  # a former job in the mentor's unit or sub-major group
            if not mentor.isco:
                return False
            related = [o for o in OCCUPATIONS if o[0][:2] == mentor.isco[:2] and o[0] != mentor.isco]
            code = one(rng, related)[0] if related and rng.random() < 0.5 else mentor.isco
            title = next(o[1] for o in OCCUPATIONS if o[0] == code)
            node["occupation"] = {"isco08": code, "title": title}
            goals = {*node["goals"], "employment"}
            node["goals"] = [goal for goal, _ in GOALS if goal in goals]
            if "education_level" in node:
                node["education_level"] = one(rng, LEVELS_EDU[code[0]])
        elif factor == "interests":  # the mentor's rarest one or two
            if not mentor.interests:
                return False
            for slug in mentor.interests[:1 + int(rng.random() * 2)]:
                if (RelType.INTERESTED_IN, slug) not in own:
                    rels.append((RelType.INTERESTED_IN, {"type": "INTERESTED_IN", "start": pid, "end": slug}))
        elif factor == "geography":  # the mentor was picked in the newcomer's neighborhood or next to it
            if not any(kind is RelType.LIVES_IN for kind, _ in own):
                rels.append((RelType.LIVES_IN, {"type": "LIVES_IN", "start": pid, "end": self.city.hoods[core[2]]}))
        elif factor == "social":  # knows one of the mentor's acquaintances
            if not mentor.friends:
                return False
            friend = one(rng, mentor.friends)
            if all(f[0] != friend[0] for f in friends):
                earliest = max(core[3], friend[3])
                since = date.fromordinal(earliest + int(rng.random() * (self.today - earliest)))
                low, spread = TRUST["community"]
                rels.append((RelType.KNOWS, {
                    "type": "KNOWS", "start": friend[0], "end": pid,
                    "props": {"trust": round(low + spread * rng.random(), 2), "context": one(rng, BRIDGE_FAR),
                              "since": since.isoformat()}}))
        elif factor == "availability_capacity":  # one or two of the mentor's free slots
            if not mentor.slots:
                return False
            slots = {*node.get("availability", ()), *(one(rng, mentor.slots) for _ in range(1 + int(rng.random() * 2)))}
            node["availability"] = [slot for slot in SLOTS if slot in slots]
        else:
            raise ValueError(f"unknown factor to plant: {factor}")
        return True


@contextmanager
def write_answers(path: str | Path) -> Iterator[Callable[[Answer], None]]:
    """A callback for :func:`generate`'s ``answers`` that writes each planted pair to
    ``path`` as a JSON line, the file closed on leaving the block::

        with write_answers("answers.jsonl") as answers:
            for item in generate(2000, seed=3, plant=0.2, answers=answers):
                ...
    """
    with Path(path).open("w", encoding="utf-8") as out:
        def write(answer: Answer) -> None:
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")

        yield write
