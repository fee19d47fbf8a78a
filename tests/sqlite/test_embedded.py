"""What only the embedded store promises: WAL, crash safety, durability, erasure on disk."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from graphsvc.errors import (
    ConfigurationError,
    DanglingRelationshipError,
    StoreUnavailableError,
)
from graphsvc.model import Label
from graphsvc.store import open_store
from graphsvc.store.sqlite import SqliteStore
from graphsvc.store.types import LoadMemory
from tests.factories import knows, person
from tests.sqlite.writer import BATCH

ROOT = Path(__file__).resolve().parents[2]


def _start_writer(path: Path, batches: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.sqlite.writer", str(path), str(batches)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _kill(writer: subprocess.Popen[str]) -> None:
    writer.send_signal(signal.SIGKILL)
    writer.communicate()


def _batch_sizes(path: Path) -> dict[int, tuple[int, int]]:
    """people and KNOWS per batch, read with plain sqlite3 (not through the store)."""
    conn = sqlite3.connect(path)
    people: dict[int, int] = {}
    for (id,) in conn.execute("SELECT id FROM nodes WHERE label = 'Person'"):
        k = int(id[1:].split("-")[0])
        people[k] = people.get(k, 0) + 1
    knows_: dict[int, int] = {}
    for (id,) in conn.execute("SELECT n.id FROM rels r JOIN nodes n ON n.nid = r.src WHERE r.type = 'KNOWS'"):
        k = int(id[1:].split("-")[0])
        knows_[k] = knows_.get(k, 0) + 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    return {k: (people.get(k, 0), knows_.get(k, 0)) for k in set(people) | set(knows_)}


@pytest.mark.parametrize("attempt", range(5))
def test_sigkill_mid_bulk_load_leaves_each_batch_whole_or_absent(tmp_path: Path, attempt: int) -> None:
    path = tmp_path / "crash.db"
    writer = _start_writer(path, batches=10_000)
    assert writer.stdout is not None
    acked = -1
    wanted = random.Random(attempt).randint(1, 6)
    while acked < wanted:  # let a few batches land, then kill at a random moment
        line = writer.stdout.readline()
        assert line, writer.stderr.read() if writer.stderr else "writer died"
        acked = int(line.split()[1])
    time.sleep(random.Random(attempt).uniform(0, 0.05))
    _kill(writer)
    sizes = _batch_sizes(path)
    for k, (people, rels) in sizes.items():
        assert (people, rels) == (BATCH, BATCH - 1), f"batch {k} is partial: {people} people, {rels} KNOWS"
    assert all(k in sizes for k in range(acked + 1)), "an acknowledged batch was lost"
    assert sorted(sizes) == list(range(len(sizes))), "batches land in order"
    # the file opens again without repair and takes writes
    with open_store(f"sqlite:///{path}") as store:
        store.upsert(person("after-crash"))
        assert store.get(Label.PERSON, "after-crash") is not None


def test_an_acknowledged_write_survives_a_kill(tmp_path: Path) -> None:
    path = tmp_path / "durable.db"
    writer = _start_writer(path, batches=10_000)
    assert writer.stdout is not None
    line = writer.stdout.readline()
    _kill(writer)
    assert line.startswith("ack 0")
    assert _batch_sizes(path)[0] == (BATCH, BATCH - 1)


def test_wal_and_safety_pragmas(sqlite_store: SqliteStore) -> None:
    conn = sqlite_store._writer
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_readers_run_beside_the_writer_and_see_whole_batches(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                n = store.project().number_of_nodes()
                seen.append(n)
                assert n % 50 == 0, f"saw a partial batch: {n} people"
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for k in range(40):
        store.write_batch([person(f"k{k}-{i}") for i in range(50)])
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert len(seen) > 3 and max(seen) <= 2000


def test_erasure_leaves_no_copy_in_the_files(tmp_path: Path) -> None:
    path = tmp_path / "erase.db"
    secret = "zaynab.private.mail@example.org"
    with open_store(f"sqlite:///{path}") as store:
        store.bulk_upsert([person("z", "Zaynab Qasim", contact={"email": secret, "phone": "+44 7700 900123"}), person("y")],
                          [knows("z", "y")])
        store.upsert(person("z", "Zaynab Qasim", contact={"email": secret, "phone": "+44 7700 900124"}))  # an old version too
        store.get(Label.PERSON, "z")  # a reader has looked at it
        files = [p for p in tmp_path.iterdir() if p.name.startswith("erase.db")]
        assert any(secret.encode() in p.read_bytes() for p in files), "the test must see the data before erasure"
        store.erase_person("z")
        for p in tmp_path.iterdir():
            if p.name.startswith("erase.db"):
                data = p.read_bytes()
                assert secret.encode() not in data, f"{p.name} still holds the e-mail"
                assert b"Zaynab" not in data and b"900123" not in data and b"900124" not in data, p.name
        assert store.get(Label.PERSON, "y") is not None


@pytest.mark.parametrize("uri", ["sqlite://relative.db", "sqlite:///", "sqlite:///:memory:"])
def test_bad_sqlite_uris_are_configuration_errors(uri: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        open_store(uri)
    assert err.value.field == "store_uri"


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path}/no/such/folder/g.db")


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.db"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(Exception) as err:
        open_store(f"sqlite:///{bad}")
    assert type(err.value).__module__ == "graphsvc.errors"


def test_a_load_does_not_connect_a_node_another_connection_put_where_one_it_wrote_was(tmp_path: Path) -> None:
    # SQLite gives a new row the id of the last row deleted: what the load remembered of
    # "b" (its row id) would now point at "x", unless the load notices the other writer
    uri = f"sqlite:///{tmp_path}/graph.db"
    with open_store(uri) as loader, open_store(uri) as other:
        memory = LoadMemory()
        loader.write_batch([person("a"), person("b")], memory=memory)
        b_row = sqlite3.connect(tmp_path / "graph.db").execute("SELECT nid FROM nodes WHERE id = 'b'").fetchone()[0]
        assert other.delete(Label.PERSON, "b")
        other.upsert(person("x"))
        x_row = sqlite3.connect(tmp_path / "graph.db").execute("SELECT nid FROM nodes WHERE id = 'x'").fetchone()[0]
        assert x_row == b_row  # the case this test is about
        with pytest.raises(DanglingRelationshipError) as err:
            loader.write_batch(rels=[knows("a", "b")], memory=memory)
        assert err.value.value == "b"
        assert loader.relationships(Label.PERSON, "x") == []
