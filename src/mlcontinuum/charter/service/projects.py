"""Rules for projects: create (the creator becomes owner), list what one may see, update."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.charter import versions
from mlcontinuum.charter.models import Charter
from mlcontinuum.charter.schemas import ProjectCreate, ProjectPage, ProjectPublic, ProjectUpdate
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.access import ProjectAccess, visible_projects
from mlcontinuum.kernel.auth.models import Project, User
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.auth.principal import Principal
from mlcontinuum.kernel.errors import Conflict, FieldProblem, PermissionDenied
from mlcontinuum.kernel.storage.base import utcnow


def create_project(session: Session, principal: Principal, data: ProjectCreate) -> Project:
    if principal.narrowed:
        raise PermissionDenied("a scoped token cannot create projects; use a full token")
    if session.scalar(select(Project.id).where(Project.slug == data.slug)) is not None:
        raise Conflict(
            f"a project with slug '{data.slug}' exists",
            [FieldProblem("slug", "unique", "choose another slug")],
        )
    project = Project(**data.model_dump())
    session.add(project)
    session.flush()
    session.add(Charter(project_id=project.id))
    events.append(
        session,
        type="project.created",
        actor=principal.username,
        project_id=project.id,
        payload=data.model_dump(mode="json"),
    )
    creator = session.get_one(User, principal.user_id)
    auth_service.set_membership(
        session, project_id=project.id, user=creator, role=Role.OWNER, actor=principal.username
    )
    versions.record(session, project, actor=principal.username, change="charter started")
    return project


def list_projects(
    session: Session, principal: Principal, *, page: int, per_page: int
) -> ProjectPage:
    query = visible_projects(principal)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Project.name, Project.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    items = [public(project, role) for project, role in rows]
    return ProjectPage(items=items, total=total, page=page, per_page=per_page)


def update_project(session: Session, access: ProjectAccess, data: ProjectUpdate) -> Project:
    project = access.project
    changes = {
        key: value
        for key, value in data.model_dump(exclude_unset=True).items()
        if value is not None and getattr(project, key) != value
    }
    if not changes:
        return project
    for key, value in changes.items():
        setattr(project, key, value)
    project.updated_at = utcnow()
    events.append(
        session,
        type="project.updated",
        actor=access.actor,
        project_id=project.id,
        payload=ProjectUpdate(**changes).model_dump(mode="json", exclude_none=True),
    )
    return project


def public(project: Project, role: Role | None) -> ProjectPublic:
    result = ProjectPublic.model_validate(project)
    result.your_role = role
    return result
