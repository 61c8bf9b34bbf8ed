"""Change control routes: change requests with their evidence, decisions with approvals by
policy and their follow-ups, and the plan notes that accepted changes leave."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.changes import queries, service
from mlcontinuum.changes.enums import ChangeStatus
from mlcontinuum.changes.permissions import ChangeWrite
from mlcontinuum.changes.schemas import (
    ChangeApprovalCreate,
    ChangeCreate,
    ChangePage,
    ChangePublic,
    DecisionCreate,
    PlanNotePage,
    Withdrawal,
)
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db

routes = api_router(tags=["change control"])
CHANGES = "/projects/{project}/changes"


@routes.post(CHANGES, response_model=ChangePublic, status_code=status.HTTP_201_CREATED)
def open_change(db: Db, access: ChangeWrite, data: ChangeCreate) -> ChangePublic:
    """Open a change request: by a person (title, what changed, evidence, options), or from an
    alert with `alert_id` (title, deployment and evidence come from the alert)."""
    return service.open_change(db, access, data)


@routes.get(CHANGES, response_model=ChangePage)
def list_changes(
    db: Db,
    access: ProjectRead,
    status: Annotated[ChangeStatus | None, Query(description="Only this status.")] = None,
    deployment_id: Annotated[int | None, Query(description="Only this deployment's.")] = None,
    alert_id: Annotated[int | None, Query(description="Only those opened from this alert.")] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> ChangePage:
    """Change requests, newest first."""
    return queries.list_changes(
        db,
        access.project.id,
        status=status,
        deployment_id=deployment_id,
        alert_id=alert_id,
        page=page,
        per_page=per_page,
    )


@routes.get(CHANGES + "/{change_id}", response_model=ChangePublic)
def get_change(db: Db, access: ProjectRead, change_id: int) -> ChangePublic:
    return queries.get_change(db, access.project.id, change_id)


@routes.post(CHANGES + "/{change_id}/decision", response_model=ChangePublic)
def propose_decision(
    db: Db, access: ChangeWrite, change_id: int, data: DecisionCreate
) -> ChangePublic:
    """Propose a decision with its rationale; it counts as the proposer's approval for their
    side and replaces an earlier proposal."""
    return service.propose(db, access, change_id, data)


@routes.post(CHANGES + "/{change_id}/approve", response_model=ChangePublic)
def approve_change(
    db: Db, access: ChangeWrite, change_id: int, data: ChangeApprovalCreate | None = None
) -> ChangePublic:
    """Approve the proposed decision as the ML team (owner, ML engineer) or the customer
    (stakeholder). The approval that meets the policy decides it and creates its follow-up."""
    return service.approve(db, access, change_id, data.comment if data else "")


@routes.post(CHANGES + "/{change_id}/withdraw", response_model=ChangePublic)
def withdraw_change(
    db: Db, access: ChangeWrite, change_id: int, data: Withdrawal | None = None
) -> ChangePublic:
    """Withdraw an undecided request (the person who opened it, or an owner)."""
    return service.withdraw(db, access, change_id, data.reason if data else "")


@routes.get("/projects/{project}/plan-notes", response_model=PlanNotePage)
def list_plan_notes(
    db: Db, access: ProjectRead, page: Page = 1, per_page: PerPage = 50
) -> PlanNotePage:
    """Notes for the project plan, left by accepted changes; newest first."""
    return queries.list_plan_notes(db, access.project.id, page=page, per_page=per_page)
