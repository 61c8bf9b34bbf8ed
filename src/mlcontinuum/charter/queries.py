"""Reads of the charter for the slices after it, returning its read models (never rows)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter.enums import Direction
from mlcontinuum.charter.models import Kpi
from mlcontinuum.charter.schemas import KpiPublic
from mlcontinuum.charter.service import kpi_public

# --- for monitoring/alerts ---


def kpis_by_id(session: Session, project_id: int, ids: Collection[int]) -> dict[int, KpiPublic]:
    """The project's KPIs among `ids`, in one query whatever their number (deleted ones and
    those of another project are left out)."""
    if not ids:
        return {}
    rows = session.scalars(select(Kpi).where(Kpi.project_id == project_id, Kpi.id.in_(ids)))
    return {row.id: kpi_public(row) for row in rows}


def past_threshold(direction: Direction, value: float, threshold: float) -> bool:
    """The one judgement of a KPI value: past the alert threshold on the bad side, below it
    when higher is better, above it when lower is better. A value exactly at the threshold is
    not a breach."""
    if direction is Direction.HIGHER_IS_BETTER:
        return value < threshold
    return value > threshold
