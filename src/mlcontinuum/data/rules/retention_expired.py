"""Data kept past its retention period must not be used (GDPR Art. 5(1)(e))."""

from __future__ import annotations

from datetime import date, timedelta

from mlcontinuum.data.enums import Severity
from mlcontinuum.data.rules.registry import Rule, register
from mlcontinuum.data.schemas import DataSourceFields


def expires_on(source: DataSourceFields) -> date | None:
    if source.retention_days is None or source.retention_starts_on is None:
        return None
    return source.retention_starts_on + timedelta(days=source.retention_days)


def check(source: DataSourceFields, today: date) -> str | None:
    expiry = expires_on(source)
    if source.personal_data and expiry is not None and expiry < today:
        return f"retention period ended on {expiry.isoformat()}; delete or renew the data"
    return None


RULE = register(
    Rule(
        "continuum:compliance:retention_expired", "Retention period not over", Severity.ERROR, check
    )
)
