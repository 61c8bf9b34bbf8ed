"""The profile part of a window's evaluation: drift per feature and data checks, from two
profiles only (the version's reference and the window's merged profile). Pure computation."""

from __future__ import annotations

import math

from mlcontinuum.monitoring.schemas import CheckOutcome, DriftColumn, DriftMethodResult
from mlcontinuum.profiles import Profile, compare, run_checks
from mlcontinuum.profiles.compare import ColumnDrift

# `row_count` compares the size of a window with the size of the training set, which says
# nothing about production data (an hour of traffic is not a training set), so windows skip it.
SKIPPED_CHECKS = frozenset({"row_count"})


def finite(value: float | None) -> float | None:
    """JSON-safe: PostgreSQL's JSON has no Infinity or NaN, so those are stored as null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def drift(reference: Profile, current: Profile) -> list[DriftColumn]:
    return [_column(c) for c in compare(reference, current).columns]


def _column(column: ColumnDrift) -> DriftColumn:
    scores = [
        (o.value - o.noise_floor) / o.threshold
        for o in column.outcomes
        if o.threshold > 0 and math.isfinite(o.value - o.noise_floor)
    ]
    return DriftColumn(
        column=column.column,
        kind=column.kind.value,
        drifted=column.drifted,
        score=finite(max(scores)) if scores and not column.skipped else None,
        skipped=column.skipped,
        methods=[
            DriftMethodResult(
                method=o.method,
                value=finite(o.value),
                threshold=o.threshold,
                noise_floor=finite(o.noise_floor),
                p_value=finite(o.p_value),
                drifted=o.drifted,
            )
            for o in column.outcomes
        ],
    )


def checks(reference: Profile, current: Profile) -> list[CheckOutcome]:
    return [
        CheckOutcome(
            name=result.name,
            passed=result.passed,
            threshold=result.threshold,
            message=result.message,
            details=list(result.details),
        )
        for result in run_checks(reference, current)
        if result.name not in SKIPPED_CHECKS
    ]
