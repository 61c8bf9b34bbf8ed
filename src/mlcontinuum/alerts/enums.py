"""Vocabularies of the alerts slice."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertSource(StrEnum):
    """What raised the alert: a charter KPI threshold, or a project rule."""

    KPI = "kpi"
    DRIFT = "drift"
    DATA_QUALITY = "data_quality"


class RuleKind(StrEnum):
    """Rules a project sets itself; KPI rules come from the charter and need no row."""

    DRIFT = "drift"
    DATA_QUALITY = "data_quality"
