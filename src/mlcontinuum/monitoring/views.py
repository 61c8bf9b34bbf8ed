"""Read-only views of monitoring, alerts and change control for the web pages: the windows of a
time range, a deployment's unresolved alerts with the change requests opened from them, and the
project's production health at a glance.

Nothing is evaluated here: every number comes from the evaluations stored on the windows, the
alerts and the change requests, read in a handful of queries whatever the data volume.
(`monitoring.queries` serves the windows API; this module holds what only the pages need.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from mlcontinuum.alerts.enums import AlertStatus, Severity
from mlcontinuum.alerts.models import Alert
from mlcontinuum.alerts.schemas import AlertPublic
from mlcontinuum.changes.enums import ChangeStatus
from mlcontinuum.changes.models import ChangeRequest, PlanNote
from mlcontinuum.charter import service as charter
from mlcontinuum.charter.enums import Direction
from mlcontinuum.monitoring import queries
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.eval_schemas import (
    CheckOutcome,
    KpiOutcome,
    Performance,
    WindowEvaluation,
    WindowPublic,
)
from mlcontinuum.monitoring.kpi_windows import breached as past_threshold
from mlcontinuum.monitoring.models import MonitorWindow
from mlcontinuum.monitoring.windows import PROJECT_SCOPE_KEY, scope_key
from mlcontinuum.releases import queries as releases
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.schemas import DeploymentPublic

UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
UNDECIDED = (ChangeStatus.OPEN, ChangeStatus.PROPOSED)
# The most alerts a deployment page lists; the alerts page has them all.
MAX_LISTED_ALERTS = 100
# How far back the health summary looks for a KPI's latest value (day windows).
KPI_LOOKBACK_WINDOWS = 120

Light = Literal["green", "amber", "red"]


# --- windows -----------------------------------------------------------------------------------


def windows_between(
    session: Session,
    project_id: int,
    deployment_id: int | None,
    *,
    granularity: Granularity,
    start: datetime,
    end: datetime,
) -> list[WindowPublic]:
    """The windows of one deployment (or of the project's KPIs, for None) starting in
    [start, end), oldest first. A range holds a bounded number of windows, so one page does."""
    slots = max(1, int((end - start) / granularity.length))
    found = queries.list_windows(
        session,
        project_id,
        deployment_id,
        granularity=granularity,
        since=start,
        until=end,
        page=1,
        per_page=slots,
    )
    return found.items[::-1]


def earliest_window(
    session: Session, project_id: int, deployment_id: int | None, granularity: Granularity
) -> datetime | None:
    """The start of the oldest window of the deployment (or of the project's KPIs)."""
    found: datetime | None = session.scalar(
        select(func.min(MonitorWindow.start)).where(
            MonitorWindow.project_id == project_id,
            MonitorWindow.scope_key == scope_key(deployment_id),
            MonitorWindow.granularity == granularity,
        )
    )
    return found


# --- alerts and change requests ----------------------------------------------------------------


def _most_severe_first() -> tuple[ColumnElement[Any], ...]:
    rank = case(
        (Alert.severity == Severity.CRITICAL, 0),
        (Alert.severity == Severity.WARNING, 1),
        else_=2,
    )
    return (rank, Alert.last_seen_at.desc(), Alert.id.desc())


def unresolved_alerts(
    session: Session, project_id: int, deployment_id: int, *, with_project_alerts: bool
) -> list[AlertPublic]:
    """The deployment's open and acknowledged alerts, most severe first, and with
    `with_project_alerts` also the project's own (KPI alerts belong to no deployment, and the
    business KPIs are what a production deployment is there to move)."""
    about = Alert.deployment_id == deployment_id
    if with_project_alerts:
        about = or_(about, Alert.deployment_id.is_(None))
    rows = session.scalars(
        select(Alert)
        .where(Alert.project_id == project_id, Alert.status.in_(UNRESOLVED), about)
        .order_by(*_most_severe_first())
        .limit(MAX_LISTED_ALERTS)
    )
    return [AlertPublic.model_validate(row) for row in rows]


class ChangeRef(BaseModel):
    id: int
    status: ChangeStatus


def changes_of_alerts(session: Session, alert_ids: Sequence[int]) -> dict[int, ChangeRef]:
    """For each alert, the change request opened from it: the undecided one if there is one
    (only one can be), else the latest."""
    found: dict[int, ChangeRef] = {}
    if not alert_ids:
        return found
    rows = session.execute(
        select(ChangeRequest.alert_id, ChangeRequest.id, ChangeRequest.status)
        .where(ChangeRequest.alert_id.in_(alert_ids))
        .order_by(ChangeRequest.id)
    ).all()
    for alert_id, change_id, status in rows:
        assert alert_id is not None
        current = found.get(alert_id)
        if current is None or current.status not in UNDECIDED:
            found[alert_id] = ChangeRef(id=change_id, status=status)
    return found


def plan_note_text(session: Session, project_id: int, note_id: int) -> str | None:
    """The text of a plan note an accepted change left."""
    text: str | None = session.scalar(
        select(PlanNote.text).where(PlanNote.project_id == project_id, PlanNote.id == note_id)
    )
    return text


# --- project health ----------------------------------------------------------------------------


class KpiStatus(BaseModel):
    """A charter KPI and its latest measured value (the mean of its latest day window)."""

    kpi_id: int
    name: str
    unit: str
    direction: Direction
    threshold: float
    target: float
    value: float | None = Field(description="None when no value was reported yet.")
    day: datetime | None
    breached: bool


class AlertCounts(BaseModel):
    critical: int = 0
    warning: int = 0
    info: int = 0

    @property
    def total(self) -> int:
        return self.critical + self.warning + self.info


class DeploymentHealth(BaseModel):
    deployment: DeploymentPublic
    beside: int | None = Field(
        description="For a canary or shadow: the version of the full deployment it runs beside."
    )
    light: Light
    day: datetime | None = Field(description="The latest evaluated day window, if any.")
    rows: int = Field(description="Predictions in that day.")
    features: int = Field(description="Features compared with the training data that day.")
    drifted: list[str] = Field(description="Features that drifted that day, most drifted first.")
    failed_checks: list[CheckOutcome]
    performance: Performance | None
    error: str | None = Field(description="Why that day could not be evaluated, if it could not.")
    no_reference: bool = Field(description="The version has no reference profile to compare.")
    alerts: AlertCounts
    changes: int = Field(description="Change requests under discussion for this deployment.")


class ProjectHealth(BaseModel):
    light: Light
    deployments: list[DeploymentHealth]
    kpis: list[KpiStatus]
    project_alerts: AlertCounts = Field(description="Unresolved alerts of no deployment (KPIs).")
    open_changes: int = Field(description="Change requests under discussion, project-wide.")


def _light(alerts: AlertCounts, kpi_breached: bool) -> Light:
    if alerts.critical or kpi_breached:
        return "red"
    return "amber" if alerts.total else "green"


def _sum(counts: Sequence[AlertCounts]) -> AlertCounts:
    return AlertCounts(
        critical=sum(c.critical for c in counts),
        warning=sum(c.warning for c in counts),
        info=sum(c.info for c in counts),
    )


def project_health(session: Session, project_id: int) -> ProjectHealth:
    """One line per deployment running in production: its latest evaluated day, its open
    alerts and change requests, and the charter's KPIs against their thresholds. The page's
    light is the worst of the lines' (or, with nothing in production, the KPIs' alone): the
    alerts of a deployment no longer running do not colour it."""
    running: list[tuple[DeploymentPublic, int | None]] = []
    for current in releases.current_deployments(
        session, project_id, environment=Environment.PRODUCTION
    ):
        full = current.beside
        running.append((current.deployment, full.version if full else None))
        if full is not None:
            # The full deployment a canary or shadow runs beside still serves: it has a line.
            running.append((full, None))
    alerts = _alert_counts(session, project_id)
    changes = _undecided_changes(session, project_id)
    kpis = latest_kpis(session, project_id)
    project_alerts = alerts.get(None, AlertCounts())
    kpi_breached = any(k.breached for k in kpis)
    days = _latest_days(session, project_id, [d.id for d, _ in running])
    lines = [
        _line(
            deployment,
            beside,
            days.get(deployment.id),
            alerts.get(deployment.id, AlertCounts()),
            changes,
            project_alerts,
            kpi_breached,
        )
        for deployment, beside in running
    ]
    lit_by = _sum([project_alerts, *(line.alerts for line in lines)])
    return ProjectHealth(
        light=_light(lit_by, kpi_breached),
        deployments=lines,
        kpis=kpis,
        project_alerts=project_alerts,
        open_changes=sum(changes.values()),
    )


def _line(
    deployment: DeploymentPublic,
    beside: int | None,
    window: MonitorWindow | None,
    alerts: AlertCounts,
    changes: dict[int | None, int],
    project_alerts: AlertCounts,
    kpi_breached: bool,
) -> DeploymentHealth:
    """A deployment's line; its light also counts the project's own alerts (the KPIs)."""
    evaluation = (
        WindowEvaluation.model_validate(window.evaluation)
        if window is not None and window.evaluation is not None
        else None
    )
    drift = evaluation.drift if evaluation else []
    ranked = sorted((c for c in drift if c.drifted), key=lambda c: -(c.score or 0.0))
    return DeploymentHealth(
        deployment=deployment,
        beside=beside,
        light=_light(_sum([alerts, project_alerts]), kpi_breached),
        day=window.start if window else None,
        rows=window.rows if window else 0,
        features=sum(c.skipped is None for c in drift),
        drifted=[c.column for c in ranked],
        failed_checks=[c for c in evaluation.checks if not c.passed] if evaluation else [],
        performance=evaluation.performance if evaluation else None,
        error=evaluation.error if evaluation else None,
        no_reference=evaluation is not None
        and evaluation.error is None
        and evaluation.reference is None
        and window is not None
        and window.batches > 0,
        alerts=alerts,
        changes=changes.get(deployment.id, 0),
    )


def _alert_counts(session: Session, project_id: int) -> dict[int | None, AlertCounts]:
    """Unresolved alerts by deployment (None: the project's own) and severity, in one query."""
    found: dict[int | None, AlertCounts] = defaultdict(AlertCounts)
    rows = session.execute(
        select(Alert.deployment_id, Alert.severity, func.count())
        .where(Alert.project_id == project_id, Alert.status.in_(UNRESOLVED))
        .group_by(Alert.deployment_id, Alert.severity)
    ).all()
    for deployment_id, severity, count in rows:
        counts = found[deployment_id]
        setattr(counts, Severity(severity).value, int(count))
    return dict(found)


def _undecided_changes(session: Session, project_id: int) -> dict[int | None, int]:
    rows = session.execute(
        select(ChangeRequest.deployment_id, func.count())
        .where(ChangeRequest.project_id == project_id, ChangeRequest.status.in_(UNDECIDED))
        .group_by(ChangeRequest.deployment_id)
    ).all()
    return {deployment_id: int(count) for deployment_id, count in rows}


def _latest_days(
    session: Session, project_id: int, deployment_ids: Iterable[int]
) -> dict[int, MonitorWindow]:
    """Each deployment's latest evaluated day window, in one query."""
    keys = {scope_key(d): d for d in deployment_ids}
    if not keys:
        return {}
    evaluated = (
        MonitorWindow.project_id == project_id,
        MonitorWindow.scope_key.in_(keys),
        MonitorWindow.granularity == Granularity.DAY,
        MonitorWindow.evaluated_at.is_not(None),
    )
    latest = (
        select(MonitorWindow.scope_key, func.max(MonitorWindow.start).label("start"))
        .where(*evaluated)
        .group_by(MonitorWindow.scope_key)
        .subquery()
    )
    rows = session.scalars(
        select(MonitorWindow)
        .join(
            latest,
            (MonitorWindow.scope_key == latest.c.scope_key)
            & (MonitorWindow.start == latest.c.start),
        )
        .where(*evaluated)
    ).all()
    return {keys[row.scope_key]: row for row in rows}


def latest_kpis(session: Session, project_id: int) -> list[KpiStatus]:
    """Every charter KPI with the mean of its latest evaluated day window that has values."""
    listed = charter.list_kpis(session, project_id)
    if not listed:
        return []
    rows = session.execute(
        select(MonitorWindow.start, MonitorWindow.evaluation)
        .where(
            MonitorWindow.project_id == project_id,
            MonitorWindow.scope_key == PROJECT_SCOPE_KEY,
            MonitorWindow.granularity == Granularity.DAY,
            MonitorWindow.evaluated_at.is_not(None),
        )
        .order_by(MonitorWindow.start.desc())
        .limit(KPI_LOOKBACK_WINDOWS)
    ).all()
    latest: dict[int, tuple[datetime, KpiOutcome]] = {}
    for start, stored in rows:
        if stored is None:
            continue
        for measured in WindowEvaluation.model_validate(stored).kpis:
            latest.setdefault(measured.kpi_id, (start, measured))
        if len(latest) == len(listed):
            break
    statuses = []
    for kpi in listed:
        found = latest.get(kpi.id)
        day = found[0] if found else None
        outcome = found[1] if found else None
        statuses.append(
            KpiStatus(
                kpi_id=kpi.id,
                name=kpi.name,
                unit=kpi.unit,
                direction=kpi.direction,
                threshold=kpi.alert_threshold,
                target=kpi.target,
                value=outcome.value if outcome else None,
                day=day,
                # Judged against today's charter threshold, which may have moved since.
                breached=outcome is not None
                and past_threshold(kpi.direction, outcome.value, kpi.alert_threshold),
            )
        )
    return statuses
