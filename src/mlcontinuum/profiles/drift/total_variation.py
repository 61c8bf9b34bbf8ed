"""Total variation distance between the label distributions: ½ Σ |p_i − q_i|, in [0, 1]."""

from __future__ import annotations

import math

import numpy as np

from mlcontinuum.profiles.distributions import aligned_counts
from mlcontinuum.profiles.drift.registry import DriftMethod, MethodResult, register
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile


def total_variation(reference: ColumnProfile, current: ColumnProfile) -> MethodResult:
    ref, cur = aligned_counts(reference, current)
    n, m = ref.sum(), cur.sum()
    p, q = ref / n, cur / m
    value = 0.5 * float(np.abs(p - q).sum())
    # With no drift each |p_i − q_i| is half-normal with σ² = r_i(1 − r_i)(1/n + 1/m), r the pooled
    # share; many rare labels add up to a sizeable floor (≈ 0.09 for 5,000 even labels, 200k rows).
    pooled = (ref + cur) / (n + m)
    floor = (
        0.5
        * math.sqrt(2.0 / math.pi)
        * float(np.sqrt(pooled * (1.0 - pooled) * (1.0 / n + 1.0 / m)).sum())
    )
    return MethodResult(value=value, noise_floor=floor)


register(
    DriftMethod(
        name="total_variation",
        kinds=frozenset({ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN}),
        default_threshold=0.1,
        fn=total_variation,
        description="Total variation distance between label shares",
    )
)
