"""Rules for the data register: CRUD of data sources with their compliance evaluated live."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.data import rules
from mlcontinuum.data.enums import Severity
from mlcontinuum.data.models import DataSource
from mlcontinuum.data.rules.retention_expired import expires_on
from mlcontinuum.data.schemas import (
    ComplianceSummary,
    DataSourceCreate,
    DataSourceFields,
    DataSourcePublic,
    DataSourceUpdate,
)
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import validation_failed
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.kernel.storage.unique import ensure_unique

FIELDS = tuple(DataSourceFields.model_fields)


def today() -> date:
    return utcnow().date()


def fields_of(source: DataSource) -> DataSourceFields:
    return DataSourceFields.model_validate({name: getattr(source, name) for name in FIELDS})


def public(source: DataSource, on: date) -> DataSourcePublic:
    record = fields_of(source)
    violations = rules.evaluate(record, on)
    return DataSourcePublic(
        **record.model_dump(),
        id=source.id,
        retention_expires_on=expires_on(record),
        violations=violations,
        compliant=all(v.severity is not Severity.ERROR for v in violations),
    )


def list_sources(
    session: Session, project_id: int, *, on: date | None = None
) -> list[DataSourcePublic]:
    rows = session.scalars(
        select(DataSource).where(DataSource.project_id == project_id).order_by(DataSource.name)
    )
    return [public(row, on or today()) for row in rows]


def get_source(session: Session, project_id: int, source_id: int) -> DataSource:
    return one_or_not_found(
        session,
        select(DataSource).where(DataSource.id == source_id, DataSource.project_id == project_id),
        f"no data source {source_id} in this project",
    )


def get_source_public(session: Session, project_id: int, source_id: int) -> DataSourcePublic:
    return public(get_source(session, project_id, source_id), today())


def _unique_name(session: Session, project_id: int, name: str, own_id: int | None) -> None:
    ensure_unique(
        session,
        DataSource.id,
        DataSource.project_id == project_id,
        DataSource.name == name,
        own_id=own_id,
        message=f"the register already has a data source named '{name}'",
        hint="data source names are unique within a project",
    )


def add_source(session: Session, access: ProjectAccess, data: DataSourceCreate) -> DataSourcePublic:
    _unique_name(session, access.project.id, data.name, None)
    source = DataSource(project_id=access.project.id, **data.model_dump())
    session.add(source)
    session.flush()
    events.append(
        session,
        type="data_source.added",
        actor=access.actor,
        project_id=access.project.id,
        payload=data.model_dump(mode="json"),
    )
    return public(source, today())


def update_source(
    session: Session, access: ProjectAccess, source_id: int, data: DataSourceUpdate
) -> DataSourcePublic:
    source = get_source(session, access.project.id, source_id)
    given: dict[str, Any] = data.model_dump(exclude_unset=True)
    merged = {**fields_of(source).model_dump(), **given}
    try:
        record = DataSourceFields.model_validate(merged)  # the whole record must stay consistent
    except ValidationError as err:
        raise validation_failed(err) from err
    _unique_name(session, access.project.id, record.name, source.id)
    changed = {
        name: value for name, value in record.model_dump().items() if getattr(source, name) != value
    }
    if not changed:
        return public(source, today())
    for name, value in changed.items():
        setattr(source, name, value)
    source.updated_at = utcnow()
    events.append(
        session,
        type="data_source.updated",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "data_source": source.name,
            "changes": DataSourceUpdate(**changed).model_dump(mode="json", exclude_unset=True),
        },
    )
    return public(source, today())


def remove_source(session: Session, access: ProjectAccess, source_id: int) -> None:
    """Remove a source from the register. The event comes first: the slices that refer to
    sources react to it in this transaction, and one that refuses (the registry, for a source
    in a run's lineage) rolls the removal back."""
    source = get_source(session, access.project.id, source_id)
    events.append(
        session,
        type="data_source.removed",
        actor=access.actor,
        project_id=access.project.id,
        payload={"data_source": source.name},
    )
    session.delete(source)


def compliance(sources: list[DataSourcePublic]) -> ComplianceSummary:
    """Counts over an already evaluated list of sources."""
    flagged = {s.name: s.violations for s in sources if s.violations}
    every = [v for found in flagged.values() for v in found]
    return ComplianceSummary(
        sources=len(sources),
        compliant=sum(s.compliant for s in sources),
        errors=sum(v.severity is Severity.ERROR for v in every),
        warnings=sum(v.severity is Severity.WARNING for v in every),
        violations=flagged,
    )
