"""The server is killed with SIGKILL, again and again, while clients ingest batches.

Clients behave as the SDK does: every batch has its own idempotency key, and a batch is retried
with the same key until the server acknowledges it. Afterwards every acknowledged batch is stored
exactly once, no unacknowledged key left a partial write behind, and the database is intact.
"""

from __future__ import annotations

import base64
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from mlcontinuum.monitoring.models import MonitorBatch, Prediction
from mlcontinuum.profiles import build_profile, dumps
from tests.conftest import Account, Accounts, _free_port
from tests.teams import Team

KILLS = 20
CONTINUUM = Path(sys.executable).with_name("continuum")
CLIENTS = 4
ROWS = 40


@dataclass
class Ledger:
    """What the clients were told: acknowledged keys and the rows each carried."""

    acknowledged: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, key: str, rows: int) -> None:
        with self.lock:
            assert key not in self.acknowledged, f"{key} acknowledged twice as new"
            self.acknowledged[key] = rows


class Server:
    """`continuum serve` in a child process, restartable after a kill."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(CONTINUUM), "serve"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not come up within 60 s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _batch_body(profile: str, client: int, number: int, at: datetime) -> dict[str, object]:
    ids = [f"c{client}-b{number}-r{row}" for row in range(ROWS)]
    return {
        "at": at.isoformat(),
        "rows": ROWS,
        "profile": profile,
        "prediction_ids": ids,
        "predictions": [row / ROWS for row in range(ROWS)],
    }


def _client(
    url: str, token: str, client: int, profile: str, ledger: Ledger, stop: threading.Event
) -> None:
    """Send batches until `stop`; the batch in hand is always finished (acknowledged) first."""
    at = datetime.now(UTC) - timedelta(hours=1)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=10) as http:
        for number in itertools.count():
            if stop.is_set():
                return
            key = f"client-{client}-batch-{number}"
            body = _batch_body(profile, client, number, at)
            while True:
                try:
                    answer = http.post(url, json=body, headers={**headers, "Idempotency-Key": key})
                except httpx.TransportError:
                    time.sleep(0.05)  # the server is down: retry the same key, as the SDK does
                    continue
                if answer.status_code == 201:
                    ledger.record(key, ROWS)
                    break
                if answer.status_code == 200 and answer.json().get("replayed"):
                    # Acknowledged before, but the answer was lost with the server.
                    with ledger.lock:
                        ledger.acknowledged.setdefault(key, ROWS)
                    break
                assert answer.status_code in (429, 503), answer.text
                time.sleep(float(answer.headers.get("Retry-After", "0.2")))


@pytest.fixture
def deployment(
    client: TestClient, accounts: Accounts, owner: Account, project: str
) -> tuple[str, str]:
    """A production deployment of churn-model; yields (batches path, token)."""
    team = Team(client, accounts, owner, project)
    team.release(team.version())
    found = team.get(owner, "/deployments").json()["items"][0]
    return team.url(f"/deployments/{found['id']}/batches"), owner.token


def test_no_acknowledged_batch_is_lost_or_doubled_across_kills(
    deployment: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    path, token = deployment
    port = _free_port()
    env = {
        **os.environ,
        "CONTINUUM_DATA_DIR": str(tmp_path / "data"),
        "CONTINUUM_DATABASE_URL": database_url,
        "CONTINUUM_PORT": str(port),
        "CONTINUUM_WORKER_INTERVAL_SECONDS": "0.2",
    }
    server = Server(env, port)
    frame = pd.DataFrame({"tenure": range(ROWS), "plan": ["a", "b"] * (ROWS // 2)})
    profile = base64.b64encode(dumps(build_profile(frame))).decode()
    ledger, stop = Ledger(), threading.Event()
    threads = [
        threading.Thread(
            target=_client, args=(server.url + path, token, n, profile, ledger, stop), daemon=True
        )
        for n in range(CLIENTS)
    ]
    server.start()
    try:
        for thread in threads:
            thread.start()
        rng = random.Random(5)
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 0.9))
            server.kill()
            server.start()
        time.sleep(0.5)  # some batches after the last restart, too
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a client could not get its last batch acknowledged"
    finally:
        server.stop()
    assert len(ledger.acknowledged) >= KILLS, "the clients hardly sent anything"
    _assert_exactly_once(database_url, ledger)
    if database_url.startswith("sqlite"):
        _assert_sqlite_intact(database_url)


def _assert_exactly_once(database_url: str, ledger: Ledger) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            stored = dict(db.execute(select(MonitorBatch.idempotency_key, MonitorBatch.rows)).all())
            predictions = db.scalar(select(func.count()).select_from(Prediction))
    finally:
        engine.dispose()
    # Every acknowledged batch is there; a key sent but never acknowledged may or may not be
    # (its answer was lost), but then it is there whole, never twice (the keys are unique).
    missing = set(ledger.acknowledged) - set(stored)
    assert not missing, f"acknowledged batches lost: {sorted(missing)[:5]}"
    assert set(stored) == set(ledger.acknowledged)
    assert predictions == sum(stored.values()) == ROWS * len(stored)


def _assert_sqlite_intact(database_url: str) -> None:
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
