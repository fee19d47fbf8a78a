"""``match_newcomers`` on pruned candidate graphs: the rounds that add hidden pairs.

Random projections (:func:`bench.cohort.synthetic_graph`) with few mentor places, matched
on each newcomer's 1-3 best candidates: afterwards no newcomer left out is eligible for a
mentor who still has a free place (checked against every eligible pair, unpruned), and the
capacities hold.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from bench.cohort import synthetic_graph
from graphsvc.analysis import MatchingIndex, ProgramProfile, score_pairs
from graphsvc.analysis.matching import UnmatchedReason
from graphsvc.services import matching as svc


@pytest.mark.parametrize("seed", [3, 11, 29])
@pytest.mark.parametrize("candidates", [1, 3])
def test_no_one_is_left_out_while_an_eligible_mentor_has_a_free_place(seed: int, candidates: int) -> None:
    index = MatchingIndex.build(synthetic_graph(180, 40, seed=seed, knows=4.0, hoods=12, interests=20, edge_cases=True))
    ids = [i for i in index.person_ids if i.startswith("n")]
    rng = np.random.default_rng(seed)
    waited = dict(zip(ids, rng.integers(0, 90, len(ids)).tolist(), strict=True))

    def days(kept: list[str]) -> np.ndarray:
        return np.asarray([waited[k] for k in kept])

    profile, excl = ProgramProfile(), [index.mentor_ids[0], (ids[1], index.mentor_ids[2])]
    pruned = svc.match_newcomers(index, ids, days, profile, excl, candidates=candidates)
    whole = svc.match_newcomers(index, ids, days, profile, excl, candidates=None)
    everything = score_pairs(index, ids, profile, exclusions=excl)
    used = Counter(p.mentor_id for p in pruned.pairs)
    free = {m for j, m in enumerate(everything.mentor_ids) if everything.remaining[j] > used[m]}
    assert all(used[m] <= everything.remaining[everything.mentor_ids.index(m)] for m in used)
    row = {k: i for i, k in enumerate(everything.newcomer_ids)}
    for u in pruned.unmatched:
        eligible = {everything.mentor_ids[j] for j in everything.scores[row[u.newcomer_id]].indices}
        assert not eligible & free, (u, eligible & free)
        assert (u.reason is UnmatchedReason.NO_ELIGIBLE_MENTOR) == (not eligible)
    assert pruned.summary.matched <= whole.summary.matched
