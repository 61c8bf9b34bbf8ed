"""Authorisation: turn (principal, project slug, permission) into access, or a 404 / 403.

A project the caller cannot see answers 404, not 403, so ids and slugs of other customers'
projects do not leak. Lists are filtered in SQL by `visible_projects`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mlcontinuum.auth.models import Membership
from mlcontinuum.auth.principal import Principal
from mlcontinuum.auth.roles import Permission, Role, effective_permissions
from mlcontinuum.charter.models import Project
from mlcontinuum.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    role: Role
    permissions: frozenset[Permission]
    principal: Principal

    @property
    def actor(self) -> str:
        return self.principal.username

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def require_instance(principal: Principal, permission: Permission) -> None:
    if permission is Permission.ADMIN and (not principal.is_admin or principal.narrowed):
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
    permissions = effective_permissions(role, principal.role_ceiling)
    if permission not in permissions:
        acting = (
            role
            if principal.role_ceiling is None
            else f"{role} (token ceiling {principal.role_ceiling})"
        )
        raise PermissionDenied(f"as {acting} in '{slug}' you may not do this ({permission})")
    return ProjectAccess(project, role, permissions, principal)


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
