"""Monitoring pages (area **Manage & Trust**): a deployment's page (drift heatmap, performance
over time, KPI trends, its alerts and change requests), the project's health at a glance, the
alerts with their acknowledge and resolve forms, and the change requests with their decision and
approval forms.

The services decide everything (what an alert may become, who must approve a decision and what
it creates); the pages show stored evaluations and the services' answers, refusals included,
next to the form that caused them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.alerts import service as alerts
from mlcontinuum.alerts.enums import AlertStatus, Severity
from mlcontinuum.alerts.permissions import AlertsManage
from mlcontinuum.alerts.schemas import Resolution
from mlcontinuum.api.deps import Page
from mlcontinuum.changes import service as changes
from mlcontinuum.changes.enums import ChangeOption, ChangeStatus
from mlcontinuum.changes.permissions import ChangeWrite
from mlcontinuum.changes.schemas import (
    ChangeApprovalCreate,
    ChangeCreate,
    ChangePublic,
    DecisionCreate,
    WindowEvidence,
)
from mlcontinuum.charter import service as charter
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.monitoring import charts, views
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.releases import deployments
from mlcontinuum.releases import queries as releases
from mlcontinuum.releases.deployments import deployment_row
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.schemas import DeploymentPublic
from mlcontinuum.web.forms import (
    Form,
    Posted,
    all_or_nothing,
    choices,
    form_error,
    refuse_blank,
    see_other,
)
from mlcontinuum.web.paging import pager
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
PER_PAGE = 25
PROJECT = "/projects/{project}"
DEPLOYMENT = PROJECT + "/deployments/{deployment_id}"
ALERTS = PROJECT + "/alerts"
CHANGES = PROJECT + "/changes"
OPTION_LABELS = {
    ChangeOption.RETRAIN: "Retrain: train a new version on recent data",
    ChangeOption.REDEPLOY: "Redeploy: release a version chosen here",
    ChangeOption.ROLL_BACK: "Roll back: put the previous working version back",
    ChangeOption.ACCEPT: "Accept: keep things as they are and note it for the plan",
}
# What a page says after a form succeeded (`?done=...`).
ALERT_NOTICES = {
    "acknowledged": "Alert acknowledged: the team sees that someone is on it.",
    "resolved": "Alert resolved. If the problem comes back, a new alert opens.",
}
CHANGE_NOTICES = {
    "opened": "Change request opened with the alert's evidence. Propose a decision below.",
    "proposed": "Decision proposed; it counts as your approval. It waits for the other side.",
    "approved": "Your approval is recorded.",
}
AlertDone = Literal["", "acknowledged", "resolved"]
ChangeDone = Literal["", "opened", "proposed", "approved"]
AlertAction = Literal["acknowledge", "resolve", "change"]
End = Annotated[datetime | None, Query(description="Show the windows starting before this time.")]


class ResolutionForm(Resolution):
    """Resolving asks what was done, in words the next person reads."""

    _given = refuse_blank("resolution", "say what was done about it; the note stays with the alert")


class DecisionForm(DecisionCreate):
    """A decision as the form sends it: a blank rationale is refused in words."""

    _given = refuse_blank("rationale", "say why; the approvers read it and the record keeps it")


@dataclass(frozen=True)
class Refused:
    """A refused form about one alert, shown next to that alert."""

    alert_id: int
    action: AlertAction
    form: Form


def _slug(access: ProjectAccess) -> str:
    return access.project.slug


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


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


# --- a deployment ------------------------------------------------------------------------------


def _deployment_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    deployment_id: int,
    *,
    granularity: Granularity = Granularity.DAY,
    end: datetime | None = None,
    done: str = "",
    refused: Refused | None = None,
) -> Response:
    project_id = access.project.id
    row = deployment_row(db, project_id, deployment_id)
    deployment = deployments.public(db, row)
    first = views.earliest_window(db, project_id, deployment_id, granularity)
    deployed = granularity.start_of(deployment.deployed_at)
    first = deployed if first is None else min(first, deployed)
    tr = charts.time_range(granularity, _aware(end), now=utcnow(), first=first)
    windows = views.windows_between(
        db, project_id, deployment_id, granularity=granularity, start=tr.start, end=tr.end
    )
    charter_kpis = charter.list_kpis(db, project_id)
    kpi_windows = (
        views.windows_between(
            db, project_id, None, granularity=granularity, start=tr.start, end=tr.end
        )
        if charter_kpis
        else []
    )
    heatmap = charts.heatmap(tr, windows)
    performance = charts.performance(tr, windows)
    kpis = charts.kpi_trends(tr, kpi_windows, charter_kpis)
    production = deployment.environment is Environment.PRODUCTION
    open_alerts = views.unresolved_alerts(
        db, project_id, deployment_id, with_project_alerts=production
    )
    found_changes = changes.list_changes(
        db,
        project_id,
        status=None,
        deployment_id=deployment_id,
        alert_id=None,
        page=1,
        per_page=PER_PAGE,
    )
    slug = _slug(access)
    context = {
        "project": access.project,
        "deployment": deployment,
        "range": tr,
        "granularity": granularity,
        "granularities": [
            (g.value, g.value.capitalize(), deployment_url(slug, deployment_id, g))
            for g in Granularity
        ],
        "older_url": deployment_url(slug, deployment_id, granularity, tr.older_end)
        if tr.older_end
        else None,
        "newer_url": deployment_url(slug, deployment_id, granularity, tr.newer_end)
        if tr.newer_end
        else None,
        "windows": windows,
        "heatmap": heatmap,
        "heatmap_rows": charts.heatmap_rows(heatmap),
        "performance": performance,
        "kpis": kpis,
        "chart_data": {"heatmap": heatmap, "performance": performance, "kpis": kpis},
        "waiting": sum(w.evaluation is None for w in windows),
        "alerts": open_alerts,
        "alert_changes": views.changes_of_alerts(db, [a.id for a in open_alerts]),
        "changes": found_changes.items,
        "changes_total": found_changes.total,
        "refused": refused,
        "blank": Form(),
        "notice": ALERT_NOTICES.get(done),
    }
    status = refused.form.status if refused else 200
    return render(request, "monitoring/deployment.html", context, status=status)


@routes.get(DEPLOYMENT)
def deployment_page(
    request: Request,
    db: Db,
    access: ProjectRead,
    deployment_id: int,
    granularity: Granularity = Granularity.DAY,
    end: End = None,
    done: AlertDone = "",
) -> Response:
    return _deployment_page(
        request, db, access, deployment_id, granularity=granularity, end=end, done=done
    )


# --- alerts ------------------------------------------------------------------------------------


def _alerts_page(
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
    found = alerts.list_alerts(
        db,
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
    context = {
        "project": access.project,
        "alerts": found.items,
        "alert_changes": views.changes_of_alerts(db, [a.id for a in found.items]),
        "deployments": releases.deployments_by_id(
            db, access.project.id, {a.deployment_id for a in found.items if a.deployment_id}
        ),
        "filters": filters,
        "statuses": choices(AlertStatus),
        "severities": choices(Severity),
        "pager": pager(request.url.path, filters, page=page, per_page=PER_PAGE, total=found.total),
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
    return _alerts_page(
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
    return deployment_row(db, access.project.id, int(value)).id


def _back(access: ProjectAccess, origin: int | None, done: str, alert_id: int) -> str:
    if origin is None:
        return f"/projects/{_slug(access)}/alerts?done={done}#alert-{alert_id}"
    return f"/projects/{_slug(access)}/deployments/{origin}?done={done}#alert-{alert_id}"


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
            return _alerts_page(request, db, access, refused=refused)
        return _deployment_page(request, db, access, origin, refused=refused)
    return see_other(after)


@routes.post(ALERTS + "/{alert_id}/acknowledge")
def acknowledge_alert(
    request: Request, db: Db, access: AlertsManage, alert_id: int, posted: Posted
) -> Response:
    def act(form: Form, origin: int | None) -> str:
        alerts.acknowledge(db, access, alert_id)
        return _back(access, origin, "acknowledged", alert_id)

    return _alert_form(request, db, access, alert_id, posted, "acknowledge", act)


@routes.post(ALERTS + "/{alert_id}/resolve")
def resolve_alert(
    request: Request, db: Db, access: AlertsManage, alert_id: int, posted: Posted
) -> Response:
    def act(form: Form, origin: int | None) -> str:
        alerts.resolve(db, access, alert_id, form.parse(ResolutionForm).resolution)
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
        return f"/projects/{_slug(access)}/changes/{created.id}?done=opened"

    return _alert_form(request, db, access, alert_id, posted, "change", act)


# --- change requests ---------------------------------------------------------------------------


@routes.get(CHANGES)
def change_list(
    request: Request,
    db: Db,
    access: ProjectRead,
    status: ChangeStatus | Literal[""] = "",
    deployment_id: Annotated[int | None, Query(ge=1)] = None,
    page: Page = 1,
) -> Response:
    found = changes.list_changes(
        db,
        access.project.id,
        status=status or None,
        deployment_id=deployment_id,
        alert_id=None,
        page=page,
        per_page=PER_PAGE,
    )
    filters: dict[str, str | list[str]] = {
        "status": status,
        "deployment_id": str(deployment_id) if deployment_id else "",
    }
    context = {
        "project": access.project,
        "changes": found.items,
        "filters": filters,
        "statuses": choices(ChangeStatus),
        "pager": pager(request.url.path, filters, page=page, per_page=PER_PAGE, total=found.total),
    }
    return render(request, "monitoring/changes.html", context)


def _evidence_url(slug: str, change: ChangePublic, item: WindowEvidence) -> str:
    """Where a window of the evidence is shown: on its deployment's page (a KPI window: on the
    change's deployment's page, else the health page), with the window in the middle."""
    deployment_id = item.deployment_id or change.deployment_id
    if deployment_id is None:
        return f"/projects/{slug}/health"
    half = item.granularity.length * (charts.SLOTS[item.granularity] // 2)
    end = item.start + item.granularity.length + half
    return deployment_url(slug, deployment_id, item.granularity, end)


def _change_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    change_id: int,
    *,
    decision_form: Form | None = None,
    approve_form: Form | None = None,
    done: str = "",
) -> Response:
    project_id = access.project.id
    change = changes.get_change(db, project_id, change_id)
    slug = _slug(access)
    deployment: DeploymentPublic | None = None
    if change.deployment_id is not None:
        deployment = deployments.public(db, deployment_row(db, project_id, change.deployment_id))
    evidence_links = {
        index: _evidence_url(slug, change, item)
        for index, item in enumerate(change.evidence)
        if isinstance(item, WindowEvidence)
    }
    follow_up = change.follow_up
    note = (
        views.plan_note_text(db, project_id, follow_up.id)
        if follow_up and follow_up.kind == "plan_note"
        else None
    )
    if decision_form is None:
        decision_form = Form.of(
            {
                "option": change.decision.value if change.decision else change.options[0].value,
                "rationale": change.rationale,
                "version": change.version if change.decision is ChangeOption.REDEPLOY else None,
            }
        )
    approve_form = approve_form or Form()
    mine = next((a for a in change.approvals if a.username == access.actor), None)
    context = {
        "project": access.project,
        "change": change,
        "deployment": deployment,
        "alert": alerts.get_alert(db, project_id, change.alert_id) if change.alert_id else None,
        "evidence_links": evidence_links,
        "note": note,
        "options": [(o.value, OPTION_LABELS[o]) for o in change.options],
        "option_labels": OPTION_LABELS,
        "approved_by_me": mine,
        "undecided": change.status in (ChangeStatus.OPEN, ChangeStatus.PROPOSED),
        "decision_form": decision_form,
        "approve_form": approve_form,
        "notice": CHANGE_NOTICES.get(done),
    }
    status = max(decision_form.status, approve_form.status)
    return render(request, "monitoring/change.html", context, status=status)


@routes.get(CHANGES + "/{change_id}")
def change_page(
    request: Request, db: Db, access: ProjectRead, change_id: int, done: ChangeDone = ""
) -> Response:
    return _change_page(request, db, access, change_id, done=done)


@routes.post(CHANGES + "/{change_id}/decision")
def propose_decision(
    request: Request, db: Db, access: ChangeWrite, change_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            changes.propose(db, access, change_id, form.parse(DecisionForm, optional=("version",)))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _change_page(request, db, access, change_id, decision_form=form.refuse(err))
    return see_other(f"/projects/{_slug(access)}/changes/{change_id}?done=proposed")


@routes.post(CHANGES + "/{change_id}/approve")
def approve_change(
    request: Request, db: Db, access: ChangeWrite, change_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            changes.approve(db, access, change_id, form.parse(ChangeApprovalCreate).comment)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _change_page(request, db, access, change_id, approve_form=form.refuse(err))
    return see_other(f"/projects/{_slug(access)}/changes/{change_id}?done=approved")


# --- project health ----------------------------------------------------------------------------


@routes.get(PROJECT + "/health")
def health_page(request: Request, db: Db, access: ProjectRead) -> Response:
    health = views.project_health(db, access.project.id)
    context = {
        "project": access.project,
        "health": health,
        "now": utcnow(),
        "stale_after": timedelta(days=2),
    }
    return render(request, "monitoring/health.html", context)
