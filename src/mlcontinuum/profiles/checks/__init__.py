"""Data checks of a current profile against a reference: one module each, auto-discovered."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping

from mlcontinuum.profiles.checks.registry import (
    CheckResult,
    DataCheck,
    Finding,
    data_checks,
    register,
)
from mlcontinuum.profiles.errors import ProfileError
from mlcontinuum.profiles.model import Profile

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")


def run_checks(
    reference: Profile, current: Profile, *, thresholds: Mapping[str, float] | None = None
) -> list[CheckResult]:
    """Run every registered check; `thresholds` overrides defaults by check name."""
    unknown = [name for name in thresholds or {} if name not in data_checks]
    if unknown:
        raise ProfileError(
            f"unknown data check(s): {', '.join(unknown)}; known: {', '.join(data_checks)}"
        )
    limits = dict(thresholds or {})
    return [
        check.run(reference, current, limits.get(name, check.default_threshold))
        for name, check in data_checks.items()
    ]


__all__ = ["CheckResult", "DataCheck", "Finding", "data_checks", "register", "run_checks"]
