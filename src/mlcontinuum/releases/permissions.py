"""What the releases slice guards: asking for a release, deciding one, and the release policy
(setting it, and overriding it for one release)."""

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
# The policy is the owner's promise to the customer: the ML team that is held to it may not
# loosen it, nor waive it for a release of its own.
RELEASE_POLICY = project_permission(
    "release:policy", "set the release policy, and override it for one release", Role.OWNER
)
PERMISSIONS = (RELEASE_REQUEST, RELEASE_APPROVE, RELEASE_POLICY)

ReleaseRequester = Annotated[ProjectAccess, project_guard(RELEASE_REQUEST)]
ReleaseApprover = Annotated[ProjectAccess, project_guard(RELEASE_APPROVE)]
ReleasePolicyOwner = Annotated[ProjectAccess, project_guard(RELEASE_POLICY)]
