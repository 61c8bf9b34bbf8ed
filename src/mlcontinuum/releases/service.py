"""Rules for release requests: request and approve only what meets the environment's release
policy (`checking`), override it as an owner with a reason, reject, read with evidence and the
policy check; and the two-sided approval count, which change requests follow too.

Approving the last missing side deploys the release (see `deployments.deploy_release`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import case, select
from sqlalchemy.orm import Session

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
from mlcontinuum.releases import checking, deployments, policy
from mlcontinuum.releases.enums import ReleaseStatus, Side
from mlcontinuum.releases.models import (
    Deployment,
    ReleaseApproval,
    ReleaseOverride,
    ReleaseRequest,
)
from mlcontinuum.releases.permissions import RELEASE_POLICY
from mlcontinuum.releases.schemas import (
    ApprovalPublic,
    Evidence,
    PolicyCheck,
    PolicyOverride,
    PolicyState,
    ReleaseCreate,
    ReleasePage,
    ReleasePolicyPublic,
    ReleasePublic,
)
from mlcontinuum.trust import queries as trust

# --- who must approve: by default one of the ML team and one of the customer --------------------

# What a change request's decision needs; a release needs what its environment's policy says.
DEFAULT_POLICY: dict[Side, int] = {Side.ML_TEAM: 1, Side.CUSTOMER: 1}

# An owner approves as the ML team; a stakeholder's approval counts for the customer only.
SIDE_OF_ROLE: dict[Role, Side] = {
    Role.OWNER: Side.ML_TEAM,
    Role.ML_ENGINEER: Side.ML_TEAM,
    Role.STAKEHOLDER: Side.CUSTOMER,
}


def policy_state(sides: Iterable[Side], needs: dict[Side, int] = DEFAULT_POLICY) -> PolicyState:
    """The approvals each side still needs, given the sides of the approvals so far."""
    given = Counter(sides)
    return PolicyState(
        required=dict(needs),
        missing={side: max(0, need - given[side]) for side, need in needs.items()},
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


def _may_override(access: ProjectAccess) -> None:
    """Only an owner waives the policy, and only with a token as wide as their role."""
    if not access.can(RELEASE_POLICY):
        raise PermissionDenied(
            f"only an owner may override the release policy (you act as {access.role.value}"
            + (
                f" through a token limited to {access.principal.role_ceiling.value}"
                if access.principal.role_ceiling is not None
                else ""
            )
            + ")"
        )


def _override_public(found: ReleaseOverride | None) -> PolicyOverride | None:
    if found is None:
        return None
    return PolicyOverride(
        by=found.overridden_by, at=found.overridden_at, reason=found.reason, unmet=found.unmet
    )


def _policy_check(
    session: Session, row: ReleaseRequest, approvals: Iterable[ReleaseApproval]
) -> tuple[PolicyCheck, checking.Inputs]:
    """The request against its environment's policy now, and what the check read."""
    version = registry.versions_by_id(session, [row.version_id])[row.version_id]
    inputs = checking.Inputs.load(session, row.project_id, version.model_name, version.version)
    check = checking.evaluate(
        policy.get_policy(session, row.project_id, row.environment),
        inputs,
        sides=[a.side for a in approvals],
        override=_override_public(session.get(ReleaseOverride, row.id)),
    )
    return check, inputs


def _override(
    session: Session, access: ProjectAccess, row: ReleaseRequest, check: PolicyCheck, reason: str
) -> None:
    """Waive the policy's gate, artifact and data conditions for this request: a policy
    exception, kept with the conditions it waived. Approvals are still needed."""
    version = registry.versions_by_id(session, [row.version_id])[row.version_id]
    unmet = [c.message for c in check.blockers]
    session.add(
        ReleaseOverride(request_id=row.id, overridden_by=access.actor, reason=reason, unmet=unmet)
    )
    session.flush()
    events.append(
        session,
        type="release.policy_overridden",
        actor=access.actor,
        project_id=row.project_id,
        payload={
            "release": row.id,
            "model": version.model_name,
            "version": version.version,
            "environment": row.environment.value,
            "reason": reason,
            "unmet": unmet,
        },
    )


def request_release(
    session: Session, access: ProjectAccess, data: ReleaseCreate, *, requested_by: str | None = None
) -> ReleasePublic:
    """Refused (409, naming each unmet condition) when the version breaks the environment's
    policy, unless an owner overrides it with `override_reason`. `requested_by` names the
    requester when it is not the caller: a decided change request asks for its release on
    behalf of the person who proposed the decision."""
    if data.override_reason is not None:
        _may_override(access)
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
    check = checking.evaluate(
        policy.get_policy(session, access.project.id, data.environment),
        checking.Inputs.load(session, access.project.id, data.model_name, data.version),
    )
    doing = f"releasing version {data.version} of '{data.model_name}'"
    if data.override_reason is None and check.blockers:
        raise checking.refused(check, doing, approvals=False)
    if data.override_reason is not None and not check.blockers:
        message = (
            f"{doing} meets the {data.environment.value} release policy; there is nothing to "
            "override"
        )
        raise Conflict(message, [FieldProblem("override_reason", "nothing_to_override", message)])
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
    if data.override_reason is not None:
        _override(session, access, row, check, data.override_reason)
    return public(session, row)


def override(
    session: Session, access: ProjectAccess, release_id: int, reason: str
) -> ReleasePublic:
    """An owner lets a pending request that breaks its policy go on to its approvals."""
    _may_override(access)
    row = _request(session, access.project.id, release_id, lock=True)
    _pending(row)
    earlier = session.get(ReleaseOverride, row.id)
    if earlier is not None:
        message = f"release request {row.id} was already overridden by {earlier.overridden_by}"
        raise Conflict(message, [FieldProblem("reason", "already_overridden", message)])
    check, _ = _policy_check(session, row, _approvals(session, [row.id]))
    if not check.blockers:
        message = (
            f"release request {row.id} meets the {row.environment.value} release policy; "
            "there is nothing to override"
        )
        raise Conflict(message, [FieldProblem("reason", "nothing_to_override", message)])
    _override(session, access, row, check, reason)
    return public(session, row)


def approve(
    session: Session, access: ProjectAccess, release_id: int, comment: str
) -> ReleasePublic:
    """Refused (409, naming each unmet condition) while the request breaks its policy and no
    owner overrode it: approvals count only once gates, artifact and data hold."""
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
    check, _ = _policy_check(session, row, _approvals(session, [row.id]))
    if not check.ready:
        raise checking.refused(check, f"approving release request {row.id}", approvals=True)
    session.add(
        ReleaseApproval(request_id=row.id, username=access.actor, side=side, comment=comment)
    )
    session.flush()
    approvals = _approvals(session, [row.id])
    state = policy_state((a.side for a in approvals), check.policy.approvals)
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
    """One release with its evidence and its policy check, assembled now: it shows what is true
    when read."""
    row = _request(session, access.project.id, release_id)
    check, inputs = _policy_check(session, row, _approvals(session, [row.id]))
    version = inputs.version
    evidence = Evidence(
        gate_run=inputs.gate_run,
        model_card=trust.model_card_markdown(session, access, version.model_name, version.version),
        data_sources=inputs.lineage,
    )
    return public(session, row).model_copy(update={"evidence": evidence, "check": check})


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
    """The requests with their versions, approvals, overrides, deployments and policies, in five
    queries whatever their number (a page of the list would otherwise cost queries per
    request)."""
    ids = [row.id for row in rows]
    policies = policy.policies(session, {row.project_id for row in rows})
    overrides = {
        found.request_id: found
        for found in session.scalars(
            select(ReleaseOverride).where(ReleaseOverride.request_id.in_(ids))
        )
    }
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
        _public(
            row,
            versions[row.version_id],
            approvals[row.id],
            deployed.get(row.id),
            policies[(row.project_id, row.environment)],
            _override_public(overrides.get(row.id)),
        )
        for row in rows
    ]


def _public(
    row: ReleaseRequest,
    version: VersionRef,
    approvals: list[ReleaseApproval],
    deployment_id: int | None,
    environment_policy: ReleasePolicyPublic,
    override: PolicyOverride | None,
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
        policy=policy_state((a.side for a in approvals), environment_policy.approvals),
        override=override,
        deployment_id=deployment_id,
    )
