"""Reading stored windows for the API and the pages: filtered, paginated, newest first. Nothing
is computed here; evaluations are read as stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.eval_schemas import WindowEvaluation, WindowPage, WindowPublic
from mlcontinuum.monitoring.models import MonitorWindow
from mlcontinuum.monitoring.windows import PROJECT_SCOPE_KEY, scope_key


def list_windows(
    session: Session,
    project_id: int,
    deployment_id: int | None,
    *,
    granularity: Granularity,
    since: datetime | None,
    until: datetime | None,
    page: int,
    per_page: int,
) -> WindowPage:
    """Windows of one deployment, or of the project's KPIs when `deployment_id` is None.
    `since` is inclusive and `until` exclusive, on the window start."""
    key = PROJECT_SCOPE_KEY if deployment_id is None else scope_key(deployment_id)
    query = select(MonitorWindow).where(
        MonitorWindow.project_id == project_id,
        MonitorWindow.scope_key == key,
        MonitorWindow.granularity == granularity,
    )
    if since is not None:
        query = query.where(MonitorWindow.start >= since)
    if until is not None:
        query = query.where(MonitorWindow.start < until)
    total, rows = page_of(session, query, MonitorWindow.start.desc(), page=page, per_page=per_page)
    return WindowPage(
        items=[public(row) for row in rows], total=total, page=page, per_page=per_page
    )


def public(row: MonitorWindow) -> WindowPublic:
    return WindowPublic(
        id=row.id,
        scope=row.scope,
        deployment_id=row.deployment_id,
        granularity=row.granularity,
        start=row.start,
        end=row.start + row.granularity.length,
        rows=row.rows,
        batches=row.batches,
        dirty=row.dirty,
        changed_at=row.changed_at,
        evaluated_at=row.evaluated_at,
        drifted_features=row.drifted_features,
        failed_checks=row.failed_checks,
        kpis_breached=row.kpis_breached,
        evaluation=None
        if row.evaluation is None
        else WindowEvaluation.model_validate(row.evaluation),
    )
