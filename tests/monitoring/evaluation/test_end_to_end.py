"""The whole loop over HTTP: a version released with its reference profile, production batches,
late labels and KPI values through the ingest API, a drift rule, evaluation, windows, alerts
acknowledged and resolved, and every step in the audit trail. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.evaluation import evaluate_pending
from tests.monitoring.evaluation.helpers import DAY0, Monitor, frame, hour, profile_of


def _scores(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    scores: np.ndarray = 1 / (1 + np.exp(-(rng.normal(0, 1.0, len(labels)) + 2.0 * labels - 1.0)))
    return scores


def test_release_ingest_evaluate_alert_acknowledge_resolve(monitor: Monitor) -> None:
    team = monitor.team
    rng = np.random.default_rng(41)
    deployment = monitor.deploy(profile_of(frame(rng, 5_000)))
    rule = team.post(
        team.engineer,
        "/alert-rules",
        {"kind": "drift", "name": "Feature drift", "params": {"granularity": "hour"}},
    )
    assert rule.status_code == 201, rule.text
    retention = monitor.add_kpi()

    # Three hours of traffic; the third has shifted. Labels arrive later, for the first two.
    sent: dict[int, tuple[list[str], np.ndarray, np.ndarray]] = {}
    for n, shifted in [(0, False), (1, False), (2, True)]:
        labels = (rng.random(800) < 0.3).astype(float)
        ids, scores = [f"h{n}-c{i}" for i in range(800)], _scores(rng, labels)
        data = frame(rng, 800, shifted=shifted)
        response = monitor.send_batch(team.engineer, deployment, hour(n), data, ids, scores)
        assert response.status_code == 201, response.text
        sent[n] = (ids, labels, scores)
    for value, at in [(0.7, hour(1)), (0.72, hour(2))]:
        reported = monitor.send_kpi(team.owner, retention, at, value)
        assert reported.status_code == 201, reported.text

    run = monitor.evaluate(deployment, team.engineer)
    assert run == {"evaluated": 7, "deployment_windows": 4, "kpi_windows": 3, "errors": 0}
    hours = monitor.windows(deployment, "hour")
    assert [w["drifted_features"] for w in hours] == [0, 0, 2]
    assert all(w["evaluation"]["performance"] is None for w in hours)  # no labels yet

    for n in (0, 1):
        ids, labels, _ = sent[n]
        delivered = monitor.send_labels(team.engineer, deployment, ids, labels)
        assert delivered.status_code == 201, delivered.text
    # The background job picks the labelled windows up (the hours and their day).
    assert evaluate_pending(monitor.factory, monitor.app.state.settings) == 3
    hours = monitor.windows(deployment, "hour")
    first = hours[0]["evaluation"]["performance"]
    assert first["task"] == "binary"
    assert first["labelled"] == first["predictions"] == 800
    assert hours[2]["evaluation"]["performance"] is None
    _, labels, scores = sent[0]
    expected = accuracy_score(labels.astype(int), (scores >= 0.5).astype(int))
    assert first["metrics"]["accuracy"] == pytest.approx(expected, abs=1e-12)

    kpis = team.get(team.viewer, "/kpi-windows", granularity="day").json()["items"]
    assert kpis[0]["evaluation"]["kpis"][0]["value"] == pytest.approx(0.71)
    assert kpis[0]["kpis_breached"] == 1

    alerts = {a["source"]: a for a in team.get(team.viewer, "/alerts").json()["items"]}
    assert set(alerts) == {"drift", "kpi"}
    drift, kpi = alerts["drift"], alerts["kpi"]
    assert drift["window_id"] == monitor.window_at(
        deployment, Granularity.HOUR, DAY0 + timedelta(hours=2)
    )
    assert kpi["severity"] == "critical"
    assert drift["occurrences"] == 1  # the labels re-evaluated windows without new batches

    acked = team.post(team.customer, f"/alerts/{kpi['id']}/acknowledge")
    assert acked.status_code == 200, acked.text
    done = team.post(team.engineer, f"/alerts/{kpi['id']}/resolve", {"resolution": "campaign"})
    assert done.status_code == 200, done.text
    closed = team.post(team.owner, f"/alerts/{drift['id']}/resolve", {"resolution": "retrain"})
    assert closed.status_code == 200, closed.text
    assert team.get(team.viewer, "/alerts", status="open").json()["total"] == 0

    trail = monitor.events(
        "alert_rule.created", "alert.opened", "alert.acknowledged", "alert.resolved"
    )
    steps: list[tuple[str, str, Any]] = [
        (e["type"], e["actor"], e["payload"].get("alert_id")) for e in trail
    ]
    assert steps[0] == ("alert_rule.created", "emma", None)
    assert sorted(steps[1:3]) == sorted(
        [
            ("alert.opened", "system:evaluator", drift["id"]),
            ("alert.opened", "system:evaluator", kpi["id"]),
        ]
    )
    assert steps[3:] == [
        ("alert.acknowledged", "sam", kpi["id"]),
        ("alert.resolved", "emma", kpi["id"]),
        ("alert.resolved", "olivia", drift["id"]),
    ]
    verified = team.get(team.owner, "/audit/verify").json()
    assert verified["ok"] is True
