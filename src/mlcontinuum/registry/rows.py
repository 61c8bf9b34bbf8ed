"""The stored rows of runs and versions, found by what people call them (run 3, version 2 of
'churn-model'), and their public shapes. Shared by `service` and `queries`; other slices read
through those."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter import queries as charter_queries
from mlcontinuum.data import queries as data_queries
from mlcontinuum.kernel.storage.lookup import one_or_not_found
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
from mlcontinuum.registry.schemas import (
    ArtifactPublic,
    MetricValue,
    RunPublic,
    VersionPublic,
    VersionRef,
    display,
)


def run_row(session: Session, project_id: int, number: int) -> Run:
    return one_or_not_found(
        session,
        select(Run).where(Run.project_id == project_id, Run.number == number),
        f"no run {number} in this project",
    )


def version_row(session: Session, project_id: int, name: str, version: int) -> ModelVersion:
    return one_or_not_found(
        session,
        select(ModelVersion).where(
            ModelVersion.project_id == project_id,
            ModelVersion.model_name == name,
            ModelVersion.version == version,
        ),
        f"no version {version} of model '{name}' in this project",
    )


def duration(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def _profile_summary(session: Session, profile_id: int | None) -> dict[str, int | list[str]] | None:
    profile = session.get(StoredProfile, profile_id) if profile_id else None
    return {"rows": profile.rows, "columns": list(profile.columns)} if profile else None


def run_public(session: Session, run: Run) -> RunPublic:
    kpi = charter_queries.kpi_names(session, [run.kpi_id]).get(run.kpi_id) if run.kpi_id else None
    source_ids = session.scalars(
        select(RunDataSource.data_source_id).where(RunDataSource.run_id == run.id)
    ).all()
    params = dict(
        session.execute(select(RunParam.key, RunParam.value).where(RunParam.run_id == run.id)).all()
    )
    tags = dict(
        session.execute(select(RunTag.key, RunTag.value).where(RunTag.run_id == run.id)).all()
    )
    return RunPublic(
        number=run.number,
        external_id=run.external_id,
        name=run.name,
        status=run.status,
        hypothesis=run.hypothesis,
        kpi=kpi,
        git_commit=run.git_commit,
        git_dirty=run.git_dirty,
        compute_cost=run.compute_cost,
        started_at=run.started_at,
        ended_at=run.ended_at,
        duration_seconds=duration(run.started_at, run.ended_at),
        created_by=run.created_by,
        data_sources=list(data_queries.source_names(session, source_ids).values()),
        params=dict(sorted(params.items())),
        tags=dict(sorted(tags.items())),
        metrics=latest_metrics(session, [run.id]).get(run.id, {}),
        reference_profile=_profile_summary(session, run.reference_profile_id),
    )


def latest_metrics(
    session: Session, run_ids: list[int], keys: Iterable[str] | None = None
) -> dict[int, dict[str, MetricValue]]:
    query = select(RunMetricLatest).where(RunMetricLatest.run_id.in_(run_ids))
    if keys is not None:
        query = query.where(RunMetricLatest.key.in_(list(keys)))
    found: dict[int, dict[str, MetricValue]] = {}
    for row in session.scalars(query.order_by(RunMetricLatest.key)):
        marker = row.non_finite.value if row.non_finite else None
        found.setdefault(row.run_id, {})[row.key] = MetricValue(
            step=row.step, value=row.value, display=display(row.value, marker)
        )
    return found


def point(row: RunMetric) -> MetricValue:
    marker = row.non_finite.value if row.non_finite else None
    return MetricValue(
        step=row.step, value=row.value, display=display(row.value, marker), at=row.at
    )


def version_public(session: Session, row: ModelVersion) -> VersionPublic:
    run_rows = session.execute(
        select(Run.id, Run.number)
        .join(ModelVersionRun, ModelVersionRun.run_id == Run.id)
        .where(ModelVersionRun.version_id == row.id)
        .order_by(Run.number)
    ).all()
    run_ids = [run_id for run_id, _ in run_rows]
    source_ids = session.scalars(
        select(RunDataSource.data_source_id).where(RunDataSource.run_id.in_(run_ids)).distinct()
    ).all()
    parent = session.get(ModelVersion, row.parent_id) if row.parent_id else None
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
        data_sources=list(data_queries.source_names(session, source_ids).values()),
        parent_version=parent.version if parent else None,
        artifact=artifact,
        reference_profile=_profile_summary(session, row.reference_profile_id),
        created_by=row.created_by,
        created_at=row.created_at,
    )


def version_ref(row: ModelVersion) -> VersionRef:
    return VersionRef(
        id=row.id,
        model_name=row.model_name,
        version=row.version,
        status=row.status,
        reference_profile_id=row.reference_profile_id,
    )
