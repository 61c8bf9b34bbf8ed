"""Kolmogorov–Smirnov statistic D = max_x |F_ref(x) − F_cur(x)|.

Both CDFs come from the quantile summaries, evaluated at every item of either summary (the sup of
two step functions is reached at a step). The p-value is computed from D minus both summaries'
bounds on their rank error at every point at once (0 for exact counts), so sketch error cannot
manufacture significance at large n: it is what marks a column "changed" below the threshold.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import kolmogorov

from mlcontinuum.profiles.distributions import rank_error, step_cdfs, summary_of
from mlcontinuum.profiles.drift.registry import DriftMethod, MethodResult, register
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile

# Mean of the Kolmogorov distribution: E[D] ≈ 0.8687 · sqrt(1/n + 1/m) with no drift.
_KOLMOGOROV_MEAN = 0.8687


def ks(reference: ColumnProfile, current: ColumnProfile) -> MethodResult:
    ref, cur = summary_of(reference), summary_of(current)
    _, f_ref, f_cur = step_cdfs(ref, cur)
    d = float(np.max(np.abs(f_ref - f_cur)))
    sketch_error = rank_error(ref, every_point=True) + rank_error(cur, every_point=True)
    effective_n = ref.n * cur.n / (ref.n + cur.n)
    p_value = float(kolmogorov(max(d - sketch_error, 0.0) * math.sqrt(effective_n)))
    floor = sketch_error + _KOLMOGOROV_MEAN / math.sqrt(effective_n)
    return MethodResult(value=d, noise_floor=floor, p_value=p_value)


register(
    DriftMethod(
        name="ks",
        kinds=frozenset({ColumnKind.NUMERIC}),
        default_threshold=0.1,
        fn=ks,
        description="Kolmogorov–Smirnov statistic D (two-sample)",
    )
)
