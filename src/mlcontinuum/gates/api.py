"""Gate runs of model versions, and what `continuum check` reads to run the compliance gate:
the version's data sources with their compliance. (The reference profile it reads is the
registry's: `GET .../versions/{version}/reference-profile`.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, status

from mlcontinuum.api.routing import api_router
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates import queries, service
from mlcontinuum.gates.schemas import GateRunCreate, GateRunPublic
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.registry.schemas import MODEL_NAME_MAX, MODEL_NAME_PATTERN

routes = api_router(tags=["gates"])
ModelName = Annotated[
    str, Path(pattern=MODEL_NAME_PATTERN, max_length=MODEL_NAME_MAX, description="Model name.")
]
VERSION = "/projects/{project}/models/{name}/versions/{version}"


@routes.post(
    VERSION + "/gate-runs", response_model=GateRunPublic, status_code=status.HTTP_201_CREATED
)
def record_gate_run(
    db: Db, access: RunsWrite, name: ModelName, version: int, data: GateRunCreate
) -> GateRunPublic:
    """Record the results of a gate run; the run passes only when every required gate passed.
    Recorded in the audit trail as `gates.run`."""
    return service.record_run(db, access, name, version, data)


@routes.get(VERSION + "/gate-runs", response_model=list[GateRunPublic])
def list_gate_runs(
    db: Db, access: ProjectRead, name: ModelName, version: int
) -> list[GateRunPublic]:
    """The version's gate runs, newest first."""
    return queries.list_runs(db, access.project.id, name, version)


@routes.get(VERSION + "/compliance", response_model=list[DataSourcePublic])
def version_compliance(
    db: Db, access: ProjectRead, name: ModelName, version: int
) -> list[DataSourcePublic]:
    """The data sources behind the version (through its runs) and the rules they break today."""
    return queries.version_compliance(db, access.project.id, name, version)
