"""The whole loop over HTTP: production batches and KPI values go in through the ingest API, the
evaluator raises alerts, a change request opened from an alert carries their numbers, and its
decision sends a retrain trigger. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest

from tests.changes.conftest import drift_rule, events_of
from tests.monitoring.evaluation.helpers import Monitor, frame, hour, profile_of
from tests.teams import Team


def test_a_drift_alert_from_ingested_batches_leads_to_a_retrain_trigger(
    team: Team, monitor: Monitor
) -> None:
    rng = np.random.default_rng(5)
    deployment = monitor.deploy(profile_of(frame(rng, 5_000)))
    drift_rule(team)
    data = frame(rng, 2_000, shifted=True)
    ids = [f"p-{i}" for i in range(len(data))]
    sent = monitor.send_batch(team.engineer, deployment, hour(1), data, ids, np.full(2_000, 0.4))
    assert sent.status_code == 201, sent.text
    monitor.evaluate(deployment)

    alerts = team.get(team.viewer, "/alerts", status="open").json()["items"]
    [alert] = [a for a in alerts if a["source"] == "drift" and a["detail"]["granularity"] == "day"]
    opened = team.post(team.customer, "/changes", {"alert_id": alert["id"]})
    assert opened.status_code == 201, opened.text
    change = opened.json()
    assert change["deployment_id"] == deployment
    assert change["title"] == alert["title"]
    scores = {
        item["name"].removeprefix("drift score: "): item["value"]
        for item in change["evidence"]
        if item["kind"] == "metric"
    }
    assert {"monthly_charges", "contract"} <= set(scores)
    assert "tenure" not in scores  # it did not shift
    assert all(score >= 1 for score in scores.values())
    [window] = [item for item in change["evidence"] if item["kind"] == "window"]
    assert window["window_id"] == alert["window_id"]

    proposed = team.post(
        team.customer,
        f"/changes/{change['id']}/decision",
        {"option": "retrain", "rationale": "the contract mix moved for good"},
    )
    assert proposed.status_code == 200, proposed.text
    decided = team.post(team.engineer, f"/changes/{change['id']}/approve")
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "decided"
    [trigger] = events_of(team, "retrain.requested")
    assert trigger["payload"]["deployment_id"] == deployment
    assert trigger["payload"]["evidence"] == change["evidence"]
    assert trigger["payload"]["reason"] == "the contract mix moved for good"


def test_a_kpi_alert_from_reported_values_opens_a_change(team: Team, monitor: Monitor) -> None:
    kpi = monitor.add_kpi()  # retention, alert below 0.75
    deployment = monitor.deploy(None)
    for at, value in [(hour(2), 0.70), (hour(9), 0.72)]:
        sent = monitor.send_kpi(team.engineer, kpi, at, value)
        assert sent.status_code == 201, sent.text
    monitor.evaluate(deployment)

    [alert] = team.get(team.viewer, "/alerts", status="open").json()["items"]
    assert alert["source"] == "kpi"
    body = {"alert_id": alert["id"], "deployment_id": deployment, "options": ["retrain", "accept"]}
    opened = team.post(team.customer, "/changes", body)
    assert opened.status_code == 201, opened.text
    [metric] = [item for item in opened.json()["evidence"] if item["kind"] == "metric"]
    assert metric["name"] == "KPI: retention"
    assert metric["value"] == pytest.approx(0.71)
    assert metric["threshold"] == 0.75
