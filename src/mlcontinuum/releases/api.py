"""Release policies, release requests with their evidence, policy check and approvals, owners'
overrides, deployments, rollback, DORA figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry.schemas import ModelName
from mlcontinuum.releases import deployments, dora, policy, queries, service
from mlcontinuum.releases.enums import Environment, ReleaseStatus
from mlcontinuum.releases.permissions import (
    ReleaseApprover,
    ReleasePolicyOwner,
    ReleaseRequester,
)
from mlcontinuum.releases.schemas import (
    ApprovalCreate,
    DeploymentPage,
    DeploymentPublic,
    DoraFigures,
    Override,
    PolicyCheck,
    Rejection,
    ReleaseCreate,
    ReleasePage,
    ReleasePolicyPublic,
    ReleasePolicyUpdate,
    ReleasePublic,
    Rollback,
)

routes = api_router(tags=["releases"])
RELEASES = "/projects/{project}/releases"
DEPLOYMENTS = "/projects/{project}/deployments"
POLICIES = "/projects/{project}/release-policies"


@routes.get(POLICIES, response_model=list[ReleasePolicyPublic])
def list_policies(db: Db, access: ProjectRead) -> list[ReleasePolicyPublic]:
    """The release policy of each environment (the default where nobody changed it)."""
    return policy.list_policies(db, access.project.id)


@routes.get(POLICIES + "/{environment}", response_model=ReleasePolicyPublic)
def get_policy(db: Db, access: ProjectRead, environment: Environment) -> ReleasePolicyPublic:
    return policy.get_policy(db, access.project.id, environment)


@routes.patch(POLICIES + "/{environment}", response_model=ReleasePolicyPublic)
def update_policy(
    db: Db, access: ReleasePolicyOwner, environment: Environment, data: ReleasePolicyUpdate
) -> ReleasePolicyPublic:
    """Owners: change the fields sent; the others keep their value."""
    return policy.update_policy(db, access, environment, data)


@routes.get(POLICIES + "/{environment}/check", response_model=PolicyCheck)
def check_version(
    db: Db,
    access: ProjectRead,
    environment: Environment,
    model_name: Annotated[ModelName, Query(description="The model.")],
    version: Annotated[int, Query(ge=1, description="Its version.")],
) -> PolicyCheck:
    """A version against the environment's policy before anyone requests its release: every
    condition met or not (`ready`: a request would be accepted)."""
    return queries.version_check(db, access.project.id, model_name, version, environment)


@routes.post(RELEASES, response_model=ReleasePublic, status_code=status.HTTP_201_CREATED)
def request_release(db: Db, access: ReleaseRequester, data: ReleaseCreate) -> ReleasePublic:
    """Ask to release a model version to an environment; refused (409) when it breaks the
    environment's policy, unless an owner gives `override_reason`. It waits for approvals."""
    return service.request_release(db, access, data)


@routes.get(RELEASES, response_model=ReleasePage)
def list_releases(
    db: Db,
    access: ProjectRead,
    status: Annotated[ReleaseStatus | None, Query(description="Only this status.")] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> ReleasePage:
    return service.list_releases(db, access.project.id, status=status, page=page, per_page=per_page)


@routes.get(RELEASES + "/{release_id}", response_model=ReleasePublic)
def get_release(db: Db, access: ProjectRead, release_id: int) -> ReleasePublic:
    """The request with its evidence: latest gate run, model card, data compliance."""
    return service.get_release(db, access, release_id)


@routes.post(RELEASES + "/{release_id}/approve", response_model=ReleasePublic)
def approve_release(
    db: Db, access: ReleaseApprover, release_id: int, data: ApprovalCreate | None = None
) -> ReleasePublic:
    """Approve as the ML team (owner, ML engineer) or the customer (stakeholder). The approval
    that meets the policy deploys the release."""
    return service.approve(db, access, release_id, data.comment if data else "")


@routes.post(RELEASES + "/{release_id}/override", response_model=ReleasePublic)
def override_policy(
    db: Db, access: ReleasePolicyOwner, release_id: int, data: Override
) -> ReleasePublic:
    """Owners: let a pending request that breaks its policy go on to its approvals, saying why
    (a policy exception, recorded as `release.policy_overridden`)."""
    return service.override(db, access, release_id, data.reason)


@routes.post(RELEASES + "/{release_id}/reject", response_model=ReleasePublic)
def reject_release(
    db: Db, access: ReleaseApprover, release_id: int, data: Rejection
) -> ReleasePublic:
    return service.reject(db, access, release_id, data.reason)


@routes.get(DEPLOYMENTS, response_model=DeploymentPage)
def list_deployments(
    db: Db,
    access: ProjectRead,
    environment: Annotated[Environment | None, Query(description="Only this one.")] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> DeploymentPage:
    return deployments.list_deployments(
        db, access.project.id, environment=environment, page=page, per_page=per_page
    )


@routes.post(
    DEPLOYMENTS + "/{deployment_id}/rollback",
    response_model=DeploymentPublic,
    status_code=status.HTTP_201_CREATED,
)
def rollback(
    db: Db, access: ReleaseRequester, deployment_id: int, data: Rollback
) -> DeploymentPublic:
    """Put the previous version back; the rolled-back deployment counts as a failed change."""
    return deployments.rollback(db, access, deployment_id, data.reason)


@routes.get("/projects/{project}/dora", response_model=DoraFigures)
def dora_figures(
    db: Db,
    access: ProjectRead,
    days: Annotated[int, Query(ge=1, le=3650, description="Window, in days.")] = 90,
    environment: Environment = Environment.PRODUCTION,
) -> DoraFigures:
    """Deployment frequency, lead time, change failure rate and time to restore."""
    return dora.figures(db, access.project.id, environment=environment, days=days)
