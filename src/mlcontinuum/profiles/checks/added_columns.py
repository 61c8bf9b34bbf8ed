"""Columns in the current data that the reference does not have."""

from __future__ import annotations

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import Profile


def added_columns(reference: Profile, current: Profile, threshold: float) -> Finding:
    added = [name for name in current.columns if name not in reference.columns]
    if len(added) <= threshold:
        return Finding((), f"{len(added)} added column(s), at most {threshold:g} allowed")
    return Finding(
        tuple(added), f"{len(added)} column(s) not in the reference: {', '.join(added[:10])}"
    )


register(DataCheck("added_columns", 0, added_columns, "Columns absent from the reference"))
