"""Exact reference implementations of the drift methods on raw columns (NumPy / SciPy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from scipy.spatial import distance

FLOOR = 1e-4
RANKS = np.arange(1, 10) / 10


def finite(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return values[np.isfinite(values)]


def _bins(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    ref, cur = np.sort(finite(ref)), np.sort(finite(cur))
    edges = np.unique(np.quantile(ref, RANKS, method="inverted_cdf"))

    def masses(x: NDArray[np.float64]) -> NDArray[np.float64]:
        cdf = np.append(np.searchsorted(x, edges, side="right") / x.size, 1.0)
        return np.diff(np.concatenate([[0.0], cdf]))

    return masses(ref), masses(cur)


def psi(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
    p, q = (np.maximum(m, FLOOR) for m in _bins(ref, cur))
    return float(np.sum((q - p) * np.log(q / p)))


def ks(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
    return float(stats.ks_2samp(finite(ref), finite(cur)).statistic)


def wasserstein(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> float:
    ref, cur = finite(ref), finite(cur)
    q1, q3 = np.quantile(ref, [0.25, 0.75], method="inverted_cdf")
    scale = q3 - q1 if q3 > q1 else (ref.std() if ref.std() > 0 else 1.0)
    low, high = np.quantile(ref, [0.01, 0.99], method="inverted_cdf")
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
