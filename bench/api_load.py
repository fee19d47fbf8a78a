"""API load benchmark: the GraphQL API over HTTP against the same reads made on the store directly.

    .venv/bin/python -m bench.api_load [--people 100000] [--knows 1000000]
        [--stores sqlite,neo4j] [--neo4j-uri bolt://127.0.0.1:7697]
        [--duration 20] [--concurrency 8] [--workers 1] [--warmup 3] [--seed 42] [--py-spy 0]

For each store, a synthetic graph (bench.bulk_load's people, languages and interests,
plus neighborhoods and LIVES_IN; every person in the directory) is loaded with
``store.bulk_upsert``, a coordinator token is issued, and ``graphsvc serve`` is started in
a separate process on a free loopback port. This process then drives three scenarios with
a lean asyncio HTTP/1.1 client (keep-alive) (``--concurrency`` requests in flight, ``--duration`` seconds each):

(a) ``person``: one person with languages, interests and 10 acquaintances;
(b) ``paths``: ``connectionPaths`` between two people 3-4 hops apart;
(c) ``page``: a 50-person page with nested fields, after a random cursor.

The baseline, in the same run and on the same data, fetches the same data by calling the
store directly, in this process, single-threaded. See bench/README.md for what is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from bench.bulk_load import (
    RESULTS_DIR,
    ROOT,
    git_head,
    machine,
    peak_rss_kib,
    write_results,
)
from tests.support import Counting, free_port


def source_digest() -> str:
    """A digest of graphsvc's source on disk now (all of it: a request crosses the API,
    the services, the model and the stores). Each API server records the one it started
    with, so that a run during which someone edited graphsvc shows up as such."""
    import hashlib

    h = hashlib.sha1()
    for path in sorted((ROOT / "graphsvc").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]

#: Targets, checked on the Neo4j store: scenario -> (min req/s or None, max p95 ms)
TARGETS: dict[str, tuple[float | None, float]] = {"a": (300.0, 30.0), "b": (None, 100.0)}
TARGET_STORE = "neo4j"

NEIGHBORHOODS = (
    "Old Town", "Riverside", "Harbourfront", "Little Italy", "Chinatown", "Mile End", "Côte-des-Neiges",
    "Saint-Henri", "Plateau", "Verdun", "Hochelaga", "Villeray", "Rosemont", "Ahuntsic", "Montréal-Nord",
    "Saint-Laurent", "Lachine", "LaSalle", "Outremont", "Westmount", "Griffintown", "Pointe-Saint-Charles",
    "Anjou", "Saint-Michel", "Parc-Extension", "Notre-Dame-de-Grâce", "Centre-Sud", "Petite-Patrie",
    "Cartierville", "Pierrefonds",
)
LIVES_IN_SHARE = 0.9  # the rest have no neighborhood (the field resolves to null)

QUERY_A = (
    "query($k: String!) { person(key: $k) { name languages { level language { code } } interests { name } "
    "knows(first: 10) { edges { node { trust person { key name } } } } } }"
)
QUERY_B = (
    "query($a: String!, $b: String!) { connectionPaths(from: $a, to: $b, maxHops: 4, first: 5) "
    "{ length hops { trust } } }"
)
QUERY_C = (
    "query($c: String) { people(first: 50, after: $c) { edges { cursor node { name "
    "languages { language { code } } interests { name } neighborhood { name } } } } }"
)
PAGE = 50

try:
    import orjson

    _dumps: Callable[[Any], bytes] = orjson.dumps
    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson is in the venv
    def _dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    _loads = json.loads


# ---------------------------------------------------------------------------- data


@dataclass
class Graph:
    nodes: list[Any]
    rels: list[Any]
    person_ids: list[str]
    counts: dict[str, int]


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_).split())


def build_graph(people: int, knows: int, seed: int) -> tuple[Graph, dict[str, float]]:
    """bench.bulk_load's synthetic graph, every person with directory consent, plus
    neighborhoods and LIVES_IN (most people live in one)."""
    from bench.bulk_load import generate
    from graphsvc.model import Neighborhood, Rel

    data, timings = generate(people, knows, seed)
    t = time.perf_counter()
    persons = [p.model_copy(update={"consent": p.consent.model_copy(update={"directory": True})}) for p in data.people]
    hoods = [Neighborhood(id=_slug(name), name=name, city="Montréal") for name in NEIGHBORHOODS]
    rng = random.Random(seed + 1)
    lives_in = [
        Rel.model_validate({"type": "LIVES_IN", "start": p.id, "end": rng.choice(hoods).id})
        for p in persons if rng.random() < LIVES_IN_SHARE
    ]
    timings["directory_neighborhoods_s"] = time.perf_counter() - t
    timings["total_s"] = sum(v for k, v in timings.items() if k != "total_s")
    counts = {**data.counts(), "Neighborhood": len(hoods), "LIVES_IN": len(lives_in)}
    nodes = [*persons, *data.languages, *data.interests, *hoods]
    rels = [*data.speaks, *data.interested_in, *lives_in, *data.knows]
    return Graph(nodes, rels, [p.id for p in persons], counts), timings


# ---------------------------------------------------------------------------- stores


class Target:
    """A store to benchmark: a fresh SQLite file, or the Neo4j server emptied first."""

    def __init__(self, kind: str, args: argparse.Namespace) -> None:
        self.kind = kind
        self.dir: Path | None = None
        if kind == "sqlite":
            self.dir = Path(tempfile.mkdtemp(prefix="api_load-", dir=args.workdir))
            self.uri = f"sqlite:///{self.dir / 'graph.db'}"  # absolute path: sqlite:////tmp/...
        else:
            self.uri = args.neo4j_uri
        self.store: Any = None

    def open_empty(self) -> Any:
        from graphsvc.store import open_store

        self.store = open_store(self.uri)
        if self.kind == "neo4j":
            self.store.clear()
        return self.store

    def close(self) -> None:
        """Leave the shared Neo4j server empty (tests use it too); delete the SQLite file."""
        try:
            if self.store is not None:
                if self.kind == "neo4j":
                    self.store.clear()
                self.store.close()
        finally:
            if self.dir is not None:
                shutil.rmtree(self.dir, ignore_errors=True)


def load(target: Target, graph: Graph) -> dict[str, Any]:
    from graphsvc.model import Label

    store = target.open_empty()
    t = time.perf_counter()
    result = store.bulk_upsert(graph.nodes, graph.rels)
    seconds = time.perf_counter() - t
    out: dict[str, Any] = {
        "seconds": seconds, "rows": len(graph.nodes) + len(graph.rels),
        "result": {k: getattr(result, k) for k in ("created", "updated", "unchanged", "rels_written", "batches")},
    }
    out["verified"] = result.created == len(graph.nodes) and result.rels_written == len(graph.rels)
    out["people_stored"] = store.count_nodes(Label.PERSON)
    if not out["verified"] or out["people_stored"] != len(graph.person_ids):
        out["error"] = f"loaded {out['result']}, {out['people_stored']} people; expected {len(graph.nodes)} nodes, {len(graph.rels)} rels"
    return out


# ---------------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    people: list[str]
    pairs: list[tuple[str, str]]
    pair_length: dict[tuple[str, str], int]
    cursors: list[str]


def pick_inputs(store: Any, person_ids: list[str], seed: int, n_pairs: int, budget_s: float, n_cursors: int) -> tuple[Inputs, dict[str, Any]]:
    """Pairs 3-4 hops apart (by the store's ``shortest_paths``) and page cursors at random
    offsets (by walking the whole listing). The same seed gives the same inputs on either store."""
    from graphsvc.model import Label

    rng = random.Random(seed + 2)
    info: dict[str, Any] = {}
    t = time.perf_counter()
    pairs: list[tuple[str, str]] = []
    lengths: dict[tuple[str, str], int] = {}
    seen_lengths: Counter[str] = Counter()
    tries = 0
    while len(pairs) < n_pairs and time.perf_counter() - t < budget_s and tries < 50 * n_pairs:
        tries += 1
        a, b = rng.sample(person_ids, 2)
        paths = store.shortest_paths(a, b, max_hops=4, limit=5)
        length = len(paths[0]) - 1 if paths else None
        seen_lengths[str(length) if length else ">4"] += 1
        if length in (3, 4) and (a, b) not in lengths:
            pairs.append((a, b))
            lengths[(a, b)] = length
    info["pairs"] = {"found": len(pairs), "tried": tries, "seconds": time.perf_counter() - t,
                     "lengths_tried": dict(sorted(seen_lengths.items())),
                     "lengths_kept": dict(sorted(Counter(str(v) for v in lengths.values()).items()))}

    t = time.perf_counter()
    every: list[str] = []
    after = None
    while True:
        page = store.list_nodes(Label.PERSON, first=1000, after=after)
        every += page.cursors
        if not page.has_next_page:
            break
        after = page.end_cursor
    usable = every[: max(0, len(every) - PAGE)]  # a full page follows each
    cursors = rng.sample(usable, min(n_cursors, len(usable))) if usable else []
    info["cursors"] = {"listed": len(every), "kept": len(cursors), "seconds": time.perf_counter() - t}
    return Inputs(list(person_ids), pairs, lengths, cursors), info


# ---------------------------------------------------------------------------- scenarios


def _base_person(store: Any, v: dict[str, Any]) -> Any:
    from graphsvc.model import Label, RelType

    k = v["k"]
    person = store.get(Label.PERSON, k)
    if person is None:
        return None
    key = (Label.PERSON, k)
    rels = store.relationships_of([key], (RelType.SPEAKS, RelType.INTERESTED_IN, RelType.KNOWS))[key]
    speaks = [r for r in rels if r.type is RelType.SPEAKS]
    interests = [r for r in rels if r.type is RelType.INTERESTED_IN]
    ranked = sorted(
        (-float(r.props.get("trust", 0.5)), r.end if r.start == k else r.start) for r in rels if r.type is RelType.KNOWS
    )[:10]
    langs = store.get_many(Label.LANGUAGE, [r.end for r in speaks])
    ints = store.get_many(Label.INTEREST, [r.end for r in interests])
    known = store.get_many(Label.PERSON, [o for _, o in ranked])
    return {
        "name": person.name,
        "languages": sorted((r.end, str(r.props.get("level", ""))) for r in speaks if r.end in langs),
        "interests": sorted(ints[r.end].name for r in interests if r.end in ints),
        "knows": [(o, known[o].name, -nt) for nt, o in ranked if o in known],
    }


def _api_person(data: dict[str, Any]) -> Any:
    p = data["person"]
    if p is None:
        return None
    return {
        "name": p["name"],
        "languages": sorted((s["language"]["code"], s["level"]) for s in p["languages"]),
        "interests": sorted(i["name"] for i in p["interests"]),
        "knows": [(e["node"]["person"]["key"], e["node"]["person"]["name"], e["node"]["trust"]) for e in p["knows"]["edges"]],
    }


def _base_paths(store: Any, v: dict[str, Any]) -> Any:
    from graphsvc.model import Label, RelType

    paths = store.shortest_paths(v["a"], v["b"], max_hops=4, limit=5)
    inner = sorted({i for p in paths for i in p[:-1]})
    grouped = store.relationships_of([(Label.PERSON, i) for i in inner], (RelType.KNOWS,))
    out = []
    for p in paths:
        trusts = []
        for u, w in itertools.pairwise(p):
            rel = next(r for r in grouped[(Label.PERSON, u)] if {r.start, r.end} == {u, w})
            trusts.append(rel.props.get("trust", 0.5))
        out.append((len(p) - 1, trusts))
    return out


def _api_paths(data: dict[str, Any]) -> Any:
    return [(p["length"], [h["trust"] for h in p["hops"]]) for p in data["connectionPaths"]]


def _base_page(store: Any, v: dict[str, Any]) -> Any:
    from graphsvc.model import Label, RelType

    page = store.list_nodes(Label.PERSON, first=PAGE, after=v["c"])
    keys = [(Label.PERSON, n.id) for n in page.items]
    grouped = store.relationships_of(keys, (RelType.SPEAKS, RelType.INTERESTED_IN, RelType.LIVES_IN))
    ends: dict[RelType, set[str]] = {RelType.SPEAKS: set(), RelType.INTERESTED_IN: set(), RelType.LIVES_IN: set()}
    for rels in grouped.values():
        for r in rels:
            ends[r.type].add(r.end)
    langs = store.get_many(Label.LANGUAGE, sorted(ends[RelType.SPEAKS]))
    ints = store.get_many(Label.INTEREST, sorted(ends[RelType.INTERESTED_IN]))
    hoods = store.get_many(Label.NEIGHBORHOOD, sorted(ends[RelType.LIVES_IN]))
    out = []
    for node, cursor, key in zip(page.items, page.cursors, keys, strict=True):
        rels = grouped[key]
        hood = next((hoods[r.end].name for r in rels if r.type is RelType.LIVES_IN and r.end in hoods), None)
        out.append((
            cursor, node.name,
            sorted(r.end for r in rels if r.type is RelType.SPEAKS and r.end in langs),
            sorted(ints[r.end].name for r in rels if r.type is RelType.INTERESTED_IN and r.end in ints),
            hood,
        ))
    return out


def _api_page(data: dict[str, Any]) -> Any:
    return [
        (e["cursor"], e["node"]["name"], sorted(s["language"]["code"] for s in e["node"]["languages"]),
         sorted(i["name"] for i in e["node"]["interests"]),
         e["node"]["neighborhood"]["name"] if e["node"]["neighborhood"] else None)
        for e in data["people"]["edges"]
    ]


def _check_person(data: dict[str, Any], v: dict[str, Any], inputs: Inputs) -> str | None:
    return None if data.get("person") else f"person {v['k']} is null"


def _check_paths(data: dict[str, Any], v: dict[str, Any], inputs: Inputs) -> str | None:
    paths = data.get("connectionPaths") or []
    want = inputs.pair_length[(v["a"], v["b"])]
    if not paths or any(p["length"] != want for p in paths):
        return f"{v['a']}->{v['b']}: lengths {[p['length'] for p in paths]}, expected {want}"
    return None


def _check_page(data: dict[str, Any], v: dict[str, Any], inputs: Inputs) -> str | None:
    edges = (data.get("people") or {}).get("edges") or []
    return None if len(edges) == PAGE else f"page after {v['c']!r}: {len(edges)} people, expected {PAGE}"


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    what: str
    query: str
    variables: Callable[[random.Random, Inputs], dict[str, Any]]
    check: Callable[[dict[str, Any], dict[str, Any], Inputs], str | None]
    baseline: Callable[[Any, dict[str, Any]], Any]
    normalize: Callable[[dict[str, Any]], Any]
    base_calls: str


def _pair(rng: random.Random, inputs: Inputs) -> dict[str, Any]:
    a, b = rng.choice(inputs.pairs)
    return {"a": a, "b": b}


SCENARIOS = (
    Scenario("a", "person", "one person, languages, interests, 10 acquaintances", QUERY_A,
             lambda rng, i: {"k": rng.choice(i.people)}, _check_person, _base_person, _api_person,
             "get + relationships_of + get_many x3"),
    Scenario("b", "paths", "connectionPaths 3-4 hops, first 5", QUERY_B, _pair, _check_paths, _base_paths, _api_paths,
             "shortest_paths + relationships_of"),
    Scenario("c", "page", "50 people with languages, interests, neighborhood", QUERY_C,
             lambda rng, i: {"c": rng.choice(i.cursors)}, _check_page, _base_page, _api_page,
             "list_nodes + relationships_of + get_many x3"),
)


#: The scenarios bench.api_floor serves too.
FLOOR_SCENARIOS = ("a", "b")


# ---------------------------------------------------------------------------- measuring


def latency_stats(lat: list[float], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {"count": len(lat), "seconds": seconds, "rate": len(lat) / seconds if seconds else 0.0}
    if len(lat) >= 2:
        q = statistics.quantiles(lat, n=100, method="inclusive")
        out.update(p50_ms=q[49] * 1e3, p95_ms=q[94] * 1e3, p99_ms=q[98] * 1e3)
    elif lat:
        out.update(p50_ms=lat[0] * 1e3, p95_ms=lat[0] * 1e3, p99_ms=lat[0] * 1e3)
    if lat:
        out.update(mean_ms=statistics.fmean(lat) * 1e3, max_ms=max(lat) * 1e3)
    return out


def _listening_pid(port: int) -> int | None:
    import psutil

    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return conn.pid
    except (psutil.Error, OSError):
        pass
    return None


WORKER = "worker "  # CpuMeter's key prefix for one server worker's CPU seconds (by pid)


class CpuMeter:
    """CPU seconds of this process (the client), the API server, the Neo4j server, and the
    whole machine (shared: what the others use shows up as 'other')."""

    def __init__(self, server_pid: int | None, db_pid: int | None) -> None:
        import psutil

        self._psutil = psutil
        self.procs = {name: psutil.Process(pid) for name, pid in (("server", server_pid), ("db", db_pid)) if pid}

    def snap(self) -> dict[str, float]:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        out = {"client": ru.ru_utime + ru.ru_stime, "wall": time.perf_counter()}
        for name, proc in self.procs.items():
            try:  # a server with --workers is a parent and its worker processes
                family = [proc, *proc.children(recursive=True)] if name == "server" else [proc]
                times = {p.pid: sum(p.cpu_times()[:2]) for p in family}
                out[name] = sum(times.values())
                if name == "server" and len(family) > 1:  # each worker's own: how evenly the load is spread
                    out |= {f"{WORKER}{p.pid}": times[p.pid] for p in family[1:] if "resource_tracker" not in " ".join(p.cmdline())}
            except self._psutil.Error:
                pass
        m = self._psutil.cpu_times()
        out["machine"] = sum(m) - m.idle - getattr(m, "iowait", 0.0)
        return out

    @staticmethod
    def diff(before: dict[str, float], after: dict[str, float], ops: int) -> dict[str, Any]:
        wall = after["wall"] - before["wall"]
        cpu = {k: after[k] - before[k] for k in after if k != "wall" and k in before}
        ours = sum(v for k, v in cpu.items() if k != "machine" and not k.startswith(WORKER))
        out: dict[str, Any] = {"wall_s": wall, "cpu_s": cpu, "other_s": max(0.0, cpu.get("machine", 0.0) - ours)}
        out["cores_busy"] = {k: v / wall for k, v in cpu.items()} | {"other": out["other_s"] / wall}
        out["cpu_ms_per_op"] = {k: v / ops * 1e3 for k, v in cpu.items() if k != "machine" and not k.startswith(WORKER)} if ops else {}
        return out


def run_baseline(store: Any, sc: Scenario, inputs: Inputs, duration: float, warmup: float, seed: int, meter: CpuMeter) -> dict[str, Any]:
    """The scenario's reads made on the store directly: this process, one thread."""
    rng = random.Random(seed)
    stop = time.perf_counter() + warmup
    while time.perf_counter() < stop:
        sc.baseline(store, sc.variables(rng, inputs))
    lat: list[float] = []
    before = meter.snap()
    t0 = time.perf_counter()
    stop = t0 + duration
    while time.perf_counter() < stop:
        v = sc.variables(rng, inputs)
        t = time.perf_counter()
        sc.baseline(store, v)
        lat.append(time.perf_counter() - t)
    seconds = time.perf_counter() - t0
    return latency_stats(lat, seconds) | {"cpu": CpuMeter.diff(before, meter.snap(), len(lat))}


async def drive(client: LeanClient, sc: Scenario, inputs: Inputs, duration: float, concurrency: int, seed: int) -> dict[str, Any]:
    """``concurrency`` workers, each sending the next request as soon as the last one is
    answered, for ``duration`` seconds. Latency = request sent to body received."""
    lat: list[float] = []
    problems: list[str] = []
    errors = 0
    stop = time.perf_counter() + duration

    async def worker(w: int) -> None:
        nonlocal errors
        rng = random.Random(seed * 1000 + w)
        while time.perf_counter() < stop:
            v = sc.variables(rng, inputs)
            body = _dumps({"query": sc.query, "variables": v})
            t = time.perf_counter()
            problem = None
            try:
                r = await client.post("/graphql", body)
                lat.append(time.perf_counter() - t)
                answer = _loads(r.content)
                if r.status_code != 200:
                    problem = f"HTTP {r.status_code}: {r.text[:200]}"
                elif answer.get("errors"):
                    problem = f"errors: {json.dumps(answer['errors'])[:300]}"
                else:
                    problem = sc.check(answer.get("data") or {}, v, inputs)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                lat.append(time.perf_counter() - t)
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                errors += 1
                if len(problems) < 5:
                    problems.append(problem)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latency_stats(lat, time.perf_counter() - t0) | {"errors": errors, "error_samples": problems, "latencies": lat}


# ---------------------------------------------------------------------------- the API server


class Server:
    """``graphsvc serve`` in its own process, on a free loopback port."""

    def __init__(self, uri: str, log_path: Path, workers: int = 1, *, floor: bool = False) -> None:
        self.uri = uri
        self.port = free_port()
        self.log_path = log_path
        env = dict(os.environ)
        if floor:  # bench.api_floor on the same uvicorn: see that module
            self.cmd = [sys.executable, "-m", "uvicorn", "bench.api_floor:app", "--host", "127.0.0.1", "--port", str(self.port),
                        "--workers", str(workers), "--no-access-log"]
            env["GRAPHSVC_FLOOR_NEO4J_URI"] = uri
        else:
            exe = Path(sys.executable).parent / "graphsvc"
            cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "graphsvc.cli"]
            self.cmd = [*cmd, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--store", uri, "--workers", str(workers)]
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120.0) -> float:
        import httpx

        t = time.perf_counter()
        with httpx.Client(base_url=self.base_url, trust_env=False, timeout=5.0) as client:
            while time.perf_counter() - t < timeout:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the API server exited with {self.proc.returncode}: {self.log_tail()}")
                try:
                    if client.get("/readyz").status_code == 200:
                        return time.perf_counter() - t
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"the API server was not ready within {timeout:.0f} s: {self.log_tail()}")

    def rss_kib(self) -> int | None:
        import psutil

        try:
            proc = psutil.Process(self.proc.pid)
            return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) // 1024
        except psutil.Error:
            return None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


# ---------------------------------------------------------------------------- py-spy


def _py_spy() -> str | None:
    exe = Path(sys.executable).parent / "py-spy"
    return str(exe) if exe.exists() else shutil.which("py-spy")


def _frame_group(frame: str) -> str:
    """'function (file:line)' -> a package (site-packages), graphsvc.<part>, stdlib.<module>, or the file."""
    path = frame[frame.rfind("(") + 1 : frame.rfind(":")] if "(" in frame else frame
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/graphsvc/" in path:
        return "graphsvc." + path.split("/graphsvc/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        rest = path.split("/lib/python3", 1)[1].split("/", 1)[1]
        return "stdlib." + rest.split("/", 1)[0].removesuffix(".py")
    return path or frame


#: Where a sample's time goes: the leaf-most frame whose group is listed decides; other
#: stdlib frames (enum, weakref, contextlib, ...) and generated code (<string>: namedtuple,
#: dataclass methods) are transparent and charged to their caller.
LAYERS = {
    "graphsvc.store": "store code + SQLite engine (graphsvc.store)",
    "neo4j": "Neo4j driver (bolt, packstream)",
    "pydantic": "model objects (pydantic, graphsvc.model)",
    "pydantic_core": "model objects (pydantic, graphsvc.model)",
    "graphsvc.model": "model objects (pydantic, graphsvc.model)",
    "graphsvc.api": "graphsvc API (resolvers, context, paging, cost)",
    "graphsvc.services": "graphsvc API (resolvers, context, paging, cost)",
    "graphsvc.auth": "graphsvc API (resolvers, context, paging, cost)",
    "graphql": "GraphQL execution (graphql-core, strawberry)",
    "strawberry": "GraphQL execution (graphql-core, strawberry)",
    "stdlib.logging": "logging (JSON request log)",
    "graphsvc.logs": "logging (JSON request log)",
    "stdlib.json": "JSON",
    "orjson": "JSON",
    "anyio": "thread-pool hand-off (anyio, threading, queue)",
    "stdlib.threading": "thread-pool hand-off (anyio, threading, queue)",
    "stdlib.queue": "thread-pool hand-off (anyio, threading, queue)",
    "stdlib.concurrent": "thread-pool hand-off (anyio, threading, queue)",
    "stdlib.asyncio": "asyncio event loop",
    "stdlib.selectors": "asyncio event loop",
    "uvicorn": "HTTP (uvicorn, h11, starlette, fastapi)",
    "h11": "HTTP (uvicorn, h11, starlette, fastapi)",
    "starlette": "HTTP (uvicorn, h11, starlette, fastapi)",
    "fastapi": "HTTP (uvicorn, h11, starlette, fastapi)",
}
#: Leaf frames that are a thread waiting, not working (py-spy cannot always tell).
IDLE_LEAVES = ("Condition.wait", "Queue.get", "Event.wait", "EpollSelector.select", "select (", "_wait_for_tstate_lock")
#: Leaf frames that are a thread blocked reading a Neo4j answer (the GIL is released).
NEO4J_WAIT_LEAVES = ("BoltSocketBase._wait_for_io",)
#: asyncio's self-pipe, written by a pool thread handing a result back and read by the loop.
HANDOFF_LEAVES = ("_write_to_self", "_read_from_self", "call_soon_threadsafe")
HANDOFF = "thread-pool hand-off (anyio, threading, queue)"


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").replace(str(ROOT) + "/", "").split("site-packages/")[-1].split("/lib/python3.11/")[-1]
    return f"{name} ({where})"


def summarize_profile(path: Path, rate: int, seconds: float, top: int = 12) -> dict[str, Any]:
    """Collapsed stacks (py-spy raw, all threads) -> the share of busy samples by layer
    (see LAYERS) and by leaf function. Threads waiting (IDLE_LEAVES) and blocked on a
    Neo4j answer (NEO4J_WAIT_LEAVES) are counted apart."""
    busy = idle = neo4j_wait = 0
    layers: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count = int(n)
        frames = stack.split(";")
        leaf = frames[-1]
        if any(leaf.startswith(w) or w in leaf for w in IDLE_LEAVES):
            idle += count
            continue
        if leaf.startswith(NEO4J_WAIT_LEAVES):
            neo4j_wait += count
            continue
        busy += count
        layer = "other"
        for frame in reversed(frames):
            group = _frame_group(frame)
            if group in LAYERS:
                layer = LAYERS[group]
                break
            if not group.startswith(("stdlib.", "<")):  # <string>: namedtuple and dataclass methods
                layer = group
                break
        if any(h in leaf for h in HANDOFF_LEAVES) or (layer == LAYERS["stdlib.asyncio"] and "WorkerThread.run" in stack):
            layer = HANDOFF
        layers[layer] += count
        leaves[_short(leaf)] += count
    total = rate * seconds
    out: dict[str, Any] = {"busy_samples": busy, "idle_samples": idle, "neo4j_wait_samples": neo4j_wait,
                           "busy_threads_avg": busy / total if total else None,
                           "neo4j_wait_threads_avg": neo4j_wait / total if total else None}
    if busy:
        out["by_layer_pct"] = {k: round(100.0 * v / busy, 1) for k, v in layers.most_common()}
        out["by_leaf_function_pct"] = {k: round(100.0 * v / busy, 1) for k, v in leaves.most_common(top)}
    return out


# ---------------------------------------------------------------------------- store calls


async def check_and_count(store: Any, token: str, server_url: str, inputs: Inputs, seed: int, samples: int) -> dict[str, Any]:
    """Untimed, before the load: (1) the served API answers as the baseline does, for a few
    inputs of each scenario; (2) how many store calls a request makes, API (the app run
    in this process on a counting store) and baseline."""
    import httpx

    from graphsvc.api.app import create_app
    from graphsvc.settings import Settings

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    counting = Counting(store)
    app = create_app(Settings(), store=counting)  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=server_url, trust_env=False, timeout=60.0) as served, \
            app.router.lifespan_context(app), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://in-process") as local:
        for sc in SCENARIOS:
            rng = random.Random(seed + 7)
            mismatches: list[str] = []
            api_calls: Counter[str] = Counter()
            base_calls: Counter[str] = Counter()
            n = 0
            for _ in range(samples):
                if sc.key == "b" and not inputs.pairs or sc.key == "c" and not inputs.cursors:
                    break
                v = sc.variables(rng, inputs)
                body = _dumps({"query": sc.query, "variables": v})
                r = await served.post("/graphql", content=body, headers=headers)
                answer = _loads(r.content)
                expected = sc.baseline(store, v)
                if r.status_code != 200 or answer.get("errors"):
                    mismatches.append(f"{v}: HTTP {r.status_code} {json.dumps(answer)[:300]}")
                    continue
                got = sc.normalize(answer["data"])
                if got != expected:
                    mismatches.append(f"{v}: API {str(got)[:200]} != baseline {str(expected)[:200]}")
                counting.calls.clear()
                await local.post("/graphql", content=body, headers=headers)
                api_calls.update(counting.calls)
                counting.calls.clear()
                sc.baseline(counting, v)
                base_calls.update(counting.calls)
                n += 1
            out[sc.key] = {
                "checked": n, "mismatches": mismatches,
                "api_calls_per_request": sum(api_calls.values()) / n if n else None,
                "api_calls": {k: v / n for k, v in sorted(api_calls.items())} if n else {},
                "baseline_calls_per_op": sum(base_calls.values()) / n if n else None,
                "baseline_calls": {k: v / n for k, v in sorted(base_calls.items())} if n else {},
            }
    return out


# ---------------------------------------------------------------------------- one store


def bench_store(console: Any, args: argparse.Namespace, target: Target, graph: Graph, tmp: Path) -> dict[str, Any]:
    from graphsvc.auth import issue_token
    from graphsvc.model import Label

    out: dict[str, Any] = {"store": target.kind, "uri": target.uri}
    name = target.kind
    console.print(f"\\[{name}] loading {len(graph.nodes):,} nodes and {len(graph.rels):,} relationships ...", end=" ")
    out["load"] = load(target, graph)
    if out["load"].get("error"):
        console.print(f"[red]failed[/]: {out['load']['error']}")
        out["error"] = out["load"]["error"]
        return out
    console.print(f"{out['load']['seconds']:.1f} s")
    store = target.store

    console.print(f"\\[{name}] picking inputs ...", end=" ")
    inputs, out["inputs"] = pick_inputs(store, graph.person_ids, args.seed, args.pairs, args.pair_budget, args.cursors)
    pi, ci = out["inputs"]["pairs"], out["inputs"]["cursors"]
    console.print(
        f"{pi['found']} pairs 3-4 hops apart from {pi['tried']} tried in {pi['seconds']:.1f} s "
        f"(shortest lengths seen {pi['lengths_tried']}); {ci['kept']} cursors from {ci['listed']:,} listed in {ci['seconds']:.1f} s"
    )
    token, _ = issue_token(store, "coordinator", name="bench.api_load")
    db_pid = _listening_pid(_port(target.uri)) if target.kind == "neo4j" else None
    out["db_pid_found"] = db_pid is not None

    server = Server(target.uri, tmp / f"server-{name}.log", workers=args.workers)
    out["server"] = {"cmd": server.cmd, "port": server.port, "source": source_digest()}
    floor = Server(target.uri, tmp / "server-floor.log", workers=args.workers, floor=True) if args.floor and target.kind == "neo4j" else None
    scenarios: dict[str, Any] = {}
    out["scenarios"] = scenarios
    try:
        out["server"]["ready_s"] = server.wait_ready()
        console.print(f"\\[{name}] API server pid {server.proc.pid} on {server.base_url}, ready in {out['server']['ready_s']:.1f} s")
        if floor is not None:
            out["floor"] = {"cmd": floor.cmd, "ready_s": floor.wait_ready()}
            console.print(f"\\[{name}] floor server (bench.api_floor) pid {floor.proc.pid} on {floor.base_url}: (a) and (b) "
                          f"alternate with the API, {args.rounds} stretches each")
        checks = asyncio.run(check_and_count(store, token, server.base_url, inputs, args.seed, args.check_samples))
        meter = CpuMeter(server.proc.pid, db_pid)
        sides = {"api": (server, meter)} | ({"floor": (floor, CpuMeter(floor.proc.pid, db_pid))} if floor is not None else {})
        for sc in SCENARIOS:
            res: dict[str, Any] = {"name": sc.name, "what": sc.what, "query": sc.query, "check": checks[sc.key]}
            scenarios[sc.key] = res
            if sc.key == "b" and len(inputs.pairs) < 10 or sc.key == "c" and not inputs.cursors:
                res["error"] = "not enough inputs (pairs 3-4 hops apart / cursors) for this scenario"
                console.print(f"\\[{name}] ({sc.key}) {sc.name}: [red]{res['error']}[/]")
                continue
            if checks[sc.key]["mismatches"]:
                console.print(f"\\[{name}] ({sc.key}) {sc.name}: [red]API answers differ from the baseline[/]: {checks[sc.key]['mismatches'][:2]}")
            console.print(f"\\[{name}] ({sc.key}) {sc.name}: baseline ...", end=" ")
            res["baseline"] = run_baseline(store, sc, inputs, args.duration, args.warmup, args.seed, meter)
            b = res["baseline"]
            console.print(f"{b['rate']:,.0f} ops/s, p50 {b.get('p50_ms', 0):.2f} ms, p95 {b.get('p95_ms', 0):.2f} ms; API ...", end=" ")
            now = sides if sc.key in FLOOR_SCENARIOS else {"api": sides["api"]}
            if "floor" in now:
                mismatches = asyncio.run(_floor_check(now["floor"][0], token, sc, inputs, store, args))
            got = asyncio.run(_rounds(now, token, sc, inputs, args))
            res["api"] = a = got["api"]
            if "floor" in got:
                res["floor"] = f = got["floor"] | {"mismatches": mismatches}
                res["floor_ratio"] = f["rate"] / a["rate"] if a.get("rate") else None
            res["levels"] = {args.concurrency: (first := _level_figures(res))}
            if "floor" in got:
                res["round_ratios"] = first["round_ratios"]
            res["server_rss_kib"] = server.rss_kib()
            if a.get("p50_ms") and b.get("p50_ms"):
                res["p50_ratio"] = a["p50_ms"] / b["p50_ms"]
                res["throughput_ratio"] = b["rate"] / a["rate"] if a["rate"] else None
            colour = "red" if a["errors"] or a.get("warmup_errors") else "green"
            console.print(
                f"{a['rate']:,.0f} req/s, p50 {a.get('p50_ms', 0):.2f} ms, p95 {a.get('p95_ms', 0):.2f} ms, "
                f"[{colour}]{a['errors']} errors[/]"
            )
            for sample in a["error_samples"][:3]:
                console.print(f"    [red]error[/]: {sample}")
            if f := res.get("floor"):
                colour = "red" if f["errors"] or f["mismatches"] else "green"
                console.print(f"\\[floor] ({sc.key}) {sc.name}: {f['rate']:,.0f} req/s, p50 {f.get('p50_ms', 0):.2f} ms, p95 {f.get('p95_ms', 0):.2f} ms, "
                              f"[{colour}]{f['errors']} errors, {len(f['mismatches'])} answers differing from the baseline[/]; "
                              f"API/floor by stretch {', '.join(f'{x:.2f}' for x in first['round_ratios'] if x is not None)}"
                              + (f" (median {first['api_floor_median']:.2f})" if first["api_floor_median"] is not None else ""))
            if args.py_spy:
                res["profile"] = asyncio.run(_profile(server, token, sc, inputs, args, tmp, name))
                console.print(f"\\[{name}] ({sc.key}) py-spy: {res['profile'].get('summary_line', res['profile'].get('error'))}")
            for level in args.levels[1:]:
                console.print(f"\\[{name}] ({sc.key}) {sc.name} at {level} in flight: ...", end=" ")
                more = asyncio.run(_rounds(now, token, sc, inputs, argparse.Namespace(**vars(args) | {"concurrency": level})))
                fig = res["levels"][level] = _level_figures({"api": more["api"], "floor": more.get("floor")})
                console.print(f"{fig['api']['rate']:,.0f} req/s, p50 {fig['api'].get('p50_ms', 0):.2f} ms, p95 {fig['api'].get('p95_ms', 0):.2f} ms, "
                              f"{fig['api']['errors']} errors" + (f"; floor {fig['floor']['rate']:,.0f} req/s, p95 {fig['floor'].get('p95_ms', 0):.2f} ms, "
                                                                 f"API/floor by stretch median {_f(fig.get('api_floor_median'), '.2f')}" if fig.get("floor") else ""))
            if target.kind == TARGET_STORE and sc.key in TARGETS:
                res["target"] = _target(sc.key, res["levels"])
        out["people_after"] = store.count_nodes(Label.PERSON)
        if out["people_after"] != len(graph.person_ids):
            out["error"] = f"{out['people_after']} people in the store after the run, {len(graph.person_ids)} loaded (a concurrent clear?)"
            console.print(f"[red]{out['error']}[/]")
    except Exception as exc:  # noqa: BLE001 - reported, and the run fails
        out["error"] = f"{type(exc).__name__}: {exc}"
        console.print(f"\\[{name}] [red]failed[/]: {out['error']}")
    finally:
        server.stop()
        out["server"]["log_tail"] = server.log_tail(5)
        if floor is not None:
            floor.stop()
            out.setdefault("floor", {})["log_tail"] = floor.log_tail(5)
    return out


async def _floor_check(server: Server, token: str, sc: Scenario, inputs: Inputs, store: Any, args: argparse.Namespace) -> list[str]:
    rng = random.Random(args.seed + 7)
    mismatches: list[str] = []
    async with _client(server, token) as client:
        for _ in range(args.check_samples):
            v = sc.variables(rng, inputs)
            r = await client.post("/graphql", _dumps({"query": sc.query, "variables": v}))
            got, expected = sc.normalize(_loads(r.content)["data"]) if r.status_code == 200 else r.text, sc.baseline(store, v)
            if got != expected:
                mismatches.append(f"{v}: floor {str(got)[:200]} != baseline {str(expected)[:200]}")
    return mismatches


def _port(uri: str) -> int:
    from urllib.parse import urlsplit

    try:
        return urlsplit(uri).port or 7687
    except ValueError:
        return 7687


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}


class _Answer:
    __slots__ = ("content", "status_code")

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class LeanClient:
    """The load generator's HTTP/1.1 client: keep-alive connections on asyncio streams, the
    request head prepared once, the answer read by its Content-Length. A general client
    (httpx) spent ~3 ms of CPU per request on these 2 cores, beside the server it measures;
    this one spends a tenth of that. Only what the benchmark sends: POST, JSON bodies,
    answers with a Content-Length."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 60.0) -> None:
        from urllib.parse import urlsplit

        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.timeout = timeout
        lines = [f"Host: {self.host}:{self.port}", *(f"{k}: {v}" for k, v in headers.items())]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode()
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes) -> _Answer:
        conn = self._idle.pop() if self._idle else await asyncio.open_connection(self.host, self.port)
        reader, writer = conn
        try:
            writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\n" + self._head + str(len(body)).encode() + b"\r\n\r\n" + body)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timeout)
            status = int(head[9:12])
            fields = head.lower()
            at = fields.find(b"\r\ncontent-length:")
            if at < 0:
                raise RuntimeError(f"an answer without Content-Length: {head[:200]!r}")
            length = int(fields[at + 17 : fields.index(b"\r\n", at + 2)])
            content = await asyncio.wait_for(reader.readexactly(length), self.timeout)
        except BaseException:
            writer.close()
            raise
        if b"\r\nconnection: close" in fields:
            writer.close()
        else:
            self._idle.append(conn)
        return _Answer(status, content)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close_idle()

    def close_idle(self) -> None:
        """Close the kept-alive connections: the next requests open new ones (a connection
        idle longer than the server's keep-alive timeout, 5 s for uvicorn, is closed by it)."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


def _client(server: Server, token: str) -> LeanClient:
    return LeanClient(server.base_url, _headers(token))


async def _rounds(sides: dict[str, tuple[Server, CpuMeter]], token: str, sc: Scenario, inputs: Inputs,
                  args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The scenario on each server in turn (the API, the floor), ``--rounds`` times, each
    stretch ``--duration`` / rounds seconds, after one warm-up each: a slow stretch of the
    shared machine falls on both sides. Each side's figures pool its stretches (rate over
    their total time, latencies of all of them, CPU of all of them); ``rounds`` lists each
    stretch's rate."""
    stretch = args.duration / args.rounds
    clients = {name: _client(server, token) for name, (server, _) in sides.items()}
    out: dict[str, dict[str, Any]] = {}
    try:
        warm = {name: await drive(client, sc, inputs, args.warmup, args.concurrency, args.seed + 1) if args.warmup else None
                for name, client in clients.items()}
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
        cpu: dict[str, dict[str, float]] = {name: {} for name in sides}
        for r in range(args.rounds):
            for name, (_, meter) in sides.items():
                clients[name].close_idle()  # idle while the other side ran: the server may have closed them
                before = meter.snap()
                run = await drive(clients[name], sc, inputs, stretch, args.concurrency, args.seed + 2 + r)
                after = meter.snap()
                for k in after.keys() & before.keys():
                    cpu[name][k] = cpu[name].get(k, 0.0) + after[k] - before[k]
                runs[name].append(run)
    finally:
        for client in clients.values():
            client.close_idle()
    for name in sides:
        lat = [x for run in runs[name] for x in run.pop("latencies")]
        seconds = sum(run["seconds"] for run in runs[name])
        result = latency_stats(lat, seconds) | {
            "errors": sum(run["errors"] for run in runs[name]),
            "error_samples": [x for run in runs[name] for x in run["error_samples"]][:5],
            "rounds": [run["rate"] for run in runs[name]],
            "cpu": CpuMeter.diff(dict.fromkeys(cpu[name], 0.0), cpu[name], len(lat)),
        }
        if (w := warm[name]) is not None:
            w.pop("latencies")
            result["warmup_errors"] = w["errors"]
            result["error_samples"] = result["error_samples"] or w["error_samples"]
        out[name] = result
    return out


async def _profile(server: Server, token: str, sc: Scenario, inputs: Inputs, args: argparse.Namespace, tmp: Path, store: str) -> dict[str, Any]:
    """An extra, untimed stretch of the same load with py-spy sampling the server."""
    exe = _py_spy()
    if exe is None:
        return {"error": "py-spy not found (.venv/bin/pip install py-spy)"}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    raw = RESULTS_DIR / f"api_load-{store}-{sc.key}-{sc.name}-{os.getpid()}.pyspy.txt"
    secs = max(1, int(args.py_spy))
    rate = 250
    cmd = [exe, "record", "--pid", str(server.proc.pid), "--duration", str(secs), "--rate", str(rate),
           "--format", "raw", "--full-filenames", "--nonblocking", "--output", str(raw)]
    if args.workers > 1:  # the server's pid is the supervisor: sample its workers
        cmd.append("--subprocesses")
    spy = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    await asyncio.sleep(0.3)
    async with _client(server, token) as client:
        load = await drive(client, sc, inputs, secs + 1.0, args.concurrency, args.seed + 3)
    _, err = await asyncio.wait_for(spy.communicate(), timeout=secs + 60)
    if spy.returncode != 0 or not raw.exists():
        return {"error": f"py-spy exited with {spy.returncode}: {err.decode(errors='replace')[-300:]}"}
    summary = summarize_profile(raw, rate, secs)
    top = ", ".join(f"{k} {v}%" for k, v in list(summary.get("by_layer_pct", {}).items())[:8])
    return {"raw": str(raw.relative_to(ROOT)), "seconds": secs, "rate_under_profiler": load["rate"], **summary,
            "summary_line": (f"{summary['busy_samples']} busy samples ({summary['busy_threads_avg']:.2f} threads busy, "
                             f"{summary['neo4j_wait_threads_avg']:.2f} waiting for Neo4j on average) "
                             f"-> {raw.relative_to(ROOT)}; by layer: {top}")}


def _level_figures(res: dict[str, Any]) -> dict[str, Any]:
    """One concurrency level's figures: the API's, the floor's (if run), the API's share of
    the floor's rate stretch by stretch (each pair measured minutes apart at most; None
    where the floor did nothing) and its median."""
    a, f = res["api"], res.get("floor")
    out: dict[str, Any] = {"api": a, "floor": f}
    if f:
        out["round_ratios"] = [x / y if y else None for x, y in zip(a["rounds"], f["rounds"], strict=True)]
        ratios = [x for x in out["round_ratios"] if x is not None]
        out["api_floor_median"] = statistics.median(ratios) if ratios else None
    return out


def _target(key: str, levels: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Met if at some concurrency level the API did both: at least the rate, under the p95
    (the same requests; more in flight only queue longer once the server is saturated)."""
    min_rate, max_p95 = TARGETS[key]

    def meets(api: dict[str, Any]) -> bool:
        return api.get("p95_ms", float("inf")) < max_p95 and (min_rate is None or api["rate"] >= min_rate) and not api["errors"]

    met_at = [level for level, fig in levels.items() if meets(fig["api"])]
    text = (f"≥ {min_rate:.0f} req/s and " if min_rate else "") + f"p95 < {max_p95:.0f} ms"
    if len(levels) > 1:
        text += f" at some level of {sorted(levels)} in flight" + (f"; met at {met_at}" if met_at else "")
    return {"met": bool(met_at), "met_at": met_at, "text": text, "min_rate": min_rate, "max_p95_ms": max_p95}


# ---------------------------------------------------------------------------- report


def _f(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def print_report(console: Any, args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=(f"API load: {args.people:,} people, {args.knows:,} KNOWS; {args.concurrency} concurrent requests"
                         + (f" (and {', '.join(map(str, args.levels[1:]))}: rows 'at N in flight')" if len(args.levels) > 1 else "")
                         + f", {args.workers} server process(es), "
                         f"{args.duration:g} s per scenario (+{args.warmup:g} s warm-up); baseline = store called directly, 1 thread"))
    for col in ("store", "scenario", "API req/s", "API p50 ms", "API p95 ms", "API p99 ms", "base ops/s", "base p50 ms",
                "base p95 ms", "p50 API/base", "ops/s base/API", "calls/req API/base", "errors", "target"):
        table.add_column(col, justify="left" if col in ("store", "scenario", "target") else "right")
    for r in results:
        if not r.get("scenarios"):
            table.add_row(r["store"], "[red]failed[/]", (r.get("error") or "")[:80], *[""] * 11)
            continue
        for key, s in r["scenarios"].items():
            a, b = s.get("api", {}), s.get("baseline", {})
            chk = s.get("check", {})
            calls = f"{_f(chk.get('api_calls_per_request'), '.1f')}/{_f(chk.get('baseline_calls_per_op'), '.1f')}"
            errs = a.get("errors", 0) + a.get("warmup_errors", 0) + len(chk.get("mismatches", []))
            err_text = f"[red]{errs}[/]" if errs or s.get("error") else "0"
            target = ""
            if "target" in s:
                t = s["target"]
                target = f"[{'green' if t['met'] else 'red'}]{'met' if t['met'] else 'NOT met'}[/] ({t['text']})"
            if s.get("error"):
                table.add_row(r["store"], f"({key}) {s['name']}", f"[red]{s['error'][:60]}[/]", *[""] * 10, target)
                continue
            table.add_row(
                r["store"], f"({key}) {s['name']}", _f(a.get("rate"), ",.0f"), _f(a.get("p50_ms"), ".2f"),
                _f(a.get("p95_ms"), ".2f"), _f(a.get("p99_ms"), ".2f"), _f(b.get("rate"), ",.0f"),
                _f(b.get("p50_ms"), ".2f"), _f(b.get("p95_ms"), ".2f"), _f(s.get("p50_ratio"), ".1f") + "x",
                _f(s.get("throughput_ratio"), ".2f"), calls, err_text, target,
            )
            for level, fig in list((s.get("levels") or {}).items())[1:]:
                la, lf = fig["api"], fig.get("floor") or {}
                table.add_row(r["store"], f"({key}) at {level} in flight", _f(la.get("rate"), ",.0f"), _f(la.get("p50_ms"), ".2f"),
                              _f(la.get("p95_ms"), ".2f"), _f(la.get("p99_ms"), ".2f"), *[""] * 6, f"[red]{la['errors']}[/]" if la["errors"] else "0",
                              (f"floor {_f(lf.get('rate'), ',.0f')} req/s, p95 {_f(lf.get('p95_ms'), '.2f')} ms; API/floor median "
                               f"{_f(fig.get('api_floor_median'), '.2f')}") if lf else "")
            if f := s.get("floor"):
                bad = f.get("errors", 0) + f.get("warmup_errors", 0) + len(f.get("mismatches", []))
                table.add_row(r["store"], f"({key}) floor", _f(f.get("rate"), ",.0f"), _f(f.get("p50_ms"), ".2f"),
                              _f(f.get("p95_ms"), ".2f"), _f(f.get("p99_ms"), ".2f"), *[""] * 6, f"[red]{bad}[/]" if bad else "0",
                              "bench.api_floor: 1 Cypher query, no GraphQL; API/floor by stretch: median "
                              + _f(next(iter(s["levels"].values())).get("api_floor_median"), ".2f"))
    console.print(table)

    cpu = Table(title="CPU per request/op (ms of CPU) and cores busy during the measured stretch; 'other' = the rest of the (shared) machine")
    for col in ("store", "scenario", "side", "client ms", "API server ms", "Neo4j ms", "client cores", "server cores",
                "by worker", "Neo4j cores", "other cores", "server RSS MiB"):
        cpu.add_column(col, justify="left" if col in ("store", "scenario", "side") else "right")
    for r in results:
        for key, s in (r.get("scenarios") or {}).items():
            for side in ("api", "floor", "baseline"):
                c = (s.get(side) or {}).get("cpu")
                if not c:
                    continue
                per, busy = c["cpu_ms_per_op"], c["cores_busy"]
                rss = s.get("server_rss_kib") if side == "api" else None
                served = side != "baseline"
                cpu.add_row(
                    r["store"], f"({key}) {s['name']}", side, _f(per.get("client"), ".2f"),
                    _f(per.get("server"), ".2f") if served else "-", _f(per.get("db"), ".2f"),
                    _f(busy.get("client"), ".2f"), _f(busy.get("server"), ".2f") if served else "-",
                    "/".join(f"{v:.2f}" for k, v in sorted(busy.items()) if k.startswith(WORKER)) or "-",
                    _f(busy.get("db"), ".2f"), _f(busy.get("other"), ".2f"), _f(rss / 1024 if rss else None, ",.0f"),
                )
    console.print(cpu)
    console.print(
        "[dim]req/s and ops/s: completed in the measured stretch ÷ its length. Latency: API = request sent to body received "
        f"by this process ({args.concurrency} in flight, lean asyncio client, keep-alive); baseline = one direct store call sequence. "
        "p50 API/base = API p50 ÷ baseline p50; ops/s base/API = baseline ops/s ÷ API req/s (> 1: the single-threaded "
        "baseline does more per second than the API with its concurrency). calls/req = store method calls per request "
        "(API: the same app run in this process on a counting store; baseline: the direct code), averaged over the "
        "checked inputs. errors = responses with errors, a non-200 status, an unexpected shape, and API answers that "
        "differ from the baseline's. Targets apply to the Neo4j store only.[/]"
    )


# ---------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.api_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--people", type=int, default=100_000, help="Person nodes (default 100000)")
    p.add_argument("--knows", type=int, default=1_000_000, help="KNOWS relationships (default 1000000)")
    p.add_argument("--stores", default="sqlite,neo4j", help="comma-separated: sqlite, neo4j (default both)")
    p.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7697"))
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per scenario and side (default 20)")
    p.add_argument("--warmup", type=float, default=3.0, help="untimed seconds before each measured stretch (default 3)")
    p.add_argument("--concurrency", default="8",
                   help="API requests in flight; a comma-separated list measures each scenario at each level (default 8)")
    p.add_argument("--workers", type=int, default=1, help="API server processes (graphsvc serve --workers; default 1)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--pairs", type=int, default=200, help="pairs 3-4 hops apart to pick for (b) (default 200)")
    p.add_argument("--pair-budget", type=float, default=60.0, help="seconds allowed for picking pairs (default 60)")
    p.add_argument("--cursors", type=int, default=500, help="page cursors to pick for (c) (default 500)")
    p.add_argument("--check-samples", type=int, default=5,
                   help="inputs per scenario checked against the baseline and counted for store calls (default 5)")
    p.add_argument("--py-spy", type=float, default=0.0, metavar="SECONDS",
                   help="after each API scenario, profile the server with py-spy for SECONDS of extra (untimed) load")
    p.add_argument("--rounds", type=int, default=3,
                   help="measured stretches per scenario (each --duration / rounds s), alternating the API and the floor (default 3)")
    p.add_argument("--floor", action="store_true",
                   help="also serve (a) and (b) from bench.api_floor (one Cypher query a request, no GraphQL) on Neo4j: the machine's floor")
    p.add_argument("--workdir", default=tempfile.gettempdir(), help="where the SQLite file and server logs go")
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/api_load-<timestamp>.json")
    args = p.parse_args(argv)
    args.stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = set(args.stores) - {"sqlite", "neo4j"}
    if unknown:
        p.error(f"unknown store(s): {', '.join(sorted(unknown))}")
    try:
        args.levels = [int(x) for x in str(args.concurrency).split(",") if x.strip()]
    except ValueError:
        p.error(f"--concurrency: not a comma-separated list of integers: {args.concurrency!r}")
    args.concurrency = args.levels[0] if args.levels else 0  # the first level: the figures the report leads with
    if not args.levels or min(args.levels) < 1 or args.duration <= 0 or args.warmup < 0 or args.rounds < 1:
        p.error("--concurrency and --rounds must be ≥ 1, --duration > 0 and --warmup ≥ 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 220)
    info = machine()
    console.print(
        f"[bold]machine[/]: nproc={info['nproc']}, memory {info['mem_total_gib']} GiB, CPU {info['cpu_model']}, "
        f"Python {info['python']}, SQLite {info['sqlite']}, load average {', '.join(f'{x:.2f}' for x in info['loadavg'])}"
    )
    console.print(f"[yellow]note[/]: {info['note']}")
    info["git_head"], info["source_at_start"] = git_head(), source_digest()
    console.print(f"code: git HEAD {info['git_head']}, graphsvc source digest {info['source_at_start']}")
    started = time.perf_counter()

    console.print(f"generating {args.people:,} people and {args.knows:,} KNOWS (seed {args.seed}) ...", end=" ")
    graph, generation = build_graph(args.people, args.knows, args.seed)
    gc.freeze()  # the data set is long-lived: keep the collector from walking it during the load
    console.print(f"{generation['total_s']:.1f} s; counts {graph.counts}; peak RSS {peak_rss_kib() / 1024:,.0f} MiB")

    tmp = Path(tempfile.mkdtemp(prefix="api_load-run-", dir=args.workdir))
    results: list[dict[str, Any]] = []
    try:
        for kind in args.stores:
            target = Target(kind, args)
            try:
                results.append(bench_store(console, args, target, graph, tmp))
            finally:
                target.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print_report(console, args, results)
    failed = False
    for r in results:
        if r.get("error"):
            failed = True
            console.print(f"[bold red]{r['store']}: FAILED[/]: {r['error']}")
        for key, s in (r.get("scenarios") or {}).items():
            a = s.get("api") or {}
            bad = a.get("errors", 0) + a.get("warmup_errors", 0)
            bad += sum(fig["api"].get("errors", 0) + fig["api"].get("warmup_errors", 0) for fig in list((s.get("levels") or {}).values())[1:])
            mism = s.get("check", {}).get("mismatches", [])
            floor = s.get("floor") or {}
            floor_bad = sum((fig.get("floor") or {}).get("errors", 0) for fig in list((s.get("levels") or {}).values())[1:])
            if floor.get("errors") or floor.get("mismatches") or floor_bad:
                failed = True
                console.print(f"[bold red]{r['store']} ({key}) floor: FAILED[/]: {floor.get('errors', 0) + floor_bad} failed responses, "
                              f"{len(floor.get('mismatches', []))} answers differing from the baseline")
                for sample in (floor.get("error_samples") or [])[:3] + floor.get("mismatches", [])[:3]:
                    console.print(f"    {sample}")
            if s.get("error") or bad or mism:
                failed = True
                why = s.get("error") or f"{bad} failed responses, {len(mism)} answers differing from the baseline"
                console.print(f"[bold red]{r['store']} ({key}) {s['name']}: FAILED[/]: {why}")
                for sample in (a.get("error_samples") or [])[:3] + mism[:3]:
                    console.print(f"    {sample}")
            if "target" in s:
                t = s["target"]
                console.print(
                    f"{r['store']} ({key}) {s['name']}: target {t['text']}: "
                    + ("[green]met[/]" if t["met"] else "[red]NOT met[/]")
                    + "; ".join(f" {fig['api'].get('rate', 0):,.0f} req/s, p95 {fig['api'].get('p95_ms', 0):.1f} ms at {level} in flight"
                                for level, fig in (s.get("levels") or {"-": {"api": a}}).items())
                )
            prof = s.get("profile")
            if prof and prof.get("by_leaf_function_pct"):
                console.print(f"{r['store']} ({key}) py-spy, hottest leaf functions: "
                              + ", ".join(f"{k} {v}%" for k, v in list(prof["by_leaf_function_pct"].items())[:6]))
    digests = {info["source_at_start"]} | {r["server"]["source"] for r in results if "server" in r}
    info["source_digests_seen"] = sorted(digests)
    if len(digests) > 1:
        console.print(f"[red]warning[/]: graphsvc's source changed during the run (digests {', '.join(sorted(digests))}): the "
                      "API servers ran different code; run again")
    console.print(f"total bench wall time {time.perf_counter() - started:.0f} s")
    if not args.no_json:
        path = write_results("api_load", {"machine": info, "params": vars(args), "targets": TARGETS,
                                          "generation": generation, "counts": graph.counts, "results": results})
        console.print(f"wrote {path.relative_to(ROOT)}")
    if failed:
        console.print("[bold red]FAILED[/]: see above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
