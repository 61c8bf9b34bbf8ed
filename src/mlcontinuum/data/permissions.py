"""What the data slice guards: the data-source register."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

DATA_WRITE = project_permission(
    "data:write", "add, change and remove data sources", Role.OWNER, Role.ML_ENGINEER
)
PERMISSIONS = (DATA_WRITE,)

DataWrite = Annotated[ProjectAccess, project_guard(DATA_WRITE)]
