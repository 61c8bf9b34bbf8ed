"""What the releases and deployments pages show when they compose several reads: one release
with its evidence and what the reader may still do, the form that requests a release, and the
deployments with the current one of each model, the history and the DORA figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.registry import queries as registry
from mlcontinuum.releases import deployments, dora, queries, service
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.schemas import (
    ApprovalPublic,
    CurrentDeployment,
    DeploymentPublic,
    DoraFigures,
    Evidence,
    ReleasePublic,
)

# The window of the DORA figures the deployments page shows, for production.
DORA_DAYS = 90


@dataclass(frozen=True)
class ReleaseView:
    release: ReleasePublic
    evidence: Evidence | None
    version_url: str
    mine: bool  # the reader requested it, so may not approve it
    approved_by_me: ApprovalPublic | None


def release_view(session: Session, access: ProjectAccess, release_id: int) -> ReleaseView:
    release = service.get_release(session, access, release_id)
    return ReleaseView(
        release=release,
        evidence=release.evidence,
        version_url=f"/projects/{access.project.slug}/models/{release.model_name}"
        f"/versions/{release.version}",
        mine=access.actor == release.requested_by,
        approved_by_me=next((a for a in release.approvals if a.username == access.actor), None),
    )


@dataclass(frozen=True)
class NewReleaseView:
    models: list[tuple[str, str]]  # the project's models, as the form's choices


def new_release_view(session: Session, project_id: int) -> NewReleaseView:
    return NewReleaseView(
        models=[(m.name, m.name) for m in registry.list_models(session, project_id)]
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
