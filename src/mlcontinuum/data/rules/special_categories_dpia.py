"""Special categories of personal data need a data protection impact assessment (GDPR Art. 35)."""

from __future__ import annotations

from datetime import date

from mlcontinuum.data.enums import Severity
from mlcontinuum.data.rules.registry import Rule, register
from mlcontinuum.data.schemas import DataSourceFields


def check(source: DataSourceFields, today: date) -> str | None:
    if source.special_categories and not source.dpia_reference:
        listed = ", ".join(c.label.lower() for c in source.special_categories)
        return f"holds special categories ({listed}) but names no DPIA"
    return None


RULE = register(
    Rule(
        "continuum:compliance:special_categories_dpia",
        "DPIA for special categories",
        Severity.ERROR,
        check,
    )
)
