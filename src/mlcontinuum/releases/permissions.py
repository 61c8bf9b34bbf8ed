"""What the releases slice guards: asking for a release, and deciding one."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

RELEASE_REQUEST = project_permission(
    "release:request", "request releases and roll back deployments", Role.OWNER, Role.ML_ENGINEER
)
# The customer's people approve releases: the customer side of the release policy.
RELEASE_APPROVE = project_permission(
    "release:approve",
    "approve or reject release requests",
    Role.OWNER,
    Role.ML_ENGINEER,
    Role.STAKEHOLDER,
)
PERMISSIONS = (RELEASE_REQUEST, RELEASE_APPROVE)

ReleaseRequester = Annotated[ProjectAccess, project_guard(RELEASE_REQUEST)]
ReleaseApprover = Annotated[ProjectAccess, project_guard(RELEASE_APPROVE)]
