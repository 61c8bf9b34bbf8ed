"""Reads of the audit trail: a project's events, and the hash chains recomputed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.audit.schemas import ChainPublic, EventPage, EventPublic
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.models import Project


def list_events(
    session: Session, project_id: int, flt: events.EventFilter, *, page: int, per_page: int
) -> EventPage:
    """The project's events that pass `flt`, newest first."""
    rows, total = events.list_events(
        session, project_id, flt, offset=(page - 1) * per_page, limit=per_page
    )
    items = [
        EventPublic(
            id=e.id, seq=e.seq, actor=e.actor, type=e.type, payload=e.data, at=e.at, hash=e.hash
        )
        for e in rows
    ]
    return EventPage(items=items, total=total, page=page, per_page=per_page)


def verify_project(session: Session, project_id: int) -> ChainPublic:
    """The project's hash chain recomputed, with the first broken link, if any."""
    report = events.verify_chain(session, events.chain_for(project_id))
    return ChainPublic(
        ok=report.ok, checked=report.checked, broken_seq=report.broken_seq, reason=report.reason
    )


@dataclass(frozen=True)
class ChainCheck:
    report: events.ChainReport
    project: str  # the slug of the chain's project; "" for the instance chain


def verify_chains(session: Session, project: str | None) -> list[ChainCheck] | None:
    """Every chain recomputed, or the chain of the project `project` (None: no such project)."""
    slugs = {
        events.chain_for(project_id): slug
        for project_id, slug in session.execute(select(Project.id, Project.slug))
    }
    if project is None:
        chains = events.chains(session)
    else:
        chains = [chain for chain, slug in slugs.items() if slug == project]
        if not chains:
            return None
    return [
        ChainCheck(events.verify_chain(session, chain), slugs.get(chain, "")) for chain in chains
    ]
