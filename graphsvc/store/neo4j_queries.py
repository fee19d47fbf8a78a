"""Every Cypher statement of the Neo4j store, named and parameterized, in one place.

Labels and relationship types cannot be parameters in Cypher, so the statements that
need them are built here, once, from the model's :class:`Label` and :class:`RelType`
enums (never from input) and looked up by label or by ``(type, start, end)``.
"""

from __future__ import annotations

from functools import cache

from graphsvc.model import REL_SPECS, Label, RelType
from graphsvc.store.base import MAX_HOPS

RelShape = tuple[RelType, Label, Label]

#: Every (type, start label, end label) the model allows.
REL_SHAPES: tuple[RelShape, ...] = tuple(
    (t, s, e) for t, spec in REL_SPECS.items() for s in sorted(spec.start) for e in sorted(spec.end)
)

PING = "RETURN 1 AS ok"
AWAIT_INDEXES = "CALL db.awaitIndexes(300)"
CLEAR = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def _by_label(template: str) -> dict[Label, str]:
    return {label: template.replace("{label}", label.value) for label in Label}


def _by_shape(template: str) -> dict[RelShape, str]:
    return {
        (t, s, e): template.replace("{type}", t.value).replace("{start}", s.value).replace("{end}", e.value)
        for t, s, e in REL_SHAPES
    }


# Upsert by id: replace all properties, keep created_at, move updated_at only on change.
UPSERT_NODES = _by_label("""
UNWIND $rows AS row
MERGE (n:{label} {id: row.id})
WITH n, row, n.created_at AS created, n.updated_at AS updated
WITH n, row, created, updated,
     coalesce(properties(n) = row{.*, created_at: created, updated_at: updated}, false) AS same
SET n = row{.*, created_at: coalesce(created, $now), updated_at: CASE WHEN same THEN updated ELSE $now END}
RETURN sum(CASE WHEN created IS NULL THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN same THEN 1 ELSE 0 END) AS unchanged,
       count(*) AS total,
       collect(CASE WHEN created IS NULL THEN row.id END) AS new_ids
""")



def ids_param(label: Label) -> str:
    """The parameter holding the ids of ``label`` in :func:`fetch_nodes` and :func:`expand`."""
    return f"ids_{label.value}"


def ids_params(by_label: dict[Label, list[str]]) -> dict[str, list[str]]:
    return {ids_param(label): ids for label, ids in by_label.items()}


def _union(labels: frozenset[Label], branch: str) -> str:
    return "UNION ALL".join(
        branch.replace("{label}", label.value).replace("{ids}", ids_param(label)) for label in sorted(labels)
    )


# Reads answer a record holding a list, not a record per row: the driver handles each
# record in Python (~40 µs), while a list inside one is decoded by its Rust extension.
# Measured on a person's 35 relationships: 0.8 ms of client CPU instead of 1.8-2.3.


@cache
def fetch_nodes(labels: frozenset[Label]) -> str:
    """Nodes of several labels by id in one query: a branch per label, fed by ``$ids_<Label>``,
    each answering one record (see above)."""
    return _union(labels, """
UNWIND ${ids} AS id
MATCH (n:{label} {id: id})
RETURN '{label}' AS label, collect(properties(n)) AS found
""")


@cache
def count_nodes_by_id(labels: frozenset[Label]) -> str:
    """How many of these ids (by label, as for :func:`fetch_nodes`) are nodes: a row per label."""
    return _union(labels, """
UNWIND ${ids} AS id
MATCH (n:{label} {id: id})
RETURN count(n) AS found
""")


DELETE_NODE = _by_label("""
MATCH (n:{label} {id: $id})
DETACH DELETE n
RETURN count(*) AS deleted
""")

_WRITE_RELS = """
UNWIND $rows AS row
MATCH (a:{start} {id: row.start})
MATCH (b:{end} {id: row.end})
{verb} (a)-[r:{type}]->(b)
SET r = row.props
RETURN count(*) AS written
"""
UPSERT_RELS = _by_shape(_WRITE_RELS.replace("{verb}", "MERGE"))
# For relationships known to be new (an end was created by the same load, which has not
# written this relationship before): no MERGE, which reads the ends' relationships first.
CREATE_RELS = _by_shape(_WRITE_RELS.replace("{verb}", "CREATE"))

# Run only when UPSERT_RELS or CREATE_RELS wrote fewer rows than it was given: which row dangles?
FIND_DANGLING = _by_shape("""
UNWIND $rows AS row
OPTIONAL MATCH (a:{start} {id: row.start})
OPTIONAL MATCH (b:{end} {id: row.end})
WITH row, a, b
WHERE a IS NULL OR b IS NULL
RETURN row.i AS i, a IS NULL AS start_missing
ORDER BY i
LIMIT 1
""")

GET_REL = _by_shape("""
MATCH (:{start} {id: $start})-[r:{type}]->(:{end} {id: $end})
RETURN properties(r) AS props
""")

GET_RELS = _by_shape("""
UNWIND $pairs AS pair
MATCH (:{start} {id: pair[0]})-[r:{type}]->(:{end} {id: pair[1]})
RETURN collect([pair[0], pair[1], properties(r)]) AS found
""")

DELETE_REL = _by_shape("""
MATCH (:{start} {id: $start})-[r:{type}]->(:{end} {id: $end})
DELETE r
RETURN count(*) AS deleted
""")

# Listing: a query per label, order and set of filters, so that the common cases (no filter,
# a name prefix) walk the name_key (or id) index in order and stop after $limit, where one
# query with optional predicates (`$x IS NULL OR ...`) scans every node of the label and sorts.
LIST_FILTERS: dict[str, str] = {  # parameter -> predicate on n
    "role": "$role IN n.roles",
    "prefix": "n.name_key STARTS WITH $prefix",
    "language": "EXISTS { (n)-[:SPEAKS]->(:Language {id: $language}) }",
    "interest": "EXISTS { (n)-[:INTERESTED_IN]->(:Interest {id: $interest}) }",
    "neighborhood": "EXISTS { (n)-[:LIVES_IN|LOCATED_IN]->(:Neighborhood {id: $neighborhood}) }",
    "organization": "EXISTS { (n)-[:AFFILIATED_WITH]->(:Organization {id: $organization}) }",
    "directory_or": "(n.consent__directory = true OR n.id = $directory_or)",
}
_KEYSET = {  # (by name, after a cursor) -> predicate: also what lets the index give the order
    (True, False): "n.name_key >= ''",
    (True, True): "n.name_key >= $after_key AND (n.name_key > $after_key OR n.id > $after_id)",
    (False, False): "n.id >= ''",
    (False, True): "n.id > $after_id",
}


def _where(filters: frozenset[str], *extra: str) -> str:
    predicates = [LIST_FILTERS[f] for f in sorted(filters)] + list(extra)
    return f"WHERE {' AND '.join(predicates)}\n" if predicates else ""


@cache
def list_nodes(label: Label, by_name: bool, filters: frozenset[str], after: bool) -> str:
    """A page of ``label`` in name_key or id order, with the ``filters`` (keys of
    :data:`LIST_FILTERS`) that are set, after the keyset ``$after_key``/``$after_id``."""
    order = "n.name_key, n.id" if by_name else "n.id"
    return (f"MATCH (n:{label.value})\n{_where(filters, _KEYSET[(by_name, after)])}"
            f"WITH n ORDER BY {order} LIMIT $limit\nRETURN collect(properties(n)) AS page")


@cache
def count_nodes(label: Label, filters: frozenset[str]) -> str:
    """How many of ``label`` match; with no filter, Neo4j reads its count store."""
    return f"MATCH (n:{label.value})\n{_where(filters)}RETURN count(n) AS count"

@cache
def expand(labels: frozenset[Label], types: frozenset[RelType]) -> str:
    """Relationships of ``types`` touching any of the given nodes (``$ids_<Label>``), from
    either end, in one query. The types are in the pattern, so only they are traversed."""
    pattern = "|".join(sorted(t.value for t in types))
    return _union(labels, f"""
UNWIND ${{ids}} AS id
MATCH (n:{{label}} {{id: id}})-[r:{pattern}]-()
WITH DISTINCT r
RETURN collect([type(r), labels(startNode(r))[0], startNode(r).id, labels(endNode(r))[0], endNode(r).id, properties(r)]) AS rels
""")


_REL_ROW = "[type(r), labels(startNode(r))[0], startNode(r).id, labels(endNode(r))[0], endNode(r).id, properties(r)]"


@cache
def around(label: Label, types: frozenset[RelType]) -> str:
    """Nodes of ``label`` by id (``$ids``) with their relationships of ``types`` and the
    nodes at the other ends, one record: a person's acquaintances (KNOWS) ranked most
    trusted first, then by id, only the first ``$most_trusted`` (relationships and ends)."""
    parts, rels, ends = [], ["[]"], ["[]"]
    if others := "|".join(sorted(t.value for t in types if t is not RelType.KNOWS)):
        parts.append(f"""CALL (n) {{
  MATCH (n)-[r:{others}]-(m)
  RETURN collect({_REL_ROW}) AS rels, collect([labels(m)[0], properties(m)]) AS ends
}}""")
        rels.append("rels")
        ends.append("ends")
    if RelType.KNOWS in types:
        parts.append(f"""CALL (n) {{
  MATCH (n)-[r:KNOWS]-(m)
  WITH r, m ORDER BY coalesce(r.trust, 0.5) DESC, m.id LIMIT $most_trusted
  RETURN collect({_REL_ROW}) AS knows, collect([labels(m)[0], properties(m)]) AS trusted
}}""")
        rels.append("knows")
        ends.append("trusted")
    return f"""UNWIND $ids AS id
MATCH (n:{label.value} {{id: id}})
{chr(10).join(parts)}
RETURN collect([properties(n), {" + ".join(rels)}, {" + ".join(ends)}]) AS found
"""


# The shortest KNOWS paths, by hop limit (a pattern's bound cannot be a parameter), as id
# lists in lexicographic order (Cypher orders lists element by element, strings by code point).
SHORTEST_PATHS = {
    hops: f"""
MATCH (a:Person {{id: $a}}), (b:Person {{id: $b}})
MATCH p = allShortestPaths((a)-[:KNOWS*..{hops}]-(b))
WHERE all(n IN nodes(p) WHERE n = a OR n = b OR n.consent__intermediary = true)
WITH [n IN nodes(p) | n.id] AS ids
RETURN ids
ORDER BY ids
LIMIT $limit
"""
    for hops in range(1, MAX_HOPS + 1)
}

# The same search, each path with its hops' relationships as stored: one record.
PATHS_WITH_HOPS = {
    hops: f"""
MATCH (a:Person {{id: $a}}), (b:Person {{id: $b}})
MATCH p = allShortestPaths((a)-[:KNOWS*..{hops}]-(b))
WHERE all(n IN nodes(p) WHERE n = a OR n = b OR n.consent__intermediary = true)
WITH p, [n IN nodes(p) | n.id] AS ids
ORDER BY ids
LIMIT $limit
RETURN collect([ids, [r IN relationships(p) | [startNode(r).id, endNode(r).id, properties(r)]]]) AS paths
"""
    for hops in range(1, MAX_HOPS + 1)
}

SCAN_NODES = _by_label("""
MATCH (n:{label})
RETURN properties(n) AS props
""")

SCAN_RELS = _by_shape("""
MATCH (a:{start})-[r:{type}]->(b:{end})
RETURN a.id AS start, b.id AS end, properties(r) AS props
""")

ERASE_PERSON = """
MATCH (p:Person {id: $id})
OPTIONAL MATCH (p)-[:MENTOR_IN|MENTEE_IN]->(m:Mentorship)
WITH p, collect(DISTINCT m) AS mentorships
WITH [p] + mentorships AS doomed
CALL (doomed) {
  UNWIND doomed AS x
  MATCH (x)-[r]-()
  RETURN count(DISTINCT r) AS rels
}
UNWIND doomed AS x
DETACH DELETE x
RETURN count(x) AS nodes, rels
"""

# API tokens live beside the graph as :ApiToken nodes, never projected or listed as graph data.
SAVE_TOKEN = "CREATE (t:ApiToken) SET t = $record"
TOKEN_BY_HASH = "MATCH (t:ApiToken {hash: $hash}) RETURN properties(t) AS record"
REVOKE_TOKEN = """
MATCH (t:ApiToken {id: $id}) WHERE t.revoked_at IS NULL
SET t.revoked_at = $now
RETURN count(t) AS revoked
"""
LIST_TOKENS = "MATCH (t:ApiToken) RETURN properties(t) AS record ORDER BY t.created_at, t.id"


# Program settings (the program profile, exclusions) live beside the graph as :Setting nodes.
GET_SETTING = "MATCH (s:Setting {key: $key}) RETURN s.value AS value"
PUT_SETTING = "MERGE (s:Setting {key: $key}) SET s.value = $value, s.updated_at = $now"
