"""Profile one chunk of one column: kind by Arrow type, then vectorised counts and sketches."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketches import kll_doubles_sketch
from numpy.typing import NDArray

from mlcontinuum.profiles.categories import CategoryCounts
from mlcontinuum.profiles.hll import Hll, hash_labels, hash_numbers
from mlcontinuum.profiles.inputs import ColumnChunk, Unconvertible
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, ProfileOptions
from mlcontinuum.profiles.moments import Moments

# Datetimes are profiled as float seconds since the Unix epoch (UTC).
_SECONDS_PER_UNIT = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def profile_chunk(name: str, chunk: ColumnChunk, options: ProfileOptions) -> ColumnProfile:
    if isinstance(chunk, Unconvertible):
        return _unsupported(name, chunk.dtype, chunk.length, chunk.reason)
    array = chunk.dictionary_decode() if pa.types.is_dictionary(chunk.type) else chunk
    kind = kind_of(array.type)
    if kind is ColumnKind.NUMERIC:
        return _numeric(name, array, _as_float(array), ColumnKind.NUMERIC, options)
    if kind is ColumnKind.DATETIME:
        return _numeric(name, array, _epoch_seconds(array), ColumnKind.DATETIME, options)
    if kind is ColumnKind.CATEGORICAL:
        return _categorical(name, array, options)
    if kind is ColumnKind.BOOLEAN:
        return _boolean(name, array, options)
    if kind is ColumnKind.EMPTY:
        return empty_column(name, len(array), str(array.type))
    return _unsupported(name, str(array.type), len(array), f"unsupported type {array.type}")


def kind_of(arrow_type: pa.DataType) -> ColumnKind:
    """The kind an Arrow type is profiled as; nested, binary and interval types are unsupported."""
    t = pa.types
    if t.is_integer(arrow_type) or t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        return ColumnKind.NUMERIC
    if t.is_timestamp(arrow_type) or t.is_date(arrow_type):
        return ColumnKind.DATETIME
    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_string_view(arrow_type):
        return ColumnKind.CATEGORICAL
    if t.is_boolean(arrow_type):
        return ColumnKind.BOOLEAN
    if t.is_null(arrow_type):
        return ColumnKind.EMPTY
    return ColumnKind.UNSUPPORTED


def empty_column(name: str, rows: int, dtype: str = "null") -> ColumnProfile:
    """A column with no typed values: every row is null."""
    return ColumnProfile(name=name, kind=ColumnKind.EMPTY, dtype=dtype, count=rows, nulls=rows)


def _unsupported(name: str, dtype: str, rows: int, reason: str) -> ColumnProfile:
    return ColumnProfile(
        name=name, kind=ColumnKind.UNSUPPORTED, dtype=dtype, count=rows, reason=reason
    )


def _as_float(array: pa.Array) -> NDArray[np.float64]:
    if pa.types.is_decimal(array.type) or pa.types.is_float16(array.type):
        array = array.cast(pa.float64())
    # Nulls become NaN here; `_numeric` subtracts them again using Arrow's null count.
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


def _epoch_seconds(array: pa.Array) -> NDArray[np.float64]:
    if pa.types.is_date32(array.type):
        ticks, scale = array.cast(pa.int32()), 86_400.0
    elif pa.types.is_date64(array.type):
        ticks, scale = array.cast(pa.int64()), 1e-3
    else:
        ticks, scale = array.cast(pa.int64()), _SECONDS_PER_UNIT[array.type.unit]
    return _as_float(ticks) * scale


def _numeric(
    name: str,
    array: pa.Array,
    values: NDArray[np.float64],
    kind: ColumnKind,
    options: ProfileOptions,
) -> ColumnProfile:
    nulls = array.null_count
    finite_mask = np.isfinite(values)
    finite_count = int(np.count_nonzero(finite_mask))
    nan = pos_inf = neg_inf = 0
    if finite_count < values.size:
        pos_inf = int(np.count_nonzero(np.isposinf(values)))
        neg_inf = int(np.count_nonzero(np.isneginf(values)))
        nan = values.size - finite_count - pos_inf - neg_inf - nulls
        values = values[finite_mask]
    sketch = kll_doubles_sketch(options.kll_k)
    distinct = Hll()
    if values.size:
        # DataSketches' binding only accepts writable arrays; Arrow hands out read-only views.
        sketch.update(values if values.flags.writeable else values.copy())
        distinct.update_hashes(hash_numbers(values))
    return ColumnProfile(
        name=name,
        kind=kind,
        dtype=str(array.type),
        count=len(array),
        nulls=nulls,
        nan=nan,
        pos_inf=pos_inf,
        neg_inf=neg_inf,
        moments=Moments.of(values),
        quantiles=sketch,
        distinct=distinct,
    )


def _categorical(name: str, array: pa.Array, options: ProfileOptions) -> ColumnProfile:
    counts = pc.value_counts(array.drop_null()).flatten()
    categories = CategoryCounts.from_counts(
        counts[0], counts[1].to_numpy().astype(np.int64), options.level_limit
    )
    distinct = Hll()
    distinct.update_hashes(hash_labels(counts[0].to_numpy(zero_copy_only=False)))
    return ColumnProfile(
        name=name,
        kind=ColumnKind.CATEGORICAL,
        dtype=str(array.type),
        count=len(array),
        nulls=array.null_count,
        categories=categories,
        distinct=distinct,
    )


def _boolean(name: str, array: pa.Array, options: ProfileOptions) -> ColumnProfile:
    valid = len(array) - array.null_count
    trues = int(pc.sum(array).as_py() or 0)
    moments = None
    if valid:
        # The moments of a 0/1 variable follow from the count of ones.
        p = trues / valid
        moments = Moments(
            n=valid,
            mean=p,
            m2=valid * p * (1.0 - p),
            minimum=0.0 if trues < valid else 1.0,
            maximum=1.0 if trues else 0.0,
        )
    labels = pa.array(["false", "true"], type=pa.string())
    counts = np.array([valid - trues, trues], dtype=np.int64)
    keep = counts > 0
    categories = CategoryCounts.from_counts(
        labels.filter(pa.array(keep)), counts[keep], options.level_limit
    )
    return ColumnProfile(
        name=name,
        kind=ColumnKind.BOOLEAN,
        dtype=str(array.type),
        count=len(array),
        nulls=array.null_count,
        moments=moments,
        categories=categories,
    )
