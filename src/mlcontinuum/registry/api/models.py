"""Model versions: register, upload the artifact (stored, scanned, never loaded), download,
reference profile, status. (The model card, composed from the record, is the trust slice's.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.artifacts import ArtifactStore, clean_filename
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import queries, service
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.registry.schemas import (
    MODEL_NAME_MAX,
    MODEL_NAME_PATTERN,
    ModelSummary,
    VersionCreate,
    VersionPublic,
    VersionUpdate,
)

routes = api_router(tags=["models"])
ModelName = Annotated[
    str, Path(pattern=MODEL_NAME_PATTERN, max_length=MODEL_NAME_MAX, description="Model name.")
]
VERSIONS = "/projects/{project}/models/{name}/versions"


@routes.get("/projects/{project}/models", response_model=list[ModelSummary])
def list_models(db: Db, access: ProjectRead) -> list[ModelSummary]:
    return queries.list_models(db, access.project.id)


@routes.post(VERSIONS, response_model=VersionPublic, status_code=status.HTTP_201_CREATED)
def create_version(
    db: Db, access: RunsWrite, name: ModelName, data: VersionCreate, response: Response
) -> VersionPublic:
    """Register the next version of a model (a candidate), with its lineage and metrics.
    With an `external_id` the project already has, that version comes back with 200."""
    version, created = service.create_version(db, access, name, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return version


@routes.get(VERSIONS, response_model=list[VersionPublic])
def list_versions(db: Db, access: ProjectRead, name: ModelName) -> list[VersionPublic]:
    return queries.list_versions(db, access.project.id, name)


@routes.get(VERSIONS + "/{version}", response_model=VersionPublic)
def get_version(db: Db, access: ProjectRead, name: ModelName, version: int) -> VersionPublic:
    return queries.get_version(db, access.project.id, name, version)


@routes.patch(VERSIONS + "/{version}", response_model=VersionPublic)
def set_status(
    db: Db, access: RunsWrite, name: ModelName, version: int, data: VersionUpdate
) -> VersionPublic:
    """Archive a version, or restore an archived one; approval comes from releases."""
    return service.set_status(db, access, name, version, data.status)


@routes.put(VERSIONS + "/{version}/artifact", response_model=VersionPublic)
async def upload_artifact(
    request: Request,
    db: Db,
    access: RunsWrite,
    name: ModelName,
    version: int,
    filename: Annotated[str, Query(max_length=1024, description="The file's name, as metadata.")],
) -> VersionPublic:
    """Send the model file as the raw body. It is stored by its SHA-256 and scanned for unsafe
    serialisation; the server never loads it. Limit: CONTINUUM_MAX_ARTIFACT_BYTES."""
    name_ok = clean_filename(filename)
    await run_in_threadpool(queries.get_version, db, access.project.id, name, version)
    store: ArtifactStore = request.app.state.artifacts
    settings = request.app.state.settings
    blob = await store.save(request.stream(), max_bytes=settings.max_artifact_bytes)
    report = await run_in_threadpool(
        service.scan_artifact, blob.path, max_inflated=4 * settings.max_artifact_bytes
    )
    return await run_in_threadpool(
        lambda: service.attach_artifact(
            db, access, name, version, blob=blob, filename=name_ok, report=report
        )
    )


@routes.get(VERSIONS + "/{version}/artifact", response_class=FileResponse)
def download_artifact(
    request: Request, db: Db, access: ProjectRead, name: ModelName, version: int
) -> FileResponse:
    artifact = queries.get_artifact(db, access.project.id, name, version)
    store: ArtifactStore = request.app.state.artifacts
    return FileResponse(
        store.path_of(artifact.sha256),
        media_type="application/octet-stream",
        filename=artifact.filename or f"{name}-{version}",
        headers={"X-Continuum-Scan": artifact.scan_verdict.value},
    )


@routes.get(
    VERSIONS + "/{version}/reference-profile",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def reference_profile(db: Db, access: ProjectRead, name: ModelName, version: int) -> Response:
    """The reference profile's bytes, in the profile engine's format (`continuum check` reads
    it for the data-validation and drift gates)."""
    data = queries.reference_profile(db, access.project.id, name, version)
    return Response(data, media_type="application/octet-stream")


@routes.put(VERSIONS + "/{version}/reference-profile", response_model=VersionPublic)
async def upload_profile(
    request: Request, db: Db, access: RunsWrite, name: ModelName, version: int
) -> VersionPublic:
    """Send the training data's profile (written by `continuum profile`) as the raw body."""
    data = await request.body()
    return await run_in_threadpool(service.attach_version_profile, db, access, name, version, data)
