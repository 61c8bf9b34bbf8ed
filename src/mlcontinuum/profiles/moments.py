"""Exact count / mean / standard deviation / min / max, merged with Chan's pairwise formula.

Welford-style running sums would need a loop over rows; Chan, Golub and LeVeque's pairwise update
combines two partial results exactly (up to float rounding), so chunks, partitions and time
windows all merge the same way.

Any finite float64 can be profiled: the sum of squares of values near 1e200 overflows float64
(and of values near 1e-200 underflows to zero), so when a column's magnitudes leave
[2**-400, 2**400] the work is done on values scaled by a power of two, which is exact, and the
result scaled back. That is also why a profile stores the standard deviation, which is always
finite for finite values, rather than the sum of squared deviations (`m2`), which is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

_SAFE_EXPONENT = 400
_BLOCK = 1 << 15


def _scale_for(magnitude: float) -> float:
    """A power of two that brings `magnitude` near 1 when it is far from it, else 1.0."""
    if magnitude == 0.0 or not math.isfinite(magnitude):
        return 1.0
    _, exponent = math.frexp(magnitude)
    if -_SAFE_EXPONENT <= exponent <= _SAFE_EXPONENT:
        return 1.0
    # Subnormals (down to 5e-324) would need 2**1074, past the largest float: 2**1000 will do.
    return math.ldexp(1.0, min(-exponent, 1000))


@dataclass(frozen=True)
class Moments:
    """Statistics of the finite values of a column (NaN and ±inf are counted elsewhere).

    `std` is the population standard deviation (ddof = 0).
    """

    n: int
    mean: float
    std: float
    minimum: float
    maximum: float

    @property
    def variance(self) -> float:
        """Population variance; may overflow to inf for values beyond ±1e154."""
        return self.std * self.std

    @property
    def m2(self) -> float:
        """Sum of squared deviations from the mean (n · variance); may overflow to inf."""
        return self.n * self.variance

    @classmethod
    def of(cls, values: NDArray[np.float64]) -> Moments | None:
        if values.size == 0:
            return None
        return cls._of(values, float(values.min()), float(values.max()))

    @classmethod
    def of_sorted(cls, values: NDArray[np.float64]) -> Moments | None:
        """`of` for values already sorted: the minimum and maximum are the ends."""
        if values.size == 0:
            return None
        return cls._of(values, float(values[0]), float(values[-1]))

    @classmethod
    def _of(cls, values: NDArray[np.float64], low: float, high: float) -> Moments:
        scale = _scale_for(max(abs(low), abs(high)))
        scaled = values * scale if scale != 1.0 else values
        mean = float(scaled.mean())
        # Two-pass variance, the second pass block by block so it stays in the CPU cache. Not
        # np.dot: OpenBLAS may wake its threads for it, which then spin on the other cores.
        m2 = 0.0
        block = np.empty(min(_BLOCK, values.size), dtype=np.float64)
        for start in range(0, values.size, _BLOCK):
            part = scaled[start : start + _BLOCK]
            centred = block[: part.size]
            np.subtract(part, mean, out=centred)
            np.square(centred, out=centred)
            m2 += float(centred.sum())
        variance = m2 / values.size
        return cls(
            n=int(values.size),
            mean=mean / scale,
            std=math.sqrt(variance) / scale,
            minimum=low,
            maximum=high,
        )

    def merged(self, other: Moments) -> Moments:
        n = self.n + other.n
        scale = _scale_for(max(abs(self.mean), abs(other.mean), self.std, other.std))
        mean_a, mean_b = self.mean * scale, other.mean * scale
        delta = mean_b - mean_a
        m2 = (
            self.n * (self.std * scale) ** 2
            + other.n * (other.std * scale) ** 2
            + delta * delta * (self.n * other.n / n)
        )
        return Moments(
            n=n,
            mean=(mean_a + delta * (other.n / n)) / scale,
            std=math.sqrt(m2 / n) / scale,
            minimum=min(self.minimum, other.minimum),
            maximum=max(self.maximum, other.maximum),
        )


def merge_moments(a: Moments | None, b: Moments | None) -> Moments | None:
    if a is None:
        return b
    if b is None:
        return a
    # Order the operands so merge(a, b) and merge(b, a) run the same float operations.
    first, second = sorted((a, b), key=lambda m: (m.n, m.mean, m.std, m.minimum, m.maximum))
    return first.merged(second)
