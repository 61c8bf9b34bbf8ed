"""Navigation by lifecycle area. Each slice adds its pages here as it arrives."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str  # relative to the project, e.g. "charter"


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
            NavItem("KPIs", "kpis"),
            NavItem("Stakeholders", "stakeholders"),
        ),
    ),
    NavArea("Manage & Trust", (NavItem("Audit trail", "events"),)),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str


def _href(slug: str, path: str) -> str:
    return f"/projects/{slug}/{path}".rstrip("/")


def areas_for(slug: str | None) -> list[tuple[str, list[NavLink]]]:
    """The project's areas with absolute links; none outside a project."""
    if slug is None:
        return []
    return [
        (
            area.label,
            [NavLink(i.label, f"/projects/{slug}/{i.path}".rstrip("/")) for i in area.items],
        )
        for area in PROJECT_AREAS
    ]
