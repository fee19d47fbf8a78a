"""Bearer tokens: random secrets, stored only as SHA-256 hashes, revocable.

A token reads ``gs_<id>_<secret>``; the id finds the record for listing and revoking, the
secret is never stored. Hashes are compared in constant time.

The API looks tokens up with ``cache=True``: an active token's principal is then kept in
this process for :data:`TOKEN_CACHE_TTL` seconds, by the token's hash. A revocation
through :func:`revoke_token` in the same process takes effect at once; one made by another
process (the CLI, another API worker) within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graphsvc.auth.cache import TTLCache
from graphsvc.auth.principal import ApiRole, Principal
from graphsvc.errors import InvalidInputError

if TYPE_CHECKING:
    from graphsvc.store import Store

PREFIX = "gs_"
TOKEN_CACHE_TTL = 5.0  # seconds

#: (store URI, token hash) -> the principal of an active token, looked up recently
_recent: TTLCache[tuple[str, str], Principal] = TTLCache(TOKEN_CACHE_TTL)


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


def authenticate(store: Store, token: str, *, cache: bool = False) -> Principal | None:
    """The principal a bearer token stands for, or ``None`` if it is unknown or revoked.
    With ``cache``, an active token found in the last :data:`TOKEN_CACHE_TTL` seconds is
    not looked up again."""
    if not token.startswith(PREFIX):
        return None
    digest = hash_token(token)
    if cache and (principal := _recent.get((store.uri, digest))) is not None:
        return principal
    record = store.token_by_hash(digest)
    if record is None or not record.active or not hmac.compare_digest(record.hash, digest):
        return None
    principal = Principal(role=record.role, person_id=record.person_id, token_id=record.id)
    if cache:
        _recent.put((store.uri, digest), principal)
    return principal


def cached_principal(store: Store, token: str) -> Principal | None:
    """The principal of a token authenticated with ``cache=True`` in the last
    :data:`TOKEN_CACHE_TTL` seconds, without asking the store (``None`` otherwise)."""
    return _recent.get((store.uri, hash_token(token))) if token.startswith(PREFIX) else None


def revoke_token(store: Store, token_id: str) -> bool:
    """Revoke a token in the store and forget it in this process's cache at once."""
    revoked = store.revoke_token(token_id)
    _recent.discard_if(lambda _, principal: principal.token_id == token_id)
    return revoked
