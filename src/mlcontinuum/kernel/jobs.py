"""Background workers: the jobs the slices declare (the window evaluator, the webhook outbox),
run inside the server.

Each job runs in its own daemon thread: it is called again at once while it finds work and waits
`worker_interval_seconds` when it finds none. Jobs commit their own short transactions, so a
SIGKILL loses at most the item in hand, which the next run picks up again. With
`background_workers = false` the same jobs run from `continuum monitor evaluate` and
`continuum webhooks deliver` instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.kernel.settings import Settings

log = logging.getLogger(__name__)

Job = Callable[[sessionmaker[Session], Settings], int]


@dataclass(frozen=True)
class NamedJob:
    name: str
    run: Job


class BackgroundWorkers:
    def __init__(
        self, session_factory: sessionmaker[Session], settings: Settings, jobs: Sequence[NamedJob]
    ) -> None:
        self._session_factory = session_factory
        self._settings = settings
        self._jobs = list(jobs)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for job in self._jobs:
            thread = threading.Thread(
                target=self._loop, args=(job,), name=f"continuum-{job.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self, job: NamedJob) -> None:
        while not self._stop.is_set():
            try:
                done = job.run(self._session_factory, self._settings)
            except Exception:  # a job must never take its thread down; it is retried next round
                log.exception("background job %s failed; retrying in %ss", job.name, self._pause)
                done = 0
            if not done:
                self._stop.wait(self._pause)

    @property
    def _pause(self) -> float:
        return self._settings.worker_interval_seconds
