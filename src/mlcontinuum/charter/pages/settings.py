"""A project's settings (name, customer, stage, phase) and its members, for its managers."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.charter.permissions import ProjectManage
from mlcontinuum.charter.schemas import ProjectUpdate
from mlcontinuum.charter.service import members, projects
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.auth.schemas import MemberCreate
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.lifecycle import CrispDmPhase, Stage
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, choices, form_error, see_other
from mlcontinuum.web.labels import ROLE_CHOICES
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
PROJECT_FIELDS = ("name", "customer", "description", "stage", "crisp_dm_phase")


def _page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    *,
    project_form: Form | None = None,
    member_form: Form | None = None,
    saved: str | None = None,
) -> Response:
    project = access.project
    project_form = project_form or Form.of({k: getattr(project, k) for k in PROJECT_FIELDS})
    member_form = member_form or Form.of({"role": Role.VIEWER})
    failed = project_form.status if project_form.problems else member_form.status
    return render(
        request,
        "projects/settings.html",
        {
            "project": project,
            "form": project_form,
            "member_form": member_form,
            "members": members.list_members(db, project.id),
            "stages": choices(Stage),
            "phases": choices(CrispDmPhase),
            "roles": ROLE_CHOICES,
            "saved": saved,
        },
        status=failed,
    )


@routes.get("/projects/{project}/settings")
def settings_page(
    request: Request, db: Db, access: ProjectManage, saved: str | None = None
) -> Response:
    # `saved` only picks one of the page's fixed notices; its text is never shown.
    return _page(request, db, access, saved=saved)


@routes.post("/projects/{project}/settings")
def update_project(request: Request, db: Db, access: ProjectManage, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            projects.update_project(db, access, form.parse(ProjectUpdate))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _page(request, db, access, project_form=form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/settings?saved=project")


@routes.post("/projects/{project}/members")
def set_member(request: Request, db: Db, access: ProjectManage, posted: Posted) -> Response:
    """Add an existing account with a role, or change a member's role."""
    form = Form(posted)
    try:
        with all_or_nothing(db):
            members.set_member(db, access, form.parse(MemberCreate))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _page(request, db, access, member_form=form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/settings?saved=members#members")


@routes.post("/projects/{project}/members/{username}/remove")
def remove_member(request: Request, db: Db, access: ProjectManage, username: str) -> Response:
    form = Form()  # its problems (e.g. the last owner) concern no field of the add form
    try:
        with all_or_nothing(db):
            members.remove_member(db, access, username)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _page(request, db, access, member_form=form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/settings?saved=members#members")
