"""The model pages (area **Build**): models with their versions, one version's page (lineage,
artifact with its safety scan, gate runs, archive and restore), the artifact download and the
model card. They live here, above the registry and the gates, because they show both.

The server never loads an artifact; the pages only show what its scan found. A file flagged
unsafe is downloaded only after a page that repeats the warning, so nobody fetches it unawares.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import service as registry
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.registry.schemas import VersionUpdate
from mlcontinuum.trust import queries, views
from mlcontinuum.trust.api import ModelName
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
VERSION = "/projects/{project}/models/{name}/versions/{version}"


@routes.get("/projects/{project}/models")
def model_list(request: Request, db: Db, access: ProjectRead) -> Response:
    view = views.model_list_view(db, access.project.id)
    return render(request, "models/list.html", {"project": access.project, **vars(view)})


def _version_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    name: str,
    version: int,
    form: Form,
    saved: bool = False,
) -> Response:
    view = views.version_view(db, access, name, version)
    context = {"project": access.project, **vars(view), "form": form, "saved": saved}
    return render(request, "models/version.html", context, status=form.status)


@routes.get(VERSION)
def version_page(
    request: Request,
    db: Db,
    access: ProjectRead,
    name: ModelName,
    version: int,
    saved: bool = False,
) -> Response:
    return _version_page(request, db, access, name, version, Form(), saved)


@routes.post(VERSION + "/status")
def move_version(
    request: Request,
    db: Db,
    access: RunsWrite,
    name: ModelName,
    version: int,
    posted: Posted,
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            registry.set_status(db, access, name, version, form.parse(VersionUpdate).status)
    except ContinuumError as err:
        if not form_error(err):
            raise
        # The buttons are no field that could show a message next to it, so a refused move
        # (409) comes back with the refusal's own sentence on top of the version's page.
        return _version_page(request, db, access, name, version, Form().refuse(err))
    return see_other(views.version_url(access, name, version) + "?saved=true")


@routes.get(VERSION + "/artifact")
def download_artifact(
    request: Request,
    db: Db,
    access: ProjectRead,
    name: ModelName,
    version: int,
    confirm: Literal["", "yes"] = "",
) -> Response:
    """The file for a signed-in reader (the API's download needs a token)."""
    view = views.download_view(db, access, name, version, confirmed=confirm == "yes")
    if view.warn_about is not None:
        context = {"project": access.project, "version": view.warn_about, "url": view.url}
        return render(request, "models/download.html", context)
    # The instance's artifact store (`registry.artifacts.ArtifactStore`), made by the app.
    store = request.app.state.artifacts
    return FileResponse(
        store.path_of(view.artifact.sha256),
        media_type="application/octet-stream",
        filename=view.artifact.filename or f"{name}-{version}",
        # The same header as the API's download, so scripts fetching either can check it.
        headers={"X-Continuum-Scan": view.artifact.scan_verdict.value},
    )


@routes.get(VERSION + "/card")
def card_page(
    request: Request, db: Db, access: ProjectRead, name: ModelName, version: int
) -> Response:
    view = views.card_view(db, access, name, version)
    return render(request, "models/card.html", {"project": access.project, **vars(view)})


@routes.get(VERSION + "/card.md")
def card_markdown(db: Db, access: ProjectRead, name: ModelName, version: int) -> Response:
    text = queries.model_card_markdown(db, access, name, version)
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{version}-card.md"'},
    )
