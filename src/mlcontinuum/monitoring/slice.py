"""Monitoring: production batches, labels and KPI values in; windows evaluated against the
charter (drift, data checks, performance, KPIs)."""

from mlcontinuum.kernel.slice import Area, Job, NavItem, Slice
from mlcontinuum.monitoring.permissions import PERMISSIONS

SLICE = Slice(
    name="monitoring",
    summary="Production profiles, labels and KPI values; windows evaluated against the charter.",
    package="mlcontinuum.monitoring",
    tables="mlcontinuum.monitoring.models",
    api=("mlcontinuum.monitoring.api.ingest", "mlcontinuum.monitoring.api.windows"),
    pages=("mlcontinuum.monitoring.pages",),
    cli=("mlcontinuum.monitoring.cli",),
    nav=(
        NavItem(Area.MANAGE_AND_TRUST, "Health", "health"),
        NavItem(Area.MANAGE_AND_TRUST, "Alerts", "alerts"),
        NavItem(Area.MANAGE_AND_TRUST, "Change requests", "changes"),
    ),
    permissions=PERMISSIONS,
    jobs=(Job("evaluator", "mlcontinuum.monitoring.evaluation:evaluate_pending"),),
    docs=("monitoring.md", "evaluation.md"),
)
