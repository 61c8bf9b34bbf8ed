"""Wasserstein-1 distance, winsorised at the reference's 1st and 99th percentiles, divided by the
reference interquartile range.

W1 = ∫ |F_ref(x) − F_cur(x)| dx over [q01, q99] of the reference, integrated exactly over the
step CDFs of the two KLL sketches; that equals W1 between the two distributions clipped to that
range. Winsorising is what makes the sketch value trustworthy: unclipped W1 of a heavy-tailed
column is dominated by its few largest values, where a sketch's rank error multiplies huge gaps
(measured: 3x the exact value on a log-normal with σ = 1.5), and where even the exact value is
mostly sampling noise. Dividing by the reference IQR (robust, unlike the standard deviation)
makes the value unit-free: 0.1 means the mass moved, on average, a tenth of the reference IQR
(about 0.135 σ for a normal column). A reference with IQR 0 falls back to its standard deviation,
then to 1 (an absolute distance).

With no drift W1's expected value is about sqrt(2/π) · sqrt(1/n + 1/m) · ∫ sqrt(F(1 − F)) dx
(del Barrio, Giné and Matrán 1999), computed over the same range and reported as the noise floor.
"""

from __future__ import annotations

import math

import numpy as np

from mlcontinuum.profiles.distributions import sketch_of, step_cdfs
from mlcontinuum.profiles.drift.registry import DriftMethod, MethodResult, register
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile

WINSOR_RANKS = (0.01, 0.99)


def wasserstein(reference: ColumnProfile, current: ColumnProfile) -> MethodResult:
    ref, cur = sketch_of(reference), sketch_of(current)
    low, high = (float(v) for v in ref.get_quantiles(list(WINSOR_RANKS)))
    points, f_ref, f_cur = step_cdfs(ref, cur, extra=(low, high))
    inside = (points >= low) & (points <= high)
    points, f_ref, f_cur = points[inside], f_ref[inside], f_cur[inside]
    widths = np.diff(points)
    distance = float(np.sum(np.abs(f_ref - f_cur)[:-1] * widths))
    spread = float(np.sum(np.sqrt(f_ref * (1.0 - f_ref))[:-1] * widths))
    floor = math.sqrt(2.0 / math.pi * (1.0 / ref.n + 1.0 / cur.n)) * spread
    scale = reference_scale(reference)
    return MethodResult(value=distance / scale, noise_floor=floor / scale)


def reference_scale(reference: ColumnProfile) -> float:
    ref = sketch_of(reference)
    iqr = float(ref.get_quantile(0.75) - ref.get_quantile(0.25))
    if iqr > 0:
        return iqr
    std = reference.moments.std if reference.moments is not None else 0.0
    return std if std > 0 else 1.0


register(
    DriftMethod(
        name="wasserstein",
        kinds=frozenset({ColumnKind.NUMERIC}),
        default_threshold=0.1,
        fn=wasserstein,
        description="Wasserstein-1 distance, winsorised at reference q01/q99, / reference IQR",
    )
)
