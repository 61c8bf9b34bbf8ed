"""KPIs of one project window: the mean of each KPI's values in the window against the charter's
alert threshold, in one GROUP BY."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.charter.enums import Direction
from mlcontinuum.charter.models import Kpi
from mlcontinuum.monitoring.eval_schemas import KpiOutcome
from mlcontinuum.monitoring.models import KpiValue


def breached(direction: Direction, value: float, threshold: float) -> bool:
    """Past the alert threshold on the bad side: below it when higher is better, above it when
    lower is better. A value exactly at the threshold is not a breach."""
    if direction is Direction.HIGHER_IS_BETTER:
        return value < threshold
    return value > threshold


def window_kpis(
    session: Session, project_id: int, start: datetime, end: datetime
) -> list[KpiOutcome]:
    """Every KPI with at least one value reported in [start, end), in KPI order."""
    mean = func.avg(KpiValue.value)
    count = func.count(KpiValue.id)
    rows = session.execute(
        select(Kpi, mean, count)
        .join(KpiValue, KpiValue.kpi_id == Kpi.id)
        .where(KpiValue.project_id == project_id, KpiValue.at >= start, KpiValue.at < end)
        .group_by(Kpi.id)
        .order_by(Kpi.id)
    ).all()
    return [
        KpiOutcome(
            kpi_id=kpi.id,
            name=kpi.name,
            kind=kpi.kind,
            unit=kpi.unit,
            direction=kpi.direction,
            threshold=kpi.alert_threshold,
            target=kpi.target,
            value=float(value),
            values=int(values),
            breached=breached(kpi.direction, float(value), kpi.alert_threshold),
        )
        for kpi, value, values in rows
    ]
