"""Bearer tokens: random secrets, stored only as SHA-256 hashes, revocable.

A token reads ``gs_<id>_<secret>``; the id finds the record for listing and revoking, the
secret is never stored. Hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graphsvc.auth.principal import ApiRole, Principal
from graphsvc.errors import InvalidInputError

if TYPE_CHECKING:
    from graphsvc.store import Store

PREFIX = "gs_"


@dataclass(frozen=True)
class TokenRecord:
    id: str
    hash: str
    role: ApiRole
    person_id: str | None
    name: str
    created_at: str
    revoked_at: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", ApiRole(self.role))

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(store: Store, role: ApiRole | str, *, person_id: str | None = None, name: str = "") -> tuple[str, TokenRecord]:
    """Create a token; returns the secret (shown once) and its stored record."""
    try:
        role = ApiRole(role)
    except ValueError:
        raise InvalidInputError(f"unknown role; one of {', '.join(ApiRole)}", field="role", value=role) from None
    if role is ApiRole.ANONYMOUS:
        raise InvalidInputError("anonymous needs no token", field="role", value=role)
    needs_person = role in (ApiRole.MENTOR, ApiRole.NEWCOMER)
    if needs_person and not person_id:
        raise InvalidInputError(f"a {role} token belongs to a person: give --person", field="person", value=None)
    if not needs_person and person_id:
        raise InvalidInputError(f"a {role} token is not a person's", field="person", value=person_id)
    if person_id and store.get("Person", person_id) is None:  # type: ignore[arg-type]
        raise InvalidInputError(f"no Person with id {person_id!r}", field="person", value=person_id)
    token_id = secrets.token_hex(6)
    token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    record = TokenRecord(
        id=token_id, hash=hash_token(token), role=role, person_id=person_id, name=name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    store.save_token(record)
    return token, record


def authenticate(store: Store, token: str) -> Principal | None:
    """The principal a bearer token stands for, or ``None`` if it is unknown or revoked."""
    if not token.startswith(PREFIX):
        return None
    digest = hash_token(token)
    record = store.token_by_hash(digest)
    if record is None or not record.active or not hmac.compare_digest(record.hash, digest):
        return None
    return Principal(role=record.role, person_id=record.person_id, token_id=record.id)
