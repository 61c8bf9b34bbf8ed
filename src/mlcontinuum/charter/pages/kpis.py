"""KPIs: the table with an add form, an edit form per KPI, and delete."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.charter import service
from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.charter.permissions import CharterWrite
from mlcontinuum.charter.schemas import KpiCreate, KpiFields, KpiPublic, KpiUpdate
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.deleting import confirmation, deleted
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, choices, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
VOCABULARIES = {
    "kinds": choices(KpiKind),
    "directions": choices(Direction),
    "frequencies": choices(Frequency),
}


def _list_page(
    request: Request, db: Session, access: ProjectAccess, form: Form, saved: bool = False
) -> Response:
    context = {
        "project": access.project,
        "kpis": service.list_kpis(db, access.project.id),
        "form": form,
        "saved": saved,
        **VOCABULARIES,
    }
    return render(request, "kpis/list.html", context, status=form.status)


def _kpi(db: Session, access: ProjectAccess, kpi_id: int) -> KpiPublic:
    return service.get_kpi(db, access.project.id, kpi_id)


def _edit_page(request: Request, access: ProjectAccess, kpi: KpiPublic, form: Form) -> Response:
    context = {"project": access.project, "kpi": kpi, "form": form, **VOCABULARIES}
    return render(request, "kpis/edit.html", context, status=form.status)


@routes.get("/projects/{project}/kpis")
def kpi_list(request: Request, db: Db, access: ProjectRead, saved: bool = False) -> Response:
    return _list_page(request, db, access, Form(), saved)


@routes.post("/projects/{project}/kpis")
def add_kpi(request: Request, db: Db, access: CharterWrite, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.add_kpi(db, access, form.parse(KpiCreate))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _list_page(request, db, access, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/kpis?saved=true")


@routes.get("/projects/{project}/kpis/{kpi_id}/edit")
def edit_kpi_form(request: Request, db: Db, access: CharterWrite, kpi_id: int) -> Response:
    kpi = _kpi(db, access, kpi_id)
    form = Form.of({name: getattr(kpi, name) for name in KpiFields.model_fields})
    return _edit_page(request, access, kpi, form)


@routes.post("/projects/{project}/kpis/{kpi_id}/edit")
def update_kpi(
    request: Request, db: Db, access: CharterWrite, kpi_id: int, posted: Posted
) -> Response:
    kpi = _kpi(db, access, kpi_id)
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.update_kpi(db, access, kpi_id, form.parse(KpiUpdate))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _edit_page(request, access, kpi, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/kpis?saved=true")


@routes.post("/projects/{project}/kpis/{kpi_id}/delete")
def delete_kpi(
    request: Request, db: Db, access: CharterWrite, kpi_id: int, posted: Posted
) -> Response:
    back = f"/projects/{access.project.slug}/kpis"
    kpi = _kpi(db, access, kpi_id)
    ask = confirmation(
        request,
        posted,
        question=f"Delete the KPI “{kpi.name}”?",
        detail="The charter gets a new version without it; earlier versions keep it.",
        back=back,
    )
    if ask is not None:
        return ask
    service.delete_kpi(db, access, kpi_id)
    return deleted(request, f"{back}?saved=true")
