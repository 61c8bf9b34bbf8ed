"""Performance from the tallies ingest keeps: through the real ingest API, with late and corrected
labels, it still matches scikit-learn; evaluating reads no prediction row; and the migration
that introduced the tallies fills them with what ingest would have kept. SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from alembic import command
from fastapi import FastAPI
from sklearn.metrics import (
    accuracy_score,
    mean_absolute_error,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sqlalchemy import delete, select

from mlcontinuum.kernel.storage import migrate
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.models import Prediction
from mlcontinuum.monitoring.windows import mark_dirty
from mlcontinuum.releases.models import Deployment
from tests.monitoring.conftest import Counts
from tests.monitoring.evaluation.helpers import Monitor, auc_tolerance, frame, hour, profile_of


def _served(monitor: Monitor, deployment: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Two hours of scored customers sent through the ingest API: ids and true labels."""
    rng = np.random.default_rng(seed)
    all_ids, all_labels = [], []
    for part, n in enumerate((700, 500)):
        labels = (rng.random(n) < 0.3).astype(float)
        scores = 1 / (1 + np.exp(-(rng.normal(0, 1.2, n) + 1.6 * labels - 0.8)))
        scores[:3] = [0.0, 1.0, 0.5]  # the edges of the histogram and of the cut-off
        ids = [f"h{part}-{i}" for i in range(n)]
        sent = monitor.send_batch(
            monitor.team.engineer, deployment, hour(4 + part), frame(rng, n), ids, scores
        )
        assert sent.status_code == 201, sent.text
        all_ids += ids
        all_labels.append(labels)
    return all_ids, np.concatenate(all_labels)


def _label(monitor: Monitor, deployment: int, ids: list[str], labels: np.ndarray) -> None:
    sent = monitor.send_labels(monitor.team.engineer, deployment, ids, labels)
    assert sent.status_code == 201, sent.text


def _scores(app: FastAPI, ids: list[str]) -> np.ndarray:
    with transaction(app.state.session_factory) as db:
        values = dict(db.execute(select(Prediction.prediction_id, Prediction.value)).all())
    return np.array([values[i] for i in ids])


def _performance(monitor: Monitor, deployment: int, granularity: str) -> list[dict[str, Any]]:
    return [w["evaluation"]["performance"] for w in monitor.windows(deployment, granularity)]


def test_late_and_corrected_labels_match_scikit_learn(
    monitor: Monitor, app: FastAPI, counts: Counts
) -> None:
    deployment = monitor.deploy(profile_of(frame(np.random.default_rng(1), 2_000)))
    ids, truth = _served(monitor, deployment, seed=31)
    labelled = len(ids) * 4 // 5  # the last fifth still waits for its label
    wrong = truth.copy()
    wrong[: labelled // 10] = 1 - wrong[: labelled // 10]  # a tenth delivered wrong at first
    _label(monitor, deployment, ids[:labelled], wrong[:labelled])
    monitor.evaluate(deployment)
    # The corrections, and one label sent again unchanged.
    fixed = labelled // 10 + 1
    _label(monitor, deployment, ids[:fixed], truth[:fixed])
    monitor.evaluate(deployment)
    counts.assert_tallies_match(deployment)

    scores = _scores(app, ids)
    hours = _performance(monitor, deployment, "hour")
    (day,) = _performance(monitor, deployment, "day")
    first_hour = np.arange(len(ids)) < 700
    for performance, rows in [
        (hours[0], first_hour),
        (hours[1], ~first_hour),
        (day, np.ones(len(ids), bool)),
    ]:
        keep = rows & (np.arange(len(ids)) < labelled)
        y, s = truth[keep].astype(int), scores[keep]
        predicted = (s >= 0.5).astype(int)
        assert performance["task"] == "binary"
        assert performance["predictions"] == rows.sum()
        assert performance["labelled"] == keep.sum()
        metrics = performance["metrics"]
        assert abs(metrics["roc_auc"] - roc_auc_score(y, s)) <= auc_tolerance(s, y) + 1e-12
        assert metrics["accuracy"] == pytest.approx(accuracy_score(y, predicted), abs=1e-12)
        assert metrics["precision"] == pytest.approx(precision_score(y, predicted), abs=1e-12)
        assert metrics["recall"] == pytest.approx(recall_score(y, predicted), abs=1e-12)
        assert metrics["positive_rate"] == pytest.approx(y.mean(), abs=1e-12)


def test_a_corrected_label_can_turn_a_regression_window_back_into_binary(
    monitor: Monitor, app: FastAPI, counts: Counts
) -> None:
    deployment = monitor.deploy(None)
    ids, truth = _served(monitor, deployment, seed=32)
    odd = truth.copy()
    odd[0] = 0.5  # not a class: the window is a regression
    _label(monitor, deployment, ids, odd)
    monitor.evaluate(deployment)
    first = _performance(monitor, deployment, "hour")[0]
    assert first["task"] == "regression"
    scores = _scores(app, ids)
    assert first["metrics"]["mae"] == pytest.approx(
        mean_absolute_error(odd[:700], scores[:700]), rel=1e-9
    )

    _label(monitor, deployment, ids[:1], truth[:1])
    monitor.evaluate(deployment)
    again = _performance(monitor, deployment, "hour")[0]
    assert again["task"] == "binary"
    exact = roc_auc_score(truth[:700], scores[:700])
    assert abs(again["metrics"]["roc_auc"] - exact) <= auc_tolerance(scores[:700], truth[:700])
    counts.assert_tallies_match(deployment)


def test_evaluating_a_window_reads_no_prediction_row(monitor: Monitor, app: FastAPI) -> None:
    deployment = monitor.deploy(None)
    ids, truth = _served(monitor, deployment, seed=33)
    _label(monitor, deployment, ids, truth)
    monitor.evaluate(deployment)
    before = _performance(monitor, deployment, "day")
    with transaction(app.state.session_factory) as db:
        db.execute(delete(Prediction))  # what performance would read if it read rows
        project_id = db.get_one(Deployment, deployment).project_id
        mark_dirty(db, project_id, deployment, [hour(4)])
    assert monitor.evaluate(deployment)["deployment_windows"] == 2
    assert _performance(monitor, deployment, "day") == before
    assert before[0] is not None


def test_the_migration_fills_the_tallies_ingest_would_have_kept(
    monitor: Monitor, app: FastAPI, counts: Counts
) -> None:
    deployment = monitor.deploy(None)
    ids, truth = _served(monitor, deployment, seed=34)
    _label(monitor, deployment, ids[:900], truth[:900])
    _label(monitor, deployment, ids[:50], 1 - truth[:50])  # corrections
    _label(monitor, deployment, ids[900:901], np.array([3.5]))  # and one regression label
    monitor.evaluate(deployment)
    before = _performance(monitor, deployment, "hour")
    counts.assert_tallies_match(deployment)

    engine = app.state.engine
    command.downgrade(migrate.alembic_config(engine), "0009")  # drops the tallies
    migrate.upgrade(engine)  # creates and fills them from the predictions
    counts.assert_tallies_match(deployment)
    with transaction(app.state.session_factory) as db:
        project_id = db.get_one(Deployment, deployment).project_id
        mark_dirty(db, project_id, deployment, [hour(4), hour(5)])
    monitor.evaluate(deployment)
    after = _performance(monitor, deployment, "hour")
    assert [p["task"] for p in after] == ["binary", "regression"]
    for old, new in zip(before, after, strict=True):
        assert (new["predictions"], new["labelled"]) == (old["predictions"], old["labelled"])
        assert new["metrics"] == pytest.approx(old["metrics"], rel=1e-12)
