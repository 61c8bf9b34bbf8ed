"""The webhook outbox: turn new events into deliveries, and attempt the deliveries that are due.

At-least-once: a delivery is attempted until a receiver answers 2xx, so a receiver may see one
twice (say, the worker stopped after the request but before recording it) and must drop repeats
by `X-Continuum-Delivery`. An event never becomes two deliveries to the same webhook: the cursor
moves past it in the transaction that queues it, under the webhook's row lock, and
(webhook_id, event_id) is unique.

Why the cursor never skips an event: appends to one project's chain are serialised by the lock
on its chain head (`events.append`), and the id is drawn after that lock is taken, so a
project's events commit in id order; a reader never sees id n+1 committed while n is not.

No network call happens inside a transaction. A due delivery is first claimed, in a short
transaction that moves its next_attempt_at past the attempt's longest duration (a lease), so a
second worker does not send it too; the attempt is recorded in another short transaction. A
worker that dies mid-attempt leaves the lease to expire, and the delivery is tried again.

The outbox appends no events of its own: an event for a failed delivery would be delivered to
`*` subscribers, whose failure would make another event, without end.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.kernel.auth.models import Project
from mlcontinuum.kernel.events import Event
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.webhooks import delivery, payloads, signing, subscriptions, urlguard
from mlcontinuum.webhooks.enums import DeliveryStatus, WebhookKind
from mlcontinuum.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SCAN_BATCH = 500  # events read per webhook per pass
SEND_BATCH = 50  # attempts per pass
MAX_DELAY = timedelta(days=1)
JITTER = 0.1  # up to 10% added to each wait, so failed deliveries do not retry in lockstep


@dataclass(frozen=True)
class PassReport:
    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed

    @property
    def total(self) -> int:
        return self.queued + self.attempted


def deliver_due(session_factory: sessionmaker[Session], settings: Settings) -> int:
    """One outbox pass as a background job (`workers.Job`): deliveries queued plus attempts
    made."""
    return run_pass(session_factory, settings).total


def run_pass(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    resolver: urlguard.Resolver = urlguard.system_resolver,
    clock: Clock = utcnow,
) -> PassReport:
    queued = queue_events(session_factory, clock=clock)
    results = send_due(session_factory, settings, resolver=resolver, clock=clock)
    return PassReport(
        queued=queued,
        delivered=results.count(DeliveryStatus.DELIVERED),
        retrying=results.count(DeliveryStatus.PENDING),
        failed=results.count(DeliveryStatus.FAILED),
    )


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt, before jitter: it doubles each time."""
    seconds = settings.webhook_backoff_seconds * 2.0 ** min(attempts - 1, 40)
    return min(timedelta(seconds=seconds), MAX_DELAY)


# --- Queueing: events past each webhook's cursor become deliveries -------------------------


def queue_events(session_factory: sessionmaker[Session], *, clock: Clock = utcnow) -> int:
    with transaction(session_factory) as session:
        webhook_ids = list(session.scalars(select(Webhook.id).where(Webhook.enabled)))
    queued = 0
    for webhook_id in webhook_ids:
        try:
            with transaction(session_factory) as session:
                queued += _queue_for(session, webhook_id, clock())
        except Exception:  # one webhook's trouble must not stop the others
            logger.exception("webhook %s: queueing its events failed", webhook_id)
    return queued


def _queue_for(session: Session, webhook_id: int, now: datetime) -> int:
    hook = session.scalar(select(Webhook).where(Webhook.id == webhook_id).with_for_update())
    if hook is None or not hook.enabled:
        return 0
    rows = session.execute(
        select(Event.id, Event.type)
        .where(Event.project_id == hook.project_id, Event.id > hook.cursor_event_id)
        .order_by(Event.id)
        .limit(SCAN_BATCH)
    ).all()
    if not rows:
        return 0
    wanted = [event_id for event_id, type in rows if subscriptions.matches(hook.event_types, type)]
    if wanted:
        # Only a cursor moved back by hand could meet these; skipping them keeps it moving.
        present = set(
            session.scalars(
                select(WebhookDelivery.event_id).where(
                    WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_id.in_(wanted)
                )
            )
        )
        wanted = [event_id for event_id in wanted if event_id not in present]
    for event_id in wanted:
        session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                event_id=event_id,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
    hook.cursor_event_id = rows[-1].id
    return len(wanted)


# --- Sending: claim a due delivery, attempt it outside any transaction, record the attempt ---


@dataclass(frozen=True)
class Job:
    delivery_id: int
    webhook_id: int
    kind: WebhookKind
    url: str
    secret: str
    name: str
    project: str
    event: payloads.EventView


def lease(settings: Settings) -> timedelta:
    """Longer than an attempt can last: connect and read on every hop, plus a margin."""
    hops = delivery.MAX_REDIRECTS + 1
    return timedelta(seconds=settings.webhook_timeout_seconds * 2 * hops + 60)


def send_due(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    resolver: urlguard.Resolver = urlguard.system_resolver,
    clock: Clock = utcnow,
) -> list[DeliveryStatus]:
    """Attempt up to SEND_BATCH due deliveries; the status each is left in."""
    allowed = urlguard.parse_networks(settings.webhook_allowed_networks)
    results: list[DeliveryStatus] = []
    with delivery.new_client(settings.webhook_timeout_seconds) as client:
        for _ in range(SEND_BATCH):
            try:
                job = _claim(session_factory, settings, clock())
            except Exception:
                logger.exception("webhook outbox: claiming a delivery failed")
                break
            if job is None:
                break
            started = clock()
            try:
                outcome = _attempt(client, job, allowed, resolver)
            except Exception as err:  # a bug must cost one attempt, not the worker
                logger.exception("webhook delivery %s: attempt failed", job.delivery_id)
                outcome = delivery.Outcome(None, f"internal error: {type(err).__name__}", 0)
            try:
                with transaction(session_factory) as session:
                    status = _record(session, settings, job, outcome, started)
            except Exception:
                logger.exception("webhook delivery %s: recording failed", job.delivery_id)
                continue
            if status is not None:
                results.append(status)
    return results


def _claim(session_factory: sessionmaker[Session], settings: Settings, now: datetime) -> Job | None:
    """The next due delivery, leased to this worker; None when nothing is due. A delivery
    another worker claimed first is skipped (the conditional update changes no row)."""
    with transaction(session_factory) as session:
        for _ in range(5):
            delivery_id = session.scalar(
                select(WebhookDelivery.id)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                    Webhook.enabled,
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(1)
            )
            if delivery_id is None:
                return None
            claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + lease(settings))
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount == 1:
                return _job(session, delivery_id)
    return None


def _job(session: Session, delivery_id: int) -> Job:
    row = session.get_one(WebhookDelivery, delivery_id)
    hook = session.get_one(Webhook, row.webhook_id)
    event = session.get_one(Event, row.event_id)
    project = session.get_one(Project, hook.project_id)
    return Job(
        delivery_id=row.id,
        webhook_id=hook.id,
        kind=hook.kind,
        url=hook.url,
        secret=hook.secret,
        name=hook.name,
        project=project.slug,
        event=payloads.EventView(
            id=event.id,
            type=event.type,
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            payload=event.data,
            hash=event.hash,
        ),
    )


def _attempt(
    client: httpx.Client,
    job: Job,
    allowed: list[urlguard.IPNetwork],
    resolver: urlguard.Resolver,
) -> delivery.Outcome:
    body = payloads.body(
        job.kind, job.event, delivery_id=job.delivery_id, project=job.project, webhook_name=job.name
    )
    headers = signing.headers(
        job.secret, body, delivery_id=job.delivery_id, event_type=job.event.type
    )
    return delivery.post(client, job.url, body, headers, allowed=allowed, resolver=resolver)


def _record(
    session: Session,
    settings: Settings,
    job: Job,
    outcome: delivery.Outcome,
    started: datetime,
) -> DeliveryStatus | None:
    row = session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == job.delivery_id).with_for_update()
    )
    if row is None or row.status is not DeliveryStatus.PENDING:
        return None  # the webhook was deleted meanwhile, or another worker finished it
    number = row.attempts + 1
    session.add(
        WebhookAttempt(
            delivery_id=row.id,
            number=number,
            at=started,
            url=job.url,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
    )
    row.attempts = number
    if outcome.ok:
        row.status, row.next_attempt_at = DeliveryStatus.DELIVERED, None
        row.delivered_at = started + timedelta(milliseconds=outcome.duration_ms)
    elif outcome.final or number >= settings.webhook_max_attempts:
        row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        wait = backoff(settings, number)
        row.next_attempt_at = started + wait * (1 + random.uniform(0, JITTER))  # noqa: S311 (spread, not secrecy)
    return row.status
