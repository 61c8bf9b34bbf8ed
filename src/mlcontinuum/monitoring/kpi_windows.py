"""KPIs of one project window: the mean of each KPI's values in the window against the charter's
alert threshold, in one GROUP BY (and one read of the KPIs it found)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.charter import queries as charter
from mlcontinuum.charter.enums import KpiJudgement
from mlcontinuum.monitoring.models import KpiValue
from mlcontinuum.monitoring.schemas import KpiOutcome


def window_kpis(
    session: Session, project_id: int, start: datetime, end: datetime
) -> list[KpiOutcome]:
    """Every KPI with at least one value reported in [start, end), in KPI order."""
    rows = session.execute(
        select(KpiValue.kpi_id, func.avg(KpiValue.value), func.count(KpiValue.id))
        .where(KpiValue.project_id == project_id, KpiValue.at >= start, KpiValue.at < end)
        .group_by(KpiValue.kpi_id)
        .order_by(KpiValue.kpi_id)
    ).all()
    kpis = charter.kpis_by_id(session, project_id, [kpi_id for kpi_id, _, _ in rows])
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
            breached=kpi.judge(float(value)) is KpiJudgement.PAST_THRESHOLD,
        )
        for kpi_id, value, values in rows
        if (kpi := kpis.get(kpi_id)) is not None
    ]
