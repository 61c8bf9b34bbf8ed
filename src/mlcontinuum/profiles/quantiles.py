"""Quantile summaries of numeric columns: exact value counts, then a deterministic KLL sketch.

While a column has at most `value_limit` distinct finite values the summary is their exact
counts, so every rank, quantile and drift value computed from it is exact, including the share of
a repeated value (a point mass). Past that it becomes a KLL sketch (Karnin, Lang and Liberty,
"Optimal quantile approximation in streams", 2016) with two differences from DataSketches':

- A chunk arrives as one sorted NumPy array and is compacted level by level with strided slices,
  instead of one item at a time: the same compactions, vectorised.
- The coin that picks the odd or even items of a compaction comes from a hash of sizes only
  (rows so far, level, items at the level, compactions so far), not from a clock-seeded random
  generator. The coins stay independent of the values, which is what KLL's error analysis
  needs, and the same data always gives the same sketch, byte for byte, and merge(a, b) equals
  merge(b, a) exactly.

A sketch also keeps up to `MAX_ATOMS` heavily repeated values (at least 1/512 of a chunk each)
as exact counts beside the KLL: a point mass is counted exactly, and it does not use up the
sketch's rank budget, so the values around it (99.9 % zeros and a thin tail, say) keep their
precision. Exact counts are atoms with no sketch at all.

Each compaction of level h moves the rank of any one value by 0 or ±2**h, with mean zero. The
sketch keeps the sum of 4**h over its compactions, so its own error bound follows from
Azuma–Hoeffding (`rank_error`), rather than from an a-priori worst case. Which mode a merged
summary is in depends only on the union of the values, not on how they were chunked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_MASK64 = (1 << 64) - 1
_MIN_CAPACITY = 8
_CAPACITY_RATIO = 2.0 / 3.0
# Confidence of the stated error bounds: 99 %.
DELTA = 0.01
# A sketch keeps at most this many exact atoms; a value is an atom of a chunk from this share.
MAX_ATOMS = 512
_ATOM_SHARE = 1.0 / MAX_ATOMS


def _mix(z: int) -> int:
    """SplitMix64's finaliser on a Python int."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _coin(*parts: int) -> int:
    state = 0x9E3779B97F4A7C15
    for part in parts:
        state = _mix((state + part) & _MASK64)
    return state & 1


def level_capacities(k: int, levels: int) -> list[int]:
    """KLL's capacities: k at the top level, shrinking by 2/3 per level below, at least 8."""
    return [max(_MIN_CAPACITY, int(k * _CAPACITY_RATIO ** (levels - 1 - h))) for h in range(levels)]


def _merge_sorted(a: FloatArray, b: FloatArray) -> FloatArray:
    if a.size == 0:
        return b
    if b.size == 0:
        return a
    return np.sort(np.concatenate([a, b]))


class Quantiles:
    """The finite values of one column: exact counts (`exact`), or a deterministic KLL sketch
    plus exact counts of its heaviest values (`atoms`).

    Build with `Quantiles.from_sorted`; summaries are never changed after they are built, and
    `merged` returns a new one. Ranks are normalised to [0, 1]; `inclusive` ranks count values
    equal to the query point, exclusive ranks do not, so their difference is the share of that
    value.
    """

    __slots__ = (
        "_counts",
        "_cumulative",
        "_items",
        "_levels",
        "_values",
        "compactions",
        "error_sq",
        "k",
        "maximum",
        "minimum",
        "n",
        "value_limit",
    )

    def __init__(
        self,
        *,
        k: int,
        value_limit: int,
        n: int,
        minimum: float,
        maximum: float,
        values: FloatArray | None = None,
        counts: IntArray | None = None,
        levels: Sequence[FloatArray] | None = None,
        error_sq: float = 0.0,
        compactions: int = 0,
    ) -> None:
        self.k = k
        self.value_limit = value_limit
        self.n = n
        self.minimum = minimum
        self.maximum = maximum
        self._values = np.empty(0, dtype=np.float64) if values is None else values
        self._counts = np.empty(0, dtype=np.int64) if counts is None else counts
        self._levels = None if levels is None else tuple(levels)
        self.error_sq = error_sq
        self.compactions = compactions
        self._items: FloatArray | None = None
        self._cumulative: IntArray | None = None

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def empty(cls, k: int, value_limit: int) -> Quantiles:
        return cls(
            k=k,
            value_limit=value_limit,
            n=0,
            minimum=math.nan,
            maximum=math.nan,
            values=np.empty(0, dtype=np.float64),
            counts=np.empty(0, dtype=np.int64),
        )

    @classmethod
    def from_sorted(cls, values: FloatArray, k: int, value_limit: int) -> Quantiles:
        """Summary of finite values sorted ascending (-0.0 folded into 0.0 by the caller)."""
        if values.size == 0:
            return cls.empty(k, value_limit)
        # Counting the changes first is a third of the cost of finding where they are.
        if distinct_sorted(values) <= value_limit:
            starts = run_starts(values)
            counts = np.diff(np.append(starts, values.size)).astype(np.int64)
            return cls(
                k=k,
                value_limit=value_limit,
                n=int(values.size),
                minimum=float(values[0]),
                maximum=float(values[-1]),
                values=values[starts].copy(),
                counts=counts,
            )
        atoms, atom_counts, rest = _split_atoms(values)
        return cls._compressed(
            k,
            value_limit,
            n=int(values.size),
            minimum=float(values[0]),
            maximum=float(values[-1]),
            atoms=atoms,
            atom_counts=atom_counts,
            levels=[rest],
            error_sq=0.0,
            compactions=0,
        )

    @classmethod
    def _compressed(
        cls,
        k: int,
        value_limit: int,
        *,
        n: int,
        minimum: float,
        maximum: float,
        atoms: FloatArray,
        atom_counts: IntArray,
        levels: list[FloatArray],
        error_sq: float,
        compactions: int,
    ) -> Quantiles:
        """Keep the atoms that hold at least 1/MAX_ATOMS of all values (the rest joins the
        levels, with their exact weights), then compact (KLL's rule: while more items are
        retained than the levels hold, compact the lowest level at or over its capacity) and
        wrap up as a sketch."""
        heavy = atom_counts >= max(2, math.ceil(n * _ATOM_SHARE))
        if not heavy.all():
            levels = _add_levels(levels, _binary_levels(atoms[~heavy], atom_counts[~heavy]))
            atoms, atom_counts = atoms[heavy], atom_counts[heavy]
        while True:
            capacities = level_capacities(k, len(levels))
            if sum(level.size for level in levels) <= sum(capacities):
                break
            h = next(h for h, level in enumerate(levels) if level.size >= capacities[h])
            level = levels[h]
            odd = level.size % 2
            coin = _coin(n, h, level.size, compactions)
            # An odd item out stays at its level with its exact weight; the rest is halved.
            # Strided views, not copies: a fresh chunk's cascade copies only what it keeps.
            promoted = level[odd + coin :: 2]
            levels[h] = level[:odd]
            if h + 1 == len(levels):
                levels.append(promoted)
            else:
                levels[h + 1] = _merge_sorted(levels[h + 1], promoted)
            error_sq += 4.0**h
            compactions += 1
        while len(levels) > 1 and levels[-1].size == 0:
            levels.pop()
        levels = [np.array(level, dtype=np.float64, copy=True) for level in levels]
        return cls(
            k=k,
            value_limit=value_limit,
            n=n,
            minimum=minimum,
            maximum=maximum,
            values=atoms,
            counts=atom_counts,
            levels=levels,
            error_sq=error_sq,
            compactions=compactions,
        )

    # --- merging ----------------------------------------------------------------------------

    def merged(self, other: Quantiles) -> Quantiles:
        """Summary of both value sets. Exact stays exact while the union has at most
        `value_limit` distinct values; sketches merge level by level and compact."""
        if (self.k, self.value_limit) != (other.k, other.value_limit):
            raise ValueError("cannot merge quantile summaries with different parameters")
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        minimum, maximum = min(self.minimum, other.minimum), max(self.maximum, other.maximum)
        atoms, atom_counts = _union_counts(
            self.atoms[0], self.atoms[1], other.atoms[0], other.atoms[1]
        )
        if self.exact and other.exact and atoms.size <= self.value_limit:
            return Quantiles(
                k=self.k,
                value_limit=self.value_limit,
                n=n,
                minimum=minimum,
                maximum=maximum,
                values=atoms,
                counts=atom_counts,
            )
        return Quantiles._compressed(
            self.k,
            self.value_limit,
            n=n,
            minimum=minimum,
            maximum=maximum,
            atoms=atoms,
            atom_counts=atom_counts,
            levels=_add_levels(list(self._levels or ()), list(other._levels or ())),
            error_sq=self.error_sq + other.error_sq,
            compactions=self.compactions + other.compactions,
        )

    # --- state ------------------------------------------------------------------------------

    @property
    def exact(self) -> bool:
        return self._levels is None

    @property
    def values(self) -> FloatArray:
        """Distinct values, ascending (exact mode only)."""
        if self._levels is not None:
            raise ValueError("a sketch has no exact values")
        return self._values

    @property
    def counts(self) -> IntArray:
        if self._levels is not None:
            raise ValueError("a sketch has no exact counts")
        return self._counts

    @property
    def atoms(self) -> tuple[FloatArray, IntArray]:
        """Values counted exactly, ascending, and their counts: every value of exact counts,
        the heaviest values of a sketch."""
        return self._values, self._counts

    @property
    def levels(self) -> tuple[FloatArray, ...]:
        """KLL levels (sketch mode only): level h holds sorted items of weight 2**h."""
        if self._levels is None:
            raise ValueError("exact counts have no levels")
        return self._levels

    def is_empty(self) -> bool:
        return self.n == 0

    @property
    def num_retained(self) -> int:
        return int(self.sorted_items().size)

    # --- queries ----------------------------------------------------------------------------

    def sorted_items(self) -> FloatArray:
        self._build_view()
        assert self._items is not None
        return self._items

    def cumulative_weights(self) -> IntArray:
        """Cumulative weight (number of values) up to and including each sorted item."""
        self._build_view()
        assert self._cumulative is not None
        return self._cumulative

    def _build_view(self) -> None:
        if self._items is not None:
            return
        atoms, counts = self.atoms
        if self._levels is None:
            items, weights = atoms, counts
        else:
            items = np.concatenate([atoms, *self._levels])
            weights = np.concatenate(
                [
                    counts,
                    *(
                        np.full(level.size, 1 << h, dtype=np.int64)
                        for h, level in enumerate(self._levels)
                    ),
                ]
            )
            order = np.argsort(items, kind="stable")
            items, weights = items[order], weights[order]
        self._items, self._cumulative = items, np.cumsum(weights)

    def ranks(self, points: FloatArray, *, inclusive: bool = True) -> FloatArray:
        """Share of values ≤ each point (inclusive) or < each point (exclusive)."""
        if self.n == 0:
            return np.zeros(np.shape(points), dtype=np.float64)
        items, cumulative = self.sorted_items(), self.cumulative_weights()
        position = np.searchsorted(items, points, side="right" if inclusive else "left")
        below = np.where(position > 0, cumulative[np.maximum(position - 1, 0)], 0)
        return np.asarray(below / self.n, dtype=np.float64)

    def quantiles(self, ranks: FloatArray) -> FloatArray:
        """The smallest value whose inclusive rank reaches each rank ("inverted CDF"); rank 0
        is the exact minimum and rank 1 the exact maximum."""
        if self.n == 0:
            raise ValueError("an empty summary has no quantiles")
        ranks = np.asarray(ranks, dtype=np.float64)
        items, cumulative = self.sorted_items(), self.cumulative_weights()
        position = np.searchsorted(cumulative, ranks * self.n, side="left")
        found = items[np.minimum(position, items.size - 1)]
        found = np.where(ranks <= 0.0, self.minimum, found)
        return np.asarray(np.where(ranks >= 1.0, self.maximum, found), dtype=np.float64)

    def rank_error(self, *, every_point: bool = False) -> float:
        """Bound on the error of a rank, with 99 % confidence: for one query, or (every_point)
        for all of them at once (a union bound over the retained items). 0 for exact counts."""
        if self.exact or self.n == 0:
            return 0.0
        events = self.num_retained + 1 if every_point else 1
        return math.sqrt(2.0 * self.error_sq * math.log(2.0 * events / DELTA)) / self.n

    # Names of DataSketches' KLL API, for code written against it.
    def get_rank(self, value: float, inclusive: bool = True) -> float:
        return float(self.ranks(np.array([value]), inclusive=inclusive)[0])

    def get_quantile(self, rank: float) -> float:
        return float(self.quantiles(np.array([rank]))[0])

    def get_quantiles(self, ranks: Sequence[float]) -> list[float]:
        return [float(x) for x in self.quantiles(np.asarray(ranks, dtype=np.float64))]


def distinct_sorted(sorted_values: FloatArray) -> int:
    """Number of distinct values in a sorted array."""
    if sorted_values.size == 0:
        return 0
    return 1 + int(np.count_nonzero(sorted_values[1:] != sorted_values[:-1]))


def run_starts(sorted_values: FloatArray) -> NDArray[np.intp]:
    """Index of the first item of each run of equal values in a sorted array."""
    if sorted_values.size == 0:
        return np.empty(0, dtype=np.intp)
    changes = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    return np.concatenate([np.zeros(1, dtype=np.intp), changes])


def _union_counts(
    a: FloatArray, a_counts: IntArray, b: FloatArray, b_counts: IntArray
) -> tuple[FloatArray, IntArray]:
    if a.size == 0 or b.size == 0:
        return (a, a_counts) if b.size == 0 else (b, b_counts)
    values = np.concatenate([a, b])
    counts = np.concatenate([a_counts, b_counts])
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    starts = run_starts(values)
    return values[starts], np.add.reduceat(counts, starts).astype(np.int64)


def _split_atoms(ordered: FloatArray) -> tuple[FloatArray, IntArray, FloatArray]:
    """Values holding at least 1/MAX_ATOMS of a sorted chunk, their counts, and the rest.

    Such a run spans two consecutive probes spaced half that share apart, so probing the sorted
    array at ~2 * MAX_ATOMS points finds every candidate without a pass over the data; binary
    searches then count each exactly.
    """
    n = ordered.size
    threshold = max(2, math.ceil(n * _ATOM_SHARE))
    step = max(1, threshold // 2)
    probes = ordered[::step]
    candidates = np.unique(probes[1:][probes[1:] == probes[:-1]])
    if candidates.size == 0:
        return np.empty(0), np.empty(0, dtype=np.int64), ordered
    starts = np.searchsorted(ordered, candidates, side="left")
    ends = np.searchsorted(ordered, candidates, side="right")
    heavy = ends - starts >= threshold
    if not heavy.any():
        return np.empty(0), np.empty(0, dtype=np.int64), ordered
    starts, ends = starts[heavy], ends[heavy]
    bounds = np.concatenate([[0], np.stack([starts, ends], axis=1).ravel(), [n]])
    rest = np.concatenate([ordered[bounds[i] : bounds[i + 1]] for i in range(0, bounds.size, 2)])
    return candidates[heavy], (ends - starts).astype(np.int64), rest


def _add_levels(a: list[FloatArray], b: list[FloatArray]) -> list[FloatArray]:
    empty = np.empty(0, dtype=np.float64)
    return [
        _merge_sorted(a[h] if h < len(a) else empty, b[h] if h < len(b) else empty)
        for h in range(max(len(a), len(b), 1))
    ]


def _binary_levels(values: FloatArray, counts: IntArray) -> list[FloatArray]:
    """A value counted c times becomes one item at level h for every bit h set in c: the same
    weights, so no error."""
    top = int(counts.max()).bit_length() if counts.size else 1
    return [values[(counts >> h) & 1 == 1] for h in range(max(top, 1))]
