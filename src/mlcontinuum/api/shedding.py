"""Load shedding for the monitoring write paths: a bounded number in flight, a bounded queue,
and beyond that an immediate 503 with Retry-After.

Ingest is the one traffic a server cannot pace: every production system of every customer
sends batches on its own schedule. Without a bound, a burst queues up in the database's lock
(SQLite) or connection pool until requests time out, and a timeout tells a client nothing. With
a bound, the excess is refused at once with `Retry-After`, which the SDK honours, reusing its
idempotency key, so the batch arrives later and once.

The gate is per process (each uvicorn worker has its own) and counts requests, not bytes: the
body limit already bounds the bytes of each. It works on the event loop alone: the check and
the count happen without an `await` in between, so no lock is needed.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from mlcontinuum.api.errors import error_response
from mlcontinuum.kernel.errors import Unavailable


class IngestGate:
    """At most `max_concurrent` requests in flight and `max_waiting` waiting for a slot."""

    def __init__(self, max_concurrent: int, max_waiting: int) -> None:
        self.max_concurrent = max_concurrent
        self.max_waiting = max_waiting
        self.active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.shed = 0  # requests refused since start, for operators and tests

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def enter(self) -> bool:
        """Take a slot, waiting in the queue if there is room; False: the request is shed."""
        if self.active < self.max_concurrent and not self._waiters:
            self.active += 1
            return True
        if len(self._waiters) >= self.max_waiting:
            self.shed += 1
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # `leave` hands its slot over: `active` is unchanged
        except BaseException:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            else:
                self.leave()  # a slot was handed over as the request was cancelled: pass it on
            raise
        return True

    def leave(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                # The waiter may belong to another event loop (a test client beside a server).
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
                return
        self.active -= 1


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class LoadShedding:
    """Pure ASGI middleware: POST requests to `paths` pass through `gate` or get 503."""

    def __init__(
        self, app: ASGIApp, *, paths: re.Pattern[str], gate: IngestGate, retry_after_seconds: int
    ) -> None:
        self.app = app
        self.paths = paths
        self.gate = gate
        self.retry_after_seconds = retry_after_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not self.paths.search(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if not await self.gate.enter():
            await self._refuse(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.leave()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = Unavailable(
            f"the server is at its ingest capacity ({self.gate.max_concurrent} requests in "
            f"flight, {self.gate.max_waiting} waiting); retry after "
            f"{self.retry_after_seconds} s with the same Idempotency-Key",
            retry_after_seconds=self.retry_after_seconds,
        )
        await error_response(refusal)(scope, receive, send)
