"""The change-control tests' cast: the releases tests' `Team` (owner, ML engineer, stakeholder,
viewer) plus monitoring windows and the alerts they raise, to point change requests at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mlcontinuum.alerts.models import Alert
from mlcontinuum.alerts.raising import raise_for_window
from mlcontinuum.kernel.auth.models import Project
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.evaluation import EVALUATOR
from mlcontinuum.monitoring.models import MonitorWindow
from mlcontinuum.monitoring.queries import get_window
from mlcontinuum.monitoring.windows import mark_dirty, scope_key
from tests.monitoring.evaluation.helpers import Monitor
from tests.teams import Team

DAY = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)

# A day window's stored evaluation, in the shape the evaluator stores (monitoring/schemas.py):
# two drifted columns, one stable, one failed data check.
DRIFTED_EVALUATION: dict[str, Any] = {
    "reference": {"version_id": 1, "rows": 5000},
    "drift": [
        {"column": "monthly_charges", "kind": "numeric", "drifted": True, "score": 1.8,
         "skipped": None, "methods": []},
        {"column": "contract", "kind": "categorical", "drifted": True, "score": 2.4,
         "skipped": None, "methods": []},
        {"column": "tenure", "kind": "numeric", "drifted": False, "score": 0.3,
         "skipped": None, "methods": []},
    ],
    "checks": [
        {"name": "missing_rate", "passed": False, "threshold": 0.05,
         "message": "3 columns miss more than 5 %", "details": ["tenure"]},
    ],
    "performance": None,
    "kpis": [],
}  # fmt: skip


class Monitoring:
    """Monitoring windows and the alerts they raise, for change requests to point at.

    Windows are made by the lead's `mark_dirty` with an evaluation stored on them (in the shape
    the evaluator stores); alerts are raised from them by the alerts' own code
    (`alerts.raising.raise_for_window`), with the project's rules and charter KPIs made through
    the API. The full path from ingested batches is in test_from_production.py.
    """

    def __init__(self, app: FastAPI) -> None:
        self.factory = app.state.session_factory

    def project_id(self, slug: str) -> int:
        with transaction(self.factory) as db:
            found = db.scalar(select(Project.id).where(Project.slug == slug))
        assert found is not None
        return found

    def window(
        self,
        slug: str,
        deployment_id: int | None,
        evaluation: dict[str, Any] | None = None,
        at: datetime = DAY,
    ) -> int:
        """The day window holding `at`, with `evaluation` stored on it."""
        project_id = self.project_id(slug)
        with transaction(self.factory) as db:
            mark_dirty(db, project_id, deployment_id, [at])
            window_id = db.scalar(
                select(MonitorWindow.id).where(
                    MonitorWindow.project_id == project_id,
                    MonitorWindow.scope_key == scope_key(deployment_id),
                    MonitorWindow.granularity == Granularity.DAY,
                    MonitorWindow.start == Granularity.DAY.start_of(at),
                )
            )
            assert window_id is not None
            if evaluation is not None:
                db.execute(
                    update(MonitorWindow)
                    .where(MonitorWindow.id == window_id)
                    .values(evaluation=evaluation, dirty=False, evaluated_at=at)
                )
        return window_id

    def raise_alerts(self, window_id: int) -> list[int]:
        """The alerts the window's stored evaluation raises under the project's rules."""
        with transaction(self.factory) as db:
            return [alert.id for alert in raise_stored(db, window_id)]


def raise_stored(db: Session, window_id: int) -> list[Alert]:
    """What the reaction to `window.flagged` raises for a window whose evaluation is new: every
    KPI it measured is named as changed."""
    project_id = db.get_one(MonitorWindow, window_id).project_id
    window = get_window(db, window_id)
    kpis = [k.kpi_id for k in window.evaluation.kpis] if window.evaluation else []
    return raise_for_window(db, project_id, window, kpis=kpis, actor=EVALUATOR)


def drift_rule(team: Team) -> None:
    body = {"kind": "drift", "name": "any drift", "params": {"min_drifted_features": 1}}
    created = team.post(team.owner, "/alert-rules", body)
    assert created.status_code == 201, created.text


def quality_rule(team: Team) -> None:
    created = team.post(team.owner, "/alert-rules", {"kind": "data_quality", "name": "quality"})
    assert created.status_code == 201, created.text


def kpi_evaluation(kpi_id: int, value: float) -> dict[str, Any]:
    """A KPI window's evaluation: retention (alert threshold 0.75, as `Monitor.add_kpi` makes it)
    at `value`."""
    outcome = {
        "kpi_id": kpi_id,
        "name": "retention",
        "kind": "business",
        "unit": "",
        "direction": "higher_is_better",
        "threshold": 0.75,
        "target": 0.9,
        "value": value,
        "values": 3,
        "breached": value < 0.75,
    }
    return {"reference": None, "drift": [], "checks": [], "performance": None, "kpis": [outcome]}


@pytest.fixture
def monitoring(app: FastAPI) -> Monitoring:
    return Monitoring(app)


@pytest.fixture
def monitor(team: Team, app: FastAPI) -> Monitor:
    """The evaluation tests' production feed, for the whole loop and for KPIs."""
    return Monitor(team, app)


def events_of(team: Team, type: str) -> list[dict[str, Any]]:
    """The project's audit-trail events of one type, oldest first."""
    page = team.get(team.owner, "/events", type=type, per_page=200).json()
    assert page["total"] <= 200
    return sorted(page["items"], key=lambda e: e["seq"])
