"""Jensen–Shannon distance (base 2, in [0, 1]).

JS = sqrt(½ KL(p ‖ m) + ½ KL(q ‖ m)), m = (p + q) / 2. Numeric columns use the bins of PSI (ten
reference-quantile bins, point masses apart); categorical and boolean columns their labels
(unseen labels count on the current side; past the level limit, the cells of `aligned_counts`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from mlcontinuum.profiles.distributions import (
    aligned_counts,
    bin_masses,
    decile_edges,
    summary_of,
)
from mlcontinuum.profiles.drift.registry import DriftMethod, MethodResult, register
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile
from mlcontinuum.profiles.noise import expected_js_divergence


def jensen_shannon(reference: ColumnProfile, current: ColumnProfile) -> MethodResult:
    if reference.kind is not ColumnKind.NUMERIC:
        counts_p, counts_q = aligned_counts(reference, current)
        # Exact for sparse cells (see noise.py), the expansion below for full ones.
        floor = math.sqrt(expected_js_divergence(counts_p, counts_q))
        return MethodResult(value=js_distance(counts_p, counts_q), noise_floor=floor)
    ref, cur = summary_of(reference), summary_of(current)
    edges, atoms = decile_edges(ref)
    p, q = bin_masses(ref, edges, atoms), bin_masses(cur, edges, atoms)
    bins = int(np.count_nonzero((p + q) > 0))
    # With no drift the divergence is about (bins − 1)(1/n + 1/m) / (8 ln 2) bits.
    floor = math.sqrt(max(bins - 1, 0) * (1.0 / ref.n + 1.0 / cur.n) / (8.0 * math.log(2.0)))
    return MethodResult(value=js_distance(p, q), noise_floor=floor)


def js_distance(p: NDArray[np.float64], q: NDArray[np.float64]) -> float:
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)
    divergence = 0.5 * (_kl(p, m) + _kl(q, m))
    return math.sqrt(max(divergence, 0.0))


def _kl(p: NDArray[np.float64], m: NDArray[np.float64]) -> float:
    present = p > 0
    return float(np.sum(p[present] * np.log2(p[present] / m[present])))


register(
    DriftMethod(
        name="jensen_shannon",
        kinds=frozenset({ColumnKind.NUMERIC, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN}),
        default_threshold=0.1,
        fn=jensen_shannon,
        description="Jensen–Shannon distance, base 2",
    )
)
