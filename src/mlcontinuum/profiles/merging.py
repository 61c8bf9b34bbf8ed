"""Merge profiles of disjoint row sets (chunks, partitions, time windows).

Exact fields (counts, min, max) merge exactly; mean and standard deviation with Chan's formula
(equal up to float rounding whatever the order); exact value and label counts exactly, and into
the same summary whatever the chunking once past their limits; KLL sketches within their stated
error (and merge(a, b) is merge(b, a) byte for byte); HyperLogLog registers exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mlcontinuum.profiles.columns import empty_column
from mlcontinuum.profiles.errors import ProfileError
from mlcontinuum.profiles.hll import Hll, hash_numbers
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, Profile, ProfileOptions
from mlcontinuum.profiles.moments import merge_moments
from mlcontinuum.profiles.quantiles import Quantiles


def merge(a: Profile, b: Profile) -> Profile:
    """Profile of the union of the rows behind `a` and `b`.

    A column present on one side only is treated as all-null on the other side, so its missing
    rate shows where it was absent. Columns whose kinds conflict become unsupported, with the
    conflict as the reason.
    """
    if a.options != b.options:
        raise ProfileError(
            f"cannot merge profiles built with different options: {a.options} vs {b.options}"
        )
    names = list(a.columns) + [n for n in b.columns if n not in a.columns]
    columns = {
        name: merge_columns(
            a.columns.get(name) or empty_column(name, a.row_count),
            b.columns.get(name) or empty_column(name, b.row_count),
            a.options,
        )
        for name in names
    }
    return Profile(
        columns=columns,
        row_count=a.row_count + b.row_count,
        options=a.options,
        window_start=_bound(a.window_start, b.window_start, min),
        window_end=_bound(a.window_end, b.window_end, max),
    )


def merge_columns(a: ColumnProfile, b: ColumnProfile, options: ProfileOptions) -> ColumnProfile:
    kind, reason = _merged_kind(a, b)
    dtype = (
        a.dtype
        if a.dtype == b.dtype
        else "|".join(sorted({*a.dtype.split("|"), *b.dtype.split("|")}))
    )
    count = a.count + b.count
    if kind is ColumnKind.UNSUPPORTED:
        return ColumnProfile(name=a.name, kind=kind, dtype=dtype, count=count, reason=reason)
    categories = None
    if a.categories is not None and b.categories is not None:
        categories = a.categories.merged(b.categories, options.level_limit)
    else:
        categories = a.categories or b.categories
    quantiles = _merge_quantiles(a.quantiles, b.quantiles)
    distinct = None
    if quantiles is not None and not quantiles.exact:
        distinct = _merge_hll(_hll_of(a), _hll_of(b))
    elif kind is not ColumnKind.NUMERIC and kind is not ColumnKind.DATETIME:
        # A categorical read from a format-v1 profile may carry an HLL.
        distinct = _merge_hll(a.distinct, b.distinct)
    return ColumnProfile(
        name=a.name,
        kind=kind,
        dtype=dtype,
        count=count,
        nulls=a.nulls + b.nulls,
        nan=a.nan + b.nan,
        pos_inf=a.pos_inf + b.pos_inf,
        neg_inf=a.neg_inf + b.neg_inf,
        moments=merge_moments(a.moments, b.moments),
        quantiles=quantiles,
        categories=categories,
        distinct=distinct,
    )


def _merged_kind(a: ColumnProfile, b: ColumnProfile) -> tuple[ColumnKind, str | None]:
    if a.kind is ColumnKind.UNSUPPORTED or b.kind is ColumnKind.UNSUPPORTED:
        reasons = sorted({r for r in (a.reason, b.reason) if r})
        return ColumnKind.UNSUPPORTED, "; ".join(reasons)
    if a.kind == b.kind or b.kind is ColumnKind.EMPTY:
        return a.kind, None
    if a.kind is ColumnKind.EMPTY:
        return b.kind, None
    first, second = sorted((a.kind.value, b.kind.value))
    return ColumnKind.UNSUPPORTED, f"kind conflict between merged parts: {first} vs {second}"


def _merge_quantiles(a: Quantiles | None, b: Quantiles | None) -> Quantiles | None:
    if a is None or b is None:
        return a or b
    return a.merged(b)


def _hll_of(column: ColumnProfile) -> Hll | None:
    """A sketched column's HLL, or one built from the exact distinct values (an HLL depends only
    on the set of values, so it is the same HLL those rows would have given)."""
    if column.distinct is not None or column.quantiles is None or not column.quantiles.exact:
        return column.distinct
    hll = Hll()
    hll.update_hashes(hash_numbers(column.quantiles.values))
    return hll


def _merge_hll(a: Hll | None, b: Hll | None) -> Hll | None:
    if a is None or b is None:
        return a or b
    return a.merged(b)


def _bound(
    x: datetime | None, y: datetime | None, pick: Callable[[datetime, datetime], datetime]
) -> datetime | None:
    # An unknown bound on either side leaves the union's bound unknown.
    if x is None or y is None:
        return None
    return pick(x, y)
