"""The event log: appended in the change's transaction, hash-chained, tamper-evident."""

from __future__ import annotations

import itertools
import threading

from fastapi import FastAPI
from sqlalchemy import select, text, update

from mlcontinuum.kernel import events
from mlcontinuum.kernel.events import Event
from mlcontinuum.kernel.storage.engine import transaction


def _append(app: FastAPI, n: int, chain_project: int | None = None) -> None:
    for i in range(n):
        with transaction(app.state.session_factory) as db:
            events.append(db, type="test.thing", actor="tester", payload={"i": i, "text": "é ✓"})


def _verify(app: FastAPI, chain: str = events.INSTANCE_CHAIN) -> events.ChainReport:
    with transaction(app.state.session_factory) as db:
        return events.verify_chain(db, chain)


def test_appended_events_form_an_intact_chain(app: FastAPI) -> None:
    _append(app, 5)
    report = _verify(app)
    assert report.ok, report.reason
    assert report.checked == 5
    with transaction(app.state.session_factory) as db:
        rows = db.scalars(select(Event).order_by(Event.seq)).all()
    assert [e.seq for e in rows] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert rows[0].data == {"i": 0, "text": "é ✓"}


def test_an_event_rolls_back_with_its_change(app: FastAPI) -> None:
    try:
        with transaction(app.state.session_factory) as db:
            events.append(db, type="test.thing", actor="tester", payload={})
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert _verify(app).checked == 0


def test_tampered_payload_is_caught_at_its_link(app: FastAPI) -> None:
    _append(app, 4)
    with app.state.engine.begin() as connection:
        connection.execute(
            update(Event).where(Event.seq == 3).values(payload='{"i":99,"text":"forged"}')
        )
    report = _verify(app)
    assert not report.ok
    assert report.broken_seq == 3
    assert "altered" in (report.reason or "")


def test_deleted_middle_event_is_caught(app: FastAPI) -> None:
    _append(app, 4)
    with app.state.engine.begin() as connection:
        connection.execute(text("DELETE FROM events WHERE seq = 2"))
    report = _verify(app)
    assert report.broken_seq == 3
    assert "missing" in (report.reason or "")


def test_deleted_last_event_is_caught_by_the_chain_head(app: FastAPI) -> None:
    _append(app, 3)
    with app.state.engine.begin() as connection:
        connection.execute(text("DELETE FROM events WHERE seq = 3"))
    report = _verify(app)
    assert not report.ok
    assert "removed from the end" in (report.reason or "")


def test_rewritten_chain_with_recomputed_hash_breaks_the_next_link(app: FastAPI) -> None:
    """A forger who recomputes one event's hash still breaks the following event's link."""
    _append(app, 3)
    with transaction(app.state.session_factory) as db:
        event = db.scalars(select(Event).where(Event.seq == 2)).one()
        event.actor = "someone-else"
        event.hash = events.event_hash(
            prev_hash=event.prev_hash,
            chain=event.chain,
            seq=event.seq,
            project_id=event.project_id,
            actor=event.actor,
            type=event.type,
            payload=event.payload,
            at=event.at,
        )
    report = _verify(app)
    assert report.broken_seq == 3
    assert "previous-hash" in (report.reason or "")


def test_concurrent_appends_never_fork_the_chain(app: FastAPI) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _append(app, 10)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = _verify(app)
    assert report.ok, report.reason
    assert report.checked == 60
