"""Release requests with their evidence and approvals, deployments, rollback, DORA figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.releases import deployments, dora, service
from mlcontinuum.releases.enums import Environment, ReleaseStatus
from mlcontinuum.releases.permissions import ReleaseApprover, ReleaseRequester
from mlcontinuum.releases.schemas import (
    ApprovalCreate,
    DeploymentPage,
    DeploymentPublic,
    DoraFigures,
    Rejection,
    ReleaseCreate,
    ReleasePage,
    ReleasePublic,
    Rollback,
)

routes = api_router(tags=["releases"])
RELEASES = "/projects/{project}/releases"
DEPLOYMENTS = "/projects/{project}/deployments"


@routes.post(RELEASES, response_model=ReleasePublic, status_code=status.HTTP_201_CREATED)
def request_release(db: Db, access: ReleaseRequester, data: ReleaseCreate) -> ReleasePublic:
    """Ask to release a model version to an environment; it waits for approvals by policy."""
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
