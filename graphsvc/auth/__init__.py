"""Who is asking: principals, API roles and bearer tokens."""

from graphsvc.auth.principal import ANONYMOUS, ApiRole, Principal
from graphsvc.auth.tokens import (
    TOKEN_CACHE_TTL,
    TokenRecord,
    authenticate,
    cached_principal,
    hash_token,
    issue_token,
    revoke_token,
)

__all__ = [
    "ANONYMOUS", "TOKEN_CACHE_TTL", "ApiRole", "Principal", "TokenRecord", "authenticate", "cached_principal",
    "hash_token", "issue_token", "revoke_token",
]
