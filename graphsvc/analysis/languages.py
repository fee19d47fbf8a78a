"""Language closeness for mentor suggestions: macrolanguages from ISO 639-3, proficiency.

ISO 639-3 groups individual languages under macrolanguages (``arz`` Egyptian Arabic and
``apc`` Levantine Arabic are members of ``ara`` Arabic; ``prs`` Dari of ``fas``
Persian). The membership comes from the ISO 639-3 tables in the ``iso639`` package, not
from a hand list, and is cached per code.

How well a newcomer's language ``a`` is served by a mentor's language ``b``
(:func:`match_kind`, :data:`KIND_CREDIT`):

==================  =====================================================  ======
kind                example (newcomer -> mentor)                           credit
==================  =====================================================  ======
``same``            ara -> ara, arz -> arz                                 1.0
``macrolanguage``   arz -> ara: the mentor speaks the macrolanguage that   0.8
                    the newcomer's variety belongs to
``variety``         ara -> arz: the newcomer names the macrolanguage, the  0.6
                    mentor one particular variety of it
``sibling``         arz -> apc: two varieties of one macrolanguage,        0.5
                    mutually intelligible only in part
==================  =====================================================  ======

A pair of languages earns ``credit * proficiency(newcomer) * proficiency(mentor)``
(:data:`PROFICIENCY`: native 1.0, fluent 0.9, conversational 0.6, basic 0.3), and a pair
in the local majority language (either side, folded to its macrolanguage) earns only
``majority_credit`` of that: everyone in a program shares the local language sooner or
later, a home language is what makes a first meeting easy. The language value of a
mentor is the best pair's (shared languages do not add up).

Examples
--------
>>> macrolanguage("arz")
'ara'
>>> match_kind("arz", "ara"), match_kind("ara", "arz"), match_kind("arz", "apc")
(<MatchKind.MACROLANGUAGE: 'macrolanguage'>, <MatchKind.VARIETY: 'variety'>, <MatchKind.SIBLING: 'sibling'>)
>>> round(pair_value("arz", "native", "ara", "fluent"), 6)
0.72
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache

from iso639 import Lang

from graphsvc.model.codes import language_name
from graphsvc.model.relationships import Proficiency

PROFICIENCY: dict[str, float] = {
    Proficiency.NATIVE: 1.0,
    Proficiency.FLUENT: 0.9,
    Proficiency.CONVERSATIONAL: 0.6,
    Proficiency.BASIC: 0.3,
}


class MatchKind(StrEnum):
    """How a mentor's language relates to a newcomer's."""

    SAME = "same"
    MACROLANGUAGE = "macrolanguage"  # newcomer: a member; mentor: its macrolanguage
    VARIETY = "variety"  # newcomer: the macrolanguage; mentor: one member
    SIBLING = "sibling"  # two members of the same macrolanguage


KIND_CREDIT: dict[MatchKind, float] = {
    MatchKind.SAME: 1.0,
    MatchKind.MACROLANGUAGE: 0.8,
    MatchKind.VARIETY: 0.6,
    MatchKind.SIBLING: 0.5,
}


@cache
def macrolanguage(code: str) -> str | None:
    """The ISO 639-3 macrolanguage a language belongs to (``'arz'`` -> ``'ara'``), or ``None``."""
    try:
        macro = Lang(code).macro()
    except Exception:  # noqa: BLE001 - iso639 raises its own errors for unknown codes
        return None
    return macro.pt3 if macro is not None and macro.pt3 else None


@cache
def fold(code: str) -> str:
    """A code folded to its macrolanguage, if it has one (``'apc'`` -> ``'ara'``, ``'eng'`` -> ``'eng'``)."""
    return macrolanguage(code) or code


@cache
def match_kind(newcomer: str, mentor: str) -> MatchKind | None:
    """How the mentor's language ``mentor`` serves the newcomer's ``newcomer``; ``None``: not at all."""
    if newcomer == mentor:
        return MatchKind.SAME
    a, b = macrolanguage(newcomer), macrolanguage(mentor)
    if a is not None and a == mentor:
        return MatchKind.MACROLANGUAGE
    if b is not None and b == newcomer:
        return MatchKind.VARIETY
    if a is not None and a == b:
        return MatchKind.SIBLING
    return None


def pair_credit(newcomer: str, mentor: str, majority: str | None = None, majority_credit: float = 1.0) -> float:
    """The credit of a language pair before proficiency: :data:`KIND_CREDIT`, reduced for
    the majority language."""
    kind = match_kind(newcomer, mentor)
    if kind is None:
        return 0.0
    credit = KIND_CREDIT[kind]
    if majority is not None and fold(majority) in (fold(newcomer), fold(mentor)):
        credit *= majority_credit
    return credit


def pair_value(newcomer: str, newcomer_level: str, mentor: str, mentor_level: str,
               majority: str | None = None, majority_credit: float = 1.0) -> float:
    """``credit * proficiency * proficiency`` of one pair of spoken languages, in [0, 1]."""
    credit = pair_credit(newcomer, mentor, majority, majority_credit)
    return credit * PROFICIENCY.get(newcomer_level, 0.0) * PROFICIENCY.get(mentor_level, 0.0)


def best_pairs(newcomer: Mapping[str, str], mentor: Mapping[str, str], majority: str | None = None,
               majority_credit: float = 1.0) -> list[tuple[float, str, str, MatchKind]]:
    """Every pair of a newcomer's and a mentor's languages (code -> level) that match,
    best first: ``(value, newcomer_code, mentor_code, kind)``; ties by the codes."""
    pairs = []
    for a, level_a in newcomer.items():
        for b, level_b in mentor.items():
            kind = match_kind(a, b)
            if kind is not None:
                pairs.append((pair_value(a, level_a, b, level_b, majority, majority_credit), a, b, kind))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return pairs


def shared_name(newcomer: str, mentor: str) -> str:
    """The name both can be said to speak: the language, or the macrolanguage of both."""
    kind = match_kind(newcomer, mentor)
    if kind is MatchKind.SAME or kind is MatchKind.VARIETY:
        return language_name(newcomer)
    if kind is MatchKind.MACROLANGUAGE:
        return language_name(mentor)
    return language_name(macrolanguage(newcomer) or newcomer)
