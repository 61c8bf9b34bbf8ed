"""Exact count / mean / M2 / min / max with Chan's parallel merge.

Welford-style running sums would need a loop over rows; Chan, Golub and LeVeque's pairwise update
combines two partial results exactly (up to float rounding), so chunks, partitions and time
windows all merge the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Moments:
    """Statistics of the finite values of a column (NaN and ±inf are counted elsewhere)."""

    n: int
    mean: float
    m2: float
    minimum: float
    maximum: float

    @property
    def variance(self) -> float:
        """Population variance (ddof = 0); 0.0 when there are fewer than two values."""
        return self.m2 / self.n if self.n > 1 else 0.0

    @property
    def std(self) -> float:
        return float(np.sqrt(self.variance))

    @classmethod
    def of(cls, values: NDArray[np.float64]) -> Moments | None:
        if values.size == 0:
            return None
        mean = float(values.mean())
        centred = values - mean
        return cls(
            n=int(values.size),
            mean=mean,
            m2=float(np.dot(centred, centred)),
            minimum=float(values.min()),
            maximum=float(values.max()),
        )

    def merged(self, other: Moments) -> Moments:
        n = self.n + other.n
        delta = other.mean - self.mean
        return Moments(
            n=n,
            mean=self.mean + delta * other.n / n,
            m2=self.m2 + other.m2 + delta * delta * self.n * other.n / n,
            minimum=min(self.minimum, other.minimum),
            maximum=max(self.maximum, other.maximum),
        )


def merge_moments(a: Moments | None, b: Moments | None) -> Moments | None:
    if a is None:
        return b
    if b is None:
        return a
    # Order the operands so merge(a, b) and merge(b, a) run the same float operations.
    first, second = sorted((a, b), key=lambda m: (m.n, m.mean, m.m2))
    return first.merged(second)
