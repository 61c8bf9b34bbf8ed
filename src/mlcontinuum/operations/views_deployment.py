"""A deployment's page: its charts over a time range (drift heatmap, performance, KPI trends),
its unresolved alerts and its change requests. Every number is read as stored (evaluations,
alerts, change requests), in a bounded number of queries whatever the data volume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from mlcontinuum.alerts import queries as alerts
from mlcontinuum.alerts.schemas import AlertPublic
from mlcontinuum.changes import queries as changes
from mlcontinuum.changes.schemas import ChangePublic, ChangeRef
from mlcontinuum.charter import service as charter
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.monitoring import queries as monitoring
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.schemas import WindowPublic
from mlcontinuum.operations import charts
from mlcontinuum.releases import queries as releases
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.schemas import DeploymentPublic

# The most change requests, and alerts, a deployment page lists; their own pages list them all.
PER_PAGE = 25
MAX_LISTED_ALERTS = 100


@dataclass(frozen=True)
class DeploymentView:
    deployment: DeploymentPublic
    time_range: charts.TimeRange
    granularity: Granularity
    granularities: list[tuple[str, str, str]]  # (value, label, url)
    older_url: str | None
    newer_url: str | None
    windows: list[WindowPublic]
    heatmap: dict[str, Any]
    heatmap_rows: list[tuple[str, list[dict[str, Any] | None]]]
    performance: dict[str, Any] | None
    kpis: list[dict[str, Any]]
    chart_data: dict[str, Any]  # what `static/monitoring.js` draws
    waiting: int  # windows not evaluated yet
    alerts: list[AlertPublic]
    alert_changes: dict[int, ChangeRef]
    changes: list[ChangePublic]
    changes_total: int


def deployment_url(
    slug: str, deployment_id: int, granularity: Granularity, end: datetime | None = None
) -> str:
    query: dict[str, str] = {}
    if granularity is not Granularity.DAY:
        query["granularity"] = granularity.value
    if end is not None:
        query["end"] = end.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    base = f"/projects/{slug}/deployments/{deployment_id}"
    return f"{base}?{urlencode(query)}" if query else base


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def deployment_view(
    session: Session,
    access: ProjectAccess,
    deployment_id: int,
    granularity: Granularity,
    end: datetime | None,
) -> DeploymentView:
    """The page of windows of `granularity` ending at `end` (default: now), 404 for a
    deployment the project does not have."""
    project_id = access.project.id
    deployment = releases.get_deployment(session, project_id, deployment_id)
    first = monitoring.earliest_window(session, project_id, deployment_id, granularity)
    deployed = granularity.start_of(deployment.deployed_at)
    first = deployed if first is None else min(first, deployed)
    tr = charts.time_range(granularity, _aware(end), now=utcnow(), first=first)
    windows = monitoring.windows_between(
        session, project_id, deployment_id, granularity=granularity, start=tr.start, end=tr.end
    )
    charter_kpis = charter.list_kpis(session, project_id)
    kpi_windows = (
        monitoring.windows_between(
            session, project_id, None, granularity=granularity, start=tr.start, end=tr.end
        )
        if charter_kpis
        else []
    )
    heatmap = charts.heatmap(tr, windows)
    performance = charts.performance(tr, windows)
    kpis = charts.kpi_trends(tr, kpi_windows, charter_kpis)
    # KPI alerts belong to no deployment, and the business KPIs are what a production
    # deployment is there to move: its page shows them too.
    open_alerts = alerts.unresolved_alerts(
        session,
        project_id,
        deployment_id,
        with_project_alerts=deployment.environment is Environment.PRODUCTION,
        limit=MAX_LISTED_ALERTS,
    )
    found_changes = changes.list_changes(
        session,
        project_id,
        status=None,
        deployment_id=deployment_id,
        alert_id=None,
        page=1,
        per_page=PER_PAGE,
    )
    slug = access.project.slug
    return DeploymentView(
        deployment=deployment,
        time_range=tr,
        granularity=granularity,
        granularities=[
            (g.value, g.value.capitalize(), deployment_url(slug, deployment_id, g))
            for g in Granularity
        ],
        older_url=deployment_url(slug, deployment_id, granularity, tr.older_end)
        if tr.older_end
        else None,
        newer_url=deployment_url(slug, deployment_id, granularity, tr.newer_end)
        if tr.newer_end
        else None,
        windows=windows,
        heatmap=heatmap,
        heatmap_rows=charts.heatmap_rows(heatmap),
        performance=performance,
        kpis=kpis,
        chart_data={"heatmap": heatmap, "performance": performance, "kpis": kpis},
        waiting=sum(w.evaluation is None for w in windows),
        alerts=open_alerts,
        alert_changes=changes.changes_of_alerts(session, [a.id for a in open_alerts]),
        changes=found_changes.items,
        changes_total=found_changes.total,
    )
