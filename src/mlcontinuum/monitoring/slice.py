"""Monitoring: production batches, labels and KPI values in; windows evaluated against the
charter (drift, data checks, performance, KPIs)."""

from mlcontinuum.kernel.slice import EventType, Job, Slice
from mlcontinuum.monitoring.permissions import PERMISSIONS

SLICE = Slice(
    name="monitoring",
    summary="Production profiles, labels and KPI values; windows evaluated against the charter.",
    package="mlcontinuum.monitoring",
    tables="mlcontinuum.monitoring.models",
    api=("mlcontinuum.monitoring.api.ingest", "mlcontinuum.monitoring.api.windows"),
    cli=("mlcontinuum.monitoring.cli",),
    permissions=PERMISSIONS,
    jobs=(Job("evaluator", "mlcontinuum.monitoring.evaluation:evaluate_pending"),),
    events=(
        EventType(
            "window.flagged",
            "An evaluation found KPIs past their alert threshold, or drift or failed data "
            "checks in new batches.",
        ),
    ),
    docs=("monitoring.md", "evaluation.md"),
)
