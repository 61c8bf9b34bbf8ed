"""Rules for release requests: request, approve by policy, reject, read with evidence; and the
approval policy itself, which change requests follow too.

Approving the last missing side deploys the release (see `deployments.deploy_release`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from mlcontinuum.gates import queries as gates
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.errors import Conflict, FieldProblem, PermissionDenied
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry.enums import VersionStatus
from mlcontinuum.registry.schemas import VersionRef
from mlcontinuum.releases import deployments
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
from mlcontinuum.trust import queries as trust

# --- who must approve: by default one of the ML team and one of the customer --------------------

DEFAULT_POLICY: dict[Side, int] = {Side.ML_TEAM: 1, Side.CUSTOMER: 1}

# An owner approves as the ML team; a stakeholder's approval counts for the customer only.
SIDE_OF_ROLE: dict[Role, Side] = {
    Role.OWNER: Side.ML_TEAM,
    Role.ML_ENGINEER: Side.ML_TEAM,
    Role.STAKEHOLDER: Side.CUSTOMER,
}


def policy_state(sides: Iterable[Side], policy: dict[Side, int] = DEFAULT_POLICY) -> PolicyState:
    """The approvals each side still needs, given the sides of the approvals so far."""
    given = Counter(sides)
    return PolicyState(
        required=dict(policy),
        missing={side: max(0, need - given[side]) for side, need in policy.items()},
    )


def policy_met(current: PolicyState) -> bool:
    return not any(current.missing.values())


def side_of(role: Role, doing: str) -> Side:
    """The side a member of `role` approves for; PermissionDenied when the role has none (the
    permission check keeps viewers out first: this guards a future role)."""
    side = SIDE_OF_ROLE.get(role)
    if side is None:
        raise PermissionDenied(f"a {role.value} cannot {doing}")
    return side


def approvals_public(rows: Iterable[object]) -> list[ApprovalPublic]:
    """Approval rows (a release's or a change request's: username, side, comment, approved_at)
    as the API shows them."""
    return [ApprovalPublic.model_validate(row, from_attributes=True) for row in rows]


# --- release requests ----------------------------------------------------------------------------


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
    version = registry.find_version(session, access.project.id, data.model_name, data.version)
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
    side = side_of(access.role, "approve releases")
    session.add(
        ReleaseApproval(request_id=row.id, username=access.actor, side=side, comment=comment)
    )
    session.flush()
    approvals = _approvals(session, [row.id])
    state = policy_state(a.side for a in approvals)
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
    if policy_met(state):
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
    version = registry.versions_by_id(session, [row.version_id])[row.version_id]
    name, number, project_id = version.model_name, version.version, access.project.id
    evidence = Evidence(
        gate_run=gates.latest_run(session, project_id, name, number),
        model_card=trust.model_card_markdown(session, access, name, number),
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
    versions = registry.versions_by_id(session, {row.version_id for row in rows})
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
    version: VersionRef,
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
        approvals=approvals_public(approvals),
        policy=policy_state(a.side for a in approvals),
        deployment_id=deployment_id,
    )
