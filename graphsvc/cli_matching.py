"""``graphsvc suggest``, ``graphsvc match`` and ``graphsvc evaluate``: matching at the
command line, as readable tables. Thin: the work is in :mod:`graphsvc.services`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from graphsvc.cli_common import StoreOption, console, err_console, errors_as_messages
from graphsvc.settings import Settings
from graphsvc.store import open_store


def suggest(
    person: Annotated[str, typer.Argument(help="The newcomer's id.")],
    first: Annotated[int, typer.Option("--first", "-k", min=1, max=100, help="How many mentors.")] = 5,
    store: StoreOption = None,
) -> None:
    """The best mentors for a newcomer, with each factor's part and the reasons."""
    from graphsvc.analysis import FACTORS
    from graphsvc.services import matching as svc

    with errors_as_messages(), open_store(store, Settings()) as opened:
        index = svc.build_index(opened)
        found = svc.suggestions(opened, index, person, first)
    if not found:
        console.print(f"no eligible mentor for {person}")
        return
    table = Table("#", "mentor", "score", *(f.replace("_", " ") for f in FACTORS), "why", title=f"mentors for {person}", show_lines=True)
    for i, s in enumerate(found, 1):
        table.add_row(str(i), f"{index.node('Person', s.mentor_id).get('name', s.mentor_id)}\n{s.mentor_id}", f"{s.score:.3f}",
                      *(f"{s.contributions[f]:.3f}" for f in FACTORS), s.explanation)
    console.print(table)


def match(
    newcomer: Annotated[list[str] | None, typer.Option("--newcomer", "-n", help="Only these newcomers (repeat); default every newcomer waiting.")] = None,
    language: Annotated[str | None, typer.Option(help="Only waiting newcomers who speak this language (ISO 639-3).")] = None,
    neighborhood: Annotated[str | None, typer.Option(help="Only waiting newcomers living in this neighborhood (its id).")] = None,
    mode: Annotated[str, typer.Option(help="optimal (maximum total score, longest waits first) or stable (deferred acceptance).")] = "optimal",
    accept: Annotated[bool, typer.Option("--accept", help="Store the proposal as active mentorships (one transaction).")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the proposal as JSON here.")] = None,
    store: StoreOption = None,
) -> None:
    """Propose mentors for a cohort of newcomers within every mentor's free places; --accept stores it."""
    from graphsvc.services import matching as svc

    if mode not in ("optimal", "stable"):
        err_console.print("[red]error:[/red] --mode is optimal or stable")
        raise typer.Exit(2)
    with errors_as_messages(), open_store(store, Settings()) as opened:
        index = svc.build_index(opened)
        chosen = newcomer or svc.waiting_newcomers(index)
        chosen = [n for n in chosen if _lives_and_speaks(index, n, language, neighborhood)]
        proposal = svc.propose(opened, index, chosen, mode=mode)  # type: ignore[arg-type]
        result = proposal.result
        why = proposal.explanations()
        table = Table("newcomer", "mentor", "score", "bridging", "why", title=f"proposal ({mode}): {len(result.pairs)} matched", show_lines=True)
        for p in result.pairs:
            table.add_row(_name(index, p.newcomer_id), _name(index, p.mentor_id), f"{p.score:.3f}", "yes" if p.bridging else "",
                          why[(p.newcomer_id, p.mentor_id)])
        console.print(table)
        if result.unmatched:
            missing = Table("newcomer", "why not matched", title=f"{len(result.unmatched)} not matched")
            for u in result.unmatched:
                missing.add_row(_name(index, u.newcomer_id), str(u.reason))
            console.print(missing)
        console.print_json(json.dumps(result.to_dict()["summary"], default=str))
        if out:
            out.write_text(json.dumps(result.to_dict(), indent=1, default=str), encoding="utf-8")
        if accept and result.pairs:
            made = svc.accept(opened, [(p.newcomer_id, p.mentor_id, p.score, why[(p.newcomer_id, p.mentor_id)]) for p in result.pairs])
            console.print(f"[green]accepted:[/green] {len(made)} mentorships created")


def _name(index: object, person: str) -> str:
    return f"{index.node('Person', person).get('name', person)} ({person})"  # type: ignore[attr-defined]


def _lives_and_speaks(index: object, person: str, language: str | None, neighborhood: str | None) -> bool:
    G = index.G  # type: ignore[attr-defined]
    key = f"Person:{person}"
    if key not in G:
        return False
    near = {(G.edges[key, o].get("type"), G.nodes[o].get("id")) for o in G.neighbors(key)}
    return (language is None or ("SPEAKS", language) in near) and (neighborhood is None or ("LIVES_IN", neighborhood) in near)


def evaluate(
    answers: Annotated[Path, typer.Argument(help="The answer file of planted pairs (graphsvc demo --plant ... --answers FILE).")],
    k: Annotated[int, typer.Option("--k", min=1, max=50)] = 5,
    store: StoreOption = None,
) -> None:
    """Suggestion quality against planted answers, next to two baselines, and a fairness report."""
    from graphsvc.services import matching as svc
    from graphsvc.services.quality import (
        evaluate_suggestions,
        fairness_report,
        read_answers,
    )

    with errors_as_messages(), open_store(store, Settings()) as opened:
        truth = read_answers(answers)
        index = svc.build_index(opened)
        profile = svc.load_profile(opened)
        scores = evaluate_suggestions(index, truth, profile, k=k)
        fair = fairness_report(opened, index, svc.waiting_newcomers(index), profile)
    print_quality(scores, fair, k)


def print_quality(scores: dict, fair: dict, k: int) -> None:  # type: ignore[type-arg]
    table = Table("ranker", f"precision@{k}", f"recall@{k}", f"NDCG@{k}", "newcomers", title="suggestions against the planted answers")
    for name, s in scores.items():
        table.add_row(name, f"{s[f'precision@{k}']:.3f}", f"{s[f'recall@{k}']:.3f}", f"{s[f'ndcg@{k}']:.3f}", str(s["n"]))
    console.print(table)
    for group, title in (("by_language", "native language"), ("by_origin", "origin community (consented to reporting)")):
        t = Table(title.split(" (")[0], "newcomers", "median best score", "p25", "p75", title=f"fairness by {title}")
        for name, s in sorted(fair[group].items(), key=lambda kv: -kv[1]["n"]):
            t.add_row(name, str(s["n"]), f"{s['median']:.3f}", f"{s['p25']:.3f}", f"{s['p75']:.3f}")
        console.print(t)
    console.print(f"gap between group medians (groups of 10 or more): language {fair['language_gap']:.3f}, origin {fair['origin_gap']:.3f}")
