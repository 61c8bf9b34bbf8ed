"""Vocabularies of the actions slice."""

from __future__ import annotations

from enum import StrEnum


class WebhookKind(StrEnum):
    RETRAIN = "retrain"  # a retrain pipeline's trigger: receives retrain.requested events
    JSON = "json"  # any event, as the event's JSON
    SLACK = "slack"  # a Slack-compatible incoming webhook: {"text": ...}


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last attempt, or the target was refused
