"""API shapes of webhooks, their deliveries and attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from mlcontinuum.kernel.strict import Strict
from mlcontinuum.webhooks import subscriptions
from mlcontinuum.webhooks.enums import DeliveryStatus, WebhookKind

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    Field(description="http or https; no credentials; must not lead to an internal address."),
]
EventTypes = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=50,
        description="Event types to receive, or ['*'] for every event of the project.",
    ),
    AfterValidator(subscriptions.normalise),
]


class WebhookCreate(Strict):
    name: Name
    kind: WebhookKind
    url: Url
    event_types: EventTypes | None = Field(
        default=None, description="Default: the kind's usual events (see docs/webhooks.md)."
    )
    enabled: bool = True


class WebhookUpdate(Strict):
    name: Name | None = None
    kind: WebhookKind | None = None
    url: Url | None = None
    event_types: EventTypes | None = None
    enabled: bool | None = None


class WebhookPublic(BaseModel):
    id: int
    name: str
    kind: WebhookKind
    url: str = Field(
        description="In full for those who may configure webhooks; others see the origin only."
    )
    event_types: list[str]
    enabled: bool
    created_by: str
    created_at: datetime


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(
        description="Signs every delivery (HMAC-SHA256). Shown only in this answer: store it "
        "now; rotate it to get a new one."
    )


class WebhookPage(BaseModel):
    items: list[WebhookPublic]
    total: int
    page: int
    per_page: int


class AttemptPublic(BaseModel):
    number: int
    at: datetime
    url: str
    status_code: int | None = Field(description="The receiver's answer; none if there was none.")
    error: str = Field(description="Why the attempt failed; empty when it succeeded.")
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: int = Field(description="Also sent as X-Continuum-Delivery: receivers drop repeats by it.")
    webhook_id: int
    event_id: int
    event_type: str
    status: DeliveryStatus
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    attempts: list[AttemptPublic] = Field(description="Every attempt, oldest first.")


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    total: int
    page: int
    per_page: int
