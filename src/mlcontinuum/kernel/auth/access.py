"""Authorisation: turn (principal, project slug, permission) into access, or a 404 / 403.

A project the caller cannot see answers 404, not 403, so ids and slugs of other customers'
projects do not leak. Lists are filtered in SQL by `visible_projects`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.models import Membership, Project
from mlcontinuum.kernel.auth.permissions import ADMIN, Permission, Role
from mlcontinuum.kernel.auth.principal import Principal
from mlcontinuum.kernel.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    role: Role
    principal: Principal

    @property
    def actor(self) -> str:
        return self.principal.username

    def can(self, permission: Permission) -> bool:
        return permission.held_by(self.role, self.principal.role_ceiling)


def require_instance(principal: Principal, permission: Permission) -> None:
    if permission == ADMIN and (not principal.is_admin or principal.narrowed):
        raise PermissionDenied("only an instance administrator, signed in or with a full token")


def project_access(
    session: Session, principal: Principal, slug: str, permission: Permission
) -> ProjectAccess:
    project = session.scalar(select(Project).where(Project.slug == slug))
    hidden = NotFound(f"no project '{slug}' that you can see")
    if project is None:
        raise hidden
    if principal.token_project_id is not None and principal.token_project_id != project.id:
        raise hidden
    role: Role | None
    if principal.is_admin:
        role = Role.OWNER
    else:
        role = session.scalar(
            select(Membership.role).where(
                Membership.project_id == project.id, Membership.user_id == principal.user_id
            )
        )
    if role is None:
        raise hidden
    if not permission.held_by(role, principal.role_ceiling):
        acting = (
            role
            if principal.role_ceiling is None
            else f"{role} (token ceiling {principal.role_ceiling})"
        )
        raise PermissionDenied(f"as {acting} in '{slug}' you may not do this ({permission})")
    return ProjectAccess(project, role, principal)


def visible_projects(principal: Principal) -> Select[Project, Role]:
    """Projects the principal may read, with their role, filtered inside the query."""
    query = select(Project, Membership.role).outerjoin(
        Membership,
        (Membership.project_id == Project.id) & (Membership.user_id == principal.user_id),
    )
    if not principal.is_admin:
        query = query.where(Membership.id.is_not(None))
    if principal.token_project_id is not None:
        query = query.where(Project.id == principal.token_project_id)
    return query
