"""Beyond capacity the server sheds monitoring writes with 503 and Retry-After, never a timeout
or a 500; a busy database answers the same way. Real uvicorn, real concurrent requests: one is
held in flight by a body that arrives only when the test says so."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from mlcontinuum.api.shedding import IngestGate
from mlcontinuum.app import create_app
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.engine import make_engine
from mlcontinuum.sdk import Client
from mlcontinuum.slices import session_factory
from tests.monitoring.conftest import Counts, Monitoring, batch, frame


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """One monitoring write at a time, one waiting; Retry-After: 1."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        background_workers=False,
        ingest_max_concurrent=1,
        ingest_max_waiting=1,
        ingest_retry_after_seconds=1,
    )


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


class Sender:
    """Sends one batch from a thread; `held=True` keeps its body back until `release()`."""

    def __init__(self, base: str, monitoring: Monitoring, body: dict[str, Any], *, held: bool):
        self.url = base + monitoring.url("/batches")
        self.headers = {
            **monitoring.team.engineer.headers,
            "Idempotency-Key": f"key-{body['prediction_ids'][0]}",
            "Content-Type": "application/json",
        }
        self.content = json.dumps(body).encode()
        self.gate = threading.Event()
        if not held:
            self.gate.set()
        self.response: httpx.Response | None = None
        self.thread = threading.Thread(target=self._send)
        self.thread.start()

    def _body(self) -> Iterator[bytes]:
        yield self.content[:10]
        self.gate.wait(60)
        yield self.content[10:]

    def _send(self) -> None:
        self.response = httpx.post(self.url, content=self._body(), headers=self.headers)

    def release(self) -> httpx.Response:
        self.gate.set()
        self.thread.join(60)
        assert self.response is not None
        return self.response


def test_writes_beyond_the_queue_are_shed_with_retry_after(
    app: FastAPI, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    gate: IngestGate = app.state.ingest_gate
    url = live_server + monitoring.url("/batches")
    held = Sender(live_server, monitoring, batch(5, start=0), held=True)
    _until(lambda: gate.active == 1, "the held request took the slot")
    queued = Sender(live_server, monitoring, batch(5, start=100), held=False)
    _until(lambda: gate.waiting == 1, "the second request queued")

    headers = {**monitoring.team.engineer.headers, "Idempotency-Key": "third"}
    shed = httpx.post(url, json=batch(5, start=200), headers=headers)
    assert shed.status_code == 503, shed.text
    assert shed.headers["retry-after"] == "1"
    assert shed.json()["error"]["code"] == "unavailable"
    assert "Idempotency-Key" in shed.json()["error"]["message"]
    # Reads and other paths are never shed.
    assert httpx.get(url, headers=monitoring.team.engineer.headers).status_code == 200

    assert held.release().status_code == 201
    assert queued.release().status_code == 201
    # The slot is given back just after the answer is sent.
    _until(lambda: gate.active == 0, "both requests gave their slot back")
    again = httpx.post(url, json=batch(5, start=200), headers=headers)
    assert again.status_code == 201, again.text
    assert counts.batches == 3
    assert gate.shed == 1


def test_the_sdk_waits_out_a_shed_write_and_sends_it_once(
    app: FastAPI, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    gate: IngestGate = app.state.ingest_gate
    held = Sender(live_server, monitoring, batch(5, start=0), held=True)
    _until(lambda: gate.active == 1, "the held request took the slot")
    queued = Sender(live_server, monitoring, batch(5, start=100), held=True)
    _until(lambda: gate.waiting == 1, "the second request queued")

    refused = threading.Event()
    statuses: list[int] = []

    class Watching(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            statuses.append(response.status_code)
            if response.status_code == 503:
                refused.set()
            return response

    answers: list[Any] = []

    def log() -> None:
        token = monitoring.team.engineer.token
        with Client(live_server, token, transport=Watching()) as client:
            monitor = client.monitor(monitoring.team.project, monitoring.deployment_id)
            answers.append(monitor.log_batch(frame(4), [0.5] * 4, ids=["s-1", "s-2", "s-3", "s-4"]))

    logger = threading.Thread(target=log)
    logger.start()
    assert refused.wait(60)
    assert held.release().status_code == 201
    assert queued.release().status_code == 201
    logger.join(60)
    assert answers
    assert answers[0].rows == 4
    assert statuses[0] == 503
    assert statuses[-1] == 201
    assert counts.batches == 3
    assert counts.predictions == 14


@pytest.fixture
def impatient_app(settings: Settings) -> Iterator[FastAPI]:
    """The app with a database that gives up waiting for a lock after a tenth of a second."""
    app = create_app(settings, run_migrations=False)
    url = settings.resolved_database_url
    if make_url(url).get_backend_name() == "sqlite":
        engine = make_engine(url)

        @event.listens_for(engine, "connect")
        def _short_wait(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout=100")

    else:
        engine = make_engine(url, connect_args={"options": "-c lock_timeout=100"})
    app.state.engine.dispose()
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    yield app
    engine.dispose()


def _hold_lock(settings: Settings) -> Callable[[], None]:
    """Lock what ingest writes, from another connection; returns the release."""
    url = settings.resolved_database_url
    if make_url(url).get_backend_name() == "sqlite":
        path = make_url(url).database
        assert path is not None
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        return lambda: (raw.rollback(), raw.close())  # type: ignore[func-returns-value]
    engine: Engine = make_engine(url)
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(text("LOCK TABLE monitor_batches IN ACCESS EXCLUSIVE MODE"))

    def release() -> None:
        transaction.rollback()
        connection.close()
        engine.dispose()

    return release


def test_a_busy_database_answers_503_with_retry_after(
    settings: Settings, impatient_app: FastAPI, monitoring: Monitoring, counts: Counts
) -> None:
    with TestClient(impatient_app, raise_server_exceptions=False) as client:
        release = _hold_lock(settings)
        try:
            busy = monitoring.log(batch(5), key="k", client=client)
        finally:
            release()
        assert busy.status_code == 503, busy.text
        assert busy.headers["retry-after"] == "1"
        assert "busy" in busy.json()["error"]["message"]
        assert counts.batches == 0
        assert monitoring.log(batch(5), key="k", client=client).status_code == 201
