"""Outbound webhooks: configure them, rotate their secret, test them, read their deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from mlcontinuum.api.deps import AppSettings, Page, PerPage
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.monitoring.permissions import MonitorConfigure
from mlcontinuum.webhooks import queries, service
from mlcontinuum.webhooks.enums import DeliveryStatus
from mlcontinuum.webhooks.schemas import (
    DeliveryPage,
    DeliveryPublic,
    WebhookCreate,
    WebhookPage,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)

routes = api_router(tags=["webhooks"])
WEBHOOKS = "/projects/{project}/webhooks"
ONE = WEBHOOKS + "/{webhook_id}"


@routes.post(WEBHOOKS, response_model=WebhookWithSecret, status_code=status.HTTP_201_CREATED)
def create_webhook(
    db: Db, access: MonitorConfigure, settings: AppSettings, data: WebhookCreate
) -> WebhookWithSecret:
    """Create a webhook. The answer holds its signing secret, the only time it is shown."""
    return service.create_webhook(db, access, settings, data)


@routes.get(WEBHOOKS, response_model=WebhookPage)
def list_webhooks(
    db: Db, access: ProjectRead, page: Page = 1, per_page: PerPage = 50
) -> WebhookPage:
    return queries.list_webhooks(db, access, page=page, per_page=per_page)


@routes.get(ONE, response_model=WebhookPublic)
def get_webhook(db: Db, access: ProjectRead, webhook_id: int) -> WebhookPublic:
    return queries.get_webhook(db, access, webhook_id)


@routes.patch(ONE, response_model=WebhookPublic)
def update_webhook(
    db: Db, access: MonitorConfigure, settings: AppSettings, webhook_id: int, data: WebhookUpdate
) -> WebhookPublic:
    """Change a webhook. Enabling it again resumes with events from now on."""
    return service.update_webhook(db, access, settings, webhook_id, data)


@routes.delete(ONE, status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(db: Db, access: MonitorConfigure, webhook_id: int) -> None:
    service.delete_webhook(db, access, webhook_id)


@routes.post(ONE + "/rotate-secret", response_model=WebhookWithSecret)
def rotate_secret(db: Db, access: MonitorConfigure, webhook_id: int) -> WebhookWithSecret:
    """Replace the signing secret; the answer shows the new one, once."""
    return service.rotate_secret(db, access, webhook_id)


@routes.post(ONE + "/test", response_model=DeliveryPublic, status_code=status.HTTP_202_ACCEPTED)
def test_webhook(db: Db, access: MonitorConfigure, webhook_id: int) -> DeliveryPublic:
    """Queue a `webhook.test` delivery to this webhook alone; watch it in its deliveries."""
    return service.send_test(db, access, webhook_id)


@routes.get(ONE + "/deliveries", response_model=DeliveryPage)
def list_deliveries(
    db: Db,
    access: ProjectRead,
    webhook_id: int,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status.")] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> DeliveryPage:
    """Deliveries, newest first, each with every attempt."""
    return queries.list_deliveries(
        db, access, webhook_id, status=status, page=page, per_page=per_page
    )
