"""Alert rules (drift, data quality) and alerts: list, read, acknowledge, resolve."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from mlcontinuum.alerts import queries, service
from mlcontinuum.alerts.enums import AlertSource, AlertStatus, Severity
from mlcontinuum.alerts.permissions import AlertsManage
from mlcontinuum.alerts.schemas import (
    AlertPage,
    AlertPublic,
    Resolution,
    RuleCreate,
    RulePublic,
    RuleUpdate,
)
from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.monitoring.permissions import MonitorConfigure

routes = api_router(tags=["alerts"])
RULES = "/projects/{project}/alert-rules"
ALERTS = "/projects/{project}/alerts"


@routes.get(RULES, response_model=list[RulePublic])
def list_rules(db: Db, access: ProjectRead) -> list[RulePublic]:
    return queries.list_rules(db, access.project.id)


@routes.post(RULES, response_model=RulePublic, status_code=status.HTTP_201_CREATED)
def create_rule(db: Db, access: MonitorConfigure, data: RuleCreate) -> RulePublic:
    """A drift or data-quality rule for every deployment of the project. KPI thresholds come
    from the charter and need no rule."""
    return service.create_rule(db, access, data)


@routes.patch(RULES + "/{rule_id}", response_model=RulePublic)
def update_rule(db: Db, access: MonitorConfigure, rule_id: int, data: RuleUpdate) -> RulePublic:
    return service.update_rule(db, access, rule_id, data)


@routes.delete(RULES + "/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(db: Db, access: MonitorConfigure, rule_id: int) -> None:
    service.delete_rule(db, access, rule_id)


@routes.get(ALERTS, response_model=AlertPage)
def list_alerts(
    db: Db,
    access: ProjectRead,
    status: Annotated[list[AlertStatus] | None, Query(description="Only these statuses.")] = None,
    deployment_id: Annotated[int | None, Query(description="Only this deployment's.")] = None,
    source: Annotated[AlertSource | None, Query(description="Only this source.")] = None,
    severity: Annotated[Severity | None, Query(description="Only this severity.")] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> AlertPage:
    """The project's alerts, newest first."""
    return queries.list_alerts(
        db,
        access.project.id,
        status=status or [],
        deployment_id=deployment_id,
        source=source,
        severity=severity,
        page=page,
        per_page=per_page,
    )


@routes.get(ALERTS + "/{alert_id}", response_model=AlertPublic)
def get_alert(db: Db, access: ProjectRead, alert_id: int) -> AlertPublic:
    return queries.get_alert(db, access.project.id, alert_id)


@routes.post(ALERTS + "/{alert_id}/acknowledge", response_model=AlertPublic)
def acknowledge(db: Db, access: AlertsManage, alert_id: int) -> AlertPublic:
    """Someone is on it: open → acknowledged."""
    return service.acknowledge(db, access, alert_id)


@routes.post(ALERTS + "/{alert_id}/resolve", response_model=AlertPublic)
def resolve(
    db: Db, access: AlertsManage, alert_id: int, data: Resolution | None = None
) -> AlertPublic:
    """Open or acknowledged → resolved, with what was done. A recurrence opens a new alert."""
    return service.resolve(db, access, alert_id, data.resolution if data else "")
