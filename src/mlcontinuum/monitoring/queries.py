"""Reads of monitoring for the API, the pages and the slices after it: windows with their
stored evaluation, batches and KPI values. Nothing is computed here; evaluations are read as
stored, in a bounded number of queries whatever the data volume."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mlcontinuum.charter import service as charter
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.monitoring.assess import SKIPPED_CHECKS
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.models import KpiValue, MonitorBatch, MonitorWindow
from mlcontinuum.monitoring.schemas import (
    BatchPage,
    BatchPublic,
    KpiOutcome,
    KpiValuePage,
    KpiValuePublic,
    WindowEvaluation,
    WindowPage,
    WindowPublic,
)
from mlcontinuum.monitoring.windows import PROJECT_SCOPE_KEY, scope_key
from mlcontinuum.profiles.checks import data_checks
from mlcontinuum.releases import queries as releases


def window_check_names() -> list[str]:
    """The data checks a window runs, and that data-quality rules may name."""
    return [name for name in data_checks if name not in SKIPPED_CHECKS]


# --- windows -----------------------------------------------------------------------------------


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
    """Windows of one deployment (404 for one the project does not have), or of the project's
    KPIs when `deployment_id` is None, newest first. `since` is inclusive and `until`
    exclusive, on the window start."""
    if deployment_id is not None:
        releases.get_deployment(session, project_id, deployment_id)
    return _window_page(
        session,
        _windows(project_id, deployment_id, granularity, since, until),
        page=page,
        per_page=per_page,
    )


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
    found = _window_page(
        session,
        _windows(project_id, deployment_id, granularity, start, end),
        page=1,
        per_page=slots,
    )
    return found.items[::-1]


def _windows(
    project_id: int,
    deployment_id: int | None,
    granularity: Granularity,
    since: datetime | None,
    until: datetime | None,
) -> Select[MonitorWindow]:
    query = select(MonitorWindow).where(
        MonitorWindow.project_id == project_id,
        MonitorWindow.scope_key == scope_key(deployment_id),
        MonitorWindow.granularity == granularity,
    )
    if since is not None:
        query = query.where(MonitorWindow.start >= since)
    if until is not None:
        query = query.where(MonitorWindow.start < until)
    return query


def _window_page(
    session: Session, query: Select[MonitorWindow], *, page: int, per_page: int
) -> WindowPage:
    total, rows = page_of(session, query, MonitorWindow.start.desc(), page=page, per_page=per_page)
    return WindowPage(
        items=[public(row) for row in rows], total=total, page=page, per_page=per_page
    )


def get_window(session: Session, window_id: int) -> WindowPublic:
    """A window as stored (no query when the session holds it already, as right after it was
    evaluated)."""
    return public(session.get_one(MonitorWindow, window_id))


def windows_by_id(
    session: Session, project_id: int, ids: Collection[int]
) -> dict[int, WindowPublic]:
    """The project's windows among `ids`, in one query whatever their number."""
    if not ids:
        return {}
    rows = session.scalars(
        select(MonitorWindow).where(
            MonitorWindow.project_id == project_id, MonitorWindow.id.in_(ids)
        )
    )
    return {row.id: public(row) for row in rows}


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


def latest_days(
    session: Session, project_id: int, deployment_ids: Iterable[int]
) -> dict[int, WindowPublic]:
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
    return {keys[row.scope_key]: public(row) for row in rows}


def latest_kpi_outcomes(
    session: Session, project_id: int, kpi_ids: Collection[int], *, lookback: int
) -> dict[int, tuple[datetime, KpiOutcome]]:
    """For each of `kpi_ids`, the start and outcome of its latest evaluated day window that
    has values, among the project's latest `lookback` day windows."""
    if not kpi_ids:
        return {}
    rows = session.execute(
        select(MonitorWindow.start, MonitorWindow.evaluation)
        .where(
            MonitorWindow.project_id == project_id,
            MonitorWindow.scope_key == PROJECT_SCOPE_KEY,
            MonitorWindow.granularity == Granularity.DAY,
            MonitorWindow.evaluated_at.is_not(None),
        )
        .order_by(MonitorWindow.start.desc())
        .limit(lookback)
    ).all()
    latest: dict[int, tuple[datetime, KpiOutcome]] = {}
    for start, stored in rows:
        if stored is None:
            continue
        for measured in WindowEvaluation.model_validate(stored).kpis:
            latest.setdefault(measured.kpi_id, (start, measured))
        if len(latest) == len(kpi_ids):
            break
    return latest


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


# --- batches and KPI values --------------------------------------------------------------------


def list_batches(
    session: Session,
    access: ProjectAccess,
    deployment_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    page: int,
    per_page: int,
) -> BatchPage:
    """A deployment's batches, newest first (by time, then arrival)."""
    deployment = releases.get_deployment(session, access.project.id, deployment_id)
    query = select(MonitorBatch).where(MonitorBatch.deployment_id == deployment.id)
    if since is not None:
        query = query.where(MonitorBatch.at >= since)
    if until is not None:
        query = query.where(MonitorBatch.at < until)
    total, rows = page_of(
        session, query, MonitorBatch.at.desc(), MonitorBatch.id.desc(), page=page, per_page=per_page
    )
    return BatchPage(
        items=[BatchPublic.model_validate(row) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def list_kpi_values(
    session: Session,
    access: ProjectAccess,
    kpi_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    page: int,
    per_page: int,
) -> KpiValuePage:
    """A KPI's values, newest first."""
    kpi = charter.get_kpi(session, access.project.id, kpi_id)
    query = select(KpiValue).where(KpiValue.kpi_id == kpi.id)
    if since is not None:
        query = query.where(KpiValue.at >= since)
    if until is not None:
        query = query.where(KpiValue.at < until)
    total, rows = page_of(
        session, query, KpiValue.at.desc(), KpiValue.id.desc(), page=page, per_page=per_page
    )
    return KpiValuePage(
        items=[KpiValuePublic.model_validate(row) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def has_batches(session: Session, project_id: int) -> bool:
    """Whether the project has received any production batch."""
    found = session.scalar(
        select(MonitorBatch.id).where(MonitorBatch.project_id == project_id).limit(1)
    )
    return found is not None
