"""A project's navigation, by lifecycle area, from the items the slices declare."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.slice import NavItem


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str


class Navigation:
    def __init__(self, items: Iterable[NavItem]) -> None:
        # Areas in lifecycle order; within an area, in slice order (a stable sort keeps it).
        self.items = sorted(items, key=lambda item: item.area)

    def areas_for(self, access: ProjectAccess | None) -> list[tuple[str, list[NavLink]]]:
        """The project's areas with absolute links the caller may follow; none outside one."""
        if access is None:
            return []
        slug = access.project.slug
        found = []
        for area, items in groupby(self.items, key=lambda item: item.area):
            links = [
                NavLink(item.label, f"/projects/{slug}/{item.path}".rstrip("/"))
                for item in items
                if access.can(item.permission)
            ]
            if links:
                found.append((area.label, links))
        return found
