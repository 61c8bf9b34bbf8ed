"""Category counts: exact up to a level limit, a Misra–Gries summary beyond it.

One structure serves both regimes. While a column has at most `capacity` distinct labels the
counts are exact (`offset == 0`). Past that, the mergeable Misra–Gries reduction of Agarwal et al.
("Mergeable summaries", PODS 2012) keeps the `capacity` heaviest labels: subtract the
(capacity+1)-th largest count from every counter, drop the ones that reach zero, and add what was
subtracted to `offset`. Each kept count then underestimates the truth by at most `offset`, and
`offset <= (total - sum(counts)) / (capacity + 1)`. This is the algorithm behind DataSketches'
frequent-items sketch, written over Arrow group-by so a chunk costs one vectorised pass instead of
one Python call per label.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

# Labels longer than this are stored as a prefix plus a digest so that one long label cannot make
# a profile arbitrarily large; the digest keeps distinct labels distinct.
MAX_LABEL_BYTES = 96
_PREFIX_BYTES = 48


@dataclass(frozen=True, eq=False)
class CategoryCounts:
    """Counts per label (non-null values only), `offset` = maximum undercount of any label."""

    labels: pa.Array
    counts: NDArray[np.int64]
    offset: int
    total: int

    @property
    def exact(self) -> bool:
        return self.offset == 0

    def as_dict(self) -> dict[str, int]:
        return dict(zip(self.labels.to_pylist(), self.counts.tolist(), strict=True))

    @classmethod
    def from_counts(
        cls, labels: pa.Array, counts: NDArray[np.int64], capacity: int
    ) -> CategoryCounts:
        """Exact counts of distinct labels (as from `pyarrow.compute.value_counts`)."""
        return _reduce(_shorten_long_labels(labels), counts, 0, int(counts.sum()), capacity)

    def merged(self, other: CategoryCounts, capacity: int) -> CategoryCounts:
        return _reduce(
            pa.concat_arrays([self.labels, other.labels]),
            np.concatenate([self.counts, other.counts]),
            self.offset + other.offset,
            self.total + other.total,
            capacity,
        )


def _reduce(
    labels: pa.Array, counts: NDArray[np.int64], offset: int, total: int, capacity: int
) -> CategoryCounts:
    grouped = (
        pa.table({"label": labels, "count": counts})
        .group_by("label")
        .aggregate([("count", "sum")])
        .sort_by([("label", "ascending")])
    )
    labels = grouped["label"].combine_chunks()
    summed = grouped["count_sum"].to_numpy().astype(np.int64)
    if len(summed) > capacity:
        cut = int(np.partition(summed, len(summed) - capacity - 1)[len(summed) - capacity - 1])
        keep = summed > cut
        labels = labels.filter(pa.array(keep))
        summed = summed[keep] - cut
        offset += cut
    return CategoryCounts(
        labels=labels.cast(pa.string()), counts=summed, offset=offset, total=total
    )


def _shorten_long_labels(labels: pa.Array) -> pa.Array:
    labels = labels.cast(pa.string())
    long_mask = pc.greater(pc.binary_length(labels), MAX_LABEL_BYTES)
    if not pc.any(long_mask).as_py():
        return labels
    # A loop over the distinct over-long labels of a chunk only (not its rows); rare by design.
    replaced = [
        _short_form(label) if label is not None and len(label.encode()) > MAX_LABEL_BYTES else label
        for label in labels.to_pylist()
    ]
    return pa.array(replaced, type=pa.string())


def _short_form(label: str) -> str:
    digest = hashlib.sha256(label.encode()).hexdigest()[:16]
    prefix = label.encode()[:_PREFIX_BYTES].decode(errors="ignore")
    return f"{prefix}…#{digest}"
