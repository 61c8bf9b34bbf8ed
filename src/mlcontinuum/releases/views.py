"""What the releases and deployments pages show when they compose several reads: one release
with its evidence, its policy check and what the reader may still do, the form that requests a
release (with the chosen version checked against each environment's policy), the release
policies, and the deployments with the current one of each model, the history and the DORA
figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.gates import queries as gates
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import NotFound
from mlcontinuum.registry import queries as registry
from mlcontinuum.releases import deployments, dora, policy, queries, service
from mlcontinuum.releases.enums import Environment, ReleaseStatus
from mlcontinuum.releases.permissions import RELEASE_APPROVE, RELEASE_POLICY
from mlcontinuum.releases.schemas import (
    ApprovalPublic,
    CurrentDeployment,
    DeploymentPublic,
    DoraFigures,
    Evidence,
    PolicyCheck,
    ReleasePolicyPublic,
    ReleasePublic,
)

# The window of the DORA figures the deployments page shows, for production.
DORA_DAYS = 90


@dataclass(frozen=True)
class ReleaseView:
    release: ReleasePublic
    evidence: Evidence | None
    check: PolicyCheck
    version_url: str
    mine: bool  # the reader requested it, so may not approve it
    approved_by_me: ApprovalPublic | None
    # The approve form is offered only when approving would be accepted.
    approvable: bool
    # An owner may override a pending request that breaks its policy.
    overridable: bool


def release_view(session: Session, access: ProjectAccess, release_id: int) -> ReleaseView:
    release = service.get_release(session, access, release_id)
    assert release.check is not None, "one release read has its check"
    mine = access.actor == release.requested_by
    approved_by_me = next((a for a in release.approvals if a.username == access.actor), None)
    pending = release.status is ReleaseStatus.PENDING
    return ReleaseView(
        release=release,
        evidence=release.evidence,
        check=release.check,
        version_url=f"/projects/{access.project.slug}/models/{release.model_name}"
        f"/versions/{release.version}",
        mine=mine,
        approved_by_me=approved_by_me,
        approvable=pending
        and access.can(RELEASE_APPROVE)
        and not mine
        and approved_by_me is None
        and release.check.ready,
        overridable=pending and access.can(RELEASE_POLICY) and bool(release.check.blockers),
    )


@dataclass(frozen=True)
class NewReleaseView:
    models: list[tuple[str, str]]  # the project's models, as the form's choices
    # The chosen version against each environment's policy, once a model and version are known.
    checks: list[PolicyCheck]
    may_override: bool


def new_release_view(
    session: Session, access: ProjectAccess, model: str = "", version: str = ""
) -> NewReleaseView:
    project_id = access.project.id
    checks: list[PolicyCheck] = []
    # A version number past any stored one is not looked up (PostgreSQL integers end there).
    if model and version.isdigit() and len(version) < 10:
        try:
            checks = [
                queries.version_check(session, project_id, model, int(version), environment)
                for environment in Environment
            ]
        except NotFound:
            checks = []  # the form says what is wrong with the version when it is sent
    return NewReleaseView(
        models=[(m.name, m.name) for m in registry.list_models(session, project_id)],
        checks=checks,
        may_override=access.can(RELEASE_POLICY),
    )


@dataclass(frozen=True)
class PoliciesView:
    policies: list[ReleasePolicyPublic]  # one per environment
    gates: list[str]  # the gates a policy may name
    editable: bool


def policies_view(session: Session, access: ProjectAccess) -> PoliciesView:
    return PoliciesView(
        policies=policy.list_policies(session, access.project.id),
        gates=sorted(gates.gate_names()),
        editable=access.can(RELEASE_POLICY),
    )


@dataclass(frozen=True)
class DeploymentsView:
    current: list[CurrentDeployment]
    history: list[DeploymentPublic]  # one page of them, newest first
    total: int
    dora: DoraFigures


def deployments_view(
    session: Session, project_id: int, *, environment: Environment | None, page: int, per_page: int
) -> DeploymentsView:
    history = deployments.list_deployments(
        session, project_id, environment=environment, page=page, per_page=per_page
    )
    return DeploymentsView(
        current=queries.current_deployments(session, project_id),
        history=history.items,
        total=history.total,
        dora=dora.figures(session, project_id, environment=Environment.PRODUCTION, days=DORA_DAYS),
    )
