"""Ingest over HTTP: batches, labels and KPI values are stored once per idempotency key, and
their windows are marked for the evaluator."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.models import MonitorBatch, MonitorWindow, Prediction
from mlcontinuum.profiles import build_profile, dumps, loads
from tests.monitoring.conftest import Counts, Monitoring, add_kpi, batch, frame
from tests.teams import Team


def _windows(app: FastAPI) -> set[tuple[str, str, datetime, bool]]:
    with transaction(app.state.session_factory) as db:
        return {
            (w.scope_key, w.granularity.value, w.start, w.dirty)
            for w in db.scalars(select(MonitorWindow))
        }


def test_batch_is_stored_with_its_predictions_and_marks_windows(
    app: FastAPI, monitoring: Monitoring, counts: Counts
) -> None:
    at = datetime.now(UTC).replace(minute=30, second=5, microsecond=0) - timedelta(hours=3)
    body = batch(25, at=at)
    response = monitoring.log(body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["rows"] == 25
    assert answer["replayed"] is False
    assert answer["deployment_id"] == monitoring.deployment_id
    assert answer["received_by"] == "emma"
    assert datetime.fromisoformat(answer["hour_start"]) == at.replace(minute=0, second=0)
    assert counts.predictions == 25
    with transaction(app.state.session_factory) as db:
        stored = db.scalar(select(MonitorBatch))
        assert stored is not None
        assert loads(stored.profile).row_count == 25
        rows = db.execute(select(Prediction.prediction_id, Prediction.value)).all()
    values = dict(rows)
    assert values["p-3"] == body["predictions"][3]
    d = f"d{monitoring.deployment_id}"
    assert _windows(app) == {
        (d, "hour", at.replace(minute=0, second=0), True),
        (d, "day", at.replace(hour=0, minute=0, second=0), True),
    }
    listed = monitoring.team.get(
        monitoring.team.viewer, f"/deployments/{monitoring.deployment_id}/batches"
    )
    assert listed.status_code == 200
    assert listed.json()["total"] == 1
    assert listed.json()["items"][0]["id"] == answer["id"]


def test_a_time_in_another_zone_counts_in_its_utc_hour_and_day(
    app: FastAPI, monitoring: Monitoring
) -> None:
    utc = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=50, second=0, microsecond=0)
    india = utc.astimezone(timezone(timedelta(hours=5, minutes=30)))  # 20 past the local hour
    response = monitoring.log(batch(5, at=india))
    assert response.status_code == 201, response.text
    hour = utc.replace(minute=0)
    assert datetime.fromisoformat(response.json()["hour_start"]) == hour
    d = f"d{monitoring.deployment_id}"
    assert _windows(app) == {(d, "hour", hour, True), (d, "day", hour.replace(hour=0), True)}


def test_a_replayed_batch_answers_the_original_and_counts_once(
    monitoring: Monitoring, counts: Counts
) -> None:
    body = batch(30)
    first = monitoring.log(body, key="batch-0001")
    again = monitoring.log(body, key="batch-0001")
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "replayed": True}
    assert counts.predictions == 30
    assert counts.batches == 1


def test_a_replay_spelled_differently_is_still_a_replay(
    monitoring: Monitoring, counts: Counts
) -> None:
    body = batch(10)
    first = monitoring.log(body, key="k-1")
    assert first.status_code == 201
    at = datetime.fromisoformat(body["at"]).astimezone(UTC)
    respelled = {
        **body,
        "at": at.isoformat().replace("+00:00", "Z"),
        "predictions": [int(v) if v == int(v) else v for v in body["predictions"]],
    }
    again = monitoring.log(dict(reversed(respelled.items())), key="k-1")
    assert again.status_code == 200, again.text
    assert again.json()["replayed"] is True
    assert counts.predictions == 10


def test_the_same_key_with_other_content_is_refused(monitoring: Monitoring, counts: Counts) -> None:
    assert monitoring.log(batch(10), key="k-1").status_code == 201
    other = monitoring.log(batch(10, start=100), key="k-1")
    assert other.status_code == 422, other.text
    assert "already used" in other.json()["error"]["message"]
    assert "k-1" in other.json()["error"]["message"]
    assert counts.predictions == 10


def test_keys_are_per_deployment(team: Team, monitoring: Monitoring, counts: Counts) -> None:
    second = team.release(team.version(), "staging")["deployment_id"]
    assert monitoring.log(batch(5), key="same").status_code == 201
    elsewhere = Monitoring(team, second).log(batch(5), key="same")
    assert elsewhere.status_code == 201, elsewhere.text
    assert counts.predictions == 10


def test_labels_join_predictions_and_mark_their_windows(
    app: FastAPI, monitoring: Monitoring, counts: Counts
) -> None:
    old = datetime.now(UTC).replace(minute=10) - timedelta(days=3)
    assert monitoring.log(batch(10, at=old)).status_code == 201
    assert monitoring.log(batch(10, start=10)).status_code == 201
    with transaction(app.state.session_factory) as db:
        for window in db.scalars(select(MonitorWindow)):
            window.dirty = False  # as the evaluator leaves them
    response = monitoring.label({"p-1": 1.0, "p-2": 0.0}, key="labels-1")
    assert response.status_code == 201, response.text
    assert response.json()["labels"] == 2
    assert response.json()["replayed"] is False
    assert counts.labelled == 2
    dirty = {(g, start) for _, g, start, is_dirty in _windows(app) if is_dirty}
    hour = old.replace(minute=0, second=0, microsecond=0)
    assert dirty == {("hour", hour), ("day", hour.replace(hour=0))}

    again = monitoring.label({"p-1": 1.0, "p-2": 0.0}, key="labels-1")
    assert again.status_code == 200
    assert again.json() == {**response.json(), "replayed": True}
    assert counts.label_batches == 1

    corrected = monitoring.label({"p-2": 1.0})
    assert corrected.status_code == 201
    with transaction(app.state.session_factory) as db:
        label = db.scalar(select(Prediction.label).where(Prediction.prediction_id == "p-2"))
    assert label == 1.0


def test_labels_for_unknown_ids_write_nothing(monitoring: Monitoring, counts: Counts) -> None:
    assert monitoring.log(batch(5)).status_code == 201
    labels = {"p-0": 1.0, **{f"ghost-{i}": 0.0 for i in range(12)}}
    response = monitoring.label(labels)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert "12 label(s)" in message
    assert "'ghost-0'" in message
    assert "'ghost-9'" in message
    assert "'ghost-10'" not in message  # at most ten named
    assert "nothing was written" in message
    assert counts.labelled == 0
    assert counts.label_batches == 0


def test_kpi_values_are_recorded_once_and_listed(
    app: FastAPI, team: Team, monitoring: Monitoring, counts: Counts
) -> None:
    kpi_id = add_kpi(team)
    at = datetime.now(UTC) - timedelta(days=1)
    body = {"at": at.isoformat(), "value": 0.74}
    headers = {**team.engineer.headers, "Idempotency-Key": "kpi-2026-w1"}
    url = team.url(f"/kpis/{kpi_id}/values")
    first = team.client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["value"] == 0.74
    again = team.client.post(url, json=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    changed = team.client.post(url, json={**body, "value": 0.5}, headers=headers)
    assert changed.status_code == 422
    assert counts.kpi_values == 1
    assert ("project", "day", at.replace(hour=0, minute=0, second=0, microsecond=0), True) in (
        _windows(app)
    )
    listed = team.get(team.customer, f"/kpis/{kpi_id}/values")
    assert listed.status_code == 200
    assert [item["value"] for item in listed.json()["items"]] == [0.74]


def test_lists_are_paginated(monitoring: Monitoring) -> None:
    now = datetime.now(UTC)
    for i in range(3):
        at = now - timedelta(hours=i)
        assert monitoring.log(batch(2, start=10 * i, at=at)).status_code == 201
    team = monitoring.team
    rest = f"/deployments/{monitoring.deployment_id}/batches"
    page: Any = team.get(team.owner, rest, page=2, per_page=2).json()
    assert page["total"] == 3
    assert page["page"] == 2
    assert len(page["items"]) == 1
    since = (now - timedelta(minutes=90)).isoformat()
    assert team.get(team.owner, rest, since=since).json()["total"] == 2


def test_the_same_rows_profiled_again_are_the_same_batch(
    monitoring: Monitoring, counts: Counts
) -> None:
    """Profiles are deterministic: a client that re-profiles the rows of a lost batch sends the
    same bytes for the same content, and gets the replay."""
    body = batch(10_000)
    features = frame(10_000, seed=0)
    again = base64.b64encode(dumps(build_profile(features))).decode()
    assert again == body["profile"]
    assert monitoring.log(body, key="k").status_code == 201
    replay = monitoring.log({**body, "profile": again}, key="k")
    assert replay.status_code == 200, replay.text
    assert replay.json()["replayed"] is True
    other_columns = base64.b64encode(dumps(build_profile(features.drop(columns="tenure"))))
    changed = monitoring.log({**body, "profile": other_columns.decode()}, key="k")
    assert changed.status_code == 422
    assert counts.predictions == 10_000
