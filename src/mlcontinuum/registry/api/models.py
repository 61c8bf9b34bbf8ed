"""Model versions: register, upload the artifact (stored, scanned, never loaded), download,
reference profile, status, and the model card."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import versions
from mlcontinuum.registry.artifacts import ArtifactStore, clean_filename
from mlcontinuum.registry.model_schemas import (
    MODEL_NAME_MAX,
    MODEL_NAME_PATTERN,
    ModelSummary,
    VersionCreate,
    VersionPublic,
    VersionUpdate,
)
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.registry.scanning import scan_file
from mlcontinuum.trust import card

routes = api_router(tags=["models"])
ModelName = Annotated[
    str, Path(pattern=MODEL_NAME_PATTERN, max_length=MODEL_NAME_MAX, description="Model name.")
]
VERSIONS = "/projects/{project}/models/{name}/versions"


@routes.get("/projects/{project}/models", response_model=list[ModelSummary])
def list_models(db: Db, access: ProjectRead) -> list[ModelSummary]:
    return versions.list_models(db, access.project.id)


@routes.post(VERSIONS, response_model=VersionPublic, status_code=status.HTTP_201_CREATED)
def create_version(
    db: Db, access: RunsWrite, name: ModelName, data: VersionCreate, response: Response
) -> VersionPublic:
    """Register the next version of a model (a candidate), with its lineage and metrics.
    With an `external_id` the project already has, that version comes back with 200."""
    version, created = versions.create_version(db, access, name, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return version


@routes.get(VERSIONS, response_model=list[VersionPublic])
def list_versions(db: Db, access: ProjectRead, name: ModelName) -> list[VersionPublic]:
    return versions.list_versions(db, access.project.id, name)


@routes.get(VERSIONS + "/{version}", response_model=VersionPublic)
def get_version(db: Db, access: ProjectRead, name: ModelName, version: int) -> VersionPublic:
    return versions.get_version(db, access.project.id, name, version)


@routes.patch(VERSIONS + "/{version}", response_model=VersionPublic)
def set_status(
    db: Db, access: RunsWrite, name: ModelName, version: int, data: VersionUpdate
) -> VersionPublic:
    """Archive a version, or restore an archived one; approval comes from releases."""
    return versions.set_status(db, access, name, version, data.status)


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
    await run_in_threadpool(versions.get_version, db, access.project.id, name, version)
    store: ArtifactStore = request.app.state.artifacts
    settings = request.app.state.settings
    blob = await store.save(request.stream(), max_bytes=settings.max_artifact_bytes)
    report = await run_in_threadpool(
        scan_file, blob.path, max_inflated=4 * settings.max_artifact_bytes
    )
    return await run_in_threadpool(
        lambda: versions.attach_artifact(
            db, access, name, version, blob=blob, filename=name_ok, report=report
        )
    )


@routes.get(VERSIONS + "/{version}/artifact", response_class=FileResponse)
def download_artifact(
    request: Request, db: Db, access: ProjectRead, name: ModelName, version: int
) -> FileResponse:
    row = versions.artifact_of(db, access.project.id, name, version)
    store: ArtifactStore = request.app.state.artifacts
    assert row.artifact_sha256 is not None
    return FileResponse(
        store.path_of(row.artifact_sha256),
        media_type="application/octet-stream",
        filename=row.artifact_filename or f"{name}-{version}",
        headers={"X-Continuum-Scan": row.scan_verdict.value if row.scan_verdict else "none"},
    )


@routes.put(VERSIONS + "/{version}/reference-profile", response_model=VersionPublic)
async def upload_profile(
    request: Request, db: Db, access: RunsWrite, name: ModelName, version: int
) -> VersionPublic:
    """Send the training data's profile (written by `continuum profile`) as the raw body."""
    data = await request.body()
    return await run_in_threadpool(versions.attach_profile, db, access, name, version, data)


@routes.get(
    VERSIONS + "/{version}/card.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}, "description": "The model card."}},
)
def model_card(db: Db, access: ProjectRead, name: ModelName, version: int) -> Response:
    text = card.render_markdown(card.build(db, access, name, version))
    return Response(text, media_type="text/markdown; charset=utf-8")
