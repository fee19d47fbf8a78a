"""CSV load benchmark: ``graphsvc load`` of a CSV folder against the store's own bulk upsert.

    .venv/bin/python -m bench.csv_load [--people 100000] [--knows 1000000]
        [--stores sqlite,neo4j] [--neo4j-uri bolt://127.0.0.1:7697] [--repeat 1] [--seed 42]

The synthetic graph of ``bench.bulk_load`` (people, languages, interests; SPEAKS,
INTERESTED_IN, KNOWS) is written once as a graphsvc CSV folder (untimed, cached in the
work folder). Then, for each store, in fresh subprocesses, on the same rows:

* **loader**: ``loaders.pipeline.load(store, loaders.sources.read(folder))``, everything
  a ``graphsvc load`` does (read and parse the CSV, validate every row with the model,
  check ids and ends, spool, write in batches), timed from the first byte read;
* **bulk** (the baseline): the same rows as raw dicts in memory (what a reader yields,
  built before the clock starts), validated with ``parse_node``/``parse_rel`` and written
  with ``store.bulk_upsert``: the store's own bulk path for raw rows, so the ratio is the
  loader's overhead (streaming the files, the duplicate and end checks, the spool);
* **objects** (for reference): ``store.bulk_upsert`` of already validated model objects,
  the store's raw write speed; the loader/objects ratio shows what validation costs.

Reported: seconds (median of ``--repeat``), rows/s, the loader/bulk time ratio (target at
most 1.3), loader/objects, CPU seconds, and each side's peak RSS (target for the loader:
under 1.5 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bulk_load import (
    ROOT,
    generate,
    git_head,
    machine,
    write_results,
)

RATIO_TARGET = 1.3
RSS_TARGET_MIB = 1536


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM). Not ``ru_maxrss``: on Linux a child started
    with vfork + exec inherits the parent's high-water mark there, so a worker would
    report the bench driver's memory instead of its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    stem = f"csvload-{args.people}-{args.knows}-{args.seed}"
    return Path(args.workdir) / f"{stem}.pickle", Path(args.workdir) / stem


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the data (model objects, pickled) and write it as a CSV folder, once."""
    from loaders.csv_folder import CsvFolderWriter

    pickled, folder = _paths(args)
    if pickled.exists() and (folder / ".complete").exists():
        with pickled.open("rb") as f:
            counts = pickle.load(f).counts()
        return {"cached": True, "counts": counts}
    data, timings = generate(args.people, args.knows, args.seed)
    with pickled.open("wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    t = time.perf_counter()
    with CsvFolderWriter(folder, include_hidden=True) as writer:
        for node in data.nodes:
            writer.node(node)
        for rel in data.rels:
            writer.rel(rel)
    (folder / ".complete").write_text("")
    return {"cached": False, "counts": data.counts(), "generate_s": timings["total_s"], "write_csv_s": time.perf_counter() - t}


def _open(args: argparse.Namespace, backend: str, tmp: Path) -> Any:
    from graphsvc.store import open_store

    if backend == "sqlite":
        return open_store(f"sqlite:///{tmp}/bench.db")
    store = open_store(args.neo4j_uri)
    store.clear()
    return store


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    """One timed load in this (fresh) process."""
    from graphsvc.model import Label

    pickled, folder = _paths(args)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        store = _open(args, args.worker_backend, Path(tmp))
        try:
            if args.worker_side in ("bulk", "objects"):
                with pickled.open("rb") as f:
                    data = pickle.load(f)
                nodes, rels = data.nodes, data.rels
                del data
                if args.worker_side == "bulk":
                    from graphsvc.model import parse_node, parse_rel
                    from loaders.columns import node_to_data

                    raw_nodes = [(n.label, node_to_data(n, include_hidden=True)) for n in nodes]
                    raw_rels = [{"type": r.type.value, "start": r.start, "end": r.end, "props": dict(r.props)} for r in rels]
                    del nodes, rels
                    nodes = (parse_node(label, d, row=i) for i, (label, d) in enumerate(raw_nodes))  # type: ignore[assignment]
                    rels = (parse_rel(d, row=i) for i, d in enumerate(raw_rels))  # type: ignore[assignment]
                extra: dict[str, Any] = {}
                t0, c0 = time.perf_counter(), os.times()
                result = store.bulk_upsert(nodes, rels)
                seconds = time.perf_counter() - t0
                rows = result.created + result.updated + result.unchanged + result.rels_written
            else:
                from loaders.pipeline import load
                from loaders.sources import read

                t0, c0 = time.perf_counter(), os.times()
                report = load(store, read(folder))
                seconds = time.perf_counter() - t0
                if report.errors:
                    raise SystemExit(f"the loader found errors in generated data: {report.errors[:3]}")
                rows = report.created + report.updated + report.unchanged + report.implied_created + report.rels_written
                extra = {"workers": report.workers, "workers_peak_rss_mib": report.workers_peak_rss_mib}
            c1 = os.times()
            stored = store.count_nodes(Label.PERSON)
        finally:
            if args.worker_backend == "neo4j":
                store.clear()
            store.close()
    # the loader's validating workers (loaders.part_workers): their CPU counts, and their
    # peak RSS is added (ru_maxrss of the children: an upper bound, see peak_rss_mib; each
    # worker's own is in workers_peak_rss_mib)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {**extra, "seconds": seconds, "rows": rows, "people_stored": stored,
            "peak_rss_mib": peak_rss_mib() + children, "own_peak_rss_mib": peak_rss_mib(), "children_peak_rss_mib": children,
            "cpu_s": (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user)
            + (c1.children_system - c0.children_system)}


def spawn(args: argparse.Namespace, backend: str, side: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.csv_load", "--worker-backend", backend, "--worker-side", side,
               "--people", str(args.people), "--knows", str(args.knows), "--seed", str(args.seed),
               "--workdir", args.workdir, "--neo4j-uri", args.neo4j_uri]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{backend} {side} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--people", type=int, default=100_000)
    p.add_argument("--knows", type=int, default=1_000_000)
    p.add_argument("--stores", default="sqlite,neo4j")
    p.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7697"))
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--workdir", default=str(ROOT / ".cache" / "bench"))
    p.add_argument("--worker-backend", help=argparse.SUPPRESS)
    p.add_argument("--worker-side", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    if args.worker_backend:
        print(json.dumps(run_worker(args)))
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"preparing {args.people:,} people and {args.knows:,} KNOWS as a CSV folder ...")
    prep = prepare(args)
    results: list[dict[str, Any]] = []
    for backend in args.stores.split(","):
        runs: dict[str, list[dict[str, Any]]] = {"bulk": [], "loader": [], "objects": []}
        for i in range(args.repeat):
            for side in (("bulk", "loader", "objects") if i % 2 == 0 else ("objects", "loader", "bulk")):
                run = spawn(args, backend, side)
                workers = f" (own {run['own_peak_rss_mib']:,.0f}; {run['workers']} workers, each at most {run['workers_peak_rss_mib']:,.0f})" if run.get("workers") else ""
                console.print(f"[{backend}] {side}: {run['seconds']:.1f} s, {run['rows']:,} rows, peak RSS {run['peak_rss_mib']:,.0f} MiB{workers}")
                runs[side].append(run)
        med = {side: statistics.median(r["seconds"] for r in rs) for side, rs in runs.items()}
        results.append({"store": backend, "runs": runs, "median_s": med, "ratio": med["loader"] / med["bulk"], "ratio_objects": med["loader"] / med["objects"],
                        "rows": runs["loader"][0]["rows"], "loader_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["loader"]),
                        "bulk_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["bulk"])})
    table = Table("store", "rows", "bulk s", "objects s", "loader s", "loader rows/s", "loader/bulk", "loader/objects", "loader peak RSS MiB", "targets",
                  title=f"CSV load: {args.people:,} people, {args.knows:,} KNOWS; median of {args.repeat}")
    for r in results:
        met = r["ratio"] <= RATIO_TARGET and r["loader_peak_rss_mib"] < RSS_TARGET_MIB
        table.add_row(r["store"], f"{r['rows']:,}", f"{r['median_s']['bulk']:.1f}", f"{r['median_s']['objects']:.1f}",
                      f"{r['median_s']['loader']:.1f}", f"{r['rows'] / r['median_s']['loader']:,.0f}", f"{r['ratio']:.2f}",
                      f"{r['ratio_objects']:.2f}", f"{r['loader_peak_rss_mib']:,.0f}",
                      "met" if met else f"NOT met (ratio ≤ {RATIO_TARGET}, RSS < {RSS_TARGET_MIB} MiB)")
    console.print(table)
    out = write_results("csv_load", {"machine": machine(), "git": git_head(), "args": vars(args), "prepare": prep,
                                     "results": results}, indent=1)
    console.print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
