"""The embedded store's SQL: the schema and every statement, named, in one place.

Nodes keep their flat record (see :mod:`graphsvc.model.records`) as JSON in ``props``;
``name_key`` is indexed for sorting and prefix search. Relationships point at nodes by
their integer ``nid`` (foreign keys with cascading deletes), keyed ``(src, type, dst)``
with a reverse index, so a node's relationships are found from both ends.
"""

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS nodes (
    nid        INTEGER PRIMARY KEY,
    label      TEXT NOT NULL,
    id         TEXT NOT NULL,
    name_key   TEXT,
    props      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (label, id)
) STRICT;
CREATE INDEX IF NOT EXISTS nodes_by_name ON nodes (label, name_key, id);
CREATE TABLE IF NOT EXISTS rels (
    src   INTEGER NOT NULL REFERENCES nodes (nid) ON DELETE CASCADE,
    type  TEXT NOT NULL,
    dst   INTEGER NOT NULL REFERENCES nodes (nid) ON DELETE CASCADE,
    props TEXT NOT NULL,
    PRIMARY KEY (src, type, dst)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rels_by_dst ON rels (dst, type, src);
CREATE TABLE IF NOT EXISTS tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    person_id  TEXT,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
"""

CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",  # an acknowledged commit survives power loss
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",  # erased data is overwritten, not left in free pages
    "PRAGMA busy_timeout = 10000",
    "PRAGMA cache_size = -65536",  # 64 MiB of page cache per connection
    "PRAGMA wal_autocheckpoint = 10000",  # checkpoint every ~40 MiB of WAL, not every 4 MiB
)

SET_META = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
GET_META = "SELECT value FROM meta WHERE key = ?"
DATA_VERSION = "PRAGMA data_version"

NODES_BY_IDS = """
SELECT label, props, created_at, updated_at FROM nodes
WHERE label = ? AND id IN (SELECT value FROM json_each(?))
"""

EXISTING_NODES = """
SELECT id, props, created_at, nid FROM nodes
WHERE label = ? AND id IN (SELECT value FROM json_each(?))
"""

UPSERT_NODE = """
INSERT INTO nodes (label, id, name_key, props, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (label, id) DO UPDATE
SET name_key = excluded.name_key, props = excluded.props, updated_at = excluded.updated_at
"""

DELETE_NODE = "DELETE FROM nodes WHERE label = ? AND id = ?"

NID = "(SELECT nid FROM nodes WHERE label = ? AND id = ?)"

# The plain per-row form, each end looked up by a subquery: what the store did before it
# resolved ends per batch (UPSERT_REL_BY_NID); bench/bulk_load.py's baseline runs it.
UPSERT_REL = f"""
INSERT INTO rels (type, src, dst, props) VALUES (?, {NID}, {NID}, ?)
ON CONFLICT (src, type, dst) DO UPDATE SET props = excluded.props
"""

NIDS_BY_IDS = "SELECT id, nid FROM nodes WHERE label = ? AND id IN (SELECT value FROM json_each(?))"

UPSERT_REL_BY_NID = """
INSERT INTO rels (src, type, dst, props) VALUES (?, ?, ?, ?)
ON CONFLICT (src, type, dst) DO UPDATE SET props = excluded.props
"""

GET_REL = f"SELECT props FROM rels WHERE type = ? AND src = {NID} AND dst = {NID}"

DELETE_REL = f"DELETE FROM rels WHERE type = ? AND src = {NID} AND dst = {NID}"

_REL_COLUMNS = "r.type, s.label, s.id, d.label, d.id, r.props"

EXPAND = f"""
WITH f(nid) AS (SELECT nid FROM nodes WHERE label = ? AND id IN (SELECT value FROM json_each(?))),
     t(type) AS (SELECT value FROM json_each(?))
SELECT {_REL_COLUMNS} FROM rels r JOIN nodes s ON s.nid = r.src JOIN nodes d ON d.nid = r.dst
WHERE r.src IN f AND r.type IN t
UNION ALL
SELECT {_REL_COLUMNS} FROM rels r JOIN nodes s ON s.nid = r.src JOIN nodes d ON d.nid = r.dst
WHERE r.dst IN f AND r.type IN t AND r.src NOT IN f
"""

SCAN_NODES = "SELECT label, props, created_at, updated_at FROM nodes WHERE label IN (SELECT value FROM json_each(?))"

SCAN_RELS = f"""
SELECT {_REL_COLUMNS} FROM rels r JOIN nodes s ON s.nid = r.src JOIN nodes d ON d.nid = r.dst
WHERE r.type IN (SELECT value FROM json_each(?))
"""

# Listing: the base query and the clauses a filter adds. Types and labels are constants.
LIST_BASE = "SELECT props, created_at, updated_at FROM nodes n WHERE n.label = ?"
COUNT_BASE = "SELECT count(*) FROM nodes n WHERE n.label = ?"
LIST_ROLE = " AND EXISTS (SELECT 1 FROM json_each(n.props, '$.roles') WHERE value = ?)"
_HAS_REL = " AND EXISTS (SELECT 1 FROM rels r WHERE r.src = n.nid AND r.type {type} AND r.dst = (SELECT nid FROM nodes WHERE label = '{label}' AND id = ?))"
LIST_LANGUAGE = _HAS_REL.format(type="= 'SPEAKS'", label="Language")
LIST_INTEREST = _HAS_REL.format(type="= 'INTERESTED_IN'", label="Interest")
LIST_NEIGHBORHOOD = _HAS_REL.format(type="IN ('LIVES_IN', 'LOCATED_IN')", label="Neighborhood")
LIST_ORGANIZATION = _HAS_REL.format(type="= 'AFFILIATED_WITH'", label="Organization")
LIST_DIRECTORY = " AND (json_extract(n.props, '$.consent__directory') = 1 OR n.id = ?)"
LIST_PREFIX = " AND n.name_key >= ? AND n.name_key < ?"
LIST_AFTER_NAME = " AND (n.name_key, n.id) > (?, ?)"
LIST_AFTER_ID = " AND n.id > ?"
LIST_ORDER_NAME = " ORDER BY n.name_key, n.id LIMIT ?"
LIST_ORDER_ID = " ORDER BY n.id LIMIT ?"

PERSON_NID = "SELECT nid FROM nodes WHERE label = 'Person' AND id = ?"
MENTORSHIPS_OF = "SELECT dst FROM rels WHERE src = ? AND type IN ('MENTOR_IN', 'MENTEE_IN')"
COUNT_RELS_OF = """
SELECT count(*) FROM rels
WHERE src IN (SELECT value FROM json_each(?)) OR dst IN (SELECT value FROM json_each(?))
"""
DELETE_NIDS = "DELETE FROM nodes WHERE nid IN (SELECT value FROM json_each(?))"
CHECKPOINT_TRUNCATE = "PRAGMA wal_checkpoint(TRUNCATE)"
CLEAR = "DELETE FROM rels; DELETE FROM nodes;"

_TOKEN_COLUMNS = "id, hash, role, person_id, name, created_at, revoked_at"
INSERT_TOKEN = f"INSERT INTO tokens ({_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
TOKEN_BY_HASH = f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE hash = ?"
REVOKE_TOKEN = "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"
LIST_TOKENS = f"SELECT {_TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id"

GET_SETTING = "SELECT value FROM settings WHERE key = ?"
PUT_SETTING = """
INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
"""
