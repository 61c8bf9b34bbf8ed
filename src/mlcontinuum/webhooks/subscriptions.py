"""Which events a webhook may subscribe to, the defaults of each kind, and the matching rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mlcontinuum.webhooks.enums import WebhookKind

ALL = "*"
# Sent only by `POST .../webhooks/{id}/test`, straight to that one webhook: no subscription
# (not even "*") matches it, so testing one webhook never pings the others.
TEST_EVENT = "webhook.test"

# The events of the monitoring loop and of releases, the ones worth acting on outside.
# "*" reaches every event of the project's log, present and future, apart from test pings.
EVENT_TYPES: tuple[str, ...] = (
    "alert.opened",
    "alert.acknowledged",
    "alert.resolved",
    "change.opened",
    "change.proposed",
    "change.approved",
    "change.decided",
    "change.withdrawn",
    "retrain.requested",
    "plan.note_added",
    "release.requested",
    "release.approved",
    "release.rejected",
    "release.policy_overridden",
    "deployment.recorded",
    "deployment.rolled_back",
    "gates.run",
    "model.version_created",
    "webhook.created",
    "webhook.updated",
    "webhook.deleted",
    "webhook.secret_rotated",
)

DEFAULTS: dict[WebhookKind, tuple[str, ...]] = {
    WebhookKind.RETRAIN: ("retrain.requested",),
    WebhookKind.JSON: ("alert.opened", "alert.resolved", "change.decided", "retrain.requested"),
    WebhookKind.SLACK: ("alert.opened", "alert.resolved", "change.decided"),
}

# A retrain trigger receives a fixed body built from retrain.requested; other events have no
# meaning for a training pipeline.
ONLY: dict[WebhookKind, frozenset[str]] = {WebhookKind.RETRAIN: frozenset({"retrain.requested"})}


def known(name: str) -> str:
    """`name` if a webhook may subscribe to it, else ValueError naming the choices."""
    if name != ALL and name not in EVENT_TYPES:
        raise ValueError(
            f"unknown event type '{name}'; choose from {', '.join(EVENT_TYPES)}, or '*' for all"
        )
    return name


def normalise(names: Iterable[str]) -> list[str]:
    """Known names, duplicates dropped, in the given order; ValueError when empty."""
    unique = list(dict.fromkeys(known(name) for name in names))
    if not unique:
        raise ValueError("subscribe to at least one event type (or '*' for all)")
    return unique


def check_kind(kind: WebhookKind, names: Sequence[str]) -> None:
    """ValueError when a kind cannot carry one of the subscribed events."""
    allowed = ONLY.get(kind)
    if allowed is None:
        return
    extra = [name for name in names if name not in allowed]
    if extra:
        raise ValueError(
            f"a {kind.value} webhook receives only {', '.join(sorted(allowed))}, "
            f"not {', '.join(extra)}"
        )


def matches(subscribed: Sequence[str], event_type: str) -> bool:
    if event_type == TEST_EVENT:
        return False
    return ALL in subscribed or event_type in subscribed
