"""Pure analysis of a NetworkX projection: no I/O, no store, no GraphQL.

Mentor suggestions (this package's scoring model):

- :mod:`~graphsvc.analysis.profile`: :class:`ProgramProfile`, the weights and rules;
- :mod:`~graphsvc.analysis.languages`: macrolanguage membership (ISO 639-3), proficiency;
- :mod:`~graphsvc.analysis.goals`: goals against occupation (ISCO-08), education, affiliations;
- :mod:`~graphsvc.analysis.features`: :class:`MatchingIndex`, a projection read into arrays;
- :mod:`~graphsvc.analysis.factors`: the seven factor values, vectorized over mentors;
- :mod:`~graphsvc.analysis.eligibility`: the hard filters and :class:`NotEligible`;
- :mod:`~graphsvc.analysis.facts`, :mod:`~graphsvc.analysis.explain`: reasons, as data and as text;
- :mod:`~graphsvc.analysis.suggest`: :func:`suggest`, :func:`score_pairs`, :func:`explain_pair`.

Examples
--------
>>> from graphsvc.analysis import MatchingIndex, ProgramProfile, suggest
>>> profile = ProgramProfile(bridging=0.2)
"""

from graphsvc.analysis.eligibility import Exclusions, NotEligible
from graphsvc.analysis.facts import Facts
from graphsvc.analysis.features import MatchingIndex
from graphsvc.analysis.profile import DEFAULT_WEIGHTS, FACTORS, ProgramProfile
from graphsvc.analysis.suggest import (
    SCORE_EPSILON,
    PairScores,
    Suggestion,
    explain_pair,
    score_pairs,
    suggest,
)

__all__ = [
    "DEFAULT_WEIGHTS", "FACTORS", "SCORE_EPSILON", "Exclusions", "Facts", "MatchingIndex", "NotEligible",
    "PairScores", "ProgramProfile", "Suggestion", "explain_pair", "score_pairs", "suggest",
]
