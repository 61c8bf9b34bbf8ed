"""Projects and their members."""

from __future__ import annotations

from fastapi import status

from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.charter.permissions import ProjectManage
from mlcontinuum.charter.schemas import ProjectCreate, ProjectPage, ProjectPublic, ProjectUpdate
from mlcontinuum.charter.service import members, projects
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.guards import ProjectRead, SignedIn
from mlcontinuum.kernel.auth.schemas import MemberCreate, MemberPublic
from mlcontinuum.kernel.storage.db import Db

routes = api_router(tags=["projects"])


@routes.get("/projects", response_model=ProjectPage)
def list_projects(
    db: Db, principal: SignedIn, page: Page = 1, per_page: PerPage = 50
) -> ProjectPage:
    """Projects you may see, by name, one page at a time."""
    return projects.list_projects(db, principal, page=page, per_page=per_page)


@routes.post("/projects", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED)
def create_project(db: Db, principal: SignedIn, data: ProjectCreate) -> ProjectPublic:
    """Create a project; you become its owner."""
    project = projects.create_project(db, principal, data)
    return projects.public(project, auth_service.role_in(db, principal.user_id, project.id))


@routes.get("/projects/{project}", response_model=ProjectPublic)
def get_project(access: ProjectRead) -> ProjectPublic:
    return projects.public(access.project, access.role)


@routes.patch("/projects/{project}", response_model=ProjectPublic)
def update_project(db: Db, access: ProjectManage, data: ProjectUpdate) -> ProjectPublic:
    return projects.public(projects.update_project(db, access, data), access.role)


@routes.get("/projects/{project}/members", response_model=list[MemberPublic])
def list_members(db: Db, access: ProjectRead) -> list[MemberPublic]:
    return members.list_members(db, access.project.id)


@routes.put("/projects/{project}/members", response_model=MemberPublic)
def set_member(db: Db, access: ProjectManage, data: MemberCreate) -> MemberPublic:
    """Give an existing account a role in the project (or change its role)."""
    return members.set_member(db, access, data)


@routes.delete("/projects/{project}/members/{username}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(db: Db, access: ProjectManage, username: str) -> None:
    members.remove_member(db, access, username)
