"""Rules for release requests: request, approve by policy, reject, read with evidence.

Approving the last missing side deploys the release (see `deployments.deploy_release`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from mlcontinuum.gates import service as gates
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.errors import Conflict, FieldProblem, PermissionDenied
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.registry import versions
from mlcontinuum.registry.enums import VersionStatus
from mlcontinuum.registry.models import ModelVersion
from mlcontinuum.releases import deployments, policy
from mlcontinuum.releases.enums import ReleaseStatus, Side
from mlcontinuum.releases.models import Deployment, ReleaseApproval, ReleaseRequest
from mlcontinuum.releases.schemas import (
    ApprovalPublic,
    Evidence,
    PolicyState,
    ReleaseCreate,
    ReleasePage,
    ReleasePublic,
)
from mlcontinuum.trust import card


def _request(
    session: Session, project_id: int, release_id: int, *, lock: bool = False
) -> ReleaseRequest:
    """The request, or 404. `lock` for decisions: two approvals arriving together must see each
    other, or both could find the policy unmet and leave the release pending for good."""
    query = select(ReleaseRequest).where(
        ReleaseRequest.project_id == project_id, ReleaseRequest.id == release_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return one_or_not_found(session, query, f"no release request {release_id} in this project")


def _pending(row: ReleaseRequest) -> None:
    if row.status is not ReleaseStatus.PENDING:
        raise Conflict(
            f"release request {row.id} is already {row.status.value}; request a new release",
            [FieldProblem("status", "closed", "only a pending request can be decided")],
        )


def request_release(
    session: Session, access: ProjectAccess, data: ReleaseCreate, *, requested_by: str | None = None
) -> ReleasePublic:
    """`requested_by` names the requester when it is not the caller: a decided change request
    asks for its release on behalf of the person who proposed the decision."""
    version = versions.version_row(session, access.project.id, data.model_name, data.version)
    if version.status is VersionStatus.ARCHIVED:
        raise Conflict(
            f"version {data.version} of '{data.model_name}' is archived; restore it to "
            "candidate before requesting its release",
            [FieldProblem("version", "archived", "restore the version first")],
        )
    open_id = session.scalar(
        select(ReleaseRequest.id).where(
            ReleaseRequest.version_id == version.id,
            ReleaseRequest.environment == data.environment,
            ReleaseRequest.status == ReleaseStatus.PENDING,
        )
    )
    if open_id is not None:
        raise Conflict(
            f"release request {open_id} for version {data.version} of '{data.model_name}' to "
            f"{data.environment.value} is still open; approve or reject it first",
            [FieldProblem("version", "open_request", f"see release request {open_id}")],
        )
    row = ReleaseRequest(
        project_id=access.project.id,
        version_id=version.id,
        environment=data.environment,
        strategy=data.strategy,
        traffic_share=data.traffic_share,
        notes=data.notes,
        status=ReleaseStatus.PENDING,
        requested_by=requested_by or access.actor,
    )
    session.add(row)
    session.flush()
    events.append(
        session,
        type="release.requested",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "release": row.id,
            "model": version.model_name,
            "version": version.version,
            "environment": data.environment.value,
            "strategy": data.strategy.value,
            "traffic_share": data.traffic_share,
            "notes": data.notes,
        },
    )
    return public(session, row)


def approve(
    session: Session, access: ProjectAccess, release_id: int, comment: str
) -> ReleasePublic:
    row = _request(session, access.project.id, release_id, lock=True)
    _pending(row)
    if access.actor == row.requested_by:
        raise PermissionDenied(
            "nobody approves their own release request: another member of the ML team and a "
            "stakeholder of the customer must approve it"
        )
    already = session.scalar(
        select(ReleaseApproval.id).where(
            ReleaseApproval.request_id == row.id, ReleaseApproval.username == access.actor
        )
    )
    if already is not None:
        raise Conflict(
            f"you have already approved release request {row.id}; one approval per person",
            [FieldProblem("approval", "duplicate", "another person must approve")],
        )
    side = policy.side_of(access.role, "approve releases")
    session.add(
        ReleaseApproval(request_id=row.id, username=access.actor, side=side, comment=comment)
    )
    session.flush()
    approvals = _approvals(session, [row.id])
    state = policy.state(a.side for a in approvals)
    events.append(
        session,
        type="release.approval",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "release": row.id,
            "side": side.value,
            "comment": comment,
            "missing": {s.value: n for s, n in state.missing.items()},
        },
    )
    if policy.met(state):
        row.status, row.decided_at = ReleaseStatus.APPROVED, utcnow()
        approvers = [a.username for a in approvals]
        events.append(
            session,
            type="release.approved",
            actor=access.actor,
            project_id=access.project.id,
            payload={"release": row.id, "approved_by": approvers},
        )
        deployments.deploy_release(session, access.actor, row, approvers)
    return public(session, row)


def reject(session: Session, access: ProjectAccess, release_id: int, reason: str) -> ReleasePublic:
    row = _request(session, access.project.id, release_id, lock=True)
    _pending(row)
    row.status, row.decided_at = ReleaseStatus.REJECTED, utcnow()
    row.rejected_by, row.rejection_reason = access.actor, reason
    events.append(
        session,
        type="release.rejected",
        actor=access.actor,
        project_id=access.project.id,
        payload={"release": row.id, "reason": reason},
    )
    return public(session, row)


def get_release(session: Session, access: ProjectAccess, release_id: int) -> ReleasePublic:
    """One release with its evidence, assembled now: it shows what is true when read."""
    row = _request(session, access.project.id, release_id)
    version = session.get_one(ModelVersion, row.version_id)
    name, number, project_id = version.model_name, version.version, access.project.id
    evidence = Evidence(
        gate_run=gates.latest_run(session, project_id, name, number),
        model_card=card.render_markdown(card.build(session, access, name, number)),
        data_sources=gates.version_compliance(session, project_id, name, number),
    )
    return public(session, row).model_copy(update={"evidence": evidence})


def list_releases(
    session: Session,
    project_id: int,
    *,
    status: ReleaseStatus | None,
    page: int,
    per_page: int,
    pending_first: bool = False,
) -> ReleasePage:
    """Newest first; with `pending_first`, the requests still waiting for approvals on top."""
    query = select(ReleaseRequest).where(ReleaseRequest.project_id == project_id)
    if status is not None:
        query = query.where(ReleaseRequest.status == status)
    waiting_last = case((ReleaseRequest.status == ReleaseStatus.PENDING, 0), else_=1)
    order = (
        (waiting_last, ReleaseRequest.id.desc()) if pending_first else (ReleaseRequest.id.desc(),)
    )
    total, rows = page_of(session, query, *order, page=page, per_page=per_page)
    return ReleasePage(items=publics(session, rows), total=total, page=page, per_page=per_page)


def _approvals(session: Session, request_ids: Collection[int]) -> list[ReleaseApproval]:
    return list(
        session.scalars(
            select(ReleaseApproval)
            .where(ReleaseApproval.request_id.in_(request_ids))
            .order_by(ReleaseApproval.id)
        )
    )


def public(session: Session, row: ReleaseRequest) -> ReleasePublic:
    return publics(session, [row])[0]


def publics(session: Session, rows: Sequence[ReleaseRequest]) -> list[ReleasePublic]:
    """The requests with their versions, approvals and deployments, in three queries whatever
    their number (a page of the list would otherwise cost three queries per request)."""
    ids = [row.id for row in rows]
    versions = {
        v.id: v
        for v in session.scalars(
            select(ModelVersion).where(ModelVersion.id.in_({row.version_id for row in rows}))
        )
    }
    approvals: dict[int, list[ReleaseApproval]] = {request_id: [] for request_id in ids}
    for approval in _approvals(session, ids):
        approvals[approval.request_id].append(approval)
    deployed = dict(
        session.execute(
            select(Deployment.release_id, Deployment.id).where(Deployment.release_id.in_(ids))
        ).all()
    )
    return [
        _public(row, versions[row.version_id], approvals[row.id], deployed.get(row.id))
        for row in rows
    ]


def _public(
    row: ReleaseRequest,
    version: ModelVersion,
    approvals: list[ReleaseApproval],
    deployment_id: int | None,
) -> ReleasePublic:
    return ReleasePublic(
        id=row.id,
        model_name=version.model_name,
        version=version.version,
        environment=row.environment,
        strategy=row.strategy,
        traffic_share=row.traffic_share,
        notes=row.notes,
        status=row.status,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        decided_at=row.decided_at,
        rejected_by=row.rejected_by,
        rejection_reason=row.rejection_reason,
        approvals=policy.approvals_public(approvals),
        policy=policy.state(a.side for a in approvals),
        deployment_id=deployment_id,
    )


# --- for monitoring/alerts/changes ---
# A change request's decision is approved by the same policy as a release.


def approval_side(role: Role, doing: str) -> Side:
    """The side a member of `role` approves for; PermissionDenied names `doing` otherwise."""
    return policy.side_of(role, doing)


def approval_state(sides: Iterable[Side]) -> PolicyState:
    """Who must still approve, given the sides of the approvals so far."""
    return policy.state(sides)


def approval_met(state: PolicyState) -> bool:
    return policy.met(state)


def approvals_public(rows: Iterable[object]) -> list[ApprovalPublic]:
    """Approval rows (username, side, comment, approved_at) as the API shows them."""
    return policy.approvals_public(rows)
