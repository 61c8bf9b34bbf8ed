"""Rules for webhooks: create, change, delete, rotate the secret, test; reads are in `queries`.

The signing secret is made here, returned once (at creation and on rotation) and never again,
nor written to the event log. URLs are checked statically when saved (`urlguard.check_static`)
and after DNS resolution on every attempt (`outbox`). Event payloads name a webhook's URL by its
origin only: the log is permanent and readable by every member, and some receivers keep their
own secret in the path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import Conflict, FieldProblem, ValidationFailed
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.unique import ensure_unique
from mlcontinuum.webhooks import outbox, signing, subscriptions, urlguard
from mlcontinuum.webhooks.enums import DeliveryStatus, WebhookKind
from mlcontinuum.webhooks.models import Webhook, WebhookDelivery
from mlcontinuum.webhooks.queries import deliveries_public, public
from mlcontinuum.webhooks.rows import webhook_row
from mlcontinuum.webhooks.schemas import (
    DeliveryPublic,
    WebhookCreate,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)


def check_url(url: str, settings: Settings) -> None:
    """ValidationFailed (422) for a URL that can never be delivered to."""
    allowed = urlguard.parse_networks(settings.webhook_allowed_networks)
    try:
        urlguard.check_static(url, allowed)
    except urlguard.BadUrl as err:
        raise ValidationFailed(f"url: {err}", [FieldProblem("url", "url", str(err))]) from err
    except urlguard.Refused as err:
        message = (
            f"{err}: webhooks may not reach internal addresses unless an operator allows the "
            "network in CONTINUUM_WEBHOOK_ALLOWED_NETWORKS"
        )
        problem = FieldProblem("url", "address", message)
        raise ValidationFailed(f"url: {message}", [problem]) from err


def _check_kind(kind: WebhookKind, event_types: list[str]) -> None:
    try:
        subscriptions.check_kind(kind, event_types)
    except ValueError as err:
        raise ValidationFailed(
            f"event_types: {err}", [FieldProblem("event_types", "kind", str(err))]
        ) from err


def _unique_name(session: Session, project_id: int, name: str, webhook_id: int | None) -> None:
    ensure_unique(
        session,
        Webhook.id,
        Webhook.project_id == project_id,
        Webhook.name == name,
        own_id=webhook_id,
        message=f"this project already has a webhook named '{name}'",
        hint="choose another name",
    )


def _described(row: Webhook) -> dict[str, Any]:
    """A webhook as the event log shows it: no secret, the URL by its origin."""
    return {
        "webhook_id": row.id,
        "name": row.name,
        "kind": row.kind.value,
        "url": urlguard.redact(row.url),
        "event_types": list(row.event_types),
        "enabled": row.enabled,
    }


def create_webhook(
    session: Session, access: ProjectAccess, settings: Settings, data: WebhookCreate
) -> WebhookWithSecret:
    check_url(data.url, settings)
    event_types = list(data.event_types or subscriptions.DEFAULTS[data.kind])
    _check_kind(data.kind, event_types)
    _unique_name(session, access.project.id, data.name, None)
    row = Webhook(
        project_id=access.project.id,
        name=data.name,
        kind=data.kind,
        url=data.url,
        secret=signing.new_secret(),
        event_types=event_types,
        enabled=data.enabled,
        cursor_event_id=0,
        created_by=access.actor,
    )
    session.add(row)
    session.flush()
    event = events.append(
        session,
        type="webhook.created",
        actor=access.actor,
        project_id=access.project.id,
        payload=_described(row),
    )
    # A new webhook starts at the present: it receives events from now on, not the history.
    row.cursor_event_id = event.id
    return WebhookWithSecret(**public(access, row).model_dump(), secret=row.secret)


def update_webhook(
    session: Session,
    access: ProjectAccess,
    settings: Settings,
    webhook_id: int,
    data: WebhookUpdate,
) -> WebhookPublic:
    row = webhook_row(session, access.project.id, webhook_id)
    changes = data.model_dump(exclude_none=True)
    if "url" in changes:
        check_url(changes["url"], settings)
    if "name" in changes:
        _unique_name(session, access.project.id, changes["name"], row.id)
    kind = changes.get("kind", row.kind)
    if "kind" in changes and "event_types" not in changes:
        # The old subscriptions may not fit the new kind; keep them when they do.
        try:
            subscriptions.check_kind(kind, row.event_types)
        except ValueError:
            changes["event_types"] = list(subscriptions.DEFAULTS[kind])
    _check_kind(kind, changes.get("event_types", row.event_types))
    changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changes:
        return public(access, row)
    resumed = changes.get("enabled") is True
    for key, value in changes.items():
        setattr(row, key, value)
    shown = {k: (urlguard.redact(v) if k == "url" else v) for k, v in changes.items()}
    event = events.append(
        session,
        type="webhook.updated",
        actor=access.actor,
        project_id=access.project.id,
        payload={"webhook_id": row.id, "name": row.name, "changes": shown},
    )
    if resumed:
        # Enabling again resumes from now: events of the paused time are not sent late.
        row.cursor_event_id = event.id
    return public(access, row)


def delete_webhook(session: Session, access: ProjectAccess, webhook_id: int) -> None:
    """Delete the webhook with its deliveries and attempts (the events stay in the log)."""
    row = webhook_row(session, access.project.id, webhook_id)
    described = _described(row)
    session.delete(row)
    session.flush()
    events.append(
        session,
        type="webhook.deleted",
        actor=access.actor,
        project_id=access.project.id,
        payload=described,
    )


def rotate_secret(session: Session, access: ProjectAccess, webhook_id: int) -> WebhookWithSecret:
    """A new signing secret, effective for every attempt from now on (pending ones too)."""
    row = webhook_row(session, access.project.id, webhook_id)
    row.secret = signing.new_secret()
    events.append(
        session,
        type="webhook.secret_rotated",
        actor=access.actor,
        project_id=access.project.id,
        payload={"webhook_id": row.id, "name": row.name},
    )
    return WebhookWithSecret(**public(access, row).model_dump(), secret=row.secret)


def send_test(session: Session, access: ProjectAccess, webhook_id: int) -> DeliveryPublic:
    """Queue a `webhook.test` delivery to this webhook alone; the outbox sends it."""
    row = webhook_row(session, access.project.id, webhook_id)
    if not row.enabled:
        raise Conflict(
            f"webhook {row.id} is disabled; enable it before testing it",
            [FieldProblem("enabled", "disabled", "a disabled webhook sends nothing")],
        )
    event = events.append(
        session,
        type=subscriptions.TEST_EVENT,
        actor=access.actor,
        project_id=access.project.id,
        payload={"webhook_id": row.id, "name": row.name},
    )
    queued = WebhookDelivery(
        webhook_id=row.id,
        event_id=event.id,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(queued)
    session.flush()
    return deliveries_public(session, access, [queued])[0]


# --- for commands that cannot wait for the background worker (the demo) ----------------------


def deliver_now(session_factory: sessionmaker[Session], settings: Settings) -> int:
    """Queue the deliveries of new events and attempt the due ones, as one pass of the outbox
    worker does; returns how many it handled (0: nothing is due)."""
    return outbox.deliver_due(session_factory, settings)


def verify_signature(secret: str, timestamp: str, body: bytes, signature_header: str) -> bool:
    """What a receiver checks: `signature_header` signs `body` at `timestamp` under `secret`,
    and the timestamp is recent."""
    return signing.verify(secret, timestamp, body, signature_header)
