"""The principal of a request: an API role and, for participants, the person they are."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ApiRole(StrEnum):
    """What a token lets its holder do (see README, "Access control")."""

    COORDINATOR = "coordinator"  # everything in the program
    MENTOR = "mentor"  # own record; public profiles; private fields of active mentorship partners
    NEWCOMER = "newcomer"  # as mentor
    PARTNER = "partner"  # organizations, institutions, neighborhoods, aggregate counts; no person data
    ANONYMOUS = "anonymous"  # nothing, unless the operator opens the public institutions view


@dataclass(frozen=True)
class Principal:
    role: ApiRole
    person_id: str | None = None
    token_id: str | None = None

    @property
    def is_participant(self) -> bool:
        return self.role in (ApiRole.MENTOR, ApiRole.NEWCOMER)


ANONYMOUS = Principal(ApiRole.ANONYMOUS)
