"""Keep-alive connections spread evenly over the processes of ``graphsvc serve --workers``.

The kernel hands each new connection to a worker by a hash of its addresses
(``SO_REUSEPORT``), not by load. With the few long-lived connections of a proxy's pool or a
load generator, one worker often holds more than its share (of 8 connections on 2 workers,
6 and 2 or worse one time in three), and its requests queue while the other worker idles.

So each worker publishes, in an array the supervisor shares, how many connections it
served within the last second. A worker holding more than its share of all of them answers
one request with ``Connection: close`` (at most one every :data:`PAUSE` seconds): the
client connects again, and the kernel places the new connection by a new hash. Closing a
keep-alive connection after an answer is always allowed in HTTP/1.1; clients reconnect.
"""

from __future__ import annotations

import time
from collections.abc import MutableSequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WINDOW = 1.0  # seconds: a connection counts as held while it sent a request this recently
PAUSE = 0.25  # seconds between two connections a worker sheds
PUBLISH = 0.05  # seconds between two updates of the shared counts

#: This process's slot in the supervisor's shared counts (set by the worker before serving).
slot: tuple[MutableSequence[int], int] | None = None


class Balancer:
    """ASGI middleware: see the module's doc. ``counts`` holds every worker's connections
    (shared memory), ``index`` is this worker's place in it."""

    def __init__(self, app: ASGIApp, counts: MutableSequence[int], index: int) -> None:
        self.app = app
        self.counts = counts
        self.index = index
        self.seen: dict[Any, float] = {}  # client address -> when it last sent a request
        self.published = 0.0
        self.shed = 0.0

    def _held(self, now: float) -> int:
        if now - self.published >= PUBLISH:
            cutoff = now - WINDOW
            self.seen = {client: t for client, t in self.seen.items() if t >= cutoff}
            self.counts[self.index] = len(self.seen)
            self.published = now
        return len(self.seen)

    def _over_share(self, held: int, now: float) -> bool:
        if now - self.shed < PAUSE:
            return False
        counts = list(self.counts)
        return held > -(-sum(counts) // len(counts))  # the most any worker should hold

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or client is None:
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        self.seen[client] = now
        if not self._over_share(self._held(now), now):
            await self.app(scope, receive, send)
            return
        self.shed = now
        del self.seen[client]

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"connection", b"close")]
            await send(message)

        await self.app(scope, receive, send_closing)
