"""What the change-control slice guards: opening change requests and deciding them."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

# Both sides decide a change: the customer's people propose and approve decisions too.
CHANGE_WRITE = project_permission(
    "change:write",
    "open change requests, propose and approve decisions",
    Role.OWNER,
    Role.ML_ENGINEER,
    Role.STAKEHOLDER,
)
PERMISSIONS = (CHANGE_WRITE,)

ChangeWrite = Annotated[ProjectAccess, project_guard(CHANGE_WRITE)]
