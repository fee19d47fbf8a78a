"""Bulk-load benchmark: ``Store.bulk_upsert`` against the plainest code into the same schema.

    .venv/bin/python -m bench.bulk_load [--people 100000] [--knows 1000000]
        [--stores sqlite,neo4j] [--neo4j-uri bolt://127.0.0.1:7697] [--repeat N]
        [--batch-size 5000] [--seed 42] [--profile]

A synthetic graph (people, ~40 languages, ~60 interests; SPEAKS, INTERESTED_IN and KNOWS)
is generated deterministically from ``--seed`` as graphsvc model objects, then loaded

* by the store: a fresh store, ``store.bulk_upsert(nodes, rels, batch_size=...)``;
* by a baseline: the same rows, pre-built before the clock starts, written with plain
  ``sqlite3.executemany`` of the store's own statements (SQLite) or plain driver
  ``session.execute_write`` of ``UNWIND ... MERGE ... SET`` (Neo4j), into the same schema,
  one transaction per batch of the same size.

Every timed load runs in a fresh subprocess (a worker mode of this module), so that its
peak RSS is its own; the data is generated inside the worker, before the clock starts.
Sides alternate order from one repeat to the next, and each side reports the median.
See bench/README.md for what is reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
NEO4J_TARGET_S = 60.0
RATIO_TARGET = 0.8
SIDES = ("baseline", "store")

# ---------------------------------------------------------------------------- data

FIRST_NAMES = (
    "Amina", "Omar", "Fatima", "Yusuf", "Layla", "Hassan", "Mariam", "Ahmed", "Zainab", "Ali",
    "Sofia", "Mateo", "Valentina", "Diego", "Camila", "Lucía", "José", "Ana", "Carlos", "María",
    "Wei", "Mei", "Jun", "Li", "Hao", "Xin", "Priya", "Arjun", "Ananya", "Rahul", "Deepa", "Vikram",
    "Olena", "Dmytro", "Iryna", "Oleksandr", "Kateryna", "Nguyễn", "Linh", "Minh", "Thảo",
    "Chidi", "Ngozi", "Emeka", "Aisha", "Kwame", "Abebe", "Tigist", "Samuel", "Grace", "Emma",
    "Liam", "Olivia", "Noah", "Zoë", "Chloé", "François", "Søren", "Ærin", "Björn", "Łukasz",
    "Małgorzata", "Şükrü", "Ayşe", "Mehmet", "Elif", "Reza", "Shirin", "Dariush", "Nasrin",
)
LAST_NAMES = (
    "Haddad", "Khalil", "Rahman", "Hussein", "Abdi", "Mohamed", "García", "Rodríguez", "López",
    "Martínez", "Hernández", "González", "Pérez", "Wang", "Li", "Zhang", "Chen", "Liu", "Patel",
    "Sharma", "Singh", "Kumar", "Gupta", "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko",
    "Nguyen", "Tran", "Le", "Pham", "Okafor", "Adeyemi", "Mensah", "Tesfaye", "Bekele", "Smith",
    "Brown", "Tremblay", "Roy", "Gagnon", "Côté", "Müller", "Schmidt", "Øvergaard", "Kowalski",
    "Nowak", "Wiśniewski", "Yılmaz", "Kaya", "Öztürk", "Demir", "Hosseini", "Ahmadi", "Karimi",
)
# (ISO 639-3 code, weight): a skewed mix, so that a few languages are dense nodes.
LANGUAGES = (
    ("eng", 40), ("fra", 12), ("spa", 10), ("ara", 9), ("arz", 3), ("apc", 3), ("zho", 2),
    ("cmn", 6), ("yue", 2), ("hin", 4), ("urd", 3), ("ben", 2), ("por", 3), ("rus", 3),
    ("deu", 2), ("ita", 2), ("tur", 3), ("fas", 3), ("prs", 2), ("pus", 1), ("tir", 2),
    ("amh", 2), ("som", 2), ("swa", 2), ("ukr", 4), ("pol", 2), ("ron", 1), ("vie", 2),
    ("tgl", 3), ("kor", 1), ("jpn", 1), ("tam", 2), ("pan", 2), ("guj", 1), ("yor", 1),
    ("hau", 1), ("ibo", 1), ("heb", 1), ("ell", 1), ("kmr", 1),
)
_INTEREST_NAMES = {
    "career": (
        "Software development", "Nursing", "Accounting", "Teaching", "Trades", "Entrepreneurship",
        "Data analysis", "Engineering", "Law", "Hospitality", "Retail", "Logistics", "Design",
        "Marketing", "Public service", "Research", "Medicine", "Pharmacy", "Social work", "Finance",
    ),
    "hobby": (
        "Football", "Cricket", "Basketball", "Chess", "Cooking", "Baking", "Gardening", "Hiking",
        "Cycling", "Photography", "Painting", "Music", "Dance", "Reading", "Film", "Knitting",
        "Board games", "Video games", "Yoga", "Running", "Swimming", "Fishing", "Calligraphy",
        "Poetry", "Theatre",
    ),
    "cause": (
        "Climate action", "Refugee support", "Food security", "Housing justice", "Youth mentoring",
        "Literacy", "Mental health", "Disability rights", "Women's rights", "Elder care",
        "Animal welfare", "Open data", "Public transit", "Community gardens", "Anti-racism",
    ),
}
INTERESTS = tuple(
    (unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("'", "").replace(" ", "-"), name, cat)
    for cat, names in _INTEREST_NAMES.items()
    for name in names
)
ISCO08 = ("2512", "2221", "2411", "2341", "7411", "1120", "2511", "2142", "2611", "5120", "5223",
          "8322", "2163", "2431", "2422", "2131", "2211", "2262", "2635", "2412", "9112", "3313")
COUNTRIES = ("SY", "AF", "UA", "IN", "CN", "PH", "NG", "ER", "ET", "SO", "IR", "IQ", "MX", "CO",
             "VE", "VN", "PK", "BD", "TR", "EG", "LB", "HT", "CD", "SD", "PL", "BR")
CONTEXTS = ("neighbour", "work", "language class", "faith community", "school", "sports club",
            "volunteering", "family friend", "mentorship program")


@dataclass
class Dataset:
    people: list[Any]
    languages: list[Any]
    interests: list[Any]
    speaks: list[Any]
    interested_in: list[Any]
    knows: list[Any]

    @property
    def nodes(self) -> list[Any]:
        return [*self.people, *self.languages, *self.interests]

    @property
    def rels(self) -> list[Any]:
        return [*self.speaks, *self.interested_in, *self.knows]

    def counts(self) -> dict[str, int]:
        return {
            "Person": len(self.people), "Language": len(self.languages), "Interest": len(self.interests),
            "SPEAKS": len(self.speaks), "INTERESTED_IN": len(self.interested_in), "KNOWS": len(self.knows),
        }


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _person_data(i: int, rng: random.Random) -> dict[str, Any]:
    from graphsvc.model import Goal, Purpose, TimeSlot

    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    roles = [r for r, p in (("NEWCOMER", 0.5), ("RESIDENT", 0.35), ("MENTOR", 0.2), ("PROFESSIONAL", 0.15)) if rng.random() < p]
    roles = roles or ["RESIDENT"]
    data: dict[str, Any] = {
        "id": f"p{i:07d}",
        "name": f"{first} {last}",
        "roles": roles,
        "goals": rng.sample(list(Goal), rng.randint(0, 3)),
        "availability": rng.sample(list(TimeSlot), rng.randint(0, 5)),
        "consent": {
            "matching": rng.random() < 0.8,
            "intermediary": rng.random() < 0.6,
            "directory": rng.random() < 0.5,
            "sensitive_purposes": [Purpose.MATCHING] if rng.random() < 0.2 else [],
        },
    }
    if "NEWCOMER" in roles:
        data["arrival_date"] = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
    if "MENTOR" in roles:
        data["mentor_capacity"] = rng.randint(1, 5)
    if rng.random() < 0.4:
        data["occupation"] = {"isco08": rng.choice(ISCO08)}
    if rng.random() < 0.7:
        data["education_level"] = rng.randint(0, 8)
    if rng.random() < 0.6:
        contact: dict[str, str] = {"email": f"{_ascii(first)}.{_ascii(last)}{i}@mail.example.org"}
        if rng.random() < 0.5:
            contact["phone"] = f"+1 {rng.randint(200, 999)} 555 {rng.randint(0, 9999):04d}"
        data["contact"] = contact
    if rng.random() < 0.25:
        data["sensitive"] = {"origin_country": rng.choice(COUNTRIES)}
    return data


def generate(n_people: int, n_knows: int, seed: int) -> tuple[Dataset, dict[str, float]]:
    """The synthetic graph, as validated graphsvc model objects, and how long each part took."""
    from graphsvc.model import Interest, Language, Person, Rel

    if n_people < 2:
        raise SystemExit("--people must be at least 2")
    if n_knows > n_people * (n_people - 1) // 2:
        raise SystemExit(f"--knows {n_knows} is more than the {n_people * (n_people - 1) // 2} pairs {n_people} people have")
    rng = random.Random(seed)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    people = [Person.model_validate(_person_data(i, rng)) for i in range(n_people)]
    languages = [Language(id=code) for code, _ in LANGUAGES]
    interests = [Interest(id=slug, name=name, category=cat) for slug, name, cat in INTERESTS]
    timings["nodes_s"] = time.perf_counter() - t

    t = time.perf_counter()
    codes = [code for code, _ in LANGUAGES]
    weights = [w for _, w in LANGUAGES]
    levels = ("native", "fluent", "conversational", "basic")
    speaks, interested = [], []
    for p in people:
        spoken: dict[str, None] = {}
        k = rng.randint(1, 3)
        while len(spoken) < k:
            spoken[rng.choices(codes, weights)[0]] = None
        for j, code in enumerate(spoken):
            level = "native" if j == 0 else rng.choice(levels)
            speaks.append(Rel.model_validate({"type": "SPEAKS", "start": p.id, "end": code, "props": {"level": level}}))
        for slug, _, _ in rng.sample(INTERESTS, rng.randint(0, 4)):
            interested.append(Rel.model_validate({"type": "INTERESTED_IN", "start": p.id, "end": slug}))
    timings["speaks_interests_s"] = time.perf_counter() - t

    t = time.perf_counter()
    ids = [p.id for p in people]
    seen: set[int] = set()
    pairs: list[tuple[int, int]] = []
    randrange = rng.randrange
    while len(pairs) < n_knows:
        a, b = randrange(n_people), randrange(n_people)
        if a == b:
            continue
        lo, hi = (a, b) if a < b else (b, a)
        key = lo * n_people + hi
        if key in seen:
            continue
        seen.add(key)
        pairs.append((a, b))
    del seen
    timings["knows_pairs_s"] = time.perf_counter() - t

    t = time.perf_counter()
    knows = []
    validate = Rel.model_validate
    for a, b in pairs:
        props: dict[str, Any] = {"trust": round(rng.random(), 3)}
        if rng.random() < 0.3:
            props["context"] = rng.choice(CONTEXTS)
        if rng.random() < 0.2:
            props["since"] = (date(2010, 1, 1) + timedelta(days=rng.randrange(5000))).isoformat()
        knows.append(validate({"type": "KNOWS", "start": ids[a], "end": ids[b], "props": props}))
    timings["knows_rels_s"] = time.perf_counter() - t
    timings["total_s"] = sum(timings.values())
    return Dataset(people, languages, interests, speaks, interested, knows), timings


# ---------------------------------------------------------------------------- code version


#: The code a bulk load runs through; other parts of graphsvc (API, CLI) do not matter here.
LOAD_PATH_SOURCES = ("graphsvc/store/*.py", "graphsvc/model/*.py", "graphsvc/settings.py", "graphsvc/errors.py")


def source_digests() -> dict[str, str]:
    """A digest of each file on the load path as it is on disk now. Each worker records the
    ones it started with, so that a run during which someone edited the stores shows up."""
    import hashlib

    paths = sorted({p for pattern in LOAD_PATH_SOURCES for p in ROOT.glob(pattern)})
    return {str(p.relative_to(ROOT)): hashlib.sha1(p.read_bytes()).hexdigest()[:10] for p in paths}


def _digest(files: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha1(json.dumps(files, sort_keys=True).encode()).hexdigest()[:12]


def source_changes(info: dict[str, Any], runs: list[dict[str, Any]]) -> list[str]:
    """The load-path files some worker saw otherwise than the run started with (and mark those runs)."""
    start = info["source_files_at_start"]
    changed: set[str] = set()
    for r in runs:
        seen = r.get("source_files")
        if seen is None:
            continue
        diff = {f for f in start.keys() | seen.keys() if start.get(f) != seen.get(f)}
        r["source_changed"] = bool(diff)
        changed |= diff
    return sorted(changed)


def write_results(name: str, out: dict[str, Any], *, indent: int = 2) -> Path:
    """Write ``bench/results/<name>-<timestamp>.json`` (the folder made if need be)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(out, indent=indent, default=str))
    return path


def git_head() -> str:
    try:
        out = subprocess.run(check=False, args=["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


# ---------------------------------------------------------------------------- memory


def peak_rss_kib() -> int:
    """The process's peak resident set so far (``ru_maxrss``, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss() -> bool:
    """Reset the peak RSS to the current RSS (Linux >= 4.0), so that the next peak is the
    load's own and not the unpickling's; whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def current_rss_kib() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return -1


# ---------------------------------------------------------------------------- loaders


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class SqliteTarget:
    """Fresh SQLite files in a temporary folder, one per side."""

    name = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bulk_load-", dir=workdir))
        self.path = self.dir / "graph.db"

    _closer: Callable[[], None] | None = None

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _fresh_store(self) -> Any:
        from graphsvc.store import open_store

        return open_store(f"sqlite:///{self.path}")  # absolute path: sqlite:////tmp/...

    def prepare_store(self, data: Dataset, batch_size: int) -> Callable[[], Any]:
        store = self._fresh_store()
        nodes, rels = data.nodes, data.rels
        self._closer = store.close
        return lambda: store.bulk_upsert(nodes, rels, batch_size=batch_size)

    def prepare_baseline(self, data: Dataset, batch_size: int) -> Callable[[], Any]:
        import sqlite3

        from graphsvc.model import name_key, to_record
        from graphsvc.store import sqlite_sql as Q

        self._fresh_store().close()  # the same schema, bootstrapped by the store
        dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
        now = _now()
        node_rows = []
        for node in data.nodes:
            record = to_record(node)
            key = name_key(record["name"]) if "name" in record else None
            node_rows.append((node.label.value, node.id, key, dump(record), now, now))
        rel_rows = [
            (r.type.value, r.start_label.value, r.start, r.end_label.value, r.end, dump(r.props)) for r in data.rels
        ]
        node_batches, rel_batches = _chunks(node_rows, batch_size), _chunks(rel_rows, batch_size)
        conn = sqlite3.connect(self.path, isolation_level=None)
        for pragma in Q.CONNECTION_PRAGMAS:
            conn.execute(pragma)
        self._closer = conn.close

        def load() -> None:
            for sql, batches in ((Q.UPSERT_NODE, node_batches), (Q.UPSERT_REL, rel_batches)):
                for batch in batches:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany(sql, batch)
                    conn.execute("COMMIT")

        return load

    def finish(self) -> dict[str, int]:
        import sqlite3

        if self._closer is not None:
            self._closer()
            self._closer = None
        conn = sqlite3.connect(self.path)
        try:
            counts = dict(conn.execute("SELECT label, count(*) FROM nodes GROUP BY label").fetchall())
            counts.update(conn.execute("SELECT type, count(*) FROM rels GROUP BY type").fetchall())
        finally:
            conn.close()
        counts["file_bytes"] = sum(p.stat().st_size for p in self.dir.iterdir())
        return counts


class Neo4jTarget:
    """The Neo4j server at ``uri``, emptied before and after each load."""

    name = "neo4j"

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def _store(self) -> Any:
        from graphsvc.store import open_store

        store = open_store(self.uri)  # bootstrap: the constraints and indexes
        store.clear()
        return store

    _store_obj: Any = None
    _driver: Any = None

    def close(self) -> None:
        """Leave the shared server empty, whatever happened (tests use it too)."""
        if self._driver is not None:
            self._driver.close()
        if self._store_obj is not None:
            try:
                self._store_obj.clear()
            finally:
                self._store_obj.close()

    def prepare_store(self, data: Dataset, batch_size: int) -> Callable[[], Any]:
        store = self._store()
        nodes, rels = data.nodes, data.rels
        self._store_obj = store
        return lambda: store.bulk_upsert(nodes, rels, batch_size=batch_size)

    def prepare_baseline(self, data: Dataset, batch_size: int) -> Callable[[], Any]:
        from neo4j import GraphDatabase

        from graphsvc.model import name_key, to_record
        from graphsvc.settings import Settings

        self._store_obj = self._store()  # same constraints, emptied; kept for counting and clearing
        now = _now()

        def node_row(node: Any) -> tuple[str, dict[str, Any]]:
            row = to_record(node)
            if "name" in row:
                row["name_key"] = name_key(row["name"])
            row["created_at"] = now
            row["updated_at"] = now
            return f"UNWIND $rows AS row MERGE (n:{node.label.value} {{id: row.id}}) SET n = row", row

        def rel_row(rel: Any) -> tuple[str, dict[str, Any]]:
            query = (
                f"UNWIND $rows AS row MATCH (a:{rel.start_label.value} {{id: row.start}}) "
                f"MATCH (b:{rel.end_label.value} {{id: row.end}}) "
                f"MERGE (a)-[r:{rel.type.value}]->(b) SET r = row.props"
            )
            return query, {"start": rel.start, "end": rel.end, "props": dict(rel.props)}

        batches: list[list[tuple[str, list[dict[str, Any]]]]] = []
        for items, make in ((data.nodes, node_row), (data.rels, rel_row)):
            for chunk in _chunks(items, batch_size):
                groups: dict[str, list[dict[str, Any]]] = {}
                for item in chunk:
                    query, row = make(item)
                    groups.setdefault(query, []).append(row)
                batches.append(list(groups.items()))

        settings = Settings()
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        driver = GraphDatabase.driver(self.uri, auth=(settings.neo4j_user, password) if password else None)
        driver.verify_connectivity()
        self._driver = driver

        def write(tx: Any, batch: list[tuple[str, list[dict[str, Any]]]]) -> None:
            for query, rows in batch:
                tx.run(query, rows=rows).consume()

        def load() -> None:
            with driver.session(database=settings.neo4j_database) as session:
                for batch in batches:
                    session.execute_write(write, batch)

        return load

    def finish(self) -> dict[str, int]:
        from graphsvc.model import Label, RelType

        store = self._store_obj
        counts: dict[str, int] = {}
        for label in (Label.PERSON, Label.LANGUAGE, Label.INTEREST):
            counts[label.value] = store._read(f"MATCH (n:{label.value}) RETURN count(n) AS c")[0]["c"]
        for t in (RelType.SPEAKS, RelType.INTERESTED_IN, RelType.KNOWS):
            counts[t.value] = store._read(f"MATCH ()-[r:{t.value}]->() RETURN count(r) AS c")[0]["c"]
        return counts


# ---------------------------------------------------------------------------- worker


def _materialize(args: argparse.Namespace, out: dict[str, Any]) -> Dataset:
    """The dataset: unpickled from the parent's cache (``--data``), or generated here."""
    t = time.perf_counter()
    if args.data:
        gc.disable()  # unpickling 1.5M objects with the collector on takes three times as long
        try:
            with open(args.data, "rb") as f:
                data = pickle.load(f)
        finally:
            gc.enable()
        out["materialize"] = "unpickled"
    else:
        data, out["generation"] = generate(args.people, args.knows, args.seed)
        out["materialize"] = "generated"
    out["materialize_s"] = time.perf_counter() - t
    out["rss_after_gen_kib"] = peak_rss_kib()
    return data


def run_generator(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the dataset once, time it, and pickle it for the load workers."""
    out: dict[str, Any] = {"side": "generate", "pid": os.getpid()}
    data, out["generation"] = generate(args.people, args.knows, args.seed)
    out["rss_after_gen_kib"] = peak_rss_kib()
    out["counts"] = data.counts()
    t = time.perf_counter()
    with open(args.data, "wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    out["pickle_s"] = time.perf_counter() - t
    out["pickle_bytes"] = os.path.getsize(args.data)
    return out


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    """One timed load in this (fresh) process: materialize the data, prepare, time, verify."""
    backend, side = args.worker.split(":")
    if side == "generate":
        return run_generator(args)
    out: dict[str, Any] = {"store": backend, "side": side, "pid": os.getpid(), "source_files": source_digests()}
    out["source"] = _digest(out["source_files"])
    if args.sqlite_pragma:
        from graphsvc.store import sqlite_sql

        sqlite_sql.CONNECTION_PRAGMAS = (*sqlite_sql.CONNECTION_PRAGMAS, *args.sqlite_pragma)
        out["sqlite_pragmas"] = list(sqlite_sql.CONNECTION_PRAGMAS)
    data = _materialize(args, out)
    expected = data.counts()
    out["nodes"] = len(data.people) + len(data.languages) + len(data.interests)
    out["rels"] = len(data.speaks) + len(data.interested_in) + len(data.knows)
    out["rows"] = out["nodes"] + out["rels"]

    target: SqliteTarget | Neo4jTarget = SqliteTarget(Path(args.workdir)) if backend == "sqlite" else Neo4jTarget(args.neo4j_uri)
    try:
        t = time.perf_counter()
        prepare = target.prepare_baseline if side == "baseline" else target.prepare_store
        load = prepare(data, args.batch_size)
        out["prepare_s"] = time.perf_counter() - t  # fresh store, plus the baseline's pre-built rows
        out["peak_rss_before_load_kib"] = peak_rss_kib()
        gc.collect()
        out["rss_before_load_kib"] = current_rss_kib()
        out["peak_reset"] = reset_peak_rss()
        profiler = None
        if args.profile and side == "store":
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        t = time.perf_counter()
        result = load()
        out["seconds"] = time.perf_counter() - t
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        out["client_cpu_s"] = (cpu_after.ru_utime - cpu.ru_utime) + (cpu_after.ru_stime - cpu.ru_stime)
        out["load_peak_rss_kib"] = peak_rss_kib()  # since the reset: the load's own peak
        if profiler is not None:
            profiler.disable()
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            prof = RESULTS_DIR / f"bulk_load-{backend}-store-{os.getpid()}.prof"
            profiler.dump_stats(prof)
            out["profile"] = str(prof)
            out["profiled"] = True
        out["peak_rss_kib"] = max(out["peak_rss_before_load_kib"], out["load_peak_rss_kib"])
        if result is not None:
            out["result"] = {k: getattr(result, k) for k in ("created", "updated", "unchanged", "rels_written", "batches")}
        counts = target.finish()
        out["counts"] = counts
        out["verified"] = all(counts.get(k) == v for k, v in expected.items())
        if not out["verified"]:
            out["error"] = f"stored counts {counts} differ from generated {expected} (a concurrent clear on a shared server?)"
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which carries on
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["peak_rss_kib"] = peak_rss_kib()
    finally:
        target.close()
    return out


def spawn_worker(args: argparse.Namespace, backend: str, side: str, data: str | None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".json", prefix="bulk_load-") as f:
        cmd = [
            sys.executable, "-m", "bench.bulk_load", f"--worker={backend}:{side}", "--worker-out", f.name,
            "--people", str(args.people), "--knows", str(args.knows), "--seed", str(args.seed),
            "--batch-size", str(args.batch_size), "--neo4j-uri", args.neo4j_uri, "--workdir", args.workdir,
        ]
        cmd += ["--data", data] if data else []
        cmd += ["--profile"] if args.profile else []
        for pragma in args.sqlite_pragma:
            cmd += ["--sqlite-pragma", pragma]
        proc = subprocess.run(cmd, cwd=ROOT, check=False)
        text = Path(f.name).read_text()
    if proc.returncode != 0 or not text:
        return {"store": backend, "side": side, "error": f"worker exited with {proc.returncode}"}
    return json.loads(text)


# ---------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    import sqlite3

    return {
        "nproc": os.cpu_count(),
        "mem_total_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "loadavg": os.getloadavg(),
        "note": "shared, noisy machine: other work runs in parallel; compare ratios within a run, not absolute times",
    }


def _mib(kib: float | None) -> str:
    return "-" if kib is None else f"{kib / 1024:,.0f}"


def summarize(runs: list[dict[str, Any]], backend: str) -> dict[str, Any]:
    summary: dict[str, Any] = {"backend": backend}
    for side in SIDES:
        ok = [r for r in runs if r["store"] == backend and r["side"] == side and "seconds" in r and not r.get("error")]
        every = [r for r in runs if r["store"] == backend and r["side"] == side]
        s: dict[str, Any] = {"runs": len(every), "ok_runs": len(ok), "errors": [r["error"] for r in every if r.get("error")]}
        if ok:
            secs = [r["seconds"] for r in ok]
            s["seconds_all"] = secs
            s["seconds"] = statistics.median(secs)
            s["rows"] = ok[0]["rows"]
            s["rows_per_s"] = s["rows"] / s["seconds"]
            s["materialize_s"] = statistics.median(r["materialize_s"] for r in ok)
            s["prepare_s"] = statistics.median(r["prepare_s"] for r in ok)
            s["rss_after_gen_kib"] = max(r["rss_after_gen_kib"] for r in ok)
            s["rss_before_load_kib"] = max(r["rss_before_load_kib"] for r in ok)
            s["load_peak_rss_kib"] = max(r["load_peak_rss_kib"] for r in ok)
            s["peak_rss_kib"] = max(r["peak_rss_kib"] for r in ok)
            s["load_rss_increment_kib"] = max(r["load_peak_rss_kib"] - r["rss_before_load_kib"] for r in ok)
            s["peak_reset"] = all(r.get("peak_reset") for r in ok)
            s["client_cpu_s"] = statistics.median(r["client_cpu_s"] for r in ok)
            s["profiled"] = any(r.get("profiled") for r in ok)
        summary[side] = s
    b, st = summary["baseline"], summary["store"]
    if "rows_per_s" in b and "rows_per_s" in st:
        summary["ratio"] = st["rows_per_s"] / b["rows_per_s"]
        summary["ratio_ok"] = summary["ratio"] >= RATIO_TARGET
        # Noise checks. Paired: each repeat's two sides ran back to back, so their ratio
        # cancels slow drifts in the machine's load. CPU: the loading process's own CPU,
        # which other work on the machine hardly changes (for SQLite, nearly all the work;
        # for Neo4j only the client's part, so not comparable as a ratio of loads).
        pairs = []
        for r in range(max(b["runs"], st["runs"])):
            one = {x["side"]: x for x in runs if x["store"] == backend and x.get("repeat") == r and "seconds" in x and not x.get("error")}
            if len(one) == 2:
                pairs.append((one["baseline"], one["store"]))
        if pairs:
            summary["paired_ratio"] = statistics.median(bb["seconds"] / ss["seconds"] for bb, ss in pairs)
            summary["paired_ratios"] = [bb["seconds"] / ss["seconds"] for bb, ss in pairs]
            if backend == "sqlite":
                summary["cpu_ratio"] = statistics.median(bb["client_cpu_s"] / ss["client_cpu_s"] for bb, ss in pairs)
    if backend == "neo4j" and "seconds" in st:
        summary["store_under_60s"] = st["seconds"] < NEO4J_TARGET_S
        summary["store_s_per_1_1m_rows"] = 1_100_000 / st["rows_per_s"]
    return summary


def print_report(console: Any, info: dict[str, Any], args: argparse.Namespace, summaries: list[dict[str, Any]]) -> None:
    from rich.table import Table

    title = f"bulk load: {args.people:,} people, {args.knows:,} KNOWS, batch {args.batch_size:,}, seed {args.seed}"
    if args.sqlite_pragma:
        title += f"; extra SQLite pragmas: {'; '.join(args.sqlite_pragma)}"
    table = Table(title=title)
    for col, just in (
        ("store", "left"), ("side", "left"), ("rows", "right"), ("median s", "right"), ("runs s", "right"),
        ("rows/s", "right"), ("store/base", "right"), ("client CPU s", "right"), ("data s", "right"),
        ("RSS gen MiB", "right"), ("RSS pre-load MiB", "right"), ("load peak MiB", "right"),
        ("load Δ MiB", "right"), ("peak RSS MiB", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for summary in summaries:
        for side in SIDES:
            s = summary[side]
            if "seconds" not in s:
                table.add_row(summary["backend"], side, "-", "failed", "; ".join(s["errors"])[:60], *["-"] * 9)
                continue
            ratio = ""
            if side == "store" and "ratio" in summary:
                ratio = f"[{'green' if summary['ratio_ok'] else 'red'}]{summary['ratio']:.2f}[/]"
            table.add_row(
                summary["backend"], side, f"{s['rows']:,}", f"{s['seconds']:.2f}",
                " ".join(f"{x:.1f}" for x in s["seconds_all"]), f"{s['rows_per_s']:,.0f}", ratio,
                f"{s['client_cpu_s']:.1f}", f"{s['materialize_s']:.1f}", _mib(s["rss_after_gen_kib"]),
                _mib(s["rss_before_load_kib"]), _mib(s["load_peak_rss_kib"]),
                _mib(s["load_rss_increment_kib"]) if s["peak_reset"] else "n/a", _mib(s["peak_rss_kib"]),
            )
            if s["errors"]:
                table.add_row("", f"[red]{len(s['errors'])} failed[/]", "", "", "; ".join(s["errors"])[:80], *[""] * 9)
    console.print(table)
    for summary in summaries:
        if "ratio" not in summary:
            console.print(f"{summary['backend']}: [red]no ratio (a side failed)[/]")
            continue
        ok = summary["ratio_ok"]
        line = (
            f"{summary['backend']}: store/baseline rows/s = {summary['ratio']:.2f} "
            f"(target ≥ {RATIO_TARGET}: {'[green]met[/]' if ok else '[red]NOT met[/]'})"
        )
        if len(summary.get("paired_ratios", ())) > 1:
            line += f"; per repeat {' '.join(f'{x:.2f}' for x in summary['paired_ratios'])}, median {summary['paired_ratio']:.2f}"
        if "cpu_ratio" in summary:
            line += f"; by CPU time {summary['cpu_ratio']:.2f}"
        if "store_under_60s" in summary:
            met = summary["store_under_60s"]
            line += (
                f"; store loaded all {summary['store']['rows']:,} rows in {summary['store']['seconds']:.1f} s "
                f"(< {NEO4J_TARGET_S:.0f} s: {'[green]yes[/]' if met else '[red]NO[/]'}; "
                f"1.1M rows at this rate: {summary['store_s_per_1_1m_rows']:.1f} s)"
            )
        if summary["store"].get("profiled"):
            line += " [yellow](store side ran under cProfile: its time is inflated)[/]"
        console.print(line)
    console.print(
        "[dim]rows = nodes + relationships; median over runs, sides alternating order. client CPU s = user+sys "
        "CPU of the loading process during the load (for Neo4j the rest of the wall time is the server and the "
        "network). data s = making the model objects in the worker (unpickling the generated set; untimed). "
        "RSS gen = peak RSS (ru_maxrss) once the model objects exist; RSS pre-load = RSS just before the clock "
        "(with the baseline's pre-built rows); load peak = peak RSS during the load (the peak is reset before "
        "it); load Δ = load peak - RSS pre-load; peak RSS = the worker's overall peak. Max over runs. "
        "The Python client process only, not the Neo4j server.[/]"
    )


# ---------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from graphsvc.store.base import DEFAULT_BATCH

    p = argparse.ArgumentParser(prog="python -m bench.bulk_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--people", type=int, default=100_000, help="Person nodes (default 100000)")
    p.add_argument("--knows", type=int, default=1_000_000, help="KNOWS relationships (default 1000000)")
    p.add_argument("--stores", default="sqlite,neo4j", help="comma-separated: sqlite, neo4j (default both)")
    p.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7697"))
    p.add_argument("--repeat", type=int, default=None,
                   help="runs per side and store (default: 3 for sqlite, 1 for neo4j; ~20 min at full size on 2 cores)")
    p.add_argument("--neo4j-repeat", type=int, default=None, help="runs per side for neo4j (default: --repeat, else 1)")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help=f"rows per batch/transaction (default {DEFAULT_BATCH})")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--workdir", default=tempfile.gettempdir(), help="where the SQLite files go (default: the temp dir)")
    p.add_argument("--profile", action="store_true", help="run the store side under cProfile (its times are then inflated)")
    p.add_argument("--sqlite-pragma", action="append", default=[], metavar="SQL",
                   help="an experiment: append a pragma to the store's CONNECTION_PRAGMAS, for both sides "
                        "(e.g. 'PRAGMA cache_size = -262144'); repeatable")
    p.add_argument("--no-cache", action="store_true",
                   help="generate the data in every worker instead of once (slow: ~70 s per worker at full size)")
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/bulk_load-<timestamp>.json")
    p.add_argument("--report", metavar="JSON", help="print the report of an earlier run's JSON file again, and exit")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = set(args.stores) - {"sqlite", "neo4j"}
    if unknown:
        p.error(f"unknown store(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        out = run_worker(args)
        Path(args.worker_out).write_text(json.dumps(out, default=str))
        return 0

    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 200)
    if args.report:
        return reprint(console, Path(args.report))
    info = machine()
    console.print(
        f"[bold]machine[/]: nproc={info['nproc']}, memory {info['mem_total_gib']} GiB, CPU {info['cpu_model']}, "
        f"Python {info['python']}, SQLite {info['sqlite']}, load average {', '.join(f'{x:.2f}' for x in info['loadavg'])}"
    )
    console.print(f"[yellow]note[/]: {info['note']}")
    info["git_head"] = git_head()
    info["source_files_at_start"] = source_digests()
    info["source_at_start"] = _digest(info["source_files_at_start"])
    console.print(
        f"code: git HEAD {info['git_head']}, load-path source digest {info['source_at_start']} "
        f"({', '.join(LOAD_PATH_SOURCES)}; uncommitted edits included)"
    )
    repeats = {
        "sqlite": args.repeat or 3,
        "neo4j": args.neo4j_repeat or args.repeat or 1,
    }
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    cache_dir = Path(tempfile.mkdtemp(prefix="bulk_load-data-", dir=args.workdir))
    data_path: str | None = None
    generation: dict[str, Any] = {}
    try:
        if not args.no_cache:
            data_path = str(cache_dir / "dataset.pickle")
            console.print(f"generating {args.people:,} people and {args.knows:,} KNOWS (seed {args.seed}) ...", end=" ")
            generation = spawn_worker(args, "data", "generate", data_path)
            if generation.get("error"):
                console.print(f"[red]failed[/]: {generation['error']}")
                return 1
            g = generation["generation"]
            console.print(
                f"{g['total_s']:.1f} s ("
                + ", ".join(f"{k.removesuffix('_s')} {v:.1f}" for k, v in g.items() if k != "total_s")
                + f"), peak RSS {_mib(generation['rss_after_gen_kib'])} MiB; pickled in {generation['pickle_s']:.1f} s "
                f"({generation['pickle_bytes'] / 2**20:,.0f} MiB); counts {generation['counts']}"
            )
        _run_all(console, args, repeats, runs, data_path)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    summaries = [summarize(runs, backend) for backend in args.stores]
    print_report(console, info, args, summaries)
    changed = source_changes(info, runs)
    if changed:
        which = ", ".join(f"{r['store']} {r['side']} #{r.get('repeat', 0) + 1}" for r in runs if r["source_changed"])
        console.print(
            f"[red]warning[/]: the load path's source changed during the run ({', '.join(changed)}); "
            f"these runs loaded other code than the run started with: {which}. The figures may mix versions."
        )
    if generation:
        console.print(f"generation of the model objects (untimed, once): {generation['generation']['total_s']:.1f} s")
    console.print(f"total bench wall time {time.perf_counter() - started:.0f} s")
    if not args.no_json:
        params = {k: v for k, v in vars(args).items() if not k.startswith("worker") and k != "data"}
        path = write_results("bulk_load", {"machine": info, "params": params, "repeats": repeats,
                                           "generation": generation, "summaries": summaries, "runs": runs})
        console.print(f"wrote {path.relative_to(ROOT)}")
    failed = any(r.get("error") for r in runs)
    return 1 if failed else 0


def reprint(console: Any, path: Path) -> int:
    """The report of an earlier run, from its JSON file (summaries recomputed from the runs)."""
    saved = json.loads(path.read_text())
    info, params, runs = saved["machine"], saved["params"], saved["runs"]
    args = argparse.Namespace(**{"sqlite_pragma": [], **params})
    console.print(
        f"[bold]{path.name}[/]: nproc={info['nproc']}, memory {info['mem_total_gib']} GiB, CPU {info['cpu_model']}, "
        f"Python {info['python']}, SQLite {info['sqlite']}; code {info.get('git_head', '?')} "
        f"({info.get('source_at_start', '?')}); repeats {saved.get('repeats')}"
    )
    summaries = [summarize(runs, backend) for backend in params["stores"]]
    print_report(console, info, args, summaries)
    changed = source_changes(info, runs) if "source_files_at_start" in info else []
    if changed:
        which = ", ".join(f"{r['store']} {r['side']} #{r.get('repeat', 0) + 1}" for r in runs if r.get("source_changed"))
        console.print(f"[red]warning[/]: the load path's source changed during the run ({', '.join(changed)}): {which}")
    return 0


def _run_all(console: Any, args: argparse.Namespace, repeats: dict[str, int], runs: list[dict[str, Any]], data_path: str | None) -> None:
    for backend in args.stores:
        for r in range(repeats[backend]):
            order = SIDES if r % 2 == 0 else SIDES[::-1]
            for side in order:
                console.print(f"\\[{backend}] run {r + 1}/{repeats[backend]} {side} ...", end=" ")
                t = time.perf_counter()
                out = spawn_worker(args, backend, side, data_path)
                out["repeat"] = r
                runs.append(out)
                if out.get("error"):
                    console.print(f"[red]failed[/] ({time.perf_counter() - t:.0f} s wall): {out['error']}")
                else:
                    console.print(
                        f"{out['seconds']:.2f} s for {out['rows']:,} rows ({out['rows'] / out['seconds']:,.0f} rows/s); "
                        f"data {out['materialize_s']:.1f} s ({out['materialize']}), prepare {out['prepare_s']:.1f} s, "
                        f"client CPU {out['client_cpu_s']:.1f} s, RSS pre-load {_mib(out['rss_before_load_kib'])} MiB, "
                        f"load peak {_mib(out['load_peak_rss_kib'])} MiB; worker wall {time.perf_counter() - t:.0f} s"
                    )


if __name__ == "__main__":
    sys.exit(main())
