"""What the monitoring slice guards: sending production data, and configuring the loop."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

MONITOR_WRITE = project_permission(
    "monitor:write",
    "send production batches, labels and KPI values",
    Role.OWNER,
    Role.ML_ENGINEER,
)
MONITOR_CONFIGURE = project_permission(
    "monitor:configure",
    "set alert rules and webhooks, evaluate windows now",
    Role.OWNER,
    Role.ML_ENGINEER,
)
PERMISSIONS = (MONITOR_WRITE, MONITOR_CONFIGURE)

MonitorWrite = Annotated[ProjectAccess, project_guard(MONITOR_WRITE)]
MonitorConfigure = Annotated[ProjectAccess, project_guard(MONITOR_CONFIGURE)]
