"""Races on PostgreSQL, made to happen every time: the first is our service called in a
transaction the test holds open; the second (a request over real HTTP, say) runs in a thread,
and the test commits only once it waits on a lock the first holds. Then the second finishes.

SQLite takes its write lock when a transaction begins, so these races cannot happen there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
R = TypeVar("R")


def held_race(
    sessions: sessionmaker[Session], first: Callable[[Session], T], second: Callable[[], R]
) -> tuple[T, R]:
    """Run `first` in a transaction held open until `second` (a request, say), run in a thread,
    waits on a lock; then commit it. Returns what `first` and `second` returned."""
    answers: list[R] = []

    def send() -> None:
        answers.append(second())

    with sessions() as session, session.begin():
        result = first(session)
        sender = threading.Thread(target=send)
        sender.start()
        wait_for_lock_wait(session.get_bind().engine)
    sender.join(timeout=60)
    assert answers, "the second did not finish"
    return result, answers[0]


def wait_for_lock_wait(engine: Engine) -> None:
    """Until a session of this database waits on a lock (one held by the test)."""
    deadline = time.monotonic() + 60
    with engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.scalar(
                text(
                    "select count(*) from pg_stat_activity "
                    "where datname = current_database() and wait_event_type = 'Lock'"
                )
            )
            probe.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second never waited for the first")
