"""The alerts page: the project's alerts, newest first, with the change request opened from
each and the deployment it is about."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.alerts import queries as alerts
from mlcontinuum.alerts.enums import AlertStatus, Severity
from mlcontinuum.alerts.schemas import AlertPublic
from mlcontinuum.changes import queries as changes
from mlcontinuum.changes.schemas import ChangeRef
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.releases import queries as releases
from mlcontinuum.releases.schemas import DeploymentPublic
from mlcontinuum.web.forms import choices
from mlcontinuum.web.paging import Pager, pager

PER_PAGE = 25


@dataclass(frozen=True)
class AlertsView:
    alerts: list[AlertPublic]
    alert_changes: dict[int, ChangeRef]
    deployments: dict[int, DeploymentPublic]
    filters: dict[str, str | list[str]]
    statuses: list[tuple[str, str]]
    severities: list[tuple[str, str]]
    pager: Pager


def alerts_view(
    session: Session,
    access: ProjectAccess,
    *,
    status: AlertStatus | None,
    severity: Severity | None,
    page: int,
    path: str,
) -> AlertsView:
    """One page of alerts with these filters; `path` is where the pager's links lead."""
    found = alerts.list_alerts(
        session,
        access.project.id,
        status=[status] if status else [],
        deployment_id=None,
        source=None,
        severity=severity,
        page=page,
        per_page=PER_PAGE,
    )
    filters: dict[str, str | list[str]] = {
        "status": status.value if status else "",
        "severity": severity.value if severity else "",
    }
    return AlertsView(
        alerts=found.items,
        alert_changes=changes.changes_of_alerts(session, [a.id for a in found.items]),
        deployments=releases.deployments_by_id(
            session, access.project.id, {a.deployment_id for a in found.items if a.deployment_id}
        ),
        filters=filters,
        statuses=choices(AlertStatus),
        severities=choices(Severity),
        pager=pager(path, filters, page=page, per_page=PER_PAGE, total=found.total),
    )
