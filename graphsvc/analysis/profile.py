"""The program profile: how much each factor of a mentor suggestion weighs, and the rules.

A mentor's score for a newcomer is a weighted sum of seven factors. Every factor has a
raw value in [0, 1] (defined in :mod:`graphsvc.analysis.factors`), its contribution is
``weight * value``, and the score is the sum of the contributions, so it lies in
``[0, sum of weights]``. With the default weights, which sum to 1, a score is a share of
a perfect match. Doubling one weight doubles that factor's contribution and changes
nothing else.

=====================  =======  ==========================================================
factor                 default  what a value of 1 means
=====================  =======  ==========================================================
language               0.25     a shared home language, native on both sides
goals_occupation       0.20     the mentor's occupation, education or workplace serves a
                                goal of the newcomer fully (same ISCO-08 unit group as the
                                newcomer's own job, for an employment goal)
interests              0.10     shared interests few other people have
geography              0.10     the same neighborhood
social                 0.15     several trusted mutual acquaintances (or they know each other)
bridging               0.05     a mentor from outside the community that all of the
                                newcomer's acquaintances come from
availability_capacity  0.15     two or more shared free time slots, and a mentor with all
                                places free
=====================  =======  ==========================================================

The rest of the profile: ``excluded_end_reasons`` (an ended mentorship between the two
with one of these reasons excludes suggesting them again), ``community_attribute``
(what "community" means for bridging), ``min_score`` and ``top_k`` (what a suggestion
list holds), ``allow_newcomer_view`` (whether a newcomer may see their own suggestions;
enforced by the API, not here), and three tuning knobs of the language and geography
factors. A profile is frozen and rejects unknown fields; every validation error names its
field. ``ProgramProfile.model_validate(p.model_dump(mode="json")) == p``.

Examples
--------
>>> p = ProgramProfile(bridging=0.3)
>>> round(p.total_weight, 2)
1.25
>>> ProgramProfile.model_validate(p.model_dump(mode="json")) == p
True
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from graphsvc.model.codes import LanguageCode
from graphsvc.model.nodes import EndReason

#: The factors, in the order they are reported.
FACTORS: tuple[str, ...] = (
    "language",
    "goals_occupation",
    "interests",
    "geography",
    "social",
    "bridging",
    "availability_capacity",
)

DEFAULT_WEIGHTS: dict[str, float] = {
    "language": 0.25,
    "goals_occupation": 0.20,
    "interests": 0.10,
    "geography": 0.10,
    "social": 0.15,
    "bridging": 0.05,
    "availability_capacity": 0.15,
}


def _weight(name: str, meaning: str) -> float:
    return Field(
        default=DEFAULT_WEIGHTS[name], ge=0.0, le=100.0, allow_inf_nan=False,
        description=f"Weight of the {name} factor: {meaning}",
    )


class ProgramProfile(BaseModel):
    """Weights and rules of one program's mentor suggestions (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: float = _weight("language", "a shared language, by proficiency and closeness of varieties.")
    goals_occupation: float = _weight(
        "goals_occupation", "the newcomer's goals against the mentor's occupation, education, affiliations.")
    interests: float = _weight("interests", "shared interests, rarer ones weighing more.")
    geography: float = _weight("geography", "same neighborhood > adjacent > by distance.")
    social: float = _weight("social", "mutual acquaintances and trust over KNOWS (a warm start).")
    bridging: float = _weight("bridging", "a mentor from outside the newcomer's own community.")
    availability_capacity: float = _weight(
        "availability_capacity", "shared free time slots and the mentor's free places.")

    excluded_end_reasons: frozenset[EndReason] = Field(
        default=frozenset({EndReason.CONDUCT, EndReason.MISMATCH}),
        description="An ended mentorship between the pair with one of these reasons excludes rematching them.",
    )
    community_attribute: Literal["native_language", "origin_country"] = Field(
        default="native_language",
        description=(
            "What a person's community is for bridging: their native language folded to its "
            "macrolanguage (arz, apc -> ara), or their origin country (sensitive: present only "
            "for people who consented to the matching purpose)."
        ),
    )
    min_score: float = Field(default=0.0, ge=0.0, allow_inf_nan=False,
                             description="Suggestions below this score are left out.")
    top_k: int = Field(default=5, ge=1, le=100, description="How many suggestions by default.")
    allow_newcomer_view: bool = Field(default=False, description="A newcomer may see their own suggestions.")
    majority_language: LanguageCode | None = Field(
        default="eng", description="The local majority language (ISO 639-3), which counts less than a home language.")
    majority_language_credit: float = Field(
        default=0.5, ge=0.0, le=1.0, allow_inf_nan=False,
        description="Share of full credit that a match in the majority language earns.",
    )
    distance_scale_km: float = Field(
        default=3.0, gt=0.0, le=1000.0, allow_inf_nan=False,
        description="Distance at which the geography value of non-adjacent neighborhoods falls to 1/e of its top.",
    )

    @field_serializer("excluded_end_reasons")
    def _sorted_reasons(self, reasons: frozenset[EndReason]) -> list[str]:
        return sorted(str(r) for r in reasons)  # a set's order would depend on hash seeds

    @property
    def weights(self) -> dict[str, float]:
        """Factor -> weight, in :data:`FACTORS` order."""
        return {name: float(getattr(self, name)) for name in FACTORS}

    @property
    def total_weight(self) -> float:
        """The highest score possible: the sum of the weights."""
        return sum(self.weights.values())
