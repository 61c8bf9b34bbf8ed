"""Rules for change requests: open (by a person or from an alert), propose a decision, approve
by policy, withdraw, read.

Who must agree is the releases' policy (`releases.service`): by default one of the ML team and one
of the customer. Proposing a decision counts as the proposer's approval for their side; the
approval that meets the policy decides the request and creates its follow-up in the same
transaction (see `followups`). Every mutation locks the request's row first, so two approvals
arriving together on PostgreSQL cannot both miss that the policy is met.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mlcontinuum.alerts.models import Alert
from mlcontinuum.alerts.raising import lock_alerts
from mlcontinuum.changes import evidence, followups
from mlcontinuum.changes.enums import ChangeOption, ChangeStatus
from mlcontinuum.changes.models import ChangeApproval, ChangeRequest, PlanNote
from mlcontinuum.changes.schemas import (
    ChangeCreate,
    ChangePage,
    ChangePublic,
    DecisionCreate,
    EvidenceItem,
    FollowUp,
    PlanNotePage,
    PlanNotePublic,
)
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.errors import Conflict, FieldProblem, PermissionDenied, ValidationFailed
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.registry.models import ModelVersion
from mlcontinuum.releases import deployments
from mlcontinuum.releases import service as releases
from mlcontinuum.releases.enums import Side
from mlcontinuum.releases.models import Deployment

UNDECIDED = (ChangeStatus.OPEN, ChangeStatus.PROPOSED)
# Options whose follow-up acts on the request's deployment.
ON_A_DEPLOYMENT = (ChangeOption.RETRAIN, ChangeOption.REDEPLOY, ChangeOption.ROLL_BACK)


def _change(
    session: Session, project_id: int, change_id: int, *, lock: bool = False
) -> ChangeRequest:
    query = select(ChangeRequest).where(
        ChangeRequest.project_id == project_id, ChangeRequest.id == change_id
    )
    if lock:
        query = query.with_for_update()
    return one_or_not_found(session, query, f"no change request {change_id} in this project")


def _undecided(row: ChangeRequest) -> None:
    if row.status not in UNDECIDED:
        raise Conflict(
            f"change request {row.id} is already {row.status.value}; it takes no more "
            "decisions or approvals (open a new change request)",
            [FieldProblem("status", row.status.value, "only an open request can be decided")],
        )


# --- open --------------------------------------------------------------------------------------


def open_change(session: Session, access: ProjectAccess, data: ChangeCreate) -> ChangePublic:
    project_id = access.project.id
    items: list[EvidenceItem] = []
    deployment_id = data.deployment_id
    title = data.title
    if data.alert_id is not None:
        alert = _alert(session, project_id, data.alert_id)
        if alert.deployment_id is not None:
            if deployment_id is not None and deployment_id != alert.deployment_id:
                raise ValidationFailed(
                    f"alert {alert.id} is about deployment {alert.deployment_id}, not "
                    f"{deployment_id}; leave deployment_id out to take the alert's",
                    [FieldProblem("deployment_id", "alert_mismatch", "differs from the alert's")],
                )
            deployment_id = alert.deployment_id
        items.extend(evidence.from_alert(session, alert))
        title = title or alert.title
    if deployment_id is not None and not evidence.deployment_exists(
        session, project_id, deployment_id
    ):
        raise ValidationFailed(
            f"no deployment {deployment_id} in this project",
            [FieldProblem("deployment_id", "unknown_deployment", "not a deployment here")],
        )
    items.extend(evidence.resolve(session, project_id, data.evidence))
    assert title is not None  # the schema requires a title unless an alert gives one
    options = data.options or list(ChangeOption)
    row = ChangeRequest(
        project_id=project_id,
        deployment_id=deployment_id,
        alert_id=data.alert_id,
        title=title,
        what_changed=data.what_changed,
        evidence=evidence.dump(items),
        options=[option.value for option in options],
        status=ChangeStatus.OPEN,
        opened_by=access.actor,
    )
    session.add(row)
    session.flush()
    events.append(
        session,
        type="change.opened",
        actor=access.actor,
        project_id=project_id,
        payload={"change_id": row.id, "title": row.title, "alert_id": row.alert_id},
    )
    return public(session, row)


def _alert(session: Session, project_id: int, alert_id: int) -> Alert:
    # Two people opening a change from the same alert at once get one request: the check runs
    # under the alerts' lock, so the second waits for the first and then sees its request.
    lock_alerts(session, project_id)
    alert = session.scalar(
        select(Alert).where(Alert.project_id == project_id, Alert.id == alert_id)
    )
    if alert is None:
        raise ValidationFailed(
            f"no alert {alert_id} in this project",
            [FieldProblem("alert_id", "unknown_alert", "not an alert of this project")],
        )
    existing = session.execute(
        select(ChangeRequest.id, ChangeRequest.status).where(
            ChangeRequest.alert_id == alert.id, ChangeRequest.status.in_(UNDECIDED)
        )
    ).first()
    if existing is not None:
        change_id, status = existing
        raise Conflict(
            f"alert {alert.id} already has change request {change_id} ({status.value}); "
            "decide or withdraw it before opening another",
            [FieldProblem("alert_id", "open_change", f"see change request {change_id}")],
        )
    return alert


# --- decide ------------------------------------------------------------------------------------


def propose(
    session: Session, access: ProjectAccess, change_id: int, data: DecisionCreate
) -> ChangePublic:
    """Propose a decision; it replaces an earlier proposal, whose approvals no longer count."""
    row = _change(session, access.project.id, change_id, lock=True)
    _undecided(row)
    side = releases.side_of(access.role, "decide change requests")
    if data.option.value not in row.options:
        raise ValidationFailed(
            f"'{data.option.value}' is not among the options of change request {row.id}: "
            + ", ".join(row.options),
            [FieldProblem("option", "not_an_option", "choose one of the request's options")],
        )
    version_id = None
    if data.option in ON_A_DEPLOYMENT:
        deployment = _deployment_of(session, row, data.option)
        if data.option is ChangeOption.REDEPLOY:
            assert data.version is not None  # the schema requires it for redeploy
            version_id = _version_id(session, deployment, data.version)
        elif data.option is ChangeOption.ROLL_BACK:
            target = deployments.rollback_target(session, deployment)
            if target is None:
                raise Conflict(
                    f"deployment {deployment.id} replaced no earlier working version of "
                    f"'{deployment.model_name}' in {deployment.environment.value}: there is "
                    "nothing to roll back to",
                    [FieldProblem("option", "no_previous", "no earlier deployment")],
                )
            version_id = target.version_id
    session.execute(delete(ChangeApproval).where(ChangeApproval.change_id == row.id))
    row.status, row.decision, row.rationale = ChangeStatus.PROPOSED, data.option, data.rationale
    row.decision_version_id, row.proposed_by, row.proposed_at = version_id, access.actor, utcnow()
    events.append(
        session,
        type="change.proposed",
        actor=access.actor,
        project_id=row.project_id,
        payload={"change_id": row.id, "option": data.option.value, "rationale": data.rationale},
    )
    _approve(session, access, row, side, "proposed the decision")
    return public(session, row)


def _deployment_of(session: Session, row: ChangeRequest, option: ChangeOption) -> Deployment:
    if row.deployment_id is None:
        raise ValidationFailed(
            f"'{option.value}' acts on a deployment and change request {row.id} names none; "
            "open the request for a deployment",
            [FieldProblem("option", "needs_deployment", "the request has no deployment")],
        )
    return session.get_one(Deployment, row.deployment_id)


def _version_id(session: Session, deployment: Deployment, number: int) -> int:
    found = session.scalar(
        select(ModelVersion.id).where(
            ModelVersion.project_id == deployment.project_id,
            ModelVersion.model_name == deployment.model_name,
            ModelVersion.version == number,
        )
    )
    if found is None:
        raise ValidationFailed(
            f"no version {number} of model '{deployment.model_name}' in this project",
            [FieldProblem("version", "unknown_version", "not a version of the deployed model")],
        )
    return found


def approve(session: Session, access: ProjectAccess, change_id: int, comment: str) -> ChangePublic:
    row = _change(session, access.project.id, change_id, lock=True)
    _undecided(row)
    if row.status is ChangeStatus.OPEN:
        raise Conflict(
            f"change request {row.id} has no proposed decision yet; propose one first",
            [FieldProblem("status", "open", "nothing to approve yet")],
        )
    side = releases.side_of(access.role, "decide change requests")
    already = session.scalar(
        select(ChangeApproval.id).where(
            ChangeApproval.change_id == row.id, ChangeApproval.username == access.actor
        )
    )
    if already is not None:
        why = (
            "you proposed this decision, which counts as your approval"
            if access.actor == row.proposed_by
            else f"you have already approved change request {row.id}"
        )
        raise Conflict(
            f"{why}; one approval per person",
            [FieldProblem("approval", "duplicate", "another person must approve")],
        )
    _approve(session, access, row, side, comment)
    return public(session, row)


def _approve(
    session: Session, access: ProjectAccess, row: ChangeRequest, side: Side, comment: str
) -> None:
    """Record one approval; the one that meets the policy decides and creates the follow-up."""
    session.add(ChangeApproval(change_id=row.id, username=access.actor, side=side, comment=comment))
    session.flush()
    events.append(
        session,
        type="change.approved",
        actor=access.actor,
        project_id=row.project_id,
        payload={"change_id": row.id, "username": access.actor, "side": side.value},
    )
    approvals = _approvals(session, [row.id])[row.id]
    if not releases.policy_met(releases.policy_state(a.side for a in approvals)):
        return
    assert row.decision is not None
    row.status, row.decided_at = ChangeStatus.DECIDED, utcnow()
    follow_up = followups.create(session, access, row)
    row.follow_up = follow_up.model_dump()
    events.append(
        session,
        type="change.decided",
        actor=access.actor,
        project_id=row.project_id,
        payload={
            "change_id": row.id,
            "option": row.decision.value,
            "rationale": row.rationale,
            "approvers": [a.username for a in approvals],
            "follow_up": row.follow_up,
        },
    )


def withdraw(session: Session, access: ProjectAccess, change_id: int, reason: str) -> ChangePublic:
    row = _change(session, access.project.id, change_id, lock=True)
    if access.actor != row.opened_by and access.role is not Role.OWNER:
        raise PermissionDenied(
            f"only the person who opened change request {row.id} ({row.opened_by}) or a "
            "project owner may withdraw it"
        )
    _undecided(row)
    row.status = ChangeStatus.WITHDRAWN
    events.append(
        session,
        type="change.withdrawn",
        actor=access.actor,
        project_id=row.project_id,
        payload={"change_id": row.id, "reason": reason},
    )
    return public(session, row)


# --- read --------------------------------------------------------------------------------------


def get_change(session: Session, project_id: int, change_id: int) -> ChangePublic:
    return public(session, _change(session, project_id, change_id))


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
    approvals = _approvals(session, [row.id for row in rows])
    return ChangePage(
        items=[_public(session, row, approvals[row.id]) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def list_plan_notes(session: Session, project_id: int, *, page: int, per_page: int) -> PlanNotePage:
    query = select(PlanNote).where(PlanNote.project_id == project_id)
    total, rows = page_of(session, query, PlanNote.id.desc(), page=page, per_page=per_page)
    return PlanNotePage(
        items=[PlanNotePublic.model_validate(note) for note in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def _approvals(session: Session, change_ids: Sequence[int]) -> dict[int, list[ChangeApproval]]:
    """Approvals of several requests in one query, oldest first."""
    found: dict[int, list[ChangeApproval]] = defaultdict(list)
    if change_ids:
        for approval in session.scalars(
            select(ChangeApproval)
            .where(ChangeApproval.change_id.in_(change_ids))
            .order_by(ChangeApproval.id)
        ):
            found[approval.change_id].append(approval)
    return found


def public(session: Session, row: ChangeRequest) -> ChangePublic:
    return _public(session, row, _approvals(session, [row.id])[row.id])


def _public(session: Session, row: ChangeRequest, approvals: list[ChangeApproval]) -> ChangePublic:
    version = (
        session.get_one(ModelVersion, row.decision_version_id).version
        if row.decision_version_id is not None
        else None
    )
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
