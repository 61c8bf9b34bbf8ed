"""Who works on a project, with which role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.models import Membership, User
from mlcontinuum.kernel.auth.schemas import MemberCreate, MemberPublic
from mlcontinuum.kernel.errors import FieldProblem, NotFound, ValidationFailed


def list_members(session: Session, project_id: int) -> list[MemberPublic]:
    rows = session.execute(
        select(User.username, User.full_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project_id)
        .order_by(User.username)
    ).all()
    return [MemberPublic(username=u, full_name=f, role=r) for u, f, r in rows]


def set_member(session: Session, access: ProjectAccess, data: MemberCreate) -> MemberPublic:
    try:
        user = auth_service.user_by_name(session, data.username)
    except NotFound as err:
        message = f"{err.message}; an administrator creates accounts first"
        raise ValidationFailed(message, [FieldProblem("username", "exists", message)]) from err
    auth_service.set_membership(
        session, project_id=access.project.id, user=user, role=data.role, actor=access.actor
    )
    return MemberPublic(username=user.username, full_name=user.full_name, role=data.role)


def remove_member(session: Session, access: ProjectAccess, username: str) -> None:
    user = auth_service.user_by_name(session, username)
    auth_service.remove_membership(
        session, project_id=access.project.id, user=user, actor=access.actor
    )
