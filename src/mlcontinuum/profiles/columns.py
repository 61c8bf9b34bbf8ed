"""Profile one chunk of one column: kind by Arrow type, then vectorised counts and sketches."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from mlcontinuum.profiles.categories import CategoryCounts
from mlcontinuum.profiles.hll import Hll
from mlcontinuum.profiles.inputs import ColumnChunk, Unconvertible
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, ProfileOptions
from mlcontinuum.profiles.moments import Moments
from mlcontinuum.profiles.quantiles import Quantiles

# Datetimes are profiled as float seconds since the Unix epoch (UTC).
_SECONDS_PER_UNIT = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def profile_chunk(name: str, chunk: ColumnChunk, options: ProfileOptions) -> ColumnProfile:
    if isinstance(chunk, Unconvertible):
        return _unsupported(name, chunk.dtype, chunk.length, chunk.reason)
    if pa.types.is_dictionary(chunk.type):
        if kind_of(chunk.type.value_type) is ColumnKind.CATEGORICAL:
            # Dictionary-encoded labels (pandas categorical, Parquet dictionaries) are counted
            # on their integer codes: no label is hashed or compared per row.
            return _dictionary_categorical(name, chunk, options)
        chunk = chunk.dictionary_decode()
    kind = kind_of(chunk.type)
    if kind is ColumnKind.NUMERIC:
        return _numeric(name, chunk, _as_float(chunk), ColumnKind.NUMERIC, options)
    if kind is ColumnKind.DATETIME:
        return _numeric(name, chunk, _epoch_seconds(chunk), ColumnKind.DATETIME, options)
    if kind is ColumnKind.CATEGORICAL:
        return _categorical(name, chunk, options)
    if kind is ColumnKind.BOOLEAN:
        return _boolean(name, chunk, options)
    if kind is ColumnKind.EMPTY:
        return empty_column(name, len(chunk), str(chunk.type))
    return _unsupported(name, str(chunk.type), len(chunk), f"unsupported type {chunk.type}")


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
    # NumPy sorts -inf first and +inf, then NaN (and nulls, which arrive as NaN) last, so the
    # non-finite counts are three binary searches and the finite values one slice.
    ordered = np.sort(values)
    neg_inf = int(np.searchsorted(ordered, -np.inf, side="right"))
    below_pos_inf = int(np.searchsorted(ordered, np.inf, side="left"))
    not_nan = int(np.searchsorted(ordered, np.inf, side="right"))
    pos_inf = not_nan - below_pos_inf
    nan = values.size - not_nan - nulls
    ordered = ordered[neg_inf:below_pos_inf]
    # -0.0 == 0.0: fold the sign so equal values have equal bits (hashes, exact counts, bytes).
    np.add(ordered, 0.0, out=ordered)
    quantiles = Quantiles.from_sorted(ordered, options.kll_k, options.value_limit)
    distinct = None
    if not quantiles.exact:
        # Exact counts know their distinct values; only a sketched column needs the HLL.
        distinct = Hll()
        distinct.update_values(ordered)
    return ColumnProfile(
        name=name,
        kind=kind,
        dtype=str(array.type),
        count=len(array),
        nulls=nulls,
        nan=nan,
        pos_inf=pos_inf,
        neg_inf=neg_inf,
        moments=Moments.of_sorted(ordered),
        quantiles=quantiles,
        distinct=distinct,
    )


def _categorical(name: str, array: pa.Array, options: ProfileOptions) -> ColumnProfile:
    counts = pc.value_counts(array.drop_null() if array.null_count else array).flatten()
    categories = CategoryCounts.from_counts(
        counts[0], counts[1].to_numpy().astype(np.int64), options.level_limit
    )
    return ColumnProfile(
        name=name,
        kind=ColumnKind.CATEGORICAL,
        dtype=str(array.type),
        count=len(array),
        nulls=array.null_count,
        categories=categories,
    )


def _dictionary_categorical(
    name: str, array: pa.DictionaryArray, options: ProfileOptions
) -> ColumnProfile:
    dictionary = array.dictionary
    indices = array.indices
    codes = (indices.drop_null() if indices.null_count else indices).to_numpy()
    counts = np.bincount(codes, minlength=len(dictionary)).astype(np.int64)
    nulls = indices.null_count
    if dictionary.null_count:
        # A null inside the dictionary is a null value too.
        null_codes = np.flatnonzero(dictionary.is_null().to_numpy(zero_copy_only=False))
        nulls += int(counts[null_codes].sum())
        counts[null_codes] = 0
    used = counts > 0
    categories = CategoryCounts.from_counts(
        dictionary.filter(pa.array(used)),
        counts[used],
        options.level_limit,
        # Arrow does not forbid a dictionary from repeating a value.
        unique=False,
    )
    return ColumnProfile(
        name=name,
        kind=ColumnKind.CATEGORICAL,
        dtype=str(array.type),
        count=len(array),
        nulls=nulls,
        categories=categories,
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
            std=math.sqrt(p * (1.0 - p)),
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
