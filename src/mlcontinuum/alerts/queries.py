"""Reads of alert rules and alerts, for the API, the pages and the slices after alerts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from mlcontinuum.alerts.enums import AlertSource, AlertStatus, Severity
from mlcontinuum.alerts.models import Alert, AlertRule
from mlcontinuum.alerts.schemas import AlertCounts, AlertPage, AlertPublic, RulePublic
from mlcontinuum.kernel.errors import NotFound
from mlcontinuum.kernel.storage.paging import page_of

UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


def list_rules(session: Session, project_id: int) -> list[RulePublic]:
    rows = session.scalars(
        select(AlertRule).where(AlertRule.project_id == project_id).order_by(AlertRule.id)
    )
    return [RulePublic.model_validate(row) for row in rows]


def list_alerts(
    session: Session,
    project_id: int,
    *,
    status: list[AlertStatus],
    deployment_id: int | None,
    source: AlertSource | None,
    severity: Severity | None,
    page: int,
    per_page: int,
) -> AlertPage:
    query = select(Alert).where(Alert.project_id == project_id)
    if status:
        query = query.where(Alert.status.in_(status))
    if deployment_id is not None:
        query = query.where(Alert.deployment_id == deployment_id)
    if source is not None:
        query = query.where(Alert.source == source)
    if severity is not None:
        query = query.where(Alert.severity == severity)
    total, rows = page_of(session, query, Alert.id.desc(), page=page, per_page=per_page)
    return AlertPage(
        items=[AlertPublic.model_validate(row) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def find_alert(session: Session, project_id: int, alert_id: int) -> AlertPublic | None:
    row = session.scalar(
        select(Alert)
        .where(Alert.project_id == project_id, Alert.id == alert_id)
        .execution_options(populate_existing=True)
    )
    return None if row is None else AlertPublic.model_validate(row)


def get_alert(session: Session, project_id: int, alert_id: int) -> AlertPublic:
    found = find_alert(session, project_id, alert_id)
    if found is None:
        raise NotFound(f"no alert {alert_id} in this project")
    return found


def _most_severe_first() -> tuple[ColumnElement[Any], ...]:
    rank = case(
        (Alert.severity == Severity.CRITICAL, 0),
        (Alert.severity == Severity.WARNING, 1),
        else_=2,
    )
    return (rank, Alert.last_seen_at.desc(), Alert.id.desc())


def unresolved_alerts(
    session: Session,
    project_id: int,
    deployment_id: int,
    *,
    with_project_alerts: bool,
    limit: int,
) -> list[AlertPublic]:
    """The deployment's open and acknowledged alerts, most severe first, and with
    `with_project_alerts` also the project's own (KPI alerts belong to no deployment)."""
    about = Alert.deployment_id == deployment_id
    if with_project_alerts:
        about = or_(about, Alert.deployment_id.is_(None))
    rows = session.scalars(
        select(Alert)
        .where(Alert.project_id == project_id, Alert.status.in_(UNRESOLVED), about)
        .order_by(*_most_severe_first())
        .limit(limit)
    )
    return [AlertPublic.model_validate(row) for row in rows]


def unresolved_counts(session: Session, project_id: int) -> dict[int | None, AlertCounts]:
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
