"""Projects: the list, the create form, and a project's overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from mlcontinuum.charter import views
from mlcontinuum.charter.schemas import ProjectCreate
from mlcontinuum.charter.service import projects
from mlcontinuum.kernel.auth.guards import ProjectRead, SignedIn
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.lifecycle import CrispDmPhase, Stage
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, choices, form_error, see_other
from mlcontinuum.web.paging import pager
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
PER_PAGE = 25
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]


@routes.get("/projects")
def project_list(request: Request, db: Db, principal: SignedIn, page: PageNumber = 1) -> Response:
    found = projects.list_projects(db, principal, page=page, per_page=PER_PAGE)
    return render(
        request,
        "projects/list.html",
        {
            "projects": found.items,
            "pager": pager("/projects", {}, page=page, per_page=PER_PAGE, total=found.total),
        },
    )


def _new_page(request: Request, form: Form) -> Response:
    return render(
        request,
        "projects/new.html",
        {"form": form, "stages": choices(Stage), "phases": choices(CrispDmPhase)},
        status=form.status,
    )


@routes.get("/projects/new")
def new_project_form(request: Request, _: SignedIn) -> Response:
    defaults = {"stage": Stage.SCOPE, "crisp_dm_phase": CrispDmPhase.BUSINESS_UNDERSTANDING}
    return _new_page(request, Form.of(defaults))


@routes.post("/projects/new")
def create_project(request: Request, db: Db, principal: SignedIn, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            project = projects.create_project(db, principal, form.parse(ProjectCreate))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _new_page(request, form.refuse(err))
    return see_other(f"/projects/{project.slug}")


@routes.get("/projects/{project}")
def overview(request: Request, db: Db, access: ProjectRead) -> Response:
    view = views.overview_view(db, access)
    return render(request, "projects/overview.html", {"project": access.project, **vars(view)})
