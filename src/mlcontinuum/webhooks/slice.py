"""Webhooks: signed deliveries of the event log's events to retrain pipelines and chats."""

from mlcontinuum.kernel.slice import EventType, Job, Slice

SLICE = Slice(
    name="webhooks",
    summary="Signed webhooks (retrain triggers, JSON, Slack) delivered from the event log.",
    package="mlcontinuum.webhooks",
    tables="mlcontinuum.webhooks.models",
    api=("mlcontinuum.webhooks.api",),
    cli=("mlcontinuum.webhooks.cli",),
    jobs=(Job("outbox", "mlcontinuum.webhooks.outbox:deliver_due"),),
    events=(
        EventType("webhook.created", "A webhook was created.", subscribable=True),
        EventType("webhook.updated", "A webhook changed.", subscribable=True),
        EventType("webhook.deleted", "A webhook was deleted.", subscribable=True),
        EventType("webhook.secret_rotated", "A webhook's secret was rotated.", subscribable=True),
    ),
    docs=("webhooks.md",),
)
