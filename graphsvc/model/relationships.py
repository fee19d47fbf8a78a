"""Pydantic models of the graph's relationships (DESIGN.md, "The graph").

A :class:`Rel` names its type, its two ends by id, and its properties, which are checked
against the type's own properties model. The labels of the ends follow from the type,
except where a type allows several (``AFFILIATED_WITH`` ends at an Organization or an
Institution): there the caller names ``end_label``.

Undirected types (``KNOWS``, ``ADJACENT_TO``) are stored once, from the smaller id to the
larger, so connecting A-B and then B-A names the same relationship.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graphsvc.model.nodes import Label, NodeId


class RelType(StrEnum):
    """The relationship types. Stores take types from here, never from input."""

    KNOWS = "KNOWS"
    SPEAKS = "SPEAKS"
    INTERESTED_IN = "INTERESTED_IN"
    LIVES_IN = "LIVES_IN"
    AFFILIATED_WITH = "AFFILIATED_WITH"
    LOCATED_IN = "LOCATED_IN"
    SERVES_LANGUAGE = "SERVES_LANGUAGE"
    OPERATES = "OPERATES"
    ADJACENT_TO = "ADJACENT_TO"
    MENTOR_IN = "MENTOR_IN"
    MENTEE_IN = "MENTEE_IN"
    MEMBER_OF = "MEMBER_OF"


class Proficiency(StrEnum):
    NATIVE = "native"
    FLUENT = "fluent"
    CONVERSATIONAL = "conversational"
    BASIC = "basic"


class AffiliationRole(StrEnum):
    WORKS_AT = "works_at"
    STUDIES_AT = "studies_at"
    VOLUNTEERS_AT = "volunteers_at"
    MEMBER_OF = "member_of"
    USES = "uses"


class _Props(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class NoProps(_Props):
    pass


class KnowsProps(_Props):
    trust: float = Field(default=0.5, ge=0.0, le=1.0, allow_inf_nan=False)
    context: str | None = Field(default=None, max_length=300)
    since: date | None = None


class SpeaksProps(_Props):
    level: Proficiency = Proficiency.CONVERSATIONAL


class AffiliationProps(_Props):
    role: AffiliationRole = AffiliationRole.MEMBER_OF
    since: date | None = None


@dataclass(frozen=True)
class RelSpec:
    """What a relationship type connects, its properties and whether it is undirected."""

    start: frozenset[Label]
    end: frozenset[Label]
    props: type[_Props] = NoProps
    undirected: bool = False


def _spec(start: Label, end: Label | tuple[Label, ...], props: type[_Props] = NoProps, undirected: bool = False) -> RelSpec:
    ends = end if isinstance(end, tuple) else (end,)
    return RelSpec(frozenset({start}), frozenset(ends), props, undirected)


L = Label
REL_SPECS: dict[RelType, RelSpec] = {
    RelType.KNOWS: _spec(L.PERSON, L.PERSON, KnowsProps, undirected=True),
    RelType.SPEAKS: _spec(L.PERSON, L.LANGUAGE, SpeaksProps),
    RelType.INTERESTED_IN: _spec(L.PERSON, L.INTEREST),
    RelType.LIVES_IN: _spec(L.PERSON, L.NEIGHBORHOOD),
    RelType.AFFILIATED_WITH: _spec(L.PERSON, (L.ORGANIZATION, L.INSTITUTION), AffiliationProps),
    RelType.LOCATED_IN: _spec(L.INSTITUTION, L.NEIGHBORHOOD),
    RelType.SERVES_LANGUAGE: _spec(L.INSTITUTION, L.LANGUAGE),
    RelType.OPERATES: _spec(L.ORGANIZATION, L.INSTITUTION),
    RelType.ADJACENT_TO: _spec(L.NEIGHBORHOOD, L.NEIGHBORHOOD, undirected=True),
    RelType.MENTOR_IN: _spec(L.PERSON, L.MENTORSHIP),
    RelType.MENTEE_IN: _spec(L.PERSON, L.MENTORSHIP),
    RelType.MEMBER_OF: _spec(L.PERSON, L.CIRCLE),
}


def _only(labels: frozenset[Label]) -> Label | None:
    return next(iter(labels)) if len(labels) == 1 else None


class Rel(BaseModel):
    """One relationship: ``(start_label {id: start})-[type props]->(end_label {id: end})``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: RelType
    start: NodeId
    end: NodeId
    start_label: Label | None = None
    end_label: Label | None = None
    props: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _resolve(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        kind = data.get("type")
        spec = REL_SPECS.get(kind) if isinstance(kind, str) else None  # type: ignore[call-overload]
        if spec is None:
            return data  # the field validator reports the unknown type
        for side, labels in (("start_label", spec.start), ("end_label", spec.end)):
            given = data.get(side)
            if given is None:
                data[side] = _only(labels)
                if data[side] is None:
                    allowed = " or ".join(sorted(labels))
                    raise ValueError(f"{side}: needed for {data['type']}, one of {allowed}")
            elif not isinstance(given, str) or given not in labels:
                allowed = " or ".join(sorted(labels))
                raise ValueError(f"{side}: {data['type']} needs {allowed} here, not {given}")
        raw = data.get("props") or {}
        if raw or spec.props is not NoProps:
            try:
                props = spec.props.model_validate(raw)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"props.{where}: {first['msg'].removeprefix('Value error, ')}") from None
            data["props"] = props.model_dump(mode="json", exclude_none=True)
        else:
            data["props"] = {}
        if spec.undirected and str(data.get("start", "")).strip() > str(data.get("end", "")).strip():
            data["start"], data["end"] = data["end"], data["start"]
        return data

    @property
    def spec(self) -> RelSpec:
        return REL_SPECS[self.type]

    @property
    def key(self) -> tuple[RelType, Label, str, Label, str]:
        """What identifies a relationship: at most one of a type between two nodes."""
        return rel_key(self)


#: ``rel_key(rel)``: a relationship's key, ``(type, start_label, start, end_label, end)``
#: (the labels are always resolved by validation), extracted at C speed for bulk paths.
rel_key = attrgetter("type", "start_label", "start", "end_label", "end")


def other_end(rel: Any, label: Any, id: str) -> tuple[Any, str]:
    """The (label, id) at the other end of a relationship (a :class:`Rel` or a store's row of
    one) from the node ``(label, id)``."""
    return (rel.end_label, rel.end) if (rel.start_label, rel.start) == (label, id) else (rel.start_label, rel.start)


def acquaintance_rank(rel: Any, person: str) -> tuple[float, str]:
    """Where a KNOWS of ``person`` (a :class:`Rel` or a store's row of one) ranks among
    their acquaintances: most trusted first, then by the other person's id."""
    return -float(rel.props.get("trust", 0.5)), rel.end if rel.start == person else rel.start
