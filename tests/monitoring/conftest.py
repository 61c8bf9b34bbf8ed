"""The monitoring tests' cast: the releases team with a production deployment, and helpers that
build real batches (profiles from real frames) and send them over HTTP."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlcontinuum.app import create_app
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.models import (
    KpiValue,
    LabelBatch,
    MonitorBatch,
    PerformanceHour,
    Prediction,
    ScoreBin,
)
from mlcontinuum.profiles import build_profile, dumps
from tests.conftest import Account
from tests.teams import Team

COUNTED = [
    "predictions",
    "labelled",
    "non_binary",
    "true_positives",
    "false_positives",
    "false_negatives",
]
# A charter KPI to report values of.
RETENTION = {
    "name": "Retention",
    "kind": "business",
    "direction": "higher_is_better",
    "baseline": 0.7,
    "target": 0.8,
    "alert_threshold": 0.72,
    "frequency": "weekly",
}


def add_kpi(team: Team) -> int:
    """The retention KPI, added to the team's charter; its id."""
    created = team.post(team.owner, "/kpis", RETENTION)
    assert created.status_code == 201, created.text
    kpi_id: int = created.json()["id"]
    return kpi_id


def frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Production features of `rows` customers."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "tenure": rng.integers(0, 72, rows),
            "monthly_charges": rng.normal(65, 20, rows).round(2),
            "contract": rng.choice(["month-to-month", "one year", "two year"], rows),
        }
    )


def batch(
    rows: int = 20, *, start: int = 0, at: datetime | None = None, prefix: str = "p"
) -> dict[str, Any]:
    """A valid batch body: ids `p-<start>` ..., predictions in [0, 1]."""
    features = frame(rows, seed=start)
    return {
        "at": (at or datetime.now(UTC)).isoformat(),
        "rows": rows,
        "profile": base64.b64encode(dumps(build_profile(features))).decode(),
        "prediction_ids": [f"{prefix}-{i}" for i in range(start, start + rows)],
        "predictions": [round((i % 10) / 10, 1) for i in range(rows)],
    }


class Monitoring:
    """Sends monitoring writes for one deployment as a member of the team."""

    def __init__(self, team: Team, deployment_id: int) -> None:
        self.team = team
        self.deployment_id = deployment_id

    def url(self, rest: str) -> str:
        return self.team.url(f"/deployments/{self.deployment_id}{rest}")

    def post(
        self,
        rest: str,
        body: Any,
        *,
        key: str | bytes | None = "new",
        who: Account | None = None,
        client: TestClient | None = None,
    ) -> Any:
        headers: dict[str, str | bytes] = dict((who or self.team.engineer).headers)
        if key is not None:
            headers["Idempotency-Key"] = uuid.uuid4().hex if key == "new" else key
        return (client or self.team.client).post(self.url(rest), json=body, headers=headers)

    def log(self, body: dict[str, Any], **kwargs: Any) -> Any:
        return self.post("/batches", body, **kwargs)

    def label(self, labels: dict[str, float], **kwargs: Any) -> Any:
        body = {"labels": [{"id": k, "label": v} for k, v in labels.items()]}
        return self.post("/labels", body, **kwargs)


@pytest.fixture
def deployment(team: Team) -> int:
    """A production deployment of churn-model, released by the team."""
    released = team.release(team.version())
    deployment_id: int = released["deployment_id"]
    return deployment_id


@pytest.fixture
def monitoring(team: Team, deployment: int) -> Monitoring:
    return Monitoring(team, deployment)


class Counts:
    """What the database holds, read straight from the tables."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def _count(self, model: Any, *where: Any) -> int:
        with transaction(self.app.state.session_factory) as db:
            return db.scalar(select(func.count()).select_from(model).where(*where)) or 0

    @property
    def predictions(self) -> int:
        return self._count(Prediction)

    @property
    def labelled(self) -> int:
        return self._count(Prediction, Prediction.label.is_not(None))

    @property
    def batches(self) -> int:
        return self._count(MonitorBatch)

    @property
    def label_batches(self) -> int:
        return self._count(LabelBatch)

    @property
    def kpi_values(self) -> int:
        return self._count(KpiValue)

    def assert_tallies_match(self, deployment_id: int) -> None:
        """The tallies ingest kept equal a recount of the deployment's predictions."""
        hours, bins = self.recount(deployment_id)
        with transaction(self.app.state.session_factory) as db:
            stored = {
                row.hour_start: row
                for row in db.scalars(
                    select(PerformanceHour).where(PerformanceHour.deployment_id == deployment_id)
                )
            }
            stored_bins = {
                (b.hour_start, b.positive, b.bin): b.count
                for b in db.scalars(select(ScoreBin).where(ScoreBin.deployment_id == deployment_id))
                if b.count
            }
        assert stored_bins == bins
        assert stored.keys() == hours.keys()
        for hour, expected in hours.items():
            row = stored[hour]
            assert [getattr(row, name) for name in COUNTED] == [expected[n] for n in COUNTED]
            for name in ("abs_error", "squared_error"):
                assert getattr(row, name) == pytest.approx(expected[name], rel=1e-9, abs=1e-9)

    def recount(
        self, deployment_id: int
    ) -> tuple[dict[datetime, dict[str, float]], dict[tuple[datetime, bool, int], int]]:
        """Per-hour totals and score bins, counted afresh from the prediction rows."""
        with transaction(self.app.state.session_factory) as db:
            rows = db.execute(
                select(Prediction.hour_start, Prediction.value, Prediction.label).where(
                    Prediction.deployment_id == deployment_id
                )
            ).all()
        hours: dict[datetime, dict[str, float]] = {}
        bins: dict[tuple[datetime, bool, int], int] = {}
        for hour, value, label in rows:
            totals = hours.setdefault(
                hour, dict.fromkeys([*COUNTED, "abs_error", "squared_error"], 0)
            )
            totals["predictions"] += 1
            if label is None:
                continue
            totals["labelled"] += 1
            totals["true_positives"] += value >= 0.5 and label == 1
            totals["false_positives"] += value >= 0.5 and label != 1
            totals["false_negatives"] += value < 0.5 and label == 1
            totals["abs_error"] += abs(value - label)
            totals["squared_error"] += (value - label) ** 2
            if 0 <= value <= 1 and label in (0, 1):
                key = (hour, label == 1, min(int(value * 100), 99))
                bins[key] = bins.get(key, 0) + 1
            else:
                totals["non_binary"] += 1
        return hours, bins


@pytest.fixture
def counts(app: FastAPI) -> Counts:
    return Counts(app)


@pytest.fixture
def app_with() -> Iterator[Any]:
    """Another app on the test's database with some settings changed: `app_with(settings,
    monitor_max_batch_rows=5)` gives a TestClient."""
    opened: list[tuple[FastAPI, TestClient]] = []

    def make(settings: Settings, **changes: Any) -> TestClient:
        app = create_app(settings.model_copy(update=changes), run_migrations=False)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        opened.append((app, client))
        return client

    yield make
    for app, client in opened:
        client.__exit__(None, None, None)
        app.state.engine.dispose()
