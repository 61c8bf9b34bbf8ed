"""Windows: which ones a write touches, and marking them for the evaluator.

A write (batch, labels, KPI value) marks the hour and day windows it falls in as dirty with one
upsert per window, so concurrent writers on PostgreSQL never collide on a missing row; the
evaluator picks dirty windows up and stores their evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mlcontinuum.kernel.storage.base import Base, utcnow
from mlcontinuum.monitoring.enums import Granularity, WindowScope
from mlcontinuum.monitoring.models import MonitorWindow

PROJECT_SCOPE_KEY = "project"


def scope_key(deployment_id: int | None) -> str:
    return PROJECT_SCOPE_KEY if deployment_id is None else f"d{deployment_id}"


def window_starts(hours: Iterable[datetime]) -> set[tuple[Granularity, datetime]]:
    """Every (granularity, window start) that the given instants fall in."""
    return {(g, g.start_of(at)) for at in hours for g in Granularity}


def mark_dirty(
    session: Session, project_id: int, deployment_id: int | None, instants: Iterable[datetime]
) -> None:
    """Mark the hour and day windows holding `instants` for (re-)evaluation, creating them."""
    now = utcnow()
    scope = WindowScope.PROJECT if deployment_id is None else WindowScope.DEPLOYMENT
    rows = [
        {
            "project_id": project_id,
            "scope": scope,
            "scope_key": scope_key(deployment_id),
            "deployment_id": deployment_id,
            "granularity": granularity,
            "start": start,
            "dirty": True,
            "changed_at": now,
            "rows": 0,
            "batches": 0,
            "merged_through_batch_id": 0,
            "drifted_features": 0,
            "failed_checks": 0,
            "kpis_breached": 0,
        }
        for granularity, start in sorted(window_starts(instants))
    ]
    if not rows:
        return
    session.execute(
        dialect_insert(session, MonitorWindow).on_conflict_do_update(
            index_elements=["project_id", "scope_key", "granularity", "start"],
            set_={"dirty": True, "changed_at": now},
        ),
        rows,
    )


def dialect_insert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT in the session's dialect, which has `on_conflict_do_update` (an upsert)."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement: postgresql.Insert | sqlite.Insert = module.insert(model)
    return statement
