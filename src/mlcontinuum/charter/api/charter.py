"""The charter: text, versions and their differences, and the YAML file."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query, Response

from mlcontinuum.api.routing import api_router
from mlcontinuum.charter import service, versions
from mlcontinuum.charter.permissions import CharterWrite
from mlcontinuum.charter.schemas import (
    CharterDiff,
    CharterDocument,
    CharterPublic,
    CharterUpdate,
    CharterVersionPublic,
    VersionSnapshot,
)
from mlcontinuum.charter.service import document
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db

routes = api_router(tags=["charter"])
YAML_TYPE = "application/yaml"


@routes.get("/projects/{project}/charter", response_model=CharterPublic)
def get_charter(db: Db, access: ProjectRead) -> CharterPublic:
    return service.get_charter(db, access)


@routes.patch("/projects/{project}/charter", response_model=CharterPublic)
def update_charter(db: Db, access: CharterWrite, data: CharterUpdate) -> CharterPublic:
    """Change some of the charter's text; a new version is recorded when anything changed."""
    return service.update_charter(db, access, data)


@routes.get("/projects/{project}/charter/versions", response_model=list[CharterVersionPublic])
def list_versions(db: Db, access: ProjectRead) -> list[CharterVersionPublic]:
    return versions.list_versions(db, access.project.id)


@routes.get("/projects/{project}/charter/versions/{version}", response_model=VersionSnapshot)
def get_version(db: Db, access: ProjectRead, version: int) -> VersionSnapshot:
    return versions.snapshot_of(db, access.project.id, version)


@routes.get("/projects/{project}/charter/diff", response_model=CharterDiff)
def diff_versions(
    db: Db,
    access: ProjectRead,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> CharterDiff:
    """What changed between two versions, field by field, with line diffs of long text."""
    return versions.diff(db, access.project.id, from_version, to_version)


@routes.get(
    "/projects/{project}/charter.yaml",
    response_class=Response,
    responses={200: {"content": {YAML_TYPE: {}}, "description": "The charter file."}},
)
def export_yaml(db: Db, access: ProjectRead) -> Response:
    text = document.export_document(db, access).to_yaml()
    return Response(text, media_type=YAML_TYPE)


@routes.put("/projects/{project}/charter.yaml", response_model=CharterPublic)
def import_yaml(
    db: Db,
    access: CharterWrite,
    body: Annotated[
        bytes,
        Body(media_type=YAML_TYPE, description="A charter file (continuum: charter/v1)."),
    ],
) -> CharterPublic:
    """Make the charter equal to the file: KPIs and stakeholders missing from it are removed."""
    document.import_document(db, access, CharterDocument.from_yaml(body))
    return service.get_charter(db, access)


@routes.get("/projects/{project}/charter/document", response_model=CharterDocument)
def export_json(db: Db, access: ProjectRead) -> CharterDocument:
    """The charter file's content as JSON."""
    return document.export_document(db, access)
