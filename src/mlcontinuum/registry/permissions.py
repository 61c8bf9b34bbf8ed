"""What the registry slice guards: runs, their logged data, models and their versions."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

RUNS_WRITE = project_permission(
    "runs:write", "log runs, register models and versions", Role.OWNER, Role.ML_ENGINEER
)
PERMISSIONS = (RUNS_WRITE,)

RunsWrite = Annotated[ProjectAccess, project_guard(RUNS_WRITE)]
