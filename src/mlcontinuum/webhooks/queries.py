"""Reads of webhooks and their deliveries. A webhook's URL is shown in full only to those who
may configure monitoring (it may hold the receiver's own secret); others see its origin."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.events import Event
from mlcontinuum.kernel.storage.paging import page_of
from mlcontinuum.monitoring.permissions import MONITOR_CONFIGURE
from mlcontinuum.webhooks import urlguard
from mlcontinuum.webhooks.enums import DeliveryStatus
from mlcontinuum.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from mlcontinuum.webhooks.rows import webhook_row
from mlcontinuum.webhooks.schemas import (
    AttemptPublic,
    DeliveryPage,
    DeliveryPublic,
    WebhookPage,
    WebhookPublic,
)


def get_webhook(session: Session, access: ProjectAccess, webhook_id: int) -> WebhookPublic:
    return public(access, webhook_row(session, access.project.id, webhook_id))


def list_webhooks(
    session: Session, access: ProjectAccess, *, page: int, per_page: int
) -> WebhookPage:
    query = select(Webhook).where(Webhook.project_id == access.project.id)
    total, rows = page_of(session, query, Webhook.id, page=page, per_page=per_page)
    return WebhookPage(
        items=[public(access, row) for row in rows], total=total, page=page, per_page=per_page
    )


def list_deliveries(
    session: Session,
    access: ProjectAccess,
    webhook_id: int,
    *,
    status: DeliveryStatus | None,
    page: int,
    per_page: int,
) -> DeliveryPage:
    row = webhook_row(session, access.project.id, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == row.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    total, rows = page_of(session, query, WebhookDelivery.id.desc(), page=page, per_page=per_page)
    return DeliveryPage(
        items=deliveries_public(session, access, rows), total=total, page=page, per_page=per_page
    )


def _shown_url(access: ProjectAccess, url: str) -> str:
    return url if access.can(MONITOR_CONFIGURE) else urlguard.redact(url)


def public(access: ProjectAccess, row: Webhook) -> WebhookPublic:
    return WebhookPublic(
        id=row.id,
        name=row.name,
        kind=row.kind,
        url=_shown_url(access, row.url),
        event_types=list(row.event_types),
        enabled=row.enabled,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def deliveries_public(
    session: Session, access: ProjectAccess, rows: Sequence[WebhookDelivery]
) -> list[DeliveryPublic]:
    """Deliveries with their event types and attempts: two queries for the whole page."""
    ids = [row.id for row in rows]
    event_ids = [row.event_id for row in rows]
    found = session.execute(select(Event.id, Event.type).where(Event.id.in_(event_ids))).all()
    types: dict[int, str] = dict(found)
    attempts: dict[int, list[AttemptPublic]] = {delivery_id: [] for delivery_id in ids}
    for attempt in session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
    ):
        attempts[attempt.delivery_id].append(
            AttemptPublic(
                number=attempt.number,
                at=attempt.at,
                url=_shown_url(access, attempt.url),
                status_code=attempt.status_code,
                error=attempt.error,
                duration_ms=attempt.duration_ms,
            )
        )
    return [
        DeliveryPublic(
            id=row.id,
            webhook_id=row.webhook_id,
            event_id=row.event_id,
            event_type=types[row.event_id],
            status=row.status,
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            attempts=attempts[row.id],
        )
        for row in rows
    ]
