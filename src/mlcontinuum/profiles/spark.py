"""`profile_spark`: the same profile from a PySpark DataFrame, built where the data lives.

Each partition is profiled on its executor from the Arrow batches `mapInArrow` hands over. The
partial profiles, bounded in size whatever the row count, are then merged on the executors too:
the partitions are coalesced (no shuffle) into a few groups of consecutive partitions, each group
merges its partials in partition order, and the driver merges the few results, again in order.
So the driver holds a handful of profiles however many partitions there are, and a given plan
always merges in the same order, which keeps the result reproducible byte for byte (a shuffle or
tree reduce would merge in whatever order blocks arrive). PySpark is an optional extra
(`pip install 'mlcontinuum[spark]'`): it is imported only when this function runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial, reduce
from itertools import chain
from typing import TYPE_CHECKING

import pyarrow as pa

from mlcontinuum.profiles.builder import build_profile
from mlcontinuum.profiles.errors import ProfileInputError
from mlcontinuum.profiles.merging import merge
from mlcontinuum.profiles.model import Profile, ProfileOptions
from mlcontinuum.profiles.reading import loads
from mlcontinuum.profiles.serde import dumps

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_PARTIAL_COLUMN = "profile"
# Groups of partitions merged on the executors, per core: enough tasks to keep every core busy
# profiling, few enough results for the driver.
_GROUPS_PER_CORE = 4


def profile_spark(df: DataFrame, *, options: ProfileOptions | None = None) -> Profile:
    """Profile a PySpark DataFrame partition by partition and merge the partial profiles.

    The executors' Python must be able to import `mlcontinuum` (same environment as the driver
    in local mode; the package installed on the workers in a cluster). Raises ImportError when
    PySpark is missing and ProfileInputError for input `build_profile` would also refuse.
    """
    try:
        import pyspark  # noqa: F401  (only to fail early with a clear message)
    except ImportError as exc:
        raise ImportError("profile_spark needs PySpark: pip install 'mlcontinuum[spark]'") from exc
    chosen = options if options is not None else ProfileOptions()
    # Checked here because the same error raised on an executor reaches the caller buried in a
    # Java stack trace.
    if not df.columns:
        raise ProfileInputError("the input has no columns")
    duplicates = sorted({name for name in df.columns if df.columns.count(name) > 1})
    if duplicates:
        raise ProfileInputError(f"duplicate column names: {', '.join(duplicates[:10])}")

    schema = f"{_PARTIAL_COLUMN} binary"
    groups = max(1, df.sparkSession.sparkContext.defaultParallelism * _GROUPS_PER_CORE)
    merged = (
        df.mapInArrow(partial(_profile_partition, options=chosen), schema)
        .coalesce(groups)
        .mapInArrow(_merge_partials, schema)
        .collect()
    )
    if not merged:
        raise ProfileInputError("the input has no rows")
    # One at a time, so the driver never holds more than two profiles.
    return reduce(
        lambda total, row: merge(total, loads(bytes(row[0]))),
        merged[1:],
        loads(bytes(merged[0][0])),
    )


def _profile_partition(
    batches: Iterable[pa.RecordBatch], options: ProfileOptions
) -> Iterator[pa.RecordBatch]:
    """Runs on an executor: one partition's batches in, at most one serialised profile out."""
    chunks = _rebatched(batches, options.chunk_rows)
    first = next(chunks, None)
    if first is None:
        # An empty partition contributes nothing, rather than an empty profile to merge.
        return
    profile = build_profile(chain([first], chunks), options=options)
    blob = pa.array([dumps(profile)], type=pa.binary())
    yield pa.RecordBatch.from_arrays([blob], names=[_PARTIAL_COLUMN])


def _merge_partials(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Runs on an executor: the serialised partials of a group of partitions, in partition
    order, in; at most one serialised profile, their merge, out."""
    total: Profile | None = None
    for batch in batches:
        for blob in batch.column(0).to_pylist():
            part = loads(blob)
            total = part if total is None else merge(total, part)
    if total is not None:
        yield pa.RecordBatch.from_arrays(
            [pa.array([dumps(total)], type=pa.binary())], names=[_PARTIAL_COLUMN]
        )


def _rebatched(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Regroup Spark's small Arrow batches (10,000 rows by default) into chunks of about `rows`.

    Every chunk costs a per-column profile and a merge; at Spark's batch size that overhead would
    dominate, while `rows` (options.chunk_rows) is the memory bound the engine already promises.
    """
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        size += batch.num_rows
        if size >= rows:
            yield _combined(pending)
            pending, size = [], 0
    if pending:
        yield _combined(pending)


def _combined(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    # After combine_chunks every column is one chunk, so this is exactly one batch.
    combined: pa.RecordBatch = pa.Table.from_batches(batches).combine_chunks().to_batches()[0]
    return combined
