"""Cohort matching benchmark: ``match_cohort`` against exact reference solvers, same instance, same run.

    .venv/bin/python -m bench.matching [--newcomers 10000] [--mentors 2000] [--degree 30]
        [--seed 1] [--repeat 5] [--wait-days 365] [--reference all|lap|none] [--no-json]

The instance: each newcomer is eligible for ``--degree`` distinct random mentors; scores
uniform in [0, 1), rounded to 1e-4, about 5% of them an explicit 0.0; capacities 1-3;
``waited_days`` uniform integers in [0, ``--wait-days``); a fifth of the pairs bridging.

Timed: ``match_cohort(mode="optimal")`` end to end (input checks, both stages, reasons,
summary), median of ``--repeat`` runs, wall and CPU time (the machines are shared and
noisy: CPU time moves less with other work); one ``mode="stable"`` run for information.

References, on the same candidate graph (``--reference lap`` runs the first two, ``all``
adds the third):

* **cardinality**: Hopcroft-Karp (``scipy.sparse.csgraph.maximum_bipartite_matching``) on
  the slot-expanded graph;
* **priority**: LAPJVsp (``min_weight_full_bipartite_matching``) on the slot-expanded graph,
  one row per slot and a dummy column per slot, maximizing the sum of integer tier weights
  over matched newcomers (exact: small integers). Its value is the priority optimum;
* **score**: HiGHS LPs (``scipy.optimize.linprog``): the most tier weight, then the most
  score on that optimal face. The b-matching polytope is integral (totally unimodular)
  and so is each of its faces, so the LP values are the integer optima (to HiGHS's 1e-7
  tolerances). Scores are multiples of 1e-4, so totals within 5e-5 of each other are
  equal: that is the agreement test. This takes a minute or two at full size.

The JSON goes to ``bench/results/matching-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import (
    maximum_bipartite_matching,
    min_weight_full_bipartite_matching,
)

from bench.bulk_load import git_head, machine, write_results
from graphsvc.analysis.matching import MatchingResult, match_cohort

TARGET_S = 2.0
GRID = 1e-4  # scores are multiples of it, so totals that differ by less than GRID / 2 are equal


def instance(args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng(args.seed)
    n, m, d = args.newcomers, args.mentors, min(args.degree, args.mentors)
    cols = np.argsort(rng.random((n, m)), axis=1)[:, :d] if n * m <= 5_000_000 else np.stack(
        [rng.choice(m, d, replace=False) for _ in range(n)])
    cols = np.sort(cols, axis=1).ravel()
    rows = np.repeat(np.arange(n), d)
    score = np.round(rng.random(n * d) / GRID) * GRID
    score[rng.random(n * d) < 0.05] = 0.0
    scores = sp.csr_matrix((score, (rows, cols)), shape=(n, m))
    if scores.nnz != n * d:
        raise AssertionError("explicit zeros were dropped")
    bridging = sp.csr_matrix((rng.random(n * d) < 0.2, (rows, cols)), shape=(n, m))
    return {
        "scores": scores, "capacity": rng.integers(1, 4, m), "waited_days": rng.integers(0, args.wait_days, n),
        "newcomer_ids": [f"n{i:05d}" for i in range(n)], "mentor_ids": [f"m{j:05d}" for j in range(m)],
        "bridging": bridging,
    }


def tier_weight(waited: np.ndarray) -> np.ndarray:
    return np.unique(waited, return_inverse=True)[1] + 1


def slots(data: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The slot-expanded pairs: newcomer, slot, score; and the number of slots."""
    coo, cap = data["scores"].tocoo(), data["capacity"]
    k = cap[coo.col]
    start = np.concatenate(([0], np.cumsum(cap)))
    within = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    return np.repeat(coo.row, k), np.repeat(start[coo.col], k) + within, np.repeat(coo.data, k), int(start[-1])


def reference_lap(data: dict[str, Any]) -> dict[str, Any]:
    n = data["scores"].shape[0]
    nc, slot, _, n_slots = slots(data)
    t = time.perf_counter()
    hk = maximum_bipartite_matching(sp.csr_matrix((np.ones(len(nc)), (slot, nc)), shape=(n_slots, n)), perm_type="column")
    cardinality = int(np.sum(hk >= 0))
    t_hk = time.perf_counter() - t
    w = tier_weight(data["waited_days"]).astype(float)
    big = w.max() + 1.0  # rows: slots; columns: newcomers, then one dummy per slot (cost big, never zero)
    G = sp.csr_matrix((np.concatenate((big - w[nc], np.full(n_slots, big))),
                       (np.concatenate((slot, np.arange(n_slots))), np.concatenate((nc, n + np.arange(n_slots))))),
                      shape=(n_slots, n + n_slots))
    t = time.perf_counter()
    _, col = min_weight_full_bipartite_matching(G)
    priority = int(w[col[col < n]].sum())
    return {"cardinality": cardinality, "hopcroft_karp_s": round(t_hk, 3), "priority_weight": priority,
            "lapjvsp_s": round(time.perf_counter() - t, 3)}


def describe_lap(r: dict[str, Any]) -> str:
    """One line on :func:`reference_lap`'s result."""
    return (f"Hopcroft-Karp cardinality {r['cardinality']:,} ({r['hopcroft_karp_s']} s), LAPJVsp priority "
            f"weight {r['priority_weight']:,} ({r['lapjvsp_s']} s): {'agree' if r['agree'] else 'DISAGREE'}")


def reference_lp(data: dict[str, Any]) -> dict[str, Any]:
    coo, cap = data["scores"].tocoo(), data["capacity"]
    n, m = coo.shape
    k = coo.nnz
    A = sp.vstack([sp.csr_matrix((np.ones(k), (coo.row, np.arange(k))), shape=(n, k)),
                   sp.csr_matrix((np.ones(k), (coo.col, np.arange(k))), shape=(m, k))]).tocsr()
    b = np.concatenate((np.ones(n), cap.astype(float)))
    w = tier_weight(data["waited_days"])[coo.row].astype(float)
    t = time.perf_counter()
    first = linprog(-w, A_ub=A, b_ub=b, bounds=(0, 1), method="highs")
    face = sp.vstack([A, sp.csr_matrix(-w[None, :])]).tocsr()
    second = linprog(-coo.data, A_ub=face, b_ub=np.concatenate((b, [first.fun + 1e-6])), bounds=(0, 1), method="highs")
    frac = int(np.sum((second.x > 1e-6) & (second.x < 1 - 1e-6))) if second.x is not None else -1
    return {"priority_weight": -first.fun, "total_score": -second.fun, "status": [first.status, second.status],
            "fractional_entries": frac, "seconds": round(time.perf_counter() - t, 1)}


def measured(res: MatchingResult, data: dict[str, Any]) -> dict[str, Any]:
    w = tier_weight(data["waited_days"])
    row = {nid: i for i, nid in enumerate(data["newcomer_ids"])}
    return {"matched": res.summary.matched, "priority_weight": int(sum(w[row[p.newcomer_id]] for p in res.pairs)),
            "total_score": res.summary.total_score, "unmatched": res.summary.unmatched,
            "bridging_share": res.summary.bridging_share, "score": res.summary.score}


def run(args: argparse.Namespace) -> dict[str, Any]:
    t = time.perf_counter()
    data = instance(args)
    out: dict[str, Any] = {"args": vars(args), "machine": machine(), "git": git_head(), "started": datetime.now().isoformat(),
                           "instance_s": round(time.perf_counter() - t, 2), "pairs": data["scores"].nnz,
                           "slots": int(data["capacity"].sum())}
    times, cpu, res = [], [], None
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        res = match_cohort(**data)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    assert res is not None
    out["optimal"] = {"median_s": statistics.median(times), "runs_s": [round(x, 4) for x in times],
                      "median_cpu_s": statistics.median(cpu),
                      "solver": res.summary.solver, **measured(res, data)}
    t = time.perf_counter()
    stable = match_cohort(**data, mode="stable")
    out["stable"] = {"seconds": round(time.perf_counter() - t, 3), "matched": stable.summary.matched,
                     "total_score": stable.summary.total_score}
    mine = out["optimal"]
    if args.reference in ("lap", "all"):
        ref = out["reference_lap"] = reference_lap(data)
        ref["agree"] = ref["cardinality"] == mine["matched"] and ref["priority_weight"] == mine["priority_weight"]
    if args.reference == "all":
        ref = out["reference_lp"] = reference_lp(data)
        ref["agree"] = (abs(ref["priority_weight"] - mine["priority_weight"]) < 0.5
                        and abs(ref["total_score"] - mine["total_score"]) < GRID / 2)
    return out


def report(out: dict[str, Any]) -> None:
    mc, a, o = out["machine"], out["args"], out["optimal"]
    print(f"machine: {mc['nproc']} cpus, {mc['cpu_model']}, load {mc['loadavg']}; git {out['git']}")
    print(f"instance: {a['newcomers']:,} newcomers x {a['mentors']:,} mentors, {out['pairs']:,} eligible pairs, "
          f"{out['slots']:,} slots, waits in [0, {a['wait_days']})")
    print(f"match_cohort optimal: median {o['median_s']:.3f} s over {a['repeat']} runs {o['runs_s']} "
          f"(target < {TARGET_S} s: {'ok' if o['median_s'] < TARGET_S else 'MISSED'}); "
          f"CPU median {o['median_cpu_s']:.3f} s (steadier on a shared machine)")
    print(f"  matched {o['matched']:,}, priority weight {o['priority_weight']:,}, total score {o['total_score']:.6f}, "
          f"unmatched {o['unmatched']}")
    print(f"match_cohort stable: {out['stable']['seconds']:.3f} s, matched {out['stable']['matched']:,}, "
          f"total score {out['stable']['total_score']:.4f}")
    if "reference_lap" in out:
        print(f"reference {describe_lap(out['reference_lap'])}")
    if "reference_lp" in out:
        r = out["reference_lp"]
        print(f"reference HiGHS LP priority weight {r['priority_weight']:,.1f}, total score {r['total_score']:.6f} "
              f"({r['seconds']} s, status {r['status']}, fractional {r['fractional_entries']}): "
              f"{'agree' if r['agree'] else 'DISAGREE'} (|diff| {abs(r['total_score'] - o['total_score']):.2e})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__.split("\n\n")[0])
    parser.add_argument("--newcomers", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--degree", type=int, default=30, help="eligible mentors per newcomer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wait-days", type=int, default=365, help="waits are uniform integers in [0, this)")
    parser.add_argument("--reference", choices=["all", "lap", "none"], default="all")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    out = run(args)
    report(out)
    if not args.no_json:
        path = write_results("matching", out)
        print(f"wrote {path}")
    agree = all(out[k]["agree"] for k in ("reference_lap", "reference_lp") if k in out)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
