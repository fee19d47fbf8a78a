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


def run_server(settings: Settings, host: str, port: int, *, workers: int = 1, banner: str | None = None) -> None:
    """Serve the API with uvicorn (JSON request logs by graphsvc, not uvicorn's). With
    several workers (:mod:`graphsvc.api.workers`: a socket each), each process builds the
    app from the environment (the settings are passed there), so each has its own store
    connection and caches."""
    import os

    import uvicorn

    from graphsvc.api.app import create_app, gc_for_serving
    from graphsvc.logs import configure

    dev = " (GraphiQL: open it in a browser)" if settings.dev_mode else ""
    say = banner or f"graphsvc on http://{host}:{port}/graphql{dev}{f' ({workers} workers)' if workers > 1 else ''}"
    if workers > 1:
        os.environ["GRAPHSVC_STORE_URI"] = settings.store_uri
        os.environ["GRAPHSVC_DEV_MODE"] = "true" if settings.dev_mode else "false"
        create_app(settings)  # fail here, once, on bad settings, before starting workers
        from graphsvc.api.workers import serve_workers

        console.print(say, soft_wrap=True)
        if code := serve_workers(host, port, workers):
            raise typer.Exit(code)
        return
    api = create_app(settings)
    configure()
    gc_for_serving()
    console.print(say, soft_wrap=True)
    uvicorn.run(api, host=host, port=port, log_level="warning", access_log=False)
