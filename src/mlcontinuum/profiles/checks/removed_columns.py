"""Reference columns missing from the current data."""

from __future__ import annotations

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import Profile


def removed_columns(reference: Profile, current: Profile, threshold: float) -> Finding:
    removed = [name for name in reference.columns if name not in current.columns]
    if len(removed) <= threshold:
        return Finding((), f"{len(removed)} removed column(s), at most {threshold:g} allowed")
    return Finding(
        tuple(removed), f"{len(removed)} reference column(s) missing: {', '.join(removed[:10])}"
    )


register(DataCheck("removed_columns", 0, removed_columns, "Reference columns missing now"))
