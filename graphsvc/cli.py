"""The ``graphsvc`` command line. Commands stay thin: parse, call, print."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from graphsvc import cli_data, cli_matching
from graphsvc.auth import ApiRole, issue_token
from graphsvc.cli_common import StoreOption, console, err_console, run_server
from graphsvc.cli_common import errors_as_messages as _errors_as_messages
from graphsvc.model import Label
from graphsvc.settings import Settings
from graphsvc.store import open_store

app = typer.Typer(help="graphsvc: a graph service for intercultural mentorship programs.", no_args_is_help=True)


@app.command()
def init(store: StoreOption = None) -> None:
    """Create the store's schema (constraints and indexes); safe to run again."""
    with _errors_as_messages(), open_store(store, Settings()) as opened:
        console.print(f"[green]ready[/green] {opened.uri}")


@app.command()
def stats(store: StoreOption = None) -> None:
    """How many nodes of each label the store holds."""
    with _errors_as_messages(), open_store(store, Settings()) as opened:
        table = Table("label", "nodes", title=opened.uri)
        for label in Label:
            table.add_row(label.value, f"{opened.count_nodes(label):,}")
    console.print(table)


token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    role: Annotated[ApiRole, typer.Option("--role", "-r", help="coordinator, mentor, newcomer or partner")],
    person: Annotated[str | None, typer.Option("--person", "-p", help="The person a mentor or newcomer token belongs to.")] = None,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    store: StoreOption = None,
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    with _errors_as_messages(), open_store(store, Settings()) as opened:
        secret, record = issue_token(opened, role, person_id=person, name=name)
    err_console.print(f"token {record.id} ({record.role}{', person ' + record.person_id if record.person_id else ''}); keep it safe, it is shown once:")
    print(secret)


@token_app.command("list")
def token_list(store: StoreOption = None) -> None:
    """The tokens (never their secrets)."""
    with _errors_as_messages(), open_store(store, Settings()) as opened:
        records = opened.list_tokens()
    table = Table("id", "role", "person", "name", "created", "revoked")
    for r in records:
        table.add_row(r.id, r.role, r.person_id or "", r.name, r.created_at, r.revoked_at or "")
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: str, store: StoreOption = None) -> None:
    """Revoke a token by its id; a running server stops accepting it within 5 seconds (its token cache)."""
    with _errors_as_messages(), open_store(store, Settings()) as opened:
        revoked = opened.revoke_token(token_id)
    if not revoked:
        err_console.print(f"[red]error:[/red] no active token {token_id}")
        raise typer.Exit(1)
    console.print(f"revoked {token_id}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    store: StoreOption = None,
    dev: Annotated[bool, typer.Option("--dev", help="Development mode: GraphiQL and introspection on.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (each with its own store connection).")] = 1,
) -> None:
    """Serve the GraphQL API at /graphql (health at /healthz, readiness at /readyz)."""
    overrides: dict[str, object] = {"dev_mode": dev} if dev else {}
    if store:
        overrides["store_uri"] = store
    with _errors_as_messages():
        settings = Settings(**overrides)  # type: ignore[arg-type]
        run_server(settings, host, port, workers=workers)


@app.command("export-schema")
def export_schema(schema_dir: Annotated[str, typer.Argument(help="Where to write the schemas.")] = "schema") -> None:
    """Write the GraphQL SDL and the bundle's JSON Schema (checked in under schema/)."""
    from pathlib import Path

    from graphsvc.api.schema import sdl
    from loaders.bundle import write_json_schema

    path = Path(schema_dir) / "schema.graphql"
    path.write_text(sdl(), encoding="utf-8")
    console.print(f"wrote {path}")
    console.print(f"wrote {write_json_schema(Path(schema_dir))}")


app.command("load")(cli_data.load)
app.command("export")(cli_data.export)
app.command("demo")(cli_data.demo)
app.command("suggest")(cli_matching.suggest)
app.command("match")(cli_matching.match)
app.command("evaluate")(cli_matching.evaluate)


if __name__ == "__main__":
    app()
