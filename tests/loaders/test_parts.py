"""Parts of a source validated in worker processes: the same report as row by row, the
same rows stored, nothing written when a worker fails, no worker left when the loader is
killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphsvc.model import Label, RelType
from graphsvc.store import open_store
from graphsvc.store.base import Store
from loaders import csv_folder
from loaders.items import Item, Part, Problem
from loaders.part_workers import WorkerFailed
from loaders.pipeline import LoadReport, load
from loaders.sources import read
from tests.loaders.test_pipeline import PEOPLE, folder, ring, whole_loads

KNOWS = "start,end,trust,context\n"


def troubled(tmp_path: Path) -> list[Path]:
    """A CSV folder (and a bundle beside it) with every kind of problem, some found only
    across files: ids and relationships given twice within a file, across files and across
    sources; bad cells; a bad header; an end that is nowhere; an unknown file name."""
    source = folder(
        tmp_path,
        people=PEOPLE + "amal,Amal,NEWCOMER,true,arz:native;eng:basic,riverside\n"
        "bad,Bad,ASTRONAUT,true,,\n"
        "samir,Samir,MENTOR,true,ara;ara,riverside\n"  # SPEAKS ara twice in one row
        "lena,Lena,RESIDENT,false,,\n"
        "amal,Amal again,,,,\n"  # id twice
        + "".join(f"p{i},P{i},RESIDENT,true,eng,\n" for i in range(30)),
        neighborhoods="id,name,city\nriverside,Riverside,Lakeview\n",
        knows=KNOWS + "amal,samir,0.8,ESL class\n"
        "samir,amal,0.5,\n"  # the same, undirected
        "amal,lena,1.5,\n"  # trust out of range
        "amal,ghost,0.5,\n"  # an end that is nowhere
        "lena,bad,0.5,\n"  # an end that was rejected
        + "".join(f"p{i},p{i + 1},0.5,\n" for i in range(29)),
        speaks="start,end,level\namal,arz,native\nlena,tir,basic\nlena,tir,basic\n",  # amal-arz also in people.csv
        interested_in="start,end,colour\namal,chess,blue\n",  # a bad header
        notes="whatever\n",  # not a graphsvc file name
    )
    bundle = tmp_path / "more.json"
    bundle.write_text(json.dumps({
        "format": "graphsvc-bundle", "version": 1,
        "people": [{"id": "lena", "name": "Lena twice"}, {"id": "omar", "name": "Omar"}],
        "relationships": [{"type": "KNOWS", "start": "samir", "end": "amal"}, {"type": "KNOWS", "start": "omar", "end": "amal"}],
    }), encoding="utf-8")
    return [source, bundle, source]  # the folder twice: everything in it given twice again


def entries(paths: list[Path]) -> Iterator[Any]:
    for path in paths:
        yield from read(path)


def same_reports(one: LoadReport, other: LoadReport) -> None:
    assert one.to_dict() == other.to_dict()
    assert one.rejects == other.rejects


@pytest.mark.parametrize("span_bytes", [None, 60])
def test_the_report_is_the_same_with_workers_as_row_by_row(store: Store, tmp_path: Path, span_bytes: int | None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Files whole, or cut into spans of a few lines each (a large file's, made small)."""
    if span_bytes is not None:
        monkeypatch.setattr(csv_folder, "SPAN_BYTES", span_bytes)
    paths = troubled(tmp_path)
    parts = [p for p in read(paths[0]) if isinstance(p, Part)]
    assert (len(parts) > 10) is (span_bytes is not None)
    alone = load(store, entries(paths), dry_run=True, workers=0)
    assert alone.workers == 0
    reasons = [p.reason for p in alone.errors]
    assert any("duplicate: Person 'amal' is already on row 2 of people.csv" in r for r in reasons)
    assert any("duplicate: this KNOWS from 'amal' to 'samir' is already on row 2 of knows.csv" in r for r in reasons)
    assert any("duplicate: this SPEAKS from 'amal' to 'arz' is already on row 2 of people.csv" in r for r in reasons)
    assert any("duplicate: this SPEAKS from 'samir' to 'ara'" in r for r in reasons)
    assert any("already on row 2 of knows.csv" in r and p.file == "more.json#relationships" for p, r in zip(alone.errors, reasons, strict=True))
    for workers in (1, 2):
        checked = load(store, entries(paths), dry_run=True, workers=workers)
        assert checked.workers == workers and checked.workers_peak_rss_mib > 0
        same_reports(checked, alone)


def stored(store: Store) -> tuple[Any, ...]:
    people = sorted((p.id, p.name) for p in store.list_nodes(Label.PERSON, first=1000).items)
    knows = sorted((r.start, r.end, r.props.get("trust")) for p in people for r in store.relationships(Label.PERSON, p[0], [RelType.KNOWS]))
    speaks = sorted((r.start, r.end) for p in people for r in store.relationships(Label.PERSON, p[0], [RelType.SPEAKS]))
    return people, knows, speaks


def test_skip_invalid_stores_the_same_rows_and_rejects_with_workers(store: Store, tmp_path: Path) -> None:
    paths = troubled(tmp_path)
    alone = load(store, entries(paths), skip_invalid=True, workers=0)
    first = stored(store)
    store.clear()
    store.bootstrap()
    checked = load(store, entries(paths), skip_invalid=True, workers=1)
    same_reports(checked, alone)
    assert stored(store) == first
    assert ("amal", "Amal") in first[0] and ("lena", "Lena") in first[0] and "bad" not in {p for p, _ in first[0]}
    assert not any("ghost" in r or "bad" in r for r in first[1])
    assert {(r["file"], r["row"]) for r in checked.rejects} >= {("people.csv", 3), ("people.csv", 6), ("knows.csv", 3), ("knows.csv", 5), ("speaks.csv", 4)}


def test_a_clean_folder_with_workers_stores_everything_once(store: Store, tmp_path: Path) -> None:
    n = 300
    source = folder(tmp_path, people=PEOPLE + "".join(f"p{i:03d},P{i},RESIDENT,true,eng;ara,\n" for i in range(n)),
                    knows=KNOWS + "".join(f"p{i:03d},p{(i + 1) % n:03d},0.5,\n" for i in range(n)),
                    speaks="start,end,level\n" + "".join(f"p{i:03d},tir,basic\n" for i in range(n)), languages="id\ntir\n")
    report = load(store, read(source), workers=2, batch_size=7)
    assert report.errors == [] and report.workers == (0 if whole_loads(store) else 2)  # SQLite writes as it reads
    assert (report.created, report.implied_created, report.rels_written) == (n + 1, 2, n + 3 * n)
    again = load(store, read(source), workers=2, batch_size=7)
    assert (again.created, again.unchanged, again.rels_written) == (0, n + 1, n + 3 * n)
    assert len(store.relationships(Label.PERSON, "p000", [RelType.KNOWS])) == 2


def exploding(name: str) -> Iterator[Item | Problem]:
    yield Item(Label.PERSON, {"id": "x", "name": "X"}, name, 2)
    raise RuntimeError("a reader bug")


def test_a_worker_that_fails_stops_the_load_before_anything_is_written(store: Store, tmp_path: Path) -> None:
    source = folder(tmp_path, people=PEOPLE + "amal,Amal,NEWCOMER,true,,\n")
    parts = [*read(source), Part("broken.csv", exploding, ("broken.csv",), size=1 << 30)]  # the largest: the worker's
    with pytest.raises(WorkerFailed if not whole_loads(store) else RuntimeError, match="a reader bug"):  # SQLite: read here, rolled back
        load(store, parts, workers=1)
    assert store.count_nodes(Label.PERSON) == 0


@pytest.mark.slow
def test_a_loader_killed_while_validating_leaves_no_worker_behind(tmp_path: Path) -> None:
    n = 60_000
    source = ring(tmp_path, n)
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    with open_store(uri) as store:
        store.bootstrap()
    command = [sys.executable, "-m", "graphsvc.cli", "load", str(source), "--store", uri, "--dry-run", "--workers", "1",
               "--report", str(tmp_path / "r.json")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and not workers and proc.poll() is None:
        workers = children(proc.pid)
        time.sleep(0.05)
    assert workers, "no worker was started"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "a worker outlived its loader"


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        pytest.skip("needs /proc (Linux)")
    return [int(c) for c in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_neo4j_load_killed_while_writing_is_completed_by_the_same_command(neo4j_uri: str, neo4j_store: Store, tmp_path: Path) -> None:
    """Validated with a worker, killed while it writes (its batches are separate
    transactions): the same command completes the load, every row written once."""
    neo4j_store.clear()
    n = 20_000
    pairs = [(i, (i * 7 + 1) % n) for i in range(n) if (i * 7 + 1) % n != i]
    source = folder(
        tmp_path,
        people=PEOPLE + "".join(f"p{i:05d},Person {i},RESIDENT,true,,\n" for i in range(n)),
        knows="start,end,trust\n" + "".join(f"p{a:05d},p{b:05d},0.5\n" for a, b in pairs),
    )
    command = [sys.executable, "-m", "graphsvc.cli", "load", str(source), "--store", neo4j_uri, "--batch-size", "100",
               "--workers", "1", "--report", str(tmp_path / "r.json")]
    env = {**os.environ, "COLUMNS": "120"}
    if os.environ.get("NEO4J_PASSWORD"):
        env["GRAPHSVC_NEO4J_PASSWORD"] = os.environ["NEO4J_PASSWORD"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and neo4j_store.count_nodes(Label.PERSON) == 0:
        time.sleep(0.05)
    time.sleep(0.3)
    assert proc.poll() is None, "the load ended before it could be killed: make it larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert neo4j_store.count_nodes(Label.PERSON) == n
    knows = sum(len(neo4j_store.relationships(Label.PERSON, f"p{i:05d}", [RelType.KNOWS])) for i in range(0, n, 97))
    expected = sum(1 for a, b in pairs for end in (a, b) if end % 97 == 0)
    assert knows == expected
    neo4j_store.clear()
