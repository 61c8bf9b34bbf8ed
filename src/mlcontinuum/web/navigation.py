"""Navigation by lifecycle area. Each slice adds its pages here as it arrives."""

from __future__ import annotations

from dataclasses import dataclass

from mlcontinuum.auth.access import ProjectAccess
from mlcontinuum.auth.roles import Permission


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str  # relative to the project, e.g. "charter"
    # Links a role cannot use are left out rather than answered with 403.
    permission: Permission = Permission.PROJECT_READ


@dataclass(frozen=True)
class NavArea:
    label: str
    items: tuple[NavItem, ...]


PROJECT_AREAS: tuple[NavArea, ...] = (
    NavArea(
        "Scope",
        (
            NavItem("Overview", ""),
            NavItem("Charter", "charter"),
            NavItem("Charter history", "charter/history"),
            NavItem("KPIs", "kpis"),
            NavItem("Stakeholders", "stakeholders"),
        ),
    ),
    NavArea("Understand", (NavItem("Data register", "data"),)),
    NavArea("Build", (NavItem("Runs", "runs"), NavItem("Models", "models"))),
    NavArea("Deploy", (NavItem("Releases", "releases"), NavItem("Deployments", "deployments"))),
    NavArea(
        "Manage & Trust",
        (
            NavItem("Health", "health"),
            NavItem("Alerts", "alerts"),
            NavItem("Change requests", "changes"),
            NavItem("Audit trail", "events", Permission.AUDIT_READ),
        ),
    ),
    NavArea("Project", (NavItem("Settings and members", "settings", Permission.PROJECT_MANAGE),)),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str


def areas_for(access: ProjectAccess | None) -> list[tuple[str, list[NavLink]]]:
    """The project's areas with absolute links the caller may follow; none outside a project."""
    if access is None:
        return []
    slug = access.project.slug
    found = []
    for area in PROJECT_AREAS:
        links = [
            NavLink(item.label, f"/projects/{slug}/{item.path}".rstrip("/"))
            for item in area.items
            if access.can(item.permission)
        ]
        if links:
            found.append((area.label, links))
    return found
