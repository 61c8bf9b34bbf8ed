"""Races decided by the database: a request that passed its checks while a concurrent request
with the same key, or the same prediction ids, was still uncommitted answers as if it had come
second (the replay, the reused-key 422, the 409 naming the ids), never with a 500.

The concurrent winner is a transaction held open on a connection of the test; the request is
sent over real HTTP and reaches the unique index, where PostgreSQL makes it wait for the winner.
SQLite takes its write lock when a transaction begins, so this race cannot happen there.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, insert, select, text

from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.ingest import batch_digest
from mlcontinuum.monitoring.models import MonitorBatch, Prediction
from mlcontinuum.monitoring.schemas import BatchCreate
from mlcontinuum.profiles import loads
from mlcontinuum.releases.models import Deployment
from mlcontinuum.settings import Settings
from mlcontinuum.storage.base import utcnow
from mlcontinuum.storage.engine import make_engine
from tests.monitoring.conftest import Counts, Monitoring, batch

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    db = make_engine(settings.resolved_database_url)
    yield db
    db.dispose()


def _win(
    connection: Connection, deployment_id: int, body: dict[str, Any], key: str, sha: str
) -> int:
    """Insert a batch as a concurrent request would, without committing."""
    data = BatchCreate.model_validate(body)
    project_id = connection.scalar(
        select(Deployment.project_id).where(Deployment.id == deployment_id)
    )
    hour = Granularity.HOUR.start_of(data.at)
    batch_id: int = connection.execute(
        insert(MonitorBatch)
        .values(
            project_id=project_id,
            deployment_id=deployment_id,
            idempotency_key=key,
            request_sha256=sha,
            at=data.at,
            hour_start=hour,
            rows=data.rows,
            profile=b"",
            received_by="winner",
            received_at=utcnow(),
        )
        .returning(MonitorBatch.id)
    ).scalar_one()
    connection.execute(
        insert(Prediction),
        [
            {
                "deployment_id": deployment_id,
                "batch_id": batch_id,
                "prediction_id": prediction_id,
                "hour_start": hour,
                "value": value,
            }
            for prediction_id, value in zip(data.prediction_ids, data.predictions, strict=True)
        ],
    )
    return batch_id


def _race(
    engine: Engine,
    live_server: str,
    monitoring: Monitoring,
    winner: tuple[dict[str, Any], str, str],
    loser: tuple[dict[str, Any], str],
) -> tuple[int, httpx.Response]:
    answers: list[httpx.Response] = []
    body, key = loser
    headers = {**monitoring.team.engineer.headers, "Idempotency-Key": key}

    def send() -> None:
        answers.append(
            httpx.post(live_server + monitoring.url("/batches"), json=body, headers=headers)
        )

    with engine.connect() as connection:
        transaction = connection.begin()
        batch_id = _win(connection, monitoring.deployment_id, *winner)
        sender = threading.Thread(target=send)
        sender.start()
        _wait_for_lock_wait(engine)
        transaction.commit()
    sender.join(timeout=60)
    return batch_id, answers[0]


def _wait_for_lock_wait(engine: Engine) -> None:
    """Until a session of this database waits on a lock: the request reached the index."""
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
    raise AssertionError("the request never waited for the concurrent transaction")


def test_the_loser_of_a_same_key_race_answers_the_replay(
    engine: Engine, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    body = batch(10)
    data = BatchCreate.model_validate(body)
    sha = batch_digest(data, loads(base64.b64decode(data.profile)))
    winner_id, answer = _race(engine, live_server, monitoring, (body, "k-1", sha), (body, "k-1"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["replayed"] is True
    assert answer.json()["id"] == winner_id
    assert counts.predictions == 10
    assert counts.batches == 1


def test_the_loser_with_other_content_gets_the_reused_key_422(
    engine: Engine, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    body = batch(10)
    winner_id, answer = _race(
        engine, live_server, monitoring, (body, "k-1", "0" * 64), (body, "k-1")
    )
    assert answer.status_code == 422, answer.text
    assert f"batch {winner_id}" in answer.json()["error"]["message"]
    assert counts.batches == 1


def test_the_loser_of_a_prediction_id_race_gets_409_naming_them(
    engine: Engine, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    first, second = batch(10), batch(10, start=5)
    _, answer = _race(engine, live_server, monitoring, (first, "k-1", "0" * 64), (second, "k-2"))
    assert answer.status_code == 409, answer.text
    assert "'p-5'" in answer.json()["error"]["message"]
    assert counts.predictions == 10
    assert counts.batches == 1
