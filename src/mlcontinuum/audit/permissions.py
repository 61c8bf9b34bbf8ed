"""What the audit slice guards: reading the project's event log and verifying its chain."""

from __future__ import annotations

from typing import Annotated

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import project_guard
from mlcontinuum.kernel.auth.permissions import Role, project_permission

AUDIT_READ = project_permission(
    "audit:read", "read the audit trail and verify it", *Role.__members__.values()
)
PERMISSIONS = (AUDIT_READ,)

AuditRead = Annotated[ProjectAccess, project_guard(AUDIT_READ)]
