"""Category counts: exact up to the level limit; past it, exact counts of a hash-chosen sample of
labels plus exact counts of every value by hash bucket.

While a column has at most `limit` distinct labels every label is counted exactly. Past that the
summary keeps two things, both exact and both independent of how the rows were chunked, merged
or ordered:

- `labels` / `counts`: every label whose 64-bit hash is below `threshold`, with its exact count.
  The threshold is the (limit + 1)-th smallest hash of all labels seen (a bottom-k sample of the
  distinct labels). Merging takes the smaller threshold of the two sides and keeps the labels
  below it, whose counts both sides know exactly, so the result is the bottom-k sample of the
  union, whatever the order of the merges.
- `buckets`: the count of *all* values by `hash mod B` (B = `bucket_count(limit)`).

Two summaries are compared on cells they both know exactly: each sampled label below the smaller
threshold, and each bucket minus the sampled labels in it (see `aligned_cells`). That is a fixed
partition of the labels, so two-sample tests on it are valid (no false alarms from an undercount,
which a Misra–Gries summary has), and a distance on it is the distance between the two label
distributions coarsened by the partition: never more than the exact value (data-processing
inequality), and equal to it while every label's shift is not cancelled inside its bucket.
The number of distinct labels is estimated from the threshold (k minimum values, about 1 / sqrt(k)
relative standard error).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from pandas.util import hash_array

from mlcontinuum.profiles.errors import NotComparable

# Labels longer than this are stored as a prefix plus a digest so that one long label cannot make
# a profile arbitrarily large; the digest keeps distinct labels distinct.
MAX_LABEL_BYTES = 96
_PREFIX_BYTES = 48
HASH_SPACE = 1 << 64
# The label hash is pandas' SipHash-2-4 with its fixed key. A profile records the hash of this
# label, so a reader whose hash differs refuses the sample instead of misreading it.
HASH_CHECK_LABEL = "continuum"


def hash_labels(labels: pa.Array | NDArray[np.object_]) -> NDArray[np.uint64]:
    """Stable 64-bit hashes of labels (pandas' SipHash-2-4 with its fixed key)."""
    values = labels.to_numpy(zero_copy_only=False) if isinstance(labels, pa.Array) else labels
    hashed: NDArray[np.uint64] = hash_array(np.asarray(values, dtype=object), categorize=False)
    return hashed


@cache
def hash_check() -> int:
    return int(hash_labels(np.array([HASH_CHECK_LABEL], dtype=object))[0])


def bucket_count(limit: int) -> int:
    """Buckets of a summary past `limit`: four times the largest power of two ≤ limit (32,768
    at the default 10,000). A power of two, so two summaries with different limits can still be
    compared by folding the larger into the smaller; four times, because measured against exact
    values that keeps what collisions hide to a few percent at five times more labels than the
    limit (8 bytes a bucket, where a sampled label costs its text)."""
    return 4 << (limit.bit_length() - 1)


@dataclass(frozen=True, eq=False)
class CategoryCounts:
    """Counts per label of the non-null values of a column, labels sorted ascending.

    `threshold` is None while the counts are exact (every label present). Past the level limit it
    is the hash below which every label is present, with `buckets` the counts of all values by
    hash bucket. A summary read from a format-v1 profile past its level limit has neither a
    sample nor buckets it can vouch for: `trusted` is false and it cannot be compared.
    """

    labels: pa.Array
    counts: NDArray[np.int64]
    total: int
    threshold: int | None = None
    buckets: NDArray[np.int64] | None = None

    @property
    def exact(self) -> bool:
        return self.threshold is None

    @property
    def trusted(self) -> bool:
        return self.threshold is None or self.buckets is not None

    @cached_property
    def hashes(self) -> NDArray[np.uint64]:
        return hash_labels(self.labels)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(self.labels.to_pylist(), self.counts.tolist(), strict=True))

    def distinct_estimate(self) -> float:
        """Exact while exact; else k / (threshold / 2**64), the k-minimum-values estimate."""
        if self.threshold is None:
            return float(len(self.labels))
        if self.buckets is None or self.threshold == 0:
            return float("nan")
        return len(self.labels) * HASH_SPACE / self.threshold

    @classmethod
    def from_counts(
        cls, labels: pa.Array, counts: NDArray[np.int64], limit: int, *, unique: bool = True
    ) -> CategoryCounts:
        """Exact counts of labels (`unique`: no label repeats, as from `value_counts`)."""
        labels, shortened = _shorten_long_labels(labels)
        # Two long labels may share a short form only by a digest collision; group anyway.
        if not unique or shortened:
            labels, counts = _grouped(labels, counts)
        total = int(counts.sum())
        if len(labels) <= limit:
            labels, counts = _sorted(labels, counts)
            return cls(labels=labels, counts=counts, total=total)
        return _summary(labels, counts, hash_labels(labels), total, None, None, limit)

    def merged(self, other: CategoryCounts, limit: int) -> CategoryCounts:
        total = self.total + other.total
        if self.exact and other.exact:
            labels, counts = _grouped(
                pa.concat_arrays([self.labels, other.labels]),
                np.concatenate([self.counts, other.counts]),
            )
            if len(labels) <= limit:
                labels, counts = _sorted(labels, counts)
                return CategoryCounts(labels=labels, counts=counts, total=total)
            return _summary(labels, counts, hash_labels(labels), total, None, None, limit)
        if not (self.trusted and other.trusted):
            return _untrusted(self, other, total, limit)
        threshold = _min_threshold(self.threshold, other.threshold)
        parts = [side.below(threshold) for side in (self, other)]
        labels, counts = _grouped(
            pa.concat_arrays([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        )
        size = bucket_count(limit)
        buckets = self.bucket_counts(size) + other.bucket_counts(size)
        return _summary(labels, counts, hash_labels(labels), total, threshold, buckets, limit)

    def below(self, threshold: int | None) -> tuple[pa.Array, NDArray[np.int64]]:
        """The labels (and counts) whose hash is below `threshold` (all of them for None)."""
        if threshold is None:
            return self.labels, self.counts
        keep = self.hashes < np.uint64(threshold) if threshold < HASH_SPACE else None
        if keep is None:
            return self.labels, self.counts
        return self.labels.filter(pa.array(keep)), self.counts[keep]

    def bucket_counts(self, size: int) -> NDArray[np.int64]:
        """Counts of all values by hash mod `size` (a power of two ≤ this summary's buckets)."""
        if self.buckets is not None:
            if len(self.buckets) == size:
                return self.buckets
            folded: NDArray[np.int64] = self.buckets.reshape(-1, size).sum(axis=0)
            return folded
        if self.threshold is not None:
            raise NotComparable("a format-v1 summary past the level limit has no bucket counts")
        return _bucketed(self.hashes, self.counts, size)


def aligned_cells(
    reference: CategoryCounts, current: CategoryCounts
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Counts of both sides on cells each side knows exactly (see the module docstring)."""
    if not (reference.trusted and current.trusted):
        raise NotComparable(
            "a side was profiled in format v1 past the level limit; profile it again to compare"
        )
    threshold = _min_threshold(reference.threshold, current.threshold)
    ref_labels, ref_counts = reference.below(threshold)
    cur_labels, cur_counts = current.below(threshold)
    p, q = _align(ref_labels, ref_counts, cur_labels, cur_counts)
    if threshold is None:
        return p, q
    size = min(
        len(side.buckets) if side.buckets is not None else HASH_SPACE
        for side in (reference, current)
    )
    rest_p = reference.bucket_counts(size) - _bucketed(hash_labels(ref_labels), ref_counts, size)
    rest_q = current.bucket_counts(size) - _bucketed(hash_labels(cur_labels), cur_counts, size)
    return (
        np.concatenate([p, rest_p.astype(np.float64)]),
        np.concatenate([q, rest_q.astype(np.float64)]),
    )


def _align(
    a_labels: pa.Array, a_counts: NDArray[np.int64], b_labels: pa.Array, b_counts: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Counts of both sides over the union of their labels (a label missing on a side has 0)."""
    where = pc.index_in(b_labels, value_set=a_labels).to_numpy(zero_copy_only=False)
    found = ~np.isnan(where.astype(np.float64))
    extra = int((~found).sum())
    p = np.concatenate([a_counts, np.zeros(extra, dtype=np.int64)]).astype(np.float64)
    q = np.zeros(len(a_counts) + extra, dtype=np.float64)
    q[where[found].astype(np.int64)] = b_counts[found]
    q[len(a_counts) :] = b_counts[~found]
    return p, q


def _bucketed(
    hashes: NDArray[np.uint64], counts: NDArray[np.int64], size: int
) -> NDArray[np.int64]:
    buckets = np.zeros(size, dtype=np.int64)
    np.add.at(buckets, (hashes & np.uint64(size - 1)).astype(np.intp), counts)
    return buckets


def _min_threshold(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _summary(
    labels: pa.Array,
    counts: NDArray[np.int64],
    hashes: NDArray[np.uint64],
    total: int,
    threshold: int | None,
    buckets: NDArray[np.int64] | None,
    limit: int,
) -> CategoryCounts:
    """Past the limit: buckets over everything, then the `limit` labels of smallest hash,
    sorted (only those are sorted: a chunk of a million ids keeps ten thousand)."""
    if buckets is None:
        buckets = _bucketed(hashes, counts, bucket_count(limit))
    if len(labels) > limit:
        cut = int(np.partition(hashes, limit)[limit])
        threshold = cut if threshold is None else min(threshold, cut)
    if threshold is None:
        threshold = HASH_SPACE
    keep = hashes < np.uint64(threshold) if threshold < HASH_SPACE else np.ones(len(labels), bool)
    labels, counts = _sorted(labels.filter(pa.array(keep)), counts[keep])
    return CategoryCounts(
        labels=labels,
        counts=counts,
        total=total,
        threshold=threshold,
        buckets=buckets,
    )


def _untrusted(a: CategoryCounts, b: CategoryCounts, total: int, limit: int) -> CategoryCounts:
    """A merge with a format-v1 summary: the labels are kept for display only."""
    labels, counts = _grouped(
        pa.concat_arrays([a.labels, b.labels]), np.concatenate([a.counts, b.counts])
    )
    if len(labels) > limit:
        heaviest = np.sort(np.argsort(-counts, kind="stable")[:limit])
        labels, counts = labels.take(pa.array(heaviest)), counts[heaviest]
    labels, counts = _sorted(labels, counts)
    return CategoryCounts(labels=labels, counts=counts, total=total, threshold=0, buckets=None)


def _grouped(labels: pa.Array, counts: NDArray[np.int64]) -> tuple[pa.Array, NDArray[np.int64]]:
    grouped = (
        pa.table({"label": labels, "count": counts}).group_by("label").aggregate([("count", "sum")])
    )
    return (
        grouped["label"].combine_chunks().cast(pa.string()),
        grouped["count_sum"].to_numpy().astype(np.int64),
    )


def _sorted(labels: pa.Array, counts: NDArray[np.int64]) -> tuple[pa.Array, NDArray[np.int64]]:
    order = pc.sort_indices(labels)
    return labels.take(order).cast(pa.string()), counts[order.to_numpy()]


def _shorten_long_labels(labels: pa.Array) -> tuple[pa.Array, bool]:
    labels = labels.cast(pa.string())
    long_mask = pc.greater(pc.binary_length(labels), MAX_LABEL_BYTES)
    if not pc.any(long_mask).as_py():
        return labels, False
    # A loop over the distinct over-long labels of a chunk only (not its rows); rare by design.
    replaced = [
        _short_form(label) if label is not None and len(label.encode()) > MAX_LABEL_BYTES else label
        for label in labels.to_pylist()
    ]
    return pa.array(replaced, type=pa.string()), True


def _short_form(label: str) -> str:
    digest = hashlib.sha256(label.encode()).hexdigest()[:16]
    prefix = label.encode()[:_PREFIX_BYTES].decode(errors="ignore")
    return f"{prefix}…#{digest}"
