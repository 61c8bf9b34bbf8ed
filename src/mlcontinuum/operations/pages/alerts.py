"""The alerts page, and the forms about one alert: acknowledge, resolve, open a change request.
A refused form comes back on the page it was sent from (the alerts page or a deployment's),
next to its alert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.alerts import queries as alerts
from mlcontinuum.alerts import service as alerts_service
from mlcontinuum.alerts.enums import AlertStatus, Severity
from mlcontinuum.alerts.permissions import AlertsManage
from mlcontinuum.alerts.schemas import Resolution
from mlcontinuum.api.deps import Page
from mlcontinuum.changes import service as changes
from mlcontinuum.changes.permissions import ChangeWrite
from mlcontinuum.changes.schemas import ChangeCreate
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.operations.pages.deployments import render_deployment
from mlcontinuum.operations.pages.shared import (
    ALERT_NOTICES,
    AlertAction,
    AlertDone,
    Refused,
    variables,
)
from mlcontinuum.operations.views_alerts import alerts_view
from mlcontinuum.releases import queries as releases
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, refuse_blank, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
ALERTS = "/projects/{project}/alerts"


class ResolutionForm(Resolution):
    """Resolving asks what was done, in words the next person reads."""

    _given = refuse_blank("resolution", "say what was done about it; the note stays with the alert")


def _render_alerts(
    request: Request,
    db: Session,
    access: ProjectAccess,
    *,
    status: AlertStatus | None = None,
    severity: Severity | None = None,
    page: int = 1,
    done: str = "",
    refused: Refused | None = None,
) -> Response:
    view = alerts_view(
        db, access, status=status, severity=severity, page=page, path=request.url.path
    )
    context = {
        "project": access.project,
        **variables(view),
        "refused": refused,
        "blank": Form(),
        "notice": ALERT_NOTICES.get(done),
    }
    status_code = refused.form.status if refused else 200
    return render(request, "monitoring/alerts.html", context, status=status_code)


@routes.get(ALERTS)
def alert_list(
    request: Request,
    db: Db,
    access: ProjectRead,
    # The filters' "all" options send an empty value.
    status: AlertStatus | Literal[""] = "",
    severity: Severity | Literal[""] = "",
    page: Page = 1,
    done: AlertDone = "",
) -> Response:
    return _render_alerts(
        request,
        db,
        access,
        status=status or None,
        severity=severity or None,
        page=page,
        done=done,
    )


def _origin(db: Session, access: ProjectAccess, posted: dict[str, str]) -> int | None:
    """The deployment page a form about an alert was sent from (None: the alerts page)."""
    value = posted.get("deployment", "").strip()
    if not value.isdigit():
        return None
    return releases.get_deployment(db, access.project.id, int(value)).id


def _back(access: ProjectAccess, origin: int | None, done: str, alert_id: int) -> str:
    slug = access.project.slug
    if origin is None:
        return f"/projects/{slug}/alerts?done={done}#alert-{alert_id}"
    return f"/projects/{slug}/deployments/{origin}?done={done}#alert-{alert_id}"


def _alert_form(
    request: Request,
    db: Session,
    access: ProjectAccess,
    alert_id: int,
    posted: dict[str, str],
    action: AlertAction,
    act: Callable[[Form, int | None], str],
) -> Response:
    """Run a form about an alert: `act(form, origin)` makes the change and says where to go
    next. A refused form comes back on the page it was sent from, next to its alert."""
    origin = _origin(db, access, posted)
    form = Form(posted)
    try:
        with all_or_nothing(db):
            after = act(form, origin)
    except ContinuumError as err:
        if not form_error(err):
            raise
        refused = Refused(alert_id, action, form.refuse(err))
        if origin is None:
            return _render_alerts(request, db, access, refused=refused)
        return render_deployment(request, db, access, origin, refused=refused)
    return see_other(after)


@routes.post(ALERTS + "/{alert_id}/acknowledge")
def acknowledge_alert(
    request: Request, db: Db, access: AlertsManage, alert_id: int, posted: Posted
) -> Response:
    def act(form: Form, origin: int | None) -> str:
        alerts_service.acknowledge(db, access, alert_id)
        return _back(access, origin, "acknowledged", alert_id)

    return _alert_form(request, db, access, alert_id, posted, "acknowledge", act)


@routes.post(ALERTS + "/{alert_id}/resolve")
def resolve_alert(
    request: Request, db: Db, access: AlertsManage, alert_id: int, posted: Posted
) -> Response:
    def act(form: Form, origin: int | None) -> str:
        alerts_service.resolve(db, access, alert_id, form.parse(ResolutionForm).resolution)
        return _back(access, origin, "resolved", alert_id)

    return _alert_form(request, db, access, alert_id, posted, "resolve", act)


@routes.post(ALERTS + "/{alert_id}/change")
def open_change_from_alert(
    request: Request, db: Db, access: ChangeWrite, alert_id: int, posted: Posted
) -> Response:
    """Open a change request from an alert. Sent from a deployment's page, an alert of no
    deployment (a KPI) is tied to that deployment, so a retrain or rollback can act on it."""
    alert = alerts.get_alert(db, access.project.id, alert_id)

    def act(form: Form, origin: int | None) -> str:
        deployment_id = origin if alert.deployment_id is None else None
        data = ChangeCreate(alert_id=alert_id, deployment_id=deployment_id)
        created = changes.open_change(db, access, data)
        return f"/projects/{access.project.slug}/changes/{created.id}?done=opened"

    return _alert_form(request, db, access, alert_id, posted, "change", act)
