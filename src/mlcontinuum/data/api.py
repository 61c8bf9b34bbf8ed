"""The data-source register and its live compliance."""

from __future__ import annotations

from fastapi import status

from mlcontinuum.api.routing import api_router
from mlcontinuum.data import service
from mlcontinuum.data.permissions import DataWrite
from mlcontinuum.data.schemas import (
    ComplianceSummary,
    DataSourceCreate,
    DataSourcePublic,
    DataSourceUpdate,
)
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db

routes = api_router(tags=["data register"])


@routes.get("/projects/{project}/data-sources", response_model=list[DataSourcePublic])
def list_sources(db: Db, access: ProjectRead) -> list[DataSourcePublic]:
    """Every data source with the compliance rules it breaks today."""
    return service.list_sources(db, access.project.id)


@routes.post(
    "/projects/{project}/data-sources",
    response_model=DataSourcePublic,
    status_code=status.HTTP_201_CREATED,
)
def add_source(db: Db, access: DataWrite, data: DataSourceCreate) -> DataSourcePublic:
    return service.add_source(db, access, data)


@routes.get("/projects/{project}/data-sources/{source_id}", response_model=DataSourcePublic)
def get_source(db: Db, access: ProjectRead, source_id: int) -> DataSourcePublic:
    return service.get_source_public(db, access.project.id, source_id)


@routes.patch("/projects/{project}/data-sources/{source_id}", response_model=DataSourcePublic)
def update_source(
    db: Db, access: DataWrite, source_id: int, data: DataSourceUpdate
) -> DataSourcePublic:
    return service.update_source(db, access, source_id, data)


@routes.delete(
    "/projects/{project}/data-sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT
)
def remove_source(db: Db, access: DataWrite, source_id: int) -> None:
    service.remove_source(db, access, source_id)


@routes.get("/projects/{project}/compliance", response_model=ComplianceSummary)
def compliance(db: Db, access: ProjectRead) -> ComplianceSummary:
    """How many sources pass the register's rules, and every violation by source."""
    return service.compliance(service.list_sources(db, access.project.id))
