"""The ``graphsvc`` command line. Commands stay thin: parse, call, print."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graphsvc.errors import GraphsvcError
from graphsvc.model import Label
from graphsvc.settings import Settings
from graphsvc.store import open_store

app = typer.Typer(help="graphsvc: a graph service for intercultural mentorship programs.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

StoreOption = Annotated[str | None, typer.Option("--store", "-s", help="Store URI (default: GRAPHSVC_STORE_URI or sqlite:///./graphsvc.db).")]


@app.command()
def init(store: StoreOption = None) -> None:
    """Create the store's schema (constraints and indexes); safe to run again."""
    try:
        with open_store(store, Settings()) as opened:
            console.print(f"[green]ready[/green] {opened.uri}")
    except GraphsvcError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


@app.command()
def stats(store: StoreOption = None) -> None:
    """How many nodes of each label the store holds."""
    try:
        with open_store(store, Settings()) as opened:
            table = Table("label", "nodes", title=opened.uri)
            for label in Label:
                table.add_row(label.value, f"{opened.count_nodes(label):,}")
    except GraphsvcError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(table)


if __name__ == "__main__":
    app()
