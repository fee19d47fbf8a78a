"""Plain-language explanations of a suggestion, built from its :class:`~graphsvc.analysis.facts.Facts`.

One clause per factor that found something, the factors that contributed most first
(ties in :data:`~graphsvc.analysis.profile.FACTORS` order), joined by semicolons. People
are named, never referred to by pronoun (the graph holds no pronouns, and guessing them
is wrong too often). A community defined by origin country is never named (origin is a
sensitive attribute); one defined by native language is ("Arabic-speaking").

Examples
--------
>>> from graphsvc.analysis.facts import SocialFact
>>> social_clause("Amal", "Samir", SocialFact(False, None, 2, ("Lena", "Omar")))
'Amal and Samir share 2 acquaintances (Lena, Omar)'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphsvc.analysis.facts import (
    AvailabilityFact,
    BridgingFact,
    Facts,
    GeographyFact,
    InterestFact,
    LanguageFact,
    OccupationFact,
    SocialFact,
)
from graphsvc.analysis.languages import MatchKind
from graphsvc.analysis.profile import FACTORS
from graphsvc.model.codes import language_name
from graphsvc.model.nodes import Goal

GOAL_PHRASES: dict[Goal, str] = {
    Goal.EMPLOYMENT: "wants to find work",
    Goal.BUSINESS: "wants to start a business",
    Goal.EDUCATION: "wants to study",
    Goal.HEALTH: "wants help with health care",
    Goal.HOUSING: "is looking for housing",
    Goal.LANGUAGE: "wants to learn the language",
    Goal.CIVIC: "wants to take part in civic life",
    Goal.SOCIAL: "wants to meet people",
}
ROLE_PHRASES = {"works_at": "works at", "studies_at": "studies at", "volunteers_at": "volunteers at",
                "member_of": "is a member of", "uses": "uses"}
RELATION_PHRASES = {"unit": "the same occupation as", "minor": "a closely related occupation to",
                    "sub_major": "a related occupation to",
                    "major": "in the same broad occupation group as"}
_PARTS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening"}
_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
         "sat": "Saturday", "sun": "Sunday"}
MAX_LISTED = 3


def _series(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def _occupation_phrase(title: str | None, isco: str | None) -> str:
    """``'a registered nurse (ISCO 2221)'``."""
    if title:
        text = title if len(title) > 1 and title[:2].isupper() else title[0].lower() + title[1:]
        article = "an" if text[0].lower() in "aeiou" else "a"
        return f"{article} {text}" + (f" (ISCO {isco})" if isco else "")
    return f"an occupation in ISCO group {isco}"


def _percent(share: float) -> str:
    return "under 1%" if share < 0.01 else f"{round(share * 100)}%"


def language_clause(n: str, m: str, facts: tuple[LanguageFact, ...]) -> str | None:
    if not facts:
        return None
    f = facts[0]
    if f.kind is MatchKind.SAME:
        return f"both speak {f.shared} ({n}: {f.newcomer_level}; {m}: {f.mentor_level})"
    speak = "varieties of " if f.kind is MatchKind.SIBLING else ""
    return (f"both speak {speak}{f.shared} ({n}: {f.newcomer_language}, {f.newcomer_level}; "
            f"{m}: {f.mentor_language}, {f.mentor_level})")


def occupation_clause(n: str, m: str, f: OccupationFact) -> str | None:
    if f.goal is None or f.value <= 0:
        return None
    parts = []
    if f.occupation_credit > 0:
        phrase = f"works as {_occupation_phrase(f.mentor_title, f.mentor_isco)}"
        if f.relation:
            own = _occupation_phrase(f.newcomer_title, f.newcomer_isco).split(" (ISCO")[0]
            phrase += f", {RELATION_PHRASES[f.relation]} {n} ({own})"
        parts.append(phrase)
    if f.affiliation is not None:
        name, role, _ = f.affiliation
        parts.append(f"{ROLE_PHRASES.get(role, 'is affiliated with')} {name}")
    if f.education is not None:
        mine, theirs = f.education
        level = f"ISCED level {mine}" + (f", {n} {theirs}" if theirs is not None else "")
        parts.append(f"has the education for it ({level})")
    return f"{m} {_series(parts)}, and {n} {GOAL_PHRASES[f.goal]}"


def interest_clause(facts: tuple[InterestFact, ...]) -> str | None:
    if not facts:
        return None
    listed = [f"{f.name} ({_percent(f.share)} of people)" for f in facts[:MAX_LISTED]]
    if len(facts) > MAX_LISTED:
        listed.append(f"{len(facts) - MAX_LISTED} more")
    return f"both are interested in {_series(listed)}"


def geography_clause(n: str, m: str, f: GeographyFact) -> str | None:
    if f.relation == "same":
        return f"both live in {f.mentor_neighborhood}"
    if f.relation == "adjacent":
        return f"{m} lives next door in {f.mentor_neighborhood} (adjacent to {n}'s {f.newcomer_neighborhood})"
    if f.relation == "distance" and f.distance_km is not None:
        return f"{m} lives in {f.mentor_neighborhood}, about {f.distance_km:g} km from {n}'s {f.newcomer_neighborhood}"
    return None


def social_clause(n: str, m: str, f: SocialFact) -> str | None:
    clauses = []
    if f.direct:
        clauses.append(f"{n} and {m} already know each other")
    if f.mutual_count:
        noun = "acquaintance" if f.mutual_count == 1 else "acquaintances"
        names, others = list(f.mutual_names), f.mutual_count - len(f.mutual_names)
        listed = ""
        if names:
            listed = ", ".join(names) + (f" and {others} other" + ("s" if others > 1 else "") if others else "")
            listed = f" ({listed})"
        clauses.append(f"{'they' if f.direct else f'{n} and {m}'} share {f.mutual_count} {noun}{listed}")
    return " and ".join(clauses) or None


def bridging_clause(n: str, m: str, f: BridgingFact) -> str | None:
    if not f.external:
        return None
    if f.attribute == "native_language" and f.newcomer_community and f.mentor_community:
        return (f"{m} (first language: {language_name(f.mentor_community)}) comes from outside {n}'s "
                f"{language_name(f.newcomer_community)}-speaking community, widening {n}'s network")
    return f"{m} comes from outside {n}'s own community, widening {n}'s network"


def availability_clause(m: str, f: AvailabilityFact) -> str | None:
    clauses = []
    if f.shared_slots:
        slots = [f"{_DAYS[s[:3]]} {_PARTS[s[4:]]}" for s in f.shared_slots[:MAX_LISTED]]
        if len(f.shared_slots) > MAX_LISTED:
            slots.append(f"{len(f.shared_slots) - MAX_LISTED} more")
        clauses.append(f"both are free on {_series(slots)}")
    if f.capacity:
        place = "place" if f.capacity == 1 else "places"
        clauses.append(f"{m} has {f.remaining} of {f.capacity} {place} free")
    return (", and ".join(clauses)) or None


def clauses(facts: Facts) -> dict[str, str]:
    """Factor -> clause, for the factors that found something."""
    n, m = facts.newcomer_name, facts.mentor_name
    builders: dict[str, Callable[[], str | None]] = {
        "language": lambda: language_clause(n, m, facts.languages),
        "goals_occupation": lambda: occupation_clause(n, m, facts.occupation),
        "interests": lambda: interest_clause(facts.interests),
        "geography": lambda: geography_clause(n, m, facts.geography),
        "social": lambda: social_clause(n, m, facts.social),
        "bridging": lambda: bridging_clause(n, m, facts.bridging),
        "availability_capacity": lambda: availability_clause(m, facts.availability),
    }
    out = {}
    for factor in FACTORS:
        text = builders[factor]()
        if text:
            out[factor] = text
    return out


def explain(facts: Facts, contributions: Mapping[str, float] | None = None) -> str:
    """One paragraph: the clauses of :func:`clauses`, largest contribution first.

    With ``contributions``, factors that contributed nothing are left out.
    """
    found = clauses(facts)
    order = {factor: i for i, factor in enumerate(FACTORS)}
    if contributions is not None:
        found = {k: v for k, v in found.items() if contributions.get(k, 0.0) > 0}
        keys = sorted(found, key=lambda k: (-contributions.get(k, 0.0), order[k]))
    else:
        keys = sorted(found, key=order.__getitem__)
    if not keys:
        return f"{facts.mentor_name} is available and eligible; no particular match was found."
    text = "; ".join(found[k] for k in keys)
    return text[0].upper() + text[1:] + "."
