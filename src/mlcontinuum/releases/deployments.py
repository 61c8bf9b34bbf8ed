"""Deployments: record one (from an approved release or a rollback), move version statuses,
roll back, list.

Version statuses follow what runs where: this is the only caller of the registry's
`set_release_status`, which grants `approved` and `in_production` (the registry refuses those
moves by hand, see `registry.service.MANUAL_MOVES`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import Conflict
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry import service as registry_service
from mlcontinuum.registry.enums import VersionStatus
from mlcontinuum.registry.schemas import VersionRef
from mlcontinuum.releases.enums import Environment, Strategy
from mlcontinuum.releases.models import Deployment, ReleaseRequest
from mlcontinuum.releases.schemas import DeploymentPage, DeploymentPublic


def _move(
    session: Session, actor: str, version: VersionRef, status: VersionStatus, why: str
) -> None:
    registry_service.set_release_status(
        session, actor=actor, version_id=version.id, status=status, by=why
    )


def _history(project_id: int, model_name: str, environment: Environment) -> Select[Deployment]:
    # Newest first by id: the order deployments were recorded in, whatever their timestamps.
    return (
        select(Deployment)
        .where(
            Deployment.project_id == project_id,
            Deployment.model_name == model_name,
            Deployment.environment == environment,
        )
        .order_by(Deployment.id.desc())
    )


def _promote(
    session: Session, actor: str, version: VersionRef, environment: Environment, why: str
) -> None:
    """The version now serves in `environment` (what it replaces is the caller's concern)."""
    if environment is Environment.STAGING:
        if version.status in (VersionStatus.CANDIDATE, VersionStatus.ARCHIVED):
            _move(session, actor, version, VersionStatus.APPROVED, why)
        return
    _move(session, actor, version, VersionStatus.IN_PRODUCTION, why)


def _retire(
    session: Session, actor: str, version: VersionRef, environment: Environment, why: str
) -> None:
    """The version no longer serves in `environment`."""
    if environment is Environment.PRODUCTION and version.status is VersionStatus.IN_PRODUCTION:
        _move(session, actor, version, VersionStatus.ARCHIVED, why)
    elif environment is Environment.STAGING and version.status is VersionStatus.APPROVED:
        _move(session, actor, version, VersionStatus.CANDIDATE, why)


def deploy_release(
    session: Session, actor: str, request: ReleaseRequest, approvers: list[str]
) -> Deployment:
    """Record the deployment of an approved release and move the statuses it implies."""
    version = registry.versions_by_id(session, [request.version_id])[request.version_id]
    row = Deployment(
        project_id=request.project_id,
        version_id=version.id,
        model_name=version.model_name,
        environment=request.environment,
        strategy=request.strategy,
        traffic_share=request.traffic_share,
        release_id=request.id,
        requested_by=request.requested_by,
        approved_by=approvers,
        reason=request.notes,
    )
    session.add(row)
    session.flush()
    _record(session, actor, row, version, "deployment.recorded")
    _promote(session, actor, version, request.environment, f"release {request.id}")
    # A canary or shadow runs beside the live version, which keeps serving; a full release to
    # production replaces every other live version of the model.
    if request.environment is Environment.PRODUCTION and request.strategy is Strategy.FULL:
        live = registry.versions_in_status(
            session, request.project_id, version.model_name, VersionStatus.IN_PRODUCTION
        )
        for old in live:
            if old.id != version.id:
                _retire(session, actor, old, request.environment, f"release {request.id}")
    return row


def rollback_target(session: Session, deployment: Deployment) -> Deployment | None:
    """The deployment a rollback of `deployment` restores: the latest earlier one of the same
    model in the same environment that did not fail and runs another version."""
    history = _history(deployment.project_id, deployment.model_name, deployment.environment)
    return session.scalar(
        history.where(
            Deployment.id < deployment.id,
            Deployment.failed.is_(False),
            Deployment.version_id != deployment.version_id,
        ).limit(1)
    )


def rollback(
    session: Session, access: ProjectAccess, deployment_id: int, reason: str
) -> DeploymentPublic:
    failed = deployment_row(session, access.project.id, deployment_id)
    history = _history(failed.project_id, failed.model_name, failed.environment)
    current = session.scalar(history.limit(1))
    if current is None or current.id != failed.id:
        raise Conflict(
            f"deployment {failed.id} is no longer the current one of '{failed.model_name}' in "
            f"{failed.environment.value}; roll back the current deployment instead"
        )
    target = rollback_target(session, failed)
    if target is None:
        raise Conflict(
            f"there is no earlier working deployment of '{failed.model_name}' in "
            f"{failed.environment.value} to roll back to"
        )
    failed.failed = True
    versions = registry.versions_by_id(session, [target.version_id, failed.version_id])
    restored = versions[target.version_id]
    row = Deployment(
        project_id=failed.project_id,
        version_id=restored.id,
        model_name=restored.model_name,
        environment=failed.environment,
        strategy=target.strategy,
        traffic_share=target.traffic_share,
        requested_by=access.actor,
        approved_by=[],
        rollback=True,
        rollback_of_id=failed.id,
        reason=reason,
    )
    session.add(row)
    session.flush()
    why = f"rollback of deployment {failed.id}"
    _record(session, access.actor, row, restored, "deployment.rolled_back")
    _retire(session, access.actor, versions[failed.version_id], failed.environment, why)
    _promote(session, access.actor, restored, failed.environment, why)
    return public(session, row)


def _record(session: Session, actor: str, row: Deployment, version: VersionRef, type: str) -> None:
    events.append(
        session,
        type=type,
        actor=actor,
        project_id=row.project_id,
        payload={
            "deployment": row.id,
            "model": version.model_name,
            "version": version.version,
            "environment": row.environment.value,
            "strategy": row.strategy.value,
            "traffic_share": row.traffic_share,
            "release": row.release_id,
            "requested_by": row.requested_by,
            "approved_by": list(row.approved_by),
            "rollback_of": row.rollback_of_id,
            "reason": row.reason,
        },
    )


def deployment_row(session: Session, project_id: int, deployment_id: int) -> Deployment:
    """The project's deployment, or 404."""
    return one_or_not_found(
        session,
        select(Deployment).where(
            Deployment.project_id == project_id, Deployment.id == deployment_id
        ),
        f"no deployment {deployment_id} in this project",
    )


def list_deployments(
    session: Session,
    project_id: int,
    *,
    environment: Environment | None,
    page: int,
    per_page: int,
) -> DeploymentPage:
    query = select(Deployment).where(Deployment.project_id == project_id)
    if environment is not None:
        query = query.where(Deployment.environment == environment)
    total, rows = page_of(session, query, Deployment.id.desc(), page=page, per_page=per_page)
    return DeploymentPage(items=publics(session, rows), total=total, page=page, per_page=per_page)


def public(session: Session, row: Deployment) -> DeploymentPublic:
    return publics(session, [row])[0]


def publics(
    session: Session, rows: Sequence[Deployment], versions: Mapping[int, VersionRef] | None = None
) -> list[DeploymentPublic]:
    """The deployments as the API shows them; their versions are read in one query, unless the
    caller has them already."""
    if versions is None:
        versions = registry.versions_by_id(session, {row.version_id for row in rows})
    return [_public(row, versions[row.version_id]) for row in rows]


def _public(row: Deployment, version: VersionRef) -> DeploymentPublic:
    return DeploymentPublic(
        id=row.id,
        model_name=row.model_name,
        version=version.version,
        environment=row.environment,
        strategy=row.strategy,
        traffic_share=row.traffic_share,
        release_id=row.release_id,
        requested_by=row.requested_by,
        approved_by=list(row.approved_by),
        deployed_at=row.deployed_at,
        rollback=row.rollback,
        rollback_of=row.rollback_of_id,
        reason=row.reason,
        failed=row.failed,
    )
