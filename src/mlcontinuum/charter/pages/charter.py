"""The charter: its text, the edit form (each save is a new version), history and diff."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.charter import service, views
from mlcontinuum.charter.permissions import CharterWrite
from mlcontinuum.charter.schemas import CHARTER_FIELDS, CharterUpdate
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()

# The seven sections in reading order, with the question each one answers.
SECTIONS = (
    ("problem_statement", "Problem statement", "What business problem does the model solve?"),
    ("in_scope", "In scope", "What the project will deliver."),
    ("out_of_scope", "Out of scope", "What it will not do, so nobody expects it."),
    ("minimal_viable_product", "Minimal viable product", "The smallest useful release."),
    ("success_criteria", "Success criteria", "How the customer will judge success."),
    ("risks", "Risks", "What could make the project fail."),
    ("assumptions", "Assumptions", "What is taken as true without proof."),
)
assert tuple(name for name, _, _ in SECTIONS) == CHARTER_FIELDS


@routes.get("/projects/{project}/charter")
def charter_page(request: Request, db: Db, access: ProjectRead, saved: bool = False) -> Response:
    context = {
        "project": access.project,
        "charter": service.get_charter(db, access),
        "sections": SECTIONS,
        "saved": saved,
    }
    return render(request, "charter/view.html", context)


def _edit_page(request: Request, db: Session, access: ProjectAccess, form: Form) -> Response:
    context = {
        "project": access.project,
        "charter": service.get_charter(db, access),
        "sections": SECTIONS,
        "form": form,
    }
    return render(request, "charter/edit.html", context, status=form.status)


@routes.get("/projects/{project}/charter/edit")
def edit_charter_form(request: Request, db: Db, access: CharterWrite) -> Response:
    charter = service.get_charter(db, access)
    form = Form.of({name: getattr(charter, name) for name in CHARTER_FIELDS})
    return _edit_page(request, db, access, form)


@routes.post("/projects/{project}/charter/edit")
def save_charter(request: Request, db: Db, access: CharterWrite, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.update_charter(db, access, form.parse(CharterUpdate))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _edit_page(request, db, access, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/charter?saved=true")


@routes.get("/projects/{project}/charter/history")
def history(request: Request, db: Db, access: ProjectRead) -> Response:
    view = views.history_view(db, access.project.id)
    return render(request, "charter/history.html", {"project": access.project, **vars(view)})


@routes.get("/projects/{project}/charter/diff")
def diff(
    request: Request,
    db: Db,
    access: ProjectRead,
    from_version: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000)],
) -> Response:
    view = views.diff_view(db, access.project.id, from_version, to_version)
    return render(request, "charter/diff.html", {"project": access.project, **vars(view)})
