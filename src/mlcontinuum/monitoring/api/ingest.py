"""Monitoring ingest: production batches, labels and KPI values (see docs/monitoring.md).

Writes need the `Idempotency-Key` header and answer 201 when stored, 200 with
`"replayed": true` when the key was seen before with the same content.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status
from pydantic import AwareDatetime

from mlcontinuum.api.deps import AppSettings, Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.monitoring import queries, service
from mlcontinuum.monitoring.idempotency import IdempotencyKey
from mlcontinuum.monitoring.permissions import MonitorWrite
from mlcontinuum.monitoring.schemas import (
    BatchAccepted,
    BatchCreate,
    BatchPage,
    KpiValueAccepted,
    KpiValueCreate,
    KpiValuePage,
    LabelsAccepted,
    LabelsCreate,
)

routes = api_router(tags=["monitoring"])
DEPLOYMENT = "/projects/{project}/deployments/{deployment_id}"
KPI_VALUES = "/projects/{project}/kpis/{kpi_id}/values"

Since = Annotated[
    AwareDatetime | None, Query(description="Only from this time on (inclusive), with a zone.")
]
Until = Annotated[AwareDatetime | None, Query(description="Only before this time, with a zone.")]


def _answered(response: Response, replayed: bool) -> None:
    if replayed:
        response.status_code = status.HTTP_200_OK


@routes.post(
    DEPLOYMENT + "/batches", response_model=BatchAccepted, status_code=status.HTTP_201_CREATED
)
def log_batch(
    db: Db,
    access: MonitorWrite,
    key: IdempotencyKey,
    settings: AppSettings,
    deployment_id: int,
    data: BatchCreate,
    response: Response,
) -> BatchAccepted:
    """Log a production batch: its profile, prediction ids and predicted values."""
    accepted = service.log_batch(db, access, deployment_id, key, data, settings)
    _answered(response, accepted.replayed)
    return accepted


@routes.get(DEPLOYMENT + "/batches", response_model=BatchPage)
def list_batches(
    db: Db,
    access: ProjectRead,
    deployment_id: int,
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> BatchPage:
    """The deployment's batches, newest first."""
    return queries.list_batches(
        db, access, deployment_id, since=since, until=until, page=page, per_page=per_page
    )


@routes.post(
    DEPLOYMENT + "/labels", response_model=LabelsAccepted, status_code=status.HTTP_201_CREATED
)
def log_labels(
    db: Db,
    access: MonitorWrite,
    key: IdempotencyKey,
    settings: AppSettings,
    deployment_id: int,
    data: LabelsCreate,
    response: Response,
) -> LabelsAccepted:
    """Attach ground truth to logged predictions by id: all ids must exist, or nothing is
    written."""
    accepted = service.log_labels(db, access, deployment_id, key, data, settings)
    _answered(response, accepted.replayed)
    return accepted


@routes.post(KPI_VALUES, response_model=KpiValueAccepted, status_code=status.HTTP_201_CREATED)
def report_kpi_value(
    db: Db,
    access: MonitorWrite,
    key: IdempotencyKey,
    settings: AppSettings,
    kpi_id: int,
    data: KpiValueCreate,
    response: Response,
) -> KpiValueAccepted:
    """Record a measured value of a charter KPI at a time."""
    accepted = service.report_kpi_value(db, access, kpi_id, key, data, settings)
    _answered(response, accepted.replayed)
    return accepted


@routes.get(KPI_VALUES, response_model=KpiValuePage)
def list_kpi_values(
    db: Db,
    access: ProjectRead,
    kpi_id: int,
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> KpiValuePage:
    """The KPI's reported values, newest first."""
    return queries.list_kpi_values(
        db, access, kpi_id, since=since, until=until, page=page, per_page=per_page
    )
