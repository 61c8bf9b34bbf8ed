"""The body each kind of webhook receives for an event (documented in docs/webhooks.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlcontinuum.webhooks.enums import WebhookKind
from mlcontinuum.webhooks.subscriptions import TEST_EVENT


@dataclass(frozen=True)
class EventView:
    """What a delivery needs of its event, read in the claiming transaction."""

    id: int
    type: str
    seq: int
    at: datetime
    actor: str
    payload: dict[str, Any]
    hash: str


def body(
    kind: WebhookKind, event: EventView, *, delivery_id: int, project: str, webhook_name: str
) -> bytes:
    if kind is WebhookKind.SLACK:
        content: dict[str, Any] = {"text": slack_text(event, project, webhook_name)}
    elif kind is WebhookKind.RETRAIN:
        content = _retrain(event, delivery_id, project)
    else:
        content = {
            "id": delivery_id,
            "project": project,
            "event": {
                "type": event.type,
                "seq": event.seq,
                "at": event.at.isoformat(),
                "actor": event.actor,
                "payload": event.payload,
                "hash": event.hash,
            },
        }
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _retrain(event: EventView, delivery_id: int, project: str) -> dict[str, Any]:
    data = event.payload
    common = {"id": delivery_id, "event": event.type, "project": project}
    if event.type != "retrain.requested":  # a test ping: same envelope, nothing to train
        return {**common, "at": event.at.isoformat(), "test": event.type == TEST_EVENT}
    return {
        **common,
        "model": data.get("model"),
        "version": data.get("version"),
        "deployment_id": data.get("deployment_id"),
        "reason": data.get("reason"),
        "change_id": data.get("change_id"),
        "evidence": data.get("evidence"),
        "requested_by": event.actor,
        "at": event.at.isoformat(),
    }


def _escape(text: object) -> str:
    """Slack's mrkdwn reads &, < and > as markup; escape them in our values."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(event: EventView, project: str, webhook_name: str) -> str:
    """One readable line per event, for a channel."""
    d = {key: _escape(value) for key, value in event.payload.items()}
    who = _escape(event.actor)
    lines = {
        "alert.opened": lambda: f"Alert opened ({d.get('severity', '?')}): {d.get('title', '')}",
        "alert.acknowledged": lambda: f"Alert {d.get('alert_id')} acknowledged by {who}",
        "alert.resolved": lambda: (
            f"Alert {d.get('alert_id')} resolved by {who}: {d.get('resolution', '')}"
        ),
        "change.opened": lambda: f"Change request {d.get('change_id')} opened: {d.get('title')}",
        "change.proposed": lambda: (
            f"{who} proposes to {d.get('option')} (change {d.get('change_id')}): "
            f"{d.get('rationale', '')}"
        ),
        "change.approved": lambda: f"Change {d.get('change_id')} approved by {who}",
        "change.decided": lambda: (
            f"Change {d.get('change_id')} decided: {d.get('option')}. {d.get('rationale', '')}"
        ),
        "change.withdrawn": lambda: (
            f"Change {d.get('change_id')} withdrawn by {who}: {d.get('reason', '')}"
        ),
        "retrain.requested": lambda: (
            f"Retrain requested for {d.get('model')} version {d.get('version')}: "
            f"{d.get('reason', '')}"
        ),
        TEST_EVENT: lambda: (
            f"Test delivery of webhook '{_escape(webhook_name)}', sent by {who}. It works."
        ),
    }
    line = lines.get(event.type, lambda: f"{_escape(event.type)} by {who}")()
    return f"[{_escape(project)}] {line}"
