"""What serves a newcomer's goal: the mentor's occupation, education and affiliations.

A newcomer's goals are coarse (:class:`~graphsvc.model.Goal`). For each goal ``g`` three
parts are read off the mentor, each in [0, 1]:

- ``occupation``: the best of the mentor's ISCO-08 code against :data:`GOAL_OCCUPATIONS`
  (the longest matching prefix wins: a registered nurse, 2221, serves a health goal fully
  by the prefix 22 "health professionals"), and, for ``employment`` and ``business``, the
  relation of the mentor's occupation to the newcomer's own (:func:`isco_relation`):
  same unit group (4 digits) 1.0, same minor group (3) 0.85, same sub-major group (2) 0.7,
  same major group (1) 0.4. A nurse at home who wants work here is best served by a nurse.
- ``affiliation``: the best of the mentor's AFFILIATED_WITH links against
  :func:`affiliation_credit` (works at an employer for employment, studies or works at a
  school or university for education, works at a clinic or a health organization for
  health, ...).
- ``education`` (``education`` goal only): the mentor's ISCED level is known and at least
  6 (bachelor's) and above the newcomer's: 1.0; at least the newcomer's: 0.6.

They combine by a noisy-or, ``1 - (1 - occupation)(1 - 0.6 affiliation)(1 - 0.5 education)``,
so each part adds, an occupation alone can reach 1, an affiliation alone 0.6. The factor
value is that of the goal the mentor serves best. A newcomer without goals gets 0.

Examples
--------
>>> isco_relation("2221", "2221"), isco_relation("2221", "2211"), isco_relation("2221", "2611")
('unit', 'sub_major', 'major')
>>> occupation_credit("2221", Goal.HEALTH)
1.0
>>> goal_value(occupation=0.5, affiliation=1.0, education=0.0)
0.8
"""

from __future__ import annotations

from functools import cache

from graphsvc.model.nodes import Goal, InstitutionKind, OrganizationKind
from graphsvc.model.relationships import AffiliationRole

GOALS: tuple[Goal, ...] = tuple(Goal)

#: ISCO relation name -> value, for the digits two codes share.
ISCO_RELATION: dict[str, float] = {"unit": 1.0, "minor": 0.85, "sub_major": 0.7, "major": 0.4}
_RELATION_BY_DIGITS = {4: "unit", 3: "minor", 2: "sub_major", 1: "major"}

#: Goals for which the newcomer's own occupation counts (they want work, or a business, in it).
OWN_OCCUPATION_GOALS = frozenset({Goal.EMPLOYMENT, Goal.BUSINESS})

#: goal -> ISCO-08 prefixes of occupations that help with it, and how much.
GOAL_OCCUPATIONS: dict[Goal, dict[str, float]] = {
    Goal.EMPLOYMENT: {"2423": 0.8, "3333": 0.8},  # personnel and careers professionals; employment agents
    Goal.BUSINESS: {"1": 0.6, "14": 0.8, "24": 0.7, "2411": 0.8, "33": 0.5},  # managers, business professionals
    Goal.EDUCATION: {"23": 0.8, "231": 1.0, "2359": 0.9},  # teachers; university teachers; education advisers
    Goal.HEALTH: {"22": 1.0, "32": 0.8, "532": 0.5},  # health professionals, associates, care workers
    Goal.HOUSING: {"3334": 1.0, "2635": 0.7, "3412": 0.7},  # real estate agents, social workers
    Goal.LANGUAGE: {"2353": 1.0, "2643": 0.8, "23": 0.5},  # language teachers, interpreters, teachers
    Goal.CIVIC: {"111": 0.8, "2422": 0.8, "261": 0.7, "2635": 0.6, "3411": 0.6},  # officials, policy, law
    Goal.SOCIAL: {"2635": 0.6, "3412": 0.6, "34": 0.4},  # social work; legal, social, cultural associates
}

_W, _S, _V, _M = AffiliationRole.WORKS_AT, AffiliationRole.STUDIES_AT, AffiliationRole.VOLUNTEERS_AT, AffiliationRole.MEMBER_OF
_O, _I = OrganizationKind, InstitutionKind

#: goal -> ((roles, label, kinds or None for any, credit), ...); the best rule that applies counts.
GOAL_AFFILIATIONS: dict[Goal, tuple[tuple[frozenset[str], str, frozenset[str] | None, float], ...]] = {
    Goal.EMPLOYMENT: (
        (frozenset({_W}), "Organization", frozenset({_O.EMPLOYER, _O.BUSINESS}), 1.0),
        (frozenset({_W}), "Organization", None, 0.6),
        (frozenset({_W}), "Institution", None, 0.6),
    ),
    Goal.BUSINESS: (
        (frozenset({_W, _M}), "Organization", frozenset({_O.BUSINESS}), 1.0),
        (frozenset({_W}), "Organization", frozenset({_O.EMPLOYER}), 0.5),
    ),
    Goal.EDUCATION: (
        (frozenset({_W, _S}), "Organization", frozenset({_O.SCHOOL, _O.UNIVERSITY}), 1.0),
        (frozenset({_W}), "Institution", frozenset({_I.SCHOOL}), 1.0),
    ),
    Goal.HEALTH: (
        (frozenset({_W}), "Institution", frozenset({_I.CLINIC}), 1.0),
        (frozenset({_W, _V}), "Organization", frozenset({"sector:health"}), 1.0),
    ),
    Goal.HOUSING: (
        (frozenset({_W, _V}), "Institution", frozenset({_I.SETTLEMENT_AGENCY}), 0.8),
        (frozenset({_W, _V}), "Institution", frozenset({_I.COMMUNITY_CENTER}), 0.5),
    ),
    Goal.LANGUAGE: (
        (frozenset({_W, _V}), "Organization", frozenset({_O.SCHOOL}), 0.8),
        (frozenset({_W, _V}), "Institution", frozenset({_I.LIBRARY, _I.SETTLEMENT_AGENCY}), 0.6),
    ),
    Goal.CIVIC: (
        (frozenset({_W}), "Organization", frozenset({_O.GOVERNMENT}), 1.0),
        (frozenset({_W}), "Institution", frozenset({_I.GOVERNMENT_OFFICE}), 1.0),
        (frozenset({_V, _M}), "Organization", frozenset({_O.NONPROFIT, _O.GOVERNMENT}), 0.6),
        (frozenset({_V}), "Institution", None, 0.6),
    ),
    Goal.SOCIAL: (
        (frozenset({_W, _V}), "Institution", frozenset({_I.COMMUNITY_CENTER, _I.CULTURAL_CENTER}), 1.0),
        (frozenset({_M, _V}), "Organization", None, 0.5),
    ),
}

AFFILIATION_SHARE = 0.6
EDUCATION_SHARE = 0.5


def isco_relation(a: str | None, b: str | None) -> str | None:
    """The closest ISCO-08 group two codes share: ``'unit'``, ``'minor'``, ``'sub_major'``,
    ``'major'``, or ``None``."""
    if not a or not b:
        return None
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return _RELATION_BY_DIGITS.get(shared)


@cache
def occupation_credit(isco: str | None, goal: Goal) -> float:
    """How much an occupation helps with a goal by :data:`GOAL_OCCUPATIONS` (longest prefix)."""
    if not isco:
        return 0.0
    table = GOAL_OCCUPATIONS[goal]
    for n in range(len(isco), 0, -1):
        credit = table.get(isco[:n])
        if credit is not None:
            return credit
    return 0.0


@cache
def affiliation_credit(role: str, label: str, kind: str | None, sector: str | None, goal: Goal) -> float:
    """How much one affiliation (``role`` at a node of ``label``, ``kind``, ``sector``)
    helps with a goal by :data:`GOAL_AFFILIATIONS`."""
    best = 0.0
    for roles, want_label, kinds, credit in GOAL_AFFILIATIONS[goal]:
        if role not in roles or label != want_label:
            continue
        if kinds is None or kind in kinds or (sector is not None and f"sector:{sector}" in kinds):
            best = max(best, credit)
    return best


def education_credit(mentor: int | None, newcomer: int | None, goal: Goal) -> float:
    """The education part, for the ``education`` goal: ISCED levels (``None``: unknown)."""
    if goal is not Goal.EDUCATION or mentor is None:
        return 0.0
    own = newcomer if newcomer is not None else 0
    if mentor >= 6 and mentor > own:
        return 1.0
    return 0.6 if newcomer is not None and mentor >= newcomer else 0.0


def goal_value(occupation: float, affiliation: float, education: float) -> float:
    """The noisy-or of the three parts, in [0, 1]."""
    return 1.0 - (1.0 - occupation) * (1.0 - AFFILIATION_SHARE * affiliation) * (1.0 - EDUCATION_SHARE * education)
