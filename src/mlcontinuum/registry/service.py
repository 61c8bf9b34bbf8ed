"""Rules of the registry: runs (start, log batches, finish) and model versions (register, attach
the artifact once and a reference profile, move their status), and the artifacts' safety scan.

Parameters and tags are configuration: a parameter, once logged, keeps its value (logging it again
with the same value is fine, with another is a conflict). Metric points are data: they are stored
but not written to the event log one by one; the run's start and end are.

Approval and production status are granted by the release flow, which records its approvers
(`set_release_status`); by hand a version can only be archived or taken back to candidate.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.charter import queries as charter_queries
from mlcontinuum.data import queries as data_queries
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import Conflict, FieldProblem, ValidationFailed
from mlcontinuum.kernel.storage.artifacts import StoredBlob
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.profiles import ProfileError, loads
from mlcontinuum.registry import scanning
from mlcontinuum.registry.enums import NonFinite, RunStatus, VersionStatus
from mlcontinuum.registry.models import (
    ModelVersion,
    ModelVersionRun,
    Run,
    RunDataSource,
    RunMetric,
    RunMetricLatest,
    RunParam,
    RunTag,
    StoredProfile,
)
from mlcontinuum.registry.rows import (
    duration,
    run_public,
    run_row,
    version_public,
    version_row,
)
from mlcontinuum.registry.schemas import (
    MAX_PARAMS_PER_RUN,
    LogResult,
    RunCreate,
    RunLog,
    RunPublic,
    RunUpdate,
    Scalar,
    ScanReport,
    VersionCreate,
    VersionPublic,
    split,
)

KeyValue = TypeVar("KeyValue", RunParam, RunTag)

# Moves people may make by hand; approved and in production come from releases.
MANUAL_MOVES = {
    VersionStatus.CANDIDATE: {VersionStatus.ARCHIVED},
    VersionStatus.APPROVED: {VersionStatus.ARCHIVED},
    VersionStatus.IN_PRODUCTION: set(),
    VersionStatus.ARCHIVED: {VersionStatus.CANDIDATE},
}

# --- runs --------------------------------------------------------------------------------------


def start_run(session: Session, access: ProjectAccess, data: RunCreate) -> tuple[RunPublic, bool]:
    """The run, and whether it is new (False: a run with that external id existed)."""
    project_id = access.project.id
    if data.external_id is not None:
        existing = session.scalar(
            select(Run).where(Run.project_id == project_id, Run.external_id == data.external_id)
        )
        if existing is not None:
            return run_public(session, existing), False
    kpi_id = None
    if data.kpi:
        kpi_id = charter_queries.kpi_id(session, project_id, data.kpi)
        if kpi_id is None:
            raise ValidationFailed(
                f"the charter has no KPI named '{data.kpi}'",
                [FieldProblem("kpi", "exists", "name a KPI of the project's charter")],
            )
    source_ids = _source_ids(session, project_id, data.data_sources)
    number = (
        session.scalar(select(func.max(Run.number)).where(Run.project_id == project_id)) or 0
    ) + 1
    run = Run(
        project_id=project_id,
        number=number,
        name=data.name or f"run {number}",
        status=RunStatus.RUNNING,
        hypothesis=data.hypothesis,
        kpi_id=kpi_id,
        git_commit=data.git_commit or "",
        git_dirty=data.git_dirty,
        created_by=access.actor,
        external_id=data.external_id,
    )
    session.add(run)
    session.flush()
    session.add_all(RunDataSource(run_id=run.id, data_source_id=i) for i in source_ids)
    _log_config(session, run, RunParam, data.params)
    _log_config(session, run, RunTag, data.tags)
    events.append(
        session,
        type="run.started",
        actor=access.actor,
        project_id=project_id,
        payload={
            "run": number,
            "hypothesis": data.hypothesis,
            "kpi": data.kpi,
            "git_commit": data.git_commit,
            "data_sources": data.data_sources,
            "external_id": data.external_id,
        },
    )
    return run_public(session, run), True


def _source_ids(session: Session, project_id: int, names: list[str]) -> list[int]:
    found = data_queries.source_ids(session, project_id, names)
    missing = sorted(set(names) - found.keys())
    if missing:
        raise ValidationFailed(
            f"not in the data register: {', '.join(missing)}",
            [FieldProblem("data_sources", "exists", "register the data source first")],
        )
    return [found[name] for name in dict.fromkeys(names)]


def _log_config(
    session: Session, run: Run, table: type[KeyValue], values: dict[str, Scalar]
) -> int:
    """Add parameters or tags; an existing key must keep its value (tags may change)."""
    if not values:
        return 0
    text = {key: str(value) for key, value in values.items()}
    existing = {
        row.key: row
        for row in session.scalars(
            select(table).where(table.run_id == run.id, table.key.in_(list(text)))
        )
    }
    added = 0
    for key, value in text.items():
        row = existing.get(key)
        if row is None:
            session.add(table(run_id=run.id, key=key, value=value))
            added += 1
        elif row.value != value:
            if table is RunParam:
                raise Conflict(
                    f"parameter '{key}' was logged as '{row.value}'; a run's parameters do not "
                    "change — start a new run to try another value",
                    [FieldProblem(f"params.{key}", "immutable", "already logged")],
                )
            row.value = value
    if table is RunParam:
        total = session.scalar(select(func.count()).where(RunParam.run_id == run.id)) or 0
        if total + added > MAX_PARAMS_PER_RUN:
            raise ValidationFailed(
                f"a run holds at most {MAX_PARAMS_PER_RUN} parameters",
                [FieldProblem("params", "max_per_run", "log fewer, or group them in a tag")],
            )
    return added


def log_batch(session: Session, access: ProjectAccess, number: int, data: RunLog) -> LogResult:
    run = run_row(session, access.project.id, number)
    if run.status.finished:
        raise Conflict(
            f"run {number} is {run.status}; it takes no more data",
            [FieldProblem("status", "finished", "start a new run")],
        )
    params = _log_config(session, run, RunParam, data.params)
    tags = _log_config(session, run, RunTag, data.tags)
    now = utcnow()
    latest: dict[str, tuple[int, float | None, str | None]] = {}
    for point in data.metrics:
        value, non_finite = split(point.value)
        session.add(
            RunMetric(
                run_id=run.id,
                key=point.key,
                step=point.step,
                value=value,
                non_finite=NonFinite(non_finite) if non_finite else None,
                at=point.at or now,
            )
        )
        if point.key not in latest or point.step >= latest[point.key][0]:
            latest[point.key] = (point.step, value, non_finite)
    _update_latest(session, run.id, latest)
    if data.params or data.tags:
        events.append(
            session,
            type="run.configured",
            actor=access.actor,
            project_id=access.project.id,
            payload={"run": number, "params": sorted(data.params), "tags": sorted(data.tags)},
        )
    return LogResult(params=params, tags=tags, metrics=len(data.metrics))


def _update_latest(
    session: Session, run_id: int, latest: dict[str, tuple[int, float | None, str | None]]
) -> None:
    if not latest:
        return
    rows = {
        row.key: row
        for row in session.scalars(
            select(RunMetricLatest).where(
                RunMetricLatest.run_id == run_id, RunMetricLatest.key.in_(list(latest))
            )
        )
    }
    for key, (step, value, non_finite) in latest.items():
        marker = NonFinite(non_finite) if non_finite else None
        row = rows.get(key)
        if row is None:
            session.add(
                RunMetricLatest(run_id=run_id, key=key, step=step, value=value, non_finite=marker)
            )
        elif step >= row.step:
            row.step, row.value, row.non_finite = step, value, marker


def update_run(session: Session, access: ProjectAccess, number: int, data: RunUpdate) -> RunPublic:
    run = run_row(session, access.project.id, number)
    if data.hypothesis is not None:
        run.hypothesis = data.hypothesis
    if data.compute_cost is not None:
        run.compute_cost = data.compute_cost
    if data.status is not None and data.status != run.status:
        if run.status.finished:
            raise Conflict(
                f"run {number} is already {run.status}",
                [FieldProblem("status", "finished", "a finished run stays finished")],
            )
        if data.status is RunStatus.RUNNING:
            raise ValidationFailed(
                "a run can only move from running to finished, failed or killed",
                [FieldProblem("status", "transition", "choose finished, failed or killed")],
            )
        run.status = data.status
        run.ended_at = utcnow()
        events.append(
            session,
            type=f"run.{data.status.value}",
            actor=access.actor,
            project_id=access.project.id,
            payload={
                "run": number,
                "duration_seconds": duration(run.started_at, run.ended_at),
                "compute_cost": run.compute_cost,
            },
        )
    return run_public(session, run)


def attach_run_profile(
    session: Session, access: ProjectAccess, number: int, data: bytes
) -> RunPublic:
    """The training data's reference profile, in the profile engine's own format."""
    run = run_row(session, access.project.id, number)
    stored = _store_profile(session, access.project.id, data)
    run.reference_profile_id = stored.id
    events.append(
        session,
        type="run.reference_profile_set",
        actor=access.actor,
        project_id=access.project.id,
        payload={"run": number, "rows": stored.rows, "sha256": stored.sha256},
    )
    return run_public(session, run)


def _store_profile(session: Session, project_id: int, data: bytes) -> StoredProfile:
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


# --- model versions ----------------------------------------------------------------------------


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
            return version_public(session, existing), False
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
    return version_public(session, row), True


def scan_artifact(path: Path, *, max_inflated: int) -> ScanReport:
    """The static safety scan of a model file: the server's on upload, and `continuum check`'s
    on a local file. It never loads the model; compressed content stops at `max_inflated`."""
    return scanning.scan_file(path, max_inflated=max_inflated)


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
            return version_public(session, row)  # a retried upload of the same file
        raise Conflict(
            f"version {version} of '{name}' already has its artifact; a version's artifact never "
            "changes: register a new version",
            [FieldProblem("artifact", "immutable", "register a new version")],
        )
    row.artifact_sha256, row.artifact_size = blob.sha256, blob.size
    row.artifact_filename, row.artifact_format = filename, report.format
    row.scan_verdict = report.verdict
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
    return version_public(session, row)


def attach_version_profile(
    session: Session, access: ProjectAccess, name: str, version: int, data: bytes
) -> VersionPublic:
    row = version_row(session, access.project.id, name, version)
    stored = _store_profile(session, access.project.id, data)
    row.reference_profile_id = stored.id
    events.append(
        session,
        type="model.reference_profile_set",
        actor=access.actor,
        project_id=access.project.id,
        payload={"model": name, "version": version, "rows": stored.rows, "sha256": stored.sha256},
    )
    return version_public(session, row)


def set_status(
    session: Session, access: ProjectAccess, name: str, version: int, status: VersionStatus
) -> VersionPublic:
    """A move by hand: archive a version, or restore an archived one to candidate."""
    row = version_row(session, access.project.id, name, version)
    if status == row.status:
        return version_public(session, row)
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
    return version_public(session, row)


def set_release_status(
    session: Session, *, actor: str, version_id: int, status: VersionStatus, by: str
) -> None:
    """A move the release flow decides (approved, in production, archived, candidate again), as
    versions follow what runs where; `by` names the release or rollback that caused it."""
    row = session.get_one(ModelVersion, version_id)
    if row.status == status:
        return
    before, row.status = row.status, status
    events.append(
        session,
        type="model.status_changed",
        actor=actor,
        project_id=row.project_id,
        payload={
            "model": row.model_name,
            "version": row.version,
            "from": before.value,
            "to": status.value,
            "by": by,
        },
    )
