"""Settings from the environment (prefix ``GRAPHSVC_``), read once at start-up."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRAPHSVC_", env_file=".env", extra="ignore")

    store_uri: str = "sqlite:///./graphsvc.db"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_max_connection_pool_size: int = 50
    neo4j_connection_timeout: float = 15.0
    neo4j_max_retry_time: float = 30.0
    schema_dir: str | None = None
    dev_mode: bool = False
    introspection: bool = False  # on in development mode; outside it, refused
    public_institutions: bool = False  # anonymous callers may read institutions and places
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 1000
    max_cost: int = 10_000
