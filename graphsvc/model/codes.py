"""Validated codes: ISO 639-3 languages, ISO 3166-1 countries, ISCO-08 occupations, and
email addresses.

Languages and countries are checked against the ISO tables that ``pycountry`` maintains,
not a hand-written list. ISCO-08 codes are checked by shape: one digit for a major
group, two for a sub-major group, three for a minor group, four for a unit group.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, ValidationInfo, WithJsonSchema
from pydantic.networks import validate_email

_ISCO_SHAPE = re.compile(r"^[0-9]{1,4}$")
_LANGUAGE_SHAPE = re.compile(r"^[a-z]{3}$")


@cache
def language_entry(code: str) -> object | None:
    """The ISO 639-3 entry for a three-letter code, or ``None`` if there is none."""
    return pycountry.languages.get(alpha_3=code)


def language_name(code: str) -> str:
    """The English reference name of an ISO 639-3 code (``'arz'`` -> ``'Egyptian Arabic'``)."""
    entry = language_entry(code)
    return getattr(entry, "name", code)


def is_macrolanguage(code: str) -> bool:
    """Whether an ISO 639-3 code names a macrolanguage (``ara``, ``zho``, ``fas``)."""
    return getattr(language_entry(code), "scope", None) == "M"


def check_language_code(value: str) -> str:
    code = value.strip().lower()
    if not _LANGUAGE_SHAPE.match(code) or language_entry(code) is None:
        raise ValueError(f"'{value}' is not an ISO 639-3 language code")
    return code


def check_country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return code


def check_isco08(value: str) -> str:
    code = value.strip()
    if not _ISCO_SHAPE.match(code):
        raise ValueError(
            f"'{value}' is not an ISCO-08 code (1 to 4 digits: major, sub-major, minor or unit group)"
        )
    return code


#: The validation context of a record read back from a store (:func:`graphsvc.model.from_record`).
STORED: dict[str, bool] = {"stored": True}


def is_stored(info: ValidationInfo) -> bool:
    """Whether what is validated is a record read back from a store (context :data:`STORED`)."""
    return info.context is not None and bool(info.context.get("stored"))


def check_email(value: str, info: ValidationInfo) -> str:
    """An email address, normalized as pydantic's ``EmailStr`` does. Read back from a store
    it is taken as it is: it was checked when written, and the check (``email_validator``:
    syntax, IDNA) cost ~100 µs a person, most of what reading a person cost."""
    if is_stored(info):
        return value
    return validate_email(value)[1]


LanguageCode = Annotated[str, AfterValidator(check_language_code)]
Email = Annotated[str, AfterValidator(check_email), WithJsonSchema({"type": "string", "format": "email"})]
CountryCode = Annotated[str, AfterValidator(check_country_code)]
Isco08Code = Annotated[str, AfterValidator(check_isco08)]
