"""Reads of the data slice for the slices above it: data sources by name or id, in one query
whatever their number."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.data.models import DataSource


def source_ids(session: Session, project_id: int, names: Collection[str]) -> dict[str, int]:
    """The ids of the project's sources among `names` (names not in the register are left out)."""
    if not names:
        return {}
    rows = session.execute(
        select(DataSource.name, DataSource.id).where(
            DataSource.project_id == project_id, DataSource.name.in_(set(names))
        )
    )
    return dict(rows.all())


def source_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    """The names of the sources among `ids`, in name order (as the register lists them)."""
    if not ids:
        return {}
    rows = session.execute(
        select(DataSource.id, DataSource.name)
        .where(DataSource.id.in_(set(ids)))
        .order_by(DataSource.name)
    )
    return dict(rows.all())
