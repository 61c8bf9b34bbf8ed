"""Two-sample chi-square test of homogeneity on the labels × {reference, current} table.

Unlike a one-sample goodness-of-fit test, it does not treat the reference shares as exact, so an
unshifted column is not flagged just because both samples are large. The value is the effect
size, Cramér's V = sqrt(χ² / N) (two columns, so min(r, c) − 1 = 1), compared with the threshold.
The counts are exact on every cell (past the level limit, on the cells of `aligned_counts`, a fixed
partition of the labels), so the p-value is valid and is what marks a column "changed" below the
threshold.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import chi2

from mlcontinuum.profiles.distributions import aligned_counts
from mlcontinuum.profiles.drift.registry import DriftMethod, MethodResult, register
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile


def chi_square(reference: ColumnProfile, current: ColumnProfile) -> MethodResult:
    ref, cur = aligned_counts(reference, current)
    table = np.vstack([ref, cur])
    table = table[:, table.sum(axis=0) > 0]
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    statistic = float(((table - expected) ** 2 / expected).sum())
    dof = table.shape[1] - 1
    p_value = float(chi2.sf(statistic, dof)) if dof > 0 else None
    # With no drift E[χ²] = dof, so V's floor is sqrt(dof / N).
    return MethodResult(
        value=math.sqrt(statistic / total),
        noise_floor=math.sqrt(dof / total),
        p_value=p_value,
    )


register(
    DriftMethod(
        name="chi_square",
        kinds=frozenset({ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN}),
        default_threshold=0.1,
        fn=chi_square,
        description="Two-sample chi-square (contingency table); value is Cramér's V",
    )
)
