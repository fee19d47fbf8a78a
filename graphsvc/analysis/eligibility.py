"""Hard filters: who may be suggested to whom at all, whatever the score.

A newcomer gets suggestions only if they are a person of the projection (else
:class:`~graphsvc.errors.NotFoundError`) with the NEWCOMER role and consent to matching;
otherwise :class:`NotEligible` is raised with a ``reason``, never a silent empty list.

A mentor is never suggested to a newcomer when (the reason codes of :func:`pair_reason`):

- ``not_mentor``: they lack the MENTOR role (or are the newcomer);
- ``no_consent``: they have not consented to matching;
- ``no_capacity``: capacity minus active mentorships is 0;
- ``excluded``: a coordinator excluded them, for everyone (a mentor id in
  ``exclusions``) or for this newcomer (a ``(newcomer_id, mentor_id)`` pair);
- ``ended``: a mentorship between the two (newcomer MENTEE_IN, mentor MENTOR_IN) has an
  ``end_reason`` in ``profile.excluded_end_reasons`` (whatever its status says).

Examples
--------
>>> Exclusions.of(["m1", ("n1", "m2")]).excludes("n1", "m2")
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from graphsvc.analysis.factors import Newcomer
from graphsvc.analysis.features import MatchingIndex
from graphsvc.analysis.profile import ProgramProfile
from graphsvc.errors import GraphsvcError
from graphsvc.model.nodes import Role


class NotEligible(GraphsvcError):
    """A newcomer (or a pair) that may not be matched; ``reason`` says why."""

    code = "not_eligible"

    def __init__(self, message: str, *, reason: str, field: str | None = None, row: int | None = None,
                 value: object = None) -> None:
        self.reason = reason
        super().__init__(message, field=field, row=row, value=value)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Coordinator exclusions: mentors excluded for everyone, and (newcomer, mentor) pairs."""

    mentors: frozenset[str] = frozenset()
    pairs: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, items: Exclusions | Iterable[str | tuple[str, str]] | None) -> Exclusions:
        if items is None:
            return cls()
        if isinstance(items, Exclusions):
            return items
        mentors, pairs = set(), set()
        for item in items:
            if isinstance(item, str):
                mentors.add(item)
            else:
                newcomer, mentor = item
                pairs.add((str(newcomer), str(mentor)))
        return cls(frozenset(mentors), frozenset(pairs))

    def excludes(self, newcomer: str, mentor: str) -> bool:
        return mentor in self.mentors or (newcomer, mentor) in self.pairs

    def for_newcomer(self, newcomer: str) -> list[str]:
        """The mentor ids excluded for ``newcomer``, sorted."""
        return sorted(self.mentors | {m for n, m in self.pairs if n == newcomer})


def check_newcomer(nc: Newcomer) -> None:
    """Raise :class:`NotEligible` unless the person may receive suggestions."""
    if Role.NEWCOMER not in nc.roles:
        raise NotEligible(f"'{nc.id}' does not have the NEWCOMER role", reason="not_newcomer",
                          field="newcomer_id", value=nc.id)
    if not nc.consent:
        raise NotEligible(f"'{nc.id}' has not consented to matching", reason="no_consent",
                          field="newcomer_id", value=nc.id)


def _ended_with(index: MatchingIndex, nc: Newcomer, profile: ProgramProfile) -> list[tuple[int, str]]:
    """(mentor position, reason) of mentorships with the newcomer that exclude rematching."""
    reasons = {str(r) for r in profile.excluded_end_reasons}
    return [(int(index.mentor_at[m]), reason) for m, reason in index.ended.get(nc.pos, ())
            if reason in reasons and index.mentor_at[m] >= 0]


def available_mentors(index: MatchingIndex) -> np.ndarray:
    """A boolean mask over the index's mentors: consent to matching and a free place (the
    filters that do not depend on the newcomer)."""
    return index.mentor_consent & (index.remaining > 0)


def eligible_mentors(index: MatchingIndex, nc: Newcomer, profile: ProgramProfile,
                     exclusions: Exclusions | None = None) -> np.ndarray:
    """A boolean mask over the index's mentors: who may be suggested to ``nc``."""
    ok = available_mentors(index)
    me = index.mentor_at[nc.pos]
    if me >= 0:
        ok[me] = False
    for m, _ in _ended_with(index, nc, profile):
        ok[m] = False
    for mentor in (exclusions or Exclusions()).for_newcomer(nc.id):
        pos = index.person_pos.get(mentor)
        if pos is not None and index.mentor_at[pos] >= 0:
            ok[index.mentor_at[pos]] = False
    return ok


def pair_reason(index: MatchingIndex, nc: Newcomer, mentor_id: str, profile: ProgramProfile,
                exclusions: Exclusions | None = None) -> str | None:
    """Why ``mentor_id`` may not be suggested to ``nc`` (a reason code), or ``None``."""
    pos = index.person_pos.get(mentor_id)
    m = int(index.mentor_at[pos]) if pos is not None else -1
    if m < 0 or pos == nc.pos:
        return "not_mentor"
    if not index.mentor_consent[m]:
        return "no_consent"
    if index.remaining[m] <= 0:
        return "no_capacity"
    if (exclusions or Exclusions()).excludes(nc.id, mentor_id):
        return "excluded"
    if any(other == m for other, _ in _ended_with(index, nc, profile)):
        return "ended"
    return None
