"""The release policies page (area **Deploy**): what a release to each environment must meet,
read by everyone, and changed by owners through one form per environment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import (
    ContinuumError,
    FieldProblem,
    ValidationFailed,
    validation_failed,
)
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.releases import policy, views
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.permissions import ReleasePolicyOwner
from mlcontinuum.releases.schemas import ReleasePolicyPublic, ReleasePolicyUpdate
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
POLICIES = "/projects/{project}/release-policies"
# How the form says which gates are required (`required_gates` null, a list, or empty).
GATE_RULES = [
    ("file", "Every gate the latest gate run marks required (as the gates file says)"),
    ("named", "The gates ticked below, whatever the gates file says"),
    ("none", "No gate: the gates do not hold a release back"),
]
CHECKBOXES = ("block_unsafe_artifact", "block_noncompliant_data")


async def _ticked(request: Request) -> list[str]:
    # `Posted` keeps one value per name; the gate boxes share one name.
    form = await request.form()
    return [value for value in form.getlist("required_gates") if isinstance(value, str)]


Ticked = Annotated[list[str], Depends(_ticked)]


def _stored_form(stored: ReleasePolicyPublic) -> Form:
    named = stored.required_gates
    values = {
        "gates_rule": "file" if named is None else "named" if named else "none",
        "required_gates": ",".join(named or []),
        "ml_team_approvals": str(stored.ml_team_approvals),
        "customer_approvals": str(stored.customer_approvals),
    }
    values |= {name: "on" if getattr(stored, name) else "off" for name in CHECKBOXES}
    return Form(values)


def _posted_form(posted: dict[str, str], ticked: list[str]) -> Form:
    # An unticked checkbox sends nothing; "off" says so.
    boxes = {name: "on" if posted.get(name) else "off" for name in CHECKBOXES}
    return Form({**posted, **boxes, "required_gates": ",".join(ticked)})


def _parse(form: Form) -> ReleasePolicyUpdate:
    """The whole policy as the form states it; a problem names the form's field."""
    rule = form.value("gates_rule")
    ticked = [name for name in form.value("required_gates").split(",") if name]
    if rule not in {value for value, _ in GATE_RULES}:
        message = "choose which gates must pass"
        raise ValidationFailed(message, [FieldProblem("gates_rule", "choice", message)])
    if rule == "named" and not ticked:
        message = "tick the gates that must pass, or choose another rule"
        raise ValidationFailed(message, [FieldProblem("required_gates", "empty", message)])
    data = {
        "required_gates": None if rule == "file" else ticked if rule == "named" else [],
        "ml_team_approvals": form.value("ml_team_approvals"),
        "customer_approvals": form.value("customer_approvals"),
        **{name: form.value(name) == "on" for name in CHECKBOXES},
    }
    try:
        return ReleasePolicyUpdate.model_validate(data)
    except ValidationError as err:
        raise validation_failed(err) from err


def _page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    *,
    refused: tuple[Environment, Form] | None = None,
    saved: Environment | None = None,
) -> Response:
    view = views.policies_view(db, access)
    forms = {p.environment: _stored_form(p) for p in view.policies}
    if refused is not None:
        forms[refused[0]] = refused[1]
    context = {
        "project": access.project,
        **vars(view),
        "forms": forms,
        "gate_rules": GATE_RULES,
        "saved": saved,
    }
    status = refused[1].status if refused else 200
    return render(request, "releases/policy.html", context, status=status)


@routes.get(POLICIES)
def policies_page(
    request: Request, db: Db, access: ProjectRead, saved: Environment | Literal[""] = ""
) -> Response:
    return _page(request, db, access, saved=saved or None)


@routes.post(POLICIES + "/{environment}")
def update_policy(
    request: Request,
    db: Db,
    access: ReleasePolicyOwner,
    environment: Environment,
    posted: Posted,
    ticked: Ticked,
) -> Response:
    form = _posted_form(posted, ticked)
    try:
        with all_or_nothing(db):
            policy.update_policy(db, access, environment, _parse(form))
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _page(request, db, access, refused=(environment, form.refuse(err)))
    return see_other(
        f"/projects/{access.project.slug}/release-policies?saved={environment.value}"
        f"#policy-{environment.value}"
    )
