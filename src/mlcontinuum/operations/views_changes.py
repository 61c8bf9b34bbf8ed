"""The change-request pages: the list, and one request with its evidence, its decision and who
approved it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from mlcontinuum.alerts import queries as alerts
from mlcontinuum.alerts.schemas import AlertPublic
from mlcontinuum.changes import queries as changes
from mlcontinuum.changes.enums import ChangeOption, ChangeStatus
from mlcontinuum.changes.schemas import ChangePublic, WindowEvidence
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.operations import charts
from mlcontinuum.operations.views_deployment import deployment_url
from mlcontinuum.releases import queries as releases
from mlcontinuum.releases.schemas import ApprovalPublic, DeploymentPublic
from mlcontinuum.web.forms import choices
from mlcontinuum.web.paging import Pager, pager

PER_PAGE = 25
OPTION_LABELS = {
    ChangeOption.RETRAIN: "Retrain: train a new version on recent data",
    ChangeOption.REDEPLOY: "Redeploy: release a version chosen here",
    ChangeOption.ROLL_BACK: "Roll back: put the previous working version back",
    ChangeOption.ACCEPT: "Accept: keep things as they are and note it for the plan",
}


@dataclass(frozen=True)
class ChangesView:
    changes: list[ChangePublic]
    filters: dict[str, str | list[str]]
    statuses: list[tuple[str, str]]
    pager: Pager


def changes_view(
    session: Session,
    access: ProjectAccess,
    *,
    status: ChangeStatus | None,
    deployment_id: int | None,
    page: int,
    path: str,
) -> ChangesView:
    """One page of change requests with these filters; `path` is where the pager leads."""
    found = changes.list_changes(
        session,
        access.project.id,
        status=status,
        deployment_id=deployment_id,
        alert_id=None,
        page=page,
        per_page=PER_PAGE,
    )
    filters: dict[str, str | list[str]] = {
        "status": status.value if status else "",
        "deployment_id": str(deployment_id) if deployment_id else "",
    }
    return ChangesView(
        changes=found.items,
        filters=filters,
        statuses=choices(ChangeStatus),
        pager=pager(path, filters, page=page, per_page=PER_PAGE, total=found.total),
    )


@dataclass(frozen=True)
class ChangeView:
    change: ChangePublic
    deployment: DeploymentPublic | None
    alert: AlertPublic | None
    evidence_links: dict[int, str]  # by the evidence item's index
    note: str | None  # the plan note an accepted change left
    options: list[tuple[str, str]]
    option_labels: dict[ChangeOption, str]
    approved_by_me: ApprovalPublic | None
    undecided: bool
    decision_defaults: dict[str, Any]  # what the decision form shows before anyone types


def change_view(session: Session, access: ProjectAccess, change_id: int) -> ChangeView:
    project_id = access.project.id
    change = changes.get_change(session, project_id, change_id)
    slug = access.project.slug
    follow_up = change.follow_up
    return ChangeView(
        change=change,
        deployment=releases.get_deployment(session, project_id, change.deployment_id)
        if change.deployment_id is not None
        else None,
        alert=alerts.get_alert(session, project_id, change.alert_id) if change.alert_id else None,
        evidence_links={
            index: _evidence_url(slug, change, item)
            for index, item in enumerate(change.evidence)
            if isinstance(item, WindowEvidence)
        },
        note=changes.plan_note_text(session, project_id, follow_up.id)
        if follow_up and follow_up.kind == "plan_note"
        else None,
        options=[(o.value, OPTION_LABELS[o]) for o in change.options],
        option_labels=OPTION_LABELS,
        approved_by_me=next((a for a in change.approvals if a.username == access.actor), None),
        undecided=change.status in (ChangeStatus.OPEN, ChangeStatus.PROPOSED),
        decision_defaults={
            "option": change.decision.value if change.decision else change.options[0].value,
            "rationale": change.rationale,
            "version": change.version if change.decision is ChangeOption.REDEPLOY else None,
        },
    )


def _evidence_url(slug: str, change: ChangePublic, item: WindowEvidence) -> str:
    """Where a window of the evidence is shown: on its deployment's page (a KPI window: on the
    change's deployment's page, else the health page), with the window in the middle."""
    deployment_id = item.deployment_id or change.deployment_id
    if deployment_id is None:
        return f"/projects/{slug}/health"
    half = item.granularity.length * (charts.SLOTS[item.granularity] // 2)
    end = item.start + item.granularity.length + half
    return deployment_url(slug, deployment_id, item.granularity, end)
