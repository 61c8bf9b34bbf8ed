"""The slice's own lookups of its rows, shared by its service and its queries (which turn them
into read models before they leave the slice)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.changes.models import ChangeApproval, ChangeRequest
from mlcontinuum.kernel.storage.lookup import one_or_not_found


def change_row(
    session: Session, project_id: int, change_id: int, *, lock: bool = False
) -> ChangeRequest:
    """The project's change request (locked for update with `lock`), or 404."""
    query = select(ChangeRequest).where(
        ChangeRequest.project_id == project_id, ChangeRequest.id == change_id
    )
    if lock:
        query = query.with_for_update()
    return one_or_not_found(session, query, f"no change request {change_id} in this project")


def approvals_of(session: Session, change_ids: Sequence[int]) -> dict[int, list[ChangeApproval]]:
    """Approvals of several requests in one query, oldest first."""
    found: dict[int, list[ChangeApproval]] = defaultdict(list)
    if change_ids:
        for approval in session.scalars(
            select(ChangeApproval)
            .where(ChangeApproval.change_id.in_(change_ids))
            .order_by(ChangeApproval.id)
        ):
            found[approval.change_id].append(approval)
    return found
