"""The model validates what it is given and names the field at fault."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graphsvc.errors import InvalidInputError
from graphsvc.model import (
    Consent,
    Label,
    Language,
    Person,
    Proficiency,
    Visibility,
    fields_with,
    from_record,
    parse_node,
    parse_rel,
    to_record,
)
from graphsvc.model import Rel
from graphsvc.model.codes import is_macrolanguage as is_macro
from graphsvc.store.types import RelRow


def test_consent_is_off_until_given() -> None:
    p = Person(id="p", name="Amal")
    assert p.consent == Consent(matching=False, intermediary=False, directory=False)
    assert not p.consent.sensitive_purposes


def test_private_and_sensitive_fields_are_marked() -> None:
    assert fields_with(Person, Visibility.PRIVATE) == {"contact"}
    assert fields_with(Person, Visibility.SENSITIVE) == {"sensitive"}
    assert "name" in fields_with(Person, Visibility.PUBLIC)


@pytest.mark.parametrize("code", ["ara", "arz", "apc", "tir", "prs", "ukr", "spa", "tgl", "eng", "ZHO"])
def test_iso639_3_codes_are_accepted(code: str) -> None:
    assert Language(id=code).id == code.lower()


@pytest.mark.parametrize("code", ["ar", "xx1", "qqq", "english", "", "zzz"])
def test_invalid_language_codes_are_rejected_naming_the_field(code: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_node(Label.LANGUAGE, {"id": code})
    assert err.value.field == "id"


def test_macrolanguages_are_kept_apart_from_their_members() -> None:
    assert Language(id="ara").name == "Arabic"
    assert Language(id="arz").name == "Egyptian Arabic"
    assert is_macro("ara") and not is_macro("arz")


@pytest.mark.parametrize("code,ok", [("2", True), ("22", True), ("222", True), ("2221", True), ("22211", False), ("22a1", False), ("", False)])
def test_isco08_codes_by_shape(code: str, ok: bool) -> None:
    data = {"id": "p", "name": "N", "occupation": {"isco08": code}}
    if ok:
        assert parse_node(Label.PERSON, data).occupation.isco08 == code  # type: ignore[union-attr]
    else:
        with pytest.raises(InvalidInputError) as err:
            parse_node(Label.PERSON, data)
        assert err.value.field == "occupation.isco08"


@pytest.mark.parametrize("trust", [-0.01, 1.01, float("nan"), "high"])
def test_trust_out_of_range_is_rejected(trust: object) -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_rel({"type": "KNOWS", "start": "a", "end": "b", "props": {"trust": trust}}, row=7)
    assert err.value.field == "props.trust"
    assert err.value.row == 7


@pytest.mark.parametrize("lat,lon,field", [(91, 0, "latitude"), (-90.5, 0, "latitude"), (0, 180.1, "longitude"), (0, -181, "longitude")])
def test_coordinates_out_of_wgs84_range(lat: float, lon: float, field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_node(Label.INSTITUTION, {"id": "i", "name": "Library", "kind": "library", "latitude": lat, "longitude": lon})
    assert err.value.field == field


def test_coordinates_come_in_pairs() -> None:
    with pytest.raises(InvalidInputError, match="longitude"):
        parse_node(Label.INSTITUTION, {"id": "i", "name": "Library", "kind": "library", "latitude": 45.0})


def test_roles_and_goals_are_enums() -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_node(Label.PERSON, {"id": "p", "name": "N", "roles": ["WIZARD"]})
    assert err.value.field is not None and err.value.field.startswith("roles")
    with pytest.raises(InvalidInputError):
        parse_node(Label.PERSON, {"id": "p", "name": "N", "goals": ["fame"]})


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_node(Label.PERSON, {"id": "p", "name": "N", "favourite_colour": "blue"})
    assert err.value.field == "favourite_colour"


def test_country_and_email_are_checked() -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_node(Label.PERSON, {"id": "p", "name": "N", "sensitive": {"origin_country": "XX"}})
    assert err.value.field == "sensitive.origin_country"
    with pytest.raises(InvalidInputError) as err:
        parse_node(Label.PERSON, {"id": "p", "name": "N", "contact": {"email": "not-an-email"}})
    assert err.value.field == "contact.email"


def test_knows_is_canonical_so_a_b_equals_b_a() -> None:
    ab = parse_rel({"type": "KNOWS", "start": "a", "end": "b"})
    ba = parse_rel({"type": "KNOWS", "start": "b", "end": "a"})
    assert ab.key == ba.key
    speaks = parse_rel({"type": "SPEAKS", "start": "z", "end": "ara"})
    assert (speaks.start, speaks.end) == ("z", "ara")  # directed types keep their direction
    assert speaks.props == {"level": Proficiency.CONVERSATIONAL.value}


def test_affiliation_needs_the_end_label_and_checks_it() -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_rel({"type": "AFFILIATED_WITH", "start": "p", "end": "o"})
    assert err.value.field == "end_label"
    with pytest.raises(InvalidInputError) as err:
        parse_rel({"type": "AFFILIATED_WITH", "start": "p", "end": "o", "end_label": "Language"})
    assert err.value.field == "end_label"
    ok = parse_rel({"type": "AFFILIATED_WITH", "start": "p", "end": "o", "end_label": "Institution", "props": {"role": "uses"}})
    assert ok.end_label is Label.INSTITUTION


def test_ended_mentorship_needs_a_reason() -> None:
    with pytest.raises(InvalidInputError, match="end_reason"):
        parse_node(Label.MENTORSHIP, {"id": "m", "status": "ended"})


def test_records_round_trip_nested_fields() -> None:
    p = Person(
        id="p1", name="Amal", roles={"NEWCOMER"}, contact={"email": "amal@example.org"},
        sensitive={"origin_country": "eg"}, occupation={"isco08": "2221", "title": "Nurse"},
        availability={"mon_morning", "sat_evening"}, consent={"matching": True, "sensitive_purposes": {"matching"}},
    )
    record = to_record(p)
    assert record["contact__email"] == "amal@example.org"
    assert record["availability"] == ["mon_morning", "sat_evening"]
    assert from_record(Label.PERSON, record) == p


def test_an_email_is_normalized_on_the_way_in_and_read_back_as_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Input is checked and normalized (as pydantic's EmailStr does); a stored record is
    not checked again, since that check was most of what reading a person cost."""
    p = parse_node(Label.PERSON, {"id": "p", "name": "N", "contact": {"email": "Amal@Example.ORG"}})
    assert p.contact is not None and p.contact.email == "Amal@example.org"
    record = to_record(p)

    def refused(value: str) -> None:
        raise RuntimeError(f"{value} was checked again")

    monkeypatch.setattr("graphsvc.model.codes.validate_email", refused)
    assert from_record(Label.PERSON, record) == p
    with pytest.raises(RuntimeError, match="checked again"):
        parse_node(Label.PERSON, {"id": "q", "name": "N", "contact": {"email": "q@example.org"}})


@pytest.mark.parametrize("given", [
    {"type": "KNOWS", "start": "b", "end": "a", "props": {"trust": 0.8, "context": "ESL class", "since": "2024-03-01"}},
    {"type": "SPEAKS", "start": "a", "end": "ara", "props": {"level": "native"}},
    {"type": "AFFILIATED_WITH", "start": "a", "end": "o1", "end_label": "Organization"},
])
def test_a_stored_relationship_is_read_back_as_the_validated_one(given: dict[str, object]) -> None:
    """A store's row is made a model without validating it again: the same object as the
    validated one (equal, same fields set), frozen, and as pydantic builds it."""
    rel = parse_rel(given)
    row = RelRow(rel.type, rel.start_label, rel.start, rel.end_label, rel.end, rel.props)
    read = row.to_rel()
    constructed = Rel.model_construct(**rel.__dict__)
    assert read == rel == constructed and read.key == rel.key
    assert read.model_fields_set == constructed.model_fields_set and read.model_dump() == rel.model_dump()
    with pytest.raises(ValidationError):
        read.start = "z"  # type: ignore[misc]


def test_records_from_a_store_skip_what_is_not_a_field() -> None:
    """A stored record may hold the name's sort key and nulls (SQLite's JSON of an older
    row): neither reaches the model."""
    p = Person(id="p1", name="Amal", contact={"phone": "+15145550100"}, consent={"directory": True})
    record = {**to_record(p), "name_key": "amal", "goals": None, "created_at": "2026-01-02T03:04:05+00:00"}
    back = from_record(Label.PERSON, record)
    assert back.model_copy(update={"created_at": None}) == p and back.created_at is not None and back.created_at.year == 2026
