"""The data-source register: sources with their live compliance, an add form, an edit form per
source, and delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import field_validator
from sqlalchemy.orm import Session

from mlcontinuum.data import service, views
from mlcontinuum.data.enums import LawfulBasis, SourceKind, SpecialCategory
from mlcontinuum.data.permissions import DataWrite
from mlcontinuum.data.schemas import (
    DataSourceCreate,
    DataSourceFields,
    DataSourcePublic,
    DataSourceUpdate,
)
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
    "kinds": choices(SourceKind),
    "bases": choices(LawfulBasis),
    "specials": choices(SpecialCategory),
}
# Blank means "not recorded" for these, not an empty string.
OPTIONAL = ("lawful_basis", "retention_days", "retention_starts_on", "access_approved_on")


class SourceForm(DataSourceCreate):
    """The register's fields as the HTML form sends them: each list as one comma-separated text
    (typed for personal data categories, joined from the ticked boxes for special ones)."""

    @field_validator("personal_data_categories", "special_categories", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


async def _ticked(request: Request) -> list[str]:
    # `Posted` keeps one value per name; the special-category boxes share one name.
    form = await request.form()
    return [value for value in form.getlist("special_categories") if isinstance(value, str)]


Ticked = Annotated[list[str], Depends(_ticked)]


def _posted_form(posted: dict[str, str], ticked: list[str]) -> Form:
    # An unticked checkbox sends nothing; "off" says so, and also clears it on an edit.
    personal = "on" if posted.get("personal_data") else "off"
    return Form({**posted, "personal_data": personal, "special_categories": ",".join(ticked)})


def _stored_form(source: DataSourcePublic) -> Form:
    values = source.model_dump(include=set(DataSourceFields.model_fields))
    values["personal_data"] = "on" if source.personal_data else "off"
    values["personal_data_categories"] = ", ".join(source.personal_data_categories)
    values["special_categories"] = ",".join(source.special_categories)
    return Form.of(values)


def _parse(form: Form) -> SourceForm:
    return form.parse(SourceForm, optional=OPTIONAL)


def _list_page(
    request: Request, db: Session, access: ProjectAccess, form: Form, saved: bool = False
) -> Response:
    view = views.register_view(db, access.project.id)
    context = {
        "project": access.project,
        **vars(view),
        "form": form,
        "saved": saved,
        **VOCABULARIES,
    }
    return render(request, "data/list.html", context, status=form.status)


def _source(db: Session, access: ProjectAccess, source_id: int) -> DataSourcePublic:
    return service.get_source_public(db, access.project.id, source_id)


def _edit_page(
    request: Request, access: ProjectAccess, source: DataSourcePublic, form: Form
) -> Response:
    context = {"project": access.project, "source": source, "form": form, **VOCABULARIES}
    return render(request, "data/edit.html", context, status=form.status)


@routes.get("/projects/{project}/data")
def source_list(request: Request, db: Db, access: ProjectRead, saved: bool = False) -> Response:
    return _list_page(request, db, access, Form(), saved)


@routes.post("/projects/{project}/data")
def add_source(
    request: Request, db: Db, access: DataWrite, posted: Posted, ticked: Ticked
) -> Response:
    form = _posted_form(posted, ticked)
    try:
        with all_or_nothing(db):
            service.add_source(db, access, _parse(form))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _list_page(request, db, access, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/data?saved=true")


@routes.get("/projects/{project}/data/{source_id}/edit")
def edit_source_form(request: Request, db: Db, access: DataWrite, source_id: int) -> Response:
    source = _source(db, access, source_id)
    return _edit_page(request, access, source, _stored_form(source))


@routes.post("/projects/{project}/data/{source_id}/edit")
def update_source(
    request: Request,
    db: Db,
    access: DataWrite,
    source_id: int,
    posted: Posted,
    ticked: Ticked,
) -> Response:
    source = _source(db, access, source_id)
    form = _posted_form(posted, ticked)
    try:
        with all_or_nothing(db):
            # The form holds every field, so the whole record is replaced (blanks clear).
            data = DataSourceUpdate.model_validate(_parse(form).model_dump())
            service.update_source(db, access, source_id, data)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _edit_page(request, access, source, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/data?saved=true")


@routes.post("/projects/{project}/data/{source_id}/delete")
def remove_source(
    request: Request, db: Db, access: DataWrite, source_id: int, posted: Posted
) -> Response:
    back = f"/projects/{access.project.slug}/data"
    source = _source(db, access, source_id)
    ask = confirmation(
        request,
        posted,
        question=f"Remove “{source.name}” from the data register?",
        detail="The audit trail keeps a record of the removal.",
        back=back,
    )
    if ask is not None:
        return ask
    service.remove_source(db, access, source_id)
    return deleted(request, f"{back}?saved=true")
