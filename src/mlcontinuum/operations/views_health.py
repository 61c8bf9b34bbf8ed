"""The project's production health at a glance: one line per deployment running in production
(its latest evaluated day, its open alerts and change requests) and the charter's KPIs against
their thresholds, each coloured green, amber or red."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from mlcontinuum.alerts import queries as alerts
from mlcontinuum.alerts.schemas import AlertCounts
from mlcontinuum.changes import queries as changes
from mlcontinuum.charter import service as charter
from mlcontinuum.charter.enums import Direction, KpiJudgement
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.monitoring import queries as monitoring
from mlcontinuum.monitoring.schemas import CheckOutcome, Performance, WindowPublic
from mlcontinuum.releases import queries as releases
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.schemas import DeploymentPublic, PolicyException

# How far back the health summary looks for a KPI's latest value (day windows).
KPI_LOOKBACK_WINDOWS = 120
# A latest evaluated day older than this is said to have no newer data since.
STALE_AFTER = timedelta(days=2)

Light = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class KpiLine:
    """A charter KPI and its latest measured value (the mean of its latest day window)."""

    kpi_id: int
    name: str
    unit: str
    direction: Direction
    threshold: float
    target: float
    value: float | None  # None when no value was reported yet
    day: datetime | None
    breached: bool


@dataclass(frozen=True)
class DeploymentLine:
    deployment: DeploymentPublic
    beside: int | None  # for a canary or shadow: the version of the full deployment beside it
    light: Light
    day: datetime | None  # the latest evaluated day window, if any
    rows: int  # predictions in that day
    features: int  # features compared with the training data that day
    drifted: list[str]  # features that drifted that day, most drifted first
    failed_checks: list[CheckOutcome]
    performance: Performance | None
    error: str | None  # why that day could not be evaluated, if it could not
    no_reference: bool  # the version has no reference profile to compare with
    alerts: AlertCounts
    changes: int  # change requests under discussion for this deployment


@dataclass(frozen=True)
class HealthView:
    light: Light
    deployments: list[DeploymentLine]
    kpis: list[KpiLine]
    project_alerts: AlertCounts  # unresolved alerts of no deployment (the KPIs')
    open_changes: int  # change requests under discussion, project-wide
    now: datetime
    stale_after: timedelta
    # Releases running in production that an owner let through although they broke the policy.
    policy_exceptions: list[PolicyException]


def _light(counts: AlertCounts, kpi_breached: bool) -> Light:
    if counts.critical or kpi_breached:
        return "red"
    return "amber" if counts.total else "green"


def _sum(counts: Sequence[AlertCounts]) -> AlertCounts:
    return AlertCounts(
        critical=sum(c.critical for c in counts),
        warning=sum(c.warning for c in counts),
        info=sum(c.info for c in counts),
    )


def health_view(session: Session, access: ProjectAccess) -> HealthView:
    """One line per deployment running in production, and the KPIs. The page's light is the
    worst of the lines' (or, with nothing in production, the KPIs' alone): the alerts of a
    deployment no longer running do not colour it."""
    project_id = access.project.id
    running: list[tuple[DeploymentPublic, int | None]] = []
    for current in releases.current_deployments(
        session, project_id, environment=Environment.PRODUCTION
    ):
        full = current.beside
        running.append((current.deployment, full.version if full else None))
        if full is not None:
            # The full deployment a canary or shadow runs beside still serves: it has a line.
            running.append((full, None))
    counts = alerts.unresolved_counts(session, project_id)
    undecided = changes.undecided_counts(session, project_id)
    kpis = _kpi_lines(session, project_id)
    project_alerts = counts.get(None, AlertCounts())
    kpi_breached = any(k.breached for k in kpis)
    days = monitoring.latest_days(session, project_id, [d.id for d, _ in running])
    lines = [
        _line(
            deployment,
            beside,
            days.get(deployment.id),
            counts.get(deployment.id, AlertCounts()),
            undecided,
            project_alerts,
            kpi_breached,
        )
        for deployment, beside in running
    ]
    lit_by = _sum([project_alerts, *(line.alerts for line in lines)])
    running_ids = {deployment.id for deployment, _ in running}
    return HealthView(
        light=_light(lit_by, kpi_breached),
        deployments=lines,
        kpis=kpis,
        project_alerts=project_alerts,
        open_changes=sum(undecided.values()),
        now=utcnow(),
        stale_after=STALE_AFTER,
        policy_exceptions=[
            e
            for e in releases.policy_exceptions(session, project_id)
            if e.deployment_id in running_ids
        ],
    )


def _line(
    deployment: DeploymentPublic,
    beside: int | None,
    window: WindowPublic | None,
    counts: AlertCounts,
    undecided: dict[int | None, int],
    project_alerts: AlertCounts,
    kpi_breached: bool,
) -> DeploymentLine:
    """A deployment's line; its light also counts the project's own alerts (the KPIs)."""
    evaluation = window.evaluation if window is not None else None
    drift = evaluation.drift if evaluation else []
    ranked = sorted((c for c in drift if c.drifted), key=lambda c: -(c.score or 0.0))
    return DeploymentLine(
        deployment=deployment,
        beside=beside,
        light=_light(_sum([counts, project_alerts]), kpi_breached),
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
        alerts=counts,
        changes=undecided.get(deployment.id, 0),
    )


def _kpi_lines(session: Session, project_id: int) -> list[KpiLine]:
    """Every charter KPI with the mean of its latest evaluated day window that has values,
    judged against today's charter threshold (which may have moved since)."""
    listed = charter.list_kpis(session, project_id)
    latest = monitoring.latest_kpi_outcomes(
        session, project_id, [kpi.id for kpi in listed], lookback=KPI_LOOKBACK_WINDOWS
    )
    lines = []
    for kpi in listed:
        found = latest.get(kpi.id)
        day, outcome = found if found else (None, None)
        lines.append(
            KpiLine(
                kpi_id=kpi.id,
                name=kpi.name,
                unit=kpi.unit,
                direction=kpi.direction,
                threshold=kpi.alert_threshold,
                target=kpi.target,
                value=outcome.value if outcome else None,
                day=day,
                breached=outcome is not None
                and kpi.judge(outcome.value) is KpiJudgement.PAST_THRESHOLD,
            )
        )
    return lines
