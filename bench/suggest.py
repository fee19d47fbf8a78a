"""Mentor suggestion benchmark: one newcomer's suggestions in a large community, warm and cold,
in-process and through the API, on each store.

    .venv/bin/python -m bench.suggest [--people 100000] [--seed 7] [--stores sqlite,neo4j]
        [--neo4j-uri bolt://127.0.0.1:7697] [--samples 300] [--cold 3] [--k 5]

The demo community (``loaders.demo.generate``) of ``--people`` is loaded once per store
(SQLite: a file cached under ``.cache/bench/``; Neo4j: reloaded only when the database
does not hold exactly that community). Then, per store:

* **cold**: ``store.project(MATCHING_PROJECTION)`` and ``MatchingIndex.build`` (what the
  first suggestion after a write pays), median of ``--cold`` runs;
* **warm, analysis call**: ``graphsvc.analysis.suggest(index, newcomer, profile, k)`` for
  ``--samples`` newcomers waiting for a mentor, on the built index: p50/p95 (target: p95
  under 10 ms);
* **warm, through the API**: ``graphsvc serve`` in its own process, ``mentorSuggestions(
  newcomer, first: k)`` with mentors' names and the explanation, one request at a time
  after a warm-up request that builds the index: p50/p95 (target: p95 under 50 ms);
* **baseline in the same run**: a plain indexed read of the newcomer (``store.get``) for
  the same samples, to show what one store round trip costs on this machine now.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bulk_load import ROOT, git_head, machine, write_results

QUERY = """query($n: String!, $k: Int!) { mentorSuggestions(newcomer: $n, first: $k) {
  score explanation mentor { key name } contributions { factor contribution } } }"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stats(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": _pct(ms, 0.5), "p95_ms": _pct(ms, 0.95), "max_ms": max(ms)}


def _store(args: argparse.Namespace, backend: str) -> Any:
    from graphsvc.model import Label
    from graphsvc.store import open_store
    from loaders.demo import generate
    from loaders.pipeline import load

    if backend == "sqlite":
        path = Path(args.workdir) / f"demo-{args.people}-{args.seed}.db"
        marker = path.with_suffix(".complete")
        if not marker.exists():
            for stale in path.parent.glob(path.name + "*"):
                stale.unlink()
        store = open_store(f"sqlite:///{path}")
        fresh = not marker.exists()
    else:
        store = open_store(args.neo4j_uri)
        fresh = store.get_setting("bench.suggest.community") != f"{args.people}-{args.seed}"
        if fresh:
            store.clear()
            store.bootstrap()
    if fresh:
        t = time.perf_counter()
        report = load(store, generate(args.people, args.seed))
        if report.errors:
            raise SystemExit(f"demo data did not load: {report.errors[:3]}")
        print(f"[{backend}] loaded the demo community ({report.rows:,} rows) in {time.perf_counter() - t:.0f} s", flush=True)
        if backend == "sqlite":
            (Path(args.workdir) / f"demo-{args.people}-{args.seed}.complete").write_text("")
        else:
            store.put_setting("bench.suggest.community", f"{args.people}-{args.seed}")
    print(f"[{backend}] {store.count_nodes(Label.PERSON):,} people", flush=True)
    return store


def run_store(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    import httpx

    from bench.api_load import Server
    from graphsvc.analysis import MatchingIndex, suggest
    from graphsvc.auth import ApiRole, issue_token
    from graphsvc.model import Label
    from graphsvc.services import matching as svc

    store = _store(args, backend)
    out: dict[str, Any] = {"store": backend}
    cold_project, cold_index = [], []
    index = None
    for _ in range(args.cold):
        t = time.perf_counter()
        G = svc.projection(store)
        t1 = time.perf_counter()
        index = MatchingIndex.build(G)
        cold_project.append(t1 - t)
        cold_index.append(time.perf_counter() - t1)
    out["cold"] = {"project_s": statistics.median(cold_project), "index_s": statistics.median(cold_index),
                   "runs": [round(a + b, 2) for a, b in zip(cold_project, cold_index, strict=True)],
                   "mentors": len(index.mentor_ids), "people": len(index.person_ids)}  # type: ignore[union-attr]
    waiting = svc.waiting_newcomers(index)
    step = max(1, len(waiting) // args.samples)
    sample = waiting[::step][: args.samples]
    profile = svc.load_profile(store)
    warm = []
    for n in sample:
        t = time.perf_counter()
        suggest(index, n, profile, args.k)  # type: ignore[arg-type]
        warm.append((time.perf_counter() - t) * 1e3)
    out["warm_analysis"] = _stats(warm)
    base = []
    for n in sample:
        t = time.perf_counter()
        store.get(Label.PERSON, n)
        base.append((time.perf_counter() - t) * 1e3)
    out["baseline_store_get"] = _stats(base)
    print(f"[{backend}] cold {out['cold']['project_s'] + out['cold']['index_s']:.1f} s; warm analysis p50 "
          f"{out['warm_analysis']['p50_ms']:.1f} ms p95 {out['warm_analysis']['p95_ms']:.1f} ms", flush=True)

    token, _ = issue_token(store, ApiRole.COORDINATOR, name="bench.suggest")
    server = Server(store.uri, Path(args.workdir) / f"suggest-{backend}.log")
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120, trust_env=False) as client:
            def ask(n: str) -> float:
                t = time.perf_counter()
                r = client.post("/graphql", json={"query": QUERY, "variables": {"n": n, "k": args.k}})
                ms = (time.perf_counter() - t) * 1e3
                body = r.json()
                if r.status_code != 200 or "errors" in body:
                    raise SystemExit(f"API error for {n}: {body}")
                return ms

            out["api_first_request_s"] = ask(sample[0]) / 1e3  # builds the index: the API's cold start
            api = [ask(n) for n in sample]
        out["warm_api"] = _stats(api)
    finally:
        server.stop()
        store.close()
    print(f"[{backend}] API first request {out['api_first_request_s']:.1f} s; warm p50 {out['warm_api']['p50_ms']:.1f} ms "
          f"p95 {out['warm_api']['p95_ms']:.1f} ms", flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--people", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--stores", default="sqlite,neo4j")
    p.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7697"))
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--cold", type=int, default=3)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--workdir", default=str(ROOT / ".cache" / "bench"))
    args = p.parse_args(argv)
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    sys.setrecursionlimit(10_000)
    results = [run_store(args, b) for b in args.stores.split(",")]

    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table("store", "people", "mentors", "cold: project s", "cold: index s", "warm analysis p50/p95 ms",
                  "API first request s", "API p50/p95 ms", "store.get p50 ms", "targets",
                  title=f"mentor suggestions, k={args.k}, {args.samples} newcomers; load average {os.getloadavg()[0]:.1f}")
    for r in results:
        met = r["warm_analysis"]["p95_ms"] < 10 and r["warm_api"]["p95_ms"] < 50
        table.add_row(r["store"], f"{r['cold']['people']:,}", f"{r['cold']['mentors']:,}", f"{r['cold']['project_s']:.1f}",
                      f"{r['cold']['index_s']:.1f}", f"{r['warm_analysis']['p50_ms']:.1f} / {r['warm_analysis']['p95_ms']:.1f}",
                      f"{r['api_first_request_s']:.1f}", f"{r['warm_api']['p50_ms']:.1f} / {r['warm_api']['p95_ms']:.1f}",
                      f"{r['baseline_store_get']['p50_ms']:.2f}",
                      "met" if met else "NOT met (analysis p95 < 10 ms, API p95 < 50 ms)")
    console.print(table)
    path = write_results("suggest", {"machine": machine(), "git": git_head(), "args": vars(args), "results": results}, indent=1)
    console.print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
