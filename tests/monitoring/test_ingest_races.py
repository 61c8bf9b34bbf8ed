"""Races decided by the database, on PostgreSQL (see tests/races.py for how they are made to
happen every time).

- A request that passed its checks while a concurrent request with the same key, or the same
  prediction ids, was still uncommitted answers as if it had come second (the replay, the
  reused-key 422, the 409 naming the ids), never with a 500. The winner is a batch inserted in
  the held transaction; the request reaches the unique index and waits there.
- Labels of one hour delivered at the same time all count in the hour's tallies, and two
  corrections of the same prediction take away the earlier label once: the winner is a label
  delivery made by our service in the held transaction.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import project_access
from mlcontinuum.kernel.auth.models import User
from mlcontinuum.kernel.auth.service import principal_of
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.monitoring import service
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.models import MonitorBatch, Prediction
from mlcontinuum.monitoring.permissions import MONITOR_WRITE
from mlcontinuum.monitoring.schemas import BatchCreate, LabelsCreate
from mlcontinuum.monitoring.service import batch_digest
from mlcontinuum.profiles import loads
from mlcontinuum.releases.models import Deployment
from tests.monitoring.conftest import Counts, Monitoring, batch
from tests.races import held_race

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def _win(session: Session, deployment_id: int, body: dict[str, Any], key: str, sha: str) -> int:
    """Insert a batch as a concurrent request would, without committing."""
    data = BatchCreate.model_validate(body)
    project_id = session.scalar(select(Deployment.project_id).where(Deployment.id == deployment_id))
    hour = Granularity.HOUR.start_of(data.at)
    batch_id: int = session.execute(
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
    session.execute(
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
    app: FastAPI,
    live_server: str,
    monitoring: Monitoring,
    winner: tuple[dict[str, Any], str, str],
    loser: tuple[dict[str, Any], str],
) -> tuple[int, httpx.Response]:
    """The winner (body, key, digest) inserted in a held transaction; the loser (body, key)
    sent over HTTP meanwhile."""
    body, key = loser
    headers = {**monitoring.team.engineer.headers, "Idempotency-Key": key}
    return held_race(
        app.state.session_factory,
        lambda session: _win(session, monitoring.deployment_id, *winner),
        lambda: httpx.post(
            live_server + monitoring.url("/batches"), json=body, headers=headers, timeout=60
        ),
    )


def test_the_loser_of_a_same_key_race_answers_the_replay(
    app: FastAPI, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    body = batch(10)
    data = BatchCreate.model_validate(body)
    sha = batch_digest(data, loads(base64.b64decode(data.profile)))
    winner_id, answer = _race(app, live_server, monitoring, (body, "k-1", sha), (body, "k-1"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["replayed"] is True
    assert answer.json()["id"] == winner_id
    assert counts.predictions == 10
    assert counts.batches == 1


def test_the_loser_with_other_content_gets_the_reused_key_422(
    app: FastAPI, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    body = batch(10)
    winner_id, answer = _race(app, live_server, monitoring, (body, "k-1", "0" * 64), (body, "k-1"))
    assert answer.status_code == 422, answer.text
    assert f"batch {winner_id}" in answer.json()["error"]["message"]
    assert counts.batches == 1


def test_the_loser_of_a_prediction_id_race_gets_409_naming_them(
    app: FastAPI, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    first, second = batch(10), batch(10, start=5)
    _, answer = _race(app, live_server, monitoring, (first, "k-1", "0" * 64), (second, "k-2"))
    assert answer.status_code == 409, answer.text
    assert "'p-5'" in answer.json()["error"]["message"]
    assert counts.predictions == 10
    assert counts.batches == 1


# --- labels and their tallies ----------------------------------------------------------------


def _label_race(
    app: FastAPI,
    live_server: str,
    monitoring: Monitoring,
    first: dict[str, float],
    second: dict[str, float],
) -> httpx.Response:
    """Labels `first` delivered by our service in a held transaction; `second` sent over HTTP
    meanwhile."""
    team = monitoring.team

    def deliver(session: Session) -> None:
        user = session.scalar(select(User).where(User.username == team.engineer.username))
        assert user is not None
        access = project_access(session, principal_of(user), team.project, MONITOR_WRITE)
        labels = LabelsCreate.model_validate(
            {"labels": [{"id": k, "label": v} for k, v in first.items()]}
        )
        service.log_labels(
            session, access, monitoring.deployment_id, "held", labels, app.state.settings
        )

    body = {"labels": [{"id": k, "label": v} for k, v in second.items()]}
    headers = {**team.engineer.headers, "Idempotency-Key": "sent"}
    _, answer = held_race(
        app.state.session_factory,
        deliver,
        lambda: httpx.post(
            live_server + monitoring.url("/labels"), json=body, headers=headers, timeout=60
        ),
    )
    return answer


def test_labels_of_one_hour_delivered_at_once_all_count(
    app: FastAPI, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    assert monitoring.log(batch(10)).status_code == 201
    answer = _label_race(
        app,
        live_server,
        monitoring,
        {f"p-{i}": 1.0 for i in range(5)},
        {f"p-{i}": 0.0 for i in range(5, 10)},
    )
    assert answer.status_code == 201, answer.text
    assert counts.labelled == 10
    hours, _ = counts.recount(monitoring.deployment_id)
    assert [totals["labelled"] for totals in hours.values()] == [10]
    counts.assert_tallies_match(monitoring.deployment_id)


def test_two_corrections_of_one_label_take_the_earlier_label_away_once(
    app: FastAPI, live_server: str, monitoring: Monitoring, counts: Counts
) -> None:
    assert monitoring.log(batch(10)).status_code == 201
    assert monitoring.label({f"p-{i}": 0.0 for i in range(10)}).status_code == 201
    # The second correction waits for the first, then must take away the first's 1, not the 0
    # it would have read before waiting.
    answer = _label_race(
        app,
        live_server,
        monitoring,
        {f"p-{i}": 1.0 for i in range(5)},
        {f"p-{i}": 0.5 for i in range(5)},
    )
    assert answer.status_code == 201, answer.text
    assert counts.labelled == 10
    counts.assert_tallies_match(monitoring.deployment_id)
