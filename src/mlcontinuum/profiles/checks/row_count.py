"""Row count far from the reference: the threshold is a factor (10 = a tenth to ten times)."""

from __future__ import annotations

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import Profile


def row_count(reference: Profile, current: Profile, threshold: float) -> Finding:
    ref, cur = reference.row_count, current.row_count
    ratio = cur / ref if ref else float("inf")
    summary = (
        f"{cur:,} rows against {ref:,} in the reference "
        f"(ratio {ratio:.3g}, allowed 1/{threshold:g} to {threshold:g})"
    )
    if cur == 0 or ref == 0 or not 1.0 / threshold <= ratio <= threshold:
        return Finding((f"{cur:,} rows vs {ref:,}",), summary)
    return Finding((), summary)


register(DataCheck("row_count", 10.0, row_count, "Row count within a factor of the reference"))
