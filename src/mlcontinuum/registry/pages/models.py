"""The model registry: models with their versions, one version's page (lineage, artifact with its
safety scan, gate runs, archive and restore), the artifact download and the model card.

The server never loads an artifact; the pages only show what its scan found. A file flagged
unsafe is downloaded only after a page that repeats the warning, so nobody fetches it unawares.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from mlcontinuum.gates import service as gates
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import versions
from mlcontinuum.registry.api.models import ModelName
from mlcontinuum.registry.artifacts import ArtifactStore
from mlcontinuum.registry.enums import ScanVerdict, VersionStatus
from mlcontinuum.registry.model_schemas import VersionUpdate
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.trust import card as cards
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
VERSION = "/projects/{project}/models/{name}/versions/{version}"
# The card lists the strongest features only, as its Markdown does.
TOP_FEATURES = 10
# What the archive / restore buttons are called, by the status they move to.
MOVE_LABELS = {VersionStatus.ARCHIVED: "Archive", VersionStatus.CANDIDATE: "Restore to candidate"}


def _version_url(access: ProjectAccess, name: str, version: int) -> str:
    return f"/projects/{access.project.slug}/models/{name}/versions/{version}"


@routes.get("/projects/{project}/models")
def model_list(request: Request, db: Db, access: ProjectRead) -> Response:
    project_id = access.project.id
    models = []
    for summary in versions.list_models(db, project_id):
        rows = [
            (v, gates.latest_run(db, project_id, v.model_name, v.version))
            for v in versions.list_versions(db, project_id, summary.name)
        ]
        models.append((summary.name, rows))
    return render(request, "models/list.html", {"project": access.project, "models": models})


def _version_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    name: str,
    version: int,
    form: Form,
    saved: bool = False,
) -> Response:
    found = versions.get_version(db, access.project.id, name, version)
    moves = [(status.value, MOVE_LABELS[status]) for status in versions.MANUAL_MOVES[found.status]]
    context = {
        "project": access.project,
        "version": found,
        "gate_runs": gates.list_runs(db, access.project.id, name, version),
        "moves": moves,
        "url": _version_url(access, name, version),
        "form": form,
        "saved": saved,
    }
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
            versions.set_status(db, access, name, version, form.parse(VersionUpdate).status)
    except ContinuumError as err:
        if not form_error(err):
            raise
        # The buttons are no field that could show a message next to it, so a refused move
        # (409) comes back with the refusal's own sentence on top of the version's page.
        return _version_page(request, db, access, name, version, Form().refuse(err))
    return see_other(_version_url(access, name, version) + "?saved=true")


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
    row = versions.artifact_of(db, access.project.id, name, version)
    if row.scan_verdict is ScanVerdict.UNSAFE and confirm != "yes":
        found = versions.get_version(db, access.project.id, name, version)
        context = {
            "project": access.project,
            "version": found,
            "url": _version_url(access, name, version),
        }
        return render(request, "models/download.html", context)
    store: ArtifactStore = request.app.state.artifacts
    assert row.artifact_sha256 is not None  # artifact_of refuses versions without one
    return FileResponse(
        store.path_of(row.artifact_sha256),
        media_type="application/octet-stream",
        filename=row.artifact_filename or f"{name}-{version}",
        # The same header as the API's download, so scripts fetching either can check it.
        headers={"X-Continuum-Scan": row.scan_verdict.value if row.scan_verdict else "none"},
    )


def _fairness(card: cards.ModelCard) -> list[dict[str, Any]]:
    result = card.gate("fairness")
    features: list[dict[str, Any]] = result.details.get("features", []) if result else []
    return features


def _importances(card: cards.ModelCard) -> list[dict[str, Any]]:
    result = card.gate("explainability")
    ranking: list[dict[str, Any]] = result.details.get("importances", []) if result else []
    return ranking[:TOP_FEATURES]


def _intended_use(card: cards.ModelCard) -> str:
    # As in the Markdown card: the version's own text, else the charter's MVP.
    return card.version.intended_use.strip() or card.charter.minimal_viable_product.strip()


def _limitations(card: cards.ModelCard) -> str:
    return card.version.limitations.strip() or card.charter.risks.strip()


@routes.get(VERSION + "/card")
def card_page(
    request: Request, db: Db, access: ProjectRead, name: ModelName, version: int
) -> Response:
    card = cards.build(db, access, name, version)
    context = {
        "project": access.project,
        "card": card,
        "version": card.version,
        "url": _version_url(access, name, version),
        "intended_use": _intended_use(card),
        "limitations": _limitations(card),
        "fairness": card.gate("fairness"),
        "features": _fairness(card),
        "explainability": card.gate("explainability"),
        "importances": _importances(card),
    }
    return render(request, "models/card.html", context)


@routes.get(VERSION + "/card.md")
def card_markdown(db: Db, access: ProjectRead, name: ModelName, version: int) -> Response:
    text = cards.render_markdown(cards.build(db, access, name, version))
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{version}-card.md"'},
    )
