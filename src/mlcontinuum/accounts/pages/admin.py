"""Instance administration: user accounts."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth import service
from mlcontinuum.kernel.auth.guards import Admin
from mlcontinuum.kernel.auth.schemas import UserCreate, UserPublic
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()


def _users(db: Session) -> list[UserPublic]:
    return [UserPublic.model_validate(user) for user in service.list_users(db)]


def _page(request: Request, db: Session, form: Form, created: bool = False) -> Response:
    # A password is never sent back to the browser, not even a refused one.
    form.values.pop("password", None)
    context = {"users": _users(db), "form": form, "created": created}
    return render(request, "admin/users.html", context, status=form.status)


@routes.get("/admin/users")
def user_list(request: Request, db: Db, _: Admin, created: bool = False) -> Response:
    return _page(request, db, Form(), created)


@routes.post("/admin/users")
def create_user(request: Request, db: Db, admin: Admin, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.create_user(db, form.parse(UserCreate), actor=admin.username)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _page(request, db, form.refuse(err))
    return see_other("/admin/users?created=true")
