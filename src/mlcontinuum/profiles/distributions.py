"""Distributions read back from column profiles, shared by the drift methods and checks.

Numeric columns are read from their quantile summaries (finite values only): exact value counts
or a KLL sketch. Categorical and boolean columns from their category counts (non-null values).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mlcontinuum.profiles.categories import aligned_cells
from mlcontinuum.profiles.errors import NotComparable
from mlcontinuum.profiles.model import ColumnProfile
from mlcontinuum.profiles.quantiles import Quantiles

PSI_BINS = 10


def summary_of(column: ColumnProfile) -> Quantiles:
    if column.quantiles is None or column.quantiles.is_empty():
        raise NotComparable(f"{column.name!r} has no finite values")
    return column.quantiles


def decile_edges(
    reference: Quantiles, bins: int = PSI_BINS
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Inner edges of `bins` reference-quantile bins and which of them are atoms.

    An edge that two or more of the reference's quantiles share is a value repeated in at least
    1/bins of the rows (a point mass). It becomes a bin of its own, {edge}, so a change in the
    share of that value moves mass between bins instead of staying inside one. Other bins are
    (edge[i-1], edge[i]]; a constant column has the bins (-inf, c), {c}, (c, inf).
    """
    ranks = np.arange(1, bins) / bins
    quantiles = reference.quantiles(ranks)
    edges, repeats = np.unique(quantiles, return_counts=True)
    return edges, repeats > 1


def bin_masses(
    summary: Quantiles, edges: NDArray[np.float64], atoms: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Share of values in each bin defined by `decile_edges`."""
    upto = summary.ranks(edges, inclusive=True)
    below = summary.ranks(edges, inclusive=False)
    # Cumulative share at the right end of each bin, in order: for an atom, first the open
    # interval below it, then the atom itself.
    ends = []
    for end_below, end_at, atom in zip(below, upto, atoms, strict=True):
        if atom:
            ends.append(end_below)
        ends.append(end_at)
    ends.append(1.0)
    return np.diff(np.concatenate([[0.0], np.asarray(ends, dtype=np.float64)]))


def step_cdfs(
    a: Quantiles, b: Quantiles, extra: tuple[float, ...] = ()
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The union of both summaries' items (plus `extra` points) and each empirical CDF
    (inclusive) there: the CDFs are step functions that change only at these points."""
    points = np.unique(
        np.concatenate([a.sorted_items(), b.sorted_items(), np.asarray(extra, dtype=np.float64)])
    )
    return points, a.ranks(points), b.ranks(points)


def rank_error(summary: Quantiles, *, every_point: bool = False) -> float:
    """Bound on a rank's error with 99 % confidence (0 for exact counts)."""
    return summary.rank_error(every_point=every_point)


def aligned_counts(
    reference: ColumnProfile, current: ColumnProfile
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Counts of both columns on cells both know exactly: every label while both are exact;
    past the level limit, the shared hash sample of labels and the rest of each hash bucket."""
    ref, cur = reference.categories, current.categories
    if ref is None or cur is None or ref.total == 0 or cur.total == 0:
        raise NotComparable(f"{reference.name!r} has no values on one side")
    p, q = aligned_cells(ref, cur)
    seen = (p + q) > 0
    return p[seen], q[seen]
