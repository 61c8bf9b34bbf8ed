"""Jumps in the missing rate (nulls + NaN over rows), in absolute percentage points."""

from __future__ import annotations

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import Profile


def missing_rate(reference: Profile, current: Profile, threshold: float) -> Finding:
    jumps = [
        f"{name}: {ref.missing_rate:.1%} → {cur.missing_rate:.1%}"
        for name, ref in reference.columns.items()
        if (cur := current.columns.get(name)) is not None
        and cur.missing_rate - ref.missing_rate > threshold
    ]
    if not jumps:
        return Finding((), f"no missing rate rose by more than {threshold:.0%}")
    return Finding(
        tuple(jumps),
        f"missing rate rose by more than {threshold:.0%} in {len(jumps)} column(s): "
        + "; ".join(jumps[:10]),
    )


register(DataCheck("missing_rate", 0.1, missing_rate, "Missing-rate increase (absolute)"))
