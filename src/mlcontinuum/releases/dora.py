"""DORA figures computed from the deployment records (never stored: they are cheap to derive).

- deployment frequency: releases deployed in the window per week (rollbacks are counted apart:
  they restore, they do not deliver a change);
- lead time: from the earliest start of the runs a version was built from to its deployment;
- change failure rate: share of the window's releases that a rollback later undid;
- time to restore: from a failed deployment to the rollback deployment that replaced it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.registry import queries as registry
from mlcontinuum.releases.enums import Environment
from mlcontinuum.releases.models import Deployment
from mlcontinuum.releases.schemas import DoraFigures


def figures(
    session: Session,
    project_id: int,
    *,
    environment: Environment,
    days: int,
    now: datetime | None = None,
) -> DoraFigures:
    since = (now or utcnow()) - timedelta(days=days)
    in_window = (
        Deployment.project_id == project_id,
        Deployment.environment == environment,
        Deployment.deployed_at >= since,
    )
    releases = session.execute(
        select(Deployment.deployed_at, Deployment.failed, Deployment.version_id).where(
            *in_window, Deployment.rollback.is_(False)
        )
    ).all()
    first_run = registry.first_run_starts(session, {version for _, _, version in releases})
    restorer = aliased(Deployment)
    restores = session.execute(
        select(Deployment.deployed_at, restorer.deployed_at)
        .join(restorer, restorer.rollback_of_id == Deployment.id)
        .where(*in_window)
    ).all()
    rollbacks = session.scalar(
        select(func.count()).select_from(Deployment).where(*in_window, Deployment.rollback)
    )
    lead_times = [
        (at - first_run[version]).total_seconds()
        for at, _, version in releases
        if version in first_run
    ]
    return DoraFigures(
        environment=environment,
        days=days,
        since=since,
        deployments=len(releases),
        rollbacks=rollbacks or 0,
        deployment_frequency_per_week=len(releases) / (days / 7),
        lead_time_median_seconds=median(lead_times) if lead_times else None,
        change_failure_rate=sum(failed for _, failed, _ in releases) / len(releases)
        if releases
        else None,
        time_to_restore_median_seconds=median(
            (restored - failed).total_seconds() for failed, restored in restores
        )
        if restores
        else None,
    )
