"""What every CLI command shares: the consoles, the store option, errors as one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from graphsvc.errors import GraphsvcError
from graphsvc.settings import Settings

console = Console()
err_console = Console(stderr=True)

StoreOption = Annotated[str | None, typer.Option("--store", "-s", help="Store URI (default: GRAPHSVC_STORE_URI or sqlite:///./graphsvc.db).")]


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """graphsvc's errors end the command with a one-line message, never a traceback."""
    try:
        yield
    except GraphsvcError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def run_server(settings: Settings, host: str, port: int, *, banner: str | None = None) -> None:
    """Serve the API with uvicorn (JSON request logs by graphsvc, not uvicorn's)."""
    import uvicorn

    from graphsvc.api.app import create_app
    from graphsvc.logs import configure

    api = create_app(settings)
    configure()
    dev = " (GraphiQL: open it in a browser)" if settings.dev_mode else ""
    console.print(banner or f"graphsvc on http://{host}:{port}/graphql{dev}", soft_wrap=True)
    uvicorn.run(api, host=host, port=port, log_level="warning", access_log=False)
