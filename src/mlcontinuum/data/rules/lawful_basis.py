"""Personal data may only be processed on one of the six lawful bases of GDPR Art. 6."""

from __future__ import annotations

from datetime import date

from mlcontinuum.data.enums import Severity
from mlcontinuum.data.rules.registry import Rule, register
from mlcontinuum.data.schemas import DataSourceFields


def check(source: DataSourceFields, today: date) -> str | None:
    if source.personal_data and source.lawful_basis is None:
        return "holds personal data but records no lawful basis (GDPR Art. 6)"
    return None


RULE = register(
    Rule(
        "continuum:compliance:lawful_basis", "Lawful basis for personal data", Severity.ERROR, check
    )
)
