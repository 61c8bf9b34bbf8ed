"""What the alerts slice guards: acknowledging and resolving alerts."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

# The customer's people acknowledge alerts about their business KPIs.
ALERTS_MANAGE = project_permission(
    "alerts:manage",
    "acknowledge and resolve alerts",
    Role.OWNER,
    Role.ML_ENGINEER,
    Role.STAKEHOLDER,
)
PERMISSIONS = (ALERTS_MANAGE,)

AlertsManage = Annotated[ProjectAccess, project_guard(ALERTS_MANAGE)]
