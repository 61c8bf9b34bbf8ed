"""Rules for change requests: open (by a person or from an alert), propose a decision, approve
by policy, withdraw; reads are in `queries`.

Who must agree is the releases' policy (`releases.service.approval_state`): by default one of
the ML team and one of the customer. Proposing a decision counts as the proposer's approval for
their side; the approval that meets the policy decides the request and creates its follow-up in
the same transaction (see `followups`). Every mutation locks the request's row first, so two
approvals arriving together on PostgreSQL cannot both miss that the policy is met.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mlcontinuum.alerts import queries as alerts
from mlcontinuum.alerts.schemas import AlertPublic
from mlcontinuum.alerts.service import lock_alerts
from mlcontinuum.changes import evidence, followups
from mlcontinuum.changes.enums import ChangeOption, ChangeStatus
from mlcontinuum.changes.models import ChangeApproval, ChangeRequest
from mlcontinuum.changes.queries import UNDECIDED, public
from mlcontinuum.changes.rows import approvals_of, change_row
from mlcontinuum.changes.schemas import ChangeCreate, ChangePublic, DecisionCreate, EvidenceItem
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.registry import queries as registry
from mlcontinuum.releases import queries as deployments
from mlcontinuum.releases import service as releases
from mlcontinuum.releases.enums import Side
from mlcontinuum.releases.schemas import DeploymentPublic

# Options whose follow-up acts on the request's deployment.
ON_A_DEPLOYMENT = (ChangeOption.RETRAIN, ChangeOption.REDEPLOY, ChangeOption.ROLL_BACK)


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
        items.extend(evidence.from_alert(session, project_id, alert))
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


def _alert(session: Session, project_id: int, alert_id: int) -> AlertPublic:
    # Two people opening a change from the same alert at once get one request: the check runs
    # under the alerts' lock, so the second waits for the first and then sees its request.
    lock_alerts(session, project_id)
    alert = alerts.find_alert(session, project_id, alert_id)
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
    row = change_row(session, access.project.id, change_id, lock=True)
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
            version_id = _version_id(session, row.project_id, deployment.model_name, data.version)
        elif data.option is ChangeOption.ROLL_BACK:
            target = deployments.rollback_target(session, row.project_id, deployment.id)
            if target is None:
                raise Conflict(
                    f"deployment {deployment.id} replaced no earlier working version of "
                    f"'{deployment.model_name}' in {deployment.environment.value}: there is "
                    "nothing to roll back to",
                    [FieldProblem("option", "no_previous", "no earlier deployment")],
                )
            version_id = target.version.id
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


def _deployment_of(session: Session, row: ChangeRequest, option: ChangeOption) -> DeploymentPublic:
    if row.deployment_id is None:
        raise ValidationFailed(
            f"'{option.value}' acts on a deployment and change request {row.id} names none; "
            "open the request for a deployment",
            [FieldProblem("option", "needs_deployment", "the request has no deployment")],
        )
    return deployments.get_deployment(session, row.project_id, row.deployment_id)


def _version_id(session: Session, project_id: int, model_name: str, number: int) -> int:
    try:
        return registry.find_version(session, project_id, model_name, number).id
    except NotFound as err:
        raise ValidationFailed(
            f"no version {number} of model '{model_name}' in this project",
            [FieldProblem("version", "unknown_version", "not a version of the deployed model")],
        ) from err


def approve(session: Session, access: ProjectAccess, change_id: int, comment: str) -> ChangePublic:
    row = change_row(session, access.project.id, change_id, lock=True)
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
    approvals = approvals_of(session, [row.id])[row.id]
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
    row = change_row(session, access.project.id, change_id, lock=True)
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
