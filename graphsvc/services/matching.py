"""Mentor matching as use cases: the program profile, suggestions, cohort proposals,
accepting them into mentorships, ending mentorships.

The analysis is pure (:mod:`graphsvc.analysis`); this module reads the store, keeps the
analysis index warm, and writes what a coordinator accepts. Profiles and exclusions are
program settings (:meth:`Store.get_setting`), validated on the way in and out.

Freshness: the :class:`MatchingIndex` is built from a projection and cached by
:class:`IndexCache` for at most ``ttl`` seconds (60 by default); every write through
this service (and the API's mutations) clears it. Accepting always re-reads what it
checks (people, consent, capacity) from the store, so a stale index can make a proposal
out of date, never an accepted mentorship wrong.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graphsvc.analysis import (
    SCORE_EPSILON,
    MatchingIndex,
    NotEligible,
    PairScores,
    ProgramProfile,
    Suggestion,
    explain_pair,
    score_pairs,
    suggest,
)
from graphsvc.analysis.eligibility import available_mentors
from graphsvc.analysis.matching import MatchingResult, UnmatchedReason, match_cohort
from graphsvc.errors import ConflictError, InvalidInputError, NotFoundError
from graphsvc.model import (
    EndReason,
    Label,
    Mentorship,
    MentorshipStatus,
    Person,
    RelType,
    Role,
    parse_rel,
)
from graphsvc.store.base import Store
from graphsvc.store.types import ProjectionSpec

PROFILE_KEY = "matching.profile"
EXCLUSIONS_KEY = "matching.exclusions"

#: What the scoring model reads: people and what describes them, their places and mentorships.
MATCHING_PROJECTION = ProjectionSpec(
    labels=frozenset({Label.PERSON, Label.LANGUAGE, Label.INTEREST, Label.NEIGHBORHOOD, Label.ORGANIZATION,
                      Label.INSTITUTION, Label.MENTORSHIP}),
    rel_types=frozenset({RelType.KNOWS, RelType.SPEAKS, RelType.INTERESTED_IN, RelType.LIVES_IN, RelType.AFFILIATED_WITH,
                         RelType.ADJACENT_TO, RelType.MENTOR_IN, RelType.MENTEE_IN}),
    purpose="matching",
)


# ---------------------------------------------------------------------------- settings


def load_profile(store: Store) -> ProgramProfile:
    """The program's profile, or the documented defaults if none was saved."""
    text = store.get_setting(PROFILE_KEY)
    return ProgramProfile() if text is None else ProgramProfile.model_validate_json(text)


def save_profile(store: Store, changes: dict[str, Any]) -> ProgramProfile:
    """Change some fields of the profile (validated; errors name the field)."""
    from pydantic import ValidationError

    current = load_profile(store).model_dump(mode="json")
    try:
        profile = ProgramProfile.model_validate({**current, **changes})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or None
        raise InvalidInputError(first["msg"], field=where, value=first.get("input") if where else None) from None
    store.put_setting(PROFILE_KEY, profile.model_dump_json())
    return profile


def load_exclusions(store: Store) -> list[tuple[str, str | None]]:
    """Coordinators' exclusions: (mentor, newcomer) pairs; newcomer None excludes the mentor for everyone."""
    text = store.get_setting(EXCLUSIONS_KEY)
    return [(m, n) for m, n in json.loads(text)] if text else []


def set_exclusion(store: Store, mentor: str, newcomer: str | None, excluded: bool) -> list[tuple[str, str | None]]:
    current = set(load_exclusions(store))
    (current.add if excluded else current.discard)((mentor, newcomer))
    ordered = sorted(current, key=lambda p: (p[0], p[1] or ""))
    store.put_setting(EXCLUSIONS_KEY, json.dumps(ordered))
    return ordered


def _exclusions(pairs: Iterable[tuple[str, str | None]]) -> list[str | tuple[str, str]]:
    return [m if n is None else (n, m) for m, n in pairs]


# ---------------------------------------------------------------------------- the warm index


class IndexCache:
    """The analysis index of one store, rebuilt when older than ``ttl`` or cleared. A build
    that a write overtook (``clear`` during it) is used once but never kept."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._built: tuple[float, MatchingIndex] | None = None
        self._generation = 0

    def get(self, store: Store) -> MatchingIndex:
        with self._lock:
            if self._built is not None and time.monotonic() - self._built[0] < self.ttl:
                return self._built[1]
            generation = self._generation
        index = build_index(store)
        with self._lock:
            if generation == self._generation:
                self._built = (time.monotonic(), index)
        return index

    def clear(self) -> None:
        with self._lock:
            self._built = None
            self._generation += 1


def projection(store: Store) -> nx.Graph:
    return store.project(MATCHING_PROJECTION)


def build_index(store: Store) -> MatchingIndex:
    return MatchingIndex.build(projection(store))


# ---------------------------------------------------------------------------- suggestions


def suggestions(store: Store, index: MatchingIndex, newcomer: str, k: int | None = None,
                profile: ProgramProfile | None = None) -> list[Suggestion]:
    """The top ``k`` mentors for a newcomer with the program's profile and exclusions."""
    profile = profile or load_profile(store)
    return suggest(index, newcomer, profile, k, exclusions=_exclusions(load_exclusions(store)))


# ---------------------------------------------------------------------------- cohort matching


@dataclass(frozen=True)
class Proposal:
    """A cohort matching proposal: nothing of it is stored until it is accepted."""

    result: MatchingResult
    profile: ProgramProfile
    index: MatchingIndex
    exclusions: list[str | tuple[str, str]] = field(default_factory=list)

    def explain(self, newcomer: str, mentor: str) -> Suggestion:
        return explain_pair(self.index, newcomer, mentor, self.profile, exclusions=self.exclusions)

    def explanations(self) -> dict[tuple[str, str], str]:
        """The sentence for every proposed pair, by (newcomer, mentor)."""
        return {(p.newcomer_id, p.mentor_id): self.explain(p.newcomer_id, p.mentor_id).explanation for p in self.result.pairs}


def waiting_newcomers(index: MatchingIndex) -> list[str]:
    """Newcomers who may be matched now: NEWCOMER role, matching consent, no active mentorship."""
    G = index.G
    active = _active_mentees(G)
    return sorted(
        data["id"] for key, data in G.nodes(data=True)
        if data.get("label") == "Person" and "NEWCOMER" in data.get("roles", ())
        and (data.get("consent") or {}).get("matching") and data["id"] not in active
    )


def _active_mentees(G: nx.Graph) -> set[str]:
    active = set()
    for key, data in G.nodes(data=True):
        if data.get("label") == "Mentorship" and data.get("status") == MentorshipStatus.ACTIVE.value:
            for other in G.neighbors(key):
                if G.edges[key, other].get("type") == RelType.MENTEE_IN.value:
                    active.add(G.nodes[other]["id"])
    return active


def waited_days(store: Store, index: MatchingIndex, newcomers: Sequence[str], today: date) -> np.ndarray:
    """Days each newcomer has waited: since their record was created, or since their last
    mentorship ended, whichever is later."""
    people = store.get_many(Label.PERSON, newcomers)
    last_end: dict[str, date] = {}
    G = index.G
    for key, data in G.nodes(data=True):
        if data.get("label") == "Mentorship" and data.get("ended_at"):
            ended = date.fromisoformat(str(data["ended_at"]))
            for other in G.neighbors(key):
                if G.edges[key, other].get("type") == RelType.MENTEE_IN.value:
                    who = G.nodes[other]["id"]
                    last_end[who] = max(ended, last_end.get(who, ended))
    days = []
    for n in newcomers:
        person = people.get(n)
        since = person.created_at.date() if person is not None and person.created_at else today
        if n in last_end:
            since = max(since, last_end[n])
        days.append(max(0, (today - since).days))
    return np.asarray(days, dtype=np.int64)


#: Each newcomer's best eligible mentors that form the candidate graph of a cohort matching.
CANDIDATES = 50


def propose(store: Store, index: MatchingIndex, newcomers: Sequence[str] | None = None, *,
            mode: Literal["optimal", "stable"] = "optimal", profile: ProgramProfile | None = None,
            today: date | None = None, candidates: int | None = CANDIDATES) -> Proposal:
    """Match newcomers (default: every newcomer waiting) to mentors within their free places.

    The candidate graph holds each newcomer's ``candidates`` best eligible mentors (all of
    them with ``None``), and the matching is exact on it. Then, while a newcomer is left out
    and a mentor they are eligible for still has a free place that the pruning hid, those
    pairs join the candidate graph and the matching is solved again; so no one goes
    unmatched while an eligible mentor has a free place."""
    profile = profile or load_profile(store)
    today = today or datetime.now(UTC).date()
    excl = _exclusions(load_exclusions(store))
    ids = list(dict.fromkeys(newcomers)) if newcomers is not None else waiting_newcomers(index)
    return Proposal(match_newcomers(index, ids, lambda kept: waited_days(store, index, kept, today), profile, excl,
                                    mode=mode, candidates=candidates), profile, index, excl)


def match_newcomers(index: MatchingIndex, ids: Sequence[str], waited: Callable[[list[str]], np.ndarray],
                    profile: ProgramProfile, excl: Sequence[str | tuple[str, str]], *,
                    mode: Literal["optimal", "stable"] = "optimal", candidates: int | None = CANDIDATES) -> MatchingResult:
    """:func:`propose`'s matching, with the days waited given by ``waited(newcomer ids)``
    (no store: the cohort benchmark times this)."""
    pairs = score_pairs(index, ids, profile, exclusions=excl, top=candidates)
    days = waited(list(pairs.newcomer_ids))
    scores, bridging = pairs.true_scores(), pairs.bridging
    result = _match(scores, bridging, pairs, days, mode)
    while candidates is not None:
        hidden = _hidden_pairs(index, profile, excl, pairs, scores, result)
        if hidden is None:
            break
        scores, bridging = (_with_entries(m, *hidden[:2], extra) for m, extra in ((scores, hidden[2]), (bridging, hidden[3])))
        result = _match(scores, bridging, pairs, days, mode)
    return result


def _hidden_pairs(index: MatchingIndex, profile: ProgramProfile, excl: Sequence[str | tuple[str, str]],
                  pairs: PairScores, scores: sp.csr_matrix,
                  result: MatchingResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The eligible pairs of a newcomer left out and a mentor with a free place that the
    candidate graph lacks, as (rows, columns, scores, bridging); ``None`` if there are none."""
    short = [u.newcomer_id for u in result.unmatched if u.reason is not UnmatchedReason.NO_ELIGIBLE_MENTOR]
    used = Counter(p.mentor_id for p in result.pairs)
    # the columns are the index's mentors (score_pairs without mentor_ids): consent and places
    available = available_mentors(index)
    free = [j for j, m in enumerate(pairs.mentor_ids) if available[j] and pairs.remaining[j] > used.get(m, 0)]
    if not short or not free:
        return None
    extra = score_pairs(index, short, profile, mentor_ids=[pairs.mentor_ids[j] for j in free], exclusions=excl)
    row_of = {k: i for i, k in enumerate(pairs.newcomer_ids)}
    coo, ext = extra.scores.tocoo(), extra.bridging.tocoo()
    rows = np.asarray([row_of[k] for k in short], dtype=np.int64)[coo.row]
    cols = np.asarray(free, dtype=np.int64)[coo.col]
    new = ~_stored(scores, rows, cols)
    if not new.any():
        return None
    return rows[new], cols[new], np.maximum(coo.data[new] - SCORE_EPSILON, 0.0), ext.data[new]


def _keys(matrix: sp.csr_matrix) -> np.ndarray:
    """``row * columns + column`` of every stored entry, ascending (canonical CSR)."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return rows * matrix.shape[1] + matrix.indices


def _stored(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Whether each (row, column) is a stored entry of ``matrix`` (an explicit zero counts)."""
    keys, want = _keys(matrix), rows * matrix.shape[1] + cols
    at = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
    return (keys[at] == want) if len(keys) else np.zeros(len(want), dtype=bool)


def _with_entries(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> sp.csr_matrix:
    """``matrix`` with new entries (none of them stored yet), explicit zeros kept."""
    keys = np.concatenate((_keys(matrix), rows * matrix.shape[1] + cols))
    data = np.concatenate((matrix.data, values.astype(matrix.dtype)))
    order = np.argsort(keys, kind="stable")
    keys, data = keys[order], data[order]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(keys // matrix.shape[1], minlength=matrix.shape[0]))))
    return sp.csr_matrix((data, keys % matrix.shape[1], indptr), shape=matrix.shape)


def _match(scores: Any, bridging: Any, pairs: Any, waited: np.ndarray, mode: Literal["optimal", "stable"]) -> MatchingResult:
    return match_cohort(scores, pairs.remaining, waited, newcomer_ids=pairs.newcomer_ids,
                        mentor_ids=pairs.mentor_ids, bridging=bridging, mode=mode)


# ---------------------------------------------------------------------------- lifecycle


def mentorship_id(newcomer: str, mentor: str, started: date) -> str:
    return f"mentorship:{newcomer}:{mentor}:{started.isoformat()}"


def _mentorships(store: Store, people: Sequence[str], rel: RelType) -> dict[str, list[Mentorship]]:
    """Each person's mentorships (as mentor or as mentee), as stored now."""
    grouped = store.relationships_of([(Label.PERSON, p) for p in people], [rel])
    found = store.get_many(Label.MENTORSHIP, sorted({r.end for rels in grouped.values() for r in rels}))
    return {key[1]: [found[r.end] for r in rels if r.end in found] for key, rels in grouped.items()}  # type: ignore[misc]


def _active(mentorships: Iterable[Mentorship]) -> int:
    return sum(1 for m in mentorships if m.status is MentorshipStatus.ACTIVE)


#: Accepting checks and then writes; within one process, accepts take turns, so two of them
#: cannot both take a mentor's last place. (Across processes, the check and the write are
#: two transactions: run cohort acceptance from one place.)
_ACCEPTING = threading.Lock()


def accept(store: Store, pairs: Sequence[tuple[str, str, float | None, str | None]], *, today: date | None = None,
           profile: ProgramProfile | None = None) -> list[Mentorship]:
    """Create active mentorships for (newcomer, mentor, score, reason) pairs, all in one
    transaction, after checking against the store as it is now:
    - both people exist, with their roles and matching consent;
    - each newcomer appears once and has no active mentorship;
    - no mentor goes over capacity;
    - no earlier mentorship of the pair ended for a reason the profile excludes.

    Any failure names the row and stores nothing."""
    today = today or datetime.now(UTC).date()
    profile = profile or load_profile(store)
    if not pairs:
        raise InvalidInputError("nothing to accept", field="pairs")
    newcomers = [p[0] for p in pairs]
    mentors = sorted({p[1] for p in pairs})
    with _ACCEPTING:
        people = store.get_many(Label.PERSON, sorted({*newcomers, *mentors}))
        as_mentee = _mentorships(store, newcomers, RelType.MENTEE_IN)
        as_mentor = _mentorships(store, mentors, RelType.MENTOR_IN)
        load = dict.fromkeys(mentors, 0)
        seen: set[str] = set()
        nodes: list[Mentorship] = []
        rels = []
        for row, (n, m, score, reason) in enumerate(pairs):
            _check_person(people.get(n), n, Role.NEWCOMER, row, "newcomer")
            mentor = _check_person(people.get(m), m, Role.MENTOR, row, "mentor")
            if n in seen:
                raise InvalidInputError(f"'{n}' appears twice", field="newcomer", row=row, value=n)
            seen.add(n)
            if _active(as_mentee.get(n, ())):
                raise ConflictError(f"'{n}' already has an active mentorship", field="newcomer", row=row, value=n)
            load[m] += 1
            taken = _active(as_mentor.get(m, ()))
            if taken + load[m] > mentor.mentor_capacity:
                raise ConflictError(f"'{m}' has {mentor.mentor_capacity - taken} free place(s), fewer than proposed",
                                    field="mentor", row=row, value=m)
            ms_id = mentorship_id(n, m, today)
            together = {x.id for x in as_mentor.get(m, ())}
            for earlier in (x for x in as_mentee.get(n, ()) if x.id in together):
                if earlier.end_reason in profile.excluded_end_reasons:
                    raise NotEligible(f"an earlier mentorship of '{n}' with '{m}' ended for '{earlier.end_reason.value}'",
                                      reason="ended mentorship excludes rematching", field="mentor", row=row, value=m)
                if earlier.id == ms_id:
                    raise ConflictError(f"'{n}' and '{m}' already had a mentorship that started today", field="mentor", row=row, value=m)
            ms = Mentorship(id=ms_id, status=MentorshipStatus.ACTIVE, score=score,
                            reasons=(reason,) if reason else (), proposed_at=today, started_at=today)
            nodes.append(ms)
            rels += [parse_rel({"type": "MENTOR_IN", "start": m, "end": ms.id}), parse_rel({"type": "MENTEE_IN", "start": n, "end": ms.id})]
        store.write_batch(nodes, rels)
    return [store.get(Label.MENTORSHIP, ms.id) for ms in nodes]  # type: ignore[misc]


def _check_person(person: Person | None, id: str, role: Role, row: int, field: str) -> Person:
    if person is None:
        raise NotFoundError(f"no person '{id}'", field=field, row=row, value=id)
    if role not in person.roles:
        raise InvalidInputError(f"'{id}' is not a {role.value}", field=field, row=row, value=id)
    if not person.consent.matching:
        raise NotEligible(f"'{id}' has not consented to matching", reason="no matching consent", field=field, row=row, value=id)
    return person


def end_mentorship(store: Store, id: str, reason: EndReason, *, completed: bool = False, today: date | None = None) -> Mentorship:
    """End an active (or proposed) mentorship: ``completed`` when it ran its course, else
    ``ended`` with the reason. The mentor's place is free again and the newcomer may be
    matched anew (except with this mentor, if the reason is one the profile excludes)."""
    current = store.get(Label.MENTORSHIP, id)
    if current is None:
        raise NotFoundError(f"no mentorship '{id}'", field="id", value=id)
    if current.status in (MentorshipStatus.ENDED, MentorshipStatus.COMPLETED):  # type: ignore[union-attr]
        raise ConflictError(f"mentorship '{id}' is already {current.status.value}", field="id", value=id)  # type: ignore[union-attr]
    ended = current.model_copy(update={  # type: ignore[union-attr]
        "status": MentorshipStatus.COMPLETED if completed else MentorshipStatus.ENDED,
        "ended_at": today or datetime.now(UTC).date(), "end_reason": EndReason(reason),
        "created_at": None, "updated_at": None,
    })
    store.upsert(Mentorship.model_validate(ended.model_dump()))
    return store.get(Label.MENTORSHIP, id)  # type: ignore[return-value]
