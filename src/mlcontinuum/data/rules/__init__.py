"""Compliance rules of the data register; importing this package registers them all."""

from mlcontinuum.data.rules import (  # noqa: F401 - imported to register
    access_approved,
    lawful_basis,
    retention_expired,
    retention_recorded,
    special_categories_dpia,
)
from mlcontinuum.data.rules.registry import Rule, evaluate, rules

__all__ = ["Rule", "evaluate", "rules"]
