"""Expected distances between two samples of one distribution: the noise floors of total
variation and Jensen–Shannon on count tables. (No matrix products: those go through OpenBLAS,
whose threads then spin on every core.)

With no drift, the reference's share of a cell's t values is Binomial(t, n / (n + m)). For cells
with many values the normal approximation is accurate: E|p_i − q_i| = sqrt(2/π) · sd. For cells
with a handful of values (unique ids, rare labels, the tail of a Zipf column) it is not: two
random halves of a column of unique ids have disjoint labels, so their total variation is ~1,
while the normal approximation puts the floor near 0.75 and every such column would look
drifted. So cells with at most `EXACT_BELOW` values get the exact expectation (a sum over the
binomial), the rest the approximation.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom

EXACT_BELOW = 200


def _cells(
    p: NDArray[np.float64], q: NDArray[np.float64]
) -> tuple[float, float, NDArray[np.float64], NDArray[np.int64]]:
    n, m = float(p.sum()), float(q.sum())
    totals = (p + q)[(p + q) > 0]
    sizes, repeats = np.unique(totals, return_counts=True)
    return n, m, sizes, repeats


def _binomial(sizes: NDArray[np.float64], share: float) -> tuple[NDArray[np.float64], ...]:
    """For each small cell size t: a = 0..EXACT_BELOW and P(a | t) (0 where a > t)."""
    a = np.arange(EXACT_BELOW + 1, dtype=np.float64)[None, :]
    t = sizes[:, None]
    return a, t, np.where(a <= t, binom.pmf(a, t, share), 0.0)


def expected_total_variation(p: NDArray[np.float64], q: NDArray[np.float64]) -> float:
    """E[½ Σ |a_i/n − b_i/m|] for counts p (reference) and q (current) with no drift."""
    n, m, sizes, repeats = _cells(p, q)
    share = n / (n + m)
    small = sizes <= EXACT_BELOW
    total = 0.0
    if small.any():
        a, t, pmf = _binomial(sizes[small], share)
        gap = np.abs(a / n - (t - a) / m)
        total += float(((pmf * gap).sum(axis=1) * repeats[small]).sum())
    large = sizes[~small]
    total += float(
        math.sqrt(2.0 / math.pi)
        * (1.0 / n + 1.0 / m)
        * (np.sqrt(large * share * (1.0 - share)) * repeats[~small]).sum()
    )
    return 0.5 * total


def expected_js_divergence(p: NDArray[np.float64], q: NDArray[np.float64]) -> float:
    """E[JS divergence] in bits for counts p and q with no drift (its square root is the floor
    of the JS distance: by Jensen's inequality, not below the expected distance)."""
    n, m, sizes, repeats = _cells(p, q)
    share = n / (n + m)
    small = sizes <= EXACT_BELOW
    total = 0.0
    if small.any():
        a, t, pmf = _binomial(sizes[small], share)
        x, y = a / n, np.maximum(t - a, 0.0) / m
        mid = 0.5 * (x + y)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = 0.5 * (
                np.where(x > 0, x * np.log2(x / mid), 0.0)
                + np.where(y > 0, y * np.log2(y / mid), 0.0)
            )
        total += float(((pmf * terms).sum(axis=1) * repeats[small]).sum())
    # A large cell adds (1/n + 1/m) / (8 ln 2) (second-order expansion of the divergence); one
    # cell's worth is not free, as the shares sum to 1 on both sides.
    large_cells = int(repeats[~small].sum())
    if large_cells:
        total += max(large_cells - (0 if small.any() else 1), 0) * (
            (1.0 / n + 1.0 / m) / (8.0 * math.log(2.0))
        )
    return total
