"""KPIs with thresholds, and stakeholders."""

from __future__ import annotations

from fastapi import status

from mlcontinuum.api.routing import api_router
from mlcontinuum.charter import service
from mlcontinuum.charter.permissions import CharterWrite
from mlcontinuum.charter.schemas import (
    KpiCreate,
    KpiPublic,
    KpiUpdate,
    StakeholderCreate,
    StakeholderPublic,
    StakeholderUpdate,
)
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db

routes = api_router(tags=["kpis and stakeholders"])


@routes.get("/projects/{project}/kpis", response_model=list[KpiPublic])
def list_kpis(db: Db, access: ProjectRead) -> list[KpiPublic]:
    return service.list_kpis(db, access.project.id)


@routes.post(
    "/projects/{project}/kpis", response_model=KpiPublic, status_code=status.HTTP_201_CREATED
)
def add_kpi(db: Db, access: CharterWrite, data: KpiCreate) -> KpiPublic:
    return service.add_kpi(db, access, data)


@routes.patch("/projects/{project}/kpis/{kpi_id}", response_model=KpiPublic)
def update_kpi(db: Db, access: CharterWrite, kpi_id: int, data: KpiUpdate) -> KpiPublic:
    return service.update_kpi(db, access, kpi_id, data)


@routes.delete("/projects/{project}/kpis/{kpi_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_kpi(db: Db, access: CharterWrite, kpi_id: int) -> None:
    service.delete_kpi(db, access, kpi_id)


@routes.get("/projects/{project}/stakeholders", response_model=list[StakeholderPublic])
def list_stakeholders(db: Db, access: ProjectRead) -> list[StakeholderPublic]:
    return service.list_stakeholders(db, access.project.id)


@routes.post(
    "/projects/{project}/stakeholders",
    response_model=StakeholderPublic,
    status_code=status.HTTP_201_CREATED,
)
def add_stakeholder(db: Db, access: CharterWrite, data: StakeholderCreate) -> StakeholderPublic:
    """List a stakeholder; naming an account (`username`) also invites it to the project."""
    return service.add_stakeholder(db, access, data)


@routes.patch("/projects/{project}/stakeholders/{stakeholder_id}", response_model=StakeholderPublic)
def update_stakeholder(
    db: Db, access: CharterWrite, stakeholder_id: int, data: StakeholderUpdate
) -> StakeholderPublic:
    return service.update_stakeholder(db, access, stakeholder_id, data)


@routes.delete(
    "/projects/{project}/stakeholders/{stakeholder_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_stakeholder(db: Db, access: CharterWrite, stakeholder_id: int) -> None:
    service.remove_stakeholder(db, access, stakeholder_id)
