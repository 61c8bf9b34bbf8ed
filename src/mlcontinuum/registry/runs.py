"""Rules for runs: start, log batches (idempotent for parameters), finish, list, compare.

Parameters and tags are configuration: a parameter, once logged, keeps its value (logging it again
with the same value is fine, with another is a conflict). Metric points are data: they are stored
but not written to the event log one by one; the run's start and end are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from mlcontinuum.charter.models import Kpi
from mlcontinuum.data.models import DataSource
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.registry.enums import NonFinite, RunStatus
from mlcontinuum.registry.models import (
    Run,
    RunDataSource,
    RunMetric,
    RunMetricLatest,
    RunParam,
    RunTag,
    StoredProfile,
)
from mlcontinuum.registry.schemas import (
    MAX_COMPARED_RUNS,
    MAX_PARAMS_PER_RUN,
    LogResult,
    MetricValue,
    RunComparison,
    RunCreate,
    RunLog,
    RunPage,
    RunPublic,
    RunRow,
    RunUpdate,
    Scalar,
    display,
    split,
)

KeyValue = TypeVar("KeyValue", RunParam, RunTag)
# Without a column choice, a table shows this many metrics (in key order) and no parameters.
DEFAULT_METRIC_COLUMNS = 8

PLAIN_SORTS = {
    "number": Run.number,
    "name": Run.name,
    "status": Run.status,
    "started_at": Run.started_at,
    "compute_cost": Run.compute_cost,
}


def _run(session: Session, project_id: int, number: int) -> Run:
    return one_or_not_found(
        session,
        select(Run).where(Run.project_id == project_id, Run.number == number),
        f"no run {number} in this project",
    )


def start_run(session: Session, access: ProjectAccess, data: RunCreate) -> tuple[RunPublic, bool]:
    """The run, and whether it is new (False: a run with that external id existed)."""
    project_id = access.project.id
    if data.external_id is not None:
        existing = session.scalar(
            select(Run).where(Run.project_id == project_id, Run.external_id == data.external_id)
        )
        if existing is not None:
            return public(session, existing), False
    kpi_id = None
    if data.kpi:
        kpi_id = session.scalar(
            select(Kpi.id).where(Kpi.project_id == project_id, Kpi.name == data.kpi)
        )
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
    return public(session, run), True


def _source_ids(session: Session, project_id: int, names: list[str]) -> list[int]:
    if not names:
        return []
    found = dict(
        session.execute(
            select(DataSource.name, DataSource.id).where(
                DataSource.project_id == project_id, DataSource.name.in_(names)
            )
        ).all()
    )
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
    run = _run(session, access.project.id, number)
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
    run = _run(session, access.project.id, number)
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
                "duration_seconds": _duration(run.started_at, run.ended_at),
                "compute_cost": run.compute_cost,
            },
        )
    return public(session, run)


def _duration(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def attach_profile(session: Session, access: ProjectAccess, number: int, data: bytes) -> RunPublic:
    """The training data's reference profile, in the profile engine's own format."""
    from mlcontinuum.registry.versions import store_profile

    run = _run(session, access.project.id, number)
    stored = store_profile(session, access.project.id, data)
    run.reference_profile_id = stored.id
    events.append(
        session,
        type="run.reference_profile_set",
        actor=access.actor,
        project_id=access.project.id,
        payload={"run": number, "rows": stored.rows, "sha256": stored.sha256},
    )
    return public(session, run)


def get_run(session: Session, project_id: int, number: int) -> RunPublic:
    return public(session, _run(session, project_id, number))


def public(session: Session, run: Run) -> RunPublic:
    kpi = session.scalar(select(Kpi.name).where(Kpi.id == run.kpi_id)) if run.kpi_id else None
    sources = session.scalars(
        select(DataSource.name)
        .join(RunDataSource, RunDataSource.data_source_id == DataSource.id)
        .where(RunDataSource.run_id == run.id)
        .order_by(DataSource.name)
    ).all()
    profile = (
        session.get(StoredProfile, run.reference_profile_id) if run.reference_profile_id else None
    )
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
        duration_seconds=_duration(run.started_at, run.ended_at),
        created_by=run.created_by,
        data_sources=list(sources),
        params=dict(sorted(params.items())),
        tags=dict(sorted(tags.items())),
        metrics=_latest_metrics(session, [run.id]).get(run.id, {}),
        reference_profile={"rows": profile.rows, "columns": list(profile.columns)}
        if profile
        else None,
    )


def _latest_metrics(
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


def metric_series(session: Session, project_id: int, number: int, key: str) -> list[MetricValue]:
    run = _run(session, project_id, number)
    rows = session.scalars(
        select(RunMetric)
        .where(RunMetric.run_id == run.id, RunMetric.key == key)
        .order_by(RunMetric.step, RunMetric.id)
    ).all()
    if not rows:
        raise NotFound(f"run {number} has no metric '{key}'")
    return [_point(row) for row in rows]


def all_series(session: Session, project_id: int, number: int) -> dict[str, list[MetricValue]]:
    """Every metric series of a run, read in one query (a run page charts them all)."""
    run = _run(session, project_id, number)
    series: dict[str, list[MetricValue]] = {}
    rows = session.scalars(
        select(RunMetric)
        .where(RunMetric.run_id == run.id)
        .order_by(RunMetric.key, RunMetric.step, RunMetric.id)
    )
    for row in rows:
        series.setdefault(row.key, []).append(_point(row))
    return series


def _point(row: RunMetric) -> MetricValue:
    marker = row.non_finite.value if row.non_finite else None
    return MetricValue(
        step=row.step, value=row.value, display=display(row.value, marker), at=row.at
    )


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
    metrics = _latest_metrics(session, run_ids, chosen_metrics) if run_ids else {}
    kpis = dict(session.execute(select(Kpi.id, Kpi.name).where(Kpi.project_id == project_id)).all())
    items = [
        RunRow(
            number=run.number,
            name=run.name,
            status=run.status,
            kpi=kpis.get(run.kpi_id) if run.kpi_id else None,
            started_at=run.started_at,
            duration_seconds=_duration(run.started_at, run.ended_at),
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
