"""Stakeholders: the list with an add form, an edit form per person, and delete."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.charter import service
from mlcontinuum.charter.permissions import CharterWrite
from mlcontinuum.charter.schemas import StakeholderCreate, StakeholderPublic, StakeholderUpdate
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.deleting import confirmation, deleted
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
FIELDS = ("name", "organisation", "role", "contact", "username")


def _list_page(
    request: Request, db: Session, access: ProjectAccess, form: Form, saved: bool = False
) -> Response:
    context = {
        "project": access.project,
        "stakeholders": service.list_stakeholders(db, access.project.id),
        "form": form,
        "saved": saved,
    }
    return render(request, "stakeholders/list.html", context, status=form.status)


def _person(db: Session, access: ProjectAccess, stakeholder_id: int) -> StakeholderPublic:
    return service.get_stakeholder(db, access.project.id, stakeholder_id)


def _edit_page(
    request: Request, access: ProjectAccess, person: StakeholderPublic, form: Form
) -> Response:
    context = {"project": access.project, "person": person, "form": form}
    return render(request, "stakeholders/edit.html", context, status=form.status)


@routes.get("/projects/{project}/stakeholders")
def stakeholder_list(
    request: Request, db: Db, access: ProjectRead, saved: bool = False
) -> Response:
    return _list_page(request, db, access, Form(), saved)


@routes.post("/projects/{project}/stakeholders")
def add_stakeholder(request: Request, db: Db, access: CharterWrite, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            data = form.parse(StakeholderCreate, optional=("username",))
            service.add_stakeholder(db, access, data)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _list_page(request, db, access, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/stakeholders?saved=true")


@routes.get("/projects/{project}/stakeholders/{stakeholder_id}/edit")
def edit_stakeholder_form(
    request: Request, db: Db, access: CharterWrite, stakeholder_id: int
) -> Response:
    person = _person(db, access, stakeholder_id)
    form = Form.of({name: getattr(person, name) for name in FIELDS})
    return _edit_page(request, access, person, form)


@routes.post("/projects/{project}/stakeholders/{stakeholder_id}/edit")
def update_stakeholder(
    request: Request, db: Db, access: CharterWrite, stakeholder_id: int, posted: Posted
) -> Response:
    person = _person(db, access, stakeholder_id)
    form = Form(posted)
    try:
        with all_or_nothing(db):
            # A blank account name is kept as "": it unlinks the account (the service's rule).
            data = form.parse(StakeholderUpdate)
            service.update_stakeholder(db, access, stakeholder_id, data)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _edit_page(request, access, person, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/stakeholders?saved=true")


@routes.post("/projects/{project}/stakeholders/{stakeholder_id}/delete")
def remove_stakeholder(
    request: Request, db: Db, access: CharterWrite, stakeholder_id: int, posted: Posted
) -> Response:
    back = f"/projects/{access.project.slug}/stakeholders"
    person = _person(db, access, stakeholder_id)
    ask = confirmation(
        request,
        posted,
        question=f"Remove {person.name} ({person.organisation}) from the stakeholders?",
        detail="A linked account keeps its project membership; change it under Settings.",
        back=back,
    )
    if ask is not None:
        return ask
    service.remove_stakeholder(db, access, stakeholder_id)
    return deleted(request, f"{back}?saved=true")
