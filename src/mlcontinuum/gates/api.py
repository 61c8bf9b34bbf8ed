"""Gate runs of model versions, and what `continuum check` reads to run the gates: the
version's data sources with their compliance, and its reference profile."""

from __future__ import annotations

from fastapi import Response, status

from mlcontinuum.api.routing import api_router
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates import service
from mlcontinuum.gates.schemas import GateRunCreate, GateRunPublic
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry.api.models import VERSIONS, ModelName
from mlcontinuum.registry.permissions import RunsWrite

routes = api_router(tags=["gates"])


@routes.post(
    VERSIONS + "/{version}/gate-runs",
    response_model=GateRunPublic,
    status_code=status.HTTP_201_CREATED,
)
def record_gate_run(
    db: Db, access: RunsWrite, name: ModelName, version: int, data: GateRunCreate
) -> GateRunPublic:
    """Record the results of a gate run; the run passes only when every required gate passed.
    Recorded in the audit trail as `gates.run`."""
    return service.record_run(db, access, name, version, data)


@routes.get(VERSIONS + "/{version}/gate-runs", response_model=list[GateRunPublic])
def list_gate_runs(
    db: Db, access: ProjectRead, name: ModelName, version: int
) -> list[GateRunPublic]:
    """The version's gate runs, newest first."""
    return service.list_runs(db, access.project.id, name, version)


@routes.get(VERSIONS + "/{version}/compliance", response_model=list[DataSourcePublic])
def version_compliance(
    db: Db, access: ProjectRead, name: ModelName, version: int
) -> list[DataSourcePublic]:
    """The data sources behind the version (through its runs) and the rules they break today."""
    return service.version_compliance(db, access.project.id, name, version)


@routes.get(
    VERSIONS + "/{version}/reference-profile",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def reference_profile(db: Db, access: ProjectRead, name: ModelName, version: int) -> Response:
    """The reference profile's bytes, in the profile engine's format."""
    data = service.reference_profile(db, access.project.id, name, version)
    return Response(data, media_type="application/octet-stream")
