"""Alerts: de-duplicated alerts from KPIs and drift and data-quality rules."""

from mlcontinuum.alerts.permissions import PERMISSIONS
from mlcontinuum.kernel.slice import EventType, Reaction, Slice

SLICE = Slice(
    name="alerts",
    summary="Alert rules, and alerts that open, are acknowledged and resolved.",
    package="mlcontinuum.alerts",
    tables="mlcontinuum.alerts.models",
    api=("mlcontinuum.alerts.api",),
    permissions=PERMISSIONS,
    reactions=(Reaction("window.flagged", "mlcontinuum.alerts.raising:on_window_flagged"),),
    events=(
        EventType("alert.opened", "An alert opened.", subscribable=True),
        EventType("alert.acknowledged", "Someone took an alert on.", subscribable=True),
        EventType("alert.resolved", "An alert was resolved.", subscribable=True),
        EventType("alert_rule.created", "An alert rule was created."),
        EventType("alert_rule.updated", "An alert rule changed."),
        EventType("alert_rule.deleted", "An alert rule was deleted."),
    ),
    docs=("alerts.md",),
)
