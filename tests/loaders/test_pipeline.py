"""Loading into each store: validated whole first, all or nothing, idempotent, resumable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graphsvc.model import Label, RelType
from graphsvc.store import open_store
from graphsvc.store.base import Store
from loaders.items import Severity
from loaders.pipeline import load
from loaders.sources import read
from tests.factories import node, person

PEOPLE = "id,name,roles,consent.matching,languages,neighborhood\n"


def folder(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "data"
    root.mkdir(exist_ok=True)
    for name, text in files.items():
        (root / f"{name}.csv").write_text(text, encoding="utf-8")
    return root


def ring(tmp_path: Path, n: int) -> Path:
    """``n`` people, each knowing the one 7 places on: a load long enough to be interrupted."""
    return folder(
        tmp_path,
        people=PEOPLE + "".join(f"p{i:05d},Person {i},RESIDENT,true,,\n" for i in range(n)),
        knows="start,end,trust\n" + "".join(f"p{i:05d},p{(i * 7 + 1) % n:05d},0.5\n" for i in range(n) if (i * 7 + 1) % n != i),
    )


def good(tmp_path: Path) -> Path:
    return folder(
        tmp_path,
        people=PEOPLE + "amal,Amal,NEWCOMER,true,arz:native;eng:basic,riverside\nsamir,Samir,MENTOR,true,ara,riverside\nlena,Lena,RESIDENT,false,,\n",
        neighborhoods="id,name,city\nriverside,Riverside,Lakeview\n",
        knows="start,end,trust,context\namal,samir,0.8,ESL class\nsamir,lena,0.4,\n",
    )


def test_a_clean_folder_loads_and_loads_again_without_change(store: Store, tmp_path: Path) -> None:
    source = good(tmp_path)
    first = load(store, read(source))
    assert first.errors == [] and first.written
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    assert first.implied_created == 3  # arz, eng, ara
    assert first.rels_written == 2 + 3 + 2  # KNOWS, SPEAKS, LIVES_IN
    assert store.get(Label.PERSON, "amal").consent.matching is True
    assert {r.end for r in store.relationships(Label.PERSON, "amal", [RelType.SPEAKS])} == {"arz", "eng"}
    before = store.get(Label.PERSON, "amal").updated_at

    second = load(store, read(source))
    assert (second.created, second.updated, second.unchanged, second.implied_created) == (0, 0, 4, 0)
    assert store.get(Label.PERSON, "amal").updated_at == before
    assert len(store.relationships(Label.PERSON, "samir", [RelType.KNOWS])) == 2

    (source / "people.csv").write_text(PEOPLE + "amal,Amal Haddad,NEWCOMER,true,arz:native;eng:basic,riverside\n", encoding="utf-8")
    third = load(store, read(source))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert store.get(Label.PERSON, "amal").name == "Amal Haddad"


def test_one_bad_row_stores_nothing_and_every_problem_is_located(store: Store, tmp_path: Path) -> None:
    store.upsert(person("old", "Already here"))
    source = folder(
        tmp_path,
        people=PEOPLE + "amal,Amal,NEWCOMER,true,arz,\nbad,Bad,ASTRONAUT,true,,\nsamir,Samir,MENTOR,maybe,xx1,\namal,Amal again,,,,\n",
        knows="start,end,trust\namal,samir,1.5\namal,ghost,0.5\namal,old,0.5\n",
    )
    report = load(store, read(source))
    assert not report.written
    found = {(p.file, p.row, p.column) for p in report.errors}
    assert ("people.csv", 3, "roles.0") in found
    assert ("people.csv", 4, "consent.matching") in found
    assert ("people.csv", 5, "id") in found  # the duplicate, naming row 2
    assert any("row 2 of people.csv" in p.reason for p in report.errors)
    assert any(p.file == "people.csv" and p.row == 4 and p.value == "xx1" for p in report.errors)  # the language code
    assert ("knows.csv", 2, "props.trust") in found
    assert any(p.file == "knows.csv" and p.value == "ghost" and "neither in the source nor in the store" in p.reason for p in report.errors)
    assert not any(p.value == "old" for p in report.problems)  # an end already in the store is fine
    assert store.get(Label.PERSON, "amal") is None
    assert store.count_nodes(Label.PERSON) == 1 and store.count_nodes(Label.LANGUAGE) == 0


def test_skip_invalid_stores_the_rest_and_rejects_what_depends_on_a_bad_row(store: Store, tmp_path: Path) -> None:
    source = folder(
        tmp_path,
        people=PEOPLE + "amal,Amal,NEWCOMER,true,,\nbad,Bad,ASTRONAUT,true,,\nsamir,Samir,MENTOR,true,,\n",
        knows="start,end,trust\namal,samir,0.5\namal,bad,0.5\n",
    )
    report = load(store, read(source), skip_invalid=True)
    assert report.written and report.created == 2 and report.rels_written == 1
    assert report.rejected == 2
    assert {(r["file"], r["row"]) for r in report.rejects} == {("people.csv", 3), ("knows.csv", 3)}
    assert next(r for r in report.rejects if r["file"] == "people.csv")["data"]["roles"] == "ASTRONAUT"
    assert store.get(Label.PERSON, "bad") is None
    assert [r.end for r in store.relationships(Label.PERSON, "amal", [RelType.KNOWS])] == ["samir"]


def test_implied_languages_never_overwrite_the_store(store: Store, tmp_path: Path) -> None:
    store.upsert(node("Language", id="arz", name="Masri (Egyptian Arabic)"))
    report = load(store, read(folder(tmp_path, people=PEOPLE + "amal,Amal,NEWCOMER,true,arz,\n")))
    assert report.implied_created == 0 and not report.errors
    assert store.get(Label.LANGUAGE, "arz").name == "Masri (Egyptian Arabic)"


def test_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    report = load(store, read(good(tmp_path)), dry_run=True)
    assert report.errors == [] and not report.written and report.rows > 0
    assert store.count_nodes(Label.PERSON) == 0


def test_a_missing_path_is_a_problem_not_an_exception(store: Store, tmp_path: Path) -> None:
    report = load(store, read(tmp_path / "nope.csv"))
    assert [p.reason for p in report.errors] == ["does not exist"] and not report.written
    assert all(p.severity is Severity.ERROR for p in report.errors)


# ---------------------------------------------------------------------------- a killed load


def test_a_killed_load_leaves_the_file_as_it_was_and_the_same_command_completes_it(tmp_path: Path) -> None:
    """SQLite writes a load as one transaction: killed while it writes, none of it stays."""
    n = 50_000
    source = ring(tmp_path, n)
    db = tmp_path / "g.db"
    uri = f"sqlite:///{db}"
    with open_store(uri) as store:
        store.bootstrap()
        store.upsert(person(id="before", name="Here before"))
    command = [sys.executable, "-m", "graphsvc.cli", "load", str(source), "--store", uri, "--batch-size", "200", "--report", str(tmp_path / "r.json")]
    env = {**os.environ, "COLUMNS": "120"}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:  # until the load holds the write transaction
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            break
        time.sleep(0.02)
    time.sleep(1.0)  # thousands of rows written meanwhile, in batches of 200
    assert proc.poll() is None, "the load ended before it could be killed: make it larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    probe.close()
    with open_store(uri) as store:
        assert store.count_nodes(Label.PERSON) == 1 and store.get(Label.PERSON, "before").name == "Here before"
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    with open_store(uri) as store:
        assert store.count_nodes(Label.PERSON) == n + 1
        assert len(store.relationships(Label.PERSON, "p00000", [RelType.KNOWS])) == 2


def test_a_language_given_and_implied_is_written_once_as_given(store: Store, tmp_path: Path) -> None:
    source = folder(tmp_path, people=PEOPLE + "amal,Amal,NEWCOMER,true,ara,\n", languages="id,name\nara,Arabic (all varieties)\n")
    report = load(store, read(source))
    assert (report.created, report.implied_created, report.unchanged) == (2, 0, 0)
    assert store.get(Label.LANGUAGE, "ara").name == "Arabic (all varieties)"


def test_a_list_where_a_label_belongs_is_a_located_problem(store: Store, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_text('{"format": "graphsvc-bundle", "version": 1, "people": [{"id": "a", "name": "A"}],'
                      ' "relationships": [{"type": "SPEAKS", "start": "a", "end": "ara", "start_label": ["Person"]}]}', encoding="utf-8")
    report = load(store, read(bundle))
    assert [(p.file, p.row, p.column) for p in report.errors] == [("b.json#relationships", 1, "start_label")]


def whole_loads(store: Store) -> bool:
    with store.whole_load() as whole:
        return whole


def test_writing_stops_at_a_failed_batch_and_starts_nothing_after_it(store: Store, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches are written in order, one at a time (a load this small), and the first
    failure ends the load: none after it is started, and the batches before it stay
    whole, or, in a store that writes a load as one transaction, are rolled back too."""
    people = "".join(f"p{i},P{i},RESIDENT,false,,\n" for i in range(10))
    source = folder(tmp_path, people=PEOPLE + people,
                    knows="start,end\n" + "".join(f"p{i},p{i + 1}\n" for i in range(9)))
    started: list[int] = []
    write = store._write_batch

    def failing(nodes: Any, rels: Any, *args: Any) -> Any:
        started.append(len(nodes) + len(rels))
        if len(started) == 6:  # 4 node batches (3, 3, 3, 1), then the 2nd relationship batch
            raise RuntimeError("the store went away")
        return write(nodes, rels, *args)

    monkeypatch.setattr(store, "_write_batch", failing)
    with pytest.raises(RuntimeError, match="went away"):
        load(store, read(source), batch_size=3)
    assert started == [3, 3, 3, 1, 3, 3]  # nothing started after the failure
    whole = whole_loads(store)
    assert store.count_nodes(Label.PERSON) == (0 if whole else 10)
    assert sum(len(store.relationships(Label.PERSON, f"p{i}", [RelType.KNOWS])) for i in range(10)) == (0 if whole else 2 * 3)


def test_counts_and_progress_hold_when_the_store_writes_on_several_threads(store: Store, tmp_path: Path) -> None:
    """Enough rows for Neo4j's two-session bulk path: every batch is counted once, and the
    progress of each phase ends at its total."""
    n = 120
    people = "".join(f"p{i:03d},P{i},RESIDENT,false,,\n" for i in range(n))
    pairs = sorted({(i, (i * k + 1) % n) for i in range(n) for k in (3, 7)} - {(i, i) for i in range(n)})
    pairs = [(a, b) for a, b in pairs if (b, a) not in pairs or a < b]
    source = folder(tmp_path, people=PEOPLE + people, knows="start,end\n" + "".join(f"p{a:03d},p{b:03d}\n" for a, b in pairs))
    seen: dict[str, int] = {}
    report = load(store, read(source), batch_size=5, progress=lambda phase, done: seen.__setitem__(phase, max(done, seen.get(phase, 0))))
    assert (report.created, report.rels_written, report.errors) == (n, len(pairs), [])
    assert report.batches >= n // 5 + -(-len(pairs) // 5)  # Neo4j cuts its own blocks: maybe more
    if whole_loads(store):  # written as read: one phase, every 10,000 rows, and the end checks
        assert seen.keys() == {"checking"} and seen["checking"] == report.rows
    else:
        assert (seen["writing nodes"], seen["writing relationships"]) == (n, len(pairs))
    assert sum(len(store.relationships(Label.PERSON, f"p{i:03d}", [RelType.KNOWS])) for i in range(n)) == 2 * len(pairs)
