"""Reads of the registry: runs as a sortable table, one run with its series, a comparison;
models and their versions; and what the slices above refer to (versions by id, reference
profiles, when a version's runs began), each batched over its ids."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from mlcontinuum.charter import queries as charter_queries
from mlcontinuum.kernel.errors import FieldProblem, NotFound, ValidationFailed
from mlcontinuum.registry.enums import RunStatus, VersionStatus
from mlcontinuum.registry.models import (
    ModelVersion,
    ModelVersionRun,
    Run,
    RunMetric,
    RunMetricLatest,
    RunParam,
    StoredProfile,
)
from mlcontinuum.registry.rows import (
    duration,
    latest_metrics,
    point,
    run_public,
    run_row,
    version_public,
    version_ref,
    version_row,
)
from mlcontinuum.registry.schemas import (
    MAX_COMPARED_RUNS,
    ArtifactPublic,
    MetricValue,
    ModelSummary,
    RunComparison,
    RunPage,
    RunPublic,
    RunRow,
    VersionPublic,
    VersionRef,
)

# Without a column choice, a table shows this many metrics (in key order) and no parameters.
DEFAULT_METRIC_COLUMNS = 8

PLAIN_SORTS = {
    "number": Run.number,
    "name": Run.name,
    "status": Run.status,
    "started_at": Run.started_at,
    "compute_cost": Run.compute_cost,
}

# --- runs --------------------------------------------------------------------------------------


def get_run(session: Session, project_id: int, number: int) -> RunPublic:
    return run_public(session, run_row(session, project_id, number))


def run_by_external_id(session: Session, project_id: int, external_id: str) -> RunPublic | None:
    """The project's run imported with `external_id` (e.g. "mlflow:<run id>"), if any."""
    run = session.scalar(
        select(Run).where(Run.project_id == project_id, Run.external_id == external_id)
    )
    return None if run is None else run_public(session, run)


def has_runs(session: Session, project_id: int) -> bool:
    found = session.scalar(select(Run.id).where(Run.project_id == project_id).limit(1))
    return found is not None


def metric_series(session: Session, project_id: int, number: int, key: str) -> list[MetricValue]:
    run = run_row(session, project_id, number)
    rows = session.scalars(
        select(RunMetric)
        .where(RunMetric.run_id == run.id, RunMetric.key == key)
        .order_by(RunMetric.step, RunMetric.id)
    ).all()
    if not rows:
        raise NotFound(f"run {number} has no metric '{key}'")
    return [point(row) for row in rows]


def all_series(session: Session, project_id: int, number: int) -> dict[str, list[MetricValue]]:
    """Every metric series of a run, read in one query (a run page charts them all)."""
    run = run_row(session, project_id, number)
    series: dict[str, list[MetricValue]] = {}
    rows = session.scalars(
        select(RunMetric)
        .where(RunMetric.run_id == run.id)
        .order_by(RunMetric.key, RunMetric.step, RunMetric.id)
    )
    for row in rows:
        series.setdefault(row.key, []).append(point(row))
    return series


def list_runs(
    session: Session,
    project_id: int,
    *,
    sort: str,
    columns: list[str],
    status: RunStatus | None,
    page: int,
    per_page: int,
) -> RunPage:
    query: Select[Run] = select(Run).where(Run.project_id == project_id)
    if status is not None:
        query = query.where(Run.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = _ordered(query, sort)
    runs = session.scalars(ordered.offset((page - 1) * per_page).limit(per_page)).all()
    run_ids = [run.id for run in runs]
    param_keys = _keys(session, RunParam, project_id)
    metric_keys = _keys(session, RunMetricLatest, project_id)
    chosen_params = [
        c.removeprefix("params.") for c in columns if c.removeprefix("params.") in param_keys
    ]
    chosen_metrics = [
        c.removeprefix("metrics.") for c in columns if c.removeprefix("metrics.") in metric_keys
    ]
    if not columns:
        chosen_metrics = metric_keys[:DEFAULT_METRIC_COLUMNS]
    params: dict[int, dict[str, str]] = {}
    if chosen_params and run_ids:
        for run_id, key, value in session.execute(
            select(RunParam.run_id, RunParam.key, RunParam.value).where(
                RunParam.run_id.in_(run_ids), RunParam.key.in_(chosen_params)
            )
        ):
            params.setdefault(run_id, {})[key] = value
    metrics = latest_metrics(session, run_ids, chosen_metrics) if run_ids else {}
    kpis = charter_queries.kpi_names(session, {run.kpi_id for run in runs if run.kpi_id})
    items = [
        RunRow(
            number=run.number,
            name=run.name,
            status=run.status,
            kpi=kpis.get(run.kpi_id) if run.kpi_id else None,
            started_at=run.started_at,
            duration_seconds=duration(run.started_at, run.ended_at),
            compute_cost=run.compute_cost,
            params=params.get(run.id, {}),
            metrics=metrics.get(run.id, {}),
        )
        for run in runs
    ]
    return RunPage(
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        sort=sort,
        columns=[f"params.{k}" for k in chosen_params] + [f"metrics.{k}" for k in chosen_metrics],
        param_keys=param_keys,
        metric_keys=metric_keys,
    )


def _ordered(query: Select[Run], sort: str) -> Select[Run]:
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    column: ColumnElement[Any]
    if field.startswith("metrics."):
        key = field.removeprefix("metrics.")
        latest = (
            select(RunMetricLatest.run_id, RunMetricLatest.value)
            .where(RunMetricLatest.key == key)
            .subquery()
        )
        query = query.outerjoin(latest, latest.c.run_id == Run.id)
        column = latest.c.value
    elif field.startswith("params."):
        key = field.removeprefix("params.")
        chosen = select(RunParam.run_id, RunParam.value).where(RunParam.key == key).subquery()
        query = query.outerjoin(chosen, chosen.c.run_id == Run.id)
        column = chosen.c.value
    elif field in PLAIN_SORTS:
        column = PLAIN_SORTS[field].expression
    else:
        raise ValidationFailed(
            f"cannot sort by '{sort}'",
            [
                FieldProblem(
                    "sort",
                    "choice",
                    f"use one of {', '.join(PLAIN_SORTS)}, metrics.KEY or params.KEY, "
                    "with - for descending",
                )
            ],
        )
    order = column.desc() if descending else column.asc()
    # Runs without the value go last either way, then newest first for a stable order.
    return query.order_by(column.is_(None), order, Run.number.desc())


def _keys(
    session: Session, table: type[RunParam] | type[RunMetricLatest], project_id: int
) -> list[str]:
    return list(
        session.scalars(
            select(table.key)
            .join(Run, Run.id == table.run_id)
            .where(Run.project_id == project_id)
            .distinct()
            .order_by(table.key)
        )
    )


def compare(session: Session, project_id: int, numbers: list[int]) -> RunComparison:
    unique = list(dict.fromkeys(numbers))
    if not 2 <= len(unique) <= MAX_COMPARED_RUNS:
        raise ValidationFailed(
            f"compare two to {MAX_COMPARED_RUNS} different runs",
            [FieldProblem("runs", "count", f"name 2 to {MAX_COMPARED_RUNS} run numbers")],
        )
    runs = [get_run(session, project_id, number) for number in unique]
    keys = sorted({key for run in runs for key in run.params})
    differing = [k for k in keys if len({run.params.get(k) for run in runs}) > 1]
    metric_keys = sorted({key for run in runs for key in run.metrics})
    return RunComparison(runs=runs, differing_params=differing, metric_keys=metric_keys)


# --- models and versions -----------------------------------------------------------------------


def get_version(session: Session, project_id: int, name: str, version: int) -> VersionPublic:
    return version_public(session, version_row(session, project_id, name, version))


def list_versions(session: Session, project_id: int, name: str) -> list[VersionPublic]:
    """The model's versions, newest first."""
    rows = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.project_id == project_id, ModelVersion.model_name == name)
        .order_by(ModelVersion.version.desc())
    ).all()
    if not rows:
        raise NotFound(f"no model '{name}' in this project")
    return [version_public(session, row) for row in rows]


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


def get_artifact(session: Session, project_id: int, name: str, version: int) -> ArtifactPublic:
    """The version's artifact (its file is in the artifact store under its SHA-256)."""
    artifact = get_version(session, project_id, name, version).artifact
    if artifact is None:
        raise NotFound(f"version {version} of '{name}' has no artifact yet")
    return artifact


def reference_profile(session: Session, project_id: int, name: str, version: int) -> bytes:
    """The bytes of the version's reference profile, in the profile engine's format."""
    row = version_row(session, project_id, name, version)
    if row.reference_profile_id is None:
        raise NotFound(f"version {version} of '{name}' has no reference profile")
    return session.get_one(StoredProfile, row.reference_profile_id).data


# --- for the slices above: versions by id ------------------------------------------------------


def find_version(session: Session, project_id: int, name: str, version: int) -> VersionRef:
    """The project's version `version` of model `name`, or NotFound."""
    return version_ref(version_row(session, project_id, name, version))


def versions_by_id(session: Session, ids: Collection[int]) -> dict[int, VersionRef]:
    if not ids:
        return {}
    rows = session.scalars(select(ModelVersion).where(ModelVersion.id.in_(set(ids))))
    return {row.id: version_ref(row) for row in rows}


def versions_in_status(
    session: Session, project_id: int, name: str, status: VersionStatus
) -> list[VersionRef]:
    """The versions of model `name` that have `status`, oldest first."""
    rows = session.scalars(
        select(ModelVersion)
        .where(
            ModelVersion.project_id == project_id,
            ModelVersion.model_name == name,
            ModelVersion.status == status,
        )
        .order_by(ModelVersion.version)
    )
    return [version_ref(row) for row in rows]


def first_run_starts(session: Session, version_ids: Collection[int]) -> dict[int, datetime]:
    """When the earliest run each version was built from started (versions without runs are
    left out): where a version's lead time begins."""
    if not version_ids:
        return {}
    rows = session.execute(
        select(ModelVersionRun.version_id, func.min(Run.started_at))
        .join(Run, Run.id == ModelVersionRun.run_id)
        .where(ModelVersionRun.version_id.in_(set(version_ids)))
        .group_by(ModelVersionRun.version_id)
    )
    return dict(rows.all())


def profile_data(session: Session, profile_ids: Collection[int]) -> dict[int, bytes]:
    """The bytes of stored reference profiles (`VersionRef.reference_profile_id`)."""
    if not profile_ids:
        return {}
    rows = session.execute(
        select(StoredProfile.id, StoredProfile.data).where(StoredProfile.id.in_(set(profile_ids)))
    )
    return dict(rows.all())
