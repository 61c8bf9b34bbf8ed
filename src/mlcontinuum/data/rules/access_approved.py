"""Every source should record who approved the project's access to it, and when."""

from __future__ import annotations

from datetime import date

from mlcontinuum.data.enums import Severity
from mlcontinuum.data.rules.registry import Rule, register
from mlcontinuum.data.schemas import DataSourceFields


def check(source: DataSourceFields, today: date) -> str | None:
    if not source.access_approved_by or source.access_approved_on is None:
        return "records no approval of access (who and when)"
    if source.access_approved_on > today:
        return f"access approval is dated in the future ({source.access_approved_on.isoformat()})"
    return None


RULE = register(
    Rule("continuum:compliance:access_approved", "Access approved", Severity.WARNING, check)
)
