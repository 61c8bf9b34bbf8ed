"""Guards for pages: authenticated by the session cookie; signed-out visitors go to /login."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mlcontinuum.api.guards import InstanceGuard, ProjectGuard, Scheme
from mlcontinuum.auth.access import ProjectAccess
from mlcontinuum.auth.principal import Principal
from mlcontinuum.auth.roles import Permission

PagePublic = Annotated[Principal | None, Depends(InstanceGuard(Permission.PUBLIC, Scheme.SESSION))]
PageSignedIn = Annotated[Principal, Depends(InstanceGuard(Permission.SIGNED_IN, Scheme.SESSION))]
PageAdmin = Annotated[Principal, Depends(InstanceGuard(Permission.ADMIN, Scheme.SESSION))]
PageProjectRead = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.PROJECT_READ, Scheme.SESSION))
]
PageCharterWrite = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.CHARTER_WRITE, Scheme.SESSION))
]
PageDataWrite = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.DATA_WRITE, Scheme.SESSION))
]
PageRunsWrite = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.RUNS_WRITE, Scheme.SESSION))
]
PageProjectManage = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.PROJECT_MANAGE, Scheme.SESSION))
]
PageAuditRead = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.AUDIT_READ, Scheme.SESSION))
]
PageReleaseRequest = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.RELEASE_REQUEST, Scheme.SESSION))
]
PageReleaseApprove = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.RELEASE_APPROVE, Scheme.SESSION))
]
PageAlertsManage = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.ALERTS_MANAGE, Scheme.SESSION))
]
PageChangeWrite = Annotated[
    ProjectAccess, Depends(ProjectGuard(Permission.CHANGE_WRITE, Scheme.SESSION))
]
