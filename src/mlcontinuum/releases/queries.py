"""Reads of the releases slice: deployments by id (with the versions they run), the current
deployment of each model in each environment (with what it runs beside and what a rollback would
restore), and what a rollback of a deployment would restore. Deployments are read in one query
whatever their number, with their versions in one more. And the release policy: a version
checked against it before anyone requests its release, and the policy exceptions (releases an
owner let through although they broke it)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.registry import queries as registry
from mlcontinuum.releases import checking, deployments, policy
from mlcontinuum.releases.enums import Environment, Strategy
from mlcontinuum.releases.models import Deployment, ReleaseOverride, ReleaseRequest
from mlcontinuum.releases.schemas import (
    CurrentDeployment,
    DeployedVersion,
    DeploymentPublic,
    PolicyCheck,
    PolicyException,
)


def get_deployment(session: Session, project_id: int, deployment_id: int) -> DeploymentPublic:
    """The project's deployment, or NotFound."""
    return deployments.public(
        session, deployments.deployment_row(session, project_id, deployment_id)
    )


def deployments_by_id(
    session: Session, project_id: int, ids: Collection[int]
) -> dict[int, DeploymentPublic]:
    """The project's deployments among `ids` (ids of another project are left out)."""
    return {d.deployment.id: d.deployment for d in deployed_versions(session, project_id, ids)}


def deployed_versions(
    session: Session, project_id: int, ids: Collection[int]
) -> list[DeployedVersion]:
    """The project's deployments among `ids`, each with the version it runs, by id."""
    if not ids:
        return []
    rows = session.scalars(
        select(Deployment)
        .where(Deployment.project_id == project_id, Deployment.id.in_(set(ids)))
        .order_by(Deployment.id)
    ).all()
    versions = registry.versions_by_id(session, {row.version_id for row in rows})
    return [
        DeployedVersion(deployment=public, version=versions[row.version_id])
        for row, public in zip(rows, deployments.publics(session, rows, versions), strict=True)
    ]


def rollback_target(
    session: Session, project_id: int, deployment_id: int
) -> DeployedVersion | None:
    """What a rollback of the deployment would restore: the latest earlier deployment of the same
    model in the same environment that did not fail and runs another version; None if none."""
    target = deployments.rollback_target(
        session, deployments.deployment_row(session, project_id, deployment_id)
    )
    if target is None:
        return None
    (found,) = deployed_versions(session, project_id, [target.id])
    return found


def current_deployments(
    session: Session, project_id: int, *, environment: Environment | None = None
) -> list[CurrentDeployment]:
    """The latest deployment of every model in every environment (or in `environment`), by
    model then environment."""
    latest = select(func.max(Deployment.id)).where(Deployment.project_id == project_id)
    if environment is not None:
        latest = latest.where(Deployment.environment == environment)
    rows = session.scalars(
        select(Deployment)
        .where(Deployment.id.in_(latest.group_by(Deployment.model_name, Deployment.environment)))
        .order_by(Deployment.model_name, Deployment.environment)
    ).all()
    # A few lookups per model and environment: there are few of those in a project.
    targets = [deployments.rollback_target(session, row) for row in rows]
    besides = [_beside(session, row) for row in rows]
    shown = [*rows, *(b for b in besides if b), *(t for t in targets if t)]
    versions = registry.versions_by_id(session, {d.version_id for d in shown})
    return [
        CurrentDeployment(
            deployment=deployments.publics(session, [row], versions)[0],
            beside=deployments.publics(session, [beside], versions)[0] if beside else None,
            rollback_to=versions[target.version_id].version if target else None,
        )
        for row, beside, target in zip(rows, besides, targets, strict=True)
    ]


def _beside(session: Session, row: Deployment) -> Deployment | None:
    """For a canary or shadow, what keeps serving the rest of the traffic: the latest earlier
    full deployment of another version that no rollback undid."""
    if row.strategy is Strategy.FULL:
        return None
    return session.scalar(
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


# --- the release policy ------------------------------------------------------------------------


def version_check(
    session: Session, project_id: int, name: str, number: int, environment: Environment
) -> PolicyCheck:
    """Version `number` of model `name` against the environment's policy, before anyone requests
    its release (no approvals yet): whether a request would be refused, and why."""
    return checking.evaluate(
        policy.get_policy(session, project_id, environment),
        checking.Inputs.load(session, project_id, name, number),
    )


def policy_exceptions(
    session: Session, project_id: int, since: datetime | None = None
) -> list[PolicyException]:
    """The project's releases an owner let through although they broke their policy (overridden
    at or after `since`, if given), newest first, in three queries whatever their number."""
    query = (
        select(ReleaseRequest, ReleaseOverride)
        .join(ReleaseOverride, ReleaseOverride.request_id == ReleaseRequest.id)
        .where(ReleaseRequest.project_id == project_id)
    )
    if since is not None:
        query = query.where(ReleaseOverride.overridden_at >= since)
    rows = session.execute(
        query.order_by(ReleaseOverride.overridden_at.desc(), ReleaseRequest.id.desc())
    ).all()
    versions = registry.versions_by_id(session, {request.version_id for request, _ in rows})
    deployed: dict[int | None, int] = dict(
        session.execute(
            select(Deployment.release_id, Deployment.id).where(
                Deployment.release_id.in_([request.id for request, _ in rows])
            )
        ).all()
    )
    return [
        PolicyException(
            release_id=request.id,
            model_name=versions[request.version_id].model_name,
            version=versions[request.version_id].version,
            environment=request.environment,
            status=request.status,
            overridden_by=override.overridden_by,
            overridden_at=override.overridden_at,
            reason=override.reason,
            unmet=list(override.unmet),
            deployment_id=deployed.get(request.id),
        )
        for request, override in rows
    ]
