"""Merge profiles of disjoint row sets (chunks, partitions, time windows).

Exact fields (counts, min, max) merge exactly; mean and variance with Chan's formula (equal up to
float rounding whatever the order); sketches with their own merge, within their stated error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from datasketches import kll_doubles_sketch

from mlcontinuum.profiles.columns import empty_column
from mlcontinuum.profiles.errors import ProfileError
from mlcontinuum.profiles.hll import Hll
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, Profile, ProfileOptions
from mlcontinuum.profiles.moments import merge_moments


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
        quantiles=_merge_kll(a.quantiles, b.quantiles, options.kll_k),
        categories=categories,
        distinct=_merge_hll(a.distinct, b.distinct),
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


def _merge_kll(
    a: kll_doubles_sketch | None, b: kll_doubles_sketch | None, k: int
) -> kll_doubles_sketch | None:
    if a is None and b is None:
        return None
    merged = kll_doubles_sketch(k)
    for part in (a, b):
        if part is not None and not part.is_empty():
            merged.merge(part)
    return merged


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
