"""Round trips: whatever the model accepts, every store gives back unchanged.

Names come from many scripts (Arabic, Ge'ez for Tigrinya, Chinese, Cyrillic, emoji);
optional fields are empty or missing.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphsvc.model import (
    AffiliationRole,
    EndReason,
    Goal,
    InstitutionKind,
    InterestCategory,
    Label,
    MentorshipStatus,
    Node,
    OrganizationKind,
    Proficiency,
    Purpose,
    Role,
    TimeSlot,
    parse_node,
    parse_rel,
)
from graphsvc.store import Store
from tests.factories import without_timestamps

SCRIPTS = [
    st.characters(min_codepoint=0x0621, max_codepoint=0x064A),  # Arabic
    st.characters(min_codepoint=0x1200, max_codepoint=0x135A),  # Ge'ez (Tigrinya, Amharic)
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0x0400, max_codepoint=0x04FF),  # Cyrillic
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
]
names = st.text(st.one_of(*SCRIPTS), min_size=1, max_size=40).filter(lambda s: s.strip() == s and s)
counter = itertools.count()


def ids(prefix: str) -> st.SearchStrategy[str]:
    # unique per example, since Neo4j examples share one database between clears
    return st.builds(lambda s: f"{prefix}-{next(counter)}-{s}", st.text(st.one_of(*SCRIPTS[:5]), max_size=5))


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def opt(**kw: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """Optional, nullable fields: each missing, None or set."""
    return st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in kw.items()})


def absent_or(**kw: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """Fields with defaults that are not nullable: each missing or set."""
    return st.fixed_dictionaries({}, optional=kw)


def merged(*parts: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return st.tuples(*parts).map(lambda ds: {k: v for d in ds for k, v in d.items()})


dates = st.dates(date(1990, 1, 1), date(2030, 12, 31))
texts = st.text(st.one_of(*SCRIPTS), max_size=60).filter(lambda s: s.strip() == s)
subsets = lambda enum: st.frozensets(st.sampled_from(list(enum)))

STRATEGIES: dict[Label, st.SearchStrategy[dict]] = {
    Label.PERSON: merged(
        st.fixed_dictionaries({"id": ids("p"), "name": names}),
        absent_or(
            roles=subsets(Role), goals=subsets(Goal), availability=subsets(TimeSlot), mentor_capacity=st.integers(0, 50),
            consent=absent_or(matching=st.booleans(), intermediary=st.booleans(), directory=st.booleans(), sensitive_purposes=subsets(Purpose)),
        ),
        opt(
            arrival_date=dates, education_level=st.integers(0, 8),
            occupation=opt(isco08=st.from_regex(r"\A[0-9]{1,4}\Z"), title=names),
            contact=opt(email=st.sampled_from(["a@example.org", "ñandú@例え.jp", "x.y+z@example.com"]), phone=st.from_regex(r"\A\+?[0-9]{3,12}\Z")),
            sensitive=opt(origin_country=st.sampled_from(["SY", "ER", "AF", "UA", "VE", "PH"]), gender=texts, faith=texts),
        ),
    ),
    Label.ORGANIZATION: merged(
        st.fixed_dictionaries({"id": ids("o"), "name": names, "kind": st.sampled_from(list(OrganizationKind))}),
        opt(website=st.sampled_from(["https://example.org", "http://例え.jp/path?q=1"]), sector=names),
    ),
    Label.INSTITUTION: merged(
        st.fixed_dictionaries({"id": ids("i"), "name": names, "kind": st.sampled_from(list(InstitutionKind))}),
        opt(address=texts, hours=texts),
        absent_or(services=st.lists(names, max_size=3).map(tuple)),
        st.one_of(st.just({}), st.fixed_dictionaries({
            "latitude": st.floats(-90, 90, allow_nan=False), "longitude": st.floats(-180, 180, allow_nan=False)})),
    ),
    Label.INTEREST: merged(
        st.fixed_dictionaries({"id": st.builds(lambda s: f"i{next(counter)}-{s}", st.from_regex(r"\A[a-z0-9]{1,8}\Z")), "name": names}),
        absent_or(category=st.sampled_from(list(InterestCategory))),
    ),
    Label.LANGUAGE: merged(
        st.fixed_dictionaries({"id": st.sampled_from(["ara", "arz", "apc", "tir", "prs", "ukr", "spa", "tgl", "eng", "fra", "zho", "cmn"])}),
        opt(name=names),
    ),
    Label.NEIGHBORHOOD: merged(
        st.fixed_dictionaries({"id": ids("n"), "name": names}),
        opt(city=names, geometry=st.just({"type": "Polygon", "coordinates": [[[-73.6, 45.5], [-73.5, 45.5], [-73.5, 45.6], [-73.6, 45.5]]]})),
    ),
    Label.MENTORSHIP: st.fixed_dictionaries({"id": ids("m")}).flatmap(lambda base: st.one_of(
        merged(st.just(base), st.fixed_dictionaries({"status": st.sampled_from(["proposed", "active", "completed"])}),
               opt(score=st.floats(0, 10, allow_nan=False), proposed_at=dates, started_at=dates),
               absent_or(reasons=st.lists(texts, max_size=3).map(tuple))),
        merged(st.just(base), st.fixed_dictionaries({"status": st.just(MentorshipStatus.ENDED), "end_reason": st.sampled_from(list(EndReason)), "ended_at": dates})),
    )),
    Label.CIRCLE: merged(st.fixed_dictionaries({"id": ids("c"), "name": names}), opt(theme=texts)),
}


def _check(store: Store, label: Label, data: dict) -> Node:
    node = parse_node(label, data)
    store.upsert(node)
    got = store.get(label, node.id)
    assert got is not None
    assert without_timestamps(got) == node
    return node


@pytest.mark.parametrize("label", list(Label))
@given(data=st.data())
def test_node_round_trip(store: Store, label: Label, data: st.DataObject) -> None:
    _check(store, label, data.draw(STRATEGIES[label], label=str(label)))


@given(a=STRATEGIES[Label.PERSON], b=STRATEGIES[Label.PERSON], trust=st.floats(0, 1, allow_nan=False),
       context=maybe(texts), since=maybe(dates), level=st.sampled_from(list(Proficiency)), role=st.sampled_from(list(AffiliationRole)))
def test_relationship_props_round_trip(store: Store, a: dict, b: dict, trust: float, context: str | None, since: date | None,
                                       level: Proficiency, role: AffiliationRole) -> None:
    pa, pb = _check(store, Label.PERSON, a), _check(store, Label.PERSON, b)
    props = {k: v for k, v in {"trust": trust, "context": context, "since": since}.items() if v is not None}
    knows = parse_rel({"type": "KNOWS", "start": pb.id, "end": pa.id, "props": props})
    store.connect(knows)
    got = store.get_relationship(knows)
    assert got is not None and got.props == knows.props
    org = parse_node(Label.ORGANIZATION, {"id": f"org-{pa.id}", "name": "Org", "kind": "employer"})
    store.upsert(org)
    aff = parse_rel({"type": "AFFILIATED_WITH", "start": pa.id, "end": org.id, "end_label": "Organization", "props": {"role": role, "since": since}})
    store.connect(aff)
    assert store.get_relationship(aff) == aff
