"""Reads of the charter slice for the slices above it: KPIs by name or id, a project's owners.

Each takes its ids in one batch, so a table of runs or windows costs one query whatever its
length.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter.models import Kpi
from mlcontinuum.charter.schemas import KpiPublic
from mlcontinuum.charter.service import kpi_public
from mlcontinuum.charter.service.members import list_members
from mlcontinuum.kernel.auth.models import Project
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.errors import NotFound


def kpi_id(session: Session, project_id: int, name: str) -> int | None:
    """The id of the project's KPI named `name`, if the charter has one."""
    return session.scalar(select(Kpi.id).where(Kpi.project_id == project_id, Kpi.name == name))


def kpi_names(session: Session, kpi_ids: Collection[int]) -> dict[int, str]:
    """The names of the KPIs among `kpi_ids` that still exist."""
    if not kpi_ids:
        return {}
    rows = session.execute(select(Kpi.id, Kpi.name).where(Kpi.id.in_(set(kpi_ids))))
    return dict(rows.all())


def kpis_by_id(
    session: Session, project_id: int, kpi_ids: Collection[int]
) -> dict[int, KpiPublic]:
    """The project's KPIs among `kpi_ids` that still exist, with their levels and frequency, in
    one query whatever their number (another project's ids are left out)."""
    if not kpi_ids:
        return {}
    query = select(Kpi).where(Kpi.project_id == project_id, Kpi.id.in_(set(kpi_ids)))
    return {kpi.id: kpi_public(kpi) for kpi in session.scalars(query)}


def project_owners(session: Session, slug: str) -> list[str]:
    """The user names of the owners of the project `slug`, in name order (for the instance's
    operator, who sees every project)."""
    project_id = session.scalar(select(Project.id).where(Project.slug == slug))
    if project_id is None:
        raise NotFound(f"no project '{slug}'")
    return [m.username for m in list_members(session, project_id) if m.role is Role.OWNER]
