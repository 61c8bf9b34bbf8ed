"""Evaluation windows of a deployment and of the project's KPIs, and evaluating them now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.monitoring import queries, service
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.permissions import MonitorConfigure
from mlcontinuum.monitoring.schemas import EvaluationRun, WindowPage

routes = api_router(tags=["evaluation"])
DEPLOYMENT = "/projects/{project}/deployments/{deployment_id}"


def _utc(value: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


Since = Annotated[
    datetime | None,
    AfterValidator(_utc),
    Query(alias="from", description="Windows starting at or after this time (UTC if no zone)."),
]
Until = Annotated[
    datetime | None,
    AfterValidator(_utc),
    Query(alias="to", description="Windows starting before this time (UTC if no zone)."),
]
GranularityQuery = Annotated[Granularity, Query(description="Hour or day windows.")]


@routes.get(DEPLOYMENT + "/windows", response_model=WindowPage)
def list_windows(
    db: Db,
    access: ProjectRead,
    deployment_id: int,
    granularity: GranularityQuery = Granularity.DAY,
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> WindowPage:
    """The deployment's windows, newest first, each with its stored evaluation (drift per
    feature, data checks, performance); `evaluation` is null until first evaluated."""
    return queries.list_windows(
        db,
        access.project.id,
        deployment_id,
        granularity=granularity,
        since=since,
        until=until,
        page=page,
        per_page=per_page,
    )


@routes.post(DEPLOYMENT + "/evaluate", response_model=EvaluationRun)
def evaluate_now(db: Db, access: MonitorConfigure, deployment_id: int) -> EvaluationRun:
    """Evaluate the deployment's dirty windows and the project's dirty KPI windows now,
    instead of waiting for the background evaluator; alerts are raised as usual."""
    return service.evaluate_now(db, access.project.id, deployment_id)


@routes.get("/projects/{project}/kpi-windows", response_model=WindowPage)
def list_kpi_windows(
    db: Db,
    access: ProjectRead,
    granularity: GranularityQuery = Granularity.DAY,
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> WindowPage:
    """The project's KPI windows, newest first: each KPI's mean against its alert threshold."""
    return queries.list_windows(
        db,
        access.project.id,
        None,
        granularity=granularity,
        since=since,
        until=until,
        page=page,
        per_page=per_page,
    )
