"""The project's audit trail: its events, filtered and paginated, and the hash chain's state."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from mlcontinuum.audit.permissions import AuditRead
from mlcontinuum.audit.views import events_view
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()


@routes.get("/projects/{project}/events")
def event_list(
    request: Request,
    db: Db,
    access: AuditRead,
    type: Annotated[list[str] | None, Query()] = None,
    actor: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    verify: bool = False,
) -> Response:
    view = events_view(
        db,
        access,
        types=[t for t in type or () if t],
        actor=actor,
        since=since,
        until=until,
        page=page,
        verify=verify,
        path=request.url.path,
    )
    context = {"project": access.project} | {f.name: getattr(view, f.name) for f in fields(view)}
    return render(request, "audit/events.html", context, status=422 if view.problems else 200)
