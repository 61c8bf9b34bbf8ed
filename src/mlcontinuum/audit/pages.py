"""The project's audit trail: its events, filtered and paginated, and the hash chain's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from mlcontinuum.audit.permissions import AuditRead
from mlcontinuum.kernel import events
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.paging import pager
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
PER_PAGE = 50
SUMMARY_LIMIT = 240


@dataclass(frozen=True)
class EventRow:
    at: datetime
    actor: str
    type: str
    summary: str


def summarise(payload: dict[str, Any]) -> str:
    """One line a person can scan; the full payload stays available through the API."""
    parts = []
    for key, value in payload.items():
        if value in (None, "", [], {}):
            continue
        shown = summarise(value) if isinstance(value, dict) else str(value)
        parts.append(f"{key}: {' '.join(shown.split())}")
    text = "; ".join(parts) if parts else ""
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def _when(value: str, name: str, problems: dict[str, str]) -> datetime | None:
    """A datetime-local value (no zone) read as UTC; a bad one is reported, not guessed."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems[name] = "use a date and time such as 2026-11-22T14:30"
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


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
    project_id = access.project.id
    types = [t for t in type or () if t]
    problems: dict[str, str] = {}
    flt = events.EventFilter(
        tuple(types),
        actor.strip() or None,
        _when(since, "since", problems),
        _when(until, "until", problems),
    )
    rows: list[EventRow] = []
    total = 0
    if not problems:
        found, total = events.list_events(
            db, project_id, flt, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        rows = [EventRow(e.at, e.actor, e.type, summarise(e.data)) for e in found]
    filters: dict[str, str | list[str]] = {
        "type": types,
        "actor": actor,
        "since": since,
        "until": until,
    }
    context = {
        "project": access.project,
        "events": rows,
        "types": events.event_types(db, project_id),
        "filters": filters,
        "problems": problems,
        # Recomputing reads every event of the project: done when asked, not on every view.
        "chain": events.verify_chain(db, events.chain_for(project_id)) if verify else None,
        "pager": pager(request.url.path, filters, page=page, per_page=PER_PAGE, total=total),
    }
    return render(request, "audit/events.html", context, status=422 if problems else 200)
