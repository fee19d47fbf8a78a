"""Cohort benchmark: ``score_pairs`` (batched) + ``match_cohort`` on a synthetic matching projection.

    .venv/bin/python -m bench.cohort [--newcomers 10000] [--mentors 2000] [--seed 1] [--repeat 3]
        [--top K] [--sample 200] [--reference lap|none] [--no-json]

The instance: a NetworkX graph in the shape of ``store.project(ProjectionSpec(purpose="matching"))``
(nodes ``'Label:id'`` with ``label``, ``id`` and nested properties; edges with ``type``,
props and, for directed types, ``start``), built directly (no store): ``--newcomers``
newcomers and ``--mentors`` mentors (capacities 1-3, a few with active or ended
mentorships, a few without consent), each speaking 1-3 of 24 languages (macrolanguage
varieties included, the first native, most also English), 0-5 of 60 interests (Zipf-like),
living in one of 120 neighborhoods (squares on a grid, each adjacent to its grid
neighbours), 0-3 goals, an ISCO-08 occupation for most, an ISCED level for some,
availability over the 21 weekly slots, affiliations for some mentors, an origin country,
and ~``--knows`` KNOWS per person (trust in [0, 1]).

Timed (median of ``--repeat``; the machines are shared, so look at ratios):

* ``MatchingIndex.build`` of the graph;
* ``score_pairs`` (batched) of every newcomer against every mentor (``top=--top`` if given);
* the per-newcomer reference ``_score_pairs_reference`` on the first ``--sample`` newcomers,
  **extrapolated** linearly to all of them (and its output compared with the batched rows);
* ``match_cohort(mode="optimal")`` on the pair scores, and end to end (score_pairs + match_cohort);
* the matching of ``propose`` (``services.matching.match_newcomers``: each newcomer's
  ``CANDIDATES`` best, then rounds that add the pairs of newcomers left out with mentors
  who still have a free place), without the store reads (the days waited are the draw above).

The optimum is checked against the exact references of :mod:`bench.matching` (Hopcroft-Karp
for the cardinality, LAPJVsp for the priority weight) on the same candidate matrix.
The JSON goes to ``bench/results/cohort-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime
from typing import Any

import networkx as nx
import numpy as np

from bench.bulk_load import git_head, machine, write_results
from bench.matching import TARGET_S, describe_lap, reference_lap
from graphsvc.analysis import MatchingIndex, PairScores, ProgramProfile, score_pairs
from graphsvc.analysis.features import SLOTS
from graphsvc.analysis.goals import GOALS
from graphsvc.analysis.matching import match_cohort
from graphsvc.analysis.suggest import _score_pairs_reference
from graphsvc.services.matching import CANDIDATES, match_newcomers

LANGUAGES = ("eng", "ara", "arz", "apc", "fas", "prs", "ukr", "rus", "tir", "som", "spa", "fra", "zho", "cmn",
             "yue", "tur", "kur", "pus", "urd", "hin", "ben", "por", "swa", "amh")
LEVELS = ("native", "fluent", "conversational", "basic")
COUNTRIES = ("SY", "AF", "UA", "ER", "SO", "VE", "IR", "IQ", "TR", "NG", "CN", "IN")
ISCO = ("2221", "2211", "2611", "2423", "3333", "1120", "1420", "2411", "2310", "2359", "2353", "2643", "3334",
        "2635", "3412", "5321", "3411", "2422", "7112", "8322", "9112", "5120", "2512", "2144", "3221", "0110",
        "61", "722", "4")
ORGS = (("Organization", "employer"), ("Organization", "school"), ("Organization", "university"),
        ("Organization", "nonprofit"), ("Organization", "government"), ("Organization", "business"),
        ("Institution", "clinic"), ("Institution", "library"), ("Institution", "community_center"),
        ("Institution", "settlement_agency"), ("Institution", "school"))
ROLES = ("works_at", "studies_at", "volunteers_at", "member_of")


def synthetic_graph(newcomers: int, mentors: int, seed: int = 1, knows: float = 10.0, hoods: int = 120,
                    interests: int = 60, edge_cases: bool = False) -> nx.Graph:
    """A matching projection with ``newcomers`` + ``mentors`` people (see the module docstring).

    ``edge_cases`` adds what a test wants to meet: people who are both newcomer and mentor,
    newcomers without consent or role, mentors without consent or capacity, ended
    mentorships of every reason, neighborhoods without geometry, people without languages.
    """
    rng = np.random.default_rng(seed)
    G = nx.Graph()
    n = newcomers + mentors
    ids = [f"n{i:05d}" for i in range(newcomers)] + [f"m{j:05d}" for j in range(mentors)]
    side = max(1, int(np.ceil(np.sqrt(hoods))))
    for h in range(hoods):
        lat, lon = 52.40 + 0.01 * (h // side), 13.30 + 0.015 * (h % side)
        ring = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]
        attrs: dict[str, Any] = {"label": "Neighborhood", "id": f"h{h:03d}", "name": f"Hood {h}"}
        if not (edge_cases and h % 7 == 3):
            attrs["geometry"] = {"type": "Polygon", "coordinates": [ring]}
        G.add_node(f"Neighborhood:h{h:03d}", **attrs)
    for h in range(hoods):
        for other in (h + 1, h + side):
            if other < hoods and (other != h + 1 or other % side):
                G.add_edge(f"Neighborhood:h{h:03d}", f"Neighborhood:h{other:03d}", type="ADJACENT_TO")
    for code in LANGUAGES:
        G.add_node(f"Language:{code}", label="Language", id=code, name=code)
    rarity = 1.0 / np.arange(1, interests + 1) ** 0.8
    rarity /= rarity.sum()
    for k in range(interests):
        G.add_node(f"Interest:i{k:02d}", label="Interest", id=f"i{k:02d}", name=f"interest {k}")
    for o, (label, kind) in enumerate(ORGS * 3):
        G.add_node(f"{label}:o{o:02d}", label=label, id=f"o{o:02d}", name=f"{label} {o}", kind=kind,
                   **({"sector": "health"} if o % 5 == 0 and label == "Organization" else {}))
    lang_p = np.linspace(2.0, 0.2, len(LANGUAGES) - 1)
    lang_p /= lang_p.sum()
    for i, pid in enumerate(ids):
        mentor = i >= newcomers
        roles = ["MENTOR"] if mentor else ["NEWCOMER"]
        if edge_cases and i % 97 == 5:
            roles = ["NEWCOMER", "MENTOR"]
        if edge_cases and not mentor and i % 89 == 7:
            roles = ["RESIDENT"]
        consent = not (edge_cases and i % 53 == 11) and rng.random() > 0.02
        attrs = {"label": "Person", "id": pid, "name": f"Person {pid}", "roles": roles,
                 "consent": {"matching": bool(consent)},
                 "goals": sorted({str(GOALS[g]) for g in rng.choice(len(GOALS), rng.integers(0, 4))}),
                 "availability": sorted({SLOTS[s] for s in rng.choice(21, rng.integers(0, 7))})}
        if "MENTOR" in roles:
            attrs["mentor_capacity"] = int(rng.integers(0 if edge_cases else 1, 4))
        if rng.random() < 0.8:
            attrs["occupation"] = {"isco08": str(ISCO[rng.integers(len(ISCO))])}
        if rng.random() < 0.6:
            attrs["education_level"] = int(rng.integers(0, 9))
        if rng.random() < 0.7:
            attrs["sensitive"] = {"origin_country": str(COUNTRIES[min(int(rng.exponential(3)), len(COUNTRIES) - 1)])}
        G.add_node(f"Person:{pid}", **attrs)
        key = f"Person:{pid}"
        n_lang = 0 if edge_cases and i % 41 == 2 else int(rng.integers(1, 4))
        spoken = list(dict.fromkeys(rng.choice(len(LANGUAGES) - 1, n_lang, p=lang_p) + 1))
        for r, li in enumerate(spoken):
            G.add_edge(key, f"Language:{LANGUAGES[li]}", type="SPEAKS", start=key,
                       level="native" if r == 0 else LEVELS[rng.integers(1, 4)])
        if spoken and rng.random() < 0.8:
            G.add_edge(key, "Language:eng", type="SPEAKS", start=key, level=LEVELS[rng.integers(0, 4)])
        for k in set(rng.choice(interests, rng.integers(0, 6), p=rarity).tolist()):
            G.add_edge(key, f"Interest:i{k:02d}", type="INTERESTED_IN", start=key)
        if rng.random() < 0.95:
            G.add_edge(key, f"Neighborhood:h{int(rng.integers(hoods)):03d}", type="LIVES_IN", start=key)
        if mentor and rng.random() < 0.4:
            label, _ = ORGS[o := int(rng.integers(len(ORGS)))]
            G.add_edge(key, f"{label}:o{o:02d}", type="AFFILIATED_WITH", start=key, role=ROLES[rng.integers(4)])
    # KNOWS: a community-biased random graph, ~knows per person
    m_edges = int(n * knows / 2)
    a = rng.integers(0, n, m_edges)
    near = (a + rng.integers(-50, 51, m_edges)) % n
    b = np.where(rng.random(m_edges) < 0.5, near, rng.integers(0, n, m_edges))
    trust = np.round(rng.random(m_edges), 2)
    for x, y, t in zip(a.tolist(), b.tolist(), trust.tolist(), strict=True):
        if x != y:
            G.add_edge(f"Person:{ids[x]}", f"Person:{ids[y]}", type="KNOWS", trust=t)
    # mentorships: some active, some ended
    n_ms = max(1, mentors // 10)
    reasons = ("goals_met", "schedule", "moved_away", "mismatch", "conduct", "withdrew", "other")
    for s in range(n_ms):
        mentee, mentor_id = ids[int(rng.integers(newcomers))], ids[newcomers + int(rng.integers(mentors))]
        status = "active" if s % 3 == 0 else "ended"
        attrs = {"label": "Mentorship", "id": f"ms{s:05d}", "status": status}
        if status == "ended":
            attrs["end_reason"] = reasons[s % len(reasons)]
        G.add_node(f"Mentorship:ms{s:05d}", **attrs)
        G.add_edge(f"Person:{mentor_id}", f"Mentorship:ms{s:05d}", type="MENTOR_IN", start=f"Person:{mentor_id}")
        G.add_edge(f"Person:{mentee}", f"Mentorship:ms{s:05d}", type="MENTEE_IN", start=f"Person:{mentee}")
    return G


def _median_time(fn: Any, repeat: int) -> tuple[dict[str, Any], Any]:
    """Median wall time of ``repeat`` calls, each run's wall and CPU (user + sys) seconds, the last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return {"median_s": statistics.median(walls), "runs_s": [round(x, 3) for x in walls],
            "cpu_s": [round(x, 3) for x in cpus]}, out


def same_pairs(a: PairScores, b: PairScores) -> bool:
    return (a.not_eligible == b.not_eligible and np.array_equal(a.scores.indptr, b.scores.indptr)
            and np.array_equal(a.scores.indices, b.scores.indices)
            and float(np.max(np.abs(a.scores.data - b.scores.data), initial=0.0)) <= 1e-12
            and np.array_equal(a.bridging.indices, b.bridging.indices) and np.array_equal(a.bridging.data, b.bridging.data))


def run(args: argparse.Namespace) -> dict[str, Any]:
    t = time.perf_counter()
    G = synthetic_graph(args.newcomers, args.mentors, args.seed, knows=args.knows)
    out: dict[str, Any] = {"args": vars(args), "machine": machine(), "git": git_head(),
                           "started": datetime.now().isoformat(), "graph_s": round(time.perf_counter() - t, 2),
                           "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    out["index_build"], index = _median_time(lambda: MatchingIndex.build(G), args.repeat)
    newcomers = [pid for pid in index.person_ids if pid.startswith("n")]
    profile = ProgramProfile()
    top = args.top or None
    out["score_pairs_all"], full = _median_time(lambda: score_pairs(index, newcomers, profile), args.repeat)
    out["score_pairs_all"].update(entries=int(full.scores.nnz), not_eligible=len(full.not_eligible))
    del full
    if top is not None:
        out["score_pairs_top"], pairs = _median_time(lambda: score_pairs(index, newcomers, profile, top=top),
                                                     args.repeat)
        out["score_pairs_top"]["entries"] = int(pairs.scores.nnz)
    sample = newcomers if args.sample <= 0 else newcomers[:args.sample]
    timing, ref = _median_time(lambda: _score_pairs_reference(index, sample, profile), 1)
    same = same_pairs(score_pairs(index, sample, profile), ref)
    if top is not None:
        same = same and same_pairs(score_pairs(index, sample, profile, top=top),
                                   _score_pairs_reference(index, sample, profile, top=top))
    out["reference"] = {"newcomers": len(sample), "seconds": round(timing["median_s"], 3), "cpu_s": timing["cpu_s"][0],
                        "extrapolated_s": round(timing["median_s"] * len(newcomers) / max(len(sample), 1), 2),
                        "same_as_batched": bool(same)}
    if top is None:
        pairs = score_pairs(index, newcomers, profile)
    waited = np.random.default_rng(args.seed + 1).integers(0, 365, len(newcomers))
    data = {"scores": pairs.scores, "capacity": pairs.remaining, "waited_days": waited,
            "newcomer_ids": list(pairs.newcomer_ids), "mentor_ids": list(pairs.mentor_ids), "bridging": pairs.bridging}
    out["match_cohort"], res = _median_time(lambda: match_cohort(**data, mode="optimal"), args.repeat)
    out["match_cohort"].update(matched=res.summary.matched, total_score=res.summary.total_score,
                               slots=int(pairs.remaining.sum()), entries=int(pairs.scores.nnz))

    def end_to_end() -> Any:
        p = score_pairs(index, newcomers, profile, top=top)
        return match_cohort(p.scores, p.remaining, waited, newcomer_ids=p.newcomer_ids, mentor_ids=p.mentor_ids,
                            bridging=p.bridging)

    out["end_to_end"], _ = _median_time(end_to_end, args.repeat)
    out["end_to_end"]["target_s"] = TARGET_S
    days = dict(zip(newcomers, waited.tolist(), strict=True))

    def service() -> Any:  # what propose does after reading the settings and the days waited from the store
        return match_newcomers(index, newcomers, lambda kept: np.asarray([days[k] for k in kept]), profile, [])

    out["service"], res_svc = _median_time(service, args.repeat)
    out["service"].update(target_s=TARGET_S, candidates=CANDIDATES, matched=res_svc.summary.matched,
                          total_score=res_svc.summary.total_score)
    if args.reference == "lap":
        ref_lap = reference_lap(data)
        w = np.unique(waited, return_inverse=True)[1] + 1
        row = {nid: i for i, nid in enumerate(pairs.newcomer_ids)}
        weight = int(sum(w[row[p.newcomer_id]] for p in res.pairs))
        ref_lap["agree"] = ref_lap["cardinality"] == res.summary.matched and ref_lap["priority_weight"] == weight
        out["reference_lap"] = ref_lap
    out["loadavg_after"] = list(os.getloadavg())
    return out


def report(out: dict[str, Any]) -> None:
    mc, a = out["machine"], out["args"]
    print(f"machine: {os.cpu_count()} cpus, {mc['cpu_model']}, load before {[round(x, 2) for x in mc['loadavg']]}, "
          f"after {[round(x, 2) for x in out['loadavg_after']]}; git {out['git']}")
    print(f"instance: {a['newcomers']:,} newcomers x {a['mentors']:,} mentors, ~{a['knows']} KNOWS per person, "
          f"{out['nodes']:,} nodes, {out['edges']:,} edges (graph made in {out['graph_s']} s, untimed)")
    top = a["top"] or None
    ref, full, mc_ = out["reference"], out["score_pairs_all"], out["match_cohort"]
    rows = [
        ("MatchingIndex.build", out["index_build"], ""),
        ("score_pairs, all pairs", full, f"{full['entries']:,} entries, {full['not_eligible']} not eligible"),
    ]
    if top is not None:
        rows.append((f"score_pairs, top={top}", out["score_pairs_top"], f"{out['score_pairs_top']['entries']:,} entries"))
    rows += [
        (f"reference, {ref['newcomers']} newcomers", {"median_s": ref["seconds"], "runs_s": [ref["seconds"]],
                                                    "cpu_s": [ref["cpu_s"]]},
         f"same as batched: {ref['same_as_batched']}"),
        ("reference, EXTRAPOLATED to all", {"median_s": ref["extrapolated_s"], "runs_s": [], "cpu_s": []},
         f"all pairs: x{ref['extrapolated_s'] / full['median_s']:.1f} faster batched"),
        ("match_cohort optimal", mc_,
         f"{mc_['entries']:,} pairs; matched {mc_['matched']:,} of {a['newcomers']:,}, {mc_['slots']:,} slots"),
        (f"end to end (score top={top} + match)", out["end_to_end"],
         f"target < {TARGET_S} s: {'ok' if out['end_to_end']['median_s'] < TARGET_S else 'MISSED'}"),
        (f"propose's matching (top={out['service']['candidates']})", out["service"],
         (f"+ hidden pairs; matched {out['service']['matched']:,}; target < {TARGET_S} s: "
         f"{'ok' if out['service']['median_s'] < TARGET_S else 'MISSED'}")),
    ]
    print(f"{'step':<38} {'median s':>9}  {'runs s (wall)':<24} {'cpu s':<24} note")
    for name, t, note in rows:
        print(f"{name:<38} {t['median_s']:>9.3f}  {t['runs_s']!s:<24} {t['cpu_s']!s:<24} {note}")
    if "reference_lap" in out:
        print(f"optimum on the same candidate matrix: {describe_lap(out['reference_lap'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cohort", description=__doc__.split("\n\n")[0])
    parser.add_argument("--newcomers", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--knows", type=float, default=10.0, help="KNOWS per person, on average")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=30,
                        help="match on each newcomer's best K mentors (0: on all pairs; the solver then takes minutes)")
    parser.add_argument("--sample", type=int, default=200, help="newcomers for the per-newcomer reference (0: all)")
    parser.add_argument("--reference", choices=["lap", "none"], default="lap")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    out = run(args)
    report(out)
    if not args.no_json:
        path = write_results("cohort", out)
        print(f"wrote {path}")
    ok = out["reference"]["same_as_batched"] and out.get("reference_lap", {}).get("agree", True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
