"""Actions: outbound webhooks (retrain trigger, generic JSON, Slack-compatible), signed with
HMAC-SHA256 and delivered from the event log by an outbox worker. See docs/webhooks.md."""
