"""``graphsvc load``, ``graphsvc export`` and ``graphsvc demo``: data in and out.

Thin: the work is in :mod:`loaders`; here are the options, progress bars and tables.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from graphsvc.cli_common import StoreOption, console, err_console, errors_as_messages
from graphsvc.model import Label
from graphsvc.settings import Settings
from graphsvc.store import open_store
from graphsvc.store.base import Store

DEMO_STORE = "sqlite:///./graphsvc-demo.db"


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")


@contextmanager
def _progress() -> Iterator[callable]:  # type: ignore[valid-type]
    """A progress callback ``(phase, done)`` drawing one bar per phase (after a second)."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:>12,.0f}"), _Rate(),
                  TimeElapsedColumn(), console=err_console, transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(phase: str, done: int) -> None:
            if phase not in tasks:
                for other in tasks.values():
                    bar.stop_task(other)
                tasks[phase] = bar.add_task(phase, total=None)
            bar.update(tasks[phase], completed=done)

        yield update


def _summary_table(title: str, counts: dict[str, int | bool]) -> Table:
    table = Table("", "", title=title, show_header=False)
    for key, value in counts.items():
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value))
    return table


def _store_neighborhoods(store: Store) -> list:
    from loaders.export import iter_nodes

    return list(iter_nodes(store, [Label.NEIGHBORHOOD]))


def load(
    paths: Annotated[list[Path], typer.Argument(help="Bundles (.json), CSV folders or HSDS data (folder or .json); loaded together.")],
    format: Annotated[str, typer.Option("--format", "-f", help="auto, bundle, csv or hsds.")] = "auto",
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Store the valid rows; write the rejected ones beside the report.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
    report: Annotated[Path, typer.Option("--report", help="Where the full report goes (JSON) when there are problems.")] = Path("graphsvc-load-report.json"),
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=100_000)] = 5000,
    workers: Annotated[int | None, typer.Option("--workers", min=0, max=64, help="Processes validating files of CSV folders beside this one (default: one fewer than the cores, for large folders; 0: none). Not used where the store writes as it reads (SQLite).")] = None,
    store: StoreOption = None,
) -> None:
    """Load data: validated whole first; by default all or nothing."""
    from loaders.pipeline import load as run_load
    from loaders.sources import Format, read

    try:
        chosen = Format(format)
    except ValueError:
        err_console.print(f"[red]error:[/red] --format must be one of {', '.join(Format)}, not {format!r}")
        raise typer.Exit(2) from None
    with errors_as_messages(), open_store(store, Settings()) as opened, _progress() as progress:
        hoods = _store_neighborhoods(opened)
        items = itertools.chain.from_iterable(read(p, chosen, neighborhoods=hoods) for p in paths)
        result = run_load(opened, items, skip_invalid=skip_invalid, dry_run=dry_run, batch_size=batch_size, progress=progress, workers=workers)
    console.print(_summary_table(f"load into {opened.uri}", result.summary()))
    if result.problems:
        table = Table("severity", "file", "row", "column", "value", "reason", title=f"problems (first 20 of {len(result.problems):,})")
        for p in result.problems[:20]:
            table.add_row(p.severity.value, p.file, str(p.row or ""), p.column or "", "" if p.value is None else str(p.value)[:40], p.reason)
        console.print(table)
        report.write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
        console.print(f"full report: {report}")
        if skip_invalid and result.rejects:
            rejected = report.with_suffix(".rejected.jsonl")
            with rejected.open("w", encoding="utf-8") as out:
                for row in result.rejects:
                    out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            console.print(f"rejected rows: {rejected}")
    if result.errors and not result.written and not dry_run:
        err_console.print(f"[red]nothing was stored:[/red] {len(result.errors):,} errors (fix them, or pass --skip-invalid to store the valid rows)")
        raise typer.Exit(1)


def export(
    target: Annotated[Path, typer.Argument(help="File (bundle, graphml, geojson) or folder (csv) to write.")],
    format: Annotated[str, typer.Option("--format", "-f", help="bundle, csv, graphml or geojson.")] = "bundle",
    labels: Annotated[list[str] | None, typer.Option("--label", "-l", help="Only these labels (repeat); default all.")] = None,
    include_private: Annotated[bool, typer.Option("--include-private", help="Include contact details and sensitive attributes (coordinators only).")] = False,
    store: StoreOption = None,
) -> None:
    """Export the graph, or some labels of it."""
    from loaders.export import ExportFormat
    from loaders.export import export as run_export

    try:
        chosen = ExportFormat(format)
        wanted = [Label(label) for label in labels] if labels else None
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc} (formats: {', '.join(ExportFormat)}; labels: {', '.join(Label)})")
        raise typer.Exit(2) from None
    with errors_as_messages(), open_store(store, Settings()) as opened, _progress() as progress:
        counts = run_export(opened, target, chosen, labels=wanted, include_hidden=include_private, progress=progress)
    console.print(_summary_table(f"export to {target}", counts))


def _examples(store: Store) -> list[tuple[str, str]]:
    """Three queries to paste, about people and places that are really in the store."""
    from graphsvc.model import Role
    from graphsvc.store.types import NodeFilter

    newcomers = store.list_nodes(Label.PERSON, NodeFilter(role=Role.NEWCOMER, language="arz"), first=20).items
    newcomers = newcomers or store.list_nodes(Label.PERSON, NodeFilter(role=Role.NEWCOMER), first=20).items
    mentors = store.list_nodes(Label.PERSON, NodeFilter(role=Role.MENTOR), first=50).items
    pair = next(((n.id, m.id) for n in newcomers[:5] for m in mentors if store.shortest_paths(n.id, m.id, max_hops=4, limit=1)), None)
    hood = next(iter(store.list_nodes(Label.NEIGHBORHOOD, first=1).items), None)
    examples = [(
        "Newcomers who speak Egyptian Arabic, with their languages and closest acquaintances",
        ('{ people(first: 5, filter: {role: NEWCOMER, language: "arz"}) { totalCount edges { node { key name goals '
        "languages { level language { name } } knows(first: 3) { edges { node { trust context person { name roles } } } } } } } }"),
    )]
    if pair:
        examples.append((
            "How a newcomer could be introduced to a mentor: chains of acquaintances",
            f'{{ connectionPaths(from: "{pair[0]}", to: "{pair[1]}", maxHops: 4) {{ length hops {{ from {{ name }} to {{ name }} trust context }} }} }}',
        ))
    if hood:
        examples.append((
            f"Institutions in {hood.name} and the languages they serve",
            f'{{ institutions(first: 10, neighborhood: "{hood.id}") {{ edges {{ node {{ name kind services hours languages {{ name }} }} }} }} }}',
        ))
    return examples


def demo(
    people: Annotated[int, typer.Option("--people", "-n", min=10, max=1_000_000, help="How many people the demo community has.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same community.")] = 7,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    store: Annotated[str, typer.Option("--store", "-s", help="Where the demo lives (kept apart from your own data).")] = DEMO_STORE,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API after creating the community.")] = True,
    plant: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of newcomers given a hidden good mentor (for graphsvc evaluate).")] = 0.0,
    answers: Annotated[Path, typer.Option(help="Where the planted pairs go (JSON lines), with --plant.")] = Path("graphsvc-demo-answers.jsonl"),
) -> None:
    """Create a demo community (if the store is empty) and serve it with GraphiQL."""
    from graphsvc.auth import ApiRole, issue_token
    from graphsvc.cli_common import run_server
    from loaders.demo import generate
    from loaders.pipeline import load as run_load

    settings = Settings(store_uri=store, dev_mode=True)
    with errors_as_messages(), open_store(store, settings) as opened:
        existing = opened.count_nodes(Label.PERSON)
        if existing:
            console.print(f"{opened.uri} already holds {existing:,} people: serving it as it is")
        else:
            console.print(f"creating a demo community of {people:,} people (seed {seed}) in {opened.uri}")
            from contextlib import nullcontext

            from loaders.demo import write_answers

            with _progress() as progress, (write_answers(answers) if plant else nullcontext()) as planted:
                result = run_load(opened, generate(people, seed, plant=plant, answers=planted), progress=progress)
            if plant:
                console.print(f"planted pairs written to {answers} (graphsvc evaluate {answers} --store {store})")
            if result.errors:  # the generator's own bug: say so plainly
                for p in result.errors[:10]:
                    err_console.print(f"[red]demo data problem:[/red] {p.file} row {p.row} {p.column}: {p.reason} ({p.value})")
                raise typer.Exit(1)
            console.print(_summary_table("demo community", result.summary()))
        secret, _ = issue_token(opened, ApiRole.COORDINATOR, name="graphsvc demo")
        examples = _examples(opened)
    url = f"http://{host}:{port}/graphql"
    console.print(f"\n[bold]GraphiQL:[/bold] {url}#token={secret}", soft_wrap=True)
    console.print(f"[bold]coordinator token:[/bold] {secret}  (as 'Authorization: Bearer {secret}')", soft_wrap=True)
    for i, (title, query) in enumerate(examples, 1):
        console.print(f"\n[bold]{i}. {escape(title)}[/bold]", soft_wrap=True)
        console.print(query, soft_wrap=True, highlight=False, markup=False)
    if serve:
        run_server(settings, host, port, banner=f"\nserving the demo at {url} (Ctrl-C to stop)")
