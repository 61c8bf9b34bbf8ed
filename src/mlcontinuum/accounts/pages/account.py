"""Your own API tokens: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth import service
from mlcontinuum.kernel.auth.access import project_access
from mlcontinuum.kernel.auth.guards import SignedIn
from mlcontinuum.kernel.auth.permissions import PROJECT_READ
from mlcontinuum.kernel.auth.principal import Principal
from mlcontinuum.kernel.auth.schemas import TokenCreate
from mlcontinuum.kernel.errors import ContinuumError, FieldProblem, NotFound
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.labels import ROLE_CHOICES
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
DEFAULT_EXPIRY_DAYS = 90


def _page(
    request: Request, db: Session, principal: Principal, form: Form, revoked: bool = False
) -> Response:
    context = {
        "tokens": service.list_tokens(db, principal),
        "form": form,
        "roles": ROLE_CHOICES,
        "revoked": revoked,
    }
    return render(request, "account/tokens.html", context, status=form.status)


@routes.get("/account/tokens")
def token_list(
    request: Request, db: Db, principal: SignedIn, revoked: bool = False
) -> Response:
    return _page(request, db, principal, Form.of({"expires_in_days": DEFAULT_EXPIRY_DAYS}), revoked)


@routes.post("/account/tokens")
def create_token(request: Request, db: Db, principal: SignedIn, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            data = form.parse(TokenCreate, optional=("project", "role_ceiling", "expires_in_days"))
            project_id = None
            if data.project:
                try:
                    project = project_access(db, principal, data.project, PROJECT_READ)
                except NotFound as err:
                    raise _field("project", err) from err
                project_id = project.project.id
            created = service.create_token(db, principal, data, project_id=project_id)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _page(request, db, principal, form.refuse(err))
    response = render(request, "account/token_created.html", {"token": created}, status=201)
    # The secret is on this page only; no cache (browser or proxy) may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


def _field(name: str, error: ContinuumError) -> ContinuumError:
    failure = ContinuumError(error.message, [FieldProblem(name, "exists", error.message)])
    failure.status = 422
    return failure


@routes.post("/account/tokens/{token_id}/revoke")
def revoke_token(db: Db, principal: SignedIn, token_id: int) -> Response:
    service.revoke_token(db, principal, token_id)
    return see_other("/account/tokens?revoked=true")
