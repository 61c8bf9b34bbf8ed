"""Releases and deployments (area **Deploy**): the release requests, waiting ones first; one
request with its policy check, its evidence, its approvals and the approve, reject and (for
owners) override forms; the form that requests a release, with the chosen version checked
against each environment's policy; and the deployments: the current one of each model in each
environment (with its rollback form), the history and the DORA figures for production. The
release policies have their own page (`pages.policy`).

The services decide everything (who may approve, what a rollback restores); the pages show
their answers, refusals included, on the form that caused them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.api.deps import Page
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError, FieldProblem, NotFound, ValidationFailed
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.releases import deployments, service, views
from mlcontinuum.releases.enums import Environment, ReleaseStatus, Strategy
from mlcontinuum.releases.permissions import (
    ReleaseApprover,
    ReleasePolicyOwner,
    ReleaseRequester,
)
from mlcontinuum.releases.schemas import (
    ApprovalCreate,
    Override,
    Rejection,
    ReleaseCreate,
    Rollback,
)
from mlcontinuum.web.forms import (
    Form,
    Posted,
    all_or_nothing,
    choices,
    form_error,
    refuse_blank,
    see_other,
)
from mlcontinuum.web.paging import pager
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
PER_PAGE = 25
RELEASES = "/projects/{project}/releases"
DEPLOYMENTS = "/projects/{project}/deployments"
ENVIRONMENTS = [(e.value, e.value.capitalize()) for e in Environment]
STRATEGIES = [
    (Strategy.FULL.value, "Full: serves all the traffic"),
    (Strategy.CANARY.value, "Canary: serves a share of the traffic"),
    (Strategy.SHADOW.value, "Shadow: receives a copy of the traffic, its answers are not served"),
]
# What the release page says after a form succeeded (`?done=...`).
RELEASE_NOTICES = {
    "requested": "Release requested. It waits for approvals by the ML team and the customer.",
    "approved": "Your approval is recorded.",
    "rejected": "The release request is rejected.",
    "overridden": "You overrode the release policy for this request: it may now be approved.",
}
Done = Literal["", "requested", "approved", "rejected", "overridden"]


class RejectionForm(Rejection):
    """A blank reason is refused in words a person acts on, not "at least 1 character"."""

    _given = refuse_blank(
        "reason", "say why the release should not go ahead; the requester reads it"
    )


class RollbackForm(Rollback):
    """As `RejectionForm`, for the reason of a rollback."""

    _given = refuse_blank("reason", "say why you roll back; the reason is kept with the deployment")


class OverrideForm(Override):
    """As `RejectionForm`, for the reason of an override of the release policy."""

    _given = refuse_blank(
        "reason",
        "say why the release may go ahead although it breaks the policy; the reason is shown "
        "on the release, the model card and Health",
    )


def _releases_url(access: ProjectAccess) -> str:
    return f"/projects/{access.project.slug}/releases"


@routes.get(RELEASES)
def release_list(
    request: Request,
    db: Db,
    access: ProjectRead,
    # The filter's "all statuses" option sends an empty value.
    status: ReleaseStatus | Literal[""] = "",
    page: Page = 1,
) -> Response:
    found = service.list_releases(
        db,
        access.project.id,
        status=status or None,
        page=page,
        per_page=PER_PAGE,
        pending_first=True,
    )
    filters: dict[str, str | list[str]] = {"status": status}
    context = {
        "project": access.project,
        "releases": found.items,
        "filters": filters,
        "statuses": choices(ReleaseStatus),
        "pager": pager(request.url.path, filters, page=page, per_page=PER_PAGE, total=found.total),
    }
    return render(request, "releases/list.html", context)


def _new_page(request: Request, db: Session, access: ProjectAccess, form: Form) -> Response:
    view = views.new_release_view(db, access, form.value("model_name"), form.value("version"))
    context = {
        "project": access.project,
        "form": form,
        **vars(view),
        "environments": ENVIRONMENTS,
        "strategies": STRATEGIES,
    }
    return render(request, "releases/new.html", context, status=form.status)


# Declared before /releases/{release_id}, which would take "new" for a number.
@routes.get(RELEASES + "/new")
def new_release_form(
    request: Request,
    db: Db,
    access: ReleaseRequester,
    model: Annotated[str, Query(max_length=100)] = "",
    version: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    defaults = {
        "model_name": model,
        "version": version,
        "environment": Environment.STAGING.value,
        "strategy": Strategy.FULL.value,
    }
    return _new_page(request, db, access, Form(defaults))


@routes.post(RELEASES + "/new")
def request_release(request: Request, db: Db, access: ReleaseRequester, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            data = form.parse(ReleaseCreate, optional=("traffic_share", "override_reason"))
            try:
                created = service.request_release(db, access, data)
            except NotFound as err:
                # A version that does not exist is a mistake in the form, fixed on the form.
                problem = FieldProblem("version", "exists", err.message)
                raise ValidationFailed(err.message, [problem]) from err
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _new_page(request, db, access, form.refuse(err))
    return see_other(f"{_releases_url(access)}/{created.id}?done=requested")


def _release_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    release_id: int,
    *,
    approve_form: Form,
    reject_form: Form,
    override_form: Form | None = None,
    done: str = "",
) -> Response:
    view = views.release_view(db, access, release_id)
    override_form = override_form or Form()
    context = {
        "project": access.project,
        **vars(view),
        "approve_form": approve_form,
        "reject_form": reject_form,
        "override_form": override_form,
        "notice": RELEASE_NOTICES.get(done),
    }
    status = max(approve_form.status, reject_form.status, override_form.status)
    return render(request, "releases/release.html", context, status=status)


@routes.get(RELEASES + "/{release_id}")
def release_page(
    request: Request, db: Db, access: ProjectRead, release_id: int, done: Done = ""
) -> Response:
    return _release_page(
        request, db, access, release_id, approve_form=Form(), reject_form=Form(), done=done
    )


@routes.post(RELEASES + "/{release_id}/approve")
def approve_release(
    request: Request, db: Db, access: ReleaseApprover, release_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.approve(db, access, release_id, form.parse(ApprovalCreate).comment)
    except ContinuumError as err:
        # Approving one's own request is refused by the service (403), as is approving one that
        # broke its policy since the page was read (409); the page says so where the person
        # clicked, with the service's own sentence.
        if not (form_error(err) or err.status == 403):
            raise
        return _release_page(
            request, db, access, release_id, approve_form=form.refuse(err), reject_form=Form()
        )
    return see_other(f"{_releases_url(access)}/{release_id}?done=approved")


@routes.post(RELEASES + "/{release_id}/override")
def override_policy(
    request: Request, db: Db, access: ReleasePolicyOwner, release_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.override(db, access, release_id, form.parse(OverrideForm).reason)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _release_page(
            request,
            db,
            access,
            release_id,
            approve_form=Form(),
            reject_form=Form(),
            override_form=form.refuse(err),
        )
    return see_other(f"{_releases_url(access)}/{release_id}?done=overridden")


@routes.post(RELEASES + "/{release_id}/reject")
def reject_release(
    request: Request, db: Db, access: ReleaseApprover, release_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.reject(db, access, release_id, form.parse(RejectionForm).reason)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _release_page(
            request, db, access, release_id, approve_form=Form(), reject_form=form.refuse(err)
        )
    return see_other(f"{_releases_url(access)}/{release_id}?done=rejected")


def _deployments_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    *,
    environment: Environment | None,
    page: int,
    rollback_form: Form,
    rollback_of: int | None = None,
    rolled_back: bool = False,
) -> Response:
    view = views.deployments_view(
        db, access.project.id, environment=environment, page=page, per_page=PER_PAGE
    )
    filters: dict[str, str | list[str]] = {"environment": environment.value if environment else ""}
    path = f"/projects/{access.project.slug}/deployments"
    context = {
        "project": access.project,
        "current": view.current,
        "history": view.history,
        "dora": view.dora,
        "filters": filters,
        "environments": ENVIRONMENTS,
        "rollback_form": rollback_form,
        "rollback_of": rollback_of,
        "blank": Form(),
        "rolled_back": rolled_back,
        "pager": pager(path, filters, page=page, per_page=PER_PAGE, total=view.total),
    }
    return render(request, "releases/deployments.html", context, status=rollback_form.status)


@routes.get(DEPLOYMENTS)
def deployment_list(
    request: Request,
    db: Db,
    access: ProjectRead,
    environment: Environment | Literal[""] = "",
    page: Page = 1,
    rolled_back: bool = False,
) -> Response:
    return _deployments_page(
        request,
        db,
        access,
        environment=environment or None,
        page=page,
        rollback_form=Form(),
        rolled_back=rolled_back,
    )


@routes.post(DEPLOYMENTS + "/{deployment_id}/rollback")
def roll_back(
    request: Request, db: Db, access: ReleaseRequester, deployment_id: int, posted: Posted
) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            deployments.rollback(db, access, deployment_id, form.parse(RollbackForm).reason)
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _deployments_page(
            request,
            db,
            access,
            environment=None,
            page=1,
            rollback_form=form.refuse(err),
            rollback_of=deployment_id,
        )
    return see_other(f"/projects/{access.project.slug}/deployments?rolled_back=true")
