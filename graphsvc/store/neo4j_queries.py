"""Every Cypher statement of the Neo4j store, named and parameterized, in one place.

Labels and relationship types cannot be parameters in Cypher, so the statements that
need them are built here, once, from the model's :class:`Label` and :class:`RelType`
enums (never from input) and looked up by label or by ``(type, start, end)``.
"""

from __future__ import annotations

from graphsvc.model import REL_SPECS, Label, RelType

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
       count(*) AS total
""")

FETCH_NODES = _by_label("""
UNWIND $ids AS id
MATCH (n:{label} {id: id})
RETURN properties(n) AS props
""")

DELETE_NODE = _by_label("""
MATCH (n:{label} {id: $id})
DETACH DELETE n
RETURN count(*) AS deleted
""")

UPSERT_RELS = _by_shape("""
UNWIND $rows AS row
MATCH (a:{start} {id: row.start})
MATCH (b:{end} {id: row.end})
MERGE (a)-[r:{type}]->(b)
SET r = row.props
RETURN count(*) AS written
""")

# Run only when UPSERT_RELS wrote fewer rows than it was given: which row dangles?
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

DELETE_REL = _by_shape("""
MATCH (:{start} {id: $start})-[r:{type}]->(:{end} {id: $end})
DELETE r
RETURN count(*) AS deleted
""")

_LIST = """
MATCH (n:{label})
WHERE ($role IS NULL OR $role IN n.roles)
  AND ($prefix IS NULL OR n.name_key STARTS WITH $prefix)
  AND ($language IS NULL OR EXISTS { (n)-[:SPEAKS]->(:Language {id: $language}) })
  AND ($interest IS NULL OR EXISTS { (n)-[:INTERESTED_IN]->(:Interest {id: $interest}) })
  AND ($neighborhood IS NULL OR EXISTS { (n)-[:LIVES_IN|LOCATED_IN]->(:Neighborhood {id: $neighborhood}) })
  AND ($organization IS NULL OR EXISTS { (n)-[:AFFILIATED_WITH]->(:Organization {id: $organization}) })
  AND ($directory_or IS NULL OR n.consent__directory = true OR n.id = $directory_or)
"""
LIST_BY_NAME = _by_label(_LIST + """
  AND ($after_id IS NULL OR n.name_key > $after_key OR (n.name_key = $after_key AND n.id > $after_id))
RETURN properties(n) AS props
ORDER BY n.name_key, n.id
LIMIT $limit
""")
COUNT = _by_label(_LIST + """
RETURN count(n) AS count
""")
LIST_BY_ID = _by_label(_LIST + """
  AND ($after_id IS NULL OR n.id > $after_id)
RETURN properties(n) AS props
ORDER BY n.id
LIMIT $limit
""")

# Relationships of the chosen types touching any of the given nodes, from either end.
EXPAND = _by_label("""
UNWIND $ids AS id
MATCH (n:{label} {id: id})-[r]-()
WHERE type(r) IN $types
WITH DISTINCT r
RETURN type(r) AS type, labels(startNode(r))[0] AS start_label, startNode(r).id AS start,
       labels(endNode(r))[0] AS end_label, endNode(r).id AS end, properties(r) AS props
""")

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
