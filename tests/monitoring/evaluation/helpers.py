"""Production data for the evaluation and alert tests: a deployment of churn-model with a
reference profile, batches built with NumPy (optionally shifted), labels and KPI values.

Batches go in either through the HTTP ingest API (`send_*`) or straight into our real storage
with the tallies and `mark_dirty`, as ingest does (`store_batch`); both write the same rows."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI
from sqlalchemy import insert, select

from mlcontinuum.charter.models import Kpi
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.evaluation import evaluate_pending
from mlcontinuum.monitoring.models import KpiValue, MonitorBatch, MonitorWindow, Prediction
from mlcontinuum.monitoring.tallies import Tallies
from mlcontinuum.monitoring.windows import mark_dirty
from mlcontinuum.profiles import Profile, build_profile, dumps
from mlcontinuum.releases.models import Deployment
from tests.conftest import Account
from tests.teams import Team

CONTRACTS = np.array(["month-to-month", "one-year", "two-year"])
# Two days ago, 00:00 UTC: within ingest's age limit, and its first 48 hours are past.
DAY0 = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
_keys = itertools.count(1)


def frame(rng: np.random.Generator, rows: int, *, shifted: bool = False) -> pd.DataFrame:
    """Customers: monthly charges and contract mix move when `shifted`; tenure never does."""
    mix = [0.8, 0.1, 0.1] if shifted else [0.5, 0.3, 0.2]
    return pd.DataFrame(
        {
            "monthly_charges": rng.normal(88.0 if shifted else 70.0, 20.0, rows),
            "tenure": rng.gamma(2.0, 15.0, rows),
            "contract": rng.choice(CONTRACTS, size=rows, p=mix),
        }
    )


def profile_of(data: pd.DataFrame) -> Profile:
    return build_profile(data)


def _label(labels: np.ndarray | None, i: int) -> float | None:
    """The i-th label, None where there is none yet (NaN)."""
    if labels is None or np.isnan(labels[i]):
        return None
    return float(labels[i])


def auc_tolerance(scores: np.ndarray, labels: np.ndarray) -> float:
    """Most a 100-bin histogram AUC can differ from the exact one: half the share of
    positive-negative pairs whose scores share a bin (their order inside the bin is unknown)."""
    bins = np.minimum((scores * 100).astype(int), 99)
    pos = np.bincount(bins[labels == 1], minlength=100)
    neg = np.bincount(bins[labels == 0], minlength=100)
    return float(0.5 * (pos * neg).sum() / (pos.sum() * neg.sum()))


def hour(n: int) -> datetime:
    """The n-th hour after DAY0 (a quarter past, so it is inside the hour window)."""
    return DAY0 + timedelta(hours=n, minutes=15)


class Monitor:
    """A project team with one deployment, and ways to feed and evaluate it."""

    def __init__(self, team: Team, app: FastAPI) -> None:
        self.team, self.app = team, app
        self.factory = app.state.session_factory

    def deploy(self, reference: Profile | None) -> int:
        number = self.team.version()
        if reference is not None:
            uploaded = self.team.client.put(
                self.team.url(f"/models/churn-model/versions/{number}/reference-profile"),
                content=dumps(reference),
                headers=self.team.owner.headers,
            )
            assert uploaded.status_code == 200, uploaded.text
        deployment_id: int = self.team.release(number)["deployment_id"]
        return deployment_id

    # --- writes through our storage, as ingest does ---------------------------------------

    def store_batch(
        self,
        deployment_id: int,
        at: datetime,
        data: pd.DataFrame,
        predictions: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        *,
        profile: bytes | None = None,
        with_predictions: bool = True,
    ) -> int:
        """One batch with its predictions (and labels, already joined; NaN: not yet), windows
        marked dirty.
        `profile` replaces the batch's real profile bytes (to store a damaged one)."""
        raw = dumps(profile_of(data)) if profile is None else profile
        values = np.full(len(data), 0.5) if predictions is None else predictions
        with transaction(self.factory) as db:
            deployment = db.get_one(Deployment, deployment_id)
            key = f"k{next(_keys)}"
            batch = MonitorBatch(
                project_id=deployment.project_id,
                deployment_id=deployment_id,
                idempotency_key=key,
                request_sha256="0" * 64,
                at=at,
                hour_start=Granularity.HOUR.start_of(at),
                rows=len(data),
                profile=raw,
                received_by="test",
            )
            db.add(batch)
            db.flush()
            if with_predictions:
                db.execute(
                    insert(Prediction),
                    [
                        {
                            "deployment_id": deployment_id,
                            "batch_id": batch.id,
                            "prediction_id": f"{key}-{i}",
                            "hour_start": batch.hour_start,
                            "value": float(values[i]),
                            "label": _label(labels, i),
                            "labelled_at": None if _label(labels, i) is None else at,
                        }
                        for i in range(len(data))
                    ],
                )
                tallies = Tallies(deployment_id)
                tallies.predictions(batch.hour_start, len(data))
                for i in range(len(data)):
                    label = _label(labels, i)
                    if label is not None:
                        tallies.label(batch.hour_start, float(values[i]), label)
                tallies.write(db)
            mark_dirty(db, deployment.project_id, deployment_id, [at])
            batch_id: int = batch.id
        return batch_id

    def store_kpi(self, kpi_id: int, at: datetime, value: float) -> None:
        with transaction(self.factory) as db:
            kpi = db.get_one(Kpi, kpi_id)
            db.add(
                KpiValue(
                    project_id=kpi.project_id,
                    kpi_id=kpi_id,
                    idempotency_key=f"k{next(_keys)}",
                    request_sha256="0" * 64,
                    at=at,
                    value=value,
                    reported_by="test",
                )
            )
            mark_dirty(db, kpi.project_id, None, [at])

    # --- writes through the HTTP ingest API -------------------------------------------------

    def send_batch(
        self,
        who: Account,
        deployment_id: int,
        at: datetime,
        data: pd.DataFrame,
        ids: list[str],
        predictions: np.ndarray,
    ) -> Any:
        body = {
            "at": at.isoformat(),
            "rows": len(data),
            "profile": base64.b64encode(dumps(profile_of(data))).decode(),
            "prediction_ids": ids,
            "predictions": [float(v) for v in predictions],
        }
        return self._write(who, f"/deployments/{deployment_id}/batches", body)

    def send_labels(
        self, who: Account, deployment_id: int, ids: list[str], labels: np.ndarray
    ) -> Any:
        body = {"labels": [{"id": i, "label": float(v)} for i, v in zip(ids, labels, strict=True)]}
        return self._write(who, f"/deployments/{deployment_id}/labels", body)

    def send_kpi(self, who: Account, kpi_id: int, at: datetime, value: float) -> Any:
        return self._write(who, f"/kpis/{kpi_id}/values", {"at": at.isoformat(), "value": value})

    def _write(self, who: Account, rest: str, body: dict[str, Any]) -> Any:
        headers = who.headers | {"Idempotency-Key": f"test-{next(_keys)}"}
        return self.team.client.post(self.team.url(rest), json=body, headers=headers)

    # --- evaluation ----------------------------------------------------------------------------

    def run_evaluator(self) -> int:
        return evaluate_pending(self.factory, self.app.state.settings)

    def evaluate(self, deployment_id: int, who: Account | None = None) -> dict[str, Any]:
        response = self.team.post(who or self.team.owner, f"/deployments/{deployment_id}/evaluate")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def windows(self, deployment_id: int, granularity: str = "hour") -> list[dict[str, Any]]:
        """The deployment's windows, oldest first."""
        response = self.team.get(
            self.team.viewer,
            f"/deployments/{deployment_id}/windows",
            granularity=granularity,
            per_page=200,
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items[::-1]

    def window_row(self, window_id: int) -> MonitorWindow:
        with transaction(self.factory) as db:
            return db.get_one(MonitorWindow, window_id)

    def window_at(self, deployment_id: int, granularity: Granularity, start: datetime) -> int:
        with transaction(self.factory) as db:
            window_id = db.scalar(
                select(MonitorWindow.id).where(
                    MonitorWindow.deployment_id == deployment_id,
                    MonitorWindow.granularity == granularity,
                    MonitorWindow.start == start,
                )
            )
        assert window_id is not None
        return window_id

    def add_kpi(self, **fields: Any) -> int:
        body = {
            "name": "retention",
            "kind": "business",
            "direction": "higher_is_better",
            "baseline": 0.8,
            "target": 0.9,
            "alert_threshold": 0.75,
            "frequency": "daily",
        } | fields
        created = self.team.post(self.team.owner, "/kpis", body)
        assert created.status_code == 201, created.text
        kpi_id: int = created.json()["id"]
        return kpi_id

    def events(self, *types: str) -> list[dict[str, Any]]:
        response = self.team.client.get(
            self.team.url("/events"),
            params={"type": list(types), "per_page": 200},
            headers=self.team.owner.headers,
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items[::-1]
