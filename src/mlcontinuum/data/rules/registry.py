"""Compliance rules over a data-source record: one rule per module, registered by a stable key.

A rule is a pure function of the record and today's date that returns a message when the record
breaks it. Adding a rule means adding one module and naming it in `rules/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mlcontinuum.data.enums import Severity
from mlcontinuum.data.schemas import DataSourceFields, Violation

Check = Callable[[DataSourceFields, date], str | None]


@dataclass(frozen=True)
class Rule:
    key: str  # stable: stored results and API answers use it, never a Python path
    title: str
    severity: Severity
    check: Check


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.key in _RULES:
        raise ValueError(f"compliance rule {rule.key} is registered twice")
    _RULES[rule.key] = rule
    return rule


def rules() -> list[Rule]:
    return sorted(_RULES.values(), key=lambda r: r.key)


def evaluate(source: DataSourceFields, today: date) -> list[Violation]:
    found = []
    for rule in rules():
        message = rule.check(source, today)
        if message is not None:
            found.append(Violation(rule=rule.key, severity=rule.severity, message=message))
    return found
