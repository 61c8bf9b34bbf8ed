"""Personal data needs a recorded retention period, or nobody can tell when it must go."""

from __future__ import annotations

from datetime import date

from mlcontinuum.data.enums import Severity
from mlcontinuum.data.rules.registry import Rule, register
from mlcontinuum.data.schemas import DataSourceFields


def check(source: DataSourceFields, today: date) -> str | None:
    if source.personal_data and (
        source.retention_days is None or source.retention_starts_on is None
    ):
        return "holds personal data but records no retention period and start date"
    return None


RULE = register(
    Rule(
        "continuum:compliance:retention_recorded",
        "Retention period recorded",
        Severity.WARNING,
        check,
    )
)
