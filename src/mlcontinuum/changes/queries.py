"""Reads of change requests and plan notes, for the API, the pages and the slices after
changes. Lists read their approvals and decided versions in one query each, whatever their
length."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.changes import evidence
from mlcontinuum.changes.enums import ChangeOption, ChangeStatus
from mlcontinuum.changes.models import ChangeApproval, ChangeRequest, PlanNote
from mlcontinuum.changes.rows import approvals_of, change_row
from mlcontinuum.changes.schemas import (
    ChangePage,
    ChangePublic,
    ChangeRef,
    FollowUp,
    PlanNotePage,
    PlanNotePublic,
)
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.registry import queries as registry
from mlcontinuum.releases import service as releases

UNDECIDED = (ChangeStatus.OPEN, ChangeStatus.PROPOSED)


def get_change(session: Session, project_id: int, change_id: int) -> ChangePublic:
    return public(session, change_row(session, project_id, change_id))


def list_changes(
    session: Session,
    project_id: int,
    *,
    status: ChangeStatus | None,
    deployment_id: int | None,
    alert_id: int | None,
    page: int,
    per_page: int,
) -> ChangePage:
    query = select(ChangeRequest).where(ChangeRequest.project_id == project_id)
    if status is not None:
        query = query.where(ChangeRequest.status == status)
    if deployment_id is not None:
        query = query.where(ChangeRequest.deployment_id == deployment_id)
    if alert_id is not None:
        query = query.where(ChangeRequest.alert_id == alert_id)
    total, rows = page_of(session, query, ChangeRequest.id.desc(), page=page, per_page=per_page)
    return ChangePage(items=_publics(session, rows), total=total, page=page, per_page=per_page)


def list_plan_notes(session: Session, project_id: int, *, page: int, per_page: int) -> PlanNotePage:
    query = select(PlanNote).where(PlanNote.project_id == project_id)
    total, rows = page_of(session, query, PlanNote.id.desc(), page=page, per_page=per_page)
    return PlanNotePage(
        items=[PlanNotePublic.model_validate(note) for note in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def plan_note_text(session: Session, project_id: int, note_id: int) -> str | None:
    """The text of a plan note an accepted change left."""
    text: str | None = session.scalar(
        select(PlanNote.text).where(PlanNote.project_id == project_id, PlanNote.id == note_id)
    )
    return text


def changes_of_alerts(session: Session, alert_ids: Sequence[int]) -> dict[int, ChangeRef]:
    """For each alert, the change request opened from it: the undecided one if there is one
    (only one can be), else the latest."""
    found: dict[int, ChangeRef] = {}
    if not alert_ids:
        return found
    rows = session.execute(
        select(ChangeRequest.alert_id, ChangeRequest.id, ChangeRequest.status)
        .where(ChangeRequest.alert_id.in_(alert_ids))
        .order_by(ChangeRequest.id)
    ).all()
    for alert_id, change_id, status in rows:
        assert alert_id is not None
        current = found.get(alert_id)
        if current is None or current.status not in UNDECIDED:
            found[alert_id] = ChangeRef(id=change_id, status=status)
    return found


def undecided_counts(session: Session, project_id: int) -> dict[int | None, int]:
    """Change requests under discussion, by deployment (None: of no deployment)."""
    rows = session.execute(
        select(ChangeRequest.deployment_id, func.count())
        .where(ChangeRequest.project_id == project_id, ChangeRequest.status.in_(UNDECIDED))
        .group_by(ChangeRequest.deployment_id)
    ).all()
    return {deployment_id: int(count) for deployment_id, count in rows}


def public(session: Session, row: ChangeRequest) -> ChangePublic:
    [found] = _publics(session, [row])
    return found


def _publics(session: Session, rows: Sequence[ChangeRequest]) -> list[ChangePublic]:
    approvals = approvals_of(session, [row.id for row in rows])
    versions = registry.versions_by_id(
        session, {row.decision_version_id for row in rows if row.decision_version_id is not None}
    )
    return [
        _public(
            row,
            approvals[row.id],
            versions[row.decision_version_id].version
            if row.decision_version_id is not None
            else None,
        )
        for row in rows
    ]


def _public(
    row: ChangeRequest, approvals: list[ChangeApproval], version: int | None
) -> ChangePublic:
    return ChangePublic(
        id=row.id,
        title=row.title,
        what_changed=row.what_changed,
        alert_id=row.alert_id,
        deployment_id=row.deployment_id,
        evidence=evidence.load(row.evidence),
        options=[ChangeOption(option) for option in row.options],
        status=row.status,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        decision=row.decision,
        rationale=row.rationale,
        version=version,
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        decided_at=row.decided_at,
        approvals=releases.approvals_public(approvals),
        approvers=[a.username for a in approvals],
        policy=releases.policy_state(a.side for a in approvals),
        follow_up=FollowUp.model_validate(row.follow_up) if row.follow_up else None,
    )
