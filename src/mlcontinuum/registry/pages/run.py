"""One run: what it tried, its code and data, parameters, tags, metrics with a chart of each
series, and a form that ends a running run."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import service, views
from mlcontinuum.registry.enums import RunStatus
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.registry.schemas import RunUpdate
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
ENDINGS = [(s.value, s.value.capitalize()) for s in RunStatus if s.finished]


def _run_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    number: int,
    form: Form,
    saved: bool = False,
) -> Response:
    view = views.run_view(db, access.project.id, number)
    context = {
        "project": access.project,
        **vars(view),
        "endings": ENDINGS,
        "form": form,
        "saved": saved,
    }
    return render(request, "runs/run.html", context, status=form.status)


@routes.get("/projects/{project}/runs/{number}")
def run_page(
    request: Request, db: Db, access: ProjectRead, number: int, saved: bool = False
) -> Response:
    return _run_page(request, db, access, number, Form({"status": RunStatus.FINISHED.value}), saved)


@routes.post("/projects/{project}/runs/{number}/status")
def end_run(request: Request, db: Db, access: RunsWrite, number: int, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.update_run(
                db, access, number, form.parse(RunUpdate, optional=("compute_cost",))
            )
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _run_page(request, db, access, number, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/runs/{number}?saved=true")
