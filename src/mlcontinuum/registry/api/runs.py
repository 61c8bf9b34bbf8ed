"""Runs: start, log in batches, finish, list as a sortable table, compare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import queries, service
from mlcontinuum.registry.enums import RunStatus
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.registry.schemas import (
    LogResult,
    MetricValue,
    RunComparison,
    RunCreate,
    RunLog,
    RunPage,
    RunPublic,
    RunUpdate,
)

routes = api_router(tags=["runs"])


@routes.post(
    "/projects/{project}/runs", response_model=RunPublic, status_code=status.HTTP_201_CREATED
)
def start_run(db: Db, access: RunsWrite, data: RunCreate, response: Response) -> RunPublic:
    """Start a run: its hypothesis (tied to a charter KPI), code version and data sources.
    With an `external_id` the project already has, the existing run comes back with 200."""
    run, created = service.start_run(db, access, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return run


@routes.get("/projects/{project}/runs", response_model=RunPage)
def list_runs(
    db: Db,
    access: ProjectRead,
    sort: Annotated[
        str,
        Query(
            max_length=260,
            description="number, name, status, started_at, compute_cost, "
            "metrics.KEY or params.KEY; prefix - for descending.",
        ),
    ] = "-started_at",
    columns: Annotated[
        list[str] | None,
        Query(max_length=50, description="params.KEY and metrics.KEY to include."),
    ] = None,
    run_status: Annotated[RunStatus | None, Query(alias="status")] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> RunPage:
    return queries.list_runs(
        db,
        access.project.id,
        sort=sort,
        columns=columns or [],
        status=run_status,
        page=page,
        per_page=per_page,
    )


@routes.get("/projects/{project}/runs/compare", response_model=RunComparison)
def compare_runs(
    db: Db,
    access: ProjectRead,
    numbers: Annotated[list[int], Query(alias="runs", description="Two to five run numbers.")],
) -> RunComparison:
    return queries.compare(db, access.project.id, numbers)


@routes.get("/projects/{project}/runs/{number}", response_model=RunPublic)
def get_run(db: Db, access: ProjectRead, number: int) -> RunPublic:
    return queries.get_run(db, access.project.id, number)


@routes.post("/projects/{project}/runs/{number}/log", response_model=LogResult)
def log_batch(db: Db, access: RunsWrite, number: int, data: RunLog) -> LogResult:
    """Log parameters, tags and metric points in one batch (limits in docs/runs.md)."""
    return service.log_batch(db, access, number, data)


@routes.patch("/projects/{project}/runs/{number}", response_model=RunPublic)
def update_run(db: Db, access: RunsWrite, number: int, data: RunUpdate) -> RunPublic:
    """Finish a run (finished, failed or killed), record its compute cost."""
    return service.update_run(db, access, number, data)


@routes.put("/projects/{project}/runs/{number}/reference-profile", response_model=RunPublic)
async def upload_profile(request: Request, db: Db, access: RunsWrite, number: int) -> RunPublic:
    """Send the training data's profile (written by `continuum profile`) as the raw body."""
    data = await request.body()
    return await run_in_threadpool(service.attach_run_profile, db, access, number, data)


@routes.get(
    "/projects/{project}/runs/{number}/metrics/{key:path}", response_model=list[MetricValue]
)
def metric_series(db: Db, access: ProjectRead, number: int, key: str) -> list[MetricValue]:
    return queries.metric_series(db, access.project.id, number, key)
