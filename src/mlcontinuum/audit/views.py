"""The audit trail's page: a page of the project's events, filtered, and on request the state
of its hash chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.events import ChainReport
from mlcontinuum.web.paging import Pager, pager

PER_PAGE = 50
SUMMARY_LIMIT = 240


@dataclass(frozen=True)
class EventRow:
    at: datetime
    actor: str
    type: str
    summary: str


@dataclass(frozen=True)
class EventsView:
    events: list[EventRow]
    types: list[str]  # every event type of the project, for the filter
    filters: dict[str, str | list[str]]
    problems: dict[str, str]  # filters that could not be read, by name
    chain: ChainReport | None  # the hash chain recomputed, when asked
    pager: Pager


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


def events_view(
    session: Session,
    access: ProjectAccess,
    *,
    types: list[str],
    actor: str,
    since: str,
    until: str,
    page: int,
    verify: bool,
    path: str,
) -> EventsView:
    """A page of events with these filters (as typed: bad times are named in `problems`, and
    then no event is listed); `path` is where the pager's links lead."""
    project_id = access.project.id
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
            session, project_id, flt, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        rows = [EventRow(e.at, e.actor, e.type, summarise(e.data)) for e in found]
    filters: dict[str, str | list[str]] = {
        "type": types,
        "actor": actor,
        "since": since,
        "until": until,
    }
    return EventsView(
        events=rows,
        types=events.event_types(session, project_id),
        filters=filters,
        problems=problems,
        # Recomputing reads every event of the project: done when asked, not on every view.
        chain=events.verify_chain(session, events.chain_for(project_id)) if verify else None,
        pager=pager(path, filters, page=page, per_page=PER_PAGE, total=total),
    )
