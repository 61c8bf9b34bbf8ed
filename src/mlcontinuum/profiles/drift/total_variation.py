"""Total variation distance between the label distributions: ½ Σ |p_i − q_i|, in [0, 1]."""

from __future__ import annotations

import numpy as np

from mlcontinuum.profiles.distributions import aligned_counts
from mlcontinuum.profiles.drift.registry import DriftMethod, MethodResult, register
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile
from mlcontinuum.profiles.noise import expected_total_variation


def total_variation(reference: ColumnProfile, current: ColumnProfile) -> MethodResult:
    ref, cur = aligned_counts(reference, current)
    n, m = ref.sum(), cur.sum()
    value = 0.5 * float(np.abs(ref / n - cur / m).sum())
    # The value expected with no drift: each cell's |p_i − q_i| exactly for sparse cells (a
    # column of unique ids has a floor near 1), by the normal approximation for full ones.
    return MethodResult(value=value, noise_floor=expected_total_variation(ref, cur))


register(
    DriftMethod(
        name="total_variation",
        kinds=frozenset({ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN}),
        default_threshold=0.1,
        fn=total_variation,
        description="Total variation distance between label shares",
    )
)
