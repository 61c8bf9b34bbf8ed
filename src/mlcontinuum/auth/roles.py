"""Project roles and what each may do. Every route declares one `Permission` (deny by default)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ML_ENGINEER = "ml_engineer"
    STAKEHOLDER = "stakeholder"  # the customer's people
    VIEWER = "viewer"


class Permission(StrEnum):
    """What a route needs. Instance-level permissions need no project."""

    PUBLIC = "public"  # anyone, signed in or not (login page, health, static files)
    SIGNED_IN = "signed_in"  # any user: own tokens, own project list, create a project
    ADMIN = "admin"  # instance administration: users
    PROJECT_READ = "project:read"
    CHARTER_WRITE = "charter:write"
    DATA_WRITE = "data:write"  # the data-source register
    RUNS_WRITE = "runs:write"  # runs and their logged data
    PROJECT_MANAGE = "project:manage"  # members, project settings
    AUDIT_READ = "audit:read"
    RELEASE_REQUEST = "release:request"  # request releases, roll back deployments
    RELEASE_APPROVE = "release:approve"  # approve or reject release requests
    MONITOR_WRITE = "monitor:write"  # send production batches, labels and KPI values
    MONITOR_CONFIGURE = "monitor:configure"  # alert rules, webhooks, evaluating windows now
    ALERTS_MANAGE = "alerts:manage"  # acknowledge and resolve alerts
    CHANGE_WRITE = "change:write"  # open change requests, propose and approve decisions

    @property
    def project_scoped(self) -> bool:
        return ":" in self.value


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(
        {
            Permission.PROJECT_READ,
            Permission.CHARTER_WRITE,
            Permission.DATA_WRITE,
            Permission.RUNS_WRITE,
            Permission.PROJECT_MANAGE,
            Permission.AUDIT_READ,
            Permission.RELEASE_REQUEST,
            Permission.RELEASE_APPROVE,
            Permission.MONITOR_WRITE,
            Permission.MONITOR_CONFIGURE,
            Permission.ALERTS_MANAGE,
            Permission.CHANGE_WRITE,
        }
    ),
    Role.ML_ENGINEER: frozenset(
        {
            Permission.PROJECT_READ,
            Permission.CHARTER_WRITE,
            Permission.DATA_WRITE,
            Permission.RUNS_WRITE,
            Permission.AUDIT_READ,
            Permission.RELEASE_REQUEST,
            Permission.RELEASE_APPROVE,
            Permission.MONITOR_WRITE,
            Permission.MONITOR_CONFIGURE,
            Permission.ALERTS_MANAGE,
            Permission.CHANGE_WRITE,
        }
    ),
    # The customer's people approve releases and decide changes (the customer side of the
    # policy), and they acknowledge alerts about their business KPIs.
    Role.STAKEHOLDER: frozenset(
        {
            Permission.PROJECT_READ,
            Permission.AUDIT_READ,
            Permission.RELEASE_APPROVE,
            Permission.ALERTS_MANAGE,
            Permission.CHANGE_WRITE,
        }
    ),
    Role.VIEWER: frozenset({Permission.PROJECT_READ, Permission.AUDIT_READ}),
}


def effective_permissions(role: Role, ceiling: Role | None) -> frozenset[Permission]:
    """A token's role ceiling can only take permissions away, never add them."""
    granted = ROLE_PERMISSIONS[role]
    return granted if ceiling is None else granted & ROLE_PERMISSIONS[ceiling]
