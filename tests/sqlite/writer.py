"""A writer process for the crash tests: bulk loads batches until it is killed.

Batch k holds people ``b{k}-{i}`` and a KNOWS chain among them, so a reader can tell
whether a batch is whole. After each committed batch it prints ``ack k``.
"""

from __future__ import annotations

import sys

from graphsvc.model import Person, parse_rel
from graphsvc.store import open_store

BATCH = 400


def main(path: str, batches: int) -> None:
    store = open_store(f"sqlite:///{path}")
    for k in range(batches):
        nodes = [Person(id=f"b{k}-{i}", name=f"Person {k} {i}", contact={"email": f"p{k}.{i}@example.org"}) for i in range(BATCH)]
        rels = [parse_rel({"type": "KNOWS", "start": f"b{k}-{i}", "end": f"b{k}-{i + 1}"}) for i in range(BATCH - 1)]
        store.write_batch(nodes, rels)
        print(f"ack {k}", flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
