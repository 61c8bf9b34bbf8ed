"""Exact reference implementations of the drift methods on raw columns (NumPy / SciPy).

Quantiles are the "inverted CDF" ones (the smallest value whose share of values ≤ it reaches the
rank; `numpy.quantile(..., method="inverted_cdf")`), written out so that the rank arithmetic is
the same float arithmetic the engine uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from scipy.spatial import distance

FLOOR = 1e-4
RANKS = np.arange(1, 10) / 10


def finite(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.sort(values[np.isfinite(values)])


def quantiles(ordered: NDArray[np.float64], ranks: NDArray[np.float64]) -> NDArray[np.float64]:
    n = ordered.size
    position = np.searchsorted(np.arange(1, n + 1), ranks * n, side="left")
    return ordered[np.minimum(position, n - 1)]


def _bins(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Ten reference-decile bins; an edge shared by several deciles is a bin of its own."""
    ref, cur = finite(ref), finite(cur)
    edges, repeats = np.unique(quantiles(ref, RANKS), return_counts=True)
    atoms = repeats > 1

    def masses(x: NDArray[np.float64]) -> NDArray[np.float64]:
        ends: list[float] = []
        for edge, atom in zip(edges, atoms, strict=True):
            if atom:
                ends.append(np.searchsorted(x, edge, side="left") / x.size)
            ends.append(np.searchsorted(x, edge, side="right") / x.size)
        ends.append(1.0)
        return np.diff(np.concatenate([[0.0], ends]))

    return masses(ref), masses(cur)


def psi(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
    p, q = (np.maximum(m, FLOOR) for m in _bins(ref, cur))
    return float(np.sum((q - p) * np.log(q / p)))


def ks(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
    return float(stats.ks_2samp(finite(ref), finite(cur)).statistic)


def wasserstein(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
    ref, cur = finite(ref), finite(cur)
    q1, q3 = quantiles(ref, np.array([0.25, 0.75]))
    scale = q3 - q1 if q3 > q1 else (ref.std() if ref.std() > 0 else 1.0)
    ref_low, ref_high = quantiles(ref, np.array([0.01, 0.99]))
    cur_low, cur_high = quantiles(cur, np.array([0.01, 0.99]))
    low, high = min(ref_low, cur_low), max(ref_high, cur_high)
    clipped = stats.wasserstein_distance(np.clip(ref, low, high), np.clip(cur, low, high))
    return float(clipped / scale)


def jensen_shannon_numeric(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
    p, q = _bins(ref, cur)
    return float(distance.jensenshannon(p, q, base=2))


def _table(ref: pd.Series, cur: pd.Series) -> NDArray[np.float64]:
    counts = pd.concat([ref.dropna().value_counts(), cur.dropna().value_counts()], axis=1).fillna(0)
    return counts.to_numpy(dtype=np.float64).T


def jensen_shannon_categorical(ref: pd.Series, cur: pd.Series) -> float:
    p, q = _table(ref, cur)
    return float(distance.jensenshannon(p / p.sum(), q / q.sum(), base=2))


def total_variation(ref: pd.Series, cur: pd.Series) -> float:
    p, q = _table(ref, cur)
    return 0.5 * float(np.abs(p / p.sum() - q / q.sum()).sum())


def cramers_v(ref: pd.Series, cur: pd.Series) -> float:
    table = _table(ref, cur)
    statistic = stats.chi2_contingency(table, correction=False).statistic
    return float(np.sqrt(statistic / table.sum()))


def chi_square_p(ref: pd.Series, cur: pd.Series) -> float:
    return float(stats.chi2_contingency(_table(ref, cur), correction=False).pvalue)


NUMERIC = {
    "psi": psi,
    "ks": ks,
    "wasserstein": wasserstein,
    "jensen_shannon": jensen_shannon_numeric,
}
CATEGORICAL = {
    "chi_square": cramers_v,
    "total_variation": total_variation,
    "jensen_shannon": jensen_shannon_categorical,
}
