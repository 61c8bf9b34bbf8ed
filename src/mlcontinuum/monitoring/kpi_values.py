"""Business KPI values: a measured value of one of the charter's KPIs at a time, written once per
idempotency key (per project), counted in the project's KPI windows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter.models import Kpi
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.monitoring.idempotency import Digest, KeyedWrite
from mlcontinuum.monitoring.limits import check_time
from mlcontinuum.monitoring.models import KpiValue
from mlcontinuum.monitoring.schemas import (
    KpiValueAccepted,
    KpiValueCreate,
    KpiValuePage,
    KpiValuePublic,
    accepted,
)
from mlcontinuum.monitoring.windows import mark_dirty


def report_kpi_value(
    session: Session,
    access: ProjectAccess,
    kpi_id: int,
    key: str,
    data: KpiValueCreate,
    settings: Settings,
) -> KpiValueAccepted:
    """Record a measured value of one of the charter's KPIs, once per key."""
    kpi = _kpi(session, access.project.id, kpi_id)
    write = KeyedWrite(
        session,
        KpiValue,
        (KpiValue.project_id == kpi.project_id) & (KpiValue.idempotency_key == key),
        key,
        Digest("kpi").number(kpi.id).instant(data.at).number(data.value).hexdigest(),
        "KPI value",
    )
    earlier = write.earlier()
    if earlier is not None:
        return accepted(KpiValueAccepted, earlier, replayed=True)
    check_time(data.at, settings, "at")
    row = KpiValue(
        project_id=kpi.project_id,
        kpi_id=kpi.id,
        idempotency_key=key,
        request_sha256=write.digest,
        at=data.at,
        value=data.value,
        reported_by=access.actor,
        received_at=utcnow(),
    )
    stored, replayed = write.insert(row)
    if not replayed:
        mark_dirty(session, kpi.project_id, None, [data.at])
    return accepted(KpiValueAccepted, stored, replayed=replayed)


def list_kpi_values(
    session: Session,
    access: ProjectAccess,
    kpi_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    page: int,
    per_page: int,
) -> KpiValuePage:
    """A KPI's values, newest first."""
    kpi = _kpi(session, access.project.id, kpi_id)
    query = select(KpiValue).where(KpiValue.kpi_id == kpi.id)
    if since is not None:
        query = query.where(KpiValue.at >= since)
    if until is not None:
        query = query.where(KpiValue.at < until)
    total, rows = page_of(
        session, query, KpiValue.at.desc(), KpiValue.id.desc(), page=page, per_page=per_page
    )
    return KpiValuePage(
        items=[KpiValuePublic.model_validate(row) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


def _kpi(session: Session, project_id: int, kpi_id: int) -> Kpi:
    return one_or_not_found(
        session,
        select(Kpi).where(Kpi.project_id == project_id, Kpi.id == kpi_id),
        f"no KPI {kpi_id} in this project",
    )
