"""The slice's own lookup of its rows, shared by its service and its queries (which turn them
into read models before they leave the slice)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.storage.lookup import one_or_not_found
from mlcontinuum.webhooks.models import Webhook


def webhook_row(session: Session, project_id: int, webhook_id: int) -> Webhook:
    """The project's webhook, or 404."""
    return one_or_not_found(
        session,
        select(Webhook).where(Webhook.project_id == project_id, Webhook.id == webhook_id),
        f"no webhook {webhook_id} in this project",
    )
