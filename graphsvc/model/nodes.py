"""Pydantic models of the graph's nodes (DESIGN.md, "The graph").

Every node has a stable ``id`` (the caller's own id where it has one), ``created_at`` and
``updated_at`` (set by the store, never by the caller). Fields that hold private data
(contact details) or sensitive attributes (origin, gender, faith) are marked with
:func:`graphsvc.model.visibility.private` or ``sensitive`` so that later layers can
enforce who sees them; :func:`graphsvc.model.visibility.fields_with` lists them.

Consent has safe defaults: nothing is consented to until it is given.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from graphsvc.model.codes import (
    CountryCode,
    Email,
    Isco08Code,
    LanguageCode,
    is_stored,
    language_name,
)
from graphsvc.model.visibility import private, sensitive

NodeId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=100)
]


class Label(StrEnum):
    """The node labels. Stores take labels from here, never from input."""

    PERSON = "Person"
    ORGANIZATION = "Organization"
    INSTITUTION = "Institution"
    INTEREST = "Interest"
    LANGUAGE = "Language"
    NEIGHBORHOOD = "Neighborhood"
    MENTORSHIP = "Mentorship"
    CIRCLE = "Circle"


class Role(StrEnum):
    NEWCOMER = "NEWCOMER"
    MENTOR = "MENTOR"
    RESIDENT = "RESIDENT"
    PROFESSIONAL = "PROFESSIONAL"


class Goal(StrEnum):
    EMPLOYMENT = "employment"
    LANGUAGE = "language"
    HOUSING = "housing"
    EDUCATION = "education"
    HEALTH = "health"
    BUSINESS = "business"
    CIVIC = "civic"
    SOCIAL = "social"


TimeSlot = StrEnum(
    "TimeSlot",
    {
        f"{day.upper()}_{part.upper()}": f"{day}_{part}"
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        for part in ("morning", "afternoon", "evening")
    },
)
TimeSlot.__doc__ = "A part of a week in which a person is available: ``mon_morning`` ... ``sun_evening``."


class Purpose(StrEnum):
    """Purposes for which a person may consent to the use of their sensitive attributes."""

    MATCHING = "matching"
    REPORTING = "reporting"


class OrganizationKind(StrEnum):
    EMPLOYER = "employer"
    NONPROFIT = "nonprofit"
    SCHOOL = "school"
    UNIVERSITY = "university"
    GOVERNMENT = "government"
    FAITH = "faith"
    BUSINESS = "business"


class InstitutionKind(StrEnum):
    LIBRARY = "library"
    CLINIC = "clinic"
    CULTURAL_CENTER = "cultural_center"
    SCHOOL = "school"
    SETTLEMENT_AGENCY = "settlement_agency"
    COMMUNITY_CENTER = "community_center"
    PLACE_OF_WORSHIP = "place_of_worship"
    GOVERNMENT_OFFICE = "government_office"


class InterestCategory(StrEnum):
    CAREER = "career"
    HOBBY = "hobby"
    CAUSE = "cause"


class MentorshipStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED = "ended"


class EndReason(StrEnum):
    """Why a mentorship ended early. Some reasons exclude rematching the same pair."""

    GOALS_MET = "goals_met"
    SCHEDULE = "schedule"
    MOVED_AWAY = "moved_away"
    MISMATCH = "mismatch"
    CONDUCT = "conduct"
    WITHDREW = "withdrew"
    OTHER = "other"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Node(_Model):
    """Base of every node: a stable id and timestamps the store maintains."""

    label: ClassVar[Label]

    id: NodeId
    created_at: datetime | None = Field(default=None, description="Set by the store on first write.")
    updated_at: datetime | None = Field(default=None, description="Set by the store on every change.")

    @model_validator(mode="after")
    def _empty_parts_are_none(self, info: ValidationInfo) -> Node:
        """An optional part with nothing in it (``contact: {}``) is no part at all, so
        that what is stored and read back is the same value. A record read back from a
        store has no empty part (it was stored without), so it is not looked at again."""
        if is_stored(info):
            return self
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if field.default is None and isinstance(value, BaseModel) and not value.model_dump(exclude_none=True):
                object.__setattr__(self, name, None)
        return self


class Occupation(_Model):
    isco08: Isco08Code | None = Field(default=None, description="ISCO-08 code: 1-4 digits.")
    title: Name | None = None


class Consent(_Model):
    """What a person has agreed to. Everything is off until given."""

    matching: bool = Field(default=False, description="May be suggested and matched.")
    intermediary: bool = Field(default=False, description="May appear inside warm-introduction chains.")
    directory: bool = Field(default=False, description="Visible to other participants.")
    sensitive_purposes: frozenset[Purpose] = Field(
        default=frozenset(), description="Purposes for which sensitive attributes may be used."
    )


class Contact(_Model):
    email: Email | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()./-]{3,30}$")] | None = None


class SensitiveAttributes(_Model):
    origin_country: CountryCode | None = None
    gender: Annotated[str, StringConstraints(max_length=60)] | None = None
    faith: Annotated[str, StringConstraints(max_length=60)] | None = None


class Person(Node):
    label: ClassVar[Label] = Label.PERSON

    name: Name
    roles: frozenset[Role] = frozenset()
    arrival_date: date | None = None
    goals: frozenset[Goal] = frozenset()
    occupation: Occupation | None = None
    education_level: int | None = Field(default=None, ge=0, le=8, description="ISCED 2011 level, 0-8.")
    mentor_capacity: int = Field(default=0, ge=0, le=50)
    availability: frozenset[TimeSlot] = frozenset()
    consent: Consent = Consent()
    contact: Contact | None = private(None)
    sensitive: SensitiveAttributes | None = sensitive(None)


class Organization(Node):
    label: ClassVar[Label] = Label.ORGANIZATION

    name: Name
    kind: OrganizationKind
    website: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)] | None = None
    sector: Name | None = None


class Institution(Node):
    label: ClassVar[Label] = Label.INSTITUTION

    name: Name
    kind: InstitutionKind
    address: Text | None = None
    latitude: float | None = Field(default=None, ge=-90.0, le=90.0)
    longitude: float | None = Field(default=None, ge=-180.0, le=180.0)
    services: tuple[Name, ...] = ()
    hours: Text | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> Institution:
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            raise ValueError(f"latitude and longitude come together; {missing} is missing")
        return self


class Interest(Node):
    label: ClassVar[Label] = Label.INTEREST

    id: Slug
    name: Name
    category: InterestCategory = InterestCategory.HOBBY


class Language(Node):
    """A language by its ISO 639-3 code, which is also its id (``ara`` and ``arz`` are apart)."""

    label: ClassVar[Label] = Label.LANGUAGE

    id: LanguageCode
    name: Name | None = None

    @model_validator(mode="after")
    def _default_name(self) -> Language:
        if self.name is None:
            object.__setattr__(self, "name", language_name(self.id))
        return self


class Neighborhood(Node):
    label: ClassVar[Label] = Label.NEIGHBORHOOD

    name: Name
    city: Name | None = None
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon or MultiPolygon, [lon, lat].")

    @field_validator("geometry", mode="before")
    @classmethod
    def _geojson(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON: {exc.msg}") from None
        if value is None:
            return None
        if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError("must be a GeoJSON Polygon or MultiPolygon")
        if not isinstance(value.get("coordinates"), list):
            raise ValueError("GeoJSON geometry needs a 'coordinates' array")  # noqa: TRY004 (pydantic turns a ValueError into a field error)
        return value


class Mentorship(Node):
    label: ClassVar[Label] = Label.MENTORSHIP

    status: MentorshipStatus = MentorshipStatus.PROPOSED
    score: float | None = Field(default=None, ge=0.0)
    reasons: tuple[Text, ...] = ()
    proposed_at: date | None = None
    started_at: date | None = None
    ended_at: date | None = None
    end_reason: EndReason | None = None

    @model_validator(mode="after")
    def _ended_has_reason(self) -> Mentorship:
        if self.status is MentorshipStatus.ENDED and self.end_reason is None:
            raise ValueError("an ended mentorship needs an end_reason")
        return self


class Circle(Node):
    label: ClassVar[Label] = Label.CIRCLE

    name: Name
    theme: Text | None = None


NODE_MODELS: dict[Label, type[Node]] = {
    model.label: model
    for model in (Person, Organization, Institution, Interest, Language, Neighborhood, Mentorship, Circle)
}
