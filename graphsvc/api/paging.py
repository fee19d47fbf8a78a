"""Relay connections built from store pages and from a person's acquaintances."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from graphsvc.api.context import Context, call
from graphsvc.api.selection import selected
from graphsvc.api.types import (
    PREFETCHABLE,
    Acquaintance,
    Connection,
    Edge,
    PageInfo,
    Person,
    wrap,
)
from graphsvc.errors import InvalidInputError
from graphsvc.model import Label, Rel, RelType
from graphsvc.model.relationships import acquaintance_rank
from graphsvc.store import NodeFilter, Order
from graphsvc.store.base import MAX_PAGE
from graphsvc.store.types import decode_cursor, encode_cursor


def check_first(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInputError(f"must be from 1 to {MAX_PAGE}", field="first", value=first)


async def node_connection(info: Info, label: Label, flt: NodeFilter, first: int, after: str | None, order: Order) -> Connection[Any]:
    ctx: Context = info.context
    check_first(first)
    if label is Label.PERSON and (viewer := ctx.policy.directory_viewer()) is not None:
        flt = NodeFilter(**{**flt.__dict__, "directory_or": viewer})
    page = await call(ctx.store.list_nodes, label, flt, first=first, after=after, order=order)
    fields = PREFETCHABLE.get(label, {})
    if wanted := dict(fields[f.name] for f in selected(info, "edges", "node") if f.name in fields):
        await ctx.around(label, [n.id for n in page.items], wanted)  # one store call for the page's links
    edges = [Edge(node=wrap(n), cursor=c) for n, c in zip(page.items, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next_page, has_previous_page=after is not None,
                           start_cursor=page.cursors[0] if page.cursors else None, end_cursor=page.end_cursor),
        counter=lambda: call(ctx.store.count_nodes, label, flt),
    )


async def acquaintances(info: Info, person_id: str, first: int, after: str | None, min_trust: float) -> Connection[Acquaintance]:
    """A person's acquaintances, most trusted first, then by id; cursor = (trust, id). The
    first page is read from the most trusted loaded ahead (:meth:`Context.trusted_now`) when
    they are enough; otherwise, and after a cursor, from all of them."""
    ctx: Context = info.context
    check_first(first)
    edges = None
    if after is None and (trusted := ctx.trusted_now(person_id)) is not None:
        rels, everyone = trusted
        ranked = _ranked(rels, person_id, min_trust)
        edges = await _edges(ctx, ranked, first)
        # ranked by trust: where one is below min_trust, so are all the others
        if len(edges) <= first and not (everyone or len(ranked) < len(rels)):
            edges = None  # some of them are hidden from the caller: read on
    if edges is None:
        ranked = _ranked(await ctx.rels(Label.PERSON, person_id, frozenset({RelType.KNOWS})), person_id, min_trust)
        if after:
            key, id = decode_cursor(after)
            ranked = [t for t in ranked if (t[0], t[1]) > (float(key or 0), id)]
        edges = await _edges(ctx, ranked, first)
    return Connection(
        edges=edges[:first],
        page_info=PageInfo(has_next_page=len(edges) > first, has_previous_page=after is not None,
                           start_cursor=edges[0].cursor if edges else None, end_cursor=edges[:first][-1].cursor if edges else None),
    )


def _ranked(rels: list[Rel], person_id: str, min_trust: float) -> list[tuple[float, str, Rel]]:
    """(rank, other person, relationship), in rank order, of those trusted at least ``min_trust``."""
    return sorted(((*acquaintance_rank(r, person_id), r) for r in rels if float(r.props.get("trust", 0.5)) >= min_trust),
                  key=lambda t: t[:2])


async def _edges(ctx: Context, ranked: list[tuple[float, str, Rel]], first: int) -> list[Edge[Acquaintance]]:
    """The first ``first`` + 1 of the ranked the caller may see (one more: is there a next page?)."""
    edges: list[Edge[Acquaintance]] = []
    start = 0
    while len(edges) <= first and start < len(ranked):  # load in batches; hidden people are skipped
        chunk = ranked[start:start + first + 1 - len(edges)]
        start += len(chunk)
        nodes = await ctx.nodes_or_none(Label.PERSON, [other for _, other, _ in chunk])
        for (neg_trust, other, rel), node in zip(chunk, nodes, strict=True):
            if node is not None:
                edges.append(Edge(
                    node=Acquaintance(person=Person(model=node), trust=-neg_trust, context=rel.props.get("context"), since=rel.props.get("since")),
                    cursor=encode_cursor(repr(neg_trust), other),
                ))
    return edges
