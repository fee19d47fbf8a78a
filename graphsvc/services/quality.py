"""How good are the suggestions? Against planted answers, next to baselines, and per group.

:func:`evaluate_suggestions` ranks mentors for every newcomer of an answer file three ways
in the same run: graphsvc's suggestions, random eligible mentors, and shared-interest
Jaccard alone, each over the same eligible mentors (consent to matching and a free
place). It reports precision, recall and NDCG at ``k``.

:func:`fairness_report` gives the median score of each newcomer's best suggestion:
- per language group (the newcomer's native language, folded to its macrolanguage);
- per origin community, read only for newcomers who consented to their origin being used
  for *reporting*.

A coordinator can see from it whether one group is served systematically worse.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from graphsvc.analysis import MatchingIndex, NotEligible, ProgramProfile, suggest
from graphsvc.analysis.eligibility import available_mentors
from graphsvc.analysis.evaluation import (
    evaluate,
    fairness,
    jaccard_ranker,
    median_gap,
    random_ranker,
)
from graphsvc.model import Label
from graphsvc.store.base import Store
from graphsvc.store.types import ProjectionSpec


def read_answers(path: Path) -> dict[str, set[str]]:
    """An answer file (JSON lines ``{"newcomer": ..., "mentor": ...}``) as newcomer -> mentors."""
    truth: dict[str, set[str]] = {}
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                truth.setdefault(row["newcomer"], set()).add(row["mentor"])
    return truth


def _eligible(index: MatchingIndex) -> list[str]:
    ok = available_mentors(index)
    return [m for j, m in enumerate(index.mentor_ids) if ok[j]]


def _ours(index: MatchingIndex, profile: ProgramProfile, k: int) -> Any:
    def rank(newcomer: str) -> list[str]:
        try:
            return [s.mentor_id for s in suggest(index, newcomer, profile, k)]
        except NotEligible:
            return []

    return rank


def evaluate_suggestions(index: MatchingIndex, truth: dict[str, set[str]], profile: ProgramProfile, *, k: int = 5,
                         seed: int = 1) -> dict[str, dict[str, float]]:
    """graphsvc against two baselines on the same newcomers and eligible mentors."""
    eligible = _eligible(index)
    rankers = {
        "graphsvc": _ours(index, profile, k),
        "random eligible mentor": random_ranker(index.G, eligible, seed),
        "shared-interest Jaccard": jaccard_ranker(index.G, eligible),
    }
    return evaluate(rankers, truth, k=k)


def _native_group(index: MatchingIndex, person: str) -> str | None:
    """The person's community as the index defines it: their native language, folded to its macrolanguage."""
    code = index.community["native_language"][index.person_pos[person]]
    return index.community_names["native_language"][code] if code >= 0 else None


def fairness_report(store: Store, index: MatchingIndex, newcomers: Iterable[str], profile: ProgramProfile) -> dict[str, Any]:
    """Median best-suggestion score per language group and per (consented) origin community."""
    best: dict[str, float] = {}
    for n in newcomers:
        try:
            found = suggest(index, n, profile, 1)
        except NotEligible:
            continue
        best[n] = found[0].score if found else 0.0
    language = {n: g for n in best if (g := _native_group(index, n)) is not None}
    reporting = store.project(ProjectionSpec(labels=frozenset({Label.PERSON}), rel_types=frozenset(), purpose="reporting"))
    origin = {n: c for n in best
              if (c := (reporting.nodes.get(f"Person:{n}", {}).get("sensitive") or {}).get("origin_country"))}
    by_language, by_origin = fairness(language, best), fairness(origin, best)
    return {
        "newcomers": len(best),
        "by_language": by_language, "language_gap": median_gap(by_language, min_n=10),
        "by_origin": by_origin, "origin_gap": median_gap(by_origin, min_n=10),
        "origin_consented": len(origin),
    }
