"""Dependencies of the API routes, as named `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from mlcontinuum.api.guards import InstanceGuard, ProjectGuard, Scheme
from mlcontinuum.auth.access import ProjectAccess
from mlcontinuum.auth.principal import Principal
from mlcontinuum.auth.roles import Permission
from mlcontinuum.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


def _instance(permission: Permission, scheme: Scheme) -> object:
    return Depends(InstanceGuard(permission, scheme))


def _project(permission: Permission, scheme: Scheme) -> object:
    return Depends(ProjectGuard(permission, scheme))


# API guards: authenticated by bearer token.
Public = Annotated[Principal | None, _instance(Permission.PUBLIC, Scheme.TOKEN)]
SignedIn = Annotated[Principal, _instance(Permission.SIGNED_IN, Scheme.TOKEN)]
Admin = Annotated[Principal, _instance(Permission.ADMIN, Scheme.TOKEN)]
ProjectRead = Annotated[ProjectAccess, _project(Permission.PROJECT_READ, Scheme.TOKEN)]
CharterWrite = Annotated[ProjectAccess, _project(Permission.CHARTER_WRITE, Scheme.TOKEN)]
DataWrite = Annotated[ProjectAccess, _project(Permission.DATA_WRITE, Scheme.TOKEN)]
RunsWrite = Annotated[ProjectAccess, _project(Permission.RUNS_WRITE, Scheme.TOKEN)]
ProjectManage = Annotated[ProjectAccess, _project(Permission.PROJECT_MANAGE, Scheme.TOKEN)]
AuditRead = Annotated[ProjectAccess, _project(Permission.AUDIT_READ, Scheme.TOKEN)]
ReleaseRequester = Annotated[ProjectAccess, _project(Permission.RELEASE_REQUEST, Scheme.TOKEN)]
ReleaseApprover = Annotated[ProjectAccess, _project(Permission.RELEASE_APPROVE, Scheme.TOKEN)]
MonitorWrite = Annotated[ProjectAccess, _project(Permission.MONITOR_WRITE, Scheme.TOKEN)]
MonitorConfigure = Annotated[ProjectAccess, _project(Permission.MONITOR_CONFIGURE, Scheme.TOKEN)]
AlertsManage = Annotated[ProjectAccess, _project(Permission.ALERTS_MANAGE, Scheme.TOKEN)]
ChangeWrite = Annotated[ProjectAccess, _project(Permission.CHANGE_WRITE, Scheme.TOKEN)]

MAX_PER_PAGE = 200
Page = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")]
