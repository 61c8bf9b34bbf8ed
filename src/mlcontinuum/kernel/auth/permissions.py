"""Project roles and permissions. Every route declares one `Permission` (deny by default).

A permission names the project roles that hold it, so each slice declares its own permissions
next to its routes and no central table has to be edited when a slice arrives. The kernel
declares only what every slice needs: the instance-level permissions and reading a project.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ML_ENGINEER = "ml_engineer"
    STAKEHOLDER = "stakeholder"  # the customer's people
    VIEWER = "viewer"


@dataclass(frozen=True)
class Permission:
    """What a route needs. `roles` empty: an instance-level permission, needing no project."""

    name: str
    description: str
    roles: frozenset[Role] = frozenset()

    @property
    def project_scoped(self) -> bool:
        return ":" in self.name

    @property
    def constant(self) -> str:
        """The name templates use, e.g. `Permission.CHARTER_WRITE` for "charter:write"."""
        return self.name.replace(":", "_").upper()

    def held_by(self, role: Role, ceiling: Role | None = None) -> bool:
        """A token's role ceiling can only take permissions away, never add them."""
        return role in self.roles and (ceiling is None or ceiling in self.roles)

    def __str__(self) -> str:
        return self.name


def project_permission(name: str, description: str, *roles: Role) -> Permission:
    return Permission(name, description, frozenset(roles))


PUBLIC = Permission("public", "anyone, signed in or not (login page, health, static files)")
SIGNED_IN = Permission("signed_in", "any user: own tokens, own project list, create a project")
ADMIN = Permission("admin", "instance administration: users")
PROJECT_READ = project_permission(
    "project:read", "read everything in the project", *Role.__members__.values()
)
INSTANCE_PERMISSIONS = (PUBLIC, SIGNED_IN, ADMIN)
