"""Read-only views of the releases slice for the pages: the current deployment of each model in
each environment (with what it runs beside and what a rollback would restore), and deployments by
id."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.errors import NotFound
from mlcontinuum.registry.models import ModelVersion
from mlcontinuum.releases import deployments
from mlcontinuum.releases.enums import Environment, Strategy
from mlcontinuum.releases.models import Deployment
from mlcontinuum.releases.schemas import DeploymentPublic


class CurrentDeployment(BaseModel):
    deployment: DeploymentPublic = Field(description="The latest deployment of the model here.")
    beside: DeploymentPublic | None = Field(
        description="For a canary or shadow: the full deployment it runs beside."
    )
    rollback_to: int | None = Field(
        description="The version a rollback would restore; None when there is none."
    )


def deployments_by_id(
    session: Session, project_id: int, ids: Collection[int]
) -> dict[int, DeploymentPublic]:
    """The project's deployments among `ids`, in one query whatever their number (ids of
    another project are left out)."""
    if not ids:
        return {}
    # Their versions are loaded with them, so `deployments.public` finds each in the session.
    rows = session.execute(
        select(Deployment, ModelVersion)
        .join(ModelVersion, ModelVersion.id == Deployment.version_id)
        .where(Deployment.project_id == project_id, Deployment.id.in_(ids))
    ).all()
    return {row.id: deployments.public(session, row) for row, _ in rows}


def current_deployments(
    session: Session, project_id: int, *, environment: Environment | None = None
) -> list[CurrentDeployment]:
    """The latest deployment of every model in every environment (or in `environment`), by
    model then environment."""
    latest = select(func.max(Deployment.id)).where(Deployment.project_id == project_id)
    if environment is not None:
        latest = latest.where(Deployment.environment == environment)
    rows = session.execute(
        select(Deployment, ModelVersion)
        .join(ModelVersion, ModelVersion.id == Deployment.version_id)
        .where(Deployment.id.in_(latest.group_by(Deployment.model_name, Deployment.environment)))
        .order_by(Deployment.model_name, Deployment.environment)
    ).all()
    return [_current(session, row) for row, _ in rows]


def _current(session: Session, row: Deployment) -> CurrentDeployment:
    # A few lookups per model and environment: there are few of those in a project.
    target = deployments.rollback_target(session, row)
    beside = None
    if row.strategy is not Strategy.FULL:
        # What keeps serving the rest of the traffic: the latest earlier full deployment of
        # another version that no rollback undid.
        beside = session.scalar(
            select(Deployment)
            .where(
                Deployment.project_id == row.project_id,
                Deployment.model_name == row.model_name,
                Deployment.environment == row.environment,
                Deployment.id < row.id,
                Deployment.failed.is_(False),
                Deployment.version_id != row.version_id,
                Deployment.strategy == Strategy.FULL,
            )
            .order_by(Deployment.id.desc())
            .limit(1)
        )
    restored = session.get_one(ModelVersion, target.version_id) if target else None
    return CurrentDeployment(
        deployment=deployments.public(session, row),
        beside=deployments.public(session, beside) if beside else None,
        rollback_to=restored.version if restored else None,
    )


# --- for monitoring/alerts/changes ---


def get_deployment(session: Session, project_id: int, deployment_id: int) -> DeploymentPublic:
    """The project's deployment, or 404, in one query."""
    found = deployments_by_id(session, project_id, [deployment_id]).get(deployment_id)
    if found is None:
        raise NotFound(f"no deployment {deployment_id} in this project")
    return found


def rollback_target(
    session: Session, project_id: int, deployment_id: int
) -> DeploymentPublic | None:
    """The deployment a rollback of the project's deployment would restore (404 for a
    deployment the project does not have)."""
    target = deployments.rollback_target(
        session, deployments.deployment_row(session, project_id, deployment_id)
    )
    return None if target is None else deployments.public(session, target)
