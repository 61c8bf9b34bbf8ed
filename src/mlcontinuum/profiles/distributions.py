"""Distributions read back from column profiles, shared by the drift methods and checks.

Numeric columns are read from their KLL sketches (finite values only); categorical and boolean
columns from their category counts (non-null values only).
"""

from __future__ import annotations

import numpy as np
from datasketches import kll_doubles_sketch
from numpy.typing import NDArray

from mlcontinuum.profiles.errors import NotComparable
from mlcontinuum.profiles.model import ColumnProfile

PSI_BINS = 10
OTHER = "\x00other"


def sketch_of(column: ColumnProfile) -> kll_doubles_sketch:
    if column.quantiles is None or column.quantiles.is_empty():
        raise NotComparable(f"{column.name!r} has no finite values")
    return column.quantiles


def quantile_edges(reference: kll_doubles_sketch, bins: int = PSI_BINS) -> NDArray[np.float64]:
    """Inner edges of `bins` reference-quantile bins; ties collapse bins (a constant column has
    one edge, hence two bins). Bin i is (edge[i-1], edge[i]]."""
    ranks = np.arange(1, bins) / bins
    return np.unique(np.asarray(reference.get_quantiles(ranks), dtype=np.float64))


def bin_masses(sketch: kll_doubles_sketch, edges: NDArray[np.float64]) -> NDArray[np.float64]:
    cdf = np.asarray(sketch.get_cdf(edges.tolist(), True), dtype=np.float64)
    return np.diff(np.concatenate([[0.0], cdf]))


def step_cdfs(
    a: kll_doubles_sketch, b: kll_doubles_sketch, extra: tuple[float, ...] = ()
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The union of both sketches' retained items (plus `extra` points) and each empirical CDF
    (inclusive) there."""
    points = np.unique(np.concatenate([_items(a), _items(b), np.asarray(extra, dtype=np.float64)]))
    return points, _cdf_at(a, points), _cdf_at(b, points)


def rank_error(sketch: kll_doubles_sketch) -> float:
    """DataSketches' a-priori bound (99 % confidence) on the error of one CDF value."""
    return 0.0 if not sketch.is_estimation_mode() else float(sketch.normalized_rank_error(False))


def aligned_counts(
    reference: ColumnProfile, current: ColumnProfile
) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    """Counts of both columns over the union of their labels. Mass a summary does not hold
    label by label (past the level limit) goes to one `OTHER` bucket."""
    ref, cur = reference.categories, current.categories
    if ref is None or cur is None or ref.total == 0 or cur.total == 0:
        raise NotComparable(f"{reference.name!r} has no values on one side")
    ref_counts, cur_counts = ref.as_dict(), cur.as_dict()
    labels = sorted(ref_counts.keys() | cur_counts.keys())
    p = np.array([ref_counts.get(label, 0) for label in labels], dtype=np.float64)
    q = np.array([cur_counts.get(label, 0) for label in labels], dtype=np.float64)
    rest_p, rest_q = ref.total - p.sum(), cur.total - q.sum()
    if rest_p > 0 or rest_q > 0:
        labels.append(OTHER)
        p, q = np.append(p, rest_p), np.append(q, rest_q)
    return labels, p, q


def _items(sketch: kll_doubles_sketch) -> NDArray[np.float64]:
    return np.fromiter((item for item, _ in sketch), dtype=np.float64)


def _cdf_at(sketch: kll_doubles_sketch, points: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(sketch.get_cdf(points.tolist(), True), dtype=np.float64)[:-1]
