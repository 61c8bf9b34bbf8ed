"""Performance from SQL aggregates (checked against scikit-learn), KPI windows against the
charter's thresholds in both directions, windows without a reference, and windows that cannot
be evaluated. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    recall_score,
    roc_auc_score,
)

from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.profiles import Profile
from tests.monitoring.evaluation.helpers import (
    DAY0,
    Monitor,
    auc_tolerance,
    frame,
    hour,
    profile_of,
)


def _reference() -> Profile:
    return profile_of(frame(np.random.default_rng(1), 3_000))


def test_binary_performance_matches_scikit_learn(monitor: Monitor) -> None:
    rng = np.random.default_rng(21)
    deployment = monitor.deploy(_reference())
    all_scores, all_labels = [], []
    for part in range(3):
        n = 1_200
        labels = (rng.random(n) < 0.3).astype(float)
        scores = 1 / (1 + np.exp(-(rng.normal(0, 1.2, n) + 1.6 * labels - 0.8)))
        scores[:3] = [0.0, 1.0, 0.5]  # the edges of the histogram and of the cut-off
        labelled = labels.copy()
        labelled[: n // 4] = np.nan  # a quarter still waits for its label
        monitor.store_batch(
            deployment,
            hour(4) + timedelta(minutes=10 * part),
            frame(rng, n),
            predictions=scores,
            labels=labelled,
        )
        keep = ~np.isnan(labelled)
        all_scores.append(scores[keep])
        all_labels.append(labels[keep].astype(int))
    scores, labels = np.concatenate(all_scores), np.concatenate(all_labels)
    monitor.evaluate(deployment)

    (window,) = monitor.windows(deployment, "hour")
    performance = window["evaluation"]["performance"]
    assert performance["task"] == "binary"
    assert performance["predictions"] == 3 * 1_200
    assert performance["labelled"] == len(labels) == 3 * (1_200 - 300)
    metrics = performance["metrics"]
    predicted = (scores >= 0.5).astype(int)
    exact = roc_auc_score(labels, scores)
    tolerance = auc_tolerance(scores, labels)
    assert 0 < tolerance < 0.01
    assert abs(metrics["roc_auc"] - exact) <= tolerance + 1e-12
    assert metrics["accuracy"] == pytest.approx(accuracy_score(labels, predicted), abs=1e-12)
    assert metrics["precision"] == pytest.approx(precision_score(labels, predicted), abs=1e-12)
    assert metrics["recall"] == pytest.approx(recall_score(labels, predicted), abs=1e-12)
    assert metrics["positive_rate"] == pytest.approx(labels.mean(), abs=1e-12)
    (day,) = monitor.windows(deployment, "day")
    assert day["evaluation"]["performance"] == performance


def test_regression_performance_matches_scikit_learn(monitor: Monitor) -> None:
    rng = np.random.default_rng(22)
    deployment = monitor.deploy(_reference())
    n = 2_000
    truth = rng.gamma(3.0, 20.0, n)
    predictions = truth + rng.normal(0, 7.5, n)
    monitor.store_batch(deployment, hour(6), frame(rng, n), predictions=predictions, labels=truth)
    monitor.evaluate(deployment)
    (window,) = monitor.windows(deployment, "hour")
    performance = window["evaluation"]["performance"]
    assert performance["task"] == "regression"
    assert performance["labelled"] == n
    metrics = performance["metrics"]
    assert set(metrics) == {"mae", "rmse"}
    assert metrics["mae"] == pytest.approx(mean_absolute_error(truth, predictions), rel=1e-9)
    rmse = math.sqrt(mean_squared_error(truth, predictions))
    assert metrics["rmse"] == pytest.approx(rmse, rel=1e-9)


def test_scores_in_range_with_labels_other_than_0_and_1_are_regression(monitor: Monitor) -> None:
    rng = np.random.default_rng(23)
    deployment = monitor.deploy(_reference())
    scores = rng.random(300)
    labels = np.where(rng.random(300) < 0.5, 0.0, 0.5)
    monitor.store_batch(deployment, hour(1), frame(rng, 300), predictions=scores, labels=labels)
    monitor.evaluate(deployment)
    (window,) = monitor.windows(deployment, "hour")
    assert window["evaluation"]["performance"]["task"] == "regression"


def test_one_class_only_has_no_auc(monitor: Monitor) -> None:
    rng = np.random.default_rng(24)
    deployment = monitor.deploy(_reference())
    scores = rng.random(200)
    monitor.store_batch(
        deployment, hour(1), frame(rng, 200), predictions=scores, labels=np.zeros(200)
    )
    monitor.evaluate(deployment)
    (window,) = monitor.windows(deployment, "hour")
    metrics = window["evaluation"]["performance"]["metrics"]
    assert metrics["roc_auc"] is None
    assert metrics["positive_rate"] == 0
    assert metrics["recall"] is None
    assert metrics["accuracy"] == pytest.approx(float((scores < 0.5).mean()))


def test_kpis_are_judged_against_the_charter_in_both_directions(monitor: Monitor) -> None:
    retention = monitor.add_kpi()  # higher is better, alert below 0.75
    cost = monitor.add_kpi(
        name="cost per save",
        kind="analytic",
        unit="EUR",
        direction="lower_is_better",
        baseline=120,
        target=80,
        alert_threshold=100,
    )
    # Day 0: retention 0.70 and 0.72 (mean 0.71 < 0.75, breached); cost 90 and 110 (mean 100,
    # exactly at the threshold: not breached). Day 1: retention fine, cost 130 (breached).
    for at, kpi, value in [
        (hour(2), retention, 0.70),
        (hour(9), retention, 0.72),
        (hour(3), cost, 90.0),
        (hour(20), cost, 110.0),
        (hour(26), retention, 0.80),
        (hour(27), cost, 130.0),
    ]:
        monitor.store_kpi(kpi, at, value)
    deployment = monitor.deploy(None)
    run = monitor.evaluate(deployment)
    assert run["kpi_windows"] == 8
    assert run["deployment_windows"] == 0

    response = monitor.team.get(monitor.team.viewer, "/kpi-windows", granularity="day")
    assert response.status_code == 200, response.text
    day1, day0 = response.json()["items"]  # newest first
    assert day0["start"].startswith(DAY0.date().isoformat())
    first = {k["name"]: k for k in day0["evaluation"]["kpis"]}
    assert first["retention"]["value"] == pytest.approx(0.71)
    assert first["retention"]["values"] == 2
    assert first["retention"]["breached"] is True
    assert first["retention"]["direction"] == "higher_is_better"
    assert first["retention"]["threshold"] == 0.75
    assert first["retention"]["target"] == 0.9
    assert first["cost per save"]["value"] == pytest.approx(100.0)
    assert first["cost per save"]["breached"] is False
    assert day0["kpis_breached"] == 1
    second = {k["name"]: k for k in day1["evaluation"]["kpis"]}
    assert second["retention"]["breached"] is False
    assert second["cost per save"]["breached"] is True
    assert second["cost per save"]["unit"] == "EUR"
    assert day1["kpis_breached"] == 1
    assert day0["evaluation"]["drift"] == []
    assert day0["evaluation"]["performance"] is None

    hours = monitor.team.get(monitor.team.viewer, "/kpi-windows", granularity="hour").json()
    assert hours["total"] == 6


def test_without_a_reference_profile_drift_and_checks_are_empty(monitor: Monitor) -> None:
    rng = np.random.default_rng(25)
    deployment = monitor.deploy(None)
    monitor.store_batch(deployment, hour(0), frame(rng, 500))
    monitor.evaluate(deployment)
    (window,) = monitor.windows(deployment, "hour")
    evaluation = window["evaluation"]
    assert evaluation["reference"] is None
    assert evaluation["drift"] == []
    assert evaluation["checks"] == []
    assert any("no reference profile" in note for note in evaluation["notes"])
    assert window["rows"] == 500
    assert window["batches"] == 1


def test_a_window_that_cannot_be_evaluated_stores_the_error_once(monitor: Monitor) -> None:
    rng = np.random.default_rng(26)
    deployment = monitor.deploy(_reference())
    bad = monitor.store_batch(deployment, hour(3), frame(rng, 100), profile=b"not a profile")
    monitor.store_batch(deployment, hour(4), frame(rng, 100))

    assert monitor.run_evaluator() == 3  # two hours and their day
    assert monitor.run_evaluator() == 0  # nothing is retried in a loop
    hours = monitor.windows(deployment, "hour")
    broken, fine = hours
    assert broken["evaluation"]["error"].startswith(f"batch {bad}'s profile cannot be read: ")
    assert not broken["dirty"]
    assert broken["batches"] == 0
    assert fine["evaluation"]["error"] is None
    assert fine["batches"] == 1
    (day,) = monitor.windows(deployment, "day")
    assert day["evaluation"]["error"] is not None  # it holds the bad batch too

    # New data makes the window due again, and it fails again with the same clear message.
    monitor.store_batch(deployment, hour(3), frame(rng, 100))
    assert monitor.run_evaluator() == 2
    broken_again = monitor.windows(deployment, "hour")[0]
    assert f"batch {bad}" in broken_again["evaluation"]["error"]


def test_a_window_written_during_its_evaluation_stays_dirty(monitor: Monitor) -> None:
    from mlcontinuum.kernel.storage.engine import transaction
    from mlcontinuum.monitoring.evaluation import evaluate_window
    from mlcontinuum.monitoring.models import MonitorWindow

    rng = np.random.default_rng(27)
    deployment = monitor.deploy(_reference())
    monitor.store_batch(deployment, hour(5), frame(rng, 300))
    window_id = monitor.window_at(deployment, Granularity.HOUR, DAY0 + timedelta(hours=5))
    with monitor.factory() as db:
        window = db.get_one(MonitorWindow, window_id)  # the evaluator has read the window...
        db.commit()
        monitor.store_batch(deployment, hour(5), frame(rng, 200))  # ...a write lands...
        with db.begin():
            evaluate_window(db, window)  # ...and the evaluation ends
    after = monitor.window_row(window_id)
    assert after.dirty is True
    assert after.evaluated_at is not None

    with transaction(monitor.factory) as db:
        evaluate_window(db, db.get_one(MonitorWindow, window_id))
    settled = monitor.window_row(window_id)
    assert settled.dirty is False
    assert (settled.batches, settled.rows) == (2, 500)
