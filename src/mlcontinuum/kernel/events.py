"""The event log: every state change appends a hash-chained domain event in its own transaction.

Each project has its own chain (instance-level events, such as user creation, share one
"instance" chain). An event's hash is SHA-256 over the previous hash and the canonical JSON of the
event, so editing, deleting or reordering any row breaks every hash after it. A head row per chain,
locked for update, serialises appends so concurrent writers cannot fork a chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from mlcontinuum.kernel.storage.base import Base, UTCDateTime, utcnow
from mlcontinuum.kernel.storage.engine import REACTIONS

GENESIS_HASH = "0" * 64
INSTANCE_CHAIN = "instance"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_chain_seq", "chain", "seq", unique=True),
        Index("ix_events_project_time", "project_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.payload)
        return loaded


class ChainHead(Base):
    __tablename__ = "event_chain_heads"

    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def chain_for(project_id: int | None) -> str:
    return INSTANCE_CHAIN if project_id is None else f"project:{project_id}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    prev_hash: str,
    chain: str,
    seq: int,
    project_id: int | None,
    actor: str,
    type: str,
    payload: str,
    at: datetime,
) -> str:
    body = canonical_json(
        {
            "chain": chain,
            "seq": seq,
            "project_id": project_id,
            "actor": actor,
            "type": type,
            "payload": payload,
            "at": at.isoformat(timespec="microseconds"),
        }
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def lock_chain(session: Session, project_id: int | None) -> None:
    """Take the chain's append lock now, in the caller's transaction (`append` takes it too).
    For writers that must be serialised per project and also append events: taking this lock
    first gives them all one lock order."""
    session.execute(
        select(ChainHead.seq).where(ChainHead.chain == chain_for(project_id)).with_for_update()
    )


def append(
    session: Session,
    *,
    type: str,
    actor: str,
    payload: dict[str, Any],
    project_id: int | None = None,
) -> Event:
    """Append one event inside the caller's transaction (it commits or rolls back with it).

    Other slices' reactions to this type run here, in the same transaction: what they write
    commits with the event, and a reaction that raises rolls the whole change back."""
    chain = chain_for(project_id)
    head = session.execute(
        select(ChainHead).where(ChainHead.chain == chain).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = ChainHead(chain=chain, seq=0, hash=GENESIS_HASH)
        session.add(head)
    seq = head.seq + 1
    at = utcnow()
    body = canonical_json(payload)
    digest = event_hash(
        prev_hash=head.hash,
        chain=chain,
        seq=seq,
        project_id=project_id,
        actor=actor,
        type=type,
        payload=body,
        at=at,
    )
    event = Event(
        chain=chain,
        seq=seq,
        project_id=project_id,
        actor=actor,
        type=type,
        payload=body,
        at=at,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(event)
    head.seq, head.hash = seq, digest
    session.flush()
    for react in session.info.get(REACTIONS, {}).get(type, ()):
        react(session, event)
    return event


@dataclass(frozen=True)
class ChainReport:
    """Result of recomputing one chain: how many events checked, and the first broken link."""

    chain: str
    checked: int
    broken_seq: int | None = None
    broken_event_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def verify_chain(session: Session, chain: str, batch: int = 5_000) -> ChainReport:
    """Recompute a chain from genesis; stop at the first event whose link does not hold."""
    expected_prev, expected_seq, checked, last_id = GENESIS_HASH, 1, 0, 0
    while True:
        rows = (
            session.execute(
                select(Event)
                .where(Event.chain == chain, Event.id > last_id)
                .order_by(Event.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for event in rows:
            problem = _link_problem(event, expected_prev, expected_seq)
            if problem:
                return ChainReport(chain, checked, event.seq, event.id, problem)
            expected_prev, expected_seq, last_id = event.hash, event.seq + 1, event.id
            checked += 1
    head = session.get(ChainHead, chain)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        return ChainReport(
            chain,
            checked,
            expected_seq,
            None,
            f"chain head says {head.seq} events but {expected_seq - 1} are intact: "
            "events were removed from the end",
        )
    return ChainReport(chain, checked)


def _link_problem(event: Event, expected_prev: str, expected_seq: int) -> str | None:
    if event.seq != expected_seq:
        return f"expected sequence {expected_seq}, found {event.seq}: an event is missing"
    if event.prev_hash != expected_prev:
        return "previous-hash does not match the hash of the event before it"
    recomputed = event_hash(
        prev_hash=event.prev_hash,
        chain=event.chain,
        seq=event.seq,
        project_id=event.project_id,
        actor=event.actor,
        type=event.type,
        payload=event.payload,
        at=event.at,
    )
    if recomputed != event.hash:
        return "stored hash does not match the event's content: the row was altered"
    return None


def chains(session: Session) -> list[str]:
    return list(session.execute(select(ChainHead.chain).order_by(ChainHead.chain)).scalars())


@dataclass(frozen=True)
class EventFilter:
    types: tuple[str, ...] = ()
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(
    session: Session, project_id: int, flt: EventFilter, *, offset: int, limit: int
) -> tuple[list[Event], int]:
    """One page of a project's events, newest first, and the total that match the filter."""
    query = select(Event).where(Event.project_id == project_id)
    if flt.types:
        query = query.where(Event.type.in_(flt.types))
    if flt.actor:
        query = query.where(Event.actor == flt.actor)
    if flt.since:
        query = query.where(Event.at >= flt.since)
    if flt.until:
        query = query.where(Event.at < flt.until)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(Event.id.desc()).offset(offset).limit(limit)).scalars()
    return list(rows), total


def event_types(session: Session, project_id: int) -> list[str]:
    query = select(Event.type).where(Event.project_id == project_id).distinct()
    return sorted(session.execute(query).scalars())
