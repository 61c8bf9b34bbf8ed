"""What the charter slice guards: the charter, its KPIs and stakeholders, and the project itself."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

CHARTER_WRITE = project_permission(
    "charter:write", "edit the charter, its KPIs and stakeholders", Role.OWNER, Role.ML_ENGINEER
)
PROJECT_MANAGE = project_permission(
    "project:manage", "change the project's settings and members", Role.OWNER
)
PERMISSIONS = (CHARTER_WRITE, PROJECT_MANAGE)

CharterWrite = Annotated[ProjectAccess, project_guard(CHARTER_WRITE)]
ProjectManage = Annotated[ProjectAccess, project_guard(PROJECT_MANAGE)]
