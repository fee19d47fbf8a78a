"""Who is asking: principals, API roles and bearer tokens."""

from graphsvc.auth.principal import ANONYMOUS, ApiRole, Principal
from graphsvc.auth.tokens import TokenRecord, authenticate, hash_token, issue_token

__all__ = ["ANONYMOUS", "ApiRole", "Principal", "TokenRecord", "authenticate", "hash_token", "issue_token"]
