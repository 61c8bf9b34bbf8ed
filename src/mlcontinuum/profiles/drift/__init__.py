"""Drift methods: one module each, found and registered by importing every module here."""

from __future__ import annotations

import importlib
import pkgutil

from mlcontinuum.profiles.drift.registry import (
    DriftMethod,
    MethodResult,
    NotComparable,
    drift_methods,
    register,
)

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["DriftMethod", "MethodResult", "NotComparable", "drift_methods", "register"]
