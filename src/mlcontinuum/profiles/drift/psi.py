"""Population stability index over ten reference-quantile bins.

PSI = Σ (q_i − p_i) · ln(q_i / p_i), p = reference and q = current share of bin i, both floored at
1e-4 so an empty bin gives a large finite value. Bin edges are the reference's 10 %, 20 %, …, 90 %
quantiles, so p_i ≈ 0.1 for continuous data. A value that two or more of those quantiles share (a
point mass of at least a tenth of the reference) gets a bin of its own, so a change in its share
is seen rather than averaged into one wide bin.
"""

from __future__ import annotations

import numpy as np

from mlcontinuum.profiles.distributions import bin_masses, decile_edges, summary_of
from mlcontinuum.profiles.drift.registry import DriftMethod, MethodResult, register
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile

FLOOR = 1e-4


def psi(reference: ColumnProfile, current: ColumnProfile) -> MethodResult:
    ref, cur = summary_of(reference), summary_of(current)
    edges, atoms = decile_edges(ref)
    p = np.maximum(bin_masses(ref, edges, atoms), FLOOR)
    q = np.maximum(bin_masses(cur, edges, atoms), FLOOR)
    value = float(np.sum((q - p) * np.log(q / p)))
    # With no drift PSI behaves like a chi-square statistic: mean (bins − 1) · (1/n + 1/m).
    floor = (len(p) - 1) * (1.0 / ref.n + 1.0 / cur.n)
    return MethodResult(value=value, noise_floor=floor)


register(
    DriftMethod(
        name="psi",
        kinds=frozenset({ColumnKind.NUMERIC}),
        default_threshold=0.1,
        fn=psi,
        description="Population stability index, ten reference-quantile bins (point masses apart)",
    )
)
