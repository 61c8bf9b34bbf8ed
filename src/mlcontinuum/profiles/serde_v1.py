"""Reading format v1 profiles (`continuum:profile:v1`), upgraded to the current model.

Profiles stored before format v2 (monitoring windows, model versions' reference profiles) stay
readable, with what they can be trusted for:

- moments: `m2` becomes the standard deviation;
- quantiles: DataSketches' KLL sketch becomes a summary with the same items and weights (exact
  value counts when it held every value once and few distinct values), and with an error bound
  equal to DataSketches' a-priori bound for its k;
- categories: exact counts stay exact. A v1 summary past the level limit (Misra–Gries) holds
  undercounts that no later merge can repair, so it is kept for display but marked untrusted:
  drift methods skip the column with a reason, until it is profiled again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
from datasketches import kll_doubles_sketch

from mlcontinuum.profiles.categories import CategoryCounts
from mlcontinuum.profiles.errors import ProfileFormatError
from mlcontinuum.profiles.hll import Hll
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, Profile, ProfileOptions
from mlcontinuum.profiles.moments import Moments
from mlcontinuum.profiles.quantiles import DELTA, Quantiles
from mlcontinuum.profiles.serde import _int, _slice, assemble, check_consistent


def upgrade(header: dict[str, Any], body: bytes) -> Profile:
    options = ProfileOptions(**{k: _int(v) for k, v in header["options"].items()})
    return assemble(header, [_column(entry, body, options) for entry in header["columns"]], options)


def _column(entry: dict[str, Any], body: bytes, options: ProfileOptions) -> ColumnProfile:
    kind = ColumnKind(entry["kind"])
    counts = {k: _int(entry[k]) for k in ("count", "nulls", "nan", "pos_inf", "neg_inf")}
    moments = None if entry["moments"] is None else _moments(entry["moments"])
    quantiles = None
    if entry["kll"] is not None:
        quantiles = _quantiles(_slice(body, entry["kll"]), options)
    hll = None if entry["hll"] is None else Hll.from_bytes(_slice(body, entry["hll"]))
    categories = None
    if entry["categories"] is not None:
        categories = _categories(entry["categories"])
    # The current model keeps an HLL only where exact counts cannot give the distinct values.
    keep_hll = (quantiles is not None and not quantiles.exact) or (
        categories is not None and not categories.trusted
    )
    column = ColumnProfile(
        name=str(entry["name"]),
        kind=kind,
        dtype=str(entry["dtype"]),
        moments=moments,
        quantiles=quantiles,
        distinct=hll if keep_hll else None,
        categories=categories,
        reason=None if entry["reason"] is None else str(entry["reason"]),
        **counts,
    )
    check_consistent(column, options)
    return column


def _moments(values: list[Any]) -> Moments:
    n, mean, m2, low, high = values
    n = _int(n)
    if n < 1 or not all(math.isfinite(float(v)) for v in (mean, m2, low, high)) or m2 < 0:
        raise ProfileFormatError("moments are inconsistent")
    if low > high:
        raise ProfileFormatError("moments are inconsistent")
    return Moments(
        n=n, mean=float(mean), std=math.sqrt(float(m2) / n), minimum=float(low), maximum=float(high)
    )


def _quantiles(raw: bytes, options: ProfileOptions) -> Quantiles:
    sketch = kll_doubles_sketch.deserialize(raw)
    k, limit = options.kll_k, options.value_limit
    if sketch.k != k:
        raise ProfileFormatError("quantile sketch built with other options")
    if sketch.is_empty():
        return Quantiles.empty(k, limit)
    pairs = sorted(sketch)
    items = np.array([item for item, _ in pairs], dtype=np.float64)
    weights = np.array([weight for _, weight in pairs], dtype=np.int64)
    if not np.isfinite(items).all() or (weights < 1).any() or (weights & (weights - 1)).any():
        raise ProfileFormatError("quantile sketch items are inconsistent")
    low, high = float(sketch.get_min_value()), float(sketch.get_max_value())
    n = int(sketch.n)
    if not sketch.is_estimation_mode():
        values, counts = np.unique(items, return_counts=True)
        if values.size <= limit:
            return Quantiles(
                k=k,
                value_limit=limit,
                n=n,
                minimum=low,
                maximum=high,
                values=values,
                counts=counts.astype(np.int64),
            )
    levels_of = np.log2(weights).astype(np.int64)
    levels = [items[levels_of == h] for h in range(int(levels_of.max()) + 1)]
    # Keep DataSketches' own a-priori bound: rank_error() gives back its epsilon.
    epsilon = float(sketch.normalized_rank_error(False)) if sketch.is_estimation_mode() else 0.0
    error_sq = (epsilon * n) ** 2 / (2.0 * math.log(2.0 / DELTA))
    return Quantiles(
        k=k,
        value_limit=limit,
        n=n,
        minimum=low,
        maximum=high,
        levels=levels,
        error_sq=error_sq,
        compactions=0,
    )


def _categories(entry: dict[str, Any]) -> CategoryCounts:
    labels = entry["labels"]
    counts = np.asarray(entry["counts"], dtype=np.int64)
    if (
        len(labels) != len(counts)
        or (counts < 1).any()
        or not all(isinstance(x, str) for x in labels)
        or len(set(labels)) != len(labels)
    ):
        raise ProfileFormatError("category labels and counts do not match")
    order = np.argsort(np.array(labels, dtype=object), kind="stable")
    array = pa.array([labels[i] for i in order], type=pa.string())
    total = _int(entry["total"])
    offset = _int(entry["offset"])
    if offset == 0:
        return CategoryCounts(labels=array, counts=counts[order], total=total)
    # A Misra–Gries summary: undercounted labels, no exact partition.
    return CategoryCounts(
        labels=array, counts=counts[order], total=total, threshold=0, buckets=None
    )
