"""The change-request pages: the list, and one request with its decision and approval forms."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.api.deps import Page
from mlcontinuum.changes import service as changes
from mlcontinuum.changes.enums import ChangeStatus
from mlcontinuum.changes.permissions import ChangeWrite
from mlcontinuum.changes.schemas import ChangeApprovalCreate, DecisionCreate
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.operations.pages.shared import variables
from mlcontinuum.operations.views_changes import change_view, changes_view
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, refuse_blank, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
CHANGES = "/projects/{project}/changes"
# What the page says after a form succeeded (`?done=...`).
CHANGE_NOTICES = {
    "opened": "Change request opened with the alert's evidence. Propose a decision below.",
    "proposed": "Decision proposed; it counts as your approval. It waits for the other side.",
    "approved": "Your approval is recorded.",
}
ChangeDone = Literal["", "opened", "proposed", "approved"]


class DecisionForm(DecisionCreate):
    """A decision as the form sends it: a blank rationale is refused in words."""

    _given = refuse_blank("rationale", "say why; the approvers read it and the record keeps it")


@routes.get(CHANGES)
def change_list(
    request: Request,
    db: Db,
    access: ProjectRead,
    status: ChangeStatus | Literal[""] = "",
    deployment_id: Annotated[int | None, Query(ge=1)] = None,
    page: Page = 1,
) -> Response:
    view = changes_view(
        db,
        access,
        status=status or None,
        deployment_id=deployment_id,
        page=page,
        path=request.url.path,
    )
    context = {"project": access.project, **variables(view)}
    return render(request, "monitoring/changes.html", context)


def _render_change(
    request: Request,
    db: Session,
    access: ProjectAccess,
    change_id: int,
    *,
    decision_form: Form | None = None,
    approve_form: Form | None = None,
    done: str = "",
) -> Response:
    view = change_view(db, access, change_id)
    decision_form = decision_form or Form.of(view.decision_defaults)
    approve_form = approve_form or Form()
    context = {
        "project": access.project,
        **variables(view),
        "decision_form": decision_form,
        "approve_form": approve_form,
        "notice": CHANGE_NOTICES.get(done),
    }
    status = max(decision_form.status, approve_form.status)
    return render(request, "monitoring/change.html", context, status=status)


@routes.get(CHANGES + "/{change_id}")
def change_page(
    request: Request, db: Db, access: ProjectRead, change_id: int, done: ChangeDone = ""
) -> Response:
    return _render_change(request, db, access, change_id, done=done)


@routes.post(CHANGES + "/{change_id}/decision")
def propose_decision(
    request: Request, db: Db, access: ChangeWrite, change_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            changes.propose(db, access, change_id, form.parse(DecisionForm, optional=("version",)))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _render_change(request, db, access, change_id, decision_form=form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/changes/{change_id}?done=proposed")


@routes.post(CHANGES + "/{change_id}/approve")
def approve_change(
    request: Request, db: Db, access: ChangeWrite, change_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            changes.approve(db, access, change_id, form.parse(ChangeApprovalCreate).comment)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _render_change(request, db, access, change_id, approve_form=form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/changes/{change_id}?done=approved")
