"""The project's audit trail: its events, filtered and paginated, and a chain check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query

from mlcontinuum.api.deps import Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.audit import queries
from mlcontinuum.audit.permissions import AuditRead
from mlcontinuum.audit.schemas import ChainPublic, EventPage
from mlcontinuum.kernel import events
from mlcontinuum.kernel.storage.db import Db

routes = api_router(tags=["audit"])


@routes.get("/projects/{project}/events", response_model=EventPage)
def list_events(
    db: Db,
    access: AuditRead,
    type: Annotated[list[str] | None, Query(description="Event types to keep.")] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="Up to this time (exclusive).")] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> EventPage:
    """The project's events, newest first."""
    flt = events.EventFilter(tuple(type or ()), actor, _aware(since), _aware(until))
    return queries.list_events(db, access.project.id, flt, page=page, per_page=per_page)


@routes.get("/projects/{project}/audit/verify", response_model=ChainPublic)
def verify(db: Db, access: AuditRead) -> ChainPublic:
    """Recompute the project's hash chain and name the first broken link, if any."""
    return queries.verify_project(db, access.project.id)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
