"""Rules for model versions: register, attach the artifact (once) and reference profile, archive.

Approval and production status are granted by the release flow, which records its approvers;
here a version can only be archived or taken back to candidate.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.data.models import DataSource
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.profiles import ProfileError, loads
from mlcontinuum.registry.artifacts import StoredBlob
from mlcontinuum.registry.enums import ScanVerdict, VersionStatus
from mlcontinuum.registry.model_schemas import (
    ArtifactPublic,
    ModelSummary,
    VersionCreate,
    VersionPublic,
)
from mlcontinuum.registry.models import (
    ModelVersion,
    ModelVersionRun,
    Run,
    RunDataSource,
    StoredProfile,
)
from mlcontinuum.registry.scanning import ScanReport

# Moves people may make here; approved and in production come from releases.
MANUAL_MOVES = {
    VersionStatus.CANDIDATE: {VersionStatus.ARCHIVED},
    VersionStatus.APPROVED: {VersionStatus.ARCHIVED},
    VersionStatus.IN_PRODUCTION: set(),
    VersionStatus.ARCHIVED: {VersionStatus.CANDIDATE},
}


def version_row(session: Session, project_id: int, name: str, version: int) -> ModelVersion:
    """The stored version, for the slices that act on versions (gates, releases)."""
    return one_or_not_found(
        session,
        select(ModelVersion).where(
            ModelVersion.project_id == project_id,
            ModelVersion.model_name == name,
            ModelVersion.version == version,
        ),
        f"no version {version} of model '{name}' in this project",
    )


def create_version(
    session: Session, access: ProjectAccess, name: str, data: VersionCreate
) -> tuple[VersionPublic, bool]:
    """The version, and whether it is new (False: one with that external id existed)."""
    project_id = access.project.id
    if data.external_id is not None:
        existing = session.scalar(
            select(ModelVersion).where(
                ModelVersion.project_id == project_id,
                ModelVersion.external_id == data.external_id,
            )
        )
        if existing is not None:
            return public(session, existing), False
    runs = list(
        session.scalars(select(Run).where(Run.project_id == project_id, Run.number.in_(data.runs)))
    )
    missing = sorted(set(data.runs) - {run.number for run in runs})
    if missing:
        raise ValidationFailed(
            f"no run {', '.join(map(str, missing))} in this project",
            [FieldProblem("runs", "exists", "name runs of this project")],
        )
    parent = (
        version_row(session, project_id, name, data.parent_version) if data.parent_version else None
    )
    latest = session.scalar(
        select(func.max(ModelVersion.version)).where(
            ModelVersion.project_id == project_id, ModelVersion.model_name == name
        )
    )
    row = ModelVersion(
        project_id=project_id,
        model_name=name,
        version=(latest or 0) + 1,
        status=VersionStatus.CANDIDATE,
        description=data.description,
        intended_use=data.intended_use,
        limitations=data.limitations,
        evaluation_metrics=dict(data.evaluation_metrics),
        parent_id=parent.id if parent else None,
        created_by=access.actor,
        external_id=data.external_id,
    )
    session.add(row)
    session.flush()
    session.add_all(ModelVersionRun(version_id=row.id, run_id=run.id) for run in runs)
    events.append(
        session,
        type="model.version_created",
        actor=access.actor,
        project_id=project_id,
        payload={
            "model": name,
            "version": row.version,
            "runs": sorted(data.runs),
            "parent_version": data.parent_version,
            "evaluation_metrics": dict(data.evaluation_metrics),
            "external_id": data.external_id,
        },
    )
    return public(session, row), True


def attach_artifact(
    session: Session,
    access: ProjectAccess,
    name: str,
    version: int,
    *,
    blob: StoredBlob,
    filename: str,
    report: ScanReport,
) -> VersionPublic:
    row = version_row(session, access.project.id, name, version)
    if row.artifact_sha256 is not None:
        if row.artifact_sha256 == blob.sha256:
            return public(session, row)  # a retried upload of the same file
        raise Conflict(
            f"version {version} of '{name}' already has its artifact; a version's artifact never "
            "changes: register a new version",
            [FieldProblem("artifact", "immutable", "register a new version")],
        )
    row.artifact_sha256, row.artifact_size = blob.sha256, blob.size
    row.artifact_filename, row.artifact_format = filename, report.format
    row.scan_verdict = ScanVerdict(report.verdict.value)
    row.scan_findings = list(report.findings)
    events.append(
        session,
        type="model.artifact_uploaded",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "model": name,
            "version": version,
            "sha256": blob.sha256,
            "size": blob.size,
            "filename": filename,
            "format": report.format,
            "scan_verdict": report.verdict.value,
            "scan_findings": report.findings[:5],
        },
    )
    return public(session, row)


def store_profile(session: Session, project_id: int, data: bytes) -> StoredProfile:
    """Validate a profile in the engine's own format (never a pickle) and keep it."""
    try:
        profile = loads(data)
    except ProfileError as err:
        raise ValidationFailed(
            f"not a valid Continuum profile: {err}",
            [FieldProblem("profile", "format", "send the bytes written by `continuum profile`")],
        ) from err
    stored = StoredProfile(
        project_id=project_id,
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        rows=profile.row_count,
        columns=list(profile.columns),
    )
    session.add(stored)
    session.flush()
    return stored


def attach_profile(
    session: Session, access: ProjectAccess, name: str, version: int, data: bytes
) -> VersionPublic:
    row = version_row(session, access.project.id, name, version)
    stored = store_profile(session, access.project.id, data)
    row.reference_profile_id = stored.id
    events.append(
        session,
        type="model.reference_profile_set",
        actor=access.actor,
        project_id=access.project.id,
        payload={"model": name, "version": version, "rows": stored.rows, "sha256": stored.sha256},
    )
    return public(session, row)


def set_status(
    session: Session, access: ProjectAccess, name: str, version: int, status: VersionStatus
) -> VersionPublic:
    row = version_row(session, access.project.id, name, version)
    if status == row.status:
        return public(session, row)
    if status not in MANUAL_MOVES[row.status]:
        raise Conflict(
            f"a version moves from {row.status.label.lower()} to {status.label.lower()} "
            "only through a release request with its approvals",
            [FieldProblem("status", "transition", "archive, or restore an archived version")],
        )
    before, row.status = row.status, status
    events.append(
        session,
        type="model.status_changed",
        actor=access.actor,
        project_id=access.project.id,
        payload={"model": name, "version": version, "from": before.value, "to": status.value},
    )
    return public(session, row)


def get_version(session: Session, project_id: int, name: str, version: int) -> VersionPublic:
    return public(session, version_row(session, project_id, name, version))


def artifact_of(session: Session, project_id: int, name: str, version: int) -> ModelVersion:
    row = version_row(session, project_id, name, version)
    if row.artifact_sha256 is None:
        raise NotFound(f"version {version} of '{name}' has no artifact yet")
    return row


def list_versions(session: Session, project_id: int, name: str) -> list[VersionPublic]:
    rows = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.project_id == project_id, ModelVersion.model_name == name)
        .order_by(ModelVersion.version.desc())
    ).all()
    if not rows:
        raise NotFound(f"no model '{name}' in this project")
    return [public(session, row) for row in rows]


def list_models(session: Session, project_id: int) -> list[ModelSummary]:
    counts = session.execute(
        select(ModelVersion.model_name, func.count(), func.max(ModelVersion.version))
        .where(ModelVersion.project_id == project_id)
        .group_by(ModelVersion.model_name)
        .order_by(ModelVersion.model_name)
    ).all()
    return [
        ModelSummary(
            name=name, versions=count, latest=get_version(session, project_id, name, latest)
        )
        for name, count, latest in counts
    ]


def public(session: Session, row: ModelVersion) -> VersionPublic:
    run_rows = session.execute(
        select(Run.id, Run.number)
        .join(ModelVersionRun, ModelVersionRun.run_id == Run.id)
        .where(ModelVersionRun.version_id == row.id)
        .order_by(Run.number)
    ).all()
    run_ids = [run_id for run_id, _ in run_rows]
    sources = session.scalars(
        select(DataSource.name)
        .join(RunDataSource, RunDataSource.data_source_id == DataSource.id)
        .where(RunDataSource.run_id.in_(run_ids))
        .distinct()
        .order_by(DataSource.name)
    ).all()
    parent = session.get(ModelVersion, row.parent_id) if row.parent_id else None
    profile = (
        session.get(StoredProfile, row.reference_profile_id) if row.reference_profile_id else None
    )
    artifact = None
    if row.artifact_sha256 and row.scan_verdict:
        artifact = ArtifactPublic(
            sha256=row.artifact_sha256,
            size=row.artifact_size or 0,
            filename=row.artifact_filename or "",
            format=row.artifact_format or "",
            scan_verdict=row.scan_verdict,
            scan_findings=list(row.scan_findings),
        )
    return VersionPublic(
        model_name=row.model_name,
        version=row.version,
        external_id=row.external_id,
        status=row.status,
        description=row.description,
        intended_use=row.intended_use,
        limitations=row.limitations,
        evaluation_metrics=dict(row.evaluation_metrics),
        runs=[number for _, number in run_rows],
        data_sources=list(sources),
        parent_version=parent.version if parent else None,
        artifact=artifact,
        reference_profile={"rows": profile.rows, "columns": list(profile.columns)}
        if profile
        else None,
        created_by=row.created_by,
        created_at=row.created_at,
    )
